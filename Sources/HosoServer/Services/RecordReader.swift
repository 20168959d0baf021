import HosoCore
import HosoStore

/// Reading one record for a person: the record only if `RecordDecisions.view` lets them see it,
/// its whole page of facts, and the audit entries that reading leaves (inspectors' views, and
/// every download or export of record content by anyone).
struct RecordReader: Sendable {
    let services: AppServices

    /// A record the actor may see, with what its decisions look at.
    struct Visible: Sendable {
        let row: ObligationRow
        let snapshot: RecordSnapshot
        /// The actor's roles over the record's unit.
        let roles: Set<Role>
    }

    func visible(_ actor: Actor, _ id: Int64) async throws -> Visible {
        let loaded = try await services.records.snapshot(actor, obligationID: id)
        let roles = try RecordDecisions.view(loaded.snapshot)
        return Visible(row: loaded.row, snapshot: loaded.snapshot, roles: roles)
    }

    /// What reading leaves in the record's audit trail.
    enum Reading: String {
        case view = "record.view"
        case verify = "record.verify"
        case download = "record.download"
        case export = "record.export"

        /// Content that leaves the portal is always on the record; looking is when an inspector looks.
        var auditedForEveryone: Bool { self == .download || self == .export }
    }

    func audit(_ actor: Actor, _ visible: Visible, _ reading: Reading, details: [String: String] = [:]) async throws {
        guard reading.auditedForEveryone || visible.roles.contains(where: \.isInspector) else { return }
        try await services.audit.append(
            tenantID: actor.tenantID,
            AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: reading.rawValue,
                unitID: visible.row.unitID,
                subject: "obligation:\(visible.row.id)",
                details: details.merging(["record_type": visible.row.recordType]) { $1 }
            ))
    }

    struct Detail: Sendable {
        let visible: Visible
        let versions: [VersionRow]
        let events: [EventRow]
        let corrections: [CorrectionRow]
        let audit: [AuditStore.Entry]
        var type: RecordType { visible.snapshot.type }
        /// Each version's documents (several per version: migration 0010), by version id.
        var documents: [Int64: [DocumentRow]] = [:]
        /// The corrections' witnesses and issued minutes, and what their decisions look at.
        var witnesses: [WitnessRow] = []
        var minutes: [CorrectionMinutesRow] = []
        var minutesSnapshots: [Int64: CorrectionDecisions.MinutesSnapshot] = [:]
    }

    /// `inspection`: the record is opened from that inspection's checklist; a member of its team
    /// has the view logged with the inspection and the version shown kept as evidence.
    func detail(_ actor: Actor, _ id: Int64, inspection: Int64? = nil) async throws -> Detail {
        let visible = try await visible(actor, id)
        let tenant = actor.tenantID
        let read = try await services.records.history(tenantID: tenant, obligationID: id)
        var partOfInspection = false
        if let inspection {
            partOfInspection = try await services.inspections.recordView(
                actor, inspectionID: inspection, obligationID: id,
                versionID: visible.row.currentVersionID)
        }
        if !partOfInspection { try await audit(actor, visible, .view) }
        let audit = try await services.audit.entries(tenantID: tenant, subject: "obligation:\(id)")
        var detail = Detail(visible: visible, versions: read.0, events: read.1, corrections: read.2, audit: audit)
        detail.documents = try await services.records.documents(tenantID: tenant, versionIDs: read.0.map(\.id))
        if !read.2.isEmpty {
            (detail.witnesses, detail.minutes) = try await services.records.correctionMinutes(tenantID: tenant, obligationID: id)
            detail.minutesSnapshots = try await services.records.minutesSnapshots(actor, obligationID: id)
        }
        return detail
    }
}
