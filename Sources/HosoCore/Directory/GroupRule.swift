/// One line of a tenant's group mapping: groups whose name matches `pattern` give `role` over a
/// unit named literally, captured from the name, or carried in an attribute of the group. One
/// rule covers a whole family of groups, so 3,500 schools need no 3,500 lines.
public struct GroupRule: Sendable, Hashable {
    public enum UnitSource: Sendable, Hashable {
        /// A fixed unit code (e.g. the department for `so-canbo`).
        case code(String)
        /// The `{unit}` part of the group name.
        case capture
        /// The value of this attribute of the group (lower-case name), e.g. `ou`.
        case attribute(String)
    }

    public let pattern: GroupPattern
    public let role: Role
    public let unit: UnitSource
    public let line: Int

    public init(pattern: GroupPattern, role: Role, unit: UnitSource, line: Int = 0) {
        self.pattern = pattern
        self.role = role
        self.unit = unit
        self.line = line
    }
}

/// A grant asked for by a directory group, before its unit code is resolved to a unit.
public struct RequestedGrant: Sendable, Hashable {
    public let role: Role
    public let unitCode: String
    public let group: String

    public init(role: Role, unitCode: String, group: String) {
        self.role = role
        self.unitCode = unitCode
        self.group = group
    }
}

public enum GroupMapper {
    /// Every (role, unit) that the groups ask for under the rules; duplicates removed, order kept.
    /// For each group the first rule that matches decides, so a specific rule (`so-canbo`) listed
    /// before a general one (`{unit}-canbo`) is not shadowed by it.
    public static func requestedGrants(groups: [DirectoryGroup], rules: [GroupRule]) -> [RequestedGrant] {
        var result: [RequestedGrant] = []
        var seen: Set<String> = []
        for group in groups {
            for rule in rules {
                guard let captured = rule.pattern.match(group.name) else { continue }
                let codes: [String]
                switch rule.unit {
                case .code(let code): codes = [code]
                case .capture: codes = captured.isEmpty ? [] : [captured]
                case .attribute(let name): codes = group.attributes[name.lowercased()] ?? []
                }
                for code in codes where !code.isEmpty {
                    let key = rule.role.rawValue + "\u{0}" + code.uppercased()
                    if seen.insert(key).inserted {
                        result.append(RequestedGrant(role: rule.role, unitCode: code, group: group.name))
                    }
                }
                break
            }
        }
        return result
    }

    /// Attribute names the rules read from groups (so the directory asks for them).
    public static func attributesNeeded(by rules: [GroupRule]) -> [String] {
        var names: [String] = []
        for rule in rules {
            if case .attribute(let name) = rule.unit, !names.contains(name.lowercased()) { names.append(name.lowercased()) }
        }
        return names
    }
}

extension GroupRule: Codable {
    enum CodingKeys: String, CodingKey { case group, role, unit, unitAttribute = "unit_attribute", line }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pattern = try GroupPattern(try container.decode(String.self, forKey: .group))
        role = try container.decode(Role.self, forKey: .role)
        line = try container.decodeIfPresent(Int.self, forKey: .line) ?? 0
        if let attribute = try container.decodeIfPresent(String.self, forKey: .unitAttribute) {
            unit = .attribute(attribute.lowercased())
        } else if let code = try container.decodeIfPresent(String.self, forKey: .unit), code != "{unit}" {
            unit = .code(code)
        } else {
            unit = .capture
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pattern.source, forKey: .group)
        try container.encode(role, forKey: .role)
        try container.encode(line, forKey: .line)
        switch unit {
        case .code(let code): try container.encode(code, forKey: .unit)
        case .capture: try container.encode("{unit}", forKey: .unit)
        case .attribute(let name): try container.encode(name, forKey: .unitAttribute)
        }
    }
}
