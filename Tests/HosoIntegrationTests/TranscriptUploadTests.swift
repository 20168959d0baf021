import Foundation
import HTTPTypes
import HosoCore
import HosoServer
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoStore

/// Issue 14, part 9: a digital transcript (học bạ số) uploaded as XML next to PDF, checked against
/// the XSD the demo tenant supplies (imported with its rules and stored in the database), through
/// the API and the page's form. Hostile or wrong XML is refused with a stable code and nothing is
/// stored; a body declared at 100 MB is refused before it is read.
@Suite struct TranscriptUploadTests {
    static let year = RecordTests.year
    static let namespace = "urn:hoso:demo:hoc-ba:1"

    static func transcript(namespace: String = namespace, score: String = "8.5") -> [UInt8] {
        Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <HocBa xmlns="\(namespace)"><NamHoc>2026-2027</NamHoc><Truong ma="S01">Trường THCS Chu Văn An</Truong>
            <Lop>6A1</Lop><HocSinh maHocSinh="HS001"><HoTen>Nguyễn Văn An</HoTen><NgaySinh>2014-03-14</NgaySinh>
            <KetQua mon="Toán" hocKy="CN" diem="\(score)"/></HocSinh></HocBa>
            """.utf8)
    }

    /// The transcript item of s1.teacher's class (6A1), with its entry window opened by the administrator.
    func openTranscript(_ world: TestWorld, _ client: any TestClientProtocol) async throws -> Int64 {
        let id = try await RecordTests().obligation(world, owner: "s1.teacher", type: "student_transcript", period: 1)
        var admin = Browser()
        let csrf = try await admin.signIn(client, "s1.admin")
        let opened = try await RecordTests().post(
            client, &admin, csrf: csrf, "/api/v1/units/S01/windows",
            """
            {"recordType":"student_transcript","schoolYear":"\(Self.year)","periodKind":"year",\
            "periodNumber":1,"open":true,"orderedBy":"Hiệu trưởng, QĐ 30/QĐ-THCS"}
            """)
        #expect(opened.status == .created || opened.status == .ok, "\(opened.text)")
        return id
    }

    @Test func theTenantsSchemaIsImportedOnceAndStored() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let rows = try await TestEnvironment.ownerRows(
            "SELECT record_type, target_namespace FROM tenant_xml_schemas ORDER BY record_type",
            database: world.database.name)
        #expect(rows == [["ce_learner_transcript", Self.namespace], ["student_transcript", Self.namespace]])
        // Importing the same files again stores nothing new.
        let lines = try await withDatabase(try world.database.appURL) { pool in
            try await RecordsSetup(
                database: pool, logger: TestEnvironment.logger,
                tenantsDirectory: try TestEnvironment.repoDirectory + "/tenants"
            )
            .importRules(tenant: "demo")
        }
        #expect(lines.filter { $0.contains("XML schema") }.allSatisfy { $0.hasSuffix("unchanged") }, "\(lines)")
        #expect(
            try await TestEnvironment.ownerValue(
                "SELECT count(*)::text FROM tenant_xml_schemas", database: world.database.name) == "2")
    }

    @Test func aValidXMLTranscriptIsAcceptedAndBadOnesAreRefusedWithNothingStored() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await world.withApp { client -> Int64 in
            let id = try await openTranscript(world, client)
            var teacher = Browser()
            let csrf = try await teacher.signIn(client, "s1.teacher")
            let cases: [(String, [UInt8], String)] = [
                (
                    "doctype",
                    Array(
                        ("<?xml version=\"1.0\"?>\n<!DOCTYPE HocBa SYSTEM \"http://example.invalid/x.dtd\">\n"
                            + "<HocBa xmlns=\"\(Self.namespace)\"/>").utf8),
                    "xml_upload.doctype"
                ),
                (
                    "entities",
                    Array(
                        ("<?xml version=\"1.0\"?>\n<!DOCTYPE HocBa [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n"
                            + "<HocBa xmlns=\"\(Self.namespace)\">&b;</HocBa>").utf8),
                    "xml_upload.entity"
                ),
                ("namespace", Self.transcript(namespace: "urn:other"), "xml_upload.namespace"),
                (
                    "malformed",
                    Array("<?xml version=\"1.0\"?><HocBa xmlns=\"\(Self.namespace)\"><NamHoc>2026-2027</HocBa>".utf8),
                    "xml_upload.malformed"
                ),
                ("invalid", Self.transcript(score: "12"), "xml_upload.invalid"),
            ]
            for (name, bytes, code) in cases {
                let response = try await RecordTests().upload(
                    client, &teacher, csrf: csrf, id, filename: "hoc-ba-\(name).xml", bytes,
                    contentType: "application/xml")
                #expect(response.status == .badRequest, "\(name): \(response.text)")
                #expect(response.errorCode == code, "\(name): \(response.text)")
                #expect(response.errorMessage?.isEmpty == false)
            }
            #expect(RecordTests().blobFiles(world, "objects").isEmpty && RecordTests().blobFiles(world, "tmp").isEmpty)
            // A lesson plan does not accept XML at all.
            let lesson = try await RecordTests().obligation(world, owner: "s1.teacher")
            let notHere = try await RecordTests().upload(
                client, &teacher, csrf: csrf, lesson, filename: "x.xml", Self.transcript())
            #expect(notHere.errorCode == "upload.format_not_accepted")
            // The valid transcript is accepted and stored as XML.
            let good = try await RecordTests().upload(
                client, &teacher, csrf: csrf, id, filename: "hoc-ba-6A1.xml", Self.transcript(),
                contentType: "application/xml")
            #expect(good.status == .created, "\(good.text)")
            return id
        }
        let stored = try await TestEnvironment.ownerRows(
            "SELECT format, media_type FROM record_versions WHERE obligation_id = \(id) ORDER BY version LIMIT 1",
            database: world.database.name)
        #expect(stored.first == ["xml", "application/xml"])
    }

    /// Sends `head` and `body` over a plain TCP connection and returns what the server answered within
    /// a few seconds: the body is far shorter than the declared length, so a server that read it would
    /// wait for the rest instead of answering.
    static func exchange(port: Int, head: String, body: [UInt8]) async -> String {
        await withCheckedContinuation { continuation in
            Thread {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                var timeout = timeval(tv_sec: 5, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                guard connected == 0 else {
                    continuation.resume(returning: "")
                    return
                }
                let bytes = Array(head.utf8) + body
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if count <= 0 { break }
                    received += buffer[0..<count]
                    if String(decoding: received, as: UTF8.self).contains("}") { break }
                }
                continuation.resume(returning: String(decoding: received, as: UTF8.self))
            }.start()
        }
    }

    @Test func aBodyDeclaredAt100MBIsRefusedBeforeItIsRead() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp(.live) { client in
            let port = try #require(client.port)
            let id = try await openTranscript(world, client)
            var teacher = Browser()
            let csrf = try await teacher.signIn(client, "s1.teacher")
            let cookie = teacher.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let declared = 100 * 1024 * 1024
            // 16 bytes of text sent of 100 MB declared: read, it would be "unrecognised" (or never end);
            // refused on its declared length, it is too large, answered at once.
            let raw = await Self.exchange(
                port: port,
                head: """
                    POST /api/v1/obligations/\(id)/versions?filename=hoc-ba.xml HTTP/1.1\r
                    Host: localhost\r
                    Content-Type: application/xml\r
                    Content-Length: \(declared)\r
                    X-CSRF-Token: \(csrf)\r
                    Cookie: \(cookie)\r
                    \r

                    """, body: Array("not a transcript".utf8))
            #expect(raw.hasPrefix("HTTP/1.1 413"), "\(raw)")
            #expect(raw.contains("upload.too_large"), "\(raw)")
            // The page's form, the same: a form may carry several documents of one version, so its
            // bound is the set's (four times the type's 50 MB); a declared 250 MB is past it.
            let formDeclared = 250 * 1024 * 1024
            let form = RecordTests().multipart(
                [("_csrf", csrf)], file: (name: "hoc-ba.xml", bytes: Array("not a transcript".utf8)))
            let page = await Self.exchange(
                port: port,
                head: """
                    POST /records/\(id)/upload HTTP/1.1\r
                    Host: localhost\r
                    Content-Type: \(form.0)\r
                    Content-Length: \(formDeclared)\r
                    Cookie: \(cookie)\r
                    \r

                    """, body: Array(form.1.prefix(200)))
            #expect(page.hasPrefix("HTTP/1.1 413"), "\(page)")
        }
        #expect(RecordTests().blobFiles(world, "objects").isEmpty && RecordTests().blobFiles(world, "tmp").isEmpty)
        #expect(
            try await TestEnvironment.ownerValue(
                "SELECT count(*)::text FROM record_versions", database: world.database.name) == "0")
    }
}
