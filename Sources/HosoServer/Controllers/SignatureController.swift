import Foundation
import Hummingbird
import HosoCore
import HosoReports
import HosoSigning
import HosoStore

/// Signatures of records: the manifest (and a template to sign it outside Hoso), a signed
/// manifest handed in as an approval, the verification of a record (page and JSON), and ZIP
/// exports of a record or a school's whole book for a year, checkable without Hoso.
struct SignatureController: Sendable {
    let services: AppServices
    var reader: RecordReader { RecordReader(services: services) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.recordSignatures) { request, context in try await self.page(request: request, context: context) }
        router.get(.recordExport) { request, context in try await self.exportRecord(request: request, context: context) }
        router.get(.unitBookExport) { request, context in try await self.exportBook(request: request, context: context) }
        router.get(.apiObligationManifest) { request, context in try await self.manifest(request: request, context: context) }
        router.post(.apiObligationSignatures) { request, context in try await self.handIn(request: request, context: context) }
        router.get(.apiObligationVerification) { request, context in try await self.verificationJSON(request: request, context: context) }
        router.get(.apiObligationExport) { request, context in try await self.exportRecord(request: request, context: context) }
    }

    // MARK: - Manifest and hand-in

    func current(_ actor: Actor, _ context: SignedInContext) async throws -> (RecordReader.Visible, ManifestRow) {
        let visible = try await reader.visible(actor, try RecordRoute.id(context))
        guard let version = visible.row.currentVersionID else { throw HosoError("signature.no_version") }
        let row = try await services.signing.manifest(tenantID: actor.tenantID, obligationID: visible.row.id, versionID: version)
        return (visible, row)
    }

    /// The current version's manifest; with `?template=1`, with an unsigned signature for the
    /// actor's step appended, ready for `xmlsec1 --sign` or a token's tool.
    func manifest(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let (visible, row) = try await current(actor, context)
        var xml = Array(row.xml.utf8)
        let template = request.uri.queryParameters.get("template")
        if template == "1" || template == "submission" {
            guard case .awaitingStep(let step) = visible.row.state else { throw HosoError("workflow.not_awaiting") }
            // A template only for someone whose signed approval (or own submission signature) would be accepted now.
            let submission = template == "submission"
            if submission { try SignerDecisions.signSubmission(visible.snapshot) } else {
                _ = try RecordDecisions.approve(visible.snapshot, step: step, signed: true)
            }
            let role = submission ? visible.snapshot.type.submitter : visible.snapshot.type.chain.steps[step].role
            let keys = try await services.signatures.keys(tenantID: actor.tenantID).filter { $0.owner == actor.login && !$0.seal && $0.state == "active" }
            guard let key = keys.last else { throw HosoError("signing.no_key") }
            // The signature method follows the key the person will sign with (`algorithm=RSA|EC`,
            // default: their newest key's).
            let algorithm = request.uri.queryParameters.get("algorithm") ?? key.algorithm
            guard ["RSA", "EC"].contains(algorithm) else { throw HosoError("keys.algorithm", ["algorithm": algorithm]) }
            let prior = submission ? []
                : try await services.signatures.priorApprovals(
                    tenantID: actor.tenantID, obligationID: visible.row.id, versionID: row.versionID)
            let claim = SignatureClaim(kind: submission ? .submission : .approval, step: submission ? 0 : step + 1,
                                       role: role.rawValue, signer: actor.login, signerName: actor.displayName,
                                       signingTime: services.clock.now(), prior: prior)
            xml = try services.signing.template(manifest: row.xml, keyAlgorithm: algorithm, claim: claim)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/xml; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentDisposition] = "attachment; filename=\"manifest-\(visible.row.id)-v\(row.versionID).xml\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: xml)))
    }

    /// The approver's signed manifest, handed in as their approval of the current step.
    func handIn(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let id = try RecordRoute.id(context)
        guard let type = request.headers[.contentType]?.lowercased(), type.hasPrefix("application/xml") || type.hasPrefix("text/xml") else {
            throw HosoError("request.unsupported_media_type")
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: 2 << 20) else { throw HosoError("request.too_large") }
        let bytes = Array(buffer: body)
        let visible = try await reader.visible(actor, id)
        guard case .awaitingStep(let step) = visible.row.state else { throw HosoError("workflow.not_awaiting") }
        let row = try await services.records.decide(actor, obligationID: id, .approve(step: step), revision: nil,
                                                    signing: services.signing.externalSigning(tenantID: actor.tenantID, uploaded: bytes))
        return try JSONResponse.make(API.Obligation(row, context.language))
    }

    // MARK: - Verification

    struct Verified {
        let visible: RecordReader.Visible
        let verification: SigningService.Verification?
        let rows: [SignatureRow]
    }

    func verified(_ actor: Actor, _ context: SignedInContext) async throws -> Verified {
        try await verified(actor, id: try RecordRoute.id(context))
    }

    /// `roots`: the tenant's roots when the caller read them already (a book's export reads them once).
    func verified(_ actor: Actor, id: Int64, roots: TrustRoots? = nil) async throws -> Verified {
        let visible = try await reader.visible(actor, id)
        guard let version = visible.row.currentVersionID else { return Verified(visible: visible, verification: nil, rows: []) }
        let row = try await services.signing.manifest(tenantID: actor.tenantID, obligationID: visible.row.id, versionID: version)
        let verification = try await services.signing.verify(tenantID: actor.tenantID, row: row, roots: roots)
        let rows = try await services.signatures.signatures(tenantID: actor.tenantID, versionID: version)
        try await reader.audit(actor, visible, .verify)
        return Verified(visible: visible, verification: verification, rows: rows)
    }

    func verificationJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let verified = try await verified(actor, context)
        guard let verification = verified.verification else { throw HosoError("signature.no_version") }
        return try JSONResponse.make(API.Verification(verification, localizer: services.localizer, language: context.language))
    }

    func page(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let language = context.language
        let verified = try await verified(actor, context)
        let row = verified.visible.row
        let page = SignaturesPage(
            record: ObligationItem(row, language, services.localizer), id: row.id,
            verification: verified.verification.map { VerificationView($0, localizer: services.localizer, language: language) })
        return services.renderer.render(.signatures, page, context: context, request: request,
                                        title: services.localizer.text("signatures.title", language))
    }

    // MARK: - Exports

    func exportRecord(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let verified = try await verified(actor, context)
        guard verified.verification != nil else { throw HosoError("signature.no_version") }
        let row = verified.visible.row
        let bytes = try await package([verified], actor: actor, title: "\(row.typeNameVi) — \(row.unitNameVi)")
        try await reader.audit(actor, verified.visible, .export)
        let name = SiteURL.asciiFilename("ho-so-\(row.id).zip")
        return Download.response(ByteBuffer(bytes: bytes), filename: name, .zip)
    }

    /// Every record of one book at one school for a school year (`?year=`, default the current one).
    func exportBook(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let code = try context.pathParameter("code")
        let type = try context.pathParameter("type")
        guard let unit = try await services.units.unit(tenantID: actor.tenantID, code: code) else { throw HosoError("scope.not_found") }
        try services.policy.authorize(actor, .viewRecords, on: unit.position)
        let year = try await services.schoolYear(request, tenantID: actor.tenantID)
        let ids = try await services.obligations.book(tenantID: actor.tenantID, unitID: unit.id, schoolYear: year, recordType: type)
        var all: [Verified] = []
        // The trust roots are read and parsed once for the whole book, not once per record.
        let roots = try await services.signing.roots(tenantID: actor.tenantID)
        for id in ids.prefix(Self.maxRecords) {
            // A teacher sees only their own items of the book: the others are left out, not refused.
            let verified: Verified
            do { verified = try await self.verified(actor, id: id, roots: roots) } catch let error as HosoError where error.code == "record.not_found" { continue }
            if verified.verification != nil { all.append(verified) }
        }
        guard !all.isEmpty else { throw HosoError("signature.nothing_to_export") }
        let bytes = try await package(all, actor: actor, title: "\(all[0].visible.row.typeNameVi) — \(unit.nameVi) — \(year)")
        try await services.audit.append(tenantID: actor.tenantID, AuditEvent(
            actorUserID: actor.userID, actorLogin: actor.login, action: "book.export", unitID: unit.id, subject: "book:\(type):\(year)",
            details: ["records": String(all.count)]))
        return Download.response(ByteBuffer(bytes: bytes), filename: SiteURL.asciiFilename("so-\(type)-\(code)-\(year).zip"), .zip)
    }
}
