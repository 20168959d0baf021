import Foundation
import HosoCore
@testable import HosoStore
import PostgresNIO
import Testing

/// The audit chain against its signed checkpoints, tried as an attacker with the owner's database
/// access would: cut the tail, rewrite and rehash, forge a checkpoint. `hoso audit verify` (the real
/// binary) names the entry where each starts; the chain alone sees none of them.
@Suite struct AuditAnchorTests {
    struct Setup {
        let world: TestWorld
        let tenantID: Int64
        let environment: [String: String]
        let ledger: String
    }

    static func randomKey() -> String {
        Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    func hoso(_ setup: Setup, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try Tool.run(try TestEnvironment.repoDirectory + "/.build/debug/hoso", arguments, environment: setup.environment)
    }

    /// Six entries, a checkpoint after the third and another after the sixth; the rows kept aside
    /// so that each attack starts from the intact chain.
    func setup() async throws -> Setup {
        let world = try await TestWorld.make(importing: ["demo"])
        let ledger = try TestEnvironment.temporaryDirectory("anchors")
        let environment = try TenantMergeTests.environment(world).merging(["HOSO_ANCHOR_DIR": ledger, "HOSO_ANCHOR_KEY": Self.randomKey()]) { $1 }
        let tenantID = try await AuditTests().appendThree(world)
        let setup = Setup(world: world, tenantID: tenantID, environment: environment, ledger: ledger)
        let first = try hoso(setup, ["audit", "checkpoint"])
        #expect(first.status == 0 && first.output.contains("tenant demo: checkpoint at entry 3"), "\(first.output)")
        _ = try await AuditTests().appendThree(world)
        let second = try hoso(setup, ["audit", "checkpoint"])
        #expect(second.status == 0 && second.output.contains("tenant demo: checkpoint at entry 6"), "\(second.output)")
        try await TestEnvironment.ownerExecute("CREATE TABLE kept_audit AS SELECT * FROM audit_log", database: world.database.name)
        return setup
    }

    func putBack(_ setup: Setup) async throws {
        try await TestEnvironment.ownerExecute("DELETE FROM audit_log", database: setup.world.database.name)
        try await TestEnvironment.ownerExecute("INSERT INTO audit_log SELECT * FROM kept_audit", database: setup.world.database.name)
        let verify = try hoso(setup, ["audit", "verify", "--tenant", "demo"])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("6 entries, chain intact, matches 2 signed checkpoints up to entry 6"), "\(verify.output)")
    }

    @Test func aCutTailIsCaughtAndNoCheckpointBlessesIt() async throws {
        let setup = try await setup()
        try await putBack(setup)
        try await TestEnvironment.ownerExecute("DELETE FROM audit_log WHERE tenant_id = \(setup.tenantID) AND seq >= 5",
                                               database: setup.world.database.name)
        // The chain by itself is intact: only the checkpoint sees what is gone.
        let chain = try await withDatabase(try setup.world.database.appURL) { pool in
            try await AuditStore(database: pool, logger: TestEnvironment.logger).verify(tenantID: setup.tenantID)
        }
        #expect(chain == AuditVerification(checked: 4, firstBroken: nil, reason: nil))
        let verify = try hoso(setup, ["audit", "verify", "--tenant", "demo"])
        #expect(verify.status == 1)
        #expect(verify.output.contains("tenant demo: BROKEN at entry 5 (tail_cut)"), "\(verify.output)")
        #expect(verify.output.contains("entries 5–6 were removed"), "\(verify.output)")
        // Nor may a new checkpoint sign the shortened chain.
        let checkpoint = try hoso(setup, ["audit", "checkpoint"])
        #expect(checkpoint.status == 1)
        #expect(checkpoint.output.contains("[anchor.chain_broken]"), "\(checkpoint.output)")
    }

