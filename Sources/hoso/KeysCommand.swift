import ArgumentParser
import Foundation
import HosoCore
import HosoServer
import HosoSigning
import HosoStore

/// A certificate date as `yyyy-MM-dd` (UTC) for the listings.
func date(_ seconds: Int64) -> String { String(UTCTime.format(seconds).prefix(10)) }

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Signing keys and trusted CA roots (the key store is HOSO_KEYS_DIR, its secret HOSO_KEYS_SECRET).",
        subcommands: [List.self, Import.self, Retire.self, Trust.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's signing keys and trusted roots.")
        @Option(help: "Tenant id.") var tenant: String

        func run() async throws {
            try await reporting {
                let code = tenant
                try await withDatabase { database, logger in
                    let store = SignatureStore(database: database, logger: logger)
                    let id = try await tenantID(database, logger, code)
                    for root in try await store.roots(tenantID: id) {
                        print("root   \(root.fingerprint.prefix(16))  until \(date(root.notAfter))  \(root.subject)")
                    }
                    for key in try await store.keys(tenantID: id) {
                        let holder = key.seal ? "seal:\(key.owner)" : key.owner
                        let place = key.keyReference == nil ? "external" : "store"
                        print("\(key.state == "active" ? "key   " : "retired") \(key.fingerprint.prefix(16))  \(holder)  \(key.algorithm)  serial \(key.serial)  \(date(key.notBefore))..\(date(key.notAfter))  \(place)  \(key.commonName)")
                    }
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a PKCS#12 key (kept in the key store under HOSO_KEYS_SECRET) or, with --certificate, only a certificate whose key stays on the person's token.",
            discussion: "The PKCS#12 file's own password is read from HOSO_KEYS_IMPORT_PASSWORD (default: HOSO_KEYS_SECRET); passwords are never arguments.")
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "The person's login (an approver's key).") var user: String?
        @Option(help: "A school's code (its organisation seal).") var unit: String?
        @Flag(help: "The file is a PEM certificate only.") var certificate = false
        @Argument(help: "PKCS#12 (.p12) file, or PEM certificate with --certificate.") var file: String

        func validate() throws {
            guard (user == nil) != (unit == nil) else { throw ValidationError("give exactly one of --user and --unit") }
        }

        func run() async throws {
            try await reporting {
                let (code, user, unit, certificateOnly) = (tenant, user, unit, certificate)
                let bytes = try readFile(file)
                let environment = ProcessInfo.processInfo.environment
                let keysDirectory = environment["HOSO_KEYS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/keys"
                try await withDatabase { database, logger in
                    let id = try await tenantID(database, logger, code)
                    let owner: SignatureStore.Owner = user.map { .person(login: $0) } ?? .unit(code: unit ?? "")
                    let schema = try SigningService.loadSchema(webDirectory: webDirectory())
                    let facts: CertificateFacts, pem: String, reference: String?
                    if certificateOnly {
                        facts = try Certificates.read(pem: bytes)[0]
                        pem = String(decoding: bytes, as: UTF8.self)
                        reference = nil
                    } else {
                        guard let secret = environment["HOSO_KEYS_SECRET"], !secret.isEmpty else { throw HosoError("keys.no_secret") }
                        let store = try PKCS12KeyStore(directory: keysDirectory, secret: secret, schema: schema)
                        let password = environment["HOSO_KEYS_IMPORT_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 } ?? secret
                        (reference, facts, pem) = try store.importKey(bytes, password: password, tenant: code)
                    }
                    let roots = try await SignatureStore(database: database, logger: logger).roots(tenantID: id)
                    if roots.isEmpty { print("hoso: warning: tenant \(code) trusts no CA root yet (hoso keys trust)") }
                    let row = try await SignatureStore(database: database, logger: logger).register(
                        tenantID: id, owner: owner, certificate: facts, pem: pem, keyReference: reference, actorLogin: "cli")
                    print("hoso: key \(row.fingerprint.prefix(16)) for \(row.seal ? "seal:" : "")\(row.owner) (\(row.commonName), serial \(row.serial), until \(date(row.notAfter)))")
                }
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a key: it signs nothing more; its signatures keep their value.")
        @Option(help: "Tenant id.") var tenant: String
        @Argument(help: "The certificate's SHA-256 fingerprint (at least its first 8 hex digits).") var fingerprint: String

        func run() async throws {
            try await reporting {
                let (code, fingerprint) = (tenant, fingerprint)
                try await withDatabase { database, logger in
                    let row = try await SignatureStore(database: database, logger: logger).retire(
                        tenantID: try await tenantID(database, logger, code), fingerprintPrefix: fingerprint, actorLogin: "cli")
                    print("hoso: retired \(row.fingerprint.prefix(16)) (\(row.owner), \(row.commonName))")
                }
            }
        }
    }

    struct Trust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add CA root certificates the tenant trusts (default: the tenant's own file, tenants/<id>/trust-roots.pem).")
        @Option(help: "Tenant id.") var tenant: String
        @Argument(help: "PEM files of root certificates.") var files: [String] = []

        func run() async throws {
            try await reporting {
                let code = tenant
                let paths = files.isEmpty ? [tenantsDirectory() + "/\(code)/trust-roots.pem"] : files
                let roots = try trustRoots(in: paths)
                guard !roots.isEmpty else { throw HosoError("certificate.unreadable") }
                let found = roots
                try await withDatabase { database, logger in
                    let added = try await SignatureStore(database: database, logger: logger).addRoots(
                        tenantID: try await tenantID(database, logger, code), found, source: paths.joined(separator: ", "), actorLogin: "cli")
                    print("hoso: \(added) new trusted root(s) for \(code), \(found.count - added) already trusted")
                }
            }
        }
    }
}
