import Foundation

/// Writes to the test slapd as a tenant's directory administrator (its rootdn), through OpenLDAP's
/// own `ldapmodify`, the way an operator would: tests that need accounts with a password history
/// make them here. The password goes through a file (`-y`), never the command line.
struct DirectoryAdmin {
    let suffix: String
    let url: String
    let passwordFile: String

    init(suffix: String = "dc=demo,dc=hoso,dc=vn") throws {
        self.suffix = suffix
        url = try TestEnvironment.ldapURL
        passwordFile = try TestEnvironment.temporaryDirectory("ldap-admin") + "/password"
        // `-y` reads the whole file: no newline after the secret.
        _ = FileManager.default.createFile(atPath: passwordFile, contents: Data(try TestEnvironment.directoryPassword.utf8),
                                       attributes: [.posixPermissions: 0o600])
    }

    struct Failed: Error, CustomStringConvertible {
        let output: String
        var description: String { "ldapmodify failed: \(output)" }
    }

    /// Applies LDIF change records (`changetype: add|modify|delete`). `relax`: with the Relax Rules
    /// control, which lets the rootdn set ppolicy's own attributes (pwdChangedTime).
    func apply(_ ldif: String, relax: Bool = false, continueOnError: Bool = false) throws {
        let file = try TestEnvironment.temporaryDirectory("ldif") + "/change.ldif"
        try ldif.write(toFile: file, atomically: true, encoding: .utf8)
        var arguments = ["-x", "-H", url, "-D", "cn=admin,\(suffix)", "-y", passwordFile, "-f", file]
        if relax { arguments += ["-e", "relax"] }
        if continueOnError { arguments.append("-c") }
        let (status, output) = try Tool.run("ldapmodify", arguments)
        if status != 0 && !continueOnError { throw Failed(output: output) }
    }

    /// Deletes entries, ignoring those already gone.
    func delete(_ dns: [String]) {
        try? apply(dns.map { "dn: \($0)\nchangetype: delete\n" }.joined(separator: "\n"), continueOnError: true)
    }

    /// An instant as LDAP GeneralizedTime (UTC).
    static func generalizedTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        return formatter.string(from: date)
    }
}
