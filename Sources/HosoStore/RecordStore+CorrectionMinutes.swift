import Foundation
import HosoCore
import Logging
import PostgresNIO

/// A witness named by a correction's consent, and when they confirmed the minutes.
public struct WitnessRow: Sendable, Equatable {
    public let correctionID: Int64
    public let userID: Int64
    public let login: String
    public let name: String
    public let capacities: [String]
    public let confirmedAt: Int64?
}

/// A correction's minutes as issued (migration 0010): the PDF by hash, its manifest.
public struct CorrectionMinutesRow: Sendable, Equatable {
    public let correctionID: Int64
    public let number: String
    public let sha256: String
    public let size: Int64
    public let supersededVersionID: Int64?
    public let newVersionID: Int64
    public let manifestXML: String
    public let signed: Bool
    public let issuedBy: String
    public let issuedAt: Int64
}

/// What the minutes say, read under the record's lock and handed to the renderer.
public struct CorrectionMinutesFacts: Sendable {
    public let record: ObligationRow
    public let correction: CorrectionRow
    public let requesterLogin: String
    public let witnesses: [WitnessRow]
    public let superseded: VersionRow?
    public let supersededDocuments: [DocumentRow]
    public let new: VersionRow
    public let newDocuments: [DocumentRow]
    public let number: String
}

/// The minutes' PDF (already committed to the blob store) and its manifest.
public struct IssuedMinutes: Sendable {
    public let pdf: StagedBlob
    public let manifestXML: String
    public let signed: Bool
    public init(pdf: StagedBlob, manifestXML: String, signed: Bool) {
        self.pdf = pdf
        self.manifestXML = manifestXML
        self.signed = signed
    }
}

extension RecordStore {
    // MARK: - Witnesses, named at consent

    /// Resolves the consent's witnesses to accounts with their roles over the record's school,
    /// asks `CorrectionDecisions.witnesses`, and keeps them. In the consent's transaction.
    static func nameWitnesses(
        _ connection: PostgresConnection, _ actor: Actor, _ locked: Locked, correctionID: Int64,
        minutes: CorrectionMinutes, logger: Logger
    ) async throws {
        let ancestry = locked.snapshot.unit.ancestry
        func candidate(_ where_: PostgresQuery) async throws -> CorrectionDecisions.Candidate? {
            guard let user = try await connection.fetch(where_, (Int64, String, String).self, logger: logger).first
            else { return nil }
            let roles = try await connection.fetch(
                """
                SELECT role FROM user_grants WHERE tenant_id = \(actor.tenantID) AND user_id = \(user.0) AND unit_id = ANY (\(ancestry)::bigint[])
                """, String.self, logger: logger
            ).compactMap(Role.init(rawValue:))
            return .init(userID: user.0, login: user.1, name: user.2, roles: Set(roles))
        }
        func byLogin(_ login: String) async throws -> CorrectionDecisions.Candidate? {
            login.isEmpty
                ? nil
                : try await candidate(
                    "SELECT id, login, display_name FROM users WHERE tenant_id = \(actor.tenantID) AND login = \(login)"
                )
        }
        guard
            let requester = try await candidate(
                """
                SELECT u.id, u.login, u.display_name FROM corrections c JOIN users u ON u.id = c.requested_by WHERE c.id = \(correctionID)
                """)
        else { throw HosoError("record.not_found") }
        let leader = try await byLogin(minutes.leader)
        let administrator = try await byLogin(minutes.administrator)
        let unknown = [(minutes.leader, leader), (minutes.administrator, administrator)].compactMap { login, found in
            !login.isEmpty && found == nil ? login : nil
        }
        let witnesses = try CorrectionDecisions.witnesses(
            leader: leader, administrator: administrator, requester: requester, namedRequester: minutes.requester,
            unknown: unknown)
        for witness in witnesses {
            try await connection.run(
                """
                INSERT INTO correction_witnesses (tenant_id, correction_id, user_id, capacities)
                VALUES (\(actor.tenantID), \(correctionID), \(witness.userID), \(witness.capacities.map(\.rawValue))::text[])
                """, logger: logger)
        }
    }

    // MARK: - Reading

    static func witnesses(
        _ connection: PostgresConnection, tenantID: Int64, obligationID: Int64,
        logger: Logger
    ) async throws -> [WitnessRow] {
        try await connection.fetch(
            """
            SELECT w.correction_id, w.user_id, u.login, u.display_name, w.capacities, extract(epoch FROM f.confirmed_at)::bigint
            FROM correction_witnesses w JOIN corrections c ON c.id = w.correction_id JOIN users u ON u.id = w.user_id
            LEFT JOIN correction_confirmations f ON f.correction_id = w.correction_id AND f.user_id = w.user_id
            WHERE w.tenant_id = \(tenantID) AND c.obligation_id = \(obligationID)
            ORDER BY w.correction_id, array_position(ARRAY['leader', 'administrator', 'requester'], w.capacities[1]), w.user_id
            """, (Int64, Int64, String, String, [String], Int64?).self, logger: logger
        ).map {
            WitnessRow(correctionID: $0.0, userID: $0.1, login: $0.2, name: $0.3, capacities: $0.4, confirmedAt: $0.5)
        }
    }

