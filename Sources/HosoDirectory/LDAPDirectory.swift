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
        let logger = self.logger
        do {
            return try await threadPool.runIfActive {
                try Self.authenticateBlocking(credentials, settings: settings, bindPassword: bindPassword, groupAttributes: groupAttributes)
            }
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
            attributes: [settings.loginAttribute, settings.displayNameAttribute, "cn", settings.mailAttribute], sizeLimit: 2
        )
        // Unknown and ambiguous logins answer exactly like a wrong password.
        guard people.count == 1, let person = people.first else { throw HosoError("signin.invalid_credentials") }

        do {
            try handle.bind(dn: person.dn, password: credentials.password)
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
        return DirectoryAccount(dn: person.dn, login: login, displayName: name, email: person.first(settings.mailAttribute), groups: groups)
    }
}
