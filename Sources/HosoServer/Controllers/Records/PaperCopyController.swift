import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// The scan of a record's printed, hand-signed and stamped copy: filed by the school office as a
/// form or through `/api/v1`, listed, downloaded. Checked with `PaperCopyDecisions.file` before a
/// byte is stored and again, with the bytes, under the record's lock; a scan must be a PDF.
struct PaperCopyController: Sendable {
    let services: AppServices
    var uploads: Uploads { Uploads(blobs: services.blobs) }
    var reader: RecordReader { RecordReader(services: services) }
    var store: PaperCopyStore { PaperCopyStore(database: services.database, logger: services.logger) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.post(.recordPaperCopies) { request, context in
            try await self.fileForm(request: request, context: context)
        }
        router.get(.paperCopyDownload) { request, context in try await self.download(request: request, context: context)
        }
        router.post(.apiObligationPaperCopies) { request, context in
            try await self.fileRaw(request: request, context: context)
        }
        router.get(.apiObligationPaperCopies) { request, context in
            try await self.listJSON(request: request, context: context)
        }
    }

    /// The upload's refusals in the scan's own words: anything but a PDF, or nothing at all.
    func receiving<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as HosoError {
            switch error.code {
            case "upload.format_not_accepted", "upload.unrecognised": throw HosoError("paper_copy.not_pdf")
            case "upload.empty": throw HosoError("paper_copy.empty")
            default: throw error
            }
        }
    }

    func fileForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let id = try RecordRoute.id(context)
        let type = try await store.checkFileable(actor, obligationID: id)
        try Uploads.refuseDeclaredSize(request, type: type, multipart: true, single: true)
        let (received, _) = try await receiving {
            try await uploads.receive(multipart: request, csrfToken: context.signedIn.csrfToken, type: type, single: true)
        }
        guard let scan = received.first else { throw HosoError("paper_copy.empty") }
        _ = try await store.file(actor, obligationID: id, blob: scan.staged, filename: scan.filename)
        return Response.redirect(to: SiteURL.record(id).path, type: .normal)
    }

    func fileRaw(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let id = try RecordRoute.id(context)
        let type = try await store.checkFileable(actor, obligationID: id)
        try Uploads.refuseDeclaredSize(request, type: type, multipart: false)
        let received = try await receiving {
            try await uploads.receive(
                body: request.body, filename: request.uri.queryParameters.get("filename"), type: type)
        }
        let row = try await store.file(actor, obligationID: id, blob: received.staged, filename: received.filename)
        return try JSONResponse.make(API.PaperCopy(row), status: .created)
    }

    func listJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await reader.visible(actor, try RecordRoute.id(context))
        let rows = try await store.copies(tenantID: actor.tenantID, obligationID: visible.row.id)
        return try JSONResponse.make(
            API.PaperCopies(
                rule: visible.snapshot.type.paperCopy.rawValue, filed: visible.snapshot.paperCopyFiled,
                copies: rows.map(API.PaperCopy.init)))
    }

    func download(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        guard let copy = try await store.copy(tenantID: actor.tenantID, id: try RecordRoute.id(context)) else {
            throw HosoError("record.not_found")
        }
        let visible = try await reader.visible(actor, copy.obligationID)
        let bytes = try services.blobs.read(copy.sha256)
        try await reader.audit(
            actor, visible, .download, details: ["paper_copy": String(copy.id), "sha256": copy.sha256])
        return Download.response(ByteBuffer(bytes: bytes), filename: copy.filename, .pdf)
    }
}
