import HosoCore
import HosoReports
import HosoStore

/// Turns an inspection's stored facts into the content of its minutes (biên bản), worded by
/// `reports/minutes.yaml`. Official documents are in Vietnamese whatever the reader's language.
struct MinutesBuilder {
    let words: DocumentTemplates.Words
    let localizer: Localizer

    struct Facts {
        let inspection: InspectionRow
        let issuer: StoredUnit
        let issuerParent: StoredUnit?
        let scope: [StoredUnit]
        /// Each inspected unit's representative (its principal), by unit id.
        let representatives: [Int64: String]
        let members: [InspectionMember]
        let items: [ChecklistItem]
        let units: [Int64: StoredUnit]
        let findings: [FindingRow]
        let followUps: [FollowUpRow]
        let typeNames: [String: String]
        let number: String
        let issuedOn: LocalDate
        let time: String
        let conclusions: String
        let recommendations: String?
        /// The leader's digital signature, printed under their name (signer, time, certificate serial).
        var digitalSignature: (name: String, serial: String, time: String)? = nil
    }

    func periodLabel(_ item: ChecklistItem) -> String {
        localizer.text("period." + item.periodKind, .vi, ["n": String(item.periodNumber)])
    }

    func document(_ f: Facts) -> OfficialDocument {
        let inspection = f.inspection
        let kind = words.text("kind_" + inspection.kind.rawValue)
        let date = f.issuedOn.vietnameseLong
        var blocks: [OfficialDocument.Block] = []
        blocks.append(.paragraph(words.text("opening", [
            "date": date, "place": inspection.place, "issuer": f.issuer.nameVi, "plan": String(inspection.id),
            "planned_on": inspection.plannedOn.vietnamese,
        ])))

        blocks.append(.heading(words.text("team_heading")))
        blocks.append(.line(words.text("team_label")))
        for member in f.members {
            let role = member.roles.first(where: { InspectionRules.inspectingRoles(inspection.kind).contains($0) }) ?? member.roles.first
            blocks.append(.line(words.text("team_member", [
                "name": member.displayName, "login": member.login, "role": role.map { localizer.text($0.messageKey, .vi) } ?? "",
                "leader": member.leader ? words.text("team_leader") : "",
            ])))
        }
        blocks.append(.line(words.text("units_label")))
        for unit in f.scope {
            blocks.append(.line(words.text("unit_line", [
                "name": unit.nameVi, "code": unit.code, "representative": f.representatives[unit.id] ?? words.text("no_representative"),
            ])))
        }

        blocks.append(.heading(words.text("scope_heading")))
        let types = inspection.recordTypes.isEmpty ? words.text("all_types")
            : inspection.recordTypes.map { f.typeNames[$0] ?? $0 }.joined(separator: ", ")
        blocks.append(.paragraph(words.text("scope", [
            "types": types, "from": inspection.periodFrom.vietnamese, "to": inspection.periodTo.vietnamese, "items": String(f.items.count),
        ])))

        blocks.append(.heading(words.text("results_heading")))
        let count = { (verdict: Verdict) in f.items.filter { $0.verdict == verdict }.count }
        blocks.append(.paragraph(words.text("results", [
            "compliant": String(count(.compliant)), "non_compliant": String(count(.nonCompliant)),
            "not_applicable": String(count(.notApplicable)), "viewed": String(f.items.filter { $0.viewedAt != nil }.count),
        ])))
        var perUnit: [Int64: [Verdict: Int]] = [:], order: [Int64] = []
        for item in f.items {
            if perUnit[item.unitID] == nil { order.append(item.unitID) }
            perUnit[item.unitID, default: [:]][item.verdict, default: 0] += 1
        }
        if order.count > 1 || !f.items.isEmpty {
            let columns = words.list("results_by_unit_columns")
            if columns.count == 6 {
                blocks.append(.table(.init(
                    columns: [.init(columns[0], weight: 0.6, alignment: .center), .init(columns[1], weight: 4),
                              .init(columns[2], weight: 1, alignment: .right), .init(columns[3], weight: 1, alignment: .right),
                              .init(columns[4], weight: 1.2, alignment: .right), .init(columns[5], weight: 1.4, alignment: .right)],
                    rows: order.enumerated().map { index, unitID in
                        let v = perUnit[unitID] ?? [:]
                        return [String(index + 1), f.units[unitID]?.nameVi ?? String(unitID), String(v.values.reduce(0, +)),
                                String(v[.compliant] ?? 0), String(v[.nonCompliant] ?? 0), String(v[.notApplicable] ?? 0)]
                    }
                )))
            }
        }

        blocks.append(.heading(words.text("findings_heading")))
        let itemsByID = Dictionary(uniqueKeysWithValues: f.items.map { ($0.id, $0) })
        if f.findings.isEmpty {
            blocks.append(.paragraph(words.text("no_findings")))
        } else {
            let c = words.list("findings_columns")
            blocks.append(.table(.init(
                columns: [.init(c[safe: 0], weight: 0.6, alignment: .center), .init(c[safe: 1], weight: 2.2), .init(c[safe: 2], weight: 2.2),
                          .init(c[safe: 3], weight: 1.5), .init(c[safe: 4], weight: 4.3)],
                rows: f.findings.enumerated().map { index, finding in
                    let item = itemsByID[finding.itemID]
                    let type = (f.typeNames[finding.recordType] ?? finding.recordType) + (item.map { " (" + periodLabel($0) + ")" } ?? "")
                    return [String(index + 1), f.units[finding.unitID]?.nameVi ?? "", type,
                            words.text("severity_" + finding.severity.rawValue), finding.text]
                }
            )))
        }

        blocks.append(.heading(words.text("conclusions_heading")))
        for paragraph in f.conclusions.split(whereSeparator: \.isNewline) where !paragraph.trimmingCharacters(in: .whitespaces).isEmpty {
            blocks.append(.paragraph(String(paragraph)))
        }
        if let recommendations = f.recommendations, !recommendations.isEmpty {
            blocks.append(.heading(words.text("recommendations_heading")))
            for paragraph in recommendations.split(whereSeparator: \.isNewline) where !paragraph.trimmingCharacters(in: .whitespaces).isEmpty {
                blocks.append(.paragraph(String(paragraph)))
            }
        }

        blocks.append(.heading(words.text("follow_ups_heading")))
        if f.followUps.isEmpty {
            blocks.append(.paragraph(words.text("no_follow_ups")))
        } else {
            let c = words.list("follow_ups_columns")
            let findingNumber = Dictionary(uniqueKeysWithValues: f.findings.enumerated().map { ($1.id, $0 + 1) })
            blocks.append(.table(.init(
                columns: [.init(c[safe: 0], weight: 0.6, alignment: .center), .init(c[safe: 1], weight: 4.5), .init(c[safe: 2], weight: 2.2),
                          .init(c[safe: 3], weight: 1.5, alignment: .center), .init(c[safe: 4], weight: 1.2, alignment: .center)],
                rows: f.followUps.enumerated().map { index, followUp in
                    [String(index + 1), followUp.action, followUp.ownerName, followUp.dueOn.vietnamese,
                     findingNumber[followUp.findingID].map(String.init) ?? ""]
                }
            )))
        }
        blocks.append(.paragraph(words.text("closing", ["time": f.time, "day": f.issuedOn.vietnamese])))

        let leader = f.members.first(where: \.leader) ?? f.members.first
        let hint = words.text("signature_hint")
        let note = f.digitalSignature.map { words.text("signature_digital", ["name": $0.name, "serial": $0.serial, "time": $0.time]) }
        var signatures: [OfficialDocument.Signature] = []
        if inspection.kind == .selfInspection {
            signatures.append(.init(capacity: [words.text("signature_self")], hint: hint, name: leader?.displayName ?? "", note: note))
        } else {
            let representative = f.scope.count == 1 ? f.representatives[f.scope[0].id] ?? "" : ""
            signatures.append(.init(capacity: [words.text("signature_unit")], hint: hint, name: representative))
            signatures.append(.init(capacity: [words.text("signature_leader")], hint: hint, name: leader?.displayName ?? "", note: note))
        }
        return OfficialDocument(
            issuerParent: f.issuerParent?.nameVi, issuer: f.issuer.nameVi, number: words.text("number", ["number": f.number]),
            placeAndDate: words.text("place_date", ["place": inspection.place, "date": date]),
            title: words.text("title"), subtitle: words.text("subtitle", ["kind": kind, "title": inspection.title]),
            blocks: blocks, signatures: signatures, recipientsLabel: words.text("recipients_label"),
            recipients: words.list("recipients", ["issuer": f.issuer.nameVi]),
            metadataTitle: "Biên bản kiểm tra \(f.number)"
        )
    }
}

extension Array where Element == String {
    subscript(safe index: Int) -> String { indices.contains(index) ? self[index] : "" }
}
