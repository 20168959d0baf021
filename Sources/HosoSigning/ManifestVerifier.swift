internal import CXMLSec
import HosoCore
#if canImport(Glibc)
import Glibc
#endif

/// A manifest read and its signatures checked, one by one.
public struct ManifestCheck: Sendable {
    public let manifest: RecordManifest
    public let evidence: [SignatureEvidence]
    /// Each signature's SignatureValue (base64, whitespace removed), in order: a resubmitted
    /// manifest must carry the earlier signatures unchanged.
    public let signatureValues: [String]
}

extension ManifestSignatures {
    // MARK: - Verification

    /// Reads a manifest that may come from anywhere and checks every signature: its profile, its
    /// references (the manifest and earlier signatures; its own properties), its value under the
    /// certificate's key, and the certificate's chain to `roots` at the signing time it claims.
    /// A document that is not a well-formed, valid manifest is refused with the reason.
    public static func verify(_ bytes: [UInt8], roots: TrustRoots, schema: ManifestSchema) throws -> ManifestCheck {
        let document = try XMLDocument.parse(bytes)
        try schema.validate(document)
        let manifest = try ManifestXML.read(document)
        var evidence: [SignatureEvidence] = []
        var values: [String] = []
        for (index, signature) in ManifestXML.signatures(document).enumerated() {
            let checked = check(document, signature, index: index, roots: roots, schema: schema)
            evidence.append(checked.evidence)
            values.append(checked.value)
        }
        return ManifestCheck(manifest: manifest, evidence: evidence, signatureValues: values)
    }

    struct Profile {
        let id: String
        let algorithm: String
        let approval: xmlNodePtr
        let certificates: [xmlNodePtr]
        let value: String
    }

    static func check(_ document: XMLDocument, _ signature: xmlNodePtr, index: Int, roots: TrustRoots,
                      schema: ManifestSchema) -> (evidence: SignatureEvidence, value: String) {
        let id = XMLNode.attribute(signature, "Id") ?? ""
        let profile: Profile
        do {
            profile = try self.profile(document, signature, index: index)
        } catch let error as HosoError {
            return (SignatureEvidence(index: index, id: id, claim: nil, certificate: nil, algorithm: "", cryptographic: .profile(error.parameters["detail"] ?? error.code), chain: nil), "")
        } catch {
            return (SignatureEvidence(index: index, id: id, claim: nil, certificate: nil, algorithm: "", cryptographic: .profile("?"), chain: nil), "")
        }
        func evidence(claim: SignatureClaim?, certificate: CertificateFacts?, cryptographic: SignatureProblem?, chain: SignatureProblem?) -> (SignatureEvidence, String) {
            (SignatureEvidence(index: index, id: id, claim: claim, certificate: certificate, algorithm: profile.algorithm,
                               cryptographic: cryptographic, chain: chain), profile.value)
        }
        let claim = try? self.claim(document, profile.approval, schema: schema)
        let certificates = profile.certificates.compactMap { X509Box.der(base64(XMLNode.text($0))) }
        guard claim != nil else { return evidence(claim: nil, certificate: nil, cryptographic: .profile("Approval"), chain: nil) }
        guard let leaf = self.leaf(certificates) else { return evidence(claim: claim, certificate: nil, cryptographic: .noCertificate, chain: nil) }
        let cryptographic = verifyValue(document, signature, leaf: leaf)
        let chain = roots.check(leaf, intermediates: certificates.filter { $0 !== leaf }, at: claim!.signingTime)
        return evidence(claim: claim, certificate: leaf.facts, cryptographic: cryptographic, chain: chain)
    }

