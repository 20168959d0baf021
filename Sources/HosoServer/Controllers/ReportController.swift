import Foundation
import HosoCore
import HosoReports
import HosoStore
import Hummingbird

/// Periodic and ad-hoc reports of any unit the actor may export from: the request becomes a job,
/// generated in the background (the page shows its progress and then the download); the file
/// enters the blob store whole or not at all.
struct ReportController: Sendable {
    let services: AppServices
    var browser: UnitBrowser { UnitBrowser(services: services) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.unitReports) { request, context in try await self.formPage(request: request, context: context) }
        router.post(.unitReports) { request, context in try await self.requestForm(request: request, context: context) }
        router.get(.report) { request, context in try await self.jobPage(request: request, context: context) }
        router.get(.reportDownload) { request, context in try await self.download(request: request, context: context) }
        router.post(.apiUnitReports) { request, context in
            try await self.requestJSON(request: request, context: context)
        }
        router.get(.apiReport) { request, context in try await self.jobJSON(request: request, context: context) }
        router.get(.apiReportContent) { request, context in try await self.download(request: request, context: context)
        }
    }

    func t(_ key: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        services.localizer.text(key, language, values)
    }

    // MARK: - Requesting

    /// Checks the request now (scope, period, filter), so that a bad one is refused at once, and
    /// queues the job.
    func submit(_ actor: Actor, code: String, fields: [String: String]) async throws -> Int64 {
        let (id, request) = try await queue(actor, code: code, fields: fields)
        await services.reportRunner.enqueue(id: id, actor: actor, request: request, services: services)
        return id
    }

    /// The checked request, stored as a queued job (`submit` hands it to the runner; the demo's
    /// past runs it at once, `DemoActs`).
    func queue(_ actor: Actor, code: String, fields: [String: String]) async throws -> (Int64, PeriodicReport.Request) {
        let unit = try await browser.authorize(actor, .exportReports, code: code)
        guard let format = PeriodicReport.Format(rawValue: fields["format"] ?? "pdf") else {
            throw HosoError("report.unknown_format", ["format": String((fields["format"] ?? "").prefix(10))])
        }
        var query: [String: String] = [:]
        for key in ["period", "semester", "month", "from", "to", "year", "type", "level"] {
            if let value = fields[key].map(Text.trimmed), !value.isEmpty { query[key] = value }
        }
        let place = try ReportDecisions.request(
            actor, unit: unit.position, place: fields["place"], suggested: InspectionController.suggestedPlace(unit))
        let request = PeriodicReport.Request(unitCode: unit.code, query: query, format: format, place: place)
        // The same checks the job will make, before anything is queued.
        let report = PeriodicReport(services: services)
        let (period, _, year) = try await report.resolve(query, tenantID: actor.tenantID)
        let title = report.words.text(
            "subtitle", ["period": period.label(year.weeks, english: false), "unit": unit.nameVi])
        let id = try await services.reportJobs.create(
            actor, unitID: unit.id, format: format.rawValue, parameters: request.encoded, title: title)
        return (id, request)
    }

    func formPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let language = context.language
        let unit = try await browser.authorize(actor, .exportReports, code: try context.pathParameter("code"))
        let catalog = try await services.catalog.tenant(actor.tenantID)
        let today = services.clock.today()
        let current = catalog.currentYear(today: today) ?? ""
        let year = catalog.years[current]
        let jobs = try await services.reportJobs.recent(tenantID: actor.tenantID, requestedBy: actor.userID)
        let page = ReportsPage(
            unit: .init(
                code: unit.code, name: unit.name(in: language), url: SiteURL.unit(unit.code).path,
                dashboard: SiteURL.unitDashboard(unit.code).path, action: SiteURL.unitReports(unit.code).path),
            years: catalog.order.map { .init(year: $0, selected: $0 == current) },
            semesters: (year?.weeks.semesters ?? []).map { .init(number: $0.number) },
            types: (year?.types ?? []).map { .init(code: $0.code, name: language == .en ? $0.nameEn : $0.nameVi) },
            levels: SchoolLevel.allCases.map {
                .init(code: $0.rawValue, name: t("school_level." + $0.rawValue, language))
            },
            month: String(today.iso.prefix(7)), from: today.firstOfMonth.iso, to: today.iso,
            place: InspectionController.suggestedPlace(unit),
            jobs: jobs.map { jobView($0, language) }, hasJobs: !jobs.isEmpty
        )
        return services.renderer.render(
            .reports, page, context: context, request: request,
            title: t("report.title", language, ["unit": unit.name(in: language)]))
    }

    func requestForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let form = try await request.decodeForm()
        let id = try await submit(actor, code: try context.pathParameter("code"), fields: form.dictionary)
        return Response.redirect(to: SiteURL.report(id).path, type: .normal)
    }

    func requestJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let fields = try await request.decodeJSON([String: String].self)
        let id = try await submit(actor, code: try context.pathParameter("code"), fields: fields)
        guard let job = try await services.reportJobs.job(tenantID: actor.tenantID, id: id) else {
            throw HosoError("report.not_found")
        }
        return try JSONResponse.make(try await apiValue(actor, job), status: .accepted)
    }

    // MARK: - A job

    /// The job if the actor asked for it and may still export from its unit.
    func job(_ actor: Actor, _ context: SignedInContext) async throws -> ReportJob {
        let id = try context.positiveID(notFound: "report.not_found")
        guard let job = try await services.reportJobs.job(tenantID: actor.tenantID, id: id),
            let unit = try await services.units.units(tenantID: actor.tenantID, ids: [job.unitID]).first,
            ReportDecisions.isVisible(actor, requestedBy: job.requestedBy, unit: unit.position)
        else {
            throw HosoError("report.not_found")
        }
        return job
    }

    func jobView(_ job: ReportJob, _ language: Language) -> ReportJobView {
        let running = job.state == .queued || job.state == .running
        return ReportJobView(
            id: job.id, url: SiteURL.report(job.id).path, title: job.title, format: job.format.uppercased(),
            state: t("report_state." + job.state.rawValue, language), stateCode: job.state.rawValue,
            percent: Int((job.progress * 100).rounded()), created: VietnamTime.display(epochSeconds: job.createdAt),
            running: running, done: job.state == .done, failed: job.state == .failed,
            stage: job.stage.map { t($0, language) }, error: job.errorCode.map { t("error." + $0, language) },
            download: job.state == .done ? SiteURL.reportDownload(job.id).path : nil,
            size: job.size.map(ByteSize.text)
        )
    }

    func jobPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let language = context.language
        let job = try await job(actor, context)
        let unit = try await services.units.units(tenantID: actor.tenantID, ids: [job.unitID]).first
        var view = jobView(job, language)
        view.unitReports = unit.map { SiteURL.unitReports($0.code).path } ?? SiteURL.home.path
        // While it runs the page reloads itself (no script needed).
        var response = services.renderer.render(
            .report, ReportPage(job: view, refresh: view.running),
            context: context, request: request, title: job.title)
        if view.running { response.headers[.refresh] = "2" }
        return response
    }

    func apiValue(_ actor: Actor, _ job: ReportJob) async throws -> API.Report {
        let unit = try await services.units.units(tenantID: actor.tenantID, ids: [job.unitID]).first
        return API.Report(
            id: job.id, unit: unit?.code ?? "", format: job.format, title: job.title, state: job.state.rawValue,
            progress: job.progress,
            stage: job.stage, error: job.errorCode, size: job.size, filename: job.filename,
            url: job.state == .done ? SiteURL.apiReportContent(job.id).path : nil)
    }

    func jobJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        return try JSONResponse.make(try await apiValue(actor, try await job(actor, context)))
    }

    func download(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let job = try await job(actor, context)
        guard job.state == .done, let sha = job.sha256, let format = PeriodicReport.Format(rawValue: job.format) else {
            throw HosoError("report.not_ready")
        }
        let bytes = try services.blobs.read(sha)
        try await services.audit.append(
            tenantID: actor.tenantID,
            AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: "report.download", unitID: job.unitID,
                subject: "report:\(job.id)",
                details: ["sha256": sha]
            ))
        var headers = Download.headers(filename: job.filename ?? "report.\(format.rawValue)", type: format.mediaType)
        headers[.xContentSHA256] = sha
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Runs report jobs in the background, two at a time; the rest wait their turn (queued). Each
/// job reads, draws into a temporary file, moves the file into the blob store (synced) and only
/// then marks the job done: a job cut short leaves no file, and the next start marks it interrupted.
actor ReportRunner {
    let maxRunning: Int
    var running = 0
    var waiting: [CheckedContinuation<Void, Never>] = []

    init(maxRunning: Int = 2) {
        self.maxRunning = maxRunning
    }

    func enqueue(id: Int64, actor: Actor, request: PeriodicReport.Request, services: AppServices) {
        Task.detached {
            // A heartbeat while the job waits and runs: a job that stops beating was cut short.
            let heartbeat = Task {
                while !Task.isCancelled {
                    try? await services.reportJobs.heartbeat(tenantID: actor.tenantID, id: id)
                    try? await Task.sleep(for: .seconds(ReportJobStore.heartbeatSeconds))
                }
            }
            await self.acquire()
            await Self.run(id: id, actor: actor, request: request, services: services)
            await self.release()
            heartbeat.cancel()
        }
    }

    func acquire() async {
        if running < maxRunning {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    static func run(id: Int64, actor: Actor, request: PeriodicReport.Request, services: AppServices) async {
        let jobs = services.reportJobs
        let tenantID = actor.tenantID
        let logger = services.logger
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "hoso-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try await jobs.started(tenantID: tenantID, id: id)
            let report = PeriodicReport(services: services)
            let data = try await report.gather(actor, request) { fraction, stage in
                try? await jobs.progress(tenantID: tenantID, id: id, fraction * 0.85, stage: stage)
            }
            try await jobs.progress(tenantID: tenantID, id: id, 0.86, stage: "report.stage.drawing")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let file = folder.appendingPathComponent("report.\(request.format.rawValue)")
            switch request.format {
            case .pdf:
                let bytes = try OfficialDocumentRenderer(layout: services.documents.layout).render(
                    report.document(data))
                try Foundation.Data(bytes).write(to: file)
            case .xlsx:
                try report.writeXLSX(data, to: file, folder: folder)
            case .csv:
                try Foundation.Data(report.csv(data).utf8).write(to: file)
            }
            let writer = try services.blobs.writer(limit: 2 * 1024 * 1024 * 1024)
            do {
                let handle = try FileHandle(forReadingFrom: file)
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try writer.write([UInt8](chunk))
                }
            } catch {
                writer.abort()
                throw error
            }
            let staged = try writer.finish()
            try staged.commit()
            try await jobs.finish(
                tenantID: tenantID, id: id, blob: staged, mediaType: request.format.mediaType,
                filename: report.filename(data, request.format))
        } catch {
            let code = (error as? HosoError)?.code ?? "report.failed"
            if (error as? HosoError) == nil {
                logger.error("report failed", metadata: ["job": "\(id)", "error": "\(String(reflecting: error))"])
            }
            try? await jobs.fail(tenantID: tenantID, id: id, code: code)
        }
    }
}
