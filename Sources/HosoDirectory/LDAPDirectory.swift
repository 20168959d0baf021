import CLDAP
import HosoCore
import Logging
import NIOPosix

/// The directory through libldap. Every operation opens its own handle on the blocking thread
/// pool (libldap calls block), binds as the tenant's service account to look the person up, then
/// binds as the person to check the password.
public struct LDAPDirectory: DirectoryService {
    let logger: Logger
    let threadPool: NIOThreadPool

    /// Blocking libldap calls run here, apart from `NIOThreadPool.singleton` (bcrypt, files): a
    /// directory that hangs must not hold up the local administrators' sign-in.
    public static let sharedThreadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()

    public init(logger: Logger, threadPool: NIOThreadPool = LDAPDirectory.sharedThreadPool) {
        self.logger = logger
        self.threadPool = threadPool
    }

    public func authenticate(
        _ credentials: Credentials, settings: DirectorySettings, bindPassword: String, groupAttributes: [String]
    ) async throws -> DirectoryAccount {
        try await blocking(settings) {
            try Self.authenticateBlocking(credentials, settings: settings, bindPassword: bindPassword, groupAttributes: groupAttributes)
        }
    }

    /// Runs libldap's blocking calls on the directory's threads. The person's own refusals
    /// (`HosoError`) pass through; anything the directory or the network did is logged and becomes
    /// `service.directory_unavailable` (503).
    func blocking<T: Sendable>(_ settings: DirectorySettings, _ body: @Sendable @escaping () throws -> T) async throws -> T {
        let logger = self.logger
        do {
            return try await threadPool.runIfActive(body)
        } catch let failure as LDAPHandle.Failure {
            logger.warning("directory failure", metadata: ["error": "\(failure)", "url": "\(settings.url)"])
            throw HosoError("service.directory_unavailable")
        } catch let error as HosoError {
            throw error
        } catch {
            logger.error("directory error", metadata: ["error": "\(String(reflecting: error))"])
            throw HosoError("service.directory_unavailable")
        }
    }

    public func passwordAccounts(settings: DirectorySettings, bindPassword: String, rules: [GroupRule],
                                 unitCodes: Set<String>) async throws -> [PasswordAccount] {
        try await blocking(settings) {
            try Self.passwordAccountsBlocking(settings: settings, bindPassword: bindPassword, rules: rules, unitCodes: unitCodes)
        }
    }

    /// The groups first (few), each mapped to units by the rules; then only the members of the
    /// groups in scope, one base read each, so the viewer's scope bounds the work and nothing
    /// outside it is read at all.
    static func passwordAccountsBlocking(settings: DirectorySettings, bindPassword: String, rules: [GroupRule],
                                         unitCodes: Set<String>) throws -> [PasswordAccount] {
        guard !bindPassword.isEmpty else { throw HosoError("service.directory_unavailable") }
        guard !unitCodes.isEmpty else { return [] }
        let handle = try LDAPHandle(settings: settings)
        do {
            try handle.bind(dn: settings.bindDN, password: bindPassword)
        } catch let failure as LDAPHandle.Failure where failure.isInvalidCredentials {
            throw LDAPHandle.Failure(operation: "service bind", code: failure.code)
        }
        let member = settings.memberAttribute.lowercased()
        let groups = try handle.search(
            base: settings.groupBase, filter: settings.groupFilter,
            attributes: ["cn", member] + GroupMapper.attributesNeeded(by: rules), sizeLimit: 0)
        var codesByMember: [String: [String]] = [:]
        var order: [String] = []
        for entry in groups {
            let group = DirectoryGroup(dn: entry.dn, name: entry.first("cn") ?? "", attributes: entry.attributes)
            let codes = PasswordAge.unitCodes(of: [group], rules: rules, in: unitCodes)
            guard !codes.isEmpty else { continue }
            for dn in entry.attributes[member] ?? [] {
                var known = codesByMember[dn] ?? []
                if known.isEmpty { order.append(dn) }
                let fresh = codes.filter { !known.contains($0) }
                known.append(contentsOf: fresh)
                codesByMember[dn] = known
            }
        }

        // The tenant's account filter applies as at sign-in: another tenant's account is not listed.
        let filter = settings.forSignIn().userFilter
        var reader = PasswordFactsReader(handle: handle, settings: settings)
        var accounts: [PasswordAccount] = []
        for dn in order where Self.isUnder(dn, settings.userBase) {
            guard let entry = try handle.read(
                dn: dn, filter: filter,
                attributes: [settings.loginAttribute, settings.displayNameAttribute, "cn", settings.mailAttribute]
                    + PasswordFactsReader.accountAttributes)
            else { continue }
            let login = entry.first(settings.loginAttribute) ?? entry.first("cn") ?? dn
            accounts.append(PasswordAccount(
                dn: entry.dn, login: login, displayName: entry.first(settings.displayNameAttribute) ?? entry.first("cn") ?? login,
                unitCodes: codesByMember[dn] ?? [], facts: try reader.facts(of: entry), email: entry.first(settings.mailAttribute)))
        }
        return accounts
    }

