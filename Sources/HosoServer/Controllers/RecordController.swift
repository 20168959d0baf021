import Foundation
import Hummingbird
import HosoCore
import HosoStore

/// Record books: what a person owes, approval queues, a record's page (versions, chain, audit
/// trail, download), uploads, the workflow's decisions, exemptions, corrections and entry windows.
/// Pages and `/api/v1` share the same stores; every route checks the actor's scope on the server.
struct RecordController: Sendable {
    let services: AppServices
    var uploads: Uploads { Uploads(blobs: services.blobs) }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/owe") { request, context in try await self.owePage(request: request, context: context) }
        router.get("/approvals") { request, context in try await self.approvalsPage(request: request, context: context) }
        router.get("/records/:id") { request, context in try await self.recordPage(request: request, context: context) }
        router.post("/records/:id/upload") { request, context in try await self.uploadForm(request: request, context: context) }
        router.post("/records/:id/:action") { request, context in try await self.actionForm(request: request, context: context) }
        router.post("/corrections/:id/decision") { request, context in try await self.correctionForm(request: request, context: context) }
        router.get("/versions/:id/download") { request, context in try await self.download(request: request, context: context) }
        router.get("/units/:code/windows") { request, context in try await self.windowsPage(request: request, context: context) }
        router.post("/units/:code/windows") { request, context in try await self.windowForm(request: request, context: context) }

