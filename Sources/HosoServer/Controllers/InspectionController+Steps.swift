import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// The steps of an inspection (start, cancel, conclude, close), its lines, findings, evidence and
/// follow-ups, as forms and as JSON. Each handler parses what was sent; the store asks
/// `InspectionDecisions` under the inspection's lock.
extension InspectionController {
    struct MarkInput: Decodable {
        var verdict: String?
        var note: String?
    }
    struct FindingInput: Decodable {
        var item: Int64?
        var severity: String?
        var text: String?
    }
    struct FollowUpInput: Decodable {
        var finding: Int64?
        var owner: String?
        var due: String?
        var action: String?
    }
    struct NoteInput: Decodable {
        var note: String?
        var conclusions: String?
        var recommendations: String?
    }

    func event(_ actor: Actor, _ visible: Visible, _ event: String, body: [String: String]) async throws {
        let id = visible.row.id
        switch InspectionEvent(rawValue: event) {
        case .start: _ = try await services.inspections.start(actor, id: id)
        case .cancel: try await services.inspections.cancel(actor, id: id)
        case .conclude:
            try await conclude(
                actor, visible, conclusions: body["conclusions"] ?? "", recommendations: body["recommendations"])
        case .close: try await services.inspections.close(actor, id: id)
        case nil: throw HosoError("http.not_found")
        }
    }

    func mark(_ actor: Actor, _ visible: Visible, item: Int64, verdict: String?, note: String?) async throws {
        try await services.inspections.mark(
            actor, inspectionID: visible.row.id, itemID: item, verdict: verdict, note: note)
    }

    func finding(
        _ actor: Actor, _ visible: Visible, item: String?, severity: String?, text: String?
    ) async throws -> Int64 {
        try await services.inspections.addFinding(
            actor, inspectionID: visible.row.id, itemID: item.flatMap { Int64(Text.trimmed($0)) },
            severity: severity, text: Normalize.lines(text ?? ""))
    }

    func followUp(
        _ actor: Actor, _ visible: Visible, finding: String?, owner: String?, due: String?, action: String?
    ) async throws -> Int64 {
        // Asked early (the store asks again under the lock) so that whoever may not add one
        // learns nothing about the logins they name.
        try InspectionDecisions.requireInspector(actor, visible.snapshot)
        let login = Text.trimmed(owner ?? "")
        var ownerID: Int64?
        if !login.isEmpty {
            guard let person = try await services.inspections.people(tenantID: actor.tenantID, logins: [login]).first
            else {
                throw HosoError("inspection.unknown_person", ["login": String(login.prefix(60))])
            }
            ownerID = person.userID
        }
        let dueText = Text.trimmed(due ?? "")
        let dueOn = dueText.isEmpty ? nil : LocalDate(iso: dueText)
        if !dueText.isEmpty && dueOn == nil { throw HosoError("inspection.follow_up_without_due") }
        return try await services.inspections.addFollowUp(
            actor, inspectionID: visible.row.id, findingID: finding.flatMap { Int64(Text.trimmed($0)) },
            ownerUserID: ownerID,
            dueOn: dueOn, action: Normalize.lines(action ?? ""), today: services.clock.today()
        )
    }

    func back(_ id: Int64, _ anchor: String = "") -> Response {
        Response.redirect(to: SiteURL.inspection(id).path(anchor: anchor), type: .normal)
    }

    // MARK: - Forms

