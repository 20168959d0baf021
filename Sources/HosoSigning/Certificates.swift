internal import CXMLSec
import HosoCore
#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSL certificate, freed with its owner.
final class X509Box {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }

    static func der(_ bytes: [UInt8]) -> X509Box? {
        bytes.withUnsafeBufferPointer { buffer -> X509Box? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count).map(X509Box.init)
        }
    }

    var der: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(pointer, &out)
        guard length > 0, let out else { return [] }
        defer { hoso_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    var facts: CertificateFacts {
        let subject = X509_get_subject_name(pointer)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        X509_digest(pointer, EVP_sha256(), &digest, &length)
        let key = X509_get0_pubkey(pointer)
        let algorithm: String = switch key.map(EVP_PKEY_get_base_id) {
        case EVP_PKEY_RSA: "RSA"
        case EVP_PKEY_EC: "EC"
        default: "?"
        }
        return CertificateFacts(
            subject: Self.name(subject), commonName: Self.commonName(subject), issuer: Self.name(X509_get_issuer_name(pointer)),
            serial: Self.serial(X509_get_serialNumber(pointer)), notBefore: Self.time(X509_get0_notBefore(pointer)),
            notAfter: Self.time(X509_get0_notAfter(pointer)), fingerprint: hex(digest.prefix(Int(length))), keyAlgorithm: algorithm)
    }

    static func name(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        X509_NAME_print_ex(bio, name, 0, hoso_name_print_flags())
        var data: UnsafeMutablePointer<CChar>?
        let length = hoso_bio_mem_data(bio, &data)
        guard length > 0, let data else { return "" }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    static func commonName(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else { return "" }
        var out: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&out, data)
        guard length >= 0, let out else { return "" }
        defer { hoso_openssl_free(out) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
    }

    static func serial(_ serial: UnsafePointer<ASN1_INTEGER>?) -> String {
        guard let serial, let number = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(number) }
        guard let text = BN_bn2hex(number) else { return "" }
        defer { hoso_openssl_free(text) }
        return String(cString: text)
    }

    static func time(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard let time else { return 0 }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return 0 }
        return Int64(timegm(&parts))
    }
}

/// A set of trusted root certificates (a tenant's CA roots), read from PEM.
public struct TrustRoots: Sendable {
    public let certificates: [CertificateFacts]
    let ders: [[UInt8]]

    public static let empty = TrustRoots(certificates: [], ders: [])

    init(certificates: [CertificateFacts], ders: [[UInt8]]) {
        self.certificates = certificates
        self.ders = ders
    }

    /// Every certificate of a PEM text; a text with none, or with a broken block, is refused.
    public init(pem: [UInt8]) throws {
        let boxes = try Certificates.pem(pem)
        self.certificates = boxes.map(\.facts)
        self.ders = boxes.map(\.der)
    }

    /// Whether `leaf` chains to one of these roots (through `intermediates`) at `time`, or why not.
    func check(_ leaf: X509Box, intermediates: [X509Box], at time: Int64) -> SignatureProblem? {
        guard let store = X509_STORE_new() else { return .untrusted("OpenSSL") }
        defer { X509_STORE_free(store) }
        var roots: [X509Box] = []
        for der in ders {
            guard let root = X509Box.der(der) else { continue }
            X509_STORE_add_cert(store, root.pointer)
            roots.append(root)
        }
        guard let chain = OPENSSL_sk_new_null() else { return .untrusted("OpenSSL") }
        defer { OPENSSL_sk_free(chain) }
        for certificate in intermediates { OPENSSL_sk_push(chain, UnsafeRawPointer(certificate.pointer)) }
        guard let context = X509_STORE_CTX_new() else { return .untrusted("OpenSSL") }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf.pointer, chain) == 1 else { return .untrusted("OpenSSL") }
        X509_STORE_CTX_set_time(context, 0, time_t(time))
        if X509_verify_cert(context) == 1 { return nil }
        let error = X509_STORE_CTX_get_error(context)
        switch error {
        case X509_V_ERR_CERT_HAS_EXPIRED: return .expiredAtSigning
        case X509_V_ERR_CERT_NOT_YET_VALID: return .notYetValidAtSigning
        default: return .untrusted(String(cString: X509_verify_cert_error_string(Int(error))))
        }
    }
}

