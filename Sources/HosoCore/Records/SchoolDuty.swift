/// A duty a person holds in a school besides teaching, named in the people import (`duty` column)
/// because no directory group says it: the Pioneer leader (tổng phụ trách Đội), who alone keeps the
/// Pioneer book (TT 28/2020 Điều 21.3; TT 15/2026 Điều 21.3, unverified).
public enum SchoolDuty: String, Sendable, Codable, CaseIterable, Hashable {
    case pioneerLeader = "pioneer_leader"
}

extension SchoolPeople {
    /// One person's duty over a span of dates.
    public struct Duty: Sendable, Equatable {
        public let userID: Int64
        public let duty: SchoolDuty
        public let span: Span
        public init(userID: Int64, duty: SchoolDuty, span: Span) {
            self.userID = userID
            self.duty = duty
            self.span = span
        }
    }
}

extension ObligationPlanner {
    /// The holders of `duty` during `period`, each once: the book is theirs (owner and responsible).
    /// A school where nobody holds the duty owes nothing: the import names the holder.
    static func dutyHolders(
        _ duty: SchoolDuty, _ period: ObligationPeriod,
        _ people: SchoolPeople
    ) -> [(ObligationOwner, Int64?)] {
        var seen: Set<Int64> = []
        return people.duties
            .filter {
                $0.duty == duty && $0.span.overlaps(period.first, period.last) && seen.insert($0.userID).inserted
            }
            .map { (.user($0.userID), $0.userID) }
    }
}
