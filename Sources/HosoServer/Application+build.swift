import Foundation
import HosoMail
import Hummingbird
import HummingbirdCore
import HosoCore
import HosoDirectory
import HosoSigning
import HosoStore
import Logging

/// Builds the whole portal from its configuration; `hoso serve` and the tests both call this.
public func buildApplication(
    configuration: AppConfiguration, directory: (any DirectoryService)? = nil, clock: any WallClock = SystemClock(), logger: Logger? = nil
) async throws -> some ApplicationProtocol {
    let logger: Logger = {
        var logger = logger ?? Logger(label: "hoso")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
    }()
    let services = try await makeServices(configuration: configuration, directory: directory, clock: clock, logger: logger)

    let limits = configuration.connections
    var app = Application(
        router: makeRouter(services: services),
        server: .http1(limits: limits),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "hoso",
            availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger)
        ),
        logger: logger
    )
    app.addServices(services.database.client)
    let database = services.database
    app.beforeServerStarts {
        if let migration = configuration.migrationDatabase {
            let applied = try await Migrator(migrations: try Migration.bundled(), logger: logger).migrate(migration)
            if !applied.isEmpty { logger.info("migrated", metadata: ["applied": "\(applied.joined(separator: ", "))"]) }
        }
        try await database.checkApplicationRole()
        // Uploads cut short by a crash left only temporary files, which nothing names.
        let abandoned = services.blobs.removeAbandonedUploads()
        if abandoned > 0 { logger.info("removed abandoned uploads", metadata: ["count": "\(abandoned)"]) }
        // Reports a stopped process was generating will not finish: say so on their pages.
        if let tenants = try? await services.tenants.tenants(),
           let interrupted = try? await services.reportJobs.markInterrupted(tenantIDs: tenants.map(\.id)), interrupted > 0 {
            logger.info("reports interrupted by the last stop", metadata: ["count": "\(interrupted)"])
        }
    }
    app.addServices(MissingSweep(services: services))
    if let mail = configuration.mail {
        app.addServices(MailSender(services: services, mail: mail, transport: SMTPTransport(logger: logger), interval: .seconds(2)))
        app.addServices(DigestScheduler(services: services, mail: mail, interval: .seconds(60)))
    }
    if let directory = configuration.anchorDirectory, let key = configuration.anchorKey, key.canSign {
        app.addServices(AnchorWriter(services: services, key: key, ledger: AnchorLedger(directory: directory),
                                     interval: .seconds(configuration.anchorIntervalSeconds)))
    }
    return app
}

public func makeServices(configuration: AppConfiguration, directory: (any DirectoryService)? = nil,
                         clock: any WallClock = SystemClock(), logger: Logger) async throws -> AppServices {
    let localizer = try Localizer(directory: configuration.webDirectory + "/locales")
    let renderer = try await PageRenderer(templateDirectory: configuration.webDirectory + "/templates", localizer: localizer)
    let database = Database(url: configuration.database, logger: logger, maxConnections: configuration.databaseMaxConnections,
                            timeout: .seconds(Int64(configuration.databaseTimeoutSeconds)))
    return try AppServices(
        configuration: configuration, database: database, directory: directory ?? LDAPDirectory(logger: logger),
        localizer: localizer, renderer: renderer, staticFiles: try StaticFiles(directory: configuration.webDirectory + "/static"),
        blobs: try BlobStore(root: configuration.blobDirectory),
        documents: try DocumentTemplates.load(directory: configuration.resolvedReportsDirectory),
        schema: try SigningService.loadSchema(webDirectory: configuration.webDirectory), clock: clock, logger: logger
    )
}

/// Every route, behind the middleware chain of ARCHITECTURE.md: request id and log → language →
/// errors → session → errors → NUL in the path or query → CSRF → controller. Errors are rendered
/// twice over: the outer layer catches a failing session lookup (the database down), the inner one
/// renders every other error with the signed-in person's page frame.
public func makeRouter(services: AppServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: LanguageMiddleware())
    router.add(middleware: ErrorMiddleware(services: services))
    router.add(middleware: MergedTenantMiddleware(services: services))
    router.add(middleware: SessionMiddleware(services: services))
    router.add(middleware: ErrorMiddleware(services: services))
    router.add(middleware: TextInputMiddleware())
    router.add(middleware: CSRFMiddleware())

    // Every route below `signedIn` gets a `SignedInContext`: a handler there cannot run without a
    // session, and reads a non-optional actor.
    let signedIn = router.group(context: SignedInContext.self)
    HealthController(services: services).addRoutes(to: router)
    SessionController(services: services).addRoutes(to: router, signedIn: signedIn)
    UnitController(services: services).addRoutes(to: signedIn)
    PasswordController(services: services).addRoutes(to: signedIn)
    SearchController(services: services).addRoutes(to: signedIn)
    RecordPagesController(services: services).addRoutes(to: signedIn)
    RecordFilesController(services: services).addRoutes(to: signedIn)
    RecordDecisionController(services: services).addRoutes(to: signedIn)
    CorrectionMinutesController(services: services).addRoutes(to: signedIn)
    EntryWindowController(services: services).addRoutes(to: signedIn)
    PaperCopyController(services: services).addRoutes(to: signedIn)
    FormChoiceController(services: services).addRoutes(to: signedIn)
    SignatureController(services: services).addRoutes(to: signedIn)
    SubmissionSignatureController(services: services).addRoutes(to: signedIn)
    DashboardController(services: services).addRoutes(to: signedIn)
    InspectionController(services: services).addRoutes(to: signedIn)
    ReportController(services: services).addRoutes(to: signedIn)
    MailController(services: services).addRoutes(to: router, signedIn: signedIn)
    OpenAPIController(webDirectory: services.configuration.webDirectory).addRoutes(to: router)
    StaticController(files: services.staticFiles).addRoutes(to: router)
    return router
}
