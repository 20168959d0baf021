import HosoCore
import Testing

/// The effective-dated tree's pure rules: how a tenant file's statement becomes the kept spans,
/// the tree on a date, and the histories the validator refuses.
@Suite struct UnitHistoryTests {
    static let today = LocalDate(2026, 12, 7)!
    static let july = LocalDate(2025, 7, 1)!

    func unit(_ code: String, parent: String?, since: String? = nil, past: [UnitDefinition.PastParent] = [],
              kind: String = "school", successor: String? = nil) -> UnitDefinition {
        UnitDefinition(code: code, nameVi: code, nameEn: code, kind: kind, schoolLevels: kind == "school" ? [.primary] : [],
                       parentCode: parent, line: 1, parentSince: since, pastParents: past, successorCode: successor)
    }

    @Test func aNewParentIsDatedByTheFileOrOnTheDayOfTheImport() {
        let kept = [ParentSpan("D01", from: nil)]
        // Same parent, no date: nothing changes.
        #expect(UnitHistory.planned(stored: kept, unit: unit("S01", parent: "D01"), today: Self.today) == kept)
        // A new parent without a date holds from the day of the import.
        #expect(UnitHistory.planned(stored: kept, unit: unit("S01", parent: "X01"), today: Self.today)
                == [ParentSpan("D01", from: nil), ParentSpan("X01", from: Self.today)])
        // With its legal date, in the past …
        let dated = UnitHistory.planned(stored: kept, unit: unit("S01", parent: "X01", since: "2025-07-01"), today: Self.today)
        #expect(dated == [ParentSpan("D01", from: nil), ParentSpan("X01", from: Self.july)])
        // … a date corrected later replaces the one guessed at the import.
        let guessed = [ParentSpan("D01", from: nil), ParentSpan("X01", from: Self.today)]
        #expect(UnitHistory.planned(stored: guessed, unit: unit("S01", parent: "X01", since: "2025-07-01"), today: Self.today) == dated)
        // past_parents state the whole history; the first span reaches back to the beginning.
        let stated = unit("S01", parent: "X01", since: "2025-07-01", past: [.init(parentCode: "D09", since: "2019-09-01")])
        #expect(UnitHistory.planned(stored: kept, unit: stated, today: Self.today)
                == [ParentSpan("D09", from: nil), ParentSpan("X01", from: Self.july)])
        // A new unit hangs under its parent from the beginning.
        #expect(UnitHistory.planned(stored: [], unit: unit("S09", parent: "D01"), today: Self.today) == [ParentSpan("D01", from: nil)])
    }

    @Test func theTreeOnADateFollowsTheSpansAndAFutureMoveWaitsForItsDay() {
        let later = LocalDate(2027, 7, 1)!
        let histories: [String: [ParentSpan]] = [
            "SO": [ParentSpan(nil, from: nil)],
            "D01": [ParentSpan("SO", from: nil)],
            "X01": [ParentSpan("SO", from: nil)],
            "S01": [ParentSpan("D01", from: nil), ParentSpan("X01", from: Self.july), ParentSpan("SO", from: later)],
        ]
        #expect(UnitHistory.ancestry(of: "S01", on: LocalDate(2025, 6, 30)!, histories) == ["SO", "D01", "S01"])
        #expect(UnitHistory.ancestry(of: "S01", on: Self.july, histories) == ["SO", "X01", "S01"])
        #expect(UnitHistory.ancestry(of: "S01", on: Self.today, histories) == ["SO", "X01", "S01"])
        #expect(UnitHistory.ancestry(of: "S01", on: later, histories) == ["SO", "S01"])
        #expect(UnitHistory.changeDates(histories) == [Self.july, later])
    }

    @Test func aCycleOnAnyDateIsFoundWithItsDate() {
        // Each office is under the other for the summer of 2025 only.
        let histories: [String: [ParentSpan]] = [
            "SO": [ParentSpan(nil, from: nil)],
            "A": [ParentSpan("SO", from: nil), ParentSpan("B", from: Self.july), ParentSpan("SO", from: LocalDate(2025, 9, 1)!)],
            "B": [ParentSpan("SO", from: nil), ParentSpan("A", from: LocalDate(2025, 8, 1)!)],
        ]
        let cycles = UnitHistory.cycles(histories)
        #expect(cycles.count == 1)
        #expect(cycles.first?.date == LocalDate(2025, 8, 1)! && Set(cycles.first?.codes ?? []) == ["A", "B"])
        var fixed = histories
        fixed["B"] = [ParentSpan("SO", from: nil), ParentSpan("A", from: LocalDate(2025, 9, 1)!)]
        #expect(UnitHistory.cycles(fixed).isEmpty)
    }

    @Test func aDateOutsideTheTenantsSchoolYearsIsNamed() {
        let histories: [String: [ParentSpan]] = [
            "S01": [ParentSpan("D01", from: nil), ParentSpan("X01", from: Self.july)],
            "S02": [ParentSpan("D01", from: nil), ParentSpan("X01", from: LocalDate(2019, 9, 1)!)],
        ]
        let outside = UnitHistory.datesOutside(years: ["2025-2026", "2026-2027"], histories)
        #expect(outside.map(\.code) == ["S02"])
        #expect(UnitHistory.datesOutside(years: [], histories).isEmpty, "no calendars yet: nothing to check against")
        #expect(SchoolYearSpan(code: "2025-2026")?.contains(Self.july) == true)
        #expect(SchoolYearSpan(code: "2024-2025")?.contains(Self.july) == false)
        #expect(SchoolYearSpan(code: "2025-2027") == nil)
    }

    @Test func theValidatorRefusesBadHistoriesByLine() {
        let levels = [UnitLevel(kind: "department", nameVi: "Sở", nameEn: "Department", parents: [], isSchool: false),
                      UnitLevel(kind: "office", nameVi: "Phòng", nameEn: "Office", parents: ["department", "office"], isSchool: false),
                      UnitLevel(kind: "school", nameVi: "Trường", nameEn: "School", parents: ["department", "office"], isSchool: true)]
        func codes(_ units: [UnitDefinition]) -> [String] {
            let tenant = TenantDefinition(id: "t", nameVi: "T", nameEn: "T", hosts: [], levels: levels, units: units, directory: nil, groupRules: [])
            do { _ = try TenantValidator.validate(tenant); return [] } catch let errors as HosoErrors {
                return errors.errors.map(\.code)
            } catch { return ["\(error)"] }
        }
        let base = [unit("SO", parent: nil, kind: "department"), unit("A", parent: "SO", kind: "office"), unit("B", parent: "SO", kind: "office")]
        #expect(codes(base) == [])
        // B under A from 1 Aug 2025 while A is under B from 1 July.
        #expect(codes([base[0], unit("A", parent: "SO", since: "2025-09-01", past: [.init(parentCode: "SO"), .init(parentCode: "B", since: "2025-07-01")], kind: "office"),
                       unit("B", parent: "A", since: "2025-08-01", kind: "office")]) == ["tenant.cycle_on"])
        #expect(codes([base[0], base[1], unit("B", parent: "SO", since: "2025-07-01", past: [.init(parentCode: "A", since: "2025-08-01")], kind: "office")])
                == ["tenant.history_order"])
        #expect(codes([unit("SO", parent: nil, since: "2025-07-01", kind: "department"), base[1], base[2]]) == ["tenant.root_history"])
        #expect(codes([base[0], unit("A", parent: "SO", kind: "office", successor: "A"), base[2]]) == ["tenant.unknown_successor"])
        #expect(codes([base[0], unit("A", parent: "SO", kind: "office", successor: "Z9"), base[2]]) == ["tenant.unknown_successor"])
        #expect(codes([base[0], base[1], unit("B", parent: "SO", past: [.init(parentCode: "A")], kind: "office")]) == ["tenant.missing_field"])
        #expect(codes([base[0], base[1], unit("B", parent: "SO", since: "2025-02-30", kind: "office")]) == ["tenant.bad_date"])
        #expect(codes([base[0], base[1], unit("B", parent: "SO", since: "2025-07-01", past: [.init(parentCode: "Q1")], kind: "office")])
                == ["tenant.unknown_parent"])
    }
}
