import Foundation
import Synchronization

/// What the dashboards computed, kept in memory under the change counter of the unit they show
/// (migration 0013). A request reads the counter (one indexed row, always: a process that missed a
/// change, or a database that is down, is found out there) and is answered from here when an entry
/// was stored under that very counter. An entry is therefore never stale: equal counters mean that
/// no committed transaction changed what the view shows. Entries of a unit's older counters are
/// dropped as soon as a newer one is stored.
///
/// Bounded by an estimate of the bytes its values hold (`costBytes`, from `HOSO_VIEW_CACHE_MIB`);
/// past the bound the least recently used entries go, down to nine tenths of it.
final class ViewCache: Sendable {
    struct Key: Hashable, Sendable {
        let tenantID: Int64
        let unitID: Int64
        let counter: Int64
        /// Everything else the value depends on: what it is (figures, page, JSON), the filter, the
        /// language, what the viewer may see, the day.
        let variant: String
    }

    struct UnitKey: Hashable, Sendable {
        let tenantID: Int64
        let unitID: Int64
    }

    private struct Entry {
        let value: any Sendable
        let cost: Int
        var used: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var byUnit: [UnitKey: (counter: Int64, keys: Set<Key>)] = [:]
        var bytes = 0
        var tick: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    let costBytes: Int
    private let state = Mutex(State())

    init(costBytes: Int) {
        self.costBytes = max(0, costBytes)
    }

    /// The value stored under `key`, if it is there and of type `T`.
    func value<T: Sendable>(_ key: Key, as type: T.Type = T.self) -> T? {
        state.withLock { state in
            guard var entry = state.entries[key], let value = entry.value as? T else {
                state.misses += 1
                return nil
            }
            state.tick += 1
            entry.used = state.tick
            state.entries[key] = entry
            state.hits += 1
            return value
        }
    }

    /// Stores a value (unless it alone exceeds the bound, or a newer counter of its unit is in).
    func store(_ value: some Sendable, cost: Int, for key: Key) {
        let cost = max(cost, 64)
        guard cost <= costBytes else { return }
        state.withLock { state in
            let unit = UnitKey(tenantID: key.tenantID, unitID: key.unitID)
            if let known = state.byUnit[unit] {
                if known.counter > key.counter { return }
                if known.counter < key.counter {
                    for old in known.keys { Self.remove(old, from: &state) }
                    state.byUnit[unit] = (key.counter, [])
                }
            } else {
                state.byUnit[unit] = (key.counter, [])
            }
            if let previous = state.entries[key] { state.bytes -= previous.cost }
            state.tick += 1
            state.entries[key] = Entry(value: value, cost: cost, used: state.tick)
            state.byUnit[unit]?.keys.insert(key)
            state.bytes += cost
            if state.bytes > costBytes { Self.evict(&state, downTo: costBytes / 10 * 9) }
        }
    }

    /// Entries, bytes held, hits and misses (for the health page and the benchmark).
    var statistics: (entries: Int, bytes: Int, hits: Int, misses: Int) {
        state.withLock { ($0.entries.count, $0.bytes, $0.hits, $0.misses) }
    }

    private static func remove(_ key: Key, from state: inout State) {
        guard let entry = state.entries.removeValue(forKey: key) else { return }
        state.bytes -= entry.cost
        let unit = UnitKey(tenantID: key.tenantID, unitID: key.unitID)
        state.byUnit[unit]?.keys.remove(key)
        if state.byUnit[unit]?.keys.isEmpty == true { state.byUnit[unit] = nil }
    }

    private static func evict(_ state: inout State, downTo target: Int) {
        let oldest = state.entries.sorted { $0.value.used < $1.value.used }.map(\.key)
        for key in oldest {
            guard state.bytes > target else { break }
            remove(key, from: &state)
        }
    }
}
