internal import CXMLSec
import HosoCore

/// The record manifest's XSD, compiled once. A compiled schema is read-only, so validations may
/// run at once on several threads, each with its own validation context.
public final class ManifestSchema: @unchecked Sendable {
    let schema: xmlSchemaPtr

    public init(xsd: [UInt8]) throws {
        try XMLSec.start()
        // The parser reads the bytes in place: everything happens while they are pinned (an
        // optimised build may free the array right after its last use).
        self.schema = try xsd.withUnsafeBufferPointer { buffer -> xmlSchemaPtr in
            let context = buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlSchemaNewMemParserCtxt($0, Int32(buffer.count))
            }
            guard let context else { throw HosoError("manifest.schema_unreadable") }
            defer { xmlSchemaFreeParserCtxt(context) }
            xmlSchemaSetParserStructuredErrors(context, { _, _ in }, nil)
            guard let schema = xmlSchemaParse(context) else { throw HosoError("manifest.schema_unreadable") }
            return schema
        }
    }

    deinit { xmlSchemaFree(schema) }

    /// Validates a whole document, or one element against the schema's global declarations.
    func validate(_ document: XMLDocument, element: xmlNodePtr? = nil) throws {
        guard let context = xmlSchemaNewValidCtxt(schema) else { throw HosoError("manifest.schema_unreadable") }
        defer { xmlSchemaFreeValidCtxt(context) }
        final class FirstError { var message: String? }
        let first = FirstError()
        let box = Unmanaged.passRetained(first)
        defer { box.release() }
        xmlSchemaSetValidStructuredErrors(context, { user, error in
            guard let user, let error else { return }
            let first = Unmanaged<FirstError>.fromOpaque(user).takeUnretainedValue()
            if first.message == nil {
                let text = error.pointee.message.map { String(cString: $0) } ?? ""
                first.message = (error.pointee.line > 0 ? "line \(error.pointee.line): " : "") + XMLDocument.trimmed(text)
            }
        }, box.toOpaque())
        let result = element.map { xmlSchemaValidateOneElement(context, $0) } ?? xmlSchemaValidateDoc(context, document.pointer)
        guard result == 0 else { throw HosoError("manifest.schema", ["detail": first.message ?? "invalid"]) }
    }
}

/// The manifest as XML: written from a `RecordManifest`, read back after validation.
public enum ManifestXML {
    /// A new manifest without signatures.
    public static func build(_ manifest: RecordManifest) throws -> [UInt8] {
        try XMLSec.start()
        let document = XMLDocument(xmlNewDoc("1.0"))
        let root = xmlNewDocNode(document.pointer, nil, "RecordManifest", nil)!
        xmlDocSetRootElement(document.pointer, root)
        let ns = xmlNewNs(root, XMLSec.manifestNamespace, nil)
        xmlSetNs(root, ns)
        xmlNewProp(root, "version", "1")
        XMLNode.add(root, ns, "Tenant", text: manifest.tenant.name, ["code": manifest.tenant.code])
        XMLNode.add(root, ns, "Unit", text: manifest.unit.name, ["code": manifest.unit.code])
        XMLNode.add(root, ns, "RecordType", text: manifest.recordType.name, ["code": manifest.recordType.code])
        let period = manifest.period
        XMLNode.add(root, ns, "Period", ["schoolYear": period.schoolYear, "kind": period.kind, "number": String(period.number),
                                        "first": period.first, "last": period.last])
        XMLNode.add(root, ns, "Version", ["obligation": String(manifest.obligationID), "number": String(manifest.version)])
        // One Document element per document, the first one first (a manifest of one document is
        // exactly as it was before versions could hold several).
        for document_ in manifest.documents {
            XMLNode.add(root, ns, "Document", ["sha256": document_.sha256, "size": String(document_.size),
                                              "mediaType": document_.mediaType, "filename": document_.filename])
        }
        let submitted = manifest.submitted
        XMLNode.add(root, ns, "Submitted", text: submitted.name, ["login": submitted.login, "role": submitted.role,
                                                                  "at": UTCTime.format(submitted.at)])
        let seal = manifest.sealRequired ? "true" : "false"
        let chain = manifest.submissionSignatureRequired
            ? XMLNode.add(root, ns, "Chain", ["seal": seal, "submission": "required"])
            : XMLNode.add(root, ns, "Chain", ["seal": seal])
        for (index, step) in manifest.chain.enumerated() {
            let element = XMLNode.add(chain, ns, "Step", ["number": String(index + 1), "role": step.role,
                                                         "signature": step.signatureRequired ? "required" : "optional"])
            // Every subject teacher of the class signs this step: each is named.
            for login in step.signers { XMLNode.add(element, ns, "Signer", ["login": login]) }
        }
        XMLNode.add(root, ns, "IssuedAt", text: UTCTime.format(manifest.issuedAt))
        return document.serialize()
    }

