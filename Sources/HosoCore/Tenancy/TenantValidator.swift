/// Checks a tenant definition whole before anything is written, and orders its units so that
/// every parent comes before its children. Each problem names the line it was found on.
public enum TenantValidator {
    public static let maxCodeLength = 32
    public static let maxNameLength = 200

    /// Returns the units ordered parents-first, or throws `HosoErrors` listing every problem.
    public static func validate(_ tenant: TenantDefinition) throws -> [UnitDefinition] {
        var problems: [HosoError] = []
        func problem(_ code: String, line: Int, _ parameters: [String: String] = [:]) {
            var parameters = parameters
            parameters["line"] = String(line)
            problems.append(HosoError(code, parameters))
        }

        if !isIdentifier(tenant.id) { problem("tenant.bad_id", line: 1, ["id": tenant.id]) }
        if tenant.nameVi.isEmpty { problem("tenant.missing_field", line: 1, ["field": "name_vi"]) }

        // Levels.
        var levels: [String: UnitLevel] = [:]
        for level in tenant.levels {
            if levels[level.kind] != nil { problem("tenant.duplicate_level", line: 1, ["kind": level.kind]) }
            levels[level.kind] = level
        }
        for level in tenant.levels {
            for parent in level.parents where levels[parent] == nil {
                problem("tenant.unknown_level", line: 1, ["kind": parent])
            }
        }

        // Units: codes, kinds, names, dates.
        var byCode: [String: UnitDefinition] = [:]
        for unit in tenant.units {
            if let first = byCode[unit.code] {
                problem("tenant.duplicate_code", line: unit.line, ["code": unit.code, "first_line": String(first.line)])
                continue
            }
            byCode[unit.code] = unit
            if !isUnitCode(unit.code) { problem("tenant.bad_code", line: unit.line, ["code": unit.code]) }
            if unit.nameVi.isEmpty || unit.nameVi.count > maxNameLength {
                problem("tenant.bad_name", line: unit.line, ["code": unit.code])
            }
            guard let level = levels[unit.kind] else {
                problem("tenant.unknown_kind", line: unit.line, ["code": unit.code, "kind": unit.kind])
                continue
            }
            if level.isSchool && unit.schoolLevels.isEmpty {
                problem("tenant.missing_school_level", line: unit.line, ["code": unit.code])
            }
            if !level.isSchool && !unit.schoolLevels.isEmpty {
                problem("tenant.school_level_not_school", line: unit.line, ["code": unit.code])
            }
            for date in [unit.opensOn, unit.closesOn].compactMap({ $0 }) where !isISODate(date) {
                problem("tenant.bad_date", line: unit.line, ["code": unit.code, "value": date])
            }
            if let opens = unit.opensOn, let closes = unit.closesOn, isISODate(opens), isISODate(closes), closes < opens {
                problem("tenant.closes_before_opens", line: unit.line, ["code": unit.code])
            }
        }

        // Parents: known, allowed by the levels, exactly one root.
        let roots = tenant.units.filter { $0.parentCode == nil }
        if roots.isEmpty && !tenant.units.isEmpty { problem("tenant.no_root", line: 1) }
        for extra in roots.dropFirst() {
            problem("tenant.several_roots", line: extra.line, ["code": extra.code, "root": roots[0].code])
        }
        for unit in tenant.units {
            guard let parentCode = unit.parentCode else {
                if let level = levels[unit.kind], !level.parents.isEmpty {
                    problem("tenant.root_kind", line: unit.line, ["code": unit.code, "kind": unit.kind])
                }
                continue
            }
            guard let parent = byCode[parentCode] else {
                problem("tenant.unknown_parent", line: unit.line, ["code": unit.code, "parent": parentCode])
                continue
            }
            if let level = levels[unit.kind], levels[parent.kind] != nil, !level.parents.contains(parent.kind) {
                problem("tenant.parent_kind", line: unit.line, ["code": unit.code, "kind": unit.kind, "parent_kind": parent.kind])
            }
        }

        // Cycles: walk up from every unit; a walk that returns to a unit it has seen is a cycle.
        var reported: Set<String> = []
        for unit in tenant.units where !reported.contains(unit.code) {
            var seen: [String] = []
            var current: UnitDefinition? = unit
            while let here = current, let parentCode = here.parentCode {
                if let start = seen.firstIndex(of: here.code) {
                    let cycle = Array(seen[start...])
                    if cycle.allSatisfy({ !reported.contains($0) }) {
                        reported.formUnion(cycle)
                        let line = cycle.compactMap { byCode[$0]?.line }.min() ?? unit.line
                        problem("tenant.cycle", line: line, ["codes": (cycle + [cycle[0]]).joined(separator: " → ")])
                    }
                    break
                }
                seen.append(here.code)
                current = byCode[parentCode]
            }
        }

        // History: past parents known, dates real and in order, no cycle on any date, successors known.
        var histories: [String: [ParentSpan]] = [:]
        for unit in tenant.units where byCode[unit.code]?.line == unit.line {
            for past in unit.pastParents {
                if byCode[past.parentCode] == nil {
                    problem("tenant.unknown_parent", line: unit.line, ["code": unit.code, "parent": past.parentCode])
                } else if past.parentCode == unit.code {
                    problem("tenant.cycle", line: unit.line, ["codes": unit.code + " → " + unit.code])
                }
            }
            if unit.parentCode == nil && unit.statesHistory {
                problem("tenant.root_history", line: unit.line, ["code": unit.code])
            }
            let dates = unit.pastParents.map(\.since) + [unit.parentSince]
            for date in dates.compactMap({ $0 }) where !isISODate(date) {
                problem("tenant.bad_date", line: unit.line, ["code": unit.code, "value": date])
            }
            if !unit.pastParents.isEmpty && unit.parentSince == nil {
                problem("tenant.missing_field", line: unit.line, ["field": "parent_since"])
            }
            let stated = dates.compactMap { $0 }.filter(isISODate)
            if zip(stated, stated.dropFirst()).contains(where: { $0 >= $1 }) {
                problem("tenant.history_order", line: unit.line, ["code": unit.code])
            }
            if let successor = unit.successorCode {
                if successor == unit.code || byCode[successor] == nil {
                    problem("tenant.unknown_successor", line: unit.line, ["code": unit.code, "successor": successor])
                }
            }
            histories[unit.code] = UnitHistory.normalised(
                unit.pastParents.map { ParentSpan($0.parentCode, from: $0.since.flatMap(LocalDate.init(iso:))) }
                    + [ParentSpan(unit.parentCode, from: unit.statesHistory ? unit.parentSince.flatMap(LocalDate.init(iso:)) : nil)])
        }
        if problems.isEmpty {
            for (date, cycle) in UnitHistory.cycles(histories) {
                let line = cycle.compactMap { byCode[$0]?.line }.min() ?? 1
                problem("tenant.cycle_on", line: line, ["codes": (cycle + [cycle[0]]).joined(separator: " → "), "date": date?.iso ?? "—"])
            }
        }

        // Group rules.
        for rule in tenant.groupRules {
            if case .code(let code) = rule.unit, byCode[code] == nil {
                problem("tenant.rule_unknown_unit", line: rule.line, ["code": code])
            }
            if case .capture = rule.unit, !rule.pattern.hasUnitCapture {
                problem("tenant.rule_missing_capture", line: rule.line, ["group": rule.pattern.source])
            }
        }

        if !problems.isEmpty {
            throw HosoErrors(problems.sorted { (Int($0.parameters["line"] ?? "") ?? 0) < (Int($1.parameters["line"] ?? "") ?? 0) })
        }
        return parentsFirst(tenant.units)
    }

    /// Breadth-first from the root; valid input only.
    static func parentsFirst(_ units: [UnitDefinition]) -> [UnitDefinition] {
        var children: [String: [UnitDefinition]] = [:]
        for unit in units { if let parent = unit.parentCode { children[parent, default: []].append(unit) } }
        var ordered = units.filter { $0.parentCode == nil }
        var index = 0
        while index < ordered.count {
            ordered.append(contentsOf: children[ordered[index].code] ?? [])
            index += 1
        }
        return ordered
    }

    public static func isIdentifier(_ value: String) -> Bool {
        !value.isEmpty && value.count <= 32 && value.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
        }
    }

    public static func isUnitCode(_ value: String) -> Bool {
        !value.isEmpty && value.count <= maxCodeLength && value.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    /// `yyyy-MM-dd` with a real month and day (leap years included).
    public static func isISODate(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }
}
