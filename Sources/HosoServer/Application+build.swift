import Foundation
import Hummingbird
import HosoCore
import HosoDirectory
import HosoStore
import Logging

/// Builds the whole portal from its configuration; `hoso serve` and the tests both call this.
public func buildApplication(
    configuration: AppConfiguration, directory: (any DirectoryService)? = nil, logger: Logger? = nil
) async throws -> some ApplicationProtocol {
    let logger: Logger = {
        var logger = logger ?? Logger(label: "hoso")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
    }()
    let services = try await makeServices(configuration: configuration, directory: directory, logger: logger)

    var app = Application(
        router: makeRouter(services: services),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hoso"),
        logger: logger
    )
    app.addServices(services.database.client)
    if let migration = configuration.migrationDatabase {
        app.beforeServerStarts {
            let applied = try await Migrator(migrations: try Migration.bundled(), logger: logger).migrate(migration)
            if !applied.isEmpty { logger.info("migrated", metadata: ["applied": "\(applied.joined(separator: ", "))"]) }
        }
    }
    return app
}

public func makeServices(configuration: AppConfiguration, directory: (any DirectoryService)? = nil, logger: Logger) async throws -> AppServices {
    let localizer = try Localizer(directory: configuration.webDirectory + "/locales")
    let renderer = try await PageRenderer(templateDirectory: configuration.webDirectory + "/templates", localizer: localizer)
    let database = Database(url: configuration.database, logger: logger, timeout: .seconds(Int64(configuration.databaseTimeoutSeconds)))
    return AppServices(
        configuration: configuration, database: database, directory: directory ?? LDAPDirectory(logger: logger),
        localizer: localizer, renderer: renderer, logger: logger
    )
}

/// Every route, behind the middleware chain of ARCHITECTURE.md: request id and log → errors →
/// language → session → CSRF → controller.
public func makeRouter(services: AppServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorMiddleware(services: services))
    router.add(middleware: FileMiddleware(
        services.configuration.webDirectory + "/static", urlBasePath: "/static", cacheControl: .init([(MediaType(type: .any), [.maxAge(3600)])]),
        logger: services.logger
    ))
    router.add(middleware: LanguageMiddleware())
    router.add(middleware: SessionMiddleware(services: services))
    router.add(middleware: CSRFMiddleware())

    HealthController(services: services).addRoutes(to: router)
    SessionController(services: services).addRoutes(to: router)
    UnitController(services: services).addRoutes(to: router)
    OpenAPIController(webDirectory: services.configuration.webDirectory).addRoutes(to: router)
    return router
}
