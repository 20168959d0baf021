import Foundation
import HosoCore
import HosoReports
import HosoSigning
import HosoStore
import Hummingbird

/// Correction minutes (seed 001, Điều 10.3): the principal issues them once the corrected version
/// exists (a PDF in the NĐ 30 layout, kept by hash, its manifest signed with the principal's key),
/// each witness confirms them with their own account, and anyone who may see the record may read
/// them. Decisions are `CorrectionDecisions`, asked by the store under the record's lock.
struct CorrectionMinutesController: Sendable {
    let services: AppServices
    var reader: RecordReader { RecordReader(services: services) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.post(.correctionMinutes) { request, context in
            let id = try await self.issue(context.actor, try RecordRoute.id(context))
            return Response.redirect(to: SiteURL.record(id).path, type: .normal)
        }
        router.post(.correctionConfirm) { request, context in
            let id = try await self.services.records.confirmMinutes(
                context.actor, correctionID: try RecordRoute.id(context))
            return Response.redirect(to: SiteURL.record(id).path, type: .normal)
        }
        router.get(.correctionMinutesPDF) { request, context in try await self.pdf(context) }
        router.get(.correctionMinutesManifest) { request, context in try await self.manifest(context) }
        router.get(.apiCorrectionMinutes) { request, context in try await self.pdf(context) }
        router.post(.apiCorrectionMinutes) { request, context in
            let correctionID = try RecordRoute.id(context)
            let obligationID = try await self.issue(context.actor, correctionID)
            let minutes = try await self.minutes(context.actor, obligationID: obligationID, correctionID: correctionID)
            return try JSONResponse.make(API.CorrectionMinutesIssued(minutes), status: .created)
        }
        router.post(.apiCorrectionConfirmation) { request, context in
            let id = try await self.services.records.confirmMinutes(
                context.actor, correctionID: try RecordRoute.id(context))
            let row = try await self.reader.visible(context.actor, id).row
            return try JSONResponse.make(API.Obligation(row, context.language))
        }
    }

    /// Issues the minutes; returns the record's id. Everything the PDF and its signature need from
    /// outside the record (the school, the principal's key, the roots) is read before the lock.
    func issue(_ actor: Actor, _ correctionID: Int64) async throws -> Int64 {
        let services = self.services
        let tenantID = actor.tenantID
        let obligationID = try await services.records.obligation(ofCorrection: correctionID, tenantID: tenantID)
        let visible = try await reader.visible(actor, obligationID)
        let school = try await services.units.units(tenantID: tenantID, ids: [visible.row.unitID]).first
        guard let school else { throw HosoError("record.not_found") }
        let parent = try await services.units.units(tenantID: tenantID, ids: school.parentID.map { [$0] } ?? []).first
        let tenant = try await services.tenants.tenant(id: tenantID)
        let party = RecordManifest.Party(code: tenant?.code ?? "", name: tenant?.nameVi ?? "")
        let key =
            services.signing.signer == nil
            ? nil
            : try await services.signatures.activeKey(tenantID: tenantID, userID: actor.userID).flatMap {
                $0.keyReference == nil ? nil : $0
            }
        let roots = try await services.signing.roots(tenantID: tenantID)
        let now = services.clock.now()
        let signer = (login: actor.login, name: actor.displayName)
        let extra = CorrectionMinutesBuilder.Extra(
            school: school, parent: parent, place: InspectionController.suggestedPlace(parent ?? school),
            principal: actor.displayName, issuedAt: now,
            digitalSignature: key.map {
                (name: $0.commonName, serial: $0.serial, time: VietnamTime.display(epochSeconds: now))
            })
        _ = try await services.records.issueMinutes(actor, correctionID: correctionID) { facts in
            let builder = CorrectionMinutesBuilder(
                words: services.documents.correctionMinutes, localizer: services.localizer)
            let bytes = try OfficialDocumentRenderer(layout: services.documents.layout).render(
                builder.document(facts, extra))
            let writer = try services.blobs.writer(limit: 64 * 1024 * 1024)
            do { try writer.write(bytes) } catch {
                writer.abort()
                throw error
            }
            let staged = try writer.finish()
            try staged.commit()
            let manifest = services.signing.correctionMinutesManifest(
                tenant: party, facts: facts, school: school, sha256: staged.sha256, size: staged.size, signer: signer,
                at: now)
            let (xml, signed) = try await services.signing.signCorrectionMinutes(
                manifest, key: key, signer: signer, at: now, roots: roots)
            return IssuedMinutes(pdf: staged, manifestXML: xml, signed: signed)
        }
        return obligationID
    }

    /// The minutes of a correction of a record the actor may see (`correction.no_minutes` before
    /// they are issued).
    func minutes(_ actor: Actor, obligationID: Int64, correctionID: Int64) async throws -> CorrectionMinutesRow {
        _ = try await reader.visible(actor, obligationID)
        let read = try await services.records.correctionMinutes(tenantID: actor.tenantID, obligationID: obligationID)
        guard let minutes = read.minutes.first(where: { $0.correctionID == correctionID }) else {
            throw HosoError("correction.no_minutes")
        }
        return minutes
    }

    func visibleMinutes(_ context: SignedInContext) async throws -> (RecordReader.Visible, CorrectionMinutesRow) {
        let actor = context.actor
        let correctionID = try RecordRoute.id(context)
        let obligationID = try await services.records.obligation(ofCorrection: correctionID, tenantID: actor.tenantID)
        let visible = try await reader.visible(actor, obligationID)
        return (visible, try await minutes(actor, obligationID: obligationID, correctionID: correctionID))
    }

    func pdf(_ context: SignedInContext) async throws -> Response {
        let (visible, minutes) = try await visibleMinutes(context)
        let bytes = try services.blobs.read(minutes.sha256)
        try await reader.audit(
            context.actor, visible, .download,
            details: ["correction": String(minutes.correctionID), "minutes": minutes.number, "sha256": minutes.sha256])
        var headers = Download.headers(filename: "bien-ban-sua-chua-\(minutes.correctionID).pdf", .pdf)
        headers[.xContentSHA256] = minutes.sha256
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func manifest(_ context: SignedInContext) async throws -> Response {
        let (_, minutes) = try await visibleMinutes(context)
        var headers = HTTPFields()
        headers[.contentType] = "application/xml; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"bien-ban-sua-chua-\(minutes.correctionID).xml\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: minutes.manifestXML)))
    }
}
