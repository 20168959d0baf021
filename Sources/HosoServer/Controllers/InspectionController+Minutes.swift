import Foundation
import HosoCore
import HosoReports
import HosoSigning
import HosoStore
import Hummingbird

/// The minutes: drawn and (when the leader holds a key) signed as the inspection is concluded,
/// then downloaded as a PDF, with their signed manifest.
extension InspectionController {
    func conclude(_ actor: Actor, _ visible: Visible, conclusions: String, recommendations: String?) async throws {
        let conclusions = Normalize.lines(Text.trimmed(conclusions))
        let recommendations = recommendations.map { Normalize.lines(Text.trimmed($0)) }
        let tenantID = actor.tenantID
        let row = visible.row
        let services = self.services
        let scope = visible.scope
        let issuer = visible.issuer
        let team = visible.members
        let now = services.clock.now()
        let today = VietnamTime.date(epochSeconds: now)
        let time = String(VietnamTime.display(epochSeconds: now).suffix(5))
        // The leader signs the minutes digitally when the key store holds their key: the PDF prints
        // the signature's details, and the signed manifest of the PDF is kept with it.
        let key =
            services.signing.signer == nil
            ? nil
            : try await services.signatures.activeKey(tenantID: tenantID, userID: actor.userID).flatMap {
                $0.keyReference == nil ? nil : $0
            }
        let digital = key.map { (name: $0.commonName, serial: $0.serial, time: VietnamTime.display(epochSeconds: now)) }
        let tenant = try await services.tenants.tenant(id: tenantID)
        var sign: (@Sendable (String, StagedBlob) async throws -> String)?
        if let key {
            let party = RecordManifest.Party(code: tenant?.code ?? "", name: tenant?.nameVi ?? "")
            let signer = (login: actor.login, name: actor.displayName)
            let roots = try await services.signing.roots(tenantID: tenantID)
            sign = { number, minutes in
                try await services.signing.signMinutes(
                    tenantID: tenantID, key: key, tenant: party, issuer: issuer, inspection: row,
                    number: number, sha256: minutes.sha256, size: minutes.size, signer: signer, at: now, roots: roots)
            }
        }
        // What the minutes say of the units, their people and the catalogue is read now, before
        // the store takes the inspection's lock: under it, only the inspection's own connection is
        // used (`MinutesContent`), so a busy pool cannot stall a conclusion with the lock held.
        var principals: [Int64: String] = [:]
        for unit in scope {
            let members = try await services.users.members(tenantID: tenantID, unitID: unit.id)
            if let principal = members.first(where: { $0.role == .principal }) {
                principals[unit.id] = principal.displayName
            }
        }
        let representatives = principals
        let parent = try await services.units.units(tenantID: tenantID, ids: issuer.parentID.map { [$0] } ?? []).first
        let catalog = try await services.catalog.tenant(tenantID)
        let typeNames = Dictionary((catalog.years[row.schoolYear]?.types ?? []).map { ($0.code, $0.nameVi) }) {
            a, _ in a
        }
        _ = try await services.inspections.conclude(
            actor, id: row.id, conclusions: conclusions, recommendations: recommendations,
            year: today.year, sign: sign
        ) { number, conclusion, content in
            let builder = MinutesBuilder(words: services.documents.minutes, localizer: services.localizer)
            let document = builder.document(
                .init(
                    inspection: row, issuer: issuer, issuerParent: parent, scope: scope,
                    representatives: representatives,
                    members: team, items: content.items, units: content.units, findings: content.findings,
                    followUps: content.followUps, typeNames: typeNames,
                    number: number, issuedOn: today, time: time, conclusions: conclusion.conclusions,
                    recommendations: conclusion.recommendations, digitalSignature: digital
                ))
            let bytes = try OfficialDocumentRenderer(layout: services.documents.layout).render(document)
            let writer = try services.blobs.writer(limit: 200 * 1024 * 1024)
            do {
                try writer.write(bytes)
            } catch {
                writer.abort()
                throw error
            }
            let staged = try writer.finish()
            try staged.commit()
            return staged
        }
    }

    /// The minutes as a PDF (page and API). Before they are issued: 400 `inspection.no_minutes`,
    /// as `openapi.yaml` says (the inspection exists and is seen; the request is early).
    func minutes(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        try InspectionDecisions.minutes(actor, visible.snapshot, policy: services.policy)
        guard let sha = visible.row.minutesSHA256, let number = visible.row.minutesNumber else {
            throw HosoError("inspection.no_minutes")
        }
        let bytes = try services.blobs.read(sha)
        try await services.audit.append(
            tenantID: actor.tenantID,
            AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: "inspection.minutes_download",
                unitID: visible.issuer.id,
                subject: "inspection:\(visible.row.id)", details: ["sha256": sha]
            ))
        let filename = SiteURL.asciiFilename("bien-ban-" + number.replacingOccurrences(of: "/", with: "-") + ".pdf")
        var headers = Download.headers(filename: filename, .pdf)
        headers[.contentDisposition] = "inline; filename=\"\(filename)\""
        headers[.xContentSHA256] = sha
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The signed manifest of the minutes (XML), for `hoso verify` or `xmlsec1` with the PDF.
    func minutesManifest(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let visible = try await visible(actor, try id(context))
        guard
            let xml = try await services.inspections.minutesManifest(
                tenantID: actor.tenantID, inspectionID: visible.row.id)
        else {
            throw HosoError("inspection.no_minutes")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/xml; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"bien-ban-\(visible.row.id).xml\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: xml)))
    }
}
