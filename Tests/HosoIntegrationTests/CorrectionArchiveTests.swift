import Foundation
import HTTPTypes
import HosoCore
import HosoServer
import HosoSigning
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoStore

/// Correction minutes as a document (seed 001, Điều 10.3) and the complete archive of a record and
/// of a book: the demo school register, signed and sealed and locked, corrected with witnesses who
/// are accounts of the school's leadership, its minutes issued in the NĐ 30 layout and signed by the
/// principal, confirmed by each witness; then the export, unzipped and checked part by part.
extension SignatureTests {
    func files(_ count: Int, _ text: String) -> (String, [UInt8]) {
        let boundary = "hoso-test-\(UUID().uuidString)"
        var body: [UInt8] = []
        for index in 1...count {
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"so-dang-bo-\(index).pdf\"\r\n\r\n"
                    .utf8)
            body += Array(RecordTests.pdf("\(text) \(index)").utf8) + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    func submitFiles(_ client: any TestClientProtocol, _ admin: Browser, _ id: Int64, _ form: (String, [UInt8]))
        async throws -> TestResponse
    {
        var headers: HTTPFields = [.contentType: form.0]
        headers[HTTPField.Name("X-CSRF-Token")!] = admin.csrf
        headers[.cookie] = admin.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return try await client.execute(
            uri: "/api/v1/obligations/\(id)/versions", method: .post, headers: headers, body: ByteBuffer(bytes: form.1))
    }

    func chain(
        _ client: any TestClientProtocol, _ vice: inout Browser, _ principal: inout Browser, _ id: Int64,
        lock: Bool = true
    ) async throws {
        #expect(
            try await post(client, &vice, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#).status == .ok
        )
        #expect(
            try await post(client, &principal, "/api/v1/obligations/\(id)/approve", #"{"step":2,"sign":true}"#).status
                == .ok)
        guard lock else { return }
        let locked = try await post(client, &principal, "/api/v1/obligations/\(id)/lock", "{}")
        #expect(locked.status == .ok, "\(locked.text)")
    }

    @Test func aCorrectionHasSignedMinutesWitnessedByLeadershipAndTheArchiveHoldsEverything() async throws {
        // setup: the register signed, sealed and locked; the administrator asks for a correction.
        let setup = try await setup()
        let (world, id) = (setup.world, setup.obligation)
        let folder = try TestEnvironment.temporaryDirectory("archive")
        try await world.withApp { client in
            var admin = Browser()
            var vice = Browser()
            var principal = Browser()
            var head = Browser()
            admin.csrf = try await admin.signIn(client, "s1.admin")
            vice.csrf = try await vice.signIn(client, "s1.vice")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            head.csrf = try await head.signIn(client, "s1.head")
            try await submit(client, &admin, id, "bản đầu", paperCopy: true)
            try await chain(client, &vice, &principal, id)
            let asked = try await post(
                client, &admin, "/api/v1/obligations/\(id)/corrections", #"{"reason":"Sai ngày sinh học sinh số 12"}"#)
            let correction = try #require(try asked.json()["id"] as? Int)
            let decision = "/api/v1/corrections/\(correction)/decision"

            // Bad input: no witnesses, a witness who is not leadership, an unknown account, a wrong requester.
            let none = try await post(client, &principal, decision, #"{"consent":true,"text":"x"}"#)
            #expect(none.status == .badRequest && none.errorCode == "correction.witnesses_required", "\(none.text)")
            let headAsLeader = try await post(
                client, &principal, decision, #"{"consent":true,"leader":"s1.head","administrator":"s1.admin"}"#)
            #expect(
                headAsLeader.status == .badRequest && headAsLeader.errorCode == "correction.witness_not_leadership",
                "\(headAsLeader.text)")
            let viceAsAdmin = try await post(
                client, &principal, decision, #"{"consent":true,"leader":"s1.vice","administrator":"s1.vice"}"#)
            #expect(viceAsAdmin.status == .badRequest && viceAsAdmin.errorCode == "correction.witness_not_leadership")
            let unknown = try await post(
                client, &principal, decision, #"{"consent":true,"leader":"nobody","administrator":"s1.admin"}"#)
            #expect(unknown.status == .badRequest && unknown.errorCode == "correction.witness_unknown")
            let requester = try await post(
                client, &principal, decision,
                #"{"consent":true,"leader":"s1.vice","administrator":"s1.admin","requester":"s1.head"}"#)
            #expect(requester.status == .badRequest && requester.errorCode == "correction.witness_not_requester")
            #expect(
                try await value(world, "SELECT count(*)::text FROM correction_witnesses") == "0", "nothing was written")
            #expect(try await value(world, "SELECT state FROM corrections") == "requested")

            // act: consent naming accounts; the new version holds two files; the chain again; the minutes.
            let consented = try await post(
                client, &principal, decision,
                #"{"consent":true,"leader":"s1.vice","administrator":"s1.admin","text":"Sửa ngày sinh"}"#)
            #expect(consented.status == .ok, "\(consented.text)")
            let early = try await post(client, &principal, "/api/v1/corrections/\(correction)/minutes", "{}")
            #expect(early.status == .conflict && early.errorCode == "correction.no_new_version", "\(early.text)")
            #expect(try await submitFiles(client, admin, id, files(2, "đã sửa")).status == .created)
            // The corrected register is printed, signed by hand and stamped again (seed 003 §4).
            try await filePaperCopy(client, &admin, id)
            try await chain(client, &vice, &principal, id, lock: false)
            // The corrected register is not locked before its minutes are issued and confirmed.
            let unminuted = try await post(client, &principal, "/api/v1/obligations/\(id)/lock", "{}")
            #expect(
                unminuted.status == .conflict && unminuted.errorCode == "correction.minutes_outstanding",
                "\(unminuted.text)")
            let byVice = try await post(client, &vice, "/api/v1/corrections/\(correction)/minutes", "{}")
            #expect(byVice.status == .forbidden, "only the principal issues the minutes: \(byVice.text)")
            let tooEarly = try await post(client, &vice, "/api/v1/corrections/\(correction)/confirmation", "{}")
            #expect(tooEarly.status == .conflict && tooEarly.errorCode == "correction.no_minutes")
            let issued = try await post(client, &principal, "/api/v1/corrections/\(correction)/minutes", "{}")

            // verify: the minutes, kept by hash, signed by the principal, verifiable outside Hoso.
            #expect(issued.status == .created, "\(issued.text)")
            let minutes = try issued.json()
            #expect(minutes["signed"] as? Bool == true)
            let again = try await post(client, &principal, "/api/v1/corrections/\(correction)/minutes", "{}")
            #expect(again.status == .conflict && again.errorCode == "correction.minutes_exist")
            let pdf = try await head.send(client, .get, "/api/v1/corrections/\(correction)/minutes")
            #expect(pdf.status == .ok && String(buffer: pdf.body).hasPrefix("%PDF"))
            #expect(Digests.sha256(Array(buffer: pdf.body)) == minutes["sha256"] as? String)
            let xml = try await head.send(client, .get, "/corrections/\(correction)/minutes.xml")
            try Data(buffer: xml.body).write(to: URL(fileURLWithPath: folder + "/minutes.xml"))
            let signed = try xmlsec1(folder + "/minutes.xml", setup.pki.path("root.pem"), "sig-1")
            #expect(signed.status == 0, "\(signed.output)")
            #expect(
                xml.text.contains(try #require(minutes["sha256"] as? String)) && xml.text.contains("correction_minutes")
            )
            // The PDF names the reason, both versions and the witnesses (pdftotext when installed).
            try Data(buffer: pdf.body).write(to: URL(fileURLWithPath: folder + "/minutes.pdf"))
            if let text = try? Tool.run("pdftotext", [folder + "/minutes.pdf", "-"]), text.status == 0 {
                let words = text.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                for part in [
                    "Sai ngày sinh học sinh số 12", "(s1.vice)", "(s1.admin)", "Phiên bản 1", "phiên bản 2",
                    "Hồng Bàng, ngày 0",
                ] {
                    #expect(words.contains(part), "\(part) in \(words.prefix(1500))")
                }
            }

            // Each witness confirms once; someone who is no witness may not.
            let notWitness = try await post(client, &principal, "/api/v1/corrections/\(correction)/confirmation", "{}")
            #expect(
                notWitness.status == .forbidden && notWitness.errorCode == "correction.not_witness",
                "\(notWitness.text)")
            #expect(try await post(client, &vice, "/api/v1/corrections/\(correction)/confirmation", "{}").status == .ok)
            let twice = try await post(client, &vice, "/api/v1/corrections/\(correction)/confirmation", "{}")
            #expect(twice.status == .conflict && twice.errorCode == "correction.already_confirmed")
            let page = try await admin.send(client, .get, "/records/\(id)")
            #expect(
                page.text.contains("action=\"/corrections/\(correction)/confirm\""),
                "the administrator is offered the confirmation")
            let form = try await admin.send(
                client, .post, "/corrections/\(correction)/confirm", form: [("_csrf", admin.csrf)])
            #expect((300..<400).contains(form.status.code), "\(form.status) \(form.text)")
            #expect(try await value(world, "SELECT count(*)::text FROM correction_confirmations") == "2")
            #expect(
                try await value(
                    world,
                    """
                    SELECT count(*)::text FROM audit_log WHERE action = 'record.correction_confirm' AND subject = 'obligation:\(id)'
                    """) == "2")
            // Every witness has confirmed: now the corrected register is locked again.
            let relocked = try await post(client, &principal, "/api/v1/obligations/\(id)/lock", "{}")
            #expect(relocked.status == .ok, "\(relocked.text)")
            #expect(try await value(world, "SELECT state FROM corrections WHERE id = \(correction)") == "completed")

            // The archive of the record: every part there, every hash right, checkable without Hoso.
            let zip = try await principal.send(client, .get, "/records/\(id)/export.zip")
            #expect(zip.status == .ok)
            let unzipped = folder + "/record"
            try Data(buffer: zip.body).write(to: URL(fileURLWithPath: folder + "/record.zip"))
            #expect(try Tool.run("unzip", ["-q", folder + "/record.zip", "-d", unzipped]).status == 0)
            try checkArchive(unzipped, id: id, correction: correction, pki: setup.pki)

            // The book's archive holds the same record the same way.
            let book = try await principal.send(
                client, .get, "/units/S01/books/student_register/export.zip?year=\(Self.year)")
            #expect(book.status == .ok, "\(book.text.prefix(300))")
            try Data(buffer: book.body).write(to: URL(fileURLWithPath: folder + "/book.zip"))
            #expect(try Tool.run("unzip", ["-q", folder + "/book.zip", "-d", folder + "/book"]).status == 0)
            try checkArchive(folder + "/book", id: id, correction: correction, pki: setup.pki)
        }
    }

    func checkArchive(_ folder: String, id: Int64, correction: Int, pki: PKI) throws {
        func read(_ path: String) throws -> String { try String(contentsOfFile: folder + "/" + path, encoding: .utf8) }
        func list(_ path: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + path)) ?? []).sorted()
        }
        // Every version (the superseded one marked), every document of each, each with its manifest.
        #expect(
            list("documents") == [
                "\(id)-v1-superseded-1-so-dang-bo.pdf", "\(id)-v2-1-so-dang-bo-1.pdf", "\(id)-v2-2-so-dang-bo-2.pdf",
            ])
        #expect(list("manifests") == ["\(id)-v1-superseded.xml", "\(id)-v2.xml"])
        #expect(try read("documents/\(id)-v1-superseded-1-so-dang-bo.pdf").contains("bản đầu"))
        let index = try read("index.csv")
        #expect(
            index.contains("superseded") && index.contains("current")
                && index.components(separatedBy: "\r\n").count - 2 == 3, "\(index)")
        // The correction minutes (PDF and signed manifest), the audit entries, the retention period.
        #expect(list("corrections") == ["\(id)-\(correction)-minutes.pdf", "\(id)-\(correction)-minutes.xml"])
        // The scans of the printed, signed and stamped copies: one per version, with who filed them.
        let scans = list("paper-copies")
        #expect(
            scans.count == 2 && scans[0].hasPrefix("\(id)-v1-") && scans[1].hasPrefix("\(id)-v2-")
                && scans.allSatisfy { $0.hasSuffix("ban-in.pdf") }, "\(scans)")
        let trail = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: folder + "/records/\(id).json")))
                as? [String: Any])
        #expect(trail["retention"] as? String == "permanent")
        #expect(
            (trail["paperCopies"] as? [[String: Any]])?.compactMap { $0["filedRole"] as? String }
                == ["school_administrator", "school_administrator"], "\(trail["paperCopies"] ?? "none")")
        #expect((trail["versions"] as? [[String: Any]])?.count == 2)
        let corrections = try #require(trail["corrections"] as? [[String: Any]])
        #expect(
            (corrections.first?["witnesses"] as? [[String: Any]])?.compactMap { $0["login"] as? String } == [
                "s1.vice", "s1.admin",
            ])
        let audit = (trail["audit"] as? [[String: Any]]) ?? []
        for action in [
            "record.submit", "record.sign", "record.seal", "record.lock", "record.correction_consent",
            "record.correction_minutes",
            "record.correction_confirm",
        ] {
            #expect(audit.contains { $0["action"] as? String == action }, "\(action) in the archive's trail")
        }
        #expect(try read("audit/\(id).csv").contains("record.correction_minutes"))
        // The README says how to check each part, and each check passes.
        let readme = try read("README.txt")
        #expect(
            readme.contains("sha256sum -c SHA256SUMS") && readme.contains("xmllint --noout --schema")
                && readme.contains("xmlsec1 --verify"))
        let sums = try Tool.run("sh", ["-c", "cd '\(folder)' && sha256sum -c SHA256SUMS"])
        #expect(sums.status == 0 && sums.output.components(separatedBy: ": OK").count - 1 >= 9, "\(sums.output)")
        let schema = try Tool.run(
            "sh",
            [
                "-c",
                "cd '\(folder)' && xmllint --noout --schema record-manifest-1.xsd manifests/*.xml corrections/*.xml",
            ])
        #expect(schema.status == 0, "\(schema.output)")
        for (file, signature) in [
            ("manifests/\(id)-v1-superseded.xml", "sig-3"), ("manifests/\(id)-v2.xml", "sig-3"),
            ("corrections/\(id)-\(correction)-minutes.xml", "sig-1"),
        ] {
            let result = try xmlsec1(folder + "/" + file, folder + "/trust-roots.pem", signature)
            #expect(result.status == 0, "\(file): \(result.output)")
        }
        // The v2 manifest names both of its documents with the hashes sha256sum just checked.
        let v2 = try read("manifests/\(id)-v2.xml")
        for line in try read("SHA256SUMS").split(separator: "\n") where line.contains("documents/\(id)-v2-") {
            #expect(v2.contains(String(line.prefix(64))))
        }
    }
}

