import HosoCore
import HosoStore

/// The JSON shapes of inspections and reports (described in `web/openapi.yaml`).
extension API {
    struct Created: Encodable { let id: Int64 }

    struct InspectionBrief: Encodable {
        let id: Int64
        let kind: String
        let state: String
        let title: String
        let issuer: String
        let scope: [String]
        let schoolYear: String
        let periodFrom: String
        let periodTo: String
        let minutesNumber: String?

        init(_ row: InspectionRow, _ units: [Int64: StoredUnit]) {
            id = row.id
            kind = row.kind.rawValue
            state = row.state.rawValue
            title = row.title
            issuer = units[row.issuerUnitID]?.code ?? ""
            scope = row.scopeUnitIDs.compactMap { units[$0]?.code }.sorted()
            schoolYear = row.schoolYear
            periodFrom = row.periodFrom.iso
            periodTo = row.periodTo.iso
            minutesNumber = row.minutesNumber
        }
    }

    struct InspectionList: Encodable { let items: [InspectionBrief] }

    struct TeamMember: Encodable {
        let login: String
        let displayName: String
        let leader: Bool
    }

    struct Finding: Encodable {
        let id: Int64
        let item: Int64
        let obligation: Int64
        let recordType: String
        let severity: String
        let text: String
        let createdBy: String
    }

    struct FollowUp: Encodable {
        let id: Int64
        let finding: Int64
        let action: String
        let owner: String
        let dueOn: String
        let state: String
        let doneNote: String?

        init(_ row: FollowUpRow) {
            id = row.id
            finding = row.findingID
            action = row.action
            owner = row.ownerName
            dueOn = row.dueOn.iso
            state = row.state.rawValue
            doneNote = row.doneNote
        }
    }

    struct Minutes: Encodable {
        let number: String
        let sha256: String
        let size: Int64
        let url: String
    }

    struct Inspection: Encodable {
        let id: Int64
        let kind: String
        let state: String
        let title: String
        let issuer: String
        let symbol: String
        let scope: [String]
        let schoolYear: String
        let periodFrom: String
        let periodTo: String
        let recordTypes: [String]
        let place: String
        let members: [TeamMember]
        let verdicts: [String: Int]
        let findings: [Finding]
        let followUps: [FollowUp]
        let conclusions: String?
        let recommendations: String?
        let minutes: Minutes?

        init(_ row: InspectionRow, issuer: StoredUnit, scope: [StoredUnit], members: [InspectionMember], counts: [Verdict: Int],
             findings: [FindingRow], followUps: [FollowUpRow]) {
            id = row.id
            kind = row.kind.rawValue
            state = row.state.rawValue
            title = row.title
            self.issuer = issuer.code
            symbol = row.symbol
            self.scope = scope.map(\.code)
            schoolYear = row.schoolYear
            periodFrom = row.periodFrom.iso
            periodTo = row.periodTo.iso
            recordTypes = row.recordTypes
            place = row.place
            self.members = members.map { TeamMember(login: $0.login, displayName: $0.displayName, leader: $0.leader) }
            verdicts = Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
            self.findings = findings.map {
                Finding(id: $0.id, item: $0.itemID, obligation: $0.obligationID, recordType: $0.recordType, severity: $0.severity.rawValue,
                        text: $0.text, createdBy: $0.createdBy)
            }
            self.followUps = followUps.map(FollowUp.init)
            conclusions = row.conclusions
            recommendations = row.recommendations
            minutes = row.minutesNumber.flatMap { number in
                row.minutesSHA256.map {
                    Minutes(
                        number: number, sha256: $0, size: row.minutesSize ?? 0,
                        url: SiteURL.apiInspectionMinutes(row.id).path)
                }
            }
        }
    }

    struct ChecklistLine: Encodable {
        let id: Int64
        let obligation: Int64
        let unit: String
        let recordType: String
        let periodKind: String
        let periodNumber: Int
        let owner: String?
        let dueAt: Int64
        let status: String
        let verdict: String
        let note: String?
        let viewedVersion: Int64?
        let attachments: Int

