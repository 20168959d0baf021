import HosoCore
import Testing

/// What a chain's checkpoints reveal, and where a restore may go.
@Suite struct BackupDecisionsTests {
    static func checkpoint(_ seq: Int64, _ hash: String, at: Int64 = 0, valid: Bool = true) -> ReadCheckpoint {
        ReadCheckpoint(checkpoint: AuditCheckpoint(tenantID: 1, tenantCode: "demo", seq: seq, hash: hash, atMicroseconds: at, reason: "interval", key: "k"),
                       location: "demo.jsonl:\(seq)", valid: valid)
    }

    @Test func aChainThatStillHoldsEveryCheckpointedHeadPasses() {
        let hashes: [Int64: String] = [3: "c", 7: "g"]
        #expect(AnchorCheck.evaluate(chainLength: 9, hashes: hashes, checkpoints: [Self.checkpoint(3, "c"), Self.checkpoint(7, "g")]) == nil)
        #expect(AnchorCheck.evaluate(chainLength: 0, hashes: [:], checkpoints: [Self.checkpoint(0, String(repeating: "0", count: 64))]) == nil)
        #expect(AnchorCheck.sequencesNeeded([Self.checkpoint(7, "g"), Self.checkpoint(3, "c"), Self.checkpoint(7, "g"), Self.checkpoint(0, "")]) == [3, 7])
    }

    @Test func aCutTailIsReportedFromTheFirstMissingEntry() {
        // Entries 10–12 were deleted after a checkpoint signed entry 12.
        let finding = AnchorCheck.evaluate(chainLength: 9, hashes: [5: "e"], checkpoints: [Self.checkpoint(5, "e"), Self.checkpoint(12, "l", at: 99)])
        #expect(finding == .cutTail(firstMissing: 10, checkpointSeq: 12, checkpointAt: 99))
        #expect(finding?.entry == 10)
        #expect(finding?.reason == "tail_cut")
    }

    @Test func aRewrittenChainIsReportedAfterTheLastCheckpointThatStillMatches() {
        // Rehashed from somewhere after entry 5: entry 8's hash changed, entry 5's did not.
        let finding = AnchorCheck.evaluate(chainLength: 9, hashes: [5: "e", 8: "forged"],
                                           checkpoints: [Self.checkpoint(8, "h", at: 7), Self.checkpoint(5, "e")])
        #expect(finding == .rewritten(firstPossible: 6, checkpointSeq: 8, checkpointAt: 7))
        // With no matching checkpoint before it, the rewrite may start at the first entry.
        #expect(AnchorCheck.evaluate(chainLength: 9, hashes: [8: "x"], checkpoints: [Self.checkpoint(8, "h")])?.entry == 1)
    }

    @Test func aCheckpointThatDoesNotVerifyIsReportedFirst() {
        let forged = Self.checkpoint(4, "d", valid: false)
        let finding = AnchorCheck.evaluate(chainLength: 2, hashes: [:], checkpoints: [Self.checkpoint(1, "a"), forged])
        #expect(finding == .forged(location: "demo.jsonl:4", seq: 4))
    }

    @Test func theSignedPayloadCoversEveryFieldButTheSignature() {
        let base = AuditCheckpoint(tenantID: 1, tenantCode: "demo", seq: 4, hash: "ab", atMicroseconds: 5, reason: "interval", key: "K")
        var signed = base
        signed.signature = "anything"
        #expect(signed.payload == base.payload)
        let other = AuditCheckpoint(tenantID: 1, tenantCode: "demo", seq: 5, hash: "ab", atMicroseconds: 5, reason: "interval", key: "K")
        #expect(other.payload != base.payload)
    }

    static func backup(_ label: String, stopped: Int64, complete: Bool = true) -> BackupSummary {
        BackupSummary(label: label, type: label.hasSuffix("F") ? "full" : "diff", startedAt: stopped - 10, stoppedAt: stopped,
                      databaseBytes: 1, repositoryBytes: 1, prior: nil, objects: complete ? 3 : nil, objectBytes: complete ? 30 : nil)
    }

    @Test func restoreTargetsAreParsed() throws {
        #expect(try RestoreTarget.parse("latest") == .latest)
        #expect(try RestoreTarget.parse("20261207-141225F") == .label("20261207-141225F"))
        #expect(try RestoreTarget.parse("20261207-141225F_20261208-020000D") == .label("20261207-141225F_20261208-020000D"))
        // 2026-12-07 00:00 UTC is 1796601600.
        #expect(try RestoreTarget.parse("2026-12-07T00:00:00Z") == .time(1_796_601_600))
        #expect(try RestoreTarget.parse("2026-12-07 07:00") == .time(1_796_601_600), "Vietnam's time without an offset")
        #expect(try RestoreTarget.parse("2026-12-07 02:30:00+02:30") == .time(1_796_601_600))
        for bad in ["yesterday", "2026-13-07 10:00", "2026-12-07 25:00", "2026-12-07 10:00+7", "20261207-141225X", ""] {
            #expect(throws: HosoError("restore.bad_target", ["target": bad])) { try RestoreTarget.parse(bad) }
        }
    }

    @Test func aRestoreStartsFromTheNewestCompleteBackupBeforeItsTarget() throws {
        let backups = [Self.backup("20261201-020000F", stopped: 1000), Self.backup("20261202-020000F_20261202-020000D", stopped: 2000),
                       Self.backup("20261203-020000F", stopped: 3000, complete: false)]
        #expect(try RestoreTarget.latest.choose(from: backups).label == "20261202-020000F_20261202-020000D", "the incomplete one is skipped")
        #expect(try RestoreTarget.time(1500).choose(from: backups).label == "20261201-020000F")
        #expect(try RestoreTarget.time(2000).choose(from: backups).label == "20261202-020000F_20261202-020000D")
        #expect(throws: HosoError("restore.before_first_backup", ["earliest": VietnamTime.iso(epochSeconds: 1000)])) {
            try RestoreTarget.time(999).choose(from: backups)
        }
        #expect(throws: HosoError("restore.unknown_label", ["label": "20261203-020000F"])) {
            try RestoreTarget.label("20261203-020000F").choose(from: backups)
        }
        #expect(throws: HosoError("restore.no_backup")) { try RestoreTarget.latest.choose(from: []) }
        #expect(throws: HosoError("restore.in_future", ["now": VietnamTime.iso(epochSeconds: 2500)])) {
            try RestoreTarget.time(2600).choose(from: backups, now: 2500)
        }
        #expect(try RestoreTarget.time(2500).choose(from: backups, now: 2500).label == "20261202-020000F_20261202-020000D")
    }

    @Test func sizesAndAgesReadAsPeopleSayThem() {
        #expect(BackupFormat.bytes(512) == "512 B")
        #expect(BackupFormat.bytes(1536) == "1.5 KiB")
        #expect(BackupFormat.bytes(3 * 1024 * 1024 * 1024) == "3.0 GiB")
        #expect(BackupFormat.age(30) == "30 s")
        #expect(BackupFormat.age(600) == "10 min")
        #expect(BackupFormat.age(5 * 3600) == "5 h")
        #expect(BackupFormat.age(3 * 86_400) == "3 d")
    }
}