extension SignatureTests {
    /// `correction_minutes: before_lock` (the demo's student register): once fully approved, a
    /// change needs a correction with minutes even before the lock; a lesson plan (the default)
    /// is corrected only after its lock.
    @Test func aRuleSetAsksForMinutesBeforeTheLock() async throws {
        // setup: the register approved (signed and sealed), not locked.
        let setup = try await setup()
        let (world, id) = (setup.world, setup.obligation)
        try await world.withApp { client in
            var admin = Browser()
            var vice = Browser()
            var principal = Browser()
            admin.csrf = try await admin.signIn(client, "s1.admin")
            vice.csrf = try await vice.signIn(client, "s1.vice")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            try await submit(client, &admin, id, "bản đầu", paperCopy: true)
            #expect(
                try await post(client, &vice, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#).status
                    == .ok)
            #expect(
                try await post(client, &principal, "/api/v1/obligations/\(id)/approve", #"{"step":2,"sign":true}"#)
                    .status == .ok)
            #expect(try await value(world, "SELECT state FROM obligations WHERE id = \(id)") == "approved")

            // act: a correction of the approved register; the consent with the witnesses.
            let asked = try await post(
                client, &admin, "/api/v1/obligations/\(id)/corrections", #"{"reason":"Sai tên học sinh"}"#)
            #expect(asked.status == .created, "\(asked.text)")
            let correction = try #require(try asked.json()["id"] as? Int)
            let consented = try await post(
                client, &principal, "/api/v1/corrections/\(correction)/decision",
                #"{"consent":true,"leader":"s1.principal","administrator":"s1.admin"}"#)

            // verify: reopened for a new version, the approved one to be superseded.
            #expect(
                try consented.status == .ok && consented.json()["state"] as? String == "correcting", "\(consented.text)"
            )
            #expect(
                try await value(
                    world, "SELECT count(*)::text FROM correction_witnesses WHERE correction_id = \(correction)") == "2"
            )
            // A lesson plan keeps the default: approved is not yet correctable.
            var teacher = Browser()
            var head = Browser()
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            head.csrf = try await head.signIn(client, "s1.head")
            let plan = try #require(
                try await value(
                    world,
                    """
                    SELECT o.id::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
                    WHERE u.login = 's1.teacher' AND o.record_type = 'lesson_plan' AND o.period_number = 9
                    """
                ).flatMap { Int64($0) })
            var headers: HTTPFields = [.contentType: "application/pdf"]
            headers[HTTPField.Name("X-CSRF-Token")!] = teacher.csrf
            headers[.cookie] = teacher.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let uploaded = try await client.execute(
                uri: "/api/v1/obligations/\(plan)/versions?filename=g.pdf", method: .post, headers: headers,
                body: ByteBuffer(bytes: Array(RecordTests.pdf().utf8)))
            #expect(uploaded.status == .created)
            #expect(try await post(client, &head, "/api/v1/obligations/\(plan)/approve", #"{"step":1}"#).status == .ok)
            #expect(
                try await post(client, &principal, "/api/v1/obligations/\(plan)/approve", #"{"step":2}"#).status == .ok)
            let early = try await post(
                client, &teacher, "/api/v1/obligations/\(plan)/corrections", #"{"reason":"Sai"}"#)
            #expect(early.status == .conflict && early.errorCode == "workflow.not_locked", "\(early.text)")
        }
    }
}
