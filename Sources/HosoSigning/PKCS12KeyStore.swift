internal import CXMLSec
import HosoCore
#if canImport(Glibc)
import Glibc
#endif

/// Private keys as PKCS#12 files in one directory, each encrypted under a secret that comes from
/// the environment (never from a file of the repository or the database). The database knows a
/// key by its reference (`<tenant>/<certificate fingerprint>.p12`) and its public certificate.
public struct PKCS12KeyStore: ManifestSigner {
    public let directory: String
    let secret: String
    let schema: ManifestSchema

    public init(directory: String, secret: String, schema: ManifestSchema) throws {
        guard !secret.isEmpty else { throw HosoError("keys.no_secret") }
        self.directory = directory
        self.secret = secret
        self.schema = schema
    }

    public func sign(manifest: [UInt8], keyReference: String, claim: SignatureClaim) async throws -> [UInt8] {
        let bytes = try read(keyReference)
        return try ManifestSignatures.sign(manifest, pkcs12: bytes, password: secret, claim: claim, schema: schema)
    }

    /// Takes a PKCS#12 file opened with `password`, encrypts it again under the store's secret and
    /// keeps it; returns its reference, its certificate's facts and the certificate as PEM.
    public func importKey(_ bytes: [UInt8], password: String, tenant: String) throws -> (reference: String, certificate: CertificateFacts, pem: String) {
        guard Self.safe(tenant) else { throw HosoError("keys.bad_reference") }
        let bundle = try PKCS12Bundle(bytes, password: password)
        let facts = bundle.certificate.facts
        let sealed = try bundle.export(password: secret, name: facts.commonName)
        let reference = tenant + "/" + facts.fingerprint + ".p12"
        try Self.makeDirectory(directory)
        try Self.makeDirectory(directory + "/" + tenant)
        try Self.write(sealed, to: directory + "/" + reference)
        return (reference, facts, bundle.certificatePEM)
    }

    /// Whether the key file is there and the secret opens it.
    public func check(_ reference: String) throws -> CertificateFacts {
        try PKCS12Bundle(try read(reference), password: secret).certificate.facts
    }

    func read(_ reference: String) throws -> [UInt8] {
        let parts = reference.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ Self.safe(String($0)) }) else { throw HosoError("keys.bad_reference") }
        let path = directory + "/" + reference
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HosoError("keys.missing", ["reference": reference]) }
        defer { close(descriptor) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { throw HosoError("keys.missing", ["reference": reference]) }
            if count == 0 { break }
            out.append(contentsOf: buffer.prefix(count))
            if out.count > 1 << 20 { throw HosoError("keys.unreadable") }
        }
        return out
    }

    static func safe(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 120 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw HosoError("keys.store_unwritable", ["path": path]) }
    }

    /// Written to a temporary name, flushed, then renamed: a crash leaves the old file or the new one.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw HosoError("keys.store_unwritable", ["path": path]) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count <= 0 {
                close(descriptor)
                unlink(temporary)
                throw HosoError("keys.store_unwritable", ["path": path])
            }
            written += count
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw HosoError("keys.store_unwritable", ["path": path])
        }
    }
}
