internal import CXMLSec
import HosoCore

/// Adding signatures to manifests and checking them. Every signature follows one profile, which
/// the verifier insists on: enveloped, exclusive C14N, SHA-256 digests, RSA-SHA256 or
/// ECDSA-P256-SHA256, the signer's certificate in KeyInfo, and two references: the manifest with
/// every earlier signature (`URI=""`, enveloped + XPath + exc-C14N), and its own signed properties
/// (`#props-N`: who, which step and role, when, and the approvals before it).
public enum ManifestSignatures {
    // MARK: - Signing

    /// The manifest with one more signature, made with the key and certificate of a PKCS#12 file.
    public static func sign(_ manifest: [UInt8], pkcs12: [UInt8], password: String, claim: SignatureClaim,
                            schema: ManifestSchema) throws -> [UInt8] {
        let bundle = try PKCS12Bundle(pkcs12, password: password)
        let document = try XMLDocument.parse(manifest)
        try schema.validate(document)
        _ = try ManifestXML.read(document)
        let index = ManifestXML.signatures(document).count
        let signature = try template(document, index: index, keyAlgorithm: bundle.certificate.facts.keyAlgorithm, claim: claim, schema: schema)

        guard let context = xmlSecDSigCtxCreate(nil) else { throw HosoError("signing.failed") }
        defer { xmlSecDSigCtxDestroy(context) }
        XMLSec.enableProfile(context)
        guard let key = try makeKey(bundle) else { throw HosoError("signing.failed") }
        context.pointee.signKey = key
        guard xmlSecDSigCtxSign(context, signature) == 0 else { throw HosoError("signing.failed") }
        return document.serialize()
    }

    /// The manifest with an unsigned signature template for `claim` appended, for a signer who
    /// signs outside Hoso (a token's tool, or `xmlsec1 --sign`) and hands the result back.
    public static func template(_ manifest: [UInt8], keyAlgorithm: String, claim: SignatureClaim, schema: ManifestSchema) throws -> [UInt8] {
        let document = try XMLDocument.parse(manifest)
        try schema.validate(document)
        _ = try ManifestXML.read(document)
        _ = try template(document, index: ManifestXML.signatures(document).count, keyAlgorithm: keyAlgorithm, claim: claim, schema: schema)
        return document.serialize()
    }

    static func template(_ document: XMLDocument, index: Int, keyAlgorithm: String, claim: SignatureClaim,
                         schema: ManifestSchema) throws -> xmlNodePtr {
        let method: xmlSecTransformId = switch keyAlgorithm {
        case "RSA": xmlSecOpenSSLTransformRsaSha256GetKlass()
        case "EC": xmlSecOpenSSLTransformEcdsaSha256GetKlass()
        default: throw HosoError("keys.algorithm", ["algorithm": keyAlgorithm])
        }
        let id = "sig-\(index + 1)"
        let propertiesID = "props-\(index + 1)"
        guard let root = document.root,
              let signature = xmlSecTmplSignatureCreateNsPref(document.pointer, xmlSecTransformExclC14NGetKlass(), method, id, "ds")
        else { throw HosoError("signing.failed") }
        xmlAddChild(root, signature)
        guard let whole = xmlSecTmplSignatureAddReference(signature, xmlSecOpenSSLTransformSha256GetKlass(), nil, "", nil),
              xmlSecTmplReferenceAddTransform(whole, xmlSecTransformEnvelopedGetKlass()) != nil,
              let xpath = xmlSecTmplReferenceAddTransform(whole, xmlSecTransformXPathGetKlass()),
              xmlSecTmplReferenceAddTransform(whole, xmlSecTransformExclC14NGetKlass()) != nil,
              let own = xmlSecTmplSignatureAddReference(signature, xmlSecOpenSSLTransformSha256GetKlass(), nil, "#" + propertiesID, nil),
              xmlSecTmplReferenceAddTransform(own, xmlSecTransformExclC14NGetKlass()) != nil,
              let keyInfo = xmlSecTmplSignatureEnsureKeyInfo(signature, nil),
              let x509 = xmlSecTmplKeyInfoAddX509Data(keyInfo),
              xmlSecTmplX509DataAddCertificate(x509) != nil,
              let object = xmlSecTmplSignatureAddObject(signature, nil, nil, nil)
        else { throw HosoError("signing.failed") }
        let strings = [xmlStrdup("dsig"), xmlStrdup(XMLSec.dsigNamespace)]
        defer { for pointer in strings { hoso_xml_free(pointer) } }
        var prefixes: [UnsafePointer<xmlChar>?] = strings.map { $0.map { UnsafePointer($0) } } + [nil]
        guard prefixes.withUnsafeMutableBufferPointer({ xmlSecTmplTransformAddXPath(xpath, XMLSec.coverage(index: index), $0.baseAddress) }) == 0
        else { throw HosoError("signing.failed") }

        let dsig = signature.pointee.ns
        let properties = XMLNode.add(object, dsig, "SignatureProperties", ["Id": propertiesID])
        let property = XMLNode.add(properties, dsig, "SignatureProperty", ["Target": "#" + id])
        let approval = xmlNewChild(property, nil, "Approval", nil)!
        let ns = xmlNewNs(approval, XMLSec.manifestNamespace, nil)
        xmlSetNs(approval, ns)
        for (name, value) in [("kind", claim.kind.rawValue), ("step", String(claim.step)), ("role", claim.role), ("signer", claim.signer),
                              ("signerName", claim.signerName)] {
            xmlNewProp(approval, name, value)
        }
        XMLNode.add(approval, ns, "SigningTime", text: UTCTime.format(claim.signingTime))
        for prior in claim.prior {
            XMLNode.add(approval, ns, "Prior", text: prior.name, ["step": String(prior.step), "role": prior.role,
                                                                 "at": UTCTime.format(prior.at), "signed": prior.signed ? "true" : "false"])
        }
        try schema.validate(document, element: approval)
        // The properties are found by their Id while signing.
        let idName = xmlStrdup("Id")
        defer { hoso_xml_free(idName) }
        var ids: [UnsafePointer<xmlChar>?] = [idName.map { UnsafePointer($0) }, nil]
        ids.withUnsafeMutableBufferPointer { xmlSecAddIDs(document.pointer, signature, $0.baseAddress) }
        return signature
    }

    /// An xmlsec key holding the bundle's private key and its certificate (written into KeyInfo).
    static func makeKey(_ bundle: PKCS12Bundle) throws -> xmlSecKeyPtr? {
        guard EVP_PKEY_up_ref(bundle.key) == 1, let data = xmlSecOpenSSLEvpKeyAdopt(bundle.key) else { return nil }
        guard let key = xmlSecKeyCreate() else {
            xmlSecKeyDataDestroy(data)
            return nil
        }
        guard xmlSecKeySetValue(key, data) == 0 else {
            xmlSecKeyDataDestroy(data)
            xmlSecKeyDestroy(key)
            return nil
        }
        guard let x509 = xmlSecKeyEnsureData(key, xmlSecOpenSSLKeyDataX509GetKlass()),
              let keyCert = X509_dup(bundle.certificate.pointer), xmlSecOpenSSLKeyDataX509AdoptKeyCert(x509, keyCert) == 0,
              let listed = X509_dup(bundle.certificate.pointer), xmlSecOpenSSLKeyDataX509AdoptCert(x509, listed) == 0
        else {
            xmlSecKeyDestroy(key)
            return nil
        }
        return key
    }
}
