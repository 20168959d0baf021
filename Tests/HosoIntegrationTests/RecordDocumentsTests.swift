import Foundation
import HTTPTypes
import HosoCore
import HosoServer
import HosoSigning
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoStore

/// Several documents in one version (seed 002: "mỗi bài một tệp tin", one file per lesson), through
/// the page's form and the API: each is checked, hashed, stored, listed on the record page and in
/// the manifest, downloadable by position; a set over its limits leaves nothing behind.
extension RecordTests {
    func multipart(_ fields: [(String, String)], files: [(name: String, bytes: [UInt8])]) -> (String, [UInt8]) {
        let boundary = "hoso-test-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\n".utf8)
            body += Array("Content-Type: application/octet-stream\r\n\r\n".utf8) + file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    func postFiles(
        _ client: any TestClientProtocol, _ browser: Browser, csrf: String, _ id: Int64,
        _ files: [(name: String, bytes: [UInt8])]
    ) async throws -> TestResponse {
        let form = multipart([], files: files)
        var headers: HTTPFields = [.contentType: form.0]
        headers[HTTPField.Name("X-CSRF-Token")!] = csrf
        headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return try await client.execute(
            uri: "/api/v1/obligations/\(id)/versions", method: .post, headers: headers,
            body: ByteBuffer(bytes: form.1))
    }

    @Test func severalFilesMakeOneVersionEachHashedListedAndSigned() async throws {
        // setup
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher", period: 11)
        let other = try await obligation(world, owner: "s1.teacher", period: 12)
        try await world.withApp { client in
            var teacher = Browser()
            var head = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            _ = try await head.signIn(client, "s1.head")
            let lessons = (1...3).map { (name: "Bài \($0).pdf", bytes: Array(Self.pdf("bài \($0)").utf8)) }

            // act: the page's form, three files.
            let sent = try await postMultipart(
                client, teacher, "/records/\(id)/upload", multipart([("_csrf", t)], files: lessons))

            // verify: one version, three documents in order, each with its hash and its blob.
            #expect((300..<400).contains(sent.status.code), "\(sent.status) \(sent.text)")
            let rows = try await TestEnvironment.ownerRows(
                """
                SELECT d.position::text, d.filename, d.sha256 FROM record_documents d JOIN record_versions v ON v.id = d.version_id
                WHERE v.obligation_id = \(id) ORDER BY d.position
                """, database: world.database.name)
            #expect(rows.map { $0[1] } == ["Bài 1.pdf", "Bài 2.pdf", "Bài 3.pdf"])
            #expect(rows.map { $0[2] } == lessons.map { Digests.sha256($0.bytes) })
            #expect(
                try await TestEnvironment.ownerValue(
                    "SELECT count(*)::text FROM record_versions WHERE obligation_id = \(id)",
                    database: world.database.name) == "1")
            let record = try await head.send(client, .get, "/api/v1/obligations/\(id)").json()
            let version = try #require((record["versions"] as? [[String: Any]])?.first)
            let documents = try #require(version["documents"] as? [[String: Any]])
            #expect(documents.count == 3 && version["filename"] as? String == "Bài 1.pdf")
            let second = try await head.send(client, .get, try #require(documents[1]["url"] as? String))
            #expect(second.status == .ok && String(buffer: second.body).contains("bài 2"))
            let versionID = try #require(version["id"] as? Int)
            #expect(try await head.send(client, .get, "/api/v1/versions/\(versionID)/documents/4").status == .notFound)
            let page = try await head.send(client, .get, "/records/\(id)")
            #expect(page.text.contains("Bài 3.pdf") && page.text.contains("/versions/\(versionID)/documents/3"))
            #expect(
                try await TestEnvironment.ownerValue(
                    """
                    SELECT count(*)::text FROM audit_log WHERE action = 'record.download' AND subject = 'obligation:\(id)'
                      AND details::jsonb->>'document' = '2'
                    """, database: world.database.name) == "1", "the download of one document is on the record's trail")
            // The manifest names every document with its SHA-256, and verification checks each.
            let manifest = try await head.send(client, .get, "/api/v1/obligations/\(id)/manifest")
            #expect(manifest.text.components(separatedBy: "<Document ").count - 1 == 3)
            for lesson in lessons { #expect(manifest.text.contains(Digests.sha256(lesson.bytes))) }
            let verification = try await head.send(client, .get, "/api/v1/obligations/\(id)/verification").json()
            #expect(verification["documentMatches"] as? Bool == true, "\(verification)")

            // Bad input: too many files, or one refused among good ones, through the API: nothing kept.
            let blobs = blobFiles(world, "objects").count
            let tooMany = try await postFiles(
                client, teacher, csrf: t, other,
                (1...21).map { (name: "b\($0).pdf", bytes: Array(Self.pdf("b\($0)").utf8)) })
            #expect(tooMany.status == .badRequest && tooMany.errorCode == "upload.too_many_files", "\(tooMany.text)")
            let oneBad = try await postFiles(
                client, teacher, csrf: t, other,
                [
                    (name: "a.pdf", bytes: Array(Self.pdf("x1").utf8)),
                    (
                        name: "b.png",
                        bytes: [
                            0x89, 0x50, 0x4E, 0x47,
                            0x0D, 0x0A, 0x1A, 0x0A, 1, 2,
                        ]
                    ),
                ])
            #expect(oneBad.status == .badRequest && oneBad.errorCode == "upload.format_not_accepted", "\(oneBad.text)")
            let empty = try await postFiles(
                client, teacher, csrf: t, other,
                [(name: "a.pdf", bytes: Array(Self.pdf("x2").utf8)), (name: "c.pdf", bytes: [])])
            #expect(empty.status == .badRequest && empty.errorCode == "upload.empty", "\(empty.text)")
            #expect(try await row(world, other)[0] == "open", "nothing was submitted")
            #expect(blobFiles(world, "objects").count == blobs, "no blob of a refused set was kept")
            // Two good files through the API: 201 with the version.
            let two = try await postFiles(client, teacher, csrf: t, other, Array(lessons.prefix(2)))
            #expect(two.status == .created, "\(two.text)")
        }
    }
}