        init(_ item: ChecklistItem, unitCode: String) {
            id = item.id
            obligation = item.obligationID
            unit = unitCode
            recordType = item.recordType
            periodKind = item.periodKind
            periodNumber = item.periodNumber
            owner = item.ownerName
            dueAt = item.dueAt
            status = item.status.rawValue
            verdict = item.verdict.rawValue
            note = item.note
            viewedVersion = item.viewedVersionID
            attachments = item.attachments
        }
    }

    struct ChecklistPage: Encodable { let items: [ChecklistLine] }

    struct CoverageLine: Encodable {
        let unit: String
        let schools: Int
        let planned: Int
        let done: Int
        let inspections: Int
    }

    struct Coverage: Encodable {
        let schoolYear: String
        let units: [CoverageLine]
    }

    struct Report: Encodable {
        let id: Int64
        let unit: String
        let format: String
        let title: String
        let state: String
        let progress: Double
        let stage: String?
        let error: String?
        let size: Int64?
        let filename: String?
        let url: String?
    }
}

extension API {
    /// A record's signatures, verified now.
    struct Verification: Encodable {
        struct Certificate: Encodable {
            let subject: String
            let issuer: String
            let serial: String
            let notBefore: String
            let notAfter: String
            let fingerprint: String
        }

        struct Problem: Encodable {
            let code: String
            let message: String
        }

        struct Signature: Encodable {
            let position: Int
            let id: String
            let kind: String?
            let step: Int?
            let role: String?
            let signer: String?
            let signerName: String?
            let signedAt: String?
            let algorithm: String
            let certificate: Certificate?
            let valid: Bool
            let problems: [Problem]
        }

        let state: String
        let complete: Bool
        let sealed: Bool
        let missingSteps: [Int]
        let documentSHA256: String
        let documentMatches: Bool
        let signatures: [Signature]
        /// The uploader's own signature, when the type asks for it (seed 004); `nil` when it does not.
        let submissionSigned: Bool?
        /// Steps every subject teacher of the class signs: how many of how many have.
        let sharedSteps: [SharedStep]

        struct SharedStep: Encodable {
            let step: Int
            let signed: Int
            let of: Int
            let missing: [String]
        }

        init(_ verification: SigningService.Verification, localizer: Localizer, language: Language) {
            let review = verification.review
            let manifest = verification.manifest
            submissionSigned = manifest.submissionSignatureRequired ? review.submissionSigned : nil
            sharedSteps = manifest.chain.enumerated().filter { !$0.element.signers.isEmpty }.map { index, step in
                let signed = review.signersByStep[index + 1] ?? []
                return SharedStep(step: index + 1, signed: step.signers.filter(signed.contains).count, of: step.signers.count,
                                  missing: step.signers.filter { !signed.contains($0) })
            }
            state = review.state.rawValue
            complete = review.complete(verification.manifest)
            sealed = review.sealed
            missingSteps = review.missingSteps
            documentSHA256 = verification.manifest.document.sha256
            documentMatches = review.documentProblem == nil
            signatures = review.signatures.map { checked in
                let e = checked.evidence
                return Signature(
                    position: e.index + 1, id: e.id, kind: e.claim?.kind.rawValue, step: e.claim?.step, role: e.claim?.role,
                    signer: e.claim?.signer, signerName: e.claim?.signerName, signedAt: e.claim.map { VietnamTime.iso(epochSeconds: $0.signingTime) },
                    algorithm: e.algorithm,
                    certificate: e.certificate.map { Certificate(subject: $0.subject, issuer: $0.issuer, serial: $0.serial,
                                                                 notBefore: VietnamTime.iso(epochSeconds: $0.notBefore),
                                                                 notAfter: VietnamTime.iso(epochSeconds: $0.notAfter), fingerprint: $0.fingerprint) },
                    valid: checked.valid,
                    problems: checked.problems.map { Problem(code: $0.code, message: localizer.text($0.messageKey, language, $0.parameters)) })
            }
        }
    }
}