        let api = router.group("/api/v1")
        api.get("/me/obligations") { request, context in try await self.oweJSON(request: request, context: context) }
        api.get("/approvals") { request, context in try await self.approvalsJSON(request: request, context: context) }
        api.get("/obligations/:id") { request, context in try await self.recordJSON(request: request, context: context) }
        api.post("/obligations/:id/versions") { request, context in try await self.uploadRaw(request: request, context: context) }
        api.post("/obligations/:id/approve") { request, context in try await self.decideJSON(request: request, context: context, kind: "approve") }
        api.post("/obligations/:id/return") { request, context in try await self.decideJSON(request: request, context: context, kind: "return") }
        api.post("/obligations/:id/lock") { request, context in try await self.decideJSON(request: request, context: context, kind: "lock") }
        api.post("/obligations/:id/exemption") { request, context in try await self.exemptJSON(request: request, context: context, exempt: true) }
        api.delete("/obligations/:id/exemption") { request, context in try await self.exemptJSON(request: request, context: context, exempt: false) }
        api.post("/obligations/:id/corrections") { request, context in try await self.correctionRequestJSON(request: request, context: context) }
        api.post("/corrections/:id/decision") { request, context in try await self.correctionDecisionJSON(request: request, context: context) }
        api.get("/versions/:id/content") { request, context in try await self.download(request: request, context: context) }
        api.get("/units/:code/windows") { request, context in try await self.windowsJSON(request: request, context: context) }
        api.post("/units/:code/windows") { request, context in try await self.windowJSON(request: request, context: context) }
    }

    // MARK: - Access

    func id(_ context: AppRequestContext, _ name: String = "id") throws -> Int64 {
        guard let raw = context.parameters.get(name), let value = Int64(raw), value > 0 else { throw HosoError("record.not_found") }
        return value
    }

    struct Visible {
        let row: ObligationRow
        let unit: StoredUnit
        let roles: Set<Role>
    }

    /// The obligation if the actor may see it: in scope with `view_records`, and, for someone who is
    /// only a teacher there, their own items.
    func visible(_ actor: Actor, _ id: Int64) async throws -> Visible {
        guard let row = try await services.obligations.obligation(tenantID: actor.tenantID, id: id),
              let unit = try await services.units.units(tenantID: actor.tenantID, ids: [row.unitID]).first else {
            throw HosoError("record.not_found")
        }
        switch services.policy.decide(actor, .viewRecords, on: unit.position) {
        case .allowed: break
        case .outOfScope: throw HosoError("record.not_found")
        case .forbidden: throw HosoError("scope.forbidden")
        }
        let roles = Set(actor.grants.filter { unit.ancestry.contains($0.unitID) }.map(\.role))
        if roles == [.teacher], row.ownerUserID != actor.userID { throw HosoError("record.not_found") }
        return Visible(row: row, unit: unit, roles: roles)
    }

    /// Inspectors' views of a school's records are part of the record.
    func auditView(_ actor: Actor, _ visible: Visible, action: String, details: [String: String] = [:]) async throws {
        guard visible.roles.contains(where: \.isInspector) || action == "record.download" else { return }
        try await services.audit.append(tenantID: actor.tenantID, AuditEvent(
            actorUserID: actor.userID, actorLogin: actor.login, action: action, unitID: visible.unit.id,
            subject: "obligation:\(visible.row.id)", details: details.merging(["record_type": visible.row.recordType]) { $1 }
        ))
    }

    // MARK: - What I owe

    struct Owed {
        var thisWeek: [ObligationRow] = []
        var nextWeek: [ObligationRow] = []
        var late: [ObligationRow] = []
        var returned: [ObligationRow] = []
    }

    func owed(_ actor: Actor) async throws -> Owed {
        let now = Int64(Date().timeIntervalSince1970)
        let monday = VietnamTime.date(epochSeconds: now).monday
        let thisWeekEnd = VietnamTime.epochSeconds(monday.adding(days: 6))
        let nextWeekEnd = VietnamTime.epochSeconds(monday.adding(days: 13))
        let start = VietnamTime.epochSeconds(monday.adding(days: -1))
        var owed = Owed()
        for row in try await services.obligations.owed(tenantID: actor.tenantID, userID: actor.userID, from: start, until: nextWeekEnd) {
            if row.status == .returned { owed.returned.append(row) }
            else if row.status == .missing { owed.late.append(row) }
            else if row.dueAt <= thisWeekEnd { owed.thisWeek.append(row) }
            else { owed.nextWeek.append(row) }
        }
        return owed
    }

    func owePage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let owed = try await owed(actor)
        let language = context.language
        let sections: [[String: Any]] = [
            ("owe.late", owed.late), ("owe.returned", owed.returned), ("owe.this_week", owed.thisWeek), ("owe.next_week", owed.nextWeek),
        ].map { key, rows in
            ["title": services.localizer.text(key, language), "rows": rows.map { values($0, language) }, "empty": rows.isEmpty]
        }
        return services.renderer.render("owe", ["sections": sections], context: context, request: request,
                                        title: services.localizer.text("owe.title", language))
    }

    func oweJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let owed = try await owed(actor)
        let language = context.language
        return try JSONResponse.make(API.Owed(
            late: owed.late.map { API.Obligation($0, language) }, returned: owed.returned.map { API.Obligation($0, language) },
            thisWeek: owed.thisWeek.map { API.Obligation($0, language) }, nextWeek: owed.nextWeek.map { API.Obligation($0, language) }
        ))
    }

    // MARK: - Approval queue

    func approvalsPage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let rows = try await services.obligations.approvalQueue(actor)
        let language = context.language
        return services.renderer.render("approvals", ["rows": rows.map { values($0, language) }, "empty": rows.isEmpty],
                                        context: context, request: request, title: services.localizer.text("approvals.title", language))
    }

    func approvalsJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let rows = try await services.obligations.approvalQueue(actor)
        return try JSONResponse.make(API.Queue(items: rows.map { API.Obligation($0, context.language) }))
    }

    // MARK: - A record

    struct Detail {
        let visible: Visible
        let type: RecordType
        let versions: [VersionRow]
        let events: [EventRow]
        let corrections: [CorrectionRow]
        let audit: [AuditStore.Entry]
    }

    /// `inspection`: the record is opened from that inspection's checklist; a member of its team
    /// has the view logged with the inspection and the version shown kept as evidence.
    func detail(_ actor: Actor, _ id: Int64, inspection: Int64? = nil) async throws -> Detail {
        let visible = try await visible(actor, id)
        let tenant = actor.tenantID
        async let type = services.ruleSets.recordType(tenantID: tenant, ruleSetID: visible.row.ruleSetID, code: visible.row.recordType)
        async let versions = services.records.versions(tenantID: tenant, obligationID: id)
        async let events = services.records.events(tenantID: tenant, obligationID: id)
        async let corrections = services.records.corrections(tenantID: tenant, obligationID: id)
        let detail = Detail(visible: visible, type: try await type, versions: try await versions, events: try await events,
                            corrections: try await corrections, audit: [])
        let partOfInspection = try await inspection.asyncMap {
            try await services.inspections.recordView(actor, inspectionID: $0, obligationID: id, versionID: visible.row.currentVersionID)
        } ?? false
        if !partOfInspection { try await auditView(actor, visible, action: "record.view") }
        let audit = try await services.audit.entries(tenantID: tenant, subject: "obligation:\(id)")
        return Detail(visible: detail.visible, type: detail.type, versions: detail.versions, events: detail.events,
                      corrections: detail.corrections, audit: audit)
    }

    func recordPage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let inspection = request.uri.queryParameters["inspection"].flatMap { Int64(String($0)) }
        let detail = try await detail(actor, try id(context), inspection: inspection)
        let language = context.language
        let row = detail.visible.row
        let roles = detail.visible.roles
        let position = detail.visible.unit.position
        let policy = services.policy
        var page: [String: Any] = ["record": values(row, language)]
        let steps = detail.type.chain.steps.enumerated().map { index, step -> [String: Any] in
            let approval = detail.events.last { $0.kind == "approve" && $0.step == index }
            var value: [String: Any] = ["number": index + 1, "role": services.localizer.text(step.role.messageKey, language),
                                        "signature": step.signatureRequired]
            if case .awaitingStep(let current) = row.state, current == index { value["current"] = true }
            if let approval, row.state != .open { value["by"] = approval.actorName; value["at"] = VietnamTime.display(epochSeconds: approval.at) }
            return value
        }
        page["steps"] = steps
        page["submitterRole"] = services.localizer.text(detail.type.submitter.messageKey, language)
        page["formats"] = detail.type.formats.map(\.rawValue).joined(separator: ", ")
        page["maxMB"] = detail.type.maxBytes / 1024 / 1024
        page["basis"] = detail.type.basis
        page["versions"] = detail.versions.map { version -> [String: Any] in
            var value: [String: Any] = ["version": version.version, "filename": version.filename, "size": Self.size(version.size),
                                        "by": version.uploadedBy, "at": VietnamTime.display(epochSeconds: version.uploadedAt),
                                        "url": "/versions/\(version.id)/download", "sha256": version.sha256]
            if let superseded = version.supersededAt { value["superseded"] = VietnamTime.display(epochSeconds: superseded) }
            return value
        }
        page["hasVersions"] = !detail.versions.isEmpty
        page["events"] = detail.events.map { event -> [String: Any] in
            var value: [String: Any] = ["kind": services.localizer.text("event." + event.kind, language), "by": event.actorName,
                                        "at": VietnamTime.display(epochSeconds: event.at)]
            if let role = event.actorRole.flatMap(Role.init(rawValue:)) { value["role"] = services.localizer.text(role.messageKey, language) }
            if let step = event.step { value["step"] = step + 1 }
            if let comment = event.comment, !comment.isEmpty { value["comment"] = comment }
            return value
        }
        page["corrections"] = detail.corrections.map { correction -> [String: Any] in
            var value: [String: Any] = ["id": correction.id, "reason": correction.reason, "by": correction.requestedBy,
                                        "at": VietnamTime.display(epochSeconds: correction.requestedAt),
                                        "state": services.localizer.text("correction.state." + correction.state, language)]
            if correction.state == "requested" && policy.allows(actor, .consentCorrection, on: position) { value["decidable"] = true }
            if let minutes = correction.minutes.flatMap({ try? JSONDecoder().decode(CorrectionMinutes.self, from: Data($0.utf8)) }) {
                value["minutes"] = ["leader": minutes.leader, "administrator": minutes.administrator, "requester": minutes.requester, "text": minutes.text]
            }
            return value
        }
        page["hasCorrections"] = !detail.corrections.isEmpty
        page["audit"] = detail.audit.map { entry -> [String: Any] in
            ["seq": entry.seq, "at": VietnamTime.display(epochSeconds: entry.atMicroseconds / 1_000_000),
             "who": entry.actorName ?? entry.actorLogin ?? "—", "action": services.localizer.text("audit." + entry.action, language)]
        }
        // What this person may do now (the server checks again when they do it).
        let exempt = row.exemptReason != nil
        let submittable: Bool = switch row.state { case .open, .returned, .correcting: true; default: false }
        if submittable && !exempt && !row.withdrawn && detail.type.storage == .electronic && roles.contains(detail.type.submitter)
            && (row.ownerUserID == nil || row.ownerUserID == actor.userID) {
            page["canSubmit"] = true
        }
        if case .awaitingStep(let step) = row.state, roles.contains(detail.type.chain.steps[step].role) {
            page["canDecide"] = ["step": step, "revision": row.revision]
        }
        if row.state == .approved && (roles.contains(.principal) || detail.type.chain.steps.last.map { roles.contains($0.role) } == true) {
            page["canLock"] = true
        }
        if policy.allows(actor, .exemptObligations, on: position) {
            if exempt { page["canUnexempt"] = true } else if row.state == .open || { if case .returned = row.state { return true }; return false }() {
                page["canExempt"] = true
            }
        }
        if row.state == .locked && policy.allows(actor, .submitRecords, on: position) && !detail.corrections.contains(where: { $0.state == "requested" }) {
            page["canRequestCorrection"] = true
        }
        if let version = row.currentVersionID {
            let signatures = try await services.signatures.signatures(tenantID: actor.tenantID, versionID: version)
            page["signatures"] = signatures.map { signature -> [String: Any] in
                ["signer": signature.signer, "kind": services.localizer.text("signature_kind." + signature.kind, language),
                 "role": Role(rawValue: signature.role).map { services.localizer.text($0.messageKey, language) } ?? signature.role,
                 "at": VietnamTime.display(epochSeconds: signature.signedAt), "serial": signature.serial, "commonName": signature.commonName]
            }
            page["hasSignatures"] = !signatures.isEmpty
            page["signatureState"] = services.localizer.text(SignatureState(rawValue: row.signatureState)?.messageKey ?? "", language)
            page["hasVersion"] = true
        }
        page["revision"] = row.revision
        return services.renderer.render("record", page, context: context, request: request, title: language == .en ? row.typeNameEn : row.typeNameVi)
    }

    func recordJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let detail = try await detail(actor, try id(context))
        let language = context.language
        return try JSONResponse.make(API.Record(
            obligation: API.Obligation(detail.visible.row, language),
            chain: detail.type.chain.steps.map { API.Step(role: $0.role.rawValue, signatureRequired: $0.signatureRequired) },
            submitter: detail.type.submitter.rawValue, formats: detail.type.formats.map(\.rawValue), maxBytes: detail.type.maxBytes,
            versions: detail.versions.map(API.Version.init), events: detail.events.map(API.Event.init),
            corrections: detail.corrections.map(API.Correction.init),
            audit: detail.audit.map { API.AuditEntry(seq: $0.seq, at: VietnamTime.iso(epochSeconds: $0.atMicroseconds / 1_000_000),
                                                      actor: $0.actorLogin, action: $0.action) }
        ))
    }

    // MARK: - Uploads

    func uploadRaw(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try id(context)
        let type = try await services.records.checkSubmittable(actor, obligationID: id)
        let filename = request.uri.queryParameters.get("filename")
        let revision = request.uri.queryParameters.get("revision").flatMap { Int($0) }
        let received = try await uploads.receive(body: request.body, filename: filename, type: type)
        let version = try await services.records.submit(actor, obligationID: id, blob: received.staged, format: received.format,
                                                        filename: received.filename, revision: revision)
        return try JSONResponse.make(API.Version(version), status: .created)
    }

    func uploadForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard let session = context.session else { throw HosoError("auth.required") }
        let id = try id(context)
        let type = try await services.records.checkSubmittable(actor, obligationID: id)
        let (received, fields) = try await uploads.receive(multipart: request, csrfToken: session.csrfToken, type: type)
        _ = try await services.records.submit(actor, obligationID: id, blob: received.staged, format: received.format,
                                              filename: received.filename, revision: fields["revision"].flatMap { Int($0) })
        return Response.redirect(to: "/records/\(id)", type: .normal)
    }

    // MARK: - Decisions

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

    func decideJSON(request: Request, context: AppRequestContext, kind: String) async throws -> Response {
        let actor = try context.requireActor()
        let id = try id(context)
        let body = try await request.decodeJSON(DecisionBody.self)
        let row = try await services.records.decide(actor, obligationID: id, try decision(kind, step: body.step, comment: body.comment),
                                                    revision: body.revision,
                                                    signing: kind == "approve" && body.sign == true ? services.signing.hosoSigning(tenantID: actor.tenantID) : nil)
        return try JSONResponse.make(API.Obligation(row, context.language))
    }

    func actionForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try id(context)
        let form = try await request.decodeForm()
        let action = context.parameters.get("action") ?? ""
        switch action {
        case "approve", "return", "lock":
            _ = try await services.records.decide(actor, obligationID: id, try decision(action, step: form["step"].flatMap { Int($0) }, comment: form["comment"]),
                                                  revision: form["revision"].flatMap { Int($0) },
                                                  signing: action == "approve" && form["sign"] == "1" ? services.signing.hosoSigning(tenantID: actor.tenantID) : nil)
        case "exempt":
            _ = try await services.records.exempt(actor, obligationID: id, reason: form["reason"] ?? "")
        case "unexempt":
            _ = try await services.records.exempt(actor, obligationID: id, reason: nil)
        case "correction":
            _ = try await services.records.requestCorrection(actor, obligationID: id, reason: form["reason"] ?? "")
        default:
            throw HosoError("http.not_found")
        }
        return Response.redirect(to: "/records/\(id)", type: .normal)
    }

    struct ExemptBody: Decodable { let reason: String? }

    func exemptJSON(request: Request, context: AppRequestContext, exempt: Bool) async throws -> Response {
        let actor = try context.requireActor()
        let id = try id(context)
        let reason = exempt ? (try await request.decodeJSON(ExemptBody.self).reason ?? "") : nil
        let row = try await services.records.exempt(actor, obligationID: id, reason: reason)
        return try JSONResponse.make(API.Obligation(row, context.language))
    }

    // MARK: - Corrections

    struct CorrectionBody: Decodable { let reason: String? }

    func correctionRequestJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(CorrectionBody.self)
        let correction = try await services.records.requestCorrection(actor, obligationID: try id(context), reason: body.reason ?? "")
        return try JSONResponse.make(["id": correction], status: .created)
    }

    struct DecisionOnCorrection: Decodable {
        let consent: Bool
        let leader: String?
        let administrator: String?
        let requester: String?
        let text: String?
    }

    func minutes(_ leader: String?, _ administrator: String?, _ requester: String?, _ text: String?) throws -> CorrectionMinutes {
        let fields = [leader, administrator, requester, text].map { Normalize.nfc(Text.trimmed($0 ?? "")) }
        guard fields.allSatisfy({ $0.count <= 2000 }) else { throw HosoError("workflow.comment_too_long") }
        return CorrectionMinutes(leader: fields[0], administrator: fields[1], requester: fields[2], text: fields[3])
    }

    func correctionDecisionJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(DecisionOnCorrection.self)
        let row = try await services.records.decideCorrection(
            actor, correctionID: try id(context), consent: body.consent,
            minutes: body.consent ? try minutes(body.leader, body.administrator, body.requester, body.text) : nil
        )
        return try JSONResponse.make(API.Obligation(row, context.language))
    }

    func correctionForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try await request.decodeForm()
        let consent = form["consent"] == "yes"
        let row = try await services.records.decideCorrection(
            actor, correctionID: try id(context), consent: consent,
            minutes: consent ? try minutes(form["leader"], form["administrator"], form["requester"], form["text"]) : nil
        )
        return Response.redirect(to: "/records/\(row.id)", type: .normal)
    }

    // MARK: - Download

    func download(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard let version = try await services.records.version(tenantID: actor.tenantID, versionID: try id(context)) else {
            throw HosoError("record.not_found")
        }
        let visible = try await visible(actor, version.obligationID)
        let bytes = try services.blobs.read(version.sha256)
        try await auditView(actor, visible, action: "record.download", details: ["version": String(version.version), "sha256": version.sha256])
        var headers = HTTPFields()
        headers[.contentType] = version.mediaType
        headers[.contentDisposition] = "attachment; filename*=UTF-8''" + (version.filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? "document")
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "private, no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: - Entry windows

    func schoolYear(_ request: Request, _ tenantID: Int64) async throws -> String {
        if let year = request.uri.queryParameters.get("year"), year.count == 9 { return String(year) }
        let years = try await services.ruleSets.schoolYears(tenantID: tenantID)
        let today = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970))
        let current = today.month >= 8 ? "\(today.year)-\(today.year + 1)" : "\(today.year - 1)-\(today.year)"
        return years.contains(current) ? current : years.first ?? current
    }

    func windowsPage(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let unit = try await UnitBrowser(services: services).authorize(actor, .manageEntryWindows, code: try context.pathParameter("code"))
        let year = try await schoolYear(request, actor.tenantID)
        let windows = try await services.records.windows(tenantID: actor.tenantID, unitID: unit.id, schoolYear: year)
        let types = try await services.ruleSets.latest(tenantID: actor.tenantID, schoolYear: year)?.ruleSet.types ?? []
        let language = context.language
        func typeName(_ code: String) -> String {
            types.first { $0.code == code }.map { language == .en ? $0.nameEn : $0.nameVi } ?? code
        }
        return services.renderer.render("windows", [
            "unit": ["code": unit.code, "name": language == .en ? unit.nameEn : unit.nameVi, "url": SiteURL.unit(unit.code).path],
            "year": year,
            "types": types.filter { $0.storage == .electronic && $0.applies(to: unit.schoolLevels) }.map {
                ["code": $0.code, "name": language == .en ? $0.nameEn : $0.nameVi, "window": $0.entryWindow]
            },
            "windows": windows.map { window -> [String: Any] in
                var value: [String: Any] = ["type": typeName(window.recordType), "open": window.isOpen, "orderedBy": window.orderedBy,
                                            "by": window.setBy, "at": VietnamTime.display(epochSeconds: window.at)]
                if let kind = window.periodKind, let number = window.periodNumber {
                    value["period"] = services.localizer.text("period." + kind, language, ["n": String(number)])
                }
                if let note = window.note, !note.isEmpty { value["note"] = note }
                return value
            },
            "empty": windows.isEmpty,
        ], context: context, request: request, title: services.localizer.text("windows.title", language))
    }

    struct WindowBody: Decodable {
        let recordType: String
        let schoolYear: String?
        let periodKind: String?
        let periodNumber: Int?
        let open: Bool
        let orderedBy: String?
        let note: String?
    }

    func setWindow(_ actor: Actor, code: String, year: String, _ body: WindowBody) async throws -> Int64 {
        let unit = try await UnitBrowser(services: services).authorize(actor, .manageEntryWindows, code: code)
        var period: (kind: String, number: Int)?
        if let kind = body.periodKind, !kind.isEmpty {
            guard ObligationPeriod.Kind(rawValue: kind) != nil, let number = body.periodNumber, (1...60).contains(number) else {
                throw HosoError("window.bad_period")
            }
            period = (kind, number)
        }
        return try await services.records.setWindow(actor, unit: unit, schoolYear: body.schoolYear ?? year, recordType: body.recordType,
                                                    period: period, open: body.open, orderedBy: Normalize.nfc(body.orderedBy ?? ""),
                                                    note: body.note.map(Normalize.nfc))
    }

    func windowJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(WindowBody.self)
        let id = try await setWindow(actor, code: try context.pathParameter("code"), year: try await schoolYear(request, actor.tenantID), body)
        return try JSONResponse.make(["id": id], status: .created)
    }

    func windowForm(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try await request.decodeForm()
        let code = try context.pathParameter("code")
        var year = form["year"] ?? ""
        if year.isEmpty { year = try await schoolYear(request, actor.tenantID) }
        _ = try await setWindow(actor, code: code, year: year, WindowBody(
            recordType: form["record_type"] ?? "", schoolYear: year, periodKind: form["period_kind"], periodNumber: form["period_number"].flatMap { Int($0) },
            open: form["open"] == "yes", orderedBy: form["ordered_by"], note: form["note"]
        ))
        return Response.redirect(to: "/units/\(SiteURL.segment(code))/windows?year=\(year)", type: .normal)
    }

    func windowsJSON(request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let unit = try await UnitBrowser(services: services).authorize(actor, .manageEntryWindows, code: try context.pathParameter("code"))
        let year = try await schoolYear(request, actor.tenantID)
        let windows = try await services.records.windows(tenantID: actor.tenantID, unitID: unit.id, schoolYear: year)
        return try JSONResponse.make(API.Windows(schoolYear: year, windows: windows.map(API.Window.init)))
    }

    // MARK: - Presentation

    func values(_ row: ObligationRow, _ language: Language) -> [String: Any] {
        var value: [String: Any] = [
            "id": row.id, "url": "/records/\(row.id)",
            "type": language == .en ? row.typeNameEn : row.typeNameVi,
            "unit": language == .en && !row.unitNameEn.isEmpty ? row.unitNameEn : row.unitNameVi, "unitCode": row.unitCode,
            "owner": row.ownerName,
            "period": services.localizer.text("period." + row.periodKind, language, ["n": String(row.periodNumber)]),
            "periodDates": (LocalDate(iso: row.periodFirst)?.vietnamese ?? row.periodFirst) + " – " + (LocalDate(iso: row.periodLast)?.vietnamese ?? row.periodLast),
            "due": VietnamTime.display(epochSeconds: row.dueAt),
            "status": services.localizer.text(row.status.messageKey, language), "statusCode": row.status.rawValue,
        ]
        if let role = row.awaitingRole { value["awaiting"] = services.localizer.text(role.messageKey, language) }
        if case .awaitingStep(let step) = row.state { value["step"] = step + 1 }
        if let reason = row.exemptReason { value["exemptReason"] = reason }
        return value
    }

    static func size(_ bytes: Int64) -> String {
        bytes < 1024 ? "\(bytes) B" : bytes < 1_048_576 ? "\(bytes / 1024) KB" : String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}