    /// Whether `dn` lies under `base` (case and blanks after commas aside): a group member outside
    /// the tenant's user base is not one of its accounts and is not read.
    static func isUnder(_ dn: String, _ base: String) -> Bool {
        func normal(_ text: String) -> String {
            text.lowercased().split(separator: ",").map { $0.split(separator: " ").joined(separator: " ") }.joined(separator: ",")
        }
        let name = normal(dn), root = normal(base)
        return !root.isEmpty && name.hasSuffix("," + root)
    }

    public func check(settings: DirectorySettings, bindPassword: String) async -> Bool {
        do {
            try await threadPool.runIfActive {
                guard !bindPassword.isEmpty else { throw HosoError("directory.no_service_password") }
                let handle = try LDAPHandle(settings: settings)
                try handle.bind(dn: settings.bindDN, password: bindPassword)
            }
            return true
        } catch {
            logger.debug("directory check failed", metadata: ["error": "\(error)", "url": "\(settings.url)"])
            return false
        }
    }

    static func authenticateBlocking(
        _ credentials: Credentials, settings: DirectorySettings, bindPassword: String, groupAttributes: [String]
    ) throws -> DirectoryAccount {
        guard !bindPassword.isEmpty else { throw HosoError("service.directory_unavailable") }
        let handle = try LDAPHandle(settings: settings)
        do {
            try handle.bind(dn: settings.bindDN, password: bindPassword)
        } catch let failure as LDAPHandle.Failure where failure.isInvalidCredentials {
            // The tenant's service account was refused: a configuration fault, not the user's.
            throw LDAPHandle.Failure(operation: "service bind", code: failure.code)
        }

        let userFilter = "(&\(settings.userFilter)\(LDAPFilter.equals(settings.loginAttribute, credentials.login)))"
        let people = try handle.search(
            base: settings.userBase, filter: userFilter,
            attributes: [settings.loginAttribute, settings.displayNameAttribute, "cn", settings.mailAttribute]
                + PasswordFactsReader.accountAttributes,
            sizeLimit: 2
        )
        // Unknown and ambiguous logins answer exactly like a wrong password.
        guard people.count == 1, let person = people.first else { throw HosoError("signin.invalid_credentials") }

        let control: BindPasswordControl?
        do {
            control = try handle.bindReadingPolicy(dn: person.dn, password: credentials.password)
        } catch let failure as LDAPHandle.Failure where !failure.isUnavailable {
            // 49 (wrong password), 53 (unwilling, e.g. locked by ppolicy), 19, 48 …: all the person's.
            throw HosoError("signin.invalid_credentials")
        }
        // Back to the service account: people may not be allowed to read groups themselves.
        try handle.bind(dn: settings.bindDN, password: bindPassword)

        let groupFilter = "(&\(settings.groupFilter)\(LDAPFilter.equals(settings.memberAttribute, person.dn)))"
        let groups = try handle.search(
            base: settings.groupBase, filter: groupFilter, attributes: ["cn"] + groupAttributes, sizeLimit: 1000
        ).map { entry in
            DirectoryGroup(dn: entry.dn, name: entry.first("cn") ?? "", attributes: entry.attributes)
        }

        let login = person.first(settings.loginAttribute) ?? credentials.login
        let name = person.first(settings.displayNameAttribute) ?? person.first("cn") ?? login
        // The facts behind a warning; a policy entry that cannot be read leaves only the bind's control.
        var reader = PasswordFactsReader(handle: handle, settings: settings)
        let facts = try? reader.facts(of: person)
        return DirectoryAccount(dn: person.dn, login: login, displayName: name, email: person.first(settings.mailAttribute),
                                groups: groups, passwordControl: control, passwordFacts: facts)
    }
}
