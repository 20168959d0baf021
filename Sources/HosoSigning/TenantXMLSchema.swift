internal import CXMLSec
import HosoCore

/// A tenant's XSD for a structured upload (the digital transcript, học bạ số), compiled once, and
/// the check of an uploaded document against it. Both the schema and the document go through the
/// same safe parser as signed manifests (`XMLDocument.parse`): UTF-8 only, any DOCTYPE or ENTITY
/// refused before libxml2 sees the bytes, no network, no entity substitution, a size cap. A schema
/// may not pull in other files (`include`, `import`, `redefine`, `override`): it must stand alone.
/// The server calls this adapter; HosoCore only names the format.
public final class TenantXMLSchema: @unchecked Sendable {
    public static let xsdNamespace = "http://www.w3.org/2001/XMLSchema"
    /// Largest schema accepted from a tenant.
    public static let maxSchemaBytes = 1 << 20
    /// Largest document checked (a transcript of a whole school year is well under 1 MB).
    public static let maxDocumentBytes = 16 << 20

    let schema: xmlSchemaPtr
    /// The parsed schema document, kept alive as long as the compiled schema that was built from it.
    let document: XMLDocument
    public let targetNamespace: String

    public init(xsd: [UInt8]) throws {
        let document: XMLDocument
        do { document = try XMLDocument.parse(xsd, limit: Self.maxSchemaBytes) } catch let error as HosoError {
            throw HosoError("xml_schema.unreadable", ["detail": error.code])
        }
        guard let root = document.root, XMLNode.isElement(root, "schema", Self.xsdNamespace) else {
            throw HosoError("xml_schema.unreadable", ["detail": "no xs:schema root"])
        }
        guard let namespace = XMLNode.attribute(root, "targetNamespace"), !namespace.isEmpty else {
            throw HosoError("xml_schema.no_namespace")
        }
        if let name = Self.externalReference(root) {
            throw HosoError("xml_schema.external_reference", ["element": name])
        }
        guard let context = xmlSchemaNewDocParserCtxt(document.pointer) else {
            throw HosoError("xml_schema.unreadable", ["detail": "context"])
        }
        defer { xmlSchemaFreeParserCtxt(context) }
        xmlSchemaSetParserStructuredErrors(context, { _, _ in }, nil)
        guard let schema = xmlSchemaParse(context) else {
            throw HosoError("xml_schema.unreadable", ["detail": "compile"])
        }
        self.schema = schema
        self.document = document
        self.targetNamespace = namespace
    }

    deinit { xmlSchemaFree(schema) }

    /// The first `include`, `import`, `redefine` or `override` element of the schema, anywhere in it.
    static func externalReference(_ node: xmlNodePtr) -> String? {
        for child in XMLNode.elements(node) {
            let name = XMLNode.name(child)
            if XMLNode.namespace(child) == xsdNamespace, ["include", "import", "redefine", "override"].contains(name) {
                return name
            }
            if let found = externalReference(child) { return found }
        }
        return nil
    }

    /// Checks an uploaded document; each refusal has a stable code:
    /// `xml_upload.too_large`, `.empty`, `.encoding`, `.entity`, `.doctype`, `.malformed`, `.namespace`, `.invalid`.
    public func validate(_ bytes: [UInt8]) throws {
        guard bytes.count <= Self.maxDocumentBytes else {
            throw HosoError("xml_upload.too_large", ["limit": String(Self.maxDocumentBytes >> 20)])
        }
        // Named apart from DOCTYPE so that the refusal says what was found (both are refused).
        if XMLDocument.contains(bytes, "<!ENTITY") { throw HosoError("xml_upload.entity") }
        let document: XMLDocument
        do { document = try XMLDocument.parse(bytes, limit: Self.maxDocumentBytes) } catch let error as HosoError {
            switch error.code {
            case "xml.doctype": throw HosoError("xml_upload.doctype")
            case "xml.encoding": throw HosoError("xml_upload.encoding")
            case "xml.empty": throw HosoError("xml_upload.empty")
            case "xml.too_large":
                throw HosoError("xml_upload.too_large", ["limit": String(Self.maxDocumentBytes >> 20)])
            default: throw HosoError("xml_upload.malformed", ["detail": error.parameters["detail"] ?? ""])
            }
        }
        guard let root = document.root else { throw HosoError("xml_upload.malformed", ["detail": "no root element"]) }
        let found = XMLNode.namespace(root) ?? ""
        guard found == targetNamespace else {
            throw HosoError(
                "xml_upload.namespace", ["expected": targetNamespace, "found": found.isEmpty ? "-" : found])
        }
        guard let context = xmlSchemaNewValidCtxt(schema) else {
            throw HosoError("xml_schema.unreadable", ["detail": "context"])
        }
        defer { xmlSchemaFreeValidCtxt(context) }
        final class FirstError { var message: String? }
        let first = FirstError()
        let box = Unmanaged.passRetained(first)
        defer { box.release() }
        xmlSchemaSetValidStructuredErrors(
            context,
            { user, error in
                guard let user, let error else { return }
                let first = Unmanaged<FirstError>.fromOpaque(user).takeUnretainedValue()
                if first.message == nil {
                    let text = error.pointee.message.map { String(cString: $0) } ?? ""
                    first.message =
                        (error.pointee.line > 0 ? "line \(error.pointee.line): " : "") + XMLDocument.trimmed(text)
                }
            }, box.toOpaque())
        guard xmlSchemaValidateDoc(context, document.pointer) == 0 else {
            throw HosoError("xml_upload.invalid", ["detail": String((first.message ?? "invalid").prefix(300))])
        }
    }
}
