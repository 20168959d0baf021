import HosoCore
import HosoSigning
import HosoStore
import Hummingbird

/// Structured uploads and the declared size. An XML document (the digital transcript) is accepted
/// only where the rule-set lists `xml`, and only once it validates against the schema the tenant
/// supplied (`TenantXMLSchema`, the signatures' safe parser); it is checked while still staged, so
/// a refused file never enters the store. An upload whose declared length already passes the
/// type's limit is refused before a byte of its body is read.
extension Uploads {
    /// Room for the multipart framing and the form's small fields around the file.
    static let formOverhead: Int64 = 64 * 1024

    /// Refuses a body whose `Content-Length` says it is larger than the record type allows.
    /// `single`: a form that carries one document only (a paper copy's scan): its bound is one
    /// document's.
    static func refuseDeclaredSize(_ request: Request, type: RecordType, multipart: Bool, single: Bool = false) throws {
        guard let raw = request.headers[.contentLength], let declared = Int64(raw) else { return }
        if multipart, single, declared > type.maxBytes + formOverhead {
            throw HosoError("upload.too_large", ["limit": String(type.maxBytes / 1024 / 1024)])
        }
        // A form may carry several documents of one version (`DocumentSet`): its bound is the set's.
        if multipart, declared > DocumentSet.maxTotalBytes(type) + formOverhead {
            throw HosoError("upload.total_too_large", ["limit": String(DocumentSet.maxTotalBytes(type) / 1024 / 1024)])
        }
        if !multipart, declared > type.maxBytes {
            throw HosoError("upload.too_large", ["limit": String(type.maxBytes / 1024 / 1024)])
        }
    }

    /// The schema for a type's XML uploads, when the type accepts XML (nil otherwise, or when the
    /// tenant supplied none: an XML file is then refused with `xml_upload.no_schema`).
    static func schemaFor(_ services: AppServices, tenantID: Int64, type: RecordType) async throws -> XMLSchemaStore
        .Stored?
    {
        guard type.formats.contains(.xml) else { return nil }
        return try await XMLSchemaStore(database: services.database, logger: services.logger)
            .latest(tenantID: tenantID, recordType: type.code)
    }

    /// Validates a staged XML upload against the tenant's schema.
    func checkXML(_ staged: StagedBlob, type: RecordType) throws {
        guard let stored = xmlSchema else { throw HosoError("xml_upload.no_schema", ["code": type.code]) }
        guard staged.size <= Int64(TenantXMLSchema.maxDocumentBytes) else {
            throw HosoError("xml_upload.too_large", ["limit": String(TenantXMLSchema.maxDocumentBytes >> 20)])
        }
        let schema = try TenantXMLSchema(xsd: Array(stored.xsd.utf8))
        try schema.validate(try staged.contents())
    }
}