    /// The signature follows Hoso's profile exactly; anything else is named and refused, so that no
    /// signature can cover less than the manifest and the signatures before it.
    static func profile(_ document: XMLDocument, _ signature: xmlNodePtr, index: Int) throws -> Profile {
        func fail(_ detail: String) -> HosoError { HosoError("signature.profile", ["detail": detail]) }
        func algorithm(_ node: xmlNodePtr?) -> String? { node.flatMap { XMLNode.attribute($0, "Algorithm") } }
        let dsig = XMLSec.dsigNamespace
        guard let id = XMLNode.attribute(signature, "Id"), id == "sig-\(index + 1)" else { throw fail("Signature/@Id") }
        let parts = XMLNode.elements(signature)
        guard parts.count == 4, XMLNode.isElement(parts[0], "SignedInfo", dsig), XMLNode.isElement(parts[1], "SignatureValue", dsig),
              XMLNode.isElement(parts[2], "KeyInfo", dsig), XMLNode.isElement(parts[3], "Object", dsig) else { throw fail("Signature") }
        let info = XMLNode.elements(parts[0])
        guard info.count == 4, XMLNode.isElement(info[0], "CanonicalizationMethod", dsig), algorithm(info[0]) == XMLSec.excC14N
        else { throw fail("CanonicalizationMethod") }
        guard XMLNode.isElement(info[1], "SignatureMethod", dsig), let method = algorithm(info[1]),
              method == XMLSec.rsaSHA256 || method == XMLSec.ecdsaSHA256 else { throw fail("SignatureMethod") }
        func reference(_ node: xmlNodePtr, uri: String, transforms: [String]) throws -> [xmlNodePtr] {
            guard XMLNode.isElement(node, "Reference", dsig), XMLNode.attribute(node, "URI") == uri else { throw fail("Reference " + uri) }
            let children = XMLNode.elements(node)
            guard children.count == 3, XMLNode.isElement(children[0], "Transforms", dsig), XMLNode.isElement(children[1], "DigestMethod", dsig),
                  algorithm(children[1]) == XMLSec.sha256, XMLNode.isElement(children[2], "DigestValue", dsig) else { throw fail("Reference " + uri) }
            let steps = XMLNode.elements(children[0])
            guard steps.map({ algorithm($0) ?? "" }) == transforms else { throw fail("Transforms " + uri) }
            return steps
        }
        let propertiesID = "props-\(index + 1)"
        let steps = try reference(info[2], uri: "", transforms: [XMLSec.enveloped, XMLSec.xpath, XMLSec.excC14N])
        let xpath = XMLNode.elements(steps[1])
        guard xpath.count == 1, XMLNode.isElement(xpath[0], "XPath", dsig), XMLNode.text(xpath[0]) == XMLSec.coverage(index: index)
        else { throw fail("XPath") }
        _ = try reference(info[3], uri: "#" + propertiesID, transforms: [XMLSec.excC14N])
        // The certificates, and the signed properties inside this very signature (an Id used
        // twice in the document could point the reference elsewhere).
        guard count(document.root, id: propertiesID) == 1 else { throw fail("Id " + propertiesID) }
        let x509 = XMLNode.elements(parts[2]).filter { XMLNode.isElement($0, "X509Data", dsig) }
        let certificates = x509.flatMap { XMLNode.elements($0).filter { XMLNode.isElement($0, "X509Certificate", dsig) } }
        let objects = XMLNode.elements(parts[3])
        guard objects.count == 1, XMLNode.isElement(objects[0], "SignatureProperties", dsig), XMLNode.attribute(objects[0], "Id") == propertiesID,
              let property = XMLNode.elements(objects[0]).first, XMLNode.elements(objects[0]).count == 1,
              XMLNode.isElement(property, "SignatureProperty", dsig), XMLNode.attribute(property, "Target") == "#" + id,
              let approval = XMLNode.elements(property).first, XMLNode.elements(property).count == 1,
              XMLNode.isElement(approval, "Approval", XMLSec.manifestNamespace)
        else { throw fail("SignatureProperties") }
        let value = XMLNode.text(parts[1]).filter { !$0.isWhitespace }
        return Profile(id: id, algorithm: method == XMLSec.rsaSHA256 ? "RSA-SHA256" : "ECDSA-SHA256", approval: approval,
                       certificates: certificates, value: value)
    }

    static func count(_ node: xmlNodePtr?, id: String) -> Int {
        guard let node else { return 0 }
        var total = XMLNode.attribute(node, "Id") == id ? 1 : 0
        for child in XMLNode.elements(node) { total += count(child, id: id) }
        return total
    }

