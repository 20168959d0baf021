import Foundation
import HosoCore
import HosoStore

/// Builds a record page's model from what `RecordReader.detail` read; the actions it offers are
/// `RecordDecisions.offered`, so a form shows exactly when its action would be accepted.
struct RecordPageBuilder {
    let localizer: Localizer
    let language: Language

    func text(_ key: String, _ values: [String: String] = [:]) -> String { localizer.text(key, language, values) }

    func page(_ detail: RecordReader.Detail, signatures: [SignatureRow]) -> RecordPage {
        let row = detail.visible.row
        let type = detail.type
        let offered = RecordDecisions.offered(
            detail.visible.snapshot,
            corrections: detail.corrections.map { CorrectionSnapshot(id: $0.id, reason: $0.reason, state: $0.state) })
        let steps = type.chain.steps.enumerated().map { index, step -> RecordPage.Step in
            let approval = row.state == .open ? nil : detail.events.last { $0.kind == "approve" && $0.step == index }
            let current: Bool = if case .awaitingStep(let at) = row.state { at == index } else { false }
            var line = RecordPage.Step(
                number: index + 1, role: text(step.role.messageKey), signature: step.signatureRequired,
                current: current,
                by: approval?.actorName, at: approval.map { VietnamTime.display(epochSeconds: $0.at) })
            if current, let progress = SignerDecisions.progress(detail.visible.snapshot) {
                line.progress = text("signers.progress", ["signed": String(progress.signed), "of": String(progress.of)])
            }
            return line
        }
        var page = RecordPage(
            record: ObligationItem(row, language, localizer),
            steps: steps,
            submitterRole: text(type.submitter.messageKey),
            formats: type.formats.map(\.rawValue).joined(separator: ", "),
            maxMB: type.maxBytes / 1024 / 1024,
            basis: type.basis,
            retention: retention(type.retention),
            versions: detail.versions.map { version($0, documents: detail.documents[$0.id] ?? []) },
            hasVersions: !detail.versions.isEmpty,
            events: detail.events.map(event),
            corrections: detail.corrections.map {
                withMinutes(correction($0, decidable: offered.decidableCorrections.contains($0.id)), detail)
            },
            hasCorrections: !detail.corrections.isEmpty,
            audit: detail.audit.map { entry in
                RecordPage.AuditLine(
                    seq: entry.seq, at: VietnamTime.display(epochSeconds: entry.atMicroseconds / 1_000_000),
                    who: entry.actorName ?? entry.actorLogin ?? "—", action: text("audit." + entry.action))
            },
            canSubmit: offered.submit,
            canDecide: offered.decideStep.map {
                RecordPage.Decide(step: $0, signature: offered.approveNeedsSignature, canReturn: offered.returnToSubmitter)
            },
            canLock: offered.lock,
            canExempt: offered.exempt,
            canUnexempt: offered.unexempt,
            canRequestCorrection: offered.requestCorrection,
            hasVersion: row.currentVersionID != nil,
            signatures: signatures.map(signature),
            hasSignatures: !signatures.isEmpty,
            signatureState: row.currentVersionID == nil
                ? "" : text(SignatureState(rawValue: row.signatureState)?.messageKey ?? ""),
            revision: row.revision
        )
        page.canSignSubmission = offered.signSubmission
        return page
    }

    func retention(_ retention: Retention) -> String {
        switch retention {
        case .permanent: text("record.retention_permanent")
        case .years(let years): text("record.retention_years", ["years": String(years)])
        case .unset: text("record.retention_unset")
        }
    }

    func version(_ version: VersionRow) -> RecordPage.Version {
        RecordPage.Version(
            version: version.version, filename: version.filename, size: ByteSize.text(version.size),
            by: version.uploadedBy,
            at: VietnamTime.display(epochSeconds: version.uploadedAt), url: SiteURL.versionDownload(version.id).path,
            sha256: version.sha256, superseded: version.supersededAt.map { VietnamTime.display(epochSeconds: $0) })
    }

    /// A version with its documents listed when it holds several (each downloadable by position).
    func version(_ row: VersionRow, documents: [DocumentRow]) -> RecordPage.Version {
        var page = version(row)
        if documents.count > 1 {
            page.documents = documents.map {
                RecordPage.Document(position: $0.position, filename: $0.filename, size: ByteSize.text($0.size),
                                    url: SiteURL.versionDocument(row.id, position: $0.position).path, sha256: $0.sha256)
            }
            page.hasDocuments = true
        }
        return page
    }

    /// A correction with its witnesses, its issued minutes, and the issue and confirm forms when
    /// `CorrectionDecisions` would accept them.
    func withMinutes(_ correction: RecordPage.Correction, _ detail: RecordReader.Detail) -> RecordPage.Correction {
        var page = correction
        page.witnesses = detail.witnesses.filter { $0.correctionID == correction.id }.map { witness in
            RecordPage.Witness(
                name: witness.name, login: witness.login,
                capacities: witness.capacities.map { text("correction.capacity." + $0) }.joined(separator: ", "),
                confirmed: witness.confirmedAt.map { VietnamTime.display(epochSeconds: $0) })
        }
        page.hasWitnesses = !page.witnesses.isEmpty
        if let issued = detail.minutes.first(where: { $0.correctionID == correction.id }) {
            page.issued = RecordPage.IssuedMinutes(
                number: issued.number, url: SiteURL.correctionMinutesPDF(correction.id).path,
                manifestURL: SiteURL.correctionMinutesManifest(correction.id).path, sha256: issued.sha256, signed: issued.signed,
                issuedBy: issued.issuedBy, issuedAt: VietnamTime.display(epochSeconds: issued.issuedAt))
        }
        if let snapshot = detail.minutesSnapshots[correction.id] {
            (page.canIssue, page.canConfirm) = CorrectionDecisions.offered(detail.visible.snapshot, snapshot)
        }
        return page
    }

    func event(_ event: EventRow) -> RecordPage.Event {
        RecordPage.Event(
            kind: text("event." + event.kind), by: event.actorName, at: VietnamTime.display(epochSeconds: event.at),
            role: event.actorRole.flatMap(Role.init(rawValue:)).map { text($0.messageKey) },
            step: event.step.map { $0 + 1 }, comment: event.comment.flatMap { $0.isEmpty ? nil : $0 })
    }

    func correction(_ correction: CorrectionRow, decidable: Bool) -> RecordPage.Correction {
        let minutes = correction.minutes.flatMap {
            try? JSONDecoder().decode(CorrectionMinutes.self, from: Data($0.utf8))
        }
        return RecordPage.Correction(
            id: correction.id, reason: correction.reason, by: correction.requestedBy,
            at: VietnamTime.display(epochSeconds: correction.requestedAt),
            state: text("correction.state." + correction.state),
            decidable: decidable,
            minutes: minutes.map {
                RecordPage.Minutes(
                    leader: $0.leader, administrator: $0.administrator, requester: $0.requester, text: $0.text)
            })
    }

    func signature(_ signature: SignatureRow) -> RecordPage.Signature {
        RecordPage.Signature(
            signer: signature.signer, kind: text("signature_kind." + signature.kind),
            role: Role(rawValue: signature.role).map { text($0.messageKey) } ?? signature.role,
            at: VietnamTime.display(epochSeconds: signature.signedAt), serial: signature.serial,
            commonName: signature.commonName)
    }
}
