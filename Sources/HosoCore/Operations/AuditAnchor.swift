/// A signed checkpoint of one tenant's audit chain: the head (sequence number and hash) as it stood
/// at a moment, written outside the database where the application's role cannot write. The chain
/// proves that no entry was changed in place; a checkpoint proves that the chain was not cut short
/// or rewritten (and rehashed) since.
public struct AuditCheckpoint: Sendable, Equatable, Codable {
    public let tenantID: Int64
    public let tenantCode: String
    /// The number of the last entry when the checkpoint was taken (0: the chain was empty).
    public let seq: Int64
    /// That entry's hash, lowercase hex (64 zeros for an empty chain).
    public let hash: String
    public let atMicroseconds: Int64
    /// Why it was taken: `interval`, `backup:<label>`, `command`.
    public let reason: String
    /// The signer's Ed25519 public key, base64: which key to check with (a checkpoint only counts
    /// when this key is the one the verifier trusts).
    public let key: String
    /// Ed25519 over `payload`, base64.
    public var signature: String

    public init(tenantID: Int64, tenantCode: String, seq: Int64, hash: String, atMicroseconds: Int64, reason: String, key: String,
                signature: String = "") {
        self.tenantID = tenantID
        self.tenantCode = tenantCode
        self.seq = seq
        self.hash = hash
        self.atMicroseconds = atMicroseconds
        self.reason = reason
        self.key = key
        self.signature = signature
    }

    /// The bytes signed: every field but the signature, one per line, behind a version tag.
    public var payload: [UInt8] {
        Array("hoso-audit-checkpoint/1\n\(tenantID)\n\(tenantCode)\n\(seq)\n\(hash)\n\(atMicroseconds)\n\(reason)\n\(key)\n".utf8)
    }

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id", tenantCode = "tenant", seq, hash, atMicroseconds = "at_us", reason, key, signature
    }
}

/// One checkpoint as read back from a ledger file, with what the signature check said.
public struct ReadCheckpoint: Sendable, Equatable {
    public let checkpoint: AuditCheckpoint
    /// Where it was read: `file:line`.
    public let location: String
    /// Signed by the trusted key, and the signature verifies.
    public let valid: Bool

    public init(checkpoint: AuditCheckpoint, location: String, valid: Bool) {
        self.checkpoint = checkpoint
        self.location = location
        self.valid = valid
    }
}

/// What comparing a chain with its checkpoints found.
public enum AnchorFinding: Sendable, Equatable {
    /// A checkpoint whose signature does not verify (or that a foreign key signed): forged or damaged.
    case forged(location: String, seq: Int64)
    /// The chain ends before a checkpointed entry: entries from `firstMissing` on were cut.
    case cutTail(firstMissing: Int64, checkpointSeq: Int64, checkpointAt: Int64)
    /// The entry a checkpoint names has another hash: the chain was rewritten from some entry after
    /// `lastGoodSeq` (the newest checkpoint that still matches) up to `checkpointSeq`.
    case rewritten(firstPossible: Int64, checkpointSeq: Int64, checkpointAt: Int64)

    /// The entry where the damage starts (a forged checkpoint names the entry it claims).
    public var entry: Int64 {
        switch self {
        case .forged(_, let seq): seq
        case .cutTail(let first, _, _): first
        case .rewritten(let first, _, _): first
        }
    }

    public var reason: String {
        switch self {
        case .forged: "checkpoint_forged"
        case .cutTail: "tail_cut"
        case .rewritten: "rewritten"
        }
    }
}

public enum AnchorCheck {
    /// Compares a chain (its length and the hashes of the entries the checkpoints name) with the
    /// checkpoints taken of it. The chain itself was already recomputed link by link, so it is
    /// internally consistent; this finds what only an outside anchor can: a forged checkpoint, a
    /// cut tail, a rewritten and rehashed chain. Returns the earliest problem, or nil.
    ///
    /// `hashes[seq]` is the stored hash of entry `seq` (absent when there is no such entry).
    public static func evaluate(chainLength: Int64, hashes: [Int64: String], checkpoints: [ReadCheckpoint]) -> AnchorFinding? {
        if let forged = checkpoints.first(where: { !$0.valid }) {
            return .forged(location: forged.location, seq: forged.checkpoint.seq)
        }
        let ordered = checkpoints.map(\.checkpoint).sorted { ($0.seq, $0.atMicroseconds) < ($1.seq, $1.atMicroseconds) }
        var lastGood: Int64 = 0
        for checkpoint in ordered {
            if checkpoint.seq == 0 { continue }
            if checkpoint.seq > chainLength {
                // Every earlier checkpoint matched (they come first in this order): only the tail is gone.
                return .cutTail(firstMissing: chainLength + 1, checkpointSeq: checkpoint.seq, checkpointAt: checkpoint.atMicroseconds)
            }
            guard hashes[checkpoint.seq] == checkpoint.hash else {
                return .rewritten(firstPossible: lastGood + 1, checkpointSeq: checkpoint.seq, checkpointAt: checkpoint.atMicroseconds)
            }
            lastGood = checkpoint.seq
        }
        return nil
    }

    /// The entries whose stored hashes `evaluate` needs.
    public static func sequencesNeeded(_ checkpoints: [ReadCheckpoint]) -> [Int64] {
        Array(Set(checkpoints.map(\.checkpoint.seq).filter { $0 > 0 })).sorted()
    }
}
