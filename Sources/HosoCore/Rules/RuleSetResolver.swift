/// Resolves a rule-set from its file and the files it extends, then checks every record type:
/// unknown roles, levels, owners, cadences or formats, a deadline rule that does not fit the
/// cadence, a chain that repeats a role, an `extends` cycle. Every problem is reported at once,
/// with the file and line where it was written.
public enum RuleSetResolver {
    public static func resolve(_ id: String, from sources: [String: RuleSetSource]) throws -> RuleSet {
        var lineage: [RuleSetSource] = []
        var visited: [String] = []
        var next: String? = id
        while let current = next {
            guard !visited.contains(current) else {
                throw HosoErrors([HosoError("rules.cycle", ["chain": (visited + [current]).joined(separator: " → ")])])
            }
            visited.append(current)
            guard let source = sources[current] else {
                throw HosoErrors([HosoError("rules.unknown_base", ["id": current, "from": visited.dropLast().last ?? id])])
            }
            lineage.insert(source, at: 0)
            next = source.extends
        }
        let top = lineage[lineage.count - 1]
        var problems: [HosoError] = []
        var drafts: [RecordTypeDraft] = []
        for source in lineage {
            if source.schoolYear != top.schoolYear {
                problems.append(HosoError("rules.year_mismatch", ["id": source.id, "year": source.schoolYear, "expected": top.schoolYear]))
            }
            for code in source.remove {
                guard let index = drafts.firstIndex(where: { $0.code == code }) else {
                    problems.append(HosoError("rules.unknown_type", ["code": code, "path": source.path])); continue
                }
                drafts.remove(at: index)
            }
            for override in source.overrides {
                guard let index = drafts.firstIndex(where: { $0.code == override.code }) else {
                    problems.append(HosoError("rules.unknown_type", ["code": override.code, "path": source.path])); continue
                }
                drafts[index] = drafts[index].merged(with: override)
            }
            for draft in source.recordTypes {
                if drafts.contains(where: { $0.code == draft.code }) {
                    problems.append(HosoError("rules.duplicate_type", ["code": draft.code, "path": source.path, "line": String(draft.line ?? 0)]))
                    continue
                }
                drafts.append(draft)
            }
        }
        var types: [RecordType] = []
        for draft in drafts {
            do { types.append(try check(draft)) } catch let error as HosoErrors { problems += error.errors }
        }
        if types.isEmpty && problems.isEmpty { problems.append(HosoError("rules.no_types", ["id": id])) }
        guard problems.isEmpty else { throw HosoErrors(problems) }
        return RuleSet(id: top.id, schoolYear: top.schoolYear, nameVi: top.nameVi, nameEn: top.nameEn,
                       lineage: lineage.map(\.id), types: types)
    }

