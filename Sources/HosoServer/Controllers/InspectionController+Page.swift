import Foundation
import HosoCore
import HosoSigning
import HosoStore
import Hummingbird

/// An inspection's page and its JSON: the plan, the checklist, findings, follow-ups, conclusions
/// and minutes, as much as the actor sees; the steps offered are `InspectionDecisions.offers`.
extension InspectionController {
    /// The checklist, findings and follow-ups the actor sees (all of them, or those of the units
    /// they watch: `InspectionVisibility.sees`), with the units they name.
    func visibleParts(
        _ actor: Actor, _ visible: Visible, verdict: Verdict? = nil
    )
        async throws -> (
            items: [ChecklistItem], findings: [FindingRow], followUps: [FollowUpRow], units: [Int64: StoredUnit]
        )
    {
        let tenantID = actor.tenantID
        let id = visible.row.id
        var items = try await services.inspections.checklist(
            tenantID: tenantID, id: id, verdict: verdict, limit: InspectionRules.maxChecklist)
        var findings = try await services.inspections.findings(tenantID: tenantID, id: id)
        var followUps = try await services.inspections.followUps(tenantID: tenantID, inspectionID: id)
        let unitIDs = Array(Set(items.map(\.unitID) + findings.map(\.unitID)))
        let units = Dictionary(try await services.units.units(tenantID: tenantID, ids: unitIDs).map { ($0.id, $0) }) {
            a, _ in a
        }
        if visible.sight != .all {
            let policy = services.policy
            let allowed = Set(
                units.values.filter {
                    InspectionVisibility.sees(actor, visible.sight, unit: $0.position, policy: policy)
                }.map(\.id))
            items = items.filter { allowed.contains($0.unitID) }
            findings = findings.filter { allowed.contains($0.unitID) }
            let kept = Set(findings.map(\.id))
            followUps = followUps.filter { kept.contains($0.findingID) }
        }
        return (items, findings, followUps, units)
    }

    func inspectionJSONValue(_ actor: Actor, _ visible: Visible) async throws -> API.Inspection {
        let parts = try await visibleParts(actor, visible)
        var counts: [Verdict: Int] = [:]
        for item in parts.items { counts[item.verdict, default: 0] += 1 }
        return API.Inspection(
            visible.row, issuer: visible.issuer, scope: visible.scope, members: visible.members, counts: counts,
            findings: parts.findings, followUps: parts.followUps)
    }

