import HTTPTypes
import HosoCore

/// The HTTP status each stable error code answers with.
enum ErrorStatus {
    static func status(for code: String) -> HTTPResponse.Status {
        if code.hasPrefix("service.") { return .serviceUnavailable }
        if code.hasPrefix("signin.throttled") { return .tooManyRequests }
        // A merged tenant is read-only: the request was fine, the tenant's state refuses it.
        if code == "tenant.frozen" { return .conflict }
        if code.hasPrefix("input.") || code.hasPrefix("tenant.") || code.hasPrefix("tree.") { return .badRequest }
        // XML transcripts: the document is at fault; too large to check is 413; no schema yet is the tenant's state.
        if code.hasPrefix("xml_upload.") || code.hasPrefix("xml_schema.") {
            if code == "xml_upload.too_large" { return .contentTooLarge }
            return code == "xml_upload.no_schema" ? .conflict : .badRequest
        }
        // A version of several documents over its total; witnesses who are not the school's
        // leadership (the request's fault); a confirmation by someone who is no witness.
        switch code {
        case "upload.total_too_large": return .contentTooLarge
        case "correction.witness_unknown", "correction.witness_not_leadership", "correction.witness_not_requester": return .badRequest
        case "correction.not_witness": return .forbidden
        default: break
        }
        // Bad documents, rule files, people files, forms: the request is at fault.
        for prefix in ["upload.", "rules.", "calendar.", "people.", "csv.", "window.", "deadline.", "obligation.reason"] where code.hasPrefix(prefix) {
            return code == "upload.too_large" ? .contentTooLarge : code == "window.closed" ? .conflict : .badRequest
        }
        // Reminders: a bad choice is the form's fault; no mail server or no address is the tenant's state;
        // a link that is forged, expired or of another tenant finds nothing.
        switch code {
        case "notifications.bad_weekday", "notifications.bad_language": return .badRequest
        case "outbox.not_configured", "outbox.no_address": return .conflict
        case "unsubscribe.invalid": return .notFound
        default: break
        }
        // Dashboard and list filters: unknown values, weeks outside the year, a bad order or page.
        if code.hasPrefix("dashboard.") { return code == "dashboard.no_calendar" ? .conflict : .badRequest }
        if code.hasPrefix("list.") { return .badRequest }
        // The record's state does not allow it now (someone else acted first, it is locked, ...).
        if code.hasPrefix("workflow.") || code.hasPrefix("correction.") {
            switch code {
            case "workflow.wrong_role", "workflow.not_submitter", "workflow.not_your_group": return .forbidden
            case "workflow.step_required", "workflow.comment_required", "workflow.comment_too_long", "workflow.reason_required",
                 "correction.witnesses_required":
                return .badRequest
            default: return .conflict
            }
        }
        // Inspections: missing rights are 403, missing things 404, the wrong moment 409, bad input 400.
        if code.hasPrefix("inspection.") {
            switch code {
            case "inspection.not_inspector", "inspection.leader_only", "inspection.follow_up_not_yours", "inspection.not_allowed_planner":
                return .forbidden
            case "inspection.not_found", "inspection.item_not_found", "inspection.finding_not_found", "inspection.follow_up_not_found":
                return .notFound
            case "inspection.not_allowed_now", "inspection.not_in_progress", "inspection.items_pending", "inspection.follow_ups_open",
                 "inspection.follow_up_done_already", "inspection.number_taken", "inspection.empty_checklist":
                return .conflict
            default: return .badRequest
            }
        }
        // Every signer a document names (SignerDecisions): not one of the class's subject teachers is
        // 403; signing twice, nobody assigned, or the uploader's signature missing or not open is the state.
        switch code {
        case "signers.not_assigned", "signature.not_uploader": return .forbidden
        case "signers.already_signed", "signers.none_assigned", "signature.submission_required", "signature.submission_not_open",
             "signature.submission_already_signed":
            return .conflict
        default: break
        }
        // Signatures: bad XML or a refused signature is the request's fault; no key, no manifest or
        // nothing to export is the record's state; a key store that is not set up is unavailable.
        if code.hasPrefix("xml.") || code.hasPrefix("manifest.") || code.hasPrefix("signature.") || code.hasPrefix("keys.")
            || code.hasPrefix("signing.") || code.hasPrefix("certificate.") {
            switch code {
            case "signing.unavailable", "manifest.schema_unreadable": return .serviceUnavailable
            case "signing.failed": return .internalServerError
            case "signing.no_key", "signing.no_seal_key", "signature.no_version", "signature.no_manifest", "signature.earlier_changed",
                 "signature.nothing_to_export":
                return .conflict
            case "xml.too_large", "signature.export_too_large": return .contentTooLarge
            default: return .badRequest
            }
        }
        if code.hasPrefix("report.") {
            switch code {
            case "report.not_found": return .notFound
            case "report.too_many": return .tooManyRequests
            case "report.not_ready": return .conflict
            case "report.pdf_failed", "report.font_missing", "report.interrupted": return .internalServerError
            default: return .badRequest
            }
        }
        // Paper copies and choices of form (issue 14): a bad scan or form is the request's fault;
        // a record or a book not in a state for it is a conflict.
        if code.hasPrefix("paper_copy.") || code.hasPrefix("choice.") {
            switch code {
            case "paper_copy.not_expected", "paper_copy.no_version", "paper_copy.required": return .conflict
            default: return .badRequest
            }
        }
        switch code {
        case "signin.invalid_credentials", "auth.required", "auth.expired": return .unauthorized
        case "signin.empty_password", "signin.bad_password", "signin.missing_login", "signin.bad_login", "signin.unknown_tenant",
             "request.bad_json", "request.bad_form", "request.unsupported_media_type":
            return .badRequest
        case "csrf.missing", "csrf.invalid", "scope.forbidden": return .forbidden
        case "scope.not_found", "http.not_found", "record.not_found": return .notFound
        case "record.not_owner": return .forbidden
        case "record.exempt", "record.paper", "record.withdrawn", "obligation.already_exempt", "obligation.not_exempt",
             "obligation.not_exemptable":
            return .conflict
        case "blob.unavailable", "blob.missing", "blob.sweep_unreadable": return .serviceUnavailable
        case "obligations.no_rule_set", "obligations.no_calendar": return .conflict
        case "http.method_not_allowed": return .methodNotAllowed
        case "request.too_large": return .contentTooLarge
        default: return .internalServerError
        }
    }
}