    /// A complete draft as a checked record type (also how stored types are read back).
    public static func check(_ draft: RecordTypeDraft) throws -> RecordType {
        var problems: [HosoError] = []
        let place = ["code": draft.code, "path": draft.source ?? "", "line": String(draft.line ?? 0)]
        func problem(_ code: String, _ extra: [String: String] = [:]) {
            problems.append(HosoError(code, place.merging(extra) { $1 }))
        }
        func required<T>(_ value: T?, _ field: String) -> T? {
            if value == nil { problem("rules.missing_field", ["field": field]) }
            return value
        }
        if !isCode(draft.code) { problem("rules.bad_code") }
        let nameVi = required(draft.nameVi, "name_vi") ?? ""
        let nameEn = draft.nameEn ?? nameVi
        var levels: Set<SchoolLevel> = []
        for raw in required(draft.levels, "levels") ?? [] {
            if let level = SchoolLevel(rawValue: raw) { levels.insert(level) } else { problem("rules.unknown_level", ["value": raw]) }
        }
        if draft.levels?.isEmpty == true { problem("rules.missing_field", ["field": "levels"]) }
        let owner = required(draft.owner, "owner").flatMap { raw -> OwnerScope? in
            if let value = OwnerScope(rawValue: raw) { return value }
            problem("rules.unknown_owner", ["value": raw]); return nil
        }
        let cadence = required(draft.cadence, "cadence").flatMap { raw -> Cadence? in
            if let value = Cadence(rawValue: raw) { return value }
            problem("rules.unknown_cadence", ["value": raw]); return nil
        }
        var formats: [FileFormat] = []
        for raw in required(draft.formats, "formats") ?? [] {
            if let format = FileFormat(rawValue: raw) { formats.append(format) } else { problem("rules.unknown_format", ["value": raw]) }
        }
        if draft.formats?.isEmpty == true { problem("rules.missing_field", ["field": "formats"]) }
        let maxSize = required(draft.maxSizeMB, "max_size_mb") ?? 1
        if maxSize < 1 || maxSize > 512 { problem("rules.bad_size", ["value": String(maxSize)]) }
        func role(_ raw: String) -> Role? {
            if let role = Role(rawValue: raw) { return role }
            problem("rules.unknown_role", ["value": raw]); return nil
        }
        let submitter = required(draft.submitter, "submitter").flatMap(role)
        var steps: [ApprovalChain.Step] = []
        var stepsValid = true
        for step in required(draft.chain, "chain") ?? [] {
            guard let stepRole = role(step.role) else { stepsValid = false; continue }
            guard let signers = ApprovalChain.Signers(rawValue: step.signers ?? "any") else {
                problem("rules.bad_signers", ["value": step.signers ?? ""]); stepsValid = false; continue
            }
            let seal = step.seal ?? false
            // `seal: automatic` on the type: the seal goes on with the last approval, no step of its own.
            if seal && draft.seal == "automatic" { continue }
            switch step.signature ?? "none" {
            case "required": steps.append(.init(role: stepRole, signatureRequired: true, seal: seal, signers: signers))
            case "none": steps.append(.init(role: stepRole, seal: seal, signers: signers))
            default: problem("rules.bad_signature", ["value": step.signature ?? ""]); stepsValid = false
            }
        }
        if let raw = draft.seal, raw != "automatic" && raw != "step" { problem("rules.bad_seal", ["value": raw]) }
        let submissionSignature = draft.submissionSignature ?? "none"
        if submissionSignature != "required" && submissionSignature != "none" {
            problem("rules.bad_signature", ["value": submissionSignature])
        }
        var chain: ApprovalChain?
        if stepsValid && draft.chain != nil {
            do {
                chain = try ApprovalChain(steps)
            } catch let error as HosoError {
                // A repeated role is a cycle in the chain: someone would approve their own approval.
                problems.append(HosoError(error.code, place.merging(error.parameters) { $1 }))
            } catch {}
        }
        // The seal step and the subject teachers' step are not approvals of one's own submission
        // (the homeroom teacher who uploads a transcript also confirms the subject they teach).
        if let submitter, steps.contains(where: { $0.role == submitter && !$0.seal && $0.signers == .anyHolder }) {
            problem("rules.submitter_in_chain", ["role": submitter.rawValue])
        }
        if let submitter, submitter.isInspector { problem("rules.inspector_submits", ["role": submitter.rawValue]) }
        let storage = (draft.storage ?? "electronic").flatMapStorage { problem("rules.bad_storage", ["value": $0]) }
        let retention = draft.retention.map(Retention.init(code:)) ?? .unset
        if let raw = draft.retention, retention == .unset { problem("rules.bad_retention", ["value": raw]) }
        if case .years(let years) = retention, years < 1 { problem("rules.bad_retention", ["value": draft.retention ?? ""]) }

        let correctionMinutes = CorrectionMinutesRule(rawValue: draft.correctionMinutes ?? CorrectionMinutesRule.afterLock.rawValue)
        if correctionMinutes == nil { problem("rules.bad_value", ["key": "correction_minutes", "value": draft.correctionMinutes ?? ""]) }

        var due: (DeadlineRule, DeadlineRule.Shift)?
        if let raw = required(draft.due, "due"), let cadence {
            do { due = try deadline(raw, cadence: cadence) } catch let error as HosoError {
                problems.append(HosoError(error.code, place.merging(error.parameters) { $1 }))
            } catch {}
        }
        let forms = checkForms(draft, owner: owner, problem: problem)
        guard problems.isEmpty, let owner, let cadence, let submitter, let chain, let due, let storage else {
            throw HosoErrors(problems.isEmpty ? [HosoError("rules.missing_field", place.merging(["field": "?"]) { $1 })] : problems)
        }
        var type = RecordType(
            code: draft.code, nameVi: nameVi, nameEn: nameEn, basis: draft.basis ?? "", levels: levels, owner: owner,
            cadence: cadence, due: due.0, shift: due.1, formats: formats, maxBytes: Int64(maxSize) * 1024 * 1024,
            submitter: submitter, chain: chain, retention: retention, storage: storage, entryWindow: draft.entryWindow ?? false,
            submissionSignatureRequired: submissionSignature == "required"
        )
        type.paperCopy = forms.paperCopy
        type.choice = forms.choice
        type.correctionMinutes = correctionMinutes ?? .afterLock
        return type
    }