    /// Reads and validates a manifest (signatures are left to the verifier).
    public static func read(_ bytes: [UInt8], schema: ManifestSchema) throws -> RecordManifest {
        let document = try XMLDocument.parse(bytes)
        try schema.validate(document)
        return try read(document)
    }

    static func read(_ document: XMLDocument) throws -> RecordManifest {
        guard let root = document.root, XMLNode.isElement(root, "RecordManifest", XMLSec.manifestNamespace) else {
            throw HosoError("manifest.schema", ["detail": "RecordManifest"])
        }
        var byName: [String: xmlNodePtr] = [:]
        for child in XMLNode.elements(root) where XMLNode.namespace(child) == XMLSec.manifestNamespace {
            byName[XMLNode.name(child)] = child
        }
        func node(_ name: String) throws -> xmlNodePtr {
            guard let node = byName[name] else { throw HosoError("manifest.schema", ["detail": name]) }
            return node
        }
        func attribute(_ node: xmlNodePtr, _ name: String) throws -> String {
            guard let value = XMLNode.attribute(node, name) else { throw HosoError("manifest.schema", ["detail": name]) }
            return value
        }
        func party(_ name: String) throws -> RecordManifest.Party {
            let element = try node(name)
            return .init(code: try attribute(element, "code"), name: XMLNode.text(element))
        }
        func number(_ text: String) throws -> Int64 {
            guard let value = Int64(text) else { throw HosoError("manifest.schema", ["detail": text]) }
            return value
        }
        func time(_ text: String) throws -> Int64 {
            guard let value = UTCTime.parse(text) else { throw HosoError("manifest.schema", ["detail": text]) }
            return value
        }
        let period = try node("Period")
        let version = try node("Version")
        let documents = try XMLNode.elements(root).filter { XMLNode.isElement($0, "Document", XMLSec.manifestNamespace) }.map {
            RecordManifest.Document(sha256: try attribute($0, "sha256"), size: try number(try attribute($0, "size")),
                                    mediaType: try attribute($0, "mediaType"), filename: try attribute($0, "filename"))
        }
        guard let document_ = documents.first else { throw HosoError("manifest.schema", ["detail": "Document"]) }
        let submitted = try node("Submitted")
        let chain = try node("Chain")
        let steps = try XMLNode.elements(chain).map { step in
            RecordManifest.Step(role: try attribute(step, "role"),
                                signatureRequired: try attribute(step, "signature") == "required",
                                signers: try XMLNode.elements(step).map { try attribute($0, "login") })
        }
        return RecordManifest(
            tenant: try party("Tenant"), unit: try party("Unit"), recordType: try party("RecordType"),
            period: .init(schoolYear: try attribute(period, "schoolYear"), kind: try attribute(period, "kind"),
                          number: Int(try number(try attribute(period, "number"))), first: try attribute(period, "first"),
                          last: try attribute(period, "last")),
            obligationID: try number(try attribute(version, "obligation")), version: Int(try number(try attribute(version, "number"))),
            document: document_,
            submitted: .init(login: try attribute(submitted, "login"), name: XMLNode.text(submitted), role: try attribute(submitted, "role"),
                             at: try time(try attribute(submitted, "at"))),
            chain: steps, sealRequired: try attribute(chain, "seal") == "true", issuedAt: try time(XMLNode.text(try node("IssuedAt"))),
            moreDocuments: Array(documents.dropFirst()),
            submissionSignatureRequired: XMLNode.attribute(chain, "submission") == "required")
    }

    /// The signature elements directly under the root, in document order.
    static func signatures(_ document: XMLDocument) -> [xmlNodePtr] {
        guard let root = document.root else { return [] }
        return XMLNode.elements(root).filter { XMLNode.isElement($0, "Signature", XMLSec.dsigNamespace) }
    }
}
