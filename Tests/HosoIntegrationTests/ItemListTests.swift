import Foundation
import HosoCore
@testable import HosoServer
@testable import HosoStore
import Hummingbird
import HummingbirdBcrypt
import HTTPTypes
import HummingbirdTesting
import Testing

/// The item lists (a unit's `/units/{code}/items`, a person's own `/owe/items`) against the real
/// database: every filter narrows, every order orders, the count is the rows', a page past the end
/// is empty, exports follow the filter, and every unknown value is a 400 with its code — on a page,
/// shown above the form.
@Suite struct ItemListTests {
    static let year = "2026-2027"

    func items(_ json: [String: Any]) -> [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }

    @Test func aUnitsListFiltersSortsPagesAndCounts() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let db = world.database.name
        let all = try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id WHERE u.code = 'S01' AND o.school_year = '\(Self.year)' AND NOT o.withdrawn",
            database: db)
        let total = Int(all ?? "") ?? -1
        #expect(total > 200, "the demo school has several pages of items")
        let sampleType = try await TestEnvironment.ownerValue(
            "SELECT o.record_type FROM obligations o JOIN units u ON u.id = o.unit_id WHERE u.code = 'S01' AND o.school_year = '\(Self.year)' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            database: db) ?? ""
        let typeCount = Int(try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id WHERE u.code = 'S01' AND o.school_year = '\(Self.year)' AND NOT o.withdrawn AND o.record_type = '\(sampleType)'",
            database: db) ?? "") ?? -1
        try await world.withApp { client in
            var principal = Browser()
            _ = try await principal.signIn(client, "s1.principal")
            let base = "/api/v1/units/S01/items?year=\(Self.year)"

            // The count is the rows'; a page holds 100, in deadline order by default.
            let first = try await principal.send(client, .get, base).json()
            #expect(first["total"] as? Int == min(total, ListCount.cap) && first["totalExact"] as? Bool == true)
            #expect(items(first).count == 100 && first["hasMore"] as? Bool == true && first["sort"] as? String == "due")
            let dues = items(first).compactMap { $0["dueAt"] as? String }
            #expect(dues.count == 100 && dues == dues.sorted(), "soonest first")

            // The last page holds the rest; the page after it is empty, not an error.
            let lastNumber = (total + 99) / 100
            let last = try await principal.send(client, .get, base + "&page=\(lastNumber)").json()
            #expect(items(last).count == total - (lastNumber - 1) * 100 && last["hasMore"] as? Bool == false)
            let past = try await principal.send(client, .get, base + "&page=\(lastNumber + 5)")
            #expect(past.status == .ok)
            let pastJSON = try past.json()
            #expect(items(pastJSON).isEmpty && pastJSON["total"] as? Int == total)

            // A type narrows the list and its count; the latest deadline first reverses the order.
            let typed = try await principal.send(client, .get, base + "&type=\(sampleType)&sort=-due").json()
            #expect(typed["total"] as? Int == typeCount)
            #expect(items(typed).allSatisfy { $0["recordType"] as? String == sampleType })
            let typedDues = items(typed).compactMap { $0["dueAt"] as? String }
            #expect(!typedDues.isEmpty && typedDues == typedDues.sorted(by: >), "latest first")

            // By status: the most urgent first (overdue before waiting before not yet due).
            let byStatus = items(try await principal.send(client, .get, base + "&sort=status").json())
            let rank = ["missing": 0, "returned": 1, "late": 2, "submitted": 3, "pending": 4, "approved": 5, "signed": 6, "locked": 7]
            let ranks = byStatus.map { rank[$0["status"] as? String ?? ""] ?? 8 }
            #expect(ranks == ranks.sorted(), "\(ranks.prefix(20))")

            // By owner, names without case or diacritics; one person's items are theirs only.
            let byOwner = items(try await principal.send(client, .get, base + "&sort=owner").json())
            let owners = byOwner.compactMap { $0["owner"] as? String }.map {
                $0.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
                    .folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "en"))
            }
            #expect(owners.count == byOwner.count && owners == owners.sorted(), "\(owners.prefix(10))")
            let ownerID = try await TestEnvironment.ownerValue(
                "SELECT o.owner_user_id::text FROM obligations o JOIN units u ON u.id = o.unit_id WHERE u.code = 'S01' AND o.owner_user_id IS NOT NULL LIMIT 1",
                database: db) ?? ""
            let mine = try await principal.send(client, .get, base + "&owner=\(ownerID)").json()
            let ownerCount = try await TestEnvironment.ownerValue(
                "SELECT count(*)::text FROM obligations WHERE owner_user_id = \(ownerID) AND school_year = '\(Self.year)' AND NOT withdrawn",
                database: db)
            #expect(mine["total"] as? Int == Int(ownerCount ?? ""), "one person's items counted")

            // The export follows the filter and the order: the same rows, in the same order.
            let csv = try await principal.send(client, .get, "/units/S01/items.csv?year=\(Self.year)&type=\(sampleType)&sort=-due")
            #expect(csv.status == .ok)
            let ids = csv.text.split(whereSeparator: \.isNewline).dropFirst().compactMap { $0.split(separator: ",").last }.map {
                String($0).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(ids.count == typeCount, "every item of the type, and only those: \(csv.text.prefix(600))")
            let pageIDs = items(typed).compactMap { ($0["id"] as? Int).map(String.init) }
            #expect(Array(ids.prefix(pageIDs.count)) == pageIDs, "the export's order is the list's")

            // Unknown values: 400 with a stable code, on the API.
            for (query, code) in [
                ("&sort=size", "list.unknown_sort"), ("&sort=--due", "list.unknown_sort"), ("&page=abc", "list.bad_page"),
                ("&page=0", "list.bad_page"), ("&page=-3", "list.bad_page"), ("&page=99999999999999999999", "list.bad_page"),
                ("&column=lost", "dashboard.unknown_column"), ("&type=NOPE", "dashboard.unknown_type"),
                ("&owner=999999999", "dashboard.unknown_owner"), ("&owner=x", "dashboard.unknown_owner"),
                ("&year=1999-2000", "dashboard.unknown_year"), ("&from=30&to=2", "dashboard.bad_weeks"),
            ] {
                let refused = try await principal.send(client, .get, base + query)
                #expect(refused.status == .badRequest, "\(query): \(refused.text.prefix(200))")
                let answer = (try? refused.json())?["error"] as? [String: Any]
                #expect(answer?["code"] as? String == code, "\(query): \(refused.text.prefix(200))")
            }

            // On a page: the form again, the error above it in the reader's language, no rows.
            let page = try await principal.send(client, .get, "/units/S01/items?year=\(Self.year)&sort=size")
            #expect(page.status == .badRequest)
            #expect(page.text.contains("id=\"list-error\"") && page.text.contains("Không có cách sắp xếp"))
            #expect(page.text.contains("<form method=\"get\" action=\"/units/S01/items\"") && !page.text.contains("<table"))
            let good = try await principal.send(client, .get, "/units/S01/items?year=\(Self.year)&page=2")
            #expect(good.status == .ok)
            #expect(good.text.contains("Hồ sơ 101–200 trong tổng số"), "\(good.text.prefix(300))")
            #expect(good.text.contains("rel=\"prev\"") && good.text.contains("Trang 2/"))
            #expect(good.text.contains("<select name=\"owner\">"), "a school's list offers its people")
        }
    }

    @Test func aPersonsOwnListIsTheirsWhateverTheyAsk() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let db = world.database.name
        try await world.withApp { client in
            var teacher = Browser(), other = Browser()
            _ = try await teacher.signIn(client, "s1.teacher")
            _ = try await other.signIn(client, "s1.principal")
            let id = try await TestEnvironment.ownerValue("SELECT id::text FROM users WHERE login = 's1.teacher'", database: db) ?? ""
            let owned = try await TestEnvironment.ownerValue(
                "SELECT count(*)::text FROM obligations WHERE owner_user_id = \(id) AND school_year = '\(Self.year)' AND NOT withdrawn",
                database: db)
            let response = try await teacher.send(client, .get, "/api/v1/me/items?year=\(Self.year)&sort=type")
            let json = try response.json()
            #expect(json["total"] as? Int == Int(owned ?? ""), "all of theirs: \(response.text.prefix(400))")
            #expect((json["total"] as? Int ?? 0) > 0)
            let names = items(json).compactMap { $0["recordTypeName"] as? String }
            #expect(names.count == items(json).count)

            // Asking for someone else's items is refused, not quietly answered.
            let someone = try await TestEnvironment.ownerValue("SELECT id::text FROM users WHERE login = 's1.principal'", database: db) ?? ""
            #expect(!someone.isEmpty)
            let refused = try await teacher.send(client, .get, "/api/v1/me/items?owner=\(someone)")
            let answer = (try? refused.json())?["error"] as? [String: Any]
            #expect(refused.status == .badRequest && answer?["code"] as? String == "dashboard.unknown_owner")

            // The page, its link from "what I owe", and its export.
            let owe = try await teacher.send(client, .get, "/owe")
            #expect(owe.text.contains("href=\"/owe/items\""))
            let page = try await teacher.send(client, .get, "/owe/items?year=\(Self.year)&column=not_due")
            #expect(page.status == .ok && page.text.contains("Tất cả hồ sơ của tôi"))
            #expect(!page.text.contains("<select name=\"owner\">"), "no person filter on one's own list")
            let csv = try await teacher.send(client, .get, "/owe/items.csv?year=\(Self.year)")
            #expect(csv.status == .ok && csv.text.split(whereSeparator: \.isNewline).count == 1 + (Int(owned ?? "") ?? -1))

            // In English, the export's header and its cells are English (record types, statuses, periods).
            _ = try await teacher.send(client, .get, "/lang/en?next=/")
            let english = try await teacher.send(client, .get, "/owe/items.csv?year=\(Self.year)")
            let header = english.text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            #expect(header.contains("Status") && header.contains("Due"), "\(header)")
            let owner = try await TestEnvironment.ownerValue("SELECT display_name FROM users WHERE login = 's1.teacher'", database: db) ?? "-"
            let letters = english.text.replacingOccurrences(of: owner, with: " ")
                .filter { EnglishPagesTests.vietnamese.contains($0) }
            #expect(letters.isEmpty, "Vietnamese in the English export: \(Set(letters).sorted())")

            // Another person's list is theirs, with none of the teacher's items.
            let theirs = try await other.send(client, .get, "/api/v1/me/items?year=\(Self.year)").json()
            #expect(items(theirs).allSatisfy { ($0["ownerUserId"] as? Int).map(String.init) == someone })
            let principalOwned = try await TestEnvironment.ownerValue(
                "SELECT count(*)::text FROM obligations WHERE owner_user_id = \(someone) AND school_year = '\(Self.year)' AND NOT withdrawn",
                database: db)
            #expect(theirs["total"] as? Int == Int(principalOwned ?? ""))
        }
    }

    /// The other lists refuse what they do not know, too: an inspection list's year, the outbox's state.
    @Test func otherListsRefuseUnknownFilterValues() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await withDatabase(try world.database.appURL) { pool in
            let tenant = try #require(try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
            try await UserStore(database: pool, logger: TestEnvironment.logger).upsertLocalAdministrator(
                tenantID: tenant.id, login: "quantri", displayName: "Quản trị", passwordHash: Bcrypt.hash("correct horse battery staple", cost: 4))
        }
        try await world.withApp { client in
            var officer = Browser(), admin = Browser()
            _ = try await officer.signIn(client, "d1.officer")
            try await admin.signIn(client, "quantri", password: "correct horse battery staple")
            // Above the schools a list is counted from the kept figures: the same number as its rows.
            for (column, condition) in [("", "true"), ("&column=not_due", "o.status = 'pending' AND o.first_submitted_at IS NULL AND o.exempt_reason IS NULL")] {
                let counted = try await TestEnvironment.ownerValue("""
                    SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id JOIN units d ON u.path <@ d.path
                    WHERE d.code = 'D01' AND o.school_year = '\(Self.year)' AND NOT o.withdrawn AND \(condition)
                    """, database: world.database.name)
                let listed = try await officer.send(client, .get, "/api/v1/units/D01/items?year=\(Self.year)\(column)").json()
                #expect(listed["total"] as? Int == Int(counted ?? ""), "D01\(column): \(String(describing: listed["total"])) vs \(counted ?? "-")")
                #expect((listed["total"] as? Int ?? 0) > 0)
            }
            #expect(try await officer.send(client, .get, "/api/v1/units/D01/inspections?year=\(Self.year)").status == .ok)
            let api = try await officer.send(client, .get, "/api/v1/units/D01/inspections?year=1999-2000")
            #expect(api.status == .badRequest && api.errorCode == "dashboard.unknown_year", "\(api.text.prefix(200))")
            let page = try await officer.send(client, .get, "/units/D01/inspections?year=2099-2100")
            #expect(page.status == .badRequest && page.text.contains("2099-2100"))
            #expect(try await admin.send(client, .get, "/outbox?state=failed").status == .ok)
            let outbox = try await admin.send(client, .get, "/outbox?state=lost")
            #expect(outbox.status == .badRequest && outbox.text.contains("Không có trạng thái thư"))
        }
    }
}