extension API {
    struct Obligation: Encodable {
        let id: Int64
        let unit: String
        let schoolYear: String
        let recordType: String
        let recordTypeName: String
        let owner: String
        let ownerUserId: Int64?
        let periodKind: String
        let periodNumber: Int
        let periodFirst: String
        let periodLast: String
        let dueAt: String
        let state: String
        let step: Int?
        let awaitingRole: String?
        let status: String
        let firstSubmittedAt: String?
        let revision: Int
        let exemptReason: String?

        init(_ row: ObligationRow, _ language: Language) {
            id = row.id
            unit = row.unitCode
            schoolYear = row.schoolYear
            recordType = row.recordType
            recordTypeName = language == .en ? row.typeNameEn : row.typeNameVi
            owner = row.ownerName
            ownerUserId = row.ownerUserID
            periodKind = row.periodKind
            periodNumber = row.periodNumber
            periodFirst = row.periodFirst
            periodLast = row.periodLast
            dueAt = VietnamTime.iso(epochSeconds: row.dueAt)
            state = row.state.stored.name
            step = row.state.stored.step.map { $0 + 1 }
            awaitingRole = row.awaitingRole?.rawValue
            status = row.status.rawValue
            firstSubmittedAt = row.firstSubmittedAt.map { VietnamTime.iso(epochSeconds: $0) }
            revision = row.revision
            exemptReason = row.exemptReason
        }
    }

