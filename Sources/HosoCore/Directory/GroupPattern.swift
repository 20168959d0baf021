/// A group-name pattern from a tenant file: literal text, `*` for any run of characters, and at
/// most one `{unit}` that captures a unit code (e.g. `{unit}-hieutruong`, `{unit}-totruong-*`).
/// Matching ignores ASCII case, as LDAP does for `cn`.
public struct GroupPattern: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case literal([Character])
        case any
        case unit
    }

    public let source: String
    let pieces: [Piece]

    public init(_ source: String) throws {
        var pieces: [Piece] = []
        var literal: [Character] = []
        var rest = Substring(source)
        var captures = 0
        while let first = rest.first {
            if rest.hasPrefix("{unit}") {
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] }
                pieces.append(.unit)
                captures += 1
                rest = rest.dropFirst(6)
            } else if first == "*" {
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] }
                pieces.append(.any)
                rest = rest.dropFirst()
            } else if first == "{" || first == "}" {
                throw HosoError("tenant.bad_group_pattern", ["pattern": source])
            } else {
                literal.append(Character(first.lowercased()))
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        guard captures <= 1, !pieces.isEmpty else { throw HosoError("tenant.bad_group_pattern", ["pattern": source]) }
        self.source = source
        self.pieces = pieces
    }

    public var hasUnitCapture: Bool { pieces.contains(.unit) }

    /// `nil` when the name does not match; otherwise the captured unit code (`""` when the
    /// pattern has no `{unit}`).
    public func match(_ name: String) -> String? {
        let original = Array(name)
        let lowered = original.map { Character($0.lowercased()) }
        var captured = ""
        func matches(_ pieceIndex: Int, _ position: Int) -> Bool {
            guard pieceIndex < pieces.count else { return position == lowered.count }
            switch pieces[pieceIndex] {
            case .literal(let text):
                guard position + text.count <= lowered.count,
                      Array(lowered[position..<position + text.count]) == text else { return false }
                return matches(pieceIndex + 1, position + text.count)
            case .any:
                for end in position...lowered.count where matches(pieceIndex + 1, end) { return true }
                return false
            case .unit:
                // Shortest code first, at least one character.
                guard position < lowered.count else { return false }
                for end in (position + 1)...lowered.count where matches(pieceIndex + 1, end) {
                    captured = String(original[position..<end])
                    return true
                }
                return false
            }
        }
        return matches(0, 0) ? captured : nil
    }
}
