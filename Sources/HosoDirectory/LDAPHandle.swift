import CLDAP
import HosoCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libldap connection, used by one operation on one thread and closed when it is dropped.
/// Never shared: libldap handles are not safe to use from several threads at once.
final class LDAPHandle {
    struct Entry {
        let dn: String
        /// Lower-cased attribute name → values.
        let attributes: [String: [String]]

        func first(_ name: String) -> String? { attributes[name.lowercased()]?.first }
    }

    /// A libldap result code with the operation it came from (for logs, never for users).
    struct Failure: Error, CustomStringConvertible {
        let operation: String
        let code: Int32
        var description: String { "\(operation): \(String(cString: ldap_err2string(code))) (\(code))" }

        /// The server could not be reached or did not answer in time.
        var isUnavailable: Bool {
            [LDAP_SERVER_DOWN, LDAP_CONNECT_ERROR, LDAP_TIMEOUT, LDAP_UNAVAILABLE, LDAP_BUSY, LDAP_TIMELIMIT_EXCEEDED].contains(code)
        }
        var isInvalidCredentials: Bool { code == LDAP_INVALID_CREDENTIALS }
    }

    private let handle: OpaquePointer
    private let operationTimeout: Int

    init(settings: DirectorySettings) throws {
        // A TLS setting must not silently fall back to plain text through a URL override.
        guard settings.security != .ldaps || settings.url.lowercased().hasPrefix("ldaps://") else {
            throw Failure(operation: "configuration (security ldaps needs an ldaps:// URL)", code: LDAP_PARAM_ERROR)
        }
        var pointer: OpaquePointer?
        let rc = ldap_initialize(&pointer, settings.url)
        guard rc == LDAP_SUCCESS, let pointer else { throw Failure(operation: "initialize", code: rc) }
        handle = pointer
        operationTimeout = settings.operationTimeoutSeconds

        var version = LDAP_VERSION3
        ldap_set_option(handle, LDAP_OPT_PROTOCOL_VERSION, &version)
        var network = timeval(tv_sec: settings.networkTimeoutSeconds, tv_usec: 0)
        ldap_set_option(handle, LDAP_OPT_NETWORK_TIMEOUT, &network)
        var operation = timeval(tv_sec: settings.operationTimeoutSeconds, tv_usec: 0)
        ldap_set_option(handle, LDAP_OPT_TIMEOUT, &operation)
        hoso_ldap_referrals_off(handle)

        if settings.security != .none {
            var demand = LDAP_OPT_X_TLS_DEMAND
            ldap_set_option(handle, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand)
            if let caFile = settings.caFile { ldap_set_option(handle, LDAP_OPT_X_TLS_CACERTFILE, caFile) }
            var isServer: Int32 = 0
            ldap_set_option(handle, LDAP_OPT_X_TLS_NEWCTX, &isServer)
        }
        if settings.security == .startTLS {
            let rc = ldap_start_tls_s(handle, nil, nil)
            guard rc == LDAP_SUCCESS else { throw Failure(operation: "start TLS", code: rc) }
        }
    }

    deinit {
        ldap_unbind_ext_s(handle, nil, nil)
    }

    /// A simple bind. The caller must have refused an empty password (an unauthenticated bind).
    func bind(dn: String, password: String) throws {
        // An empty password would be an unauthenticated bind, which succeeds: never send one.
        guard !password.isEmpty else { throw Failure(operation: "bind", code: LDAP_INVALID_CREDENTIALS) }
        // The password's bytes with their real length: never let a C string length decide it.
        let bytes = Array(password.utf8)
        guard !bytes.contains(0) else { throw Failure(operation: "bind", code: LDAP_INVALID_CREDENTIALS) }
        let rc = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { hoso_ldap_simple_bind(handle, dn, $0.baseAddress, $0.count) }
        }
        guard rc == LDAP_SUCCESS else { throw Failure(operation: "bind", code: rc) }
    }

    /// A simple bind as a person that also asks for the password-policy response control: the
    /// control when the directory sent one (nil otherwise). Throws like `bind` on any refusal.
    func bindReadingPolicy(dn: String, password: String) throws -> BindPasswordControl? {
        guard !password.isEmpty else { throw Failure(operation: "bind", code: LDAP_INVALID_CREDENTIALS) }
        let bytes = Array(password.utf8)
        guard !bytes.contains(0) else { throw Failure(operation: "bind", code: LDAP_INVALID_CREDENTIALS) }
        var expire: Int32 = -1, grace: Int32 = -1, policyError: Int32 = -1
        let timeout = operationTimeout
        let rc = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                hoso_ldap_bind_ppolicy(handle, dn, $0.baseAddress, $0.count, timeout, &expire, &grace, &policyError)
            }
        }
        guard rc == LDAP_SUCCESS else { throw Failure(operation: "bind", code: rc) }
        guard expire >= 0 || grace >= 0 || policyError >= 0 else { return nil }
        return BindPasswordControl(
            secondsBeforeExpiration: expire >= 0 ? Int(expire) : nil,
            graceAuthenticationsRemaining: grace >= 0 ? Int(grace) : nil,
            error: policyError >= 0 ? BindPasswordControl.Error(rawValue: Int(policyError)) : nil)
    }

    /// One entry by its DN (a base search), when it exists and matches `filter`.
    func read(dn: String, filter: String, attributes: [String]) throws -> Entry? {
        do {
            return try search(base: dn, filter: filter, attributes: attributes, sizeLimit: 1, scope: hoso_ldap_scope_base())
                .first
        } catch let failure as Failure where failure.code == LDAP_NO_SUCH_OBJECT || failure.code == LDAP_INVALID_DN_SYNTAX {
            // A group may name a member that was removed, or a value that is no DN at all.
            return nil
        }
    }

    func search(base: String, filter: String, attributes: [String], sizeLimit: Int32,
                scope: Int32 = hoso_ldap_scope_subtree()) throws -> [Entry] {
        var cAttributes: [UnsafeMutablePointer<CChar>?] = attributes.map { strdup($0) } + [nil]
        defer { for pointer in cAttributes { free(pointer) } }
        var timeout = timeval(tv_sec: operationTimeout, tv_usec: 0)
        var result: OpaquePointer?
        let rc = cAttributes.withUnsafeMutableBufferPointer { buffer in
            ldap_search_ext_s(handle, base, scope, filter, buffer.baseAddress, 0, nil, nil, &timeout, sizeLimit, &result)
        }
        defer { if let result { ldap_msgfree(result) } }
        // A size limit reached still returns the entries found; the caller judges the count.
        guard rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED else { throw Failure(operation: "search", code: rc) }

        var entries: [Entry] = []
        var entry = ldap_first_entry(handle, result)
        while let current = entry {
            var dn = ""
            if let cDN = ldap_get_dn(handle, current) {
                dn = String(cString: cDN)
                ldap_memfree(cDN)
            }
            var values: [String: [String]] = [:]
            for attribute in attributes {
                guard let berValues = ldap_get_values_len(handle, current, attribute) else { continue }
                defer { ldap_value_free_len(berValues) }
                let count = Int(ldap_count_values_len(berValues))
                values[attribute.lowercased()] = (0..<count).compactMap { index in
                    guard let value = berValues[index]?.pointee, let bytes = value.bv_val else { return nil }
                    return String(decoding: UnsafeRawBufferPointer(start: bytes, count: Int(value.bv_len)), as: UTF8.self)
                }
            }
            entries.append(Entry(dn: dn, attributes: values))
            entry = ldap_next_entry(handle, current)
        }
        return entries
    }
}