    func eventForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        let form = try await request.decodeForm(limit: CSRFMiddleware.maxFormBytes)
        try await event(actor, visible, try context.pathParameter("event"), body: form.dictionary)
        return back(visible.row.id)
    }

    func markForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        let form = try await request.decodeForm()
        let item = try id(context, "item")
        try await mark(actor, visible, item: item, verdict: form["verdict"], note: form["note"])
        return back(visible.row.id, "item-\(item)")
    }

    func findingForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        let form = try await request.decodeForm()
        _ = try await finding(actor, visible, item: form["item"], severity: form["severity"], text: form["text"])
        return back(visible.row.id, "findings")
    }

    func followUpForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        let form = try await request.decodeForm()
        _ = try await followUp(
            actor, visible, finding: form["finding"], owner: form["owner"], due: form["due"], action: form["action"])
        return back(visible.row.id, "follow-ups")
    }

    /// Marks a follow-up done: a follow-up the actor cannot see is "not found" (404), one they
    /// see but may not act on is refused (403); the store asks `InspectionDecisions`.
    func completeFollowUp(_ actor: Actor, id: Int64, note: String) async throws {
        try await services.inspections.completeFollowUp(actor, id: id, note: Normalize.lines(note))
    }

    func followUpDoneForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let form = try await request.decodeForm()
        try await completeFollowUp(
            actor, id: try id(context, notFound: "inspection.follow_up_not_found"), note: form["note"] ?? "")
        return Response.redirect(to: SiteURL.followUpBack(form["back"]), type: .normal)
    }

    // MARK: - API

    func markJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        let input = try await request.decodeJSON(MarkInput.self)
        try await mark(actor, visible, item: try id(context, "item"), verdict: input.verdict, note: input.note)
        return try JSONResponse.make(
            try await inspectionJSONValue(actor, try await self.visible(actor, visible.row.id)))
    }

    func findingJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        let input = try await request.decodeJSON(FindingInput.self)
        let id = try await finding(
            actor, visible, item: input.item.map(String.init), severity: input.severity, text: input.text)
        return try JSONResponse.make(API.Created(id: id), status: .created)
    }

    func followUpJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        let input = try await request.decodeJSON(FollowUpInput.self)
        let id = try await followUp(
            actor, visible, finding: input.finding.map(String.init), owner: input.owner, due: input.due,
            action: input.action)
        return try JSONResponse.make(API.Created(id: id), status: .created)
    }

    func followUpDoneJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let followUpID = try id(context, notFound: "inspection.follow_up_not_found")
        let input = try await request.decodeJSON(NoteInput.self)
        try await completeFollowUp(actor, id: followUpID, note: input.note ?? "")
        return Response(status: .noContent)
    }

    func eventJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        var body: [String: String] = [:]
        if request.headers[.contentType] != nil {
            let input = try await request.decodeJSON(NoteInput.self, limit: 128 * 1024)
            body["conclusions"] = input.conclusions
            body["recommendations"] = input.recommendations
        }
        try await event(actor, visible, try context.pathParameter("event"), body: body)
        return try JSONResponse.make(
            try await inspectionJSONValue(actor, try await self.visible(actor, visible.row.id)))
    }

    /// Evidence files on a line of the checklist: the raw body, its type in `Content-Type`, its
    /// name in `?filename=`; PDF or images, 20 MB at most.
    func attachJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        // Asked before the body is read, so that nothing is uploaded for a refusal; the store
        // asks the whole decision again under the lock.
        try InspectionDecisions.requireInspector(actor, visible.snapshot)
        let itemID = try id(context, "item")
        let mediaType =
            (request.headers[.contentType] ?? "").split(separator: ";").first.map {
                Text.trimmed(String($0)).lowercased()
            } ?? ""
        let accepted = [
            "application/pdf": [UInt8]("%PDF".utf8), "image/png": [0x89, 0x50, 0x4E, 0x47],
            "image/jpeg": [0xFF, 0xD8, 0xFF],
        ]
        guard let magic = accepted[mediaType] else {
            throw HosoError("upload.format_not_accepted", ["formats": "pdf, png, jpeg"])
        }
        let rawName = request.uri.queryParameters["filename"].map(String.init) ?? "evidence"
        let filename = try DocumentName.check(Normalize.nfc(rawName.removingPercentEncoding ?? rawName))
        let limit: Int64 = 20 * 1024 * 1024
        let writer = try services.blobs.writer(limit: limit)
        do {
            for try await chunk in request.body {
                try chunk.withUnsafeReadableBytes { try writer.write($0) }
            }
        } catch {
            writer.abort()
            throw (error as? HosoError) ?? HosoError("upload.too_large", ["limit": "20"])
        }
        let staged = try writer.finish()
        guard staged.size > 0, Array(staged.head.prefix(magic.count)) == magic else {
            staged.discard()
            throw HosoError("upload.unrecognised", ["formats": "pdf, png, jpeg"])
        }
        try staged.commit()
        let id = try await services.inspections.attach(
            actor, inspectionID: visible.row.id, itemID: itemID, blob: staged,
            mediaType: mediaType, filename: filename)
        return try JSONResponse.make(API.Created(id: id), status: .created)
    }
}
