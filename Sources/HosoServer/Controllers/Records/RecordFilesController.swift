import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// A record's documents: uploading a new version (raw body or a form) and downloading one. The
/// upload is checked with `RecordDecisions.submit` before a byte is stored and again, with the
/// bytes, in the transaction that records it; every download is on the record's audit trail.
struct RecordFilesController: Sendable {
    let services: AppServices
    var uploads: Uploads { Uploads(blobs: services.blobs) }
    var reader: RecordReader { RecordReader(services: services) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.post(.recordUpload) { request, context in try await self.uploadForm(request: request, context: context) }
        router.get(.versionDownload) { request, context in try await self.download(request: request, context: context) }
        router.post(.apiObligationVersions) { request, context in
            try await self.uploadRaw(request: request, context: context)
        }
        router.get(.apiVersionContent) { request, context in try await self.download(request: request, context: context)
        }
        router.get(.versionDocument) { request, context in try await self.downloadDocument(request: request, context: context) }
        router.get(.apiVersionDocument) { request, context in
            try await self.downloadDocument(request: request, context: context)
        }
    }

    func uploadRaw(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let id = try RecordRoute.id(context)
        let type = try await services.records.checkSubmittable(actor, obligationID: id)
        let revision = request.uri.queryParameters.get("revision").flatMap { Int($0) }
        var uploads = self.uploads
        uploads.xmlSchema = try await Uploads.schemaFor(services, tenantID: actor.tenantID, type: type)
        // Several documents come as `multipart/form-data`, one `file` part each (the CSRF header
        // was checked by the middleware).
        if request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true {
            try Uploads.refuseDeclaredSize(request, type: type, multipart: true)
            let (received, fields) = try await uploads.receive(multipart: request, csrfToken: nil, type: type)
            let version = try await submit(actor, id, received, revision: revision ?? fields["revision"].flatMap { Int($0) })
            await SubmissionSignatureController.signAfterUpload(services, actor: actor, obligationID: id, type: type)
            return try JSONResponse.make(API.Version(version), status: .created)
        }
        try Uploads.refuseDeclaredSize(request, type: type, multipart: false)
        let filename = request.uri.queryParameters.get("filename")
        let received = try await uploads.receive(body: request.body, filename: filename, type: type)
        let version = try await services.records.submit(
            actor, obligationID: id, blob: received.staged, format: received.format,
            filename: received.filename, revision: revision)
        await SubmissionSignatureController.signAfterUpload(services, actor: actor, obligationID: id, type: type)
        return try JSONResponse.make(API.Version(version), status: .created)
    }

    func uploadForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let session = context.signedIn
        let id = try RecordRoute.id(context)
        let type = try await services.records.checkSubmittable(actor, obligationID: id)
        try Uploads.refuseDeclaredSize(request, type: type, multipart: true)
        var uploads = self.uploads
        uploads.xmlSchema = try await Uploads.schemaFor(services, tenantID: actor.tenantID, type: type)
        let (received, fields) = try await uploads.receive(multipart: request, csrfToken: session.csrfToken, type: type)
        _ = try await submit(actor, id, received, revision: fields["revision"].flatMap { Int($0) })
        await SubmissionSignatureController.signAfterUpload(services, actor: actor, obligationID: id, type: type)
        return Response.redirect(to: SiteURL.record(id).path, type: .normal)
    }

    /// One version of the documents received, the first one first.
    func submit(_ actor: Actor, _ id: Int64, _ received: [Uploads.Received], revision: Int?) async throws -> VersionRow {
        guard let first = received.first else { throw HosoError("upload.missing_file") }
        return try await services.records.submit(
            actor, obligationID: id, blob: first.staged, format: first.format, filename: first.filename, revision: revision,
            more: received.dropFirst().map { SubmittedDocument(blob: $0.staged, format: $0.format, filename: $0.filename) })
    }

    /// One document of a version, by its position (1 is the version's first document).
    func downloadDocument(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        guard let position = context.parameters.get("position").flatMap({ Int($0) }), position >= 1,
              let version = try await services.records.version(tenantID: actor.tenantID, versionID: try RecordRoute.id(context))
        else { throw HosoError("record.not_found") }
        // Visible first: a document of a record one cannot see does not exist.
        let visible = try await reader.visible(actor, version.obligationID)
        guard let document = try await services.records.document(tenantID: actor.tenantID, versionID: version.id, position: position)
        else { throw HosoError("record.not_found") }
        let bytes = try services.blobs.read(document.sha256)
        try await reader.audit(
            actor, visible, .download,
            details: ["version": String(version.version), "document": String(position), "sha256": document.sha256])
        return Download.response(ByteBuffer(bytes: bytes), filename: document.filename, .other(document.mediaType))
    }

    func download(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        guard
            let version = try await services.records.version(
                tenantID: actor.tenantID, versionID: try RecordRoute.id(context))
        else {
            throw HosoError("record.not_found")
        }
        let visible = try await reader.visible(actor, version.obligationID)
        let bytes = try services.blobs.read(version.sha256)
        try await reader.audit(
            actor, visible, .download, details: ["version": String(version.version), "sha256": version.sha256])
        return Download.response(ByteBuffer(bytes: bytes), filename: version.filename, .other(version.mediaType))
    }
}