    static func deadline(_ raw: RecordTypeDraft.Due, cadence: Cadence) throws -> (DeadlineRule, DeadlineRule.Shift) {
        guard let shift = DeadlineRule.Shift(rawValue: raw.shift ?? "previous_working_day") else {
            throw HosoError("rules.bad_deadline", ["detail": "shift \(raw.shift ?? "")"])
        }
        let weekly = cadence == .weekly || cadence == .perLesson
        func days() throws -> Int {
            guard let days = raw.days, days >= 0, days <= 120 else { throw HosoError("rules.bad_deadline", ["detail": "days"]) }
            return days
        }
        func fits(_ ok: Bool) throws {
            if !ok { throw HosoError("rules.deadline_cadence", ["rule": raw.rule, "cadence": cadence.rawValue]) }
        }
        // Only a rule naming a day of the week has a boundary to choose.
        if raw.rule != "weekday_of_preceding_week", try DeadlineBoundary.parse(raw.boundary) != .endOfDay {
            throw HosoError("rules.bad_deadline", ["detail": "boundary \(raw.boundary ?? "") with \(raw.rule)"])
        }
        switch raw.rule {
        case "weekday_of_preceding_week":
            try fits(weekly)
            guard let name = raw.weekday, let weekday = LocalDate.Weekday(name: name), weekday != .sunday else {
                throw HosoError("rules.bad_deadline", ["detail": "weekday \(raw.weekday ?? "")"])
            }
            if try DeadlineBoundary.parse(raw.boundary) == .beforeDay {
                return (.dayBeforeWeekdayOfPrecedingWeek(weekday), shift)
            }
            return (.weekdayOfPrecedingWeek(weekday), shift)
        case "days_before_week":
            try fits(weekly || cadence == .yearly || cadence == .semester)
            return (.daysBeforeWeek(try days()), shift)
        case "fixed_date":
            try fits(cadence == .yearly)
            let parts = (raw.date ?? "").split(separator: "-").compactMap { Int($0) }
            // Checked against a common year: 29 February would have no due date three years in four.
            guard parts.count == 2, LocalDate(2025, parts[0], parts[1]) != nil else {
                throw HosoError("rules.bad_deadline", ["detail": "date \(raw.date ?? "")"])
            }
            return (.fixedDate(month: parts[0], day: parts[1]), shift)
        case "days_after_semester_end":
            try fits(cadence == .semester)
            return (.daysAfterSemesterEnd(try days()), shift)
        case "days_after_year_end":
            try fits(cadence == .yearly)
            return (.daysAfterYearEnd(try days()), shift)
        case "days_after_month_end":
            try fits(cadence == .monthly)
            return (.daysAfterMonthEnd(try days()), shift)
        default:
            throw HosoError("rules.bad_deadline", ["detail": raw.rule])
        }
    }

    static func isCode(_ code: String) -> Bool {
        !code.isEmpty && code.count <= 64 && code.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The draft of a checked type, complete, as the store keeps it.
    public static func draft(of type: RecordType) -> RecordTypeDraft {
        var draft = RecordTypeDraft(code: type.code)
        draft.nameVi = type.nameVi
        draft.nameEn = type.nameEn
        draft.basis = type.basis
        draft.levels = type.levels.map(\.rawValue).sorted()
        draft.owner = type.owner.rawValue
        draft.cadence = type.cadence.rawValue
        draft.due = dueDraft(type.due, type.shift)
        draft.formats = type.formats.map(\.rawValue)
        draft.maxSizeMB = Int(type.maxBytes / 1024 / 1024)
        draft.submitter = type.submitter.rawValue
        draft.chain = type.chain.steps.map {
            .init(role: $0.role.rawValue, signature: $0.signatureRequired ? "required" : "none", seal: $0.seal ? true : nil,
                  signers: $0.signers == .anyHolder ? nil : $0.signers.rawValue)
        }
        draft.submissionSignature = type.submissionSignatureRequired ? "required" : nil
        draft.retention = type.retention == .unset ? nil : type.retention.code
        draft.storage = type.storage.rawValue
        draft.entryWindow = type.entryWindow
        draft.paperCopy = type.paperCopy == .none ? nil : type.paperCopy.rawValue
        draft.choice = type.choice == .none ? nil : type.choice.rawValue
        draft.correctionMinutes = type.correctionMinutes == .afterLock ? nil : type.correctionMinutes.rawValue
        return draft
    }

    static func dueDraft(_ rule: DeadlineRule, _ shift: DeadlineRule.Shift) -> RecordTypeDraft.Due {
        switch rule {
        case .weekdayOfPrecedingWeek(let weekday): .init(rule: "weekday_of_preceding_week", weekday: weekday.name, shift: shift.rawValue)
        case .dayBeforeWeekdayOfPrecedingWeek(let weekday):
            .init(rule: "weekday_of_preceding_week", weekday: weekday.name, shift: shift.rawValue,
                  boundary: DeadlineBoundary.beforeDay.rawValue)
        case .daysBeforeWeek(let days): .init(rule: "days_before_week", days: days, shift: shift.rawValue)
        case .fixedDate(let month, let day):
            .init(rule: "fixed_date", date: (month < 10 ? "0" : "") + "\(month)-" + (day < 10 ? "0" : "") + "\(day)", shift: shift.rawValue)
        case .daysAfterSemesterEnd(let days): .init(rule: "days_after_semester_end", days: days, shift: shift.rawValue)
        case .daysAfterYearEnd(let days): .init(rule: "days_after_year_end", days: days, shift: shift.rawValue)
        case .daysAfterMonthEnd(let days): .init(rule: "days_after_month_end", days: days, shift: shift.rawValue)
        }
    }
}

private extension String {
    func flatMapStorage(_ fail: (String) -> Void) -> Storage? {
        if let storage = Storage(rawValue: self) { return storage }
        fail(self)
        return nil
    }
}
