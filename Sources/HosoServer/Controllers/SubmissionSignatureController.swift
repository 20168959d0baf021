import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// The uploader's own signature on a version (seed 004: "Các loại hồ sơ phải được ký số sau khi
/// đã đưa lên hệ thống"): made by the key store with the uploader's key (right after an upload
/// when they have one, or on the record page), or handed in signed outside Hoso (the manifest
/// from `GET .../manifest?template=submission`, signed, posted back as XML).
struct SubmissionSignatureController: Sendable {
    let services: AppServices
    var reader: RecordReader { RecordReader(services: services) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.post(.apiObligationSubmissionSignature) { request, context in
            try await self.sign(request: request, context: context)
        }
    }

    /// XML body: a manifest signed outside Hoso; anything else: the key store signs.
    func sign(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let id = try RecordRoute.id(context)
        let type = request.headers[.contentType]?.lowercased() ?? ""
        let signing: SigningStep
        if type.hasPrefix("application/xml") || type.hasPrefix("text/xml") {
            var request = request
            guard let body = try? await request.collectBody(upTo: 2 << 20) else { throw HosoError("request.too_large") }
            signing = services.signing.externalSigning(tenantID: actor.tenantID, uploaded: Array(buffer: body))
        } else {
            signing = services.signing.hosoSigning(tenantID: actor.tenantID)
        }
        let row = try await services.records.signSubmission(actor, obligationID: id, signing: signing)
        return try JSONResponse.make(API.Obligation(row, context.language))
    }

    /// Signs the uploader's fresh version with their key from the key store when they have one
    /// and the type asks for it; otherwise (no key, no key store) the record page offers it.
    static func signAfterUpload(_ services: AppServices, actor: Actor, obligationID: Int64, type: RecordType) async {
        guard type.submissionSignatureRequired, services.signing.signer != nil,
            let key = try? await services.signatures.activeKey(tenantID: actor.tenantID, userID: actor.userID),
            key.keyReference != nil
        else { return }
        do {
            _ = try await services.records.signSubmission(
                actor, obligationID: obligationID, signing: services.signing.hosoSigning(tenantID: actor.tenantID))
        } catch {
            // The upload stands; the record page offers the signature again and says why it is missing.
            services.logger.warning(
                "submission signature after upload failed",
                metadata: [
                    "obligation": "\(obligationID)",
                    "error": "\(error)",
                ])
        }
    }
}
