/// Whether two tenants read their people from the same part of one directory, and whether their
/// files say so. Two tenants on one server whose account (or group) bases are equal or nested
/// would each take the other's people: one tenant's account would get roles in the other. A tenant
/// import refuses that unless both files name each other in `shared_with` and each has its own
/// `account_filter`, which every sign-in adds to the account search (`DirectorySettings.forSignIn`).
public enum DirectorySharing {
    /// Another tenant as stored: its code and its directory (`nil`: it has none).
    public struct Neighbour: Sendable, Equatable {
        public let code: String
        public let directory: DirectorySettings?

        public init(code: String, directory: DirectorySettings?) {
            self.code = code
            self.directory = directory
        }
    }

    /// Why `tenant` may not be imported beside `others` (every other tenant as stored); empty when
    /// it may. Codes: `tenant.directory_overlap` (the files do not both declare the sharing),
    /// `tenant.directory_accounts_not_apart` (they do, but their account filters are missing or equal).
    public static func refusals(_ tenant: TenantDefinition, among others: [Neighbour]) -> [HosoError] {
        guard let mine = tenant.directory else { return [] }
        var refusals: [HosoError] = []
        for other in others.sorted(by: { $0.code < $1.code }) where other.code != tenant.id {
            guard let theirs = other.directory, let base = overlap(mine, theirs) else { continue }
            let declared = (mine.sharedWith ?? []).contains(other.code) && (theirs.sharedWith ?? []).contains(tenant.id)
            if !declared {
                refusals.append(HosoError("tenant.directory_overlap", [
                    "tenant": tenant.id, "other": other.code, "server": server(mine.url), "base": base,
                ]))
            } else if !apart(mine.accountFilter, theirs.accountFilter) {
                refusals.append(HosoError("tenant.directory_accounts_not_apart", ["tenant": tenant.id, "other": other.code]))
            }
        }
        return refusals
    }

    /// The base of `a` (as written) that reaches into what `b` reads, when both are on one server:
    /// accounts under nested account bases, or groups under nested group bases. `nil`: no overlap.
    public static func overlap(_ a: DirectorySettings, _ b: DirectorySettings) -> String? {
        guard server(a.url) == server(b.url) else { return nil }
        if nested(a.userBase, b.userBase) { return a.userBase }
        if nested(a.groupBase, b.groupBase) { return a.groupBase }
        return nil
    }

    /// Two account filters tell accounts apart only if both exist and differ (spacing and case aside).
    static func apart(_ a: String?, _ b: String?) -> Bool {
        func key(_ filter: String?) -> String {
            String((filter ?? "").lowercased().unicodeScalars.filter { $0 != " " && $0 != "\t" })
        }
        return !key(a).isEmpty && !key(b).isEmpty && key(a) != key(b)
    }

    /// One server, however its URL is written: `ldap://Dir.Example:389/` is `dir.example:389`;
    /// the scheme's default port is filled in (389, or 636 for `ldaps`).
    public static func server(_ url: String) -> String {
        var rest = Substring(Text.trimmed(url))
        var port = "389"
        let parts = rest.split(separator: "://", maxSplits: 1)
        if parts.count == 2 {
            if parts[0].lowercased() == "ldaps" { port = "636" }
            rest = parts[1]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var host = rest
        // An IPv6 literal keeps its colons inside brackets.
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("]") {
            host = rest[..<colon]
            let written = rest[rest.index(after: colon)...]
            if !written.isEmpty { port = String(written) }
        }
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return "\(name):\(port)"
    }

    /// Whether one DN is equal to or under the other (`ou=people,dc=x` is under `dc=x`; the empty
    /// DN, the whole directory, holds everything).
    public static func nested(_ a: String, _ b: String) -> Bool {
        let (x, y) = (rdns(a), rdns(b))
        let (short, long) = x.count <= y.count ? (x, y) : (y, x)
        return Array(long.suffix(short.count)) == short
    }

    /// A DN's parts, the way the directory compares them: case ignored, spaces around `,`, `=` and
    /// `+` ignored, an escaped comma (`\,`) kept inside its part.
    public static func rdns(_ dn: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for character in dn {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "," || character == ";" {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts.map(normalizeRDN).filter { !$0.isEmpty }
    }

    static func normalizeRDN(_ rdn: String) -> String {
        rdn.lowercased()
            .split(separator: "+", omittingEmptySubsequences: false)
            .map { pair in
                pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    .map { Text.trimmed(String($0)) }
                    .joined(separator: "=")
            }
            .sorted()
            .joined(separator: "+")
    }

    /// Whether an account filter has the shape of one LDAP filter: in parentheses, balanced.
    public static func isFilter(_ text: String) -> Bool {
        guard text.hasPrefix("("), text.hasSuffix(")") else { return false }
        var depth = 0
        var escaped = false
        for (index, character) in text.enumerated() {
            if escaped { escaped = false; continue }
            switch character {
            case "\\": escaped = true
            case "(": depth += 1
            case ")":
                depth -= 1
                // The outer parentheses close only at the end: "(a)(b)" is two filters.
                if depth < 0 || (depth == 0 && index != text.count - 1) { return false }
            default: break
            }
        }
        return depth == 0
    }
}