    func inspectionJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        return try JSONResponse.make(try await inspectionJSONValue(actor, visible))
    }

    func itemsJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        let filter = try ChecklistFilter.parse(
            DashboardQuery.parameters(request), scope: visible.scope, types: Set(try await recordTypes(actor, visible.row).keys))
        let parts = try await visibleParts(actor, visible, verdict: filter.verdict)
        let codes = parts.units.mapValues(\.code)
        return try JSONResponse.make(
            API.ChecklistPage(
                items: parts.items.filter(filter.matches).map { API.ChecklistLine($0, unitCode: codes[$0.unitID] ?? "") }))
    }

    /// The record types of the inspection's school year, code to name.
    func recordTypes(_ actor: Actor, _ row: InspectionRow, language: Language = .vi) async throws -> [String: String] {
        let catalog = try await services.catalog.tenant(actor.tenantID)
        return Dictionary(
            (catalog.years[row.schoolYear]?.types ?? []).map { ($0.code, language == .en ? $0.nameEn : $0.nameVi) }
        ) { a, _ in a }
    }

    /// Who may own a follow-up: people working in the units in scope (offered while follow-ups may be added).
    func ownerCandidates(_ actor: Actor, _ visible: Visible, offered: Bool) async throws -> [InspectionPages.Person] {
        guard offered else { return [] }
        var seen: Set<String> = []
        var result: [InspectionPages.Person] = []
        for unit in visible.scope {
            for member in try await services.users.members(tenantID: actor.tenantID, unitID: unit.id)
            where !seen.contains(member.login) {
                seen.insert(member.login)
                result.append(InspectionPages.Person(login: member.login, name: member.displayName))
            }
        }
        return result
    }

    /// The minutes' digital signature, checked again now against the PDF in the blob store.
    func minutesSignature(
        _ actor: Actor, _ row: InspectionRow, _ language: Language
    ) async throws -> InspectionPages.Inspection.Signature? {
        guard row.minutesSHA256 != nil,
            let xml = try await services.inspections.minutesManifest(tenantID: actor.tenantID, inspectionID: row.id)
        else { return nil }
        let check = try ManifestSignatures.verify(
            Array(xml.utf8), roots: try await services.signing.roots(tenantID: actor.tenantID),
            schema: services.signing.schema)
        let document = (try? services.blobs.read(check.manifest.document.sha256)).map(Digests.sha256) ?? "missing"
        let review = SignatureReview(
            manifest: check.manifest, evidence: check.evidence, owners: nil, documentSHA256: document)
        guard let signature = review.signatures.first, let claim = signature.evidence.claim else { return nil }
        let problems = signature.problems + [review.documentProblem].compactMap { $0 }
        return InspectionPages.Inspection.Signature(
            signer: claim.signerName, at: VietnamTime.display(epochSeconds: claim.signingTime),
            serial: signature.evidence.certificate?.serial ?? "",
            valid: signature.valid && review.documentProblem == nil,
            problems: problems.map { services.localizer.text($0.messageKey, language, $0.parameters) },
            manifestURL: SiteURL.apiInspectionMinutesManifest(row.id).path)
    }

    func inspectionPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let language = context.language
        let visible = try await visible(actor, try id(context))
        let row = visible.row
        let types = try await recordTypes(actor, row, language: language)
        // A refused filter shows the whole checklist under the error (400); nothing else changes.
        var filter = ChecklistFilter.none
        var filterError: String?
        do {
            filter = try ChecklistFilter.parse(DashboardQuery.parameters(request), scope: visible.scope, types: Set(types.keys))
        } catch let refused as HosoError where ItemListing.isRefusedParameter(refused) {
            filterError = services.localizer.message(for: refused, language)
        }
        // One read: the counts are over every line the actor may see, the table over the filters.
        let (items, findings, followUps, units) = try await visibleParts(actor, visible)
        let shown = items.filter(filter.matches)
        var counts: [Verdict: Int] = [:]
        for item in items { counts[item.verdict, default: 0] += 1 }
        let policy = services.policy
        let offers = InspectionDecisions.offers(actor, visible.snapshot, policy: policy)
        let today = services.clock.today()
        let pageRows = Array(shown.dropFirst(filter.page.offset).prefix(filter.page.size))
        let checklistPager = pager(filter, shown: pageRows.count, total: shown.count, path: SiteURL.inspection(row.id).path, language)
        let lines = pageRows.map { item in
            InspectionPages.Inspection.Line(
                id: item.id, unit: units[item.unitID]?.name(in: language) ?? "",
                type: types[item.recordType] ?? item.recordType,
                period: t("period." + item.periodKind, language, ["n": String(item.periodNumber)]),
                owner: item.ownerName ?? "",
                due: VietnamTime.display(epochSeconds: item.dueAt), status: t(item.status.messageKey, language),
                statusCode: item.status.rawValue, verdict: t(item.verdict.messageKey, language),
                verdictCode: item.verdict.rawValue,
                recordURL: SiteURL.record(item.obligationID, inspection: row.id),
                conducting: offers.mark, marked: item.verdict != .pending,
                verdicts: Verdict.allCases.filter { $0 != .pending }.map {
                    InspectionPages.Choice(
                        code: $0.rawValue, name: t($0.messageKey, language), selected: $0 == item.verdict)
                },
                note: item.note, viewed: item.viewedAt.map { VietnamTime.display(epochSeconds: $0) },
                markedBy: item.markedBy, markURL: SiteURL.inspectionItem(row.id, item: item.id).path
            )
        }
        let findingNumber = Dictionary(uniqueKeysWithValues: findings.enumerated().map { ($1.id, $0 + 1) })
        let page = InspectionPages.Inspection(
            inspection: summary(
                row, Dictionary(([visible.issuer] + visible.scope).map { ($0.id, $0) }) { a, _ in a }, language),
            links: InspectionPages.Inspection.Links(
                mine: SiteURL.inspections.path, start: SiteURL.inspectionStep(row.id, .start).path,
                cancel: SiteURL.inspectionStep(row.id, .cancel).path,
                close: SiteURL.inspectionStep(row.id, .close).path,
                conclude: SiteURL.inspectionStep(row.id, .conclude).path,
                findings: SiteURL.inspectionFindings(row.id).path, followUps: SiteURL.inspectionFollowUps(row.id).path),
            symbol: row.symbol, place: row.place, plannedBy: row.plannedBy, plannedOn: row.plannedOn.vietnamese,
            types: row.recordTypes.isEmpty
                ? t("inspection.all_types", language) : row.recordTypes.map { types[$0] ?? $0 }.joined(separator: ", "),
            members: visible.members.map {
                InspectionPages.Inspection.Member(name: $0.displayName, login: $0.login, leader: $0.leader)
            },
            counts: Verdict.allCases.map {
                InspectionPages.Inspection.VerdictCount(
                    name: t($0.messageKey, language), count: counts[$0] ?? 0, code: $0.rawValue)
            },
            items: lines, hasItems: !items.isEmpty, checklistError: filterError, checklistPager: checklistPager,
            scopeUnits: visible.scope.map {
                InspectionPages.Choice(code: $0.code, name: $0.name(in: language), selected: $0.id == filter.unitID)
            },
            verdictChoices: Verdict.allCases.map {
                InspectionPages.Choice(code: $0.rawValue, name: t($0.messageKey, language), selected: $0 == filter.verdict)
            },
            typeChoices: types.sorted { $0.value < $1.value }.map {
                InspectionPages.Choice(code: $0.key, name: $0.value, selected: $0.key == filter.type)
            },
            findings: findings.map { f in
                InspectionPages.Inspection.Finding(
                    number: findingNumber[f.id] ?? 0, id: f.id, severity: t(f.severity.messageKey, language),
                    severityCode: f.severity.rawValue, text: f.text, unit: units[f.unitID]?.name(in: language) ?? "",
                    type: types[f.recordType] ?? f.recordType, by: f.createdBy,
                    recordURL: SiteURL.record(f.obligationID, inspection: row.id))
            },
            hasFindings: !findings.isEmpty,
            followUps: followUps.map { f in
                followUpLine(
                    f, today: today,
                    canComplete: InspectionDecisions.offersCompletion(
                        actor, visible.snapshot, followUp: f.ref,
                        policy: policy))
            },
            hasFollowUps: !followUps.isEmpty, conducting: offers.mark,
            severities: FindingSeverity.allCases.map {
                InspectionPages.Choice(code: $0.rawValue, name: t($0.messageKey, language))
            },
            canStart: offers.start, canCancel: offers.cancel, canConclude: offers.conclude,
            canFollowUp: offers.followUp,
            canClose: offers.close, owners: try await ownerCandidates(actor, visible, offered: offers.followUp),
            findingChoices: findings.map {
                InspectionPages.Inspection.FindingChoice(
                    id: $0.id, label: "\(findingNumber[$0.id] ?? 0). \($0.text.prefix(60))")
            },
            minDue: today.iso, conclusions: row.conclusions, recommendations: row.recommendations,
            minutesSHA: row.minutesSHA256,
            minutesSize: row.minutesSHA256 == nil ? nil : ByteSize.text(row.minutesSize ?? 0),
            minutesSignature: try await minutesSignature(actor, row, language)
        )
        return services.renderer.render(
            .inspection, page, context: context, request: request, status: filterError == nil ? .ok : .badRequest, title: row.title)
    }

    /// The checklist's count and page links (each back to the checklist's place on the page).
    func pager(_ filter: ChecklistFilter, shown: Int, total: Int, path: String, _ language: Language) -> InspectionPages.Pager {
        let page = filter.page
        let count = ListCount(counted: total, cap: Int.max)
        func link(_ number: Int) -> String {
            path + "?" + SiteURL.query(filter.query + (number > 1 ? [("page", String(number))] : [])) + "#checklist"
        }
        let pages = count.pages(size: page.size) ?? 1
        return InspectionPages.Pager(
            summary: ItemListing.summary(page, rows: shown, count: count, language, services.localizer),
            previous: page.number > 1 ? link(page.number - 1) : nil,
            next: page.number < pages ? link(page.number + 1) : nil,
            position: t("list.page_of", language, ["n": String(page.number), "pages": String(pages)]))
    }
}

