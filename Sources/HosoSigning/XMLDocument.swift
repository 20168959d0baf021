internal import CXMLSec
import HosoCore

/// One parsed XML document, freed with its owner. Used by one call at a time.
final class XMLDocument {
    let pointer: xmlDocPtr

    init(_ pointer: xmlDocPtr) { self.pointer = pointer }
    deinit { xmlFreeDoc(pointer) }

    /// Largest manifest accepted from outside (a manifest with a full approval chain is ~30 KB).
    static let maxBytes = 2 << 20

    /// Parses XML that may come from outside: no network, no DTD, no entities (so no external
    /// entity can be read and no "billion laughs" can be expanded), UTF-8 only. A document that
    /// declares a DOCTYPE is refused before it reaches the parser.
    /// `limit`: the largest document accepted (a manifest by default; a tenant's structured upload may
    /// be larger, see `TenantXMLSchema`).
    static func parse(_ bytes: [UInt8], limit: Int = maxBytes) throws -> XMLDocument {
        try XMLSec.start()
        guard !bytes.isEmpty else { throw HosoError("xml.empty") }
        guard bytes.count <= limit else { throw HosoError("xml.too_large", ["limit": String(limit >> 20) + " MB"]) }
        // UTF-16 or UTF-32 (a BOM or a NUL byte) could hide a DOCTYPE from the scan below.
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.contains(0) {
            throw HosoError("xml.encoding")
        }
        if contains(bytes, "<!DOCTYPE") || contains(bytes, "<!ENTITY") { throw HosoError("xml.doctype") }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlReadMemory($0, Int32(buffer.count), "manifest.xml", "UTF-8", options)
            }
        }
        guard let document else {
            let message = xmlGetLastError().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? ""
            xmlResetLastError()
            throw HosoError("xml.malformed", ["detail": trimmed(message)])
        }
        let parsed = XMLDocument(document)
        if document.pointee.intSubset != nil || document.pointee.extSubset != nil { throw HosoError("xml.doctype") }
        guard parsed.root != nil else { throw HosoError("xml.malformed", ["detail": "no root element"]) }
        return parsed
    }

    static func contains(_ bytes: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard bytes.count >= pattern.count else { return false }
        var index = 0
        while index + pattern.count <= bytes.count {
            if bytes[index] == pattern[0], Array(bytes[index..<(index + pattern.count)]) == pattern { return true }
            index += 1
        }
        return false
    }

    static func trimmed(_ message: String) -> String {
        var text = message
        while let last = text.last, last == "\n" || last == " " { text.removeLast() }
        return text
    }

    var root: xmlNodePtr? { xmlDocGetRootElement(pointer) }

    /// The document as UTF-8 bytes, with its XML declaration.
    func serialize() -> [UInt8] {
        var memory: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        xmlDocDumpMemoryEnc(pointer, &memory, &size, "UTF-8")
        guard let memory else { return [] }
        defer { hoso_xml_free(memory) }
        return Array(UnsafeBufferPointer(start: memory, count: Int(size)))
    }
}

/// Small, safe walks over libxml2 nodes.
enum XMLNode {
    static func isElement(_ node: xmlNodePtr, _ name: String, _ namespace: String) -> Bool {
        node.pointee.type == XML_ELEMENT_NODE && self.name(node) == name && self.namespace(node) == namespace
    }

    static func name(_ node: xmlNodePtr) -> String { node.pointee.name.map { String(cString: $0) } ?? "" }

    static func namespace(_ node: xmlNodePtr) -> String? { node.pointee.ns?.pointee.href.map { String(cString: $0) } }

    static func elements(_ node: xmlNodePtr) -> [xmlNodePtr] {
        var out: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { out.append(current) }
            child = current.pointee.next
        }
        return out
    }

    static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { hoso_xml_free(value) }
        return String(cString: value)
    }

    static func text(_ node: xmlNodePtr) -> String {
        guard let value = xmlNodeGetContent(node) else { return "" }
        defer { hoso_xml_free(value) }
        return String(cString: value)
    }

    @discardableResult
    static func add(_ parent: xmlNodePtr, _ namespace: xmlNsPtr?, _ name: String, text: String? = nil,
                    _ attributes: KeyValuePairs<String, String> = [:]) -> xmlNodePtr {
        let node = xmlNewTextChild(parent, namespace, name, text)!
        for (key, value) in attributes { xmlNewProp(node, key, value) }
        return node
    }
}
