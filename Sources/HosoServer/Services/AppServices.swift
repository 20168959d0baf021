import HosoCore
import HosoDirectory
import HosoSigning
import HosoStore
import Logging

/// The long-lived parts the controllers share, built once in `buildApplication`.
public struct AppServices: Sendable {
    public let configuration: AppConfiguration
    public let database: Database
    public let tenants: TenantStore
    public let units: UnitStore
    public let users: UserStore
    public let sessions: SessionStore
    public let throttle: ThrottleStore
    public let audit: AuditStore
    public let ruleSets: RuleSetStore
    public let obligations: ObligationStore
    public let records: RecordStore
    public let compliance: ComplianceStore
    public let inspections: InspectionStore
    public let reportJobs: ReportJobStore
    /// The compliance and inspection reads of background reports: the same pool, more patience.
    let reportCompliance: ComplianceStore
    let reportInspections: InspectionStore
    let reportRunner = ReportRunner()
    public let documents: DocumentTemplates
    let catalog: ComplianceCatalog
    /// The dashboards' computed views, under their units' change counters.
    let views: ViewCache
    public let blobs: BlobStore
    public let signatures: SignatureStore
    public let signing: SigningService
    public let directory: any DirectoryService
    public let localizer: Localizer
    public let renderer: PageRenderer
    public let staticFiles: StaticFiles
    public let policy = Policy()
    /// Every time rule reads "now" here (a fixed clock in tests that need a chosen instant).
    public let clock: any WallClock
    public let directoryHealth = DirectoryHealthCache()
    public let logger: Logger

    public init(configuration: AppConfiguration, database: Database, directory: any DirectoryService,
                localizer: Localizer, renderer: PageRenderer, staticFiles: StaticFiles, blobs: BlobStore, documents: DocumentTemplates,
                schema: ManifestSchema, clock: any WallClock = SystemClock(), logger: Logger) throws {
        self.configuration = configuration
        self.clock = clock
        self.database = database
        self.tenants = TenantStore(database: database, logger: logger)
        self.units = UnitStore(database: database, logger: logger)
        self.users = UserStore(database: database, logger: logger)
        self.sessions = SessionStore(database: database, logger: logger, clock: clock)
        self.throttle = ThrottleStore(database: database, logger: logger)
        self.audit = AuditStore(database: database, logger: logger)
        self.ruleSets = RuleSetStore(database: database, logger: logger)
        self.obligations = ObligationStore(database: database, logger: logger)
        self.records = RecordStore(database: database, logger: logger, clock: clock)
        self.compliance = ComplianceStore(database: database, logger: logger)
        self.inspections = InspectionStore(database: database, logger: logger)
        self.reportJobs = ReportJobStore(database: database, logger: logger)
        let patient = database.with(timeout: .seconds(Int64(max(120, configuration.databaseTimeoutSeconds))))
        self.reportCompliance = ComplianceStore(database: patient, logger: logger)
        self.reportInspections = InspectionStore(database: patient, logger: logger)
        self.documents = documents
        self.catalog = ComplianceCatalog(ruleSets: ruleSets)
        self.views = ViewCache(costBytes: configuration.viewCacheMiB << 20)
        self.blobs = blobs
        self.signatures = SignatureStore(database: database, logger: logger, clock: clock)
        self.signing = try SigningService(schema: schema, store: signatures, blobs: blobs, keysDirectory: configuration.keysDirectory,
                                          secret: configuration.keysSecret)
        self.directory = directory
        self.localizer = localizer
        self.renderer = renderer
        self.staticFiles = staticFiles
        self.logger = logger
    }
}
