import Foundation
import HosoCore
import Yams

/// Reads `tenants/<id>/tenant.yaml` into a `TenantDefinition`, keeping each unit's line so that
/// problems can be reported where they are. Structure errors (a missing field, a wrong type) are
/// reported here; the tree's consistency is checked by `TenantValidator`.
public enum TenantFile {
    public static func load(directory: String) throws -> TenantDefinition {
        let path = directory.hasSuffix(".yaml") ? directory : directory + "/tenant.yaml"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HosoError("tenant.file_missing", ["path": path])
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ text: String, source: String = "tenant.yaml") throws -> TenantDefinition {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw HosoError("tenant.file_empty", ["path": source]) }
            root = node
        } catch let error as YamlError {
            throw HosoError("tenant.bad_yaml", ["path": source, "detail": "\(error)"])
        }
        var problems: [HosoError] = []
        let reader = NodeReader(source: source)

        let id = reader.string(root, "id", &problems) ?? ""
        let nameVi = reader.string(root, "name_vi", &problems) ?? ""
        let nameEn = reader.string(root, "name_en", &problems) ?? nameVi
        let hosts = (root["hosts"]?.sequence ?? []).compactMap { $0.string?.lowercased() }

        var levels = UnitLevel.defaults
        if let levelNodes = root["levels"]?.sequence {
            levels = levelNodes.compactMap { node in
                guard let kind = reader.string(node, "kind", &problems) else { return nil }
                return UnitLevel(
                    kind: kind, nameVi: reader.string(node, "name_vi", &problems) ?? kind,
                    nameEn: node["name_en"]?.string ?? kind,
                    parents: (node["parents"]?.sequence ?? []).compactMap(\.string),
                    isSchool: node["school"]?.bool ?? false
                )
            }
        }

        var units: [UnitDefinition] = []
        if let unitNodes = root["units"]?.sequence {
            for node in unitNodes {
                guard let code = reader.string(node, "code", &problems) else { continue }
                var schoolLevels: [SchoolLevel] = []
                for levelNode in node["school_levels"]?.sequence ?? [] {
                    if let raw = levelNode.string, let level = SchoolLevel(rawValue: raw) { schoolLevels.append(level) }
                    else {
                        problems.append(HosoError("tenant.bad_school_level", [
                            "line": reader.line(levelNode), "value": levelNode.string ?? "",
                        ]))
                    }
                }
                units.append(UnitDefinition(
                    code: code, nameVi: reader.string(node, "name_vi", &problems) ?? "",
                    nameEn: node["name_en"]?.string ?? "", kind: reader.string(node, "kind", &problems) ?? "",
                    schoolLevels: schoolLevels, parentCode: node["parent"]?.string,
                    opensOn: node["opens_on"]?.string, closesOn: node["closes_on"]?.string,
                    line: (node.mark?.line ?? 0),
                    parentSince: node["parent_since"]?.string,
                    pastParents: (node["past_parents"]?.sequence ?? []).compactMap { past in
                        guard let parent = reader.string(past, "parent", &problems) else { return nil }
                        return UnitDefinition.PastParent(parentCode: parent, since: past["since"]?.string)
                    },
                    successorCode: node["successor"]?.string
                ))
            }
        } else {
            problems.append(HosoError("tenant.missing_field", ["line": "1", "field": "units"]))
        }

        var directory: DirectorySettings?
        // `directory: none` says so on purpose: a tenant without directory sign-in.
        let noDirectory = root["directory"]?.string == "none"
        if let node = root["directory"], !noDirectory {
            // A tenant file names the variable holding its bind password; it may not name any
            // other secret of the server (the directory at `url` would receive it).
            if let name = node["bind_password_env"]?.string, !(name.hasPrefix("HOSO_") && name.contains("DIRECTORY_PASSWORD")) {
                problems.append(HosoError("tenant.bad_secret_name", ["line": reader.line(node), "name": name]))
            }
            if let url = node["url"]?.string, let security = node["security"]?.string, security == "ldaps",
               !url.hasPrefix("ldaps://") {
                problems.append(HosoError("tenant.bad_value", [
                    "line": reader.line(node), "field": "directory.url", "value": url,
                ]))
            }
            let base = node["base_dn"]?.string ?? ""
            let security = node["security"]?.string ?? "none"
            if DirectorySettings.Security(rawValue: security) == nil {
                problems.append(HosoError("tenant.bad_value", [
                    "line": reader.line(node), "field": "directory.security", "value": security,
                ]))
            }
            let sharedWith = node["shared_with"].map { shared in
                (shared.sequence ?? [shared]).compactMap { $0.string?.lowercased() }
            }
            let accountFilter = node["account_filter"]?.string
            if let sharedWith, sharedWith.contains(id) || sharedWith.contains(where: { !TenantValidator.isIdentifier($0) }) {
                problems.append(HosoError("tenant.bad_value", [
                    "line": reader.line(node), "field": "directory.shared_with", "value": sharedWith.joined(separator: ", "),
                ]))
            }
            if let sharedWith, !sharedWith.isEmpty, accountFilter == nil {
                problems.append(HosoError("tenant.missing_field", ["line": reader.line(node), "field": "directory.account_filter"]))
            }
            if let accountFilter, !DirectorySharing.isFilter(accountFilter) {
                problems.append(HosoError("tenant.bad_value", [
                    "line": reader.line(node), "field": "directory.account_filter", "value": accountFilter,
                ]))
            }
            // Password age (issue 18): the directory's default policy entry, the tenant's age limit
            // and how many days ahead people are warned; both numbers checked against sane bounds.
            var passwords: PasswordAgeSettings?
            if let block = node["passwords"] {
                var settings = PasswordAgeSettings(policyDN: block["policy_dn"]?.string)
                if let raw = block["age_limit_days"] {
                    if let days = raw.int, PasswordAgeSettings.ageLimitRange.contains(days) { settings.ageLimitDays = days } else {
                        problems.append(HosoError("tenant.bad_value", [
                            "line": reader.line(raw), "field": "directory.passwords.age_limit_days", "value": raw.string ?? "",
                        ]))
                    }
                }
                if let raw = block["warning_days"] {
                    if let days = raw.int, PasswordAgeSettings.warningRange.contains(days) { settings.warningDays = days } else {
                        problems.append(HosoError("tenant.bad_value", [
                            "line": reader.line(raw), "field": "directory.passwords.warning_days", "value": raw.string ?? "",
                        ]))
                    }
                }
                passwords = settings
            }
            directory = DirectorySettings(
                url: reader.string(node, "url", &problems) ?? "",
                security: DirectorySettings.Security(rawValue: security) ?? .none,
                caFile: node["ca_file"]?.string,
                bindDN: reader.string(node, "bind_dn", &problems) ?? "",
                bindPasswordEnv: reader.string(node, "bind_password_env", &problems) ?? "",
                userBase: node["user_base"]?.string ?? base,
                loginAttribute: node["login_attribute"]?.string ?? "uid",
                userFilter: node["user_filter"]?.string ?? "(objectClass=inetOrgPerson)",
                groupBase: node["group_base"]?.string ?? base,
                groupFilter: node["group_filter"]?.string ?? "(objectClass=groupOfNames)",
                memberAttribute: node["member_attribute"]?.string ?? "member",
                displayNameAttribute: node["display_name_attribute"]?.string ?? "displayName",
                mailAttribute: node["mail_attribute"]?.string ?? "mail",
                networkTimeoutSeconds: node["network_timeout_seconds"]?.int ?? 3,
                operationTimeoutSeconds: node["operation_timeout_seconds"]?.int ?? 5,
                sharedWith: sharedWith, accountFilter: accountFilter, passwords: passwords
            )
        } else if !noDirectory {
            problems.append(HosoError("tenant.missing_field", ["line": "1", "field": "directory"]))
        }

        var rules: [GroupRule] = []
        for node in root["group_rules"]?.sequence ?? [] {
            let line = node.mark?.line ?? 0
            guard let group = reader.string(node, "group", &problems),
                  let roleName = reader.string(node, "role", &problems) else { continue }
            guard let role = Role(rawValue: roleName) else {
                problems.append(HosoError("tenant.unknown_role", ["line": String(line), "role": roleName]))
                continue
            }
            do {
                let pattern = try GroupPattern(group)
                let unit: GroupRule.UnitSource
                if let attribute = node["unit_attribute"]?.string { unit = .attribute(attribute.lowercased()) }
                else if let code = node["unit"]?.string, code != "{unit}" { unit = .code(code) }
                else { unit = .capture }
                rules.append(GroupRule(pattern: pattern, role: role, unit: unit, line: line))
            } catch let error as HosoError {
                problems.append(HosoError(error.code, error.parameters.merging(["line": String(line)]) { $1 }))
            }
        }

        // Reminders before a person chooses (issue 18): each field optional, each checked.
        var notifications = NotificationChoice()
        if let block = root["notifications"] {
            func flag(_ key: String) -> Bool? {
                guard let raw = block[key] else { return nil }
                if let value = raw.bool { return value }
                problems.append(HosoError("tenant.bad_value", ["line": reader.line(raw), "field": "notifications." + key, "value": raw.string ?? ""]))
                return nil
            }
            notifications.weekly = flag("weekly") ?? notifications.weekly
            notifications.dayBefore = flag("day_before") ?? notifications.dayBefore
            if let raw = block["weekday"] { notifications.weekday = raw.int ?? 0 }
            if let raw = block["language"] { notifications.language = raw.string ?? "" }
            for field in notifications.invalidFields {
                let raw = block[String(field.dropFirst("notifications.".count))]
                problems.append(HosoError("tenant.bad_value", [
                    "line": raw.map(reader.line) ?? reader.line(block), "field": field, "value": raw?.string ?? "",
                ]))
            }
        }

        if !problems.isEmpty { throw HosoErrors(problems) }
        return TenantDefinition(
            id: id, nameVi: Normalize.nfc(nameVi), nameEn: nameEn, hosts: hosts, levels: levels,
            units: units.map(Normalize.nfc), directory: directory, groupRules: rules, notifications: notifications
        )
    }

    private struct NodeReader {
        let source: String
        func line(_ node: Node) -> String { String(node.mark?.line ?? 0) }

        /// A required scalar field; a problem is recorded when it is missing or empty.
        func string(_ node: Node, _ key: String, _ problems: inout [HosoError]) -> String? {
            guard let value = node[key]?.string, !value.isEmpty else {
                problems.append(HosoError("tenant.missing_field", ["line": line(node), "field": key]))
                return nil
            }
            return value
        }
    }
}