    @Test func aRewrittenAndRehashedChainIsCaughtAfterTheLastCheckpointThatHolds() async throws {
        let setup = try await setup()
        // Entry 5 gets other details; 5 and 6 are rehashed so that every link holds again.
        try await TestEnvironment.withOwnerConnection(database: setup.world.database.name) { connection in
            var previous = [UInt8]()
            let rows = try await connection.query("""
                SELECT seq, at_us, actor_user_id, actor_login, action, unit_id, subject, details, hash
                FROM audit_log WHERE tenant_id = \(setup.tenantID) ORDER BY seq
                """, logger: TestEnvironment.logger)
            var entries: [(Int64, Int64, Int64?, String?, String, Int64?, String?, String, [UInt8])] = []
            for try await (seq, at, user, login, action, unit, subject, details, hash) in rows.decode(
                (Int64, Int64, Int64?, String?, String, Int64?, String?, String, ByteBuffer).self) {
                entries.append((seq, at, user, login, action, unit, subject, details, Array(buffer: hash)))
            }
            for entry in entries {
                guard entry.0 >= 5 else { previous = entry.8; continue }
                let details = entry.0 == 5 ? #"{"ghi chú":"đã sửa"}"# : entry.7
                let event = AuditEvent(actorUserID: entry.2, actorLogin: entry.3, action: entry.4, unitID: entry.5, subject: entry.6)
                let hash = AuditStore.chainHash(previous: previous, tenantID: setup.tenantID, seq: entry.0, atMicroseconds: entry.1, event: event,
                                                details: details)
                try await connection.query("""
                    UPDATE audit_log SET details = \(details), previous_hash = \(ByteBuffer(bytes: previous)), hash = \(ByteBuffer(bytes: hash))
                    WHERE tenant_id = \(setup.tenantID) AND seq = \(entry.0)
                    """, logger: TestEnvironment.logger)
                previous = hash
            }
        }
        let chain = try await withDatabase(try setup.world.database.appURL) { pool in
            try await AuditStore(database: pool, logger: TestEnvironment.logger).verify(tenantID: setup.tenantID)
        }
        #expect(chain.firstBroken == nil, "rehashed: the chain alone cannot tell")
        let verify = try hoso(setup, ["audit", "verify", "--tenant", "demo"])
        #expect(verify.status == 1)
        #expect(verify.output.contains("tenant demo: BROKEN at entry 4 (rewritten)"), "\(verify.output)")
        #expect(verify.output.contains("entry 6 no longer has the hash"), "\(verify.output)")
        try await putBack(setup)
    }

    @Test func aForgedCheckpointIsNamedWithItsFileAndLine() async throws {
        let setup = try await setup()
        let file = setup.ledger + "/demo.jsonl"
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        // A line edited to bless another head, its signature kept.
        let edited = lines[1].replacingOccurrences(of: #""seq":6"#, with: #""seq":5"#)
        #expect(edited != lines[1])
        try (lines[0] + "\n" + edited + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        var verify = try hoso(setup, ["audit", "verify", "--tenant", "demo"])
        #expect(verify.status == 1)
        #expect(verify.output.contains("tenant demo: BROKEN at entry 5 (checkpoint_forged)"), "\(verify.output)")
        #expect(verify.output.contains("demo.jsonl:2"), "\(verify.output)")

        // A well-formed checkpoint signed by a key the verifier does not trust.
        let stranger = try AnchorKey(privateBase64: Self.randomKey())
        let forged = try stranger.sign(AuditCheckpoint(tenantID: setup.tenantID, tenantCode: "demo", seq: 6, hash: String(repeating: "a", count: 64),
                                                       atMicroseconds: 1, reason: "interval", key: stranger.publicBase64))
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try AnchorLedger(directory: setup.ledger).append(forged)
        verify = try hoso(setup, ["audit", "verify", "--tenant", "demo"])
        #expect(verify.status == 1)
        #expect(verify.output.contains("BROKEN at entry 6 (checkpoint_forged)") && verify.output.contains("demo.jsonl:3"), "\(verify.output)")
    }

    @Test func theServerCheckpointsEveryChainThatMovedAtItsInterval() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let ledger = try TestEnvironment.temporaryDirectory("anchors")
        let key = Self.randomKey()
        _ = try await AuditTests().appendThree(world)
        let server = try ServerProcess(world: world, settings: ["HOSO_ANCHOR_DIR": ledger, "HOSO_ANCHOR_KEY": key, "HOSO_ANCHOR_INTERVAL_SECONDS": "5"])
        try server.start()
        defer { server.kill() }
        func checkpointed(_ seq: Int) async throws -> Bool {
            for _ in 0..<60 {
                let text = (try? String(contentsOfFile: ledger + "/demo.jsonl", encoding: .utf8)) ?? ""
                if text.contains(#""seq":\#(seq),"#) { return true }
                try await Task.sleep(for: .milliseconds(250))
            }
            return false
        }
        #expect(try await checkpointed(3), "a checkpoint of the chain as the server found it")
        _ = try await AuditTests().appendThree(world)
        #expect(try await checkpointed(6), "and another once the chain moved")
        // Give the writer two more intervals with nothing new: a head already checkpointed is not signed again.
        try await Task.sleep(for: .seconds(11))
        let lines = try String(contentsOfFile: ledger + "/demo.jsonl", encoding: .utf8).split(separator: "\n")
        let seqs = lines.compactMap { line in line.firstMatch(of: /"seq":(\d+),/).flatMap { Int($0.1) } }
        // (On a slow machine the writer may also have caught the chain between the second batch's appends.)
        #expect(seqs.count == lines.count && seqs == seqs.sorted() && Set(seqs).count == seqs.count && seqs.last == 6,
                "one checkpoint per head, in order: \(lines)")
        let setup = Setup(world: world, tenantID: 0, environment: try TenantMergeTests.environment(world)
            .merging(["HOSO_ANCHOR_DIR": ledger, "HOSO_ANCHOR_KEY": key]) { $1 }, ledger: ledger)
        let verify = try hoso(setup, ["audit", "verify", "--tenant", "demo"])
        #expect(verify.status == 0 && verify.output.contains("matches \(seqs.count) signed checkpoints up to entry 6"), "\(verify.output)")
    }
}
