/// The decisions about reports rolled up the tree: who may ask for one of a unit, how many of one
/// person's may wait at once, and who sees a job once asked. The controller and the job store ask
/// these; neither decides itself.
public enum ReportDecisions {
    /// How many of one person's reports may wait or run at once.
    public static let maxPending = 4
    public static let maxPlaceLength = 100
    static let policy = Policy()

    /// Someone who may export from `unit` asks for a report; returns the place the document is
    /// dated at (the one given, or `suggested`).
    public static func request(_ actor: Actor, unit: UnitPosition, place: String?, suggested: String) throws -> String {
        try policy.authorize(actor, .exportReports, on: unit)
        let given = Text.trimmed(place ?? "")
        let kept = given.isEmpty ? suggested : given
        guard kept.count <= maxPlaceLength else { throw HosoError("report.bad_place") }
        return kept
    }

    /// Another job may be queued while `pending` of the requester's wait or run (read under the
    /// requester's lock in the transaction that queues it).
    public static func queue(pending: Int) throws {
        guard pending < maxPending else { throw HosoError("report.too_many", ["count": String(maxPending)]) }
    }

    /// A job is its requester's, and only while they may still export from its unit: anyone else
    /// is answered as if it did not exist.
    public static func isVisible(_ actor: Actor, requestedBy: Int64, unit: UnitPosition) -> Bool {
        requestedBy == actor.userID && policy.allows(actor, .exportReports, on: unit)
    }
}