    static func claim(_ document: XMLDocument, _ approval: xmlNodePtr, schema: ManifestSchema) throws -> SignatureClaim {
        try schema.validate(document, element: approval)
        let children = XMLNode.elements(approval)
        guard let kind = XMLNode.attribute(approval, "kind").flatMap(SignatureClaim.Kind.init(rawValue:)),
              let step = XMLNode.attribute(approval, "step").flatMap({ Int($0) }),
              let role = XMLNode.attribute(approval, "role"), let signer = XMLNode.attribute(approval, "signer"),
              let name = XMLNode.attribute(approval, "signerName"),
              let time = children.first.flatMap({ UTCTime.parse(XMLNode.text($0)) })
        else { throw HosoError("signature.profile", ["detail": "Approval"]) }
        let prior = try children.dropFirst().map { node -> SignatureClaim.Prior in
            guard let step = XMLNode.attribute(node, "step").flatMap({ Int($0) }), let role = XMLNode.attribute(node, "role"),
                  let at = XMLNode.attribute(node, "at").flatMap(UTCTime.parse) else { throw HosoError("signature.profile", ["detail": "Prior"]) }
            return .init(step: step, role: role, name: XMLNode.text(node), at: at, signed: XMLNode.attribute(node, "signed") == "true")
        }
        return SignatureClaim(kind: kind, step: step, role: role, signer: signer, signerName: name, signingTime: time, prior: prior)
    }

    /// The signer's certificate: the one that issued none of the others.
    static func leaf(_ certificates: [X509Box]) -> X509Box? {
        certificates.first { candidate in
            !certificates.contains { other in other !== candidate && X509_check_issued(candidate.pointer, other.pointer) == X509_V_OK }
        }
    }

    /// Checks the references and the signature value with the leaf certificate's public key (the
    /// key is given, never looked up, so nothing in the document can choose another one).
    static func verifyValue(_ document: XMLDocument, _ signature: xmlNodePtr, leaf: X509Box) -> SignatureProblem? {
        guard let context = xmlSecDSigCtxCreate(nil) else { return .profile("xmlsec") }
        defer { xmlSecDSigCtxDestroy(context) }
        XMLSec.enableProfile(context)
        guard let publicKey = X509_get_pubkey(leaf.pointer) else { return .noCertificate }
        guard let data = xmlSecOpenSSLEvpKeyAdopt(publicKey) else {
            EVP_PKEY_free(publicKey)
            return .noCertificate
        }
        guard let key = xmlSecKeyCreate() else {
            xmlSecKeyDataDestroy(data)
            return .profile("xmlsec")
        }
        guard xmlSecKeySetValue(key, data) == 0 else {
            xmlSecKeyDataDestroy(data)
            xmlSecKeyDestroy(key)
            return .profile("xmlsec")
        }
        context.pointee.signKey = key
        guard xmlSecDSigCtxVerify(context, signature) == 0 else { return .profile("xmlsec") }
        if context.pointee.status == xmlSecDSigStatusSucceeded { return nil }
        // References are checked in order and the first that fails stops the check.
        let references = withUnsafeMutablePointer(to: &context.pointee.signedInfoReferences) { list in
            (0..<xmlSecPtrListGetSize(list)).compactMap { xmlSecPtrListGetItem(list, $0)?.assumingMemoryBound(to: xmlSecDSigReferenceCtx.self) }
        }
        if let failed = references.first(where: { $0.pointee.status != xmlSecDSigStatusSucceeded }) {
            let uri = failed.pointee.uri.map { String(cString: $0) } ?? ""
            return uri.isEmpty ? .contentChanged : .propertiesChanged
        }
        return .signatureValue
    }

    /// Base64 (whitespace allowed) to bytes; an invalid text gives no bytes.
    static func base64(_ text: String) -> [UInt8] {
        let clean = Array(text.utf8.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 })
        guard !clean.isEmpty, clean.count % 4 == 0 else { return [] }
        var out = [UInt8](repeating: 0, count: clean.count / 4 * 3)
        let length = clean.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { EVP_DecodeBlock($0.baseAddress, input.baseAddress, Int32(clean.count)) }
        }
        guard length >= 0 else { return [] }
        let padding = clean.suffix(2).filter { $0 == UInt8(ascii: "=") }.count
        return Array(out.prefix(Int(length) - padding))
    }
}