/// What part of an inspection's checklist is shown (`unit`, `verdict`, `type`, `page`), checked
/// against the inspection: a unit outside its scope, a verdict or type nobody knows is refused
/// (400 with a code); a page past the end is empty.
struct ChecklistFilter: Sendable {
    static let pageSize = 200

    var unitID: Int64?
    var unitCode: String?
    var verdict: Verdict?
    var type: String?
    var page = ListPage(number: 1, size: pageSize)

    static let none = ChecklistFilter()

    static func parse(_ query: [String: String], scope: [StoredUnit], types: Set<String>) throws -> ChecklistFilter {
        func value(_ key: String) -> String? {
            guard let raw = query[key].map(Text.trimmed), !raw.isEmpty else { return nil }
            return raw
        }
        var filter = ChecklistFilter()
        if let code = value("unit") {
            guard let unit = scope.first(where: { $0.code == code }) else {
                throw HosoError("list.unknown_unit", ["unit": String(code.prefix(40))])
            }
            (filter.unitID, filter.unitCode) = (unit.id, unit.code)
        }
        if let raw = value("verdict") {
            guard let verdict = Verdict(rawValue: raw) else { throw HosoError("list.unknown_verdict", ["verdict": String(raw.prefix(20))]) }
            filter.verdict = verdict
        }
        if let raw = value("type") {
            guard types.contains(raw) else { throw HosoError("dashboard.unknown_type", ["type": String(raw.prefix(40))]) }
            filter.type = raw
        }
        filter.page = try ListPage.parse(query["page"], size: pageSize)
        return filter
    }

    func matches(_ item: ChecklistItem) -> Bool {
        (unitID == nil || item.unitID == unitID) && (verdict == nil || item.verdict == verdict)
            && (type == nil || item.recordType == type)
    }

    /// The filter as the URL says it, without the page.
    var query: [(String, String)] {
        [("unit", unitCode), ("verdict", verdict?.rawValue), ("type", type)].compactMap { key, value in value.map { (key, $0) } }
    }
}
