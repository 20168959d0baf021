import Crypto
import Foundation
import HosoCore
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// The key that signs audit checkpoints: an Ed25519 key of the server's, from the environment
/// (`HOSO_ANCHOR_KEY`, 32 random bytes in base64). A verifier that must not hold the secret is given
/// the public half (`HOSO_ANCHOR_PUBLIC_KEY`).
public struct AnchorKey: Sendable {
    /// Raw key bytes (the key types of swift-crypto are not Sendable; they are made when used).
    let privateRaw: Data?
    let publicRaw: Data

    public init(privateBase64: String) throws {
        guard let raw = Data(base64Encoded: privateBase64.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw HosoError("anchor.bad_key")
        }
        privateRaw = raw
        publicRaw = key.publicKey.rawRepresentation
    }

    public init(publicBase64: String) throws {
        guard let raw = Data(base64Encoded: publicBase64.trimmingCharacters(in: .whitespacesAndNewlines)),
              (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw HosoError("anchor.bad_key")
        }
        privateRaw = nil
        publicRaw = raw
    }

    /// `HOSO_ANCHOR_KEY`, else `HOSO_ANCHOR_PUBLIC_KEY` (verify only), else none.
    public static func fromEnvironment(_ environment: [String: String]) throws -> AnchorKey? {
        if let secret = environment["HOSO_ANCHOR_KEY"], !secret.isEmpty { return try AnchorKey(privateBase64: secret) }
        if let key = environment["HOSO_ANCHOR_PUBLIC_KEY"], !key.isEmpty { return try AnchorKey(publicBase64: key) }
        return nil
    }

    public var publicBase64: String { publicRaw.base64EncodedString() }

    public var canSign: Bool { privateRaw != nil }

    func sign(_ checkpoint: AuditCheckpoint) throws -> AuditCheckpoint {
        guard let privateRaw, let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: privateRaw) else {
            throw HosoError("anchor.no_key")
        }
        var signed = checkpoint
        signed.signature = try privateKey.signature(for: Data(checkpoint.payload)).base64EncodedString()
        return signed
    }

    /// Signed by this key, and the signature holds over every field.
    public func verifies(_ checkpoint: AuditCheckpoint) -> Bool {
        guard checkpoint.key == publicBase64, let signature = Data(base64Encoded: checkpoint.signature),
              let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: publicRaw) else { return false }
        return publicKey.isValidSignature(signature, for: Data(checkpoint.payload))
    }
}

/// Checkpoint files, one per tenant (`<code>.jsonl`, a JSON line per checkpoint), appended and
/// synced, never rewritten. They live outside the database (`HOSO_ANCHOR_DIR`), and a copy goes
/// to the backup repository at every backup.
public struct AnchorLedger: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    func file(_ tenantCode: String) -> String { "\(directory)/\(tenantCode).jsonl" }

    public func append(_ checkpoint: AuditCheckpoint) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = Array(try encoder.encode(checkpoint)) + [0x0A]
        let fd = open(file(checkpoint.tenantCode), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HosoError("anchor.unwritable", ["path": directory]) }
        defer { close(fd) }
        // One write of a whole line under an exclusive lock: several server processes may append.
        flock(fd, LOCK_EX)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else { throw HosoError("anchor.unwritable", ["path": directory]) }
    }

    /// Every checkpoint of a tenant in this folder, each with its signature checked against `key`.
    /// A line that is not a checkpoint at all counts as a forged one.
    public func read(tenantCode: String, key: AnchorKey) -> [ReadCheckpoint] {
        guard let data = FileManager.default.contents(atPath: file(tenantCode)) else { return [] }
        var result: [ReadCheckpoint] = []
        for (index, line) in data.split(separator: 0x0A).enumerated() where !line.isEmpty {
            let location = "\(file(tenantCode)):\(index + 1)"
            if let checkpoint = try? JSONDecoder().decode(AuditCheckpoint.self, from: Data(line)), checkpoint.tenantCode == tenantCode {
                result.append(ReadCheckpoint(checkpoint: checkpoint, location: location, valid: key.verifies(checkpoint)))
            } else {
                let placeholder = AuditCheckpoint(tenantID: 0, tenantCode: tenantCode, seq: 0, hash: "", atMicroseconds: 0, reason: "", key: "")
                result.append(ReadCheckpoint(checkpoint: placeholder, location: location, valid: false))
            }
        }
        return result
    }

    /// The newest checkpoint that verifies (what the next one continues from).
    /// `atMost`: the newest at or before that entry. Only the candidates' signatures are checked,
    /// newest first (the server asks at every interval; a ledger holds a line per interval).
    public func latest(tenantCode: String, key: AnchorKey, atMost: Int64? = nil) -> AuditCheckpoint? {
        guard let data = FileManager.default.contents(atPath: file(tenantCode)) else { return nil }
        let decoder = JSONDecoder()
        return data.split(separator: 0x0A).compactMap { try? decoder.decode(AuditCheckpoint.self, from: Data($0)) }
            .filter { $0.tenantCode == tenantCode && $0.seq <= (atMost ?? .max) }
            .sorted { ($0.seq, $0.atMicroseconds) > ($1.seq, $1.atMicroseconds) }
            .first { key.verifies($0) }
    }

    /// Copies every ledger file into `destination` (whole files, synced, renamed into place).
    public func copy(to destination: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".jsonl") }
        for name in names {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)") else { continue }
            try FileCopy.writeSynced(Array(data), to: "\(destination)/\(name)")
        }
        return names.count
    }
}

