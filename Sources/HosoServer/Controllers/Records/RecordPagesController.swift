import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// Reading records: what a person owes, the approval queue, a record's page and its JSON. What a
/// page offers comes from `RecordDecisions.offered`, the same functions the actions run.
struct RecordPagesController: Sendable {
    let services: AppServices
    var reader: RecordReader { RecordReader(services: services) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.owe) { request, context in try await self.owePage(request: request, context: context) }
        router.get(.approvals) { request, context in try await self.approvalsPage(request: request, context: context) }
        router.get(.record) { request, context in try await self.recordPage(request: request, context: context) }
        router.get(.apiMyObligations) { request, context in try await self.oweJSON(request: request, context: context) }
        router.get(.apiApprovals) { request, context in try await self.approvalsJSON(request: request, context: context)
        }
        router.get(.apiObligation) { request, context in try await self.recordJSON(request: request, context: context) }
        addMyItemsRoutes(to: router)
    }

    // MARK: - What I owe

    struct Owed {
        var thisWeek: [ObligationRow] = []
        var nextWeek: [ObligationRow] = []
        var late: [ObligationRow] = []
        var returned: [ObligationRow] = []
    }

    func owed(_ actor: Actor) async throws -> Owed {
        let monday = services.clock.today().monday
        let thisWeekEnd = VietnamTime.epochSeconds(monday.adding(days: 6))
        let nextWeekEnd = VietnamTime.epochSeconds(monday.adding(days: 13))
        let start = VietnamTime.epochSeconds(monday.adding(days: -1))
        var owed = Owed()
        for row in try await services.obligations.owed(
            tenantID: actor.tenantID, userID: actor.userID, from: start, until: nextWeekEnd)
        {
            if row.status == .returned {
                owed.returned.append(row)
            } else if row.status == .missing {
                owed.late.append(row)
            } else if row.dueAt <= thisWeekEnd {
                owed.thisWeek.append(row)
            } else {
                owed.nextWeek.append(row)
            }
        }
        return owed
    }

    /// What a teacher owes, what they came for first: this week's and next week's deadlines, then
    /// what was returned, then what is overdue this school year (the most recent first). Earlier
    /// years' overdue items stay behind a link (`?past=1`): last year's backlog does not bury this week.
    func owePage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let owed = try await owed(actor)
        let language = context.language
        let localizer = services.localizer
        let current = (owed.thisWeek + owed.nextWeek + owed.returned + owed.late).map(\.schoolYear).max() ?? ""
        let late = owed.late.filter { $0.schoolYear == current }.sorted { ($0.dueAt, $0.id) > ($1.dueAt, $1.id) }
        let earlier = owed.late.filter { $0.schoolYear != current }.sorted { ($0.dueAt, $0.id) > ($1.dueAt, $1.id) }
        let past = request.uri.queryParameters["past"] == "1"
        var sections = [
            ("owe.this_week", owed.thisWeek), ("owe.next_week", owed.nextWeek), ("owe.returned", owed.returned), ("owe.late", late),
        ]
        if past && !earlier.isEmpty { sections.append(("owe.earlier", earlier)) }
        let page = OwePage(
            sections: sections.map { key, rows in
                OwePage.Section(
                    title: localizer.text(key, language), rows: rows.map { ObligationItem($0, language, localizer) }, empty: rows.isEmpty)
            },
            earlier: past || earlier.isEmpty ? nil : .init(
                text: localizer.text("owe.show_earlier", language, ["count": String(earlier.count)]),
                url: SiteURL.owe.path(query: [("past", "1")])),
            allItems: SiteURL.myItems.path)
        return services.renderer.render(.owe, page, context: context, request: request, title: localizer.text("owe.title", language))
    }

    func oweJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let owed = try await owed(actor)
        let language = context.language
        return try JSONResponse.make(
            API.Owed(
                late: owed.late.map { API.Obligation($0, language) },
                returned: owed.returned.map { API.Obligation($0, language) },
                thisWeek: owed.thisWeek.map { API.Obligation($0, language) },
                nextWeek: owed.nextWeek.map { API.Obligation($0, language) }
            ))
    }

    // MARK: - Approval queue

    func approvalsPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let rows = try await services.obligations.approvalQueue(actor)
        let language = context.language
        let progress = try await services.obligations.signerProgress(tenantID: actor.tenantID, obligationIDs: rows.map(\.id))
        let page = ApprovalsPage(
            rows: rows.map { row in
                var item = ObligationItem(row, language, services.localizer)
                item.signers = progress[row.id].map {
                    services.localizer.text("signers.progress", language, ["signed": String($0.signed), "of": String($0.of)])
                }
                return item
            }, empty: rows.isEmpty)
        return services.renderer.render(
            .approvals, page, context: context, request: request,
            title: services.localizer.text("approvals.title", language))
    }

    func approvalsJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let rows = try await services.obligations.approvalQueue(actor)
        return try JSONResponse.make(API.Queue(items: rows.map { API.Obligation($0, context.language) }))
    }

    // MARK: - A record

    func recordPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let inspection = request.uri.queryParameters["inspection"].flatMap { Int64(String($0)) }
        let detail = try await reader.detail(actor, try RecordRoute.id(context), inspection: inspection)
        var signatures: [SignatureRow] = []
        if let version = detail.visible.row.currentVersionID {
            signatures = try await services.signatures.signatures(tenantID: actor.tenantID, versionID: version)
        }
        var page = RecordPageBuilder(localizer: services.localizer, language: context.language).page(
            detail, signatures: signatures)
        let row = detail.visible.row
        if detail.type.paperCopy != .none {
            let copies = try await PaperCopyStore(database: services.database, logger: services.logger)
                .copies(tenantID: actor.tenantID, obligationID: row.id)
            page.paper = PaperSection.build(
                detail.visible.snapshot, obligationID: row.id, copies: copies,
                offered: RecordDecisions.offered(detail.visible.snapshot).filePaperCopy,
                localizer: services.localizer, language: context.language)
        }
        return services.renderer.render(
            .record, page, context: context, request: request,
            title: context.language == .en ? row.typeNameEn : row.typeNameVi)
    }

    func recordJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let detail = try await reader.detail(actor, try RecordRoute.id(context))
        let language = context.language
        return try JSONResponse.make(
            API.Record(
                obligation: API.Obligation(detail.visible.row, language),
                chain: detail.type.chain.steps.map {
                    API.Step(role: $0.role.rawValue, signatureRequired: $0.signatureRequired)
                },
                submitter: detail.type.submitter.rawValue, formats: detail.type.formats.map(\.rawValue),
                maxBytes: detail.type.maxBytes,
                versions: detail.versions.map { API.Version($0, documents: detail.documents[$0.id] ?? []) },
                events: detail.events.map(API.Event.init),
                corrections: detail.corrections.map { API.Correction($0, witnesses: detail.witnesses, minutes: detail.minutes) },
                audit: detail.audit.map {
                    API.AuditEntry(
                        seq: $0.seq, at: VietnamTime.iso(epochSeconds: $0.atMicroseconds / 1_000_000),
                        actor: $0.actorLogin, action: $0.action)
                }
            ))
    }
}

/// Path parameters of the record routes.
enum RecordRoute {
    /// A positive id, or `record.not_found` (an id that cannot exist is a record that does not).
    static func id(_ context: SignedInContext, _ name: String = "id") throws -> Int64 {
        try context.positiveID(name, notFound: "record.not_found")
    }
}
