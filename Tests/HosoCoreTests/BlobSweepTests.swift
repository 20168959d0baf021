import Foundation
import HosoCore
import Testing

/// The garbage collector's decision: only unnamed objects and leftover uploads older than the grace.
@Suite struct BlobSweepTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let day: TimeInterval = 24 * 3600
    static let named = String(repeating: "a", count: 64)
    static let unnamed = String(repeating: "b", count: 64)

    func file(_ name: String, age: TimeInterval, size: Int64 = 10, kind: BlobSweep.Entry.Kind = .object) -> BlobSweep.Entry {
        BlobSweep.Entry(kind: kind, name: name, size: size, modified: Self.now.addingTimeInterval(-age))
    }

    @Test func anOldUnnamedObjectIsAnOrphan() {
        // setup
        let entries = [file(Self.named, age: 2 * Self.day), file(Self.unnamed, age: 2 * Self.day, size: 42)]
        // act
        let orphans = BlobSweep.orphans(entries, named: [Self.named], now: Self.now, grace: Self.day)
        // verify
        #expect(orphans.map(\.entry.name) == [Self.unnamed])
        #expect(orphans.first?.age == 2 * Self.day)
        #expect(BlobSweep.bytes(orphans) == 42)
    }

    @Test func aYoungUnnamedObjectIsKept() {
        let entries = [file(Self.unnamed, age: Self.day - 1), file(Self.unnamed, age: -60)]
        #expect(BlobSweep.orphans(entries, named: [], now: Self.now, grace: Self.day).isEmpty)
    }

    @Test func aZeroGraceListsEveryUnnamedObjectButNeverANamedOne() {
        let entries = [file(Self.named, age: 0), file(Self.unnamed, age: 0)]
        #expect(BlobSweep.orphans(entries, named: [Self.named], now: Self.now, grace: 0).map(\.entry.name) == [Self.unnamed])
    }

    @Test func aFileThatIsNotAHashIsNotTouched() {
        let entries = ["README", String(repeating: "B", count: 64), String(repeating: "a", count: 63)].map { file($0, age: 9 * Self.day) }
        #expect(BlobSweep.orphans(entries, named: [], now: Self.now, grace: Self.day).isEmpty)
    }

    @Test func leftoverUploadsGoAfterTheGraceWhateverTheirName() {
        let entries = [file("3f2a-upload", age: 3 * Self.day, kind: .upload), file("fresh", age: 10, kind: .upload)]
        let orphans = BlobSweep.orphans(entries, named: [], now: Self.now, grace: Self.day)
        #expect(orphans.map(\.entry.name) == ["3f2a-upload"])
        #expect(orphans.map(\.entry.kind) == [.upload])
    }

    @Test func oldestFirst() {
        let other = String(repeating: "c", count: 64)
        let entries = [file(Self.unnamed, age: 2 * Self.day), file(other, age: 5 * Self.day)]
        #expect(BlobSweep.orphans(entries, named: [], now: Self.now, grace: Self.day).map(\.entry.name) == [other, Self.unnamed])
    }
}