extension AuditStore {
    /// The last entry of every tenant's chain (0 and zeros when a tenant has none), read inside the
    /// caller's transaction (a backup reads them at its consistency point).
    static func heads(on connection: PostgresConnection, logger: Logger) async throws -> [Int64: (seq: Int64, hash: String)] {
        var heads: [Int64: (seq: Int64, hash: String)] = [:]
        for try await (tenant, seq, hash) in try await connection.query("""
            SELECT DISTINCT ON (tenant_id) tenant_id, seq, encode(hash, 'hex') FROM audit_log ORDER BY tenant_id, seq DESC
            """, logger: logger).decode((Int64, Int64, String).self) {
            heads[tenant] = (seq, hash)
        }
        return heads
    }

    /// A tenant's chain head now (0 and zeros for an empty chain), inside the caller's transaction.
    static func head(tenantID: Int64, on connection: PostgresConnection, logger: Logger) async throws -> (seq: Int64, hash: String) {
        let row = try await connection.fetch(
            "SELECT seq, encode(hash, 'hex') FROM audit_log WHERE tenant_id = \(tenantID) ORDER BY seq DESC LIMIT 1",
            (Int64, String).self, logger: logger
        ).first
        return (row?.0 ?? 0, row?.1 ?? String(repeating: "0", count: 64))
    }

    /// Takes a checkpoint of a tenant's chain and appends it to the ledger. Before signing, the
    /// chain is checked from the previous checkpoint on (that entry still has its hash, and every
    /// later one links and hashes right), so a checkpoint never blesses a chain already tampered
    /// with; that refusal is `anchor.chain_broken` with the entry where it starts.
    /// `head`: the head to sign (a backup's consistency point); the current head when nil.
    /// `unlessUnchanged`: nothing is signed (nil) when the newest checkpoint already holds that head.
    @discardableResult
    public func checkpoint(tenantID: Int64, tenantCode: String, head: (seq: Int64, hash: String)? = nil, key: AnchorKey,
                           ledger: AnchorLedger, reason: String, unlessUnchanged: Bool = false,
                           clock: any WallClock = SystemClock()) async throws -> AuditCheckpoint? {
        // The chain is checked from the newest checkpoint at or before the head being signed: a
        // backup signs its consistency point's head, and the server may have checkpointed a later
        // head since.
        let previous = ledger.latest(tenantCode: tenantCode, key: key, atMost: head?.seq)
        let logger = self.logger
        let given = head
        let (checked, head) = try await database.withTenant(tenantID) { connection in
            let current = if let head { head } else { try await Self.head(tenantID: tenantID, on: connection, logger: logger) }
            let start = previous.map { (seq: $0.seq, hash: $0.hash) }
            return (try await Self.chain(tenantID: tenantID, from: start, through: current.seq, on: connection, logger: logger), current)
        }
        if let seq = checked.firstBroken { throw HosoError("anchor.chain_broken", ["tenant": tenantCode, "seq": String(seq)]) }
        // The current head behind a checkpoint already taken: the tail was cut.
        // (When no head was given, `previous` is the newest checkpoint of all.)
        if given == nil, let previous, head.seq < previous.seq {
            throw HosoError("anchor.chain_broken", ["tenant": tenantCode, "seq": String(head.seq + 1)])
        }
        if unlessUnchanged, let previous, previous.seq == head.seq, previous.hash == head.hash { return nil }
        let checkpoint = try key.sign(AuditCheckpoint(
            tenantID: tenantID, tenantCode: tenantCode, seq: head.seq, hash: head.hash, atMicroseconds: clock.nowMicroseconds(),
            reason: reason, key: key.publicBase64
        ))
        try ledger.append(checkpoint)
        return checkpoint
    }

    /// Checks a tenant's chain against its checkpoints (after the chain itself verified).
    public func check(tenantID: Int64, against checkpoints: [ReadCheckpoint]) async throws -> AnchorFinding? {
        guard !checkpoints.isEmpty else { return nil }
        let needed = AnchorCheck.sequencesNeeded(checkpoints)
        let logger = self.logger
        let (length, hashes) = try await database.withTenant(tenantID) { connection in
            let length = try await connection.fetch("SELECT coalesce(max(seq), 0) FROM audit_log WHERE tenant_id = \(tenantID)",
                                                    Int64.self, logger: logger).first ?? Int64(0)
            var hashes: [Int64: String] = [:]
            for try await (seq, hash) in try await connection.query("""
                SELECT seq, encode(hash, 'hex') FROM audit_log WHERE tenant_id = \(tenantID) AND seq = ANY(\(needed))
                """, logger: logger).decode((Int64, String).self) {
                hashes[seq] = hash
            }
            return (length, hashes)
        }
        return AnchorCheck.evaluate(chainLength: length, hashes: hashes, checkpoints: checkpoints)
    }
}

/// Whole-file writes that survive a crash: a temporary file, synced, renamed into place, the folder synced.
enum FileCopy {
    static func writeSynced(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HosoError("backup.repository_unwritable", ["path": path, "detail": String(cString: strerror(errno))]) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw HosoError("backup.repository_unwritable", ["path": path, "detail": reason])
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw HosoError("backup.repository_unwritable", ["path": path, "detail": reason])
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw HosoError("backup.repository_unwritable", ["path": path, "detail": reason])
        }
        BlobStore.syncDirectory(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]))
    }
}