    struct Owed: Encodable {
        let late: [Obligation]
        let returned: [Obligation]
        let thisWeek: [Obligation]
        let nextWeek: [Obligation]
    }

    struct Queue: Encodable { let items: [Obligation] }

    struct Step: Encodable {
        let role: String
        let signatureRequired: Bool
    }

    struct Version: Encodable {
        let id: Int64
        let version: Int
        let sha256: String
        let size: Int64
        let mediaType: String
        let format: String
        let filename: String
        let uploadedBy: String
        let uploadedAt: String
        let superseded: Bool
        let url: String

        init(_ row: VersionRow) {
            id = row.id
            version = row.version
            sha256 = row.sha256
            size = row.size
            mediaType = row.mediaType
            format = row.format
            filename = row.filename
            uploadedBy = row.uploadedBy
            uploadedAt = VietnamTime.iso(epochSeconds: row.uploadedAt)
            superseded = row.supersededAt != nil
            url = "/api/v1/versions/\(row.id)/content"
        }
    }

    struct Event: Encodable {
        let kind: String
        let step: Int?
        let actor: String
        let role: String?
        let comment: String?
        let at: String

        init(_ row: EventRow) {
            kind = row.kind
            step = row.step.map { $0 + 1 }
            actor = row.actorName
            role = row.actorRole
            comment = row.comment
            at = VietnamTime.iso(epochSeconds: row.at)
        }
    }

    struct Correction: Encodable {
        let id: Int64
        let reason: String
        let requestedBy: String
        let state: String

        init(_ row: CorrectionRow) {
            id = row.id
            reason = row.reason
            requestedBy = row.requestedBy
            state = row.state
        }
    }

    struct AuditEntry: Encodable {
        let seq: Int64
        let at: String
        let actor: String?
        let action: String
    }

    struct Record: Encodable {
        let obligation: Obligation
        let chain: [Step]
        let submitter: String
        let formats: [String]
        let maxBytes: Int64
        let versions: [Version]
        let events: [Event]
        let corrections: [Correction]
        let audit: [AuditEntry]
    }

    struct Window: Encodable {
        let id: Int64
        let recordType: String
        let periodKind: String?
        let periodNumber: Int?
        let open: Bool
        let orderedBy: String
        let setBy: String
        let at: String

        init(_ row: WindowRow) {
            id = row.id
            recordType = row.recordType
            periodKind = row.periodKind
            periodNumber = row.periodNumber
            open = row.isOpen
            orderedBy = row.orderedBy
            setBy = row.setBy
            at = VietnamTime.iso(epochSeconds: row.at)
        }
    }

    struct Windows: Encodable {
        let schoolYear: String
        let windows: [Window]
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
