import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// The workflow's actions on a record, as forms and as `/api/v1`: approve, return, lock, exempt,
/// ask for a correction and decide on one. Each parses its input and hands it to the store, which
/// asks `RecordDecisions` under the record's lock.
struct RecordDecisionController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.post(.recordAction) { request, context in try await self.actionForm(request: request, context: context) }
        router.post(.correctionDecision) { request, context in
            try await self.correctionForm(request: request, context: context)
        }
        router.post(.apiObligationApprove) { request, context in
            try await self.decideJSON(request: request, context: context, kind: "approve")
        }
        router.post(.apiObligationReturn) { request, context in
            try await self.decideJSON(request: request, context: context, kind: "return")
        }
        router.post(.apiObligationLock) { request, context in
            try await self.decideJSON(request: request, context: context, kind: "lock")
        }
        router.post(.apiObligationExemption) { request, context in
            try await self.exemptJSON(request: request, context: context, exempt: true)
        }
        router.delete(.apiObligationExemption) { request, context in
            try await self.exemptJSON(request: request, context: context, exempt: false)
        }
        router.post(.apiObligationCorrections) { request, context in
            try await self.correctionRequestJSON(request: request, context: context)
        }
        router.post(.apiCorrectionDecision) { request, context in
            try await self.correctionDecisionJSON(request: request, context: context)
        }
    }

    // MARK: - Approve, return, lock

    struct DecisionBody: Decodable {
        let step: Int?
        let comment: String?
        let revision: Int?
        /// Approve with a digital signature made by the key store with the approver's key.
        let sign: Bool?
    }

    func decision(_ kind: String, step: Int?, comment: String?) throws -> RecordStore.Decision {
        switch kind {
        case "approve":
            guard let step, step >= 1 else { throw HosoError("workflow.step_required") }
            return .approve(step: step - 1)
        case "return":
            guard let step, step >= 1 else { throw HosoError("workflow.step_required") }
            return .returnToSubmitter(step: step - 1, comment: comment ?? "")
        default:
            return .lock
        }
    }

    func signing(_ actor: Actor, kind: String, sign: Bool) -> SigningStep? {
        kind == "approve" && sign ? services.signing.hosoSigning(tenantID: actor.tenantID) : nil
    }

    func decideJSON(request: Request, context: SignedInContext, kind: String) async throws -> Response {
        let actor = context.actor
        let id = try RecordRoute.id(context)
        let body = try await request.decodeJSON(DecisionBody.self)
        let row = try await services.records.decide(
            actor, obligationID: id, try decision(kind, step: body.step, comment: body.comment),
            revision: body.revision, signing: signing(actor, kind: kind, sign: body.sign == true))
        return try JSONResponse.make(API.Obligation(row, context.language))
    }

    func actionForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let id = try RecordRoute.id(context)
        let form = try await request.decodeForm()
        let action = context.parameters.get("action") ?? ""
        switch action {
        case "approve", "return", "lock":
            _ = try await services.records.decide(
                actor, obligationID: id,
                try decision(action, step: form["step"].flatMap { Int($0) }, comment: form["comment"]),
                revision: form["revision"].flatMap { Int($0) },
                signing: signing(actor, kind: action, sign: form["sign"] == "1"))
        case "exempt":
            _ = try await services.records.exempt(actor, obligationID: id, reason: form["reason"] ?? "")
        case "unexempt":
            _ = try await services.records.exempt(actor, obligationID: id, reason: nil)
        case "correction":
            _ = try await services.records.requestCorrection(actor, obligationID: id, reason: form["reason"] ?? "")
        case "sign-submission":
            _ = try await services.records.signSubmission(
                actor, obligationID: id, revision: form["revision"].flatMap { Int($0) },
                signing: services.signing.hosoSigning(tenantID: actor.tenantID))
        default:
            throw HosoError("http.not_found")
        }
        return Response.redirect(to: SiteURL.record(id).path, type: .normal)
    }

    // MARK: - Exemptions

    struct ExemptBody: Decodable { let reason: String? }

    func exemptJSON(request: Request, context: SignedInContext, exempt: Bool) async throws -> Response {
        let actor = context.actor
        let id = try RecordRoute.id(context)
        let reason = exempt ? (try await request.decodeJSON(ExemptBody.self).reason ?? "") : nil
        let row = try await services.records.exempt(actor, obligationID: id, reason: reason)
        return try JSONResponse.make(API.Obligation(row, context.language))
    }

    // MARK: - Corrections

    struct CorrectionBody: Decodable { let reason: String? }

    func correctionRequestJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let body = try await request.decodeJSON(CorrectionBody.self)
        let correction = try await services.records.requestCorrection(
            actor, obligationID: try RecordRoute.id(context), reason: body.reason ?? "")
        return try JSONResponse.make(API.Created(id: correction), status: .created)
    }

    struct DecisionOnCorrection: Decodable {
        let consent: Bool
        let leader: String?
        let administrator: String?
        let requester: String?
        let text: String?
    }

    func minutes(
        _ leader: String?, _ administrator: String?, _ requester: String?, _ text: String?
    ) throws -> CorrectionMinutes {
        // Their lengths are `RecordDecisions.decideCorrection`'s to judge, after visibility.
        let fields = [leader, administrator, requester, text].map { Normalize.nfc(Text.trimmed($0 ?? "")) }
        return CorrectionMinutes(leader: fields[0], administrator: fields[1], requester: fields[2], text: fields[3])
    }

    func correctionDecisionJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let body = try await request.decodeJSON(DecisionOnCorrection.self)
        let row = try await services.records.decideCorrection(
            actor, correctionID: try RecordRoute.id(context), consent: body.consent,
            minutes: body.consent ? try minutes(body.leader, body.administrator, body.requester, body.text) : nil
        )
        return try JSONResponse.make(API.Obligation(row, context.language))
    }

    func correctionForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let form = try await request.decodeForm()
        let consent = form["consent"] == "yes"
        let row = try await services.records.decideCorrection(
            actor, correctionID: try RecordRoute.id(context), consent: consent,
            minutes: consent ? try minutes(form["leader"], form["administrator"], form["requester"], form["text"]) : nil
        )
        return Response.redirect(to: SiteURL.record(row.id).path, type: .normal)
    }
}
