import HosoCore
import HosoStore

/// The dashboard's JSON: a unit's figures (`/api/v1/units/{code}/compliance`), the items behind
/// them and the people to remind.
extension API {
    struct Figures: Encodable {
        let expected, submitted, onTime, late, late1to3, late4to7, lateOver7, missing, notDue: Int
        let awaiting, returned, approved, signed, locked, exempt: Int
        let completeness, timeliness: Double?

        init(_ c: ComplianceCounts) {
            (expected, submitted, onTime, late) = (c.expected, c.submitted, c.onTime, c.late)
            (late1to3, late4to7, lateOver7) = (c.late1to3, c.late4to7, c.lateOver7)
            (missing, notDue, awaiting, returned) = (c.missing, c.notDue, c.awaiting, c.returned)
            (approved, signed, locked, exempt) = (c.approved, c.signed, c.locked, c.exempt)
            (completeness, timeliness) = (c.completeness, c.timeliness)
        }
    }

    struct TypeFigures: Encodable {
        let recordType: String
        let name: String
        let figures: Figures
    }

    struct ChildFigures: Encodable {
        let unit: UnitRef
        let total: Figures
        let byType: [TypeFigures]?
    }

    struct WeekFigures: Encodable {
        let week: Int
        let monday: String
        let figures: Figures
    }

    struct Filter: Encodable {
        let schoolYear: String
        let semester: Int?
        let fromWeek: Int
        let toWeek: Int
        let recordType: String?
        let schoolLevel: String?
        /// `stood` or `now`: the tree the figures follow.
        let tree: String
    }

    struct Compliance: Encodable {
        let unit: UnitRef
        let filter: Filter
        let total: Figures
        let byType: [TypeFigures]
        let children: [ChildFigures]
        let weeks: [WeekFigures]
        let signatures: SignatureCounts
    }

    /// Submitted items of the school year by the state of their signatures.
    struct SignatureCounts: Encodable {
        let signed: Int
        let unsigned: Int
        let invalid: Int

        init(_ tally: ComplianceQuery.SignatureTally) {
            (signed, unsigned, invalid) = (tally.signed, tally.unsigned, tally.invalid)
        }
    }

    /// A page of a list (`ItemListing`): its items, whether more follow, and how many there are
    /// (counted up to `ListCount.cap`: `totalExact` is false past it).
    struct Items: Encodable {
        let page: Int
        let pageSize: Int
        let sort: String
        let total: Int
        let totalExact: Bool
        let hasMore: Bool
        let items: [Obligation]

        init(_ read: ItemListing.Read, _ parameters: ItemListing.Parameters, _ language: Language) {
            page = parameters.page.number
            pageSize = parameters.page.size
            sort = parameters.order.parameter
            total = read.count.total
            totalExact = read.count.exact
            hasMore = read.hasMore
            items = read.rows.map { Obligation($0, language) }
        }
    }

    struct Reminder: Encodable {
        let login: String
        let displayName: String
        let email: String?
        let unit: String
        let dueSoon: Int
        let overdue: Int
        let returned: Int
        let earliestDue: String
    }

    struct Reminders: Encodable {
        let unit: UnitRef
        let days: Int
        let people: [Reminder]
    }
}

extension API {
    /// One account whose password needs a reminder: never a password or a hash.
    struct StalePassword: Encodable {
        let login: String
        let displayName: String
        let units: [String]
        let ageDays: Int?
        let daysLeft: Int?
        /// `never_changed`, `must_change`, `expired`, `expires_soon`, `past_limit`, `locked`.
        let reasons: [String]
    }

    struct StalePasswords: Encodable {
        let unit: UnitRef
        let ageLimitDays: Int
        let warningDays: Int
        let accounts: [StalePassword]
    }

    /// The password warning of the session's sign-in.
    struct PasswordNoticeView: Encodable {
        let kind: String
        let days: Int?
        let grace: Int?
        let message: String
    }
}
