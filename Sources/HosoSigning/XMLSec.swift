// HosoSigning: record manifests and their XML-DSig signatures, through libxml2 and xmlsec1 with
// OpenSSL. This target imports no Foundation (see the ICU clean-build trap in PLATFORM.md) and
// keeps the C libraries behind `internal import`.
internal import CXMLSec
import HosoCore
#if canImport(Glibc)
import Glibc
#endif

/// libxml2 and xmlsec are initialised once per process, before the first document, and never shut
/// down (the process ends instead): their global state is then read-only and each document and
/// context belongs to one call.
enum XMLSec {
    static let ready: Bool = {
        xmlInitParser()
        guard xmlSecInit() == 0, hoso_xmlsec_check_version() == 1 else { return false }
        guard xmlSecOpenSSLAppInit(nil) == 0, xmlSecOpenSSLInit() == 0 else { return false }
        // xmlsec reports failures through their return codes; its diagnostics on stderr would only
        // repeat what the verifier names.
        xmlSecErrorsSetCallback(nil)
        return true
    }()

    static func start() throws {
        guard ready else { throw HosoError("signing.unavailable") }
    }

    static let dsigNamespace = "http://www.w3.org/2000/09/xmldsig#"
    static let manifestNamespace = "urn:hoso:record-manifest:1"

    static let excC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    static let enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    static let xpath = "http://www.w3.org/TR/1999/REC-xpath-19991116"
    static let sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    static let rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    static let ecdsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"

    /// The part of the document signature number `index` (0-based) covers: everything but itself
    /// and the signatures after it, so that each signature also seals the ones before it.
    static func coverage(index: Int) -> String {
        "not(ancestor-or-self::dsig:Signature[count(preceding-sibling::dsig:Signature) >= \(index)])"
    }

    /// Only these algorithms are accepted, whatever a document asks for.
    static func enableProfile(_ context: xmlSecDSigCtxPtr) {
        context.pointee.enabledReferenceUris = xmlSecTransformUriType(xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument)
        for id in [xmlSecTransformExclC14NGetKlass(), xmlSecOpenSSLTransformRsaSha256GetKlass(), xmlSecOpenSSLTransformEcdsaSha256GetKlass()] {
            xmlSecDSigCtxEnableSignatureTransform(context, id)
        }
        for id in [xmlSecTransformEnvelopedGetKlass(), xmlSecTransformXPathGetKlass(), xmlSecTransformExclC14NGetKlass(),
                   xmlSecOpenSSLTransformSha256GetKlass()] {
            xmlSecDSigCtxEnableReferenceTransform(context, id)
        }
    }
}

/// Seconds since the epoch ⇄ `YYYY-MM-DDTHH:MM:SSZ`, without Foundation.
public enum UTCTime {
    public static func format(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    public static func parse(_ text: String) -> Int64? {
        let scalars = Array(text.utf8)
        guard scalars.count == 20, scalars[4] == UInt8(ascii: "-"), scalars[7] == UInt8(ascii: "-"), scalars[10] == UInt8(ascii: "T"),
              scalars[13] == UInt8(ascii: ":"), scalars[16] == UInt8(ascii: ":"), scalars[19] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                let digit = scalars[index]
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int32(digit - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Int64(timegm(&parts))
    }
}

/// Lower-case hexadecimal.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
