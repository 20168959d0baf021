import Foundation
import HosoCore
import HosoSigning
import HosoStore

/// A tenant's XML schemas (`tenants/<id>/schemas/<record_type>.xsd`), imported with its rule-sets:
/// each is compiled (safely, see `TenantXMLSchema`) and must name a record type of the imported
/// rule-sets that accepts `xml`, before anything is written.
extension RecordsSetup {
    struct SchemaFile {
        let recordType: String
        let targetNamespace: String
        let xsd: String
    }

    func loadSchemas(tenant: String, ruleSets: [RuleSet]) throws -> [SchemaFile] {
        let directory = "\(tenantsDirectory)/\(tenant)/schemas"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0.hasSuffix(".xsd")
        }.sorted()
        return try names.map { name in
            let code = String(name.dropLast(4))
            let accepting = ruleSets.contains { $0.type(code)?.formats.contains(.xml) == true }
            guard accepting else {
                throw HosoError("xml_schema.unknown_type", ["code": code, "path": "\(directory)/\(name)"])
            }
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)") else {
                throw HosoError("xml_schema.unreadable", ["detail": "\(directory)/\(name)"])
            }
            let compiled = try TenantXMLSchema(xsd: [UInt8](data))
            return SchemaFile(
                recordType: code, targetNamespace: compiled.targetNamespace, xsd: String(decoding: data, as: UTF8.self))
        }
    }

    func storeSchemas(tenant: String, tenantID: Int64, _ files: [SchemaFile]) async throws -> [String] {
        let store = XMLSchemaStore(database: database, logger: logger)
        var lines: [String] = []
        for file in files {
            let created = try await store.importSchema(
                tenantID: tenantID, recordType: file.recordType,
                targetNamespace: file.targetNamespace, xsd: file.xsd)
            let state = created ? "stored" : "unchanged"
            lines.append("\(tenant): XML schema for \(file.recordType) (\(file.targetNamespace)) \(state)")
        }
        return lines
    }
}