    static func minutes(
        _ connection: PostgresConnection, tenantID: Int64, obligationID: Int64,
        logger: Logger
    ) async throws -> [CorrectionMinutesRow] {
        try await connection.fetch(
            """
            SELECT m.correction_id, m.number, m.sha256, m.size, m.superseded_version_id, m.new_version_id, m.manifest_xml, m.signed,
                   u.display_name, extract(epoch FROM m.issued_at)::bigint
            FROM correction_minutes m JOIN corrections c ON c.id = m.correction_id JOIN users u ON u.id = m.issued_by
            WHERE m.tenant_id = \(tenantID) AND c.obligation_id = \(obligationID) ORDER BY m.correction_id
            """, (Int64, String, String, Int64, Int64?, Int64, String, Bool, String, Int64).self, logger: logger
        ).map {
            CorrectionMinutesRow(
                correctionID: $0.0, number: $0.1, sha256: $0.2, size: $0.3, supersededVersionID: $0.4,
                newVersionID: $0.5, manifestXML: $0.6, signed: $0.7, issuedBy: $0.8, issuedAt: $0.9)
        }
    }

    /// A record's correction witnesses and minutes, read in one transaction (a page, an export).
    public func correctionMinutes(tenantID: Int64, obligationID: Int64)
        async throws -> (witnesses: [WitnessRow], minutes: [CorrectionMinutesRow])
    {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            (
                try await Self.witnesses(connection, tenantID: tenantID, obligationID: obligationID, logger: logger),
                try await Self.minutes(connection, tenantID: tenantID, obligationID: obligationID, logger: logger)
            )
        }
    }

    /// The record a correction belongs to (`record.not_found` when none in the tenant).
    public func obligation(ofCorrection correctionID: Int64, tenantID: Int64) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            guard
                let id = try await connection.fetch(
                    """
                    SELECT obligation_id FROM corrections WHERE tenant_id = \(tenantID) AND id = \(correctionID)
                    """, Int64.self, logger: logger
                ).first
            else { throw HosoError("record.not_found") }
            return id
        }
    }

    /// The record's lock, then the correction's facts for its minutes' decisions.
    func lockedCorrection(_ connection: PostgresConnection, _ actor: Actor, correctionID: Int64, logger: Logger)
        async throws -> (Locked, CorrectionRow, CorrectionDecisions.MinutesSnapshot, [WitnessRow])
    {
        guard
            let obligationID = try await connection.fetch(
                """
                SELECT obligation_id FROM corrections WHERE tenant_id = \(actor.tenantID) AND id = \(correctionID)
                """, Int64.self, logger: logger
            ).first
        else { throw HosoError("record.not_found") }
        // The record's row first, as every path that touches a correction locks them.
        let locked = try await Self.load(connection, actor, obligationID, forUpdate: true, logger: logger)
        guard
            let correction = try await Self.corrections(
                connection, tenantID: actor.tenantID, obligationID: obligationID, logger: logger
            )
            .first(where: { $0.id == correctionID })
        else { throw HosoError("record.not_found") }
        let witnesses = try await Self.witnesses(
            connection, tenantID: actor.tenantID, obligationID: obligationID, logger: logger
        )
        .filter { $0.correctionID == correctionID }
        let issued =
            try await connection.fetch(
                """
                SELECT count(*) FROM correction_minutes WHERE correction_id = \(correctionID)
                """, Int.self, logger: logger
            ).first ?? 0
        let hasNew =
            try await connection.fetch(
                """
                SELECT count(*) FROM record_versions WHERE correction_id = \(correctionID)
                """, Int.self, logger: logger
            ).first ?? 0
        let snapshot = CorrectionDecisions.MinutesSnapshot(
            correction: CorrectionSnapshot(id: correctionID, reason: correction.reason, state: correction.state),
            witnesses: witnesses.map(\.userID),
            confirmed: Set(witnesses.filter { $0.confirmedAt != nil }.map(\.userID)),
            issued: issued > 0, hasNewVersion: hasNew > 0)
        return (locked, correction, snapshot, witnesses)
    }

    /// The minutes' decision facts as they are now (for a page: what to offer).
    public func minutesSnapshots(_ actor: Actor, obligationID: Int64) async throws -> [Int64: CorrectionDecisions
        .MinutesSnapshot]
    {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let corrections = try await Self.corrections(
                connection, tenantID: actor.tenantID, obligationID: obligationID, logger: logger)
            let witnesses = try await Self.witnesses(
                connection, tenantID: actor.tenantID, obligationID: obligationID, logger: logger)
            let issued = Set(
                try await Self.minutes(connection, tenantID: actor.tenantID, obligationID: obligationID, logger: logger)
                    .map(\.correctionID))
            let corrected: [Int64] = try await connection.fetch(
                """
                SELECT DISTINCT correction_id FROM record_versions WHERE obligation_id = \(obligationID) AND correction_id IS NOT NULL
                """, Int64.self, logger: logger)
            let withVersion = Set(corrected)
            var result: [Int64: CorrectionDecisions.MinutesSnapshot] = [:]
            for correction in corrections {
                let own = witnesses.filter { $0.correctionID == correction.id }
                result[correction.id] = .init(
                    correction: CorrectionSnapshot(
                        id: correction.id, reason: correction.reason, state: correction.state),
                    witnesses: own.map(\.userID), confirmed: Set(own.filter { $0.confirmedAt != nil }.map(\.userID)),
                    issued: issued.contains(correction.id), hasNewVersion: withVersion.contains(correction.id))
            }
            return result
        }
    }

    // MARK: - Issuing and confirming

    /// The principal issues the minutes: under the record's lock the decision is asked, the facts
    /// are read, `render` makes the PDF (committed to the blob store) and its manifest, and the
    /// minutes are kept with an event and an audit entry, in one transaction.
    public func issueMinutes(
        _ actor: Actor, correctionID: Int64,
        render: @escaping @Sendable (CorrectionMinutesFacts) async throws -> IssuedMinutes
    )
        async throws -> CorrectionMinutesRow
    {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let (locked, correction, snapshot, witnesses) = try await self.lockedCorrection(
                connection, actor, correctionID: correctionID,
                logger: logger)
            try CorrectionDecisions.issue(locked.snapshot, snapshot)
            let versions = try await Self.versions(connection, obligation: locked.row.id, logger: logger)
            guard let new = versions.first(where: { $0.correctionID == correctionID }) else {
                throw HosoError("correction.no_new_version")
            }
            let supersededID =
                try await connection.fetch(
                    """
                    SELECT superseded_version_id FROM corrections WHERE id = \(correctionID)
                    """, Int64?.self, logger: logger
                ).first ?? nil
            let superseded = versions.first { $0.id == supersededID }
            let documents = try await Self.documents(
                connection, tenantID: actor.tenantID,
                versionIDs: [new.id] + (superseded.map { [$0.id] } ?? []), logger: logger)
            let requesterLogin = witnesses.first { $0.capacities.contains("requester") }?.login ?? ""
            let facts = CorrectionMinutesFacts(
                record: locked.row, correction: correction, requesterLogin: requesterLogin, witnesses: witnesses,
                superseded: superseded,
                supersededDocuments: superseded.flatMap { documents[$0.id] } ?? [], new: new,
                newDocuments: documents[new.id] ?? [],
                number: "\(correctionID)/BB-SCDL")
            let issued = try await render(facts)
            try await connection.run(
                """
                INSERT INTO blobs (tenant_id, sha256, size, media_type) VALUES (\(actor.tenantID), \(issued.pdf.sha256), \(issued.pdf.size),
                                                                               'application/pdf')
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.run(
                """
                INSERT INTO correction_minutes (tenant_id, correction_id, number, sha256, size, superseded_version_id, new_version_id,
                                                manifest_xml, signed, issued_by)
                VALUES (\(actor.tenantID), \(correctionID), \(facts.number), \(issued.pdf.sha256), \(issued.pdf.size), \(superseded?.id),
                        \(new.id), \(issued.manifestXML), \(issued.signed), \(actor.userID))
                """, logger: logger)
            try await Self.event(
                connection, actor, locked, kind: "correction_minutes", role: .principal, versionID: new.id,
                details: [
                    "correction": String(correctionID), "number": facts.number, "sha256": issued.pdf.sha256,
                    "signed": issued.signed ? "true" : "false",
                ], logger: logger)
            guard
                let row = try await Self.minutes(
                    connection, tenantID: actor.tenantID, obligationID: locked.row.id, logger: logger
                )
                .first(where: { $0.correctionID == correctionID })
            else { throw HosoError("store.insert_failed") }
            return row
        }
    }

    /// A witness confirms the issued minutes (once; audited on the record).
    public func confirmMinutes(_ actor: Actor, correctionID: Int64) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let (locked, _, snapshot, _) = try await self.lockedCorrection(
                connection, actor, correctionID: correctionID, logger: logger)
            try CorrectionDecisions.confirm(locked.snapshot, snapshot)
            try await connection.run(
                """
                INSERT INTO correction_confirmations (tenant_id, correction_id, user_id)
                VALUES (\(actor.tenantID), \(correctionID), \(actor.userID))
                """, logger: logger)
            try await Self.event(
                connection, actor, locked, kind: "correction_confirm", role: locked.roles.sorted().first,
                details: ["correction": String(correctionID)], logger: logger)
            return locked.row.id
        }
    }
}
