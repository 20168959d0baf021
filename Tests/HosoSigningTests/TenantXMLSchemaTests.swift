import Foundation
import HosoCore
import HosoSigning
import Testing

/// Issue 14, part 9: an XML transcript is checked against the XSD the tenant supplies, with the safe
/// parsing the signatures use. Each refusal has its stable code. The schema is the demo tenant's
/// (tenants/demo/schemas/student_transcript.xsd, demo data).
@Suite struct TenantXMLSchemaTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let namespace = "urn:hoso:demo:hoc-ba:1"

    static func schema() throws -> TenantXMLSchema {
        let data = try Data(
            contentsOf: URL(fileURLWithPath: repository + "/tenants/demo/schemas/student_transcript.xsd"))
        return try TenantXMLSchema(xsd: [UInt8](data))
    }

    static func transcript(namespace: String = namespace, score: String = "8.5", extra: String = "") -> [UInt8] {
        Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <HocBa xmlns="\(namespace)" phienBan="1">
              <NamHoc>2026-2027</NamHoc>
              <Truong ma="T01">Trường THPT Trần Phú</Truong>
              <Lop>10A1</Lop>
              <HocSinh maHocSinh="HS001">
                <HoTen>Nguyễn Văn An</HoTen>
                <NgaySinh>2011-03-14</NgaySinh>
                <KetQua mon="Toán" hocKy="CN" diem="\(score)"/>
              </HocSinh>\(extra)
            </HocBa>
            """.utf8)
    }

    func refusal(_ bytes: [UInt8]) throws -> String? {
        do { try Self.schema().validate(bytes) } catch let error as HosoError { return error.code }
        return nil
    }

    @Test func aValidTranscriptPasses() throws {
        let schema = try Self.schema()
        #expect(schema.targetNamespace == Self.namespace)
        try schema.validate(Self.transcript())
    }

    @Test func eachHostileOrWrongDocumentIsRefusedWithItsCode() throws {
        let doctype = Array(
            """
            <?xml version="1.0"?>
            <!DOCTYPE HocBa SYSTEM "http://example.invalid/hocba.dtd">
            <HocBa xmlns="\(Self.namespace)"/>
            """.utf8)
        let entities = Array(
            """
            <?xml version="1.0"?>
            <!DOCTYPE HocBa [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
            <HocBa xmlns="\(Self.namespace)">&lol2;</HocBa>
            """.utf8)
        let externalEntity = Array(
            """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>
            """.utf8)
        let cases: [(String, [UInt8], String)] = [
            ("doctype", doctype, "xml_upload.doctype"),
            ("billion laughs", entities, "xml_upload.entity"),
            ("external entity", externalEntity, "xml_upload.entity"),
            ("wrong namespace", Self.transcript(namespace: "urn:other:transcript"), "xml_upload.namespace"),
            ("no namespace", Array("<HocBa><NamHoc>2026-2027</NamHoc></HocBa>".utf8), "xml_upload.namespace"),
            (
                "not well-formed", Array("<HocBa xmlns=\"\(Self.namespace)\"><NamHoc>2026</HocBa>".utf8),
                "xml_upload.malformed"
            ),
            (
                "undeclared entity", Array("<HocBa xmlns=\"\(Self.namespace)\">&xxe;</HocBa>".utf8),
                "xml_upload.malformed"
            ),
            ("invalid: score 11", Self.transcript(score: "11"), "xml_upload.invalid"),
            ("invalid: unknown element", Self.transcript(extra: "<GhiChu>x</GhiChu>"), "xml_upload.invalid"),
            ("UTF-16", [0xFF, 0xFE] + Array("<".utf8) + [0], "xml_upload.encoding"),
            ("empty", [], "xml_upload.empty"),
        ]
        for (name, bytes, code) in cases {
            #expect(try refusal(bytes) == code, "\(name)")
        }
    }

    @Test func anOversizedDocumentIsRefusedBeforeItIsParsed() throws {
        // Past the cap: refused on its length alone (a parse would take far longer than this test).
        let huge = Self.transcript() + [UInt8](repeating: 0x20, count: TenantXMLSchema.maxDocumentBytes)
        #expect(try refusal(huge) == "xml_upload.too_large")
    }

    @Test func aSchemaMustStandAloneAndNameItsNamespace() throws {
        func code(_ xsd: String) -> String? {
            do { _ = try TenantXMLSchema(xsd: Array(xsd.utf8)) } catch let error as HosoError {
                return error.code
            } catch { return "other" }
            return nil
        }
        let head = #"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema""#
        #expect(
            code(
                head
                    + #" targetNamespace="urn:a"><xs:import namespace="urn:b""#
                    + #" schemaLocation="http://example.invalid/b.xsd"/></xs:schema>"#
            )
                == "xml_schema.external_reference")
        #expect(
            code(head + #" targetNamespace="urn:a"><xs:include schemaLocation="b.xsd"/></xs:schema>"#)
                == "xml_schema.external_reference")
        #expect(code(head + #"><xs:element name="a"/></xs:schema>"#) == "xml_schema.no_namespace")
        #expect(
            code(#"<!DOCTYPE x [<!ENTITY e "e">]>"# + head + #" targetNamespace="urn:a"/>"#) == "xml_schema.unreadable")
        #expect(code("<notASchema/>") == "xml_schema.unreadable")
        #expect(
            code(head + #" targetNamespace="urn:a"><xs:element name="a" type="xs:nope"/></xs:schema>"#)
                == "xml_schema.unreadable")
    }
}
