/// The decision of a province merger (`hoso tenant merge`): whether one tenant may be moved into
/// another, and the code every source unit and the login every source person will have there.
/// The store loads both sides under lock, asks this, and persists the plan or the refusals.
public enum TenantMerge {
    /// One side of a merger as stored.
    public struct Side: Sendable, Equatable {
        public let code: String
        public let frozen: Bool
        public let directory: DirectorySettings?
        /// Every unit code of the tenant, closed units included (codes are unique for ever).
        public let unitCodes: [String]
        /// Logins as stored (the source's are rewritten `login@domain` in the target).
        public let logins: [String]
        /// The first broken entry of its audit chain, if any.
        public let auditBrokenAt: Int64?
        public let groupRules: [GroupRule]
        /// Directories it holds besides its own (from earlier mergers).
        public let extras: [ExtraDirectory]

        public init(code: String, frozen: Bool, directory: DirectorySettings?, unitCodes: [String], logins: [String],
                    auditBrokenAt: Int64?, groupRules: [GroupRule] = [], extras: [ExtraDirectory] = []) {
            self.code = code
            self.frozen = frozen
            self.directory = directory
            self.unitCodes = unitCodes
            self.logins = logins
            self.auditBrokenAt = auditBrokenAt
            self.groupRules = groupRules
            self.extras = extras
        }

        /// Every directory it reads accounts from, its own first.
        var allDirectories: [(name: String, settings: DirectorySettings)] {
            (directory.map { [(code, $0)] } ?? []) + extras.map { ($0.name, $0.settings) }
        }
    }

    /// A source unit whose code changes because the target has it already (or the map says so).
    public struct Recode: Sendable, Equatable {
        public let from: String
        public let to: String
        /// True when the target has a unit with the old code (otherwise only the map asked).
        public let clashed: Bool

        public init(from: String, to: String, clashed: Bool) {
            self.from = from
            self.to = to
            self.clashed = clashed
        }
    }

    public struct Plan: Sendable, Equatable {
        /// Sorted by the old code.
        public let recodes: [Recode]
        /// The login domain of the source's people in the target (`name@domain`), the source's code.
        public let loginDomain: String
        /// The target's extra directories after the merger: its own, the source's directory (with the
        /// source's group rules and the re-coding), and the source's extra ones.
        public let directories: [ExtraDirectory]
        /// Logins as they will be in the target, keyed by the login in the source.
        public func login(_ login: String) -> String { "\(login)@\(loginDomain)" }
    }

    /// The plan, or every reason the merger may not happen (all of them at once, so a dry run shows
    /// them together). `map`: old code → new code, from `--map`; a source code it does not name
    /// that the target has too gets `<source code>-<old code>`.
    ///
    /// Codes: `tenant.merge_into_itself`, `tenant.merge_source_frozen` (it was merged or frozen
    /// already), `tenant.merge_target_frozen`, `tenant.merge_audit_broken` (a chain must verify before
    /// it is sealed: a break found later could not be told from one the merger made),
    /// `tenant.merge_directory_overlap` (the two directories read the same accounts: each person would
    /// get roles twice), `tenant.merge_map_unknown_code`, `tenant.merge_map_duplicate` (two codes to one),
    /// `tenant.merge_map_existing` (a new code the target or another source unit has),
    /// `tenant.merge_login_clash` (a person's `login@domain` exists in the target).
    public static func plan(source: Side, target: Side, map: [String: String]) -> Result<Plan, HosoErrors> {
        var refusals: [HosoError] = []
        if source.code == target.code {
            return .failure(HosoErrors([HosoError("tenant.merge_into_itself", ["tenant": source.code])]))
        }
        if source.frozen { refusals.append(HosoError("tenant.merge_source_frozen", ["tenant": source.code])) }
        if target.frozen { refusals.append(HosoError("tenant.merge_target_frozen", ["tenant": target.code])) }
        for side in [source, target] {
            if let seq = side.auditBrokenAt {
                refusals.append(HosoError("tenant.merge_audit_broken", ["tenant": side.code, "seq": String(seq)]))
            }
        }
        // The merged tenant keeps every directory of both: no two may read the same accounts or groups.
        for mine in source.allDirectories {
            for theirs in target.allDirectories {
                guard let base = DirectorySharing.overlap(mine.settings, theirs.settings) else { continue }
                refusals.append(HosoError("tenant.merge_directory_overlap", [
                    "tenant": mine.name, "other": theirs.name, "server": DirectorySharing.server(mine.settings.url), "base": base,
                ]))
            }
        }
        let domains = Set(target.extras.map { $0.loginDomain.lowercased() })
        for domain in [source.code] + source.extras.map(\.loginDomain) where domains.contains(domain.lowercased()) {
            refusals.append(HosoError("tenant.merge_login_domain_taken", ["domain": domain, "tenant": target.code]))
        }

        let sourceCodes = Set(source.unitCodes)
        let targetCodes = Set(target.unitCodes)
        for old in map.keys.sorted() where !sourceCodes.contains(old) {
            refusals.append(HosoError("tenant.merge_map_unknown_code", ["code": old, "tenant": source.code]))
        }
        var recodes: [Recode] = []
        for old in source.unitCodes.sorted() {
            let clashed = targetCodes.contains(old)
            if let new = map[old], new != old {
                recodes.append(Recode(from: old, to: new, clashed: clashed))
            } else if clashed {
                recodes.append(Recode(from: old, to: "\(source.code)-\(old)", clashed: true))
            }
        }
        // Every code in the target after the move: the target's own, the source's kept ones, the new ones.
        let renamed = Set(recodes.map(\.from))
        let kept = sourceCodes.subtracting(renamed)
        var seen: [String: String] = [:]
        for recode in recodes {
            if let other = seen[recode.to] {
                refusals.append(HosoError("tenant.merge_map_duplicate", ["code": recode.to, "first": other, "second": recode.from]))
            } else if targetCodes.contains(recode.to) || kept.contains(recode.to) {
                refusals.append(HosoError("tenant.merge_map_existing", ["code": recode.to, "from": recode.from]))
            }
            seen[recode.to] = recode.from
        }

        let codes = Dictionary(recodes.map { ($0.from, $0.to) }) { first, _ in first }
        var extras = target.extras
        if let own = source.directory {
            extras.append(ExtraDirectory(name: source.code, loginDomain: source.code, settings: own, groupRules: source.groupRules,
                                         unitCodes: codes, mergedFrom: source.code))
        }
        // The source's own extra directories come along; their groups' codes follow this re-coding too.
        for var extra in source.extras {
            extra.unitCodes = Dictionary(uniqueKeysWithValues: Set(extra.unitCodes.keys).union(codes.keys).map { code in
                let inSource = extra.unitCodes[code] ?? code
                return (code, codes[inSource] ?? inSource)
            })
            extras.append(extra)
        }
        let plan = Plan(recodes: recodes, loginDomain: source.code, directories: extras)
        let targetLogins = Set(target.logins)
        for login in source.logins.sorted() where targetLogins.contains(plan.login(login)) {
            refusals.append(HosoError("tenant.merge_login_clash", ["login": plan.login(login), "tenant": target.code]))
        }
        return refusals.isEmpty ? .success(plan) : .failure(HosoErrors(refusals))
    }
}
