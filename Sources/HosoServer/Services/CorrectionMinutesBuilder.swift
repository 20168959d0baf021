import Foundation
import HosoCore
import HosoReports
import HosoStore

/// Turns a correction's stored facts into its minutes (biên bản sửa chữa dữ liệu, seed 001, Điều
/// 10.3), in the NĐ 30/2020 layout the inspection minutes use, worded by
/// `reports/correction-minutes.yaml`: the record, the witnesses (accounts, with their capacity),
/// the reason and the consent, and the change (the superseded version and the new one, each
/// document with its SHA-256). Official documents are in Vietnamese whatever the reader's language.
struct CorrectionMinutesBuilder {
    let words: DocumentTemplates.Words
    let localizer: Localizer

    struct Extra {
        let school: StoredUnit
        let parent: StoredUnit?
        let place: String
        let principal: String
        let issuedAt: Int64
        /// The principal's digital signature, printed under their name.
        var digitalSignature: (name: String, serial: String, time: String)? = nil
    }

    func document(_ f: CorrectionMinutesFacts, _ x: Extra) -> OfficialDocument {
        let row = f.record
        let today = VietnamTime.date(epochSeconds: x.issuedAt)
        let date = today.vietnameseLong
        var blocks: [OfficialDocument.Block] = []
        blocks.append(.paragraph(words.text("opening", ["date": date, "school": x.school.nameVi])))

        blocks.append(.heading(words.text("record_heading")))
        let dates =
            (LocalDate(iso: row.periodFirst)?.vietnamese ?? row.periodFirst) + " – "
            + (LocalDate(iso: row.periodLast)?.vietnamese ?? row.periodLast)
        blocks.append(
            .line(
                words.text(
                    "record_line",
                    [
                        "type": row.typeNameVi,
                        "period": localizer.text("period." + row.periodKind, .vi, ["n": String(row.periodNumber)]),
                        "dates": dates, "year": row.schoolYear, "owner": row.ownerName, "id": String(row.id),
                    ])))

        blocks.append(.heading(words.text("witnesses_heading")))
        for witness in f.witnesses {
            let capacities = witness.capacities.map { words.text("capacity_" + $0) }.joined(separator: "; ")
            blocks.append(
                .line(
                    words.text(
                        "witness_line", ["name": witness.name, "login": witness.login, "capacities": capacities])))
        }

        blocks.append(.heading(words.text("reason_heading")))
        let correction = f.correction
        blocks.append(
            .paragraph(
                words.text(
                    "reason",
                    [
                        "requested_on": VietnamTime.display(epochSeconds: correction.requestedAt),
                        "requester": correction.requestedBy,
                        "reason": correction.reason,
                        "decided_on": correction.decidedAt.map { VietnamTime.display(epochSeconds: $0) } ?? "",
                        "decided_by": correction.decidedBy ?? "",
                    ])))
        if let text = Self.minutesText(correction), !text.isEmpty {
            blocks.append(.paragraph(words.text("consent_text", ["text": text])))
        }

        blocks.append(.heading(words.text("change_heading")))
        let new = [
            "new": String(f.new.version), "new_on": VietnamTime.display(epochSeconds: f.new.uploadedAt),
            "new_by": f.new.uploadedBy,
        ]
        if let old = f.superseded {
            blocks.append(
                .paragraph(
                    words.text(
                        "change",
                        new.merging([
                            "old": String(old.version), "old_on": VietnamTime.display(epochSeconds: old.uploadedAt),
                        ]) { $1 })))
        } else {
            blocks.append(.paragraph(words.text("change_no_old", new)))
        }
        let c = words.list("documents_columns")
        let listed =
            f.supersededDocuments.map { (f.superseded?.version ?? 0, $0) } + f.newDocuments.map { (f.new.version, $0) }
        blocks.append(
            .table(
                .init(
                    columns: [
                        .init(c[safe: 0], weight: 0.5, alignment: .center),
                        .init(c[safe: 1], weight: 0.9, alignment: .center),
                        .init(c[safe: 2], weight: 2.6), .init(c[safe: 3], weight: 1.1, alignment: .right),
                        .init(c[safe: 4], weight: 4.9),
                    ],
                    rows: listed.enumerated().map { index, item in
                        [String(index + 1), String(item.0), item.1.filename, ByteSize.text(item.1.size), item.1.sha256]
                    })))

        let time = String(VietnamTime.display(epochSeconds: x.issuedAt).suffix(5))
        blocks.append(.paragraph(words.text("closing", ["time": time, "day": today.vietnamese])))

        let hint = words.text("signature_hint")
        let note = x.digitalSignature.map {
            words.text("signature_digital", ["name": $0.name, "serial": $0.serial, "time": $0.time])
        }
        var signatures: [OfficialDocument.Signature] = [
            .init(capacity: [words.text("signature_principal")], hint: hint, name: x.principal, note: note)
        ]
        for witness in f.witnesses where witness.name != x.principal {
            signatures.append(.init(capacity: [words.text("signature_witness")], hint: hint, name: witness.name))
        }
        return OfficialDocument(
            issuerParent: x.parent?.nameVi, issuer: x.school.nameVi, number: words.text("number", ["number": f.number]),
            placeAndDate: words.text("place_date", ["place": x.place, "date": date]),
            title: words.text("title"), subtitle: words.text("subtitle", ["type": row.typeNameVi]),
            blocks: blocks, signatures: signatures, recipientsLabel: words.text("recipients_label"),
            recipients: words.list("recipients"), metadataTitle: "Biên bản sửa chữa dữ liệu \(f.number)")
    }

    /// The principal's own words at consent (kept in the correction's minutes JSON).
    static func minutesText(_ correction: CorrectionRow) -> String? {
        guard let json = correction.minutes,
            let minutes = try? JSONDecoder().decode(CorrectionMinutes.self, from: Data(json.utf8))
        else { return nil }
        return Text.trimmed(minutes.text)
    }
}