public enum Certificates {
    /// The certificates of a PEM text, in order.
    static func pem(_ bytes: [UInt8]) throws -> [X509Box] {
        try XMLSec.start()
        // A memory BIO reads the bytes in place: all reading happens while they are pinned.
        let out = try bytes.withUnsafeBufferPointer { buffer -> [X509Box] in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { throw HosoError("certificate.unreadable") }
            defer { BIO_free(bio) }
            var out: [X509Box] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { out.append(X509Box(certificate)) }
            return out
        }
        // The loop ends on "no more PEM blocks", which OpenSSL records as an error: clear it, and
        // refuse a text in which nothing (or something else than certificates) was found.
        ERR_clear_error()
        guard !out.isEmpty else { throw HosoError("certificate.unreadable") }
        return out
    }

    /// The facts of every certificate in a PEM text.
    public static func read(pem bytes: [UInt8]) throws -> [CertificateFacts] { try pem(bytes).map(\.facts) }
}

/// An opened PKCS#12 file: the private key, its certificate and the CA certificates it carries.
final class PKCS12Bundle {
    let key: OpaquePointer
    let certificate: X509Box
    let chain: [X509Box]

    init(_ bytes: [UInt8], password: String) throws {
        try XMLSec.start()
        let parsed = bytes.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS12(nil, &cursor, buffer.count)
        }
        guard let parsed else {
            ERR_clear_error()
            throw HosoError("keys.unreadable")
        }
        defer { PKCS12_free(parsed) }
        var key: OpaquePointer?
        var certificate: OpaquePointer?
        var cas: OpaquePointer?
        guard PKCS12_parse(parsed, password, &key, &certificate, &cas) == 1, let key, let certificate else {
            ERR_clear_error()
            throw HosoError("keys.wrong_password")
        }
        self.key = key
        self.certificate = X509Box(certificate)
        var chain: [X509Box] = []
        if let cas {
            for index in 0..<OPENSSL_sk_num(cas) {
                if let raw = OPENSSL_sk_value(cas, index) { chain.append(X509Box(OpaquePointer(raw))) }
            }
            OPENSSL_sk_free(cas)
        }
        self.chain = chain
    }

    deinit { EVP_PKEY_free(key) }

    /// The certificate, as PEM, for the key registry.
    var certificatePEM: String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        PEM_write_bio_X509(bio, certificate.pointer)
        var data: UnsafeMutablePointer<CChar>?
        let length = hoso_bio_mem_data(bio, &data)
        guard length > 0, let data else { return "" }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// The same key and certificates, encrypted again under `password` (AES-256, PBKDF2: OpenSSL 3's defaults).
    func export(password: String, name: String) throws -> [UInt8] {
        guard let stack = OPENSSL_sk_new_null() else { throw HosoError("keys.unreadable") }
        defer { OPENSSL_sk_free(stack) }
        for certificate in chain { OPENSSL_sk_push(stack, UnsafeRawPointer(certificate.pointer)) }
        guard let bundle = PKCS12_create(password, name, key, certificate.pointer, stack, 0, 0, 0, 0, 0) else {
            ERR_clear_error()
            throw HosoError("keys.unreadable")
        }
        defer { PKCS12_free(bundle) }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PKCS12(bundle, &out)
        guard length > 0, let out else { throw HosoError("keys.unreadable") }
        defer { hoso_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

public enum Digests {
    /// Lower-case hexadecimal SHA-256 of `bytes` (OpenSSL).
    public static func sha256(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        let done = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_sha256(), nil) }
        // A failed digest matches no document's hash.
        return done == 1 ? hex(digest.prefix(Int(length))) : "digest-failed"
    }
}
