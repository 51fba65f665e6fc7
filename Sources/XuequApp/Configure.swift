import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Leaf
import LeafKit
import Metrics
import NIOConcurrencyHelpers
import Prometheus
import Balance
import Certification
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// Where the bundled templates and static files live, wherever the binary is started from.
public enum BundledResources {
    public static var viewsDirectory: String {
        (Bundle.module.url(forResource: "Views", withExtension: nil)?.path ?? "Resources/Views") + "/"
    }
    public static var publicDirectory: String {
        (Bundle.module.url(forResource: "Public", withExtension: nil)?.path ?? "Public") + "/"
    }
}

/// Process-wide metrics: the metrics system can be bootstrapped once per process.
public enum MetricsRegistry {
    private static let lock = NIOLock()
    nonisolated(unsafe) private static var registry: PrometheusCollectorRegistry?

    public static func shared() -> PrometheusCollectorRegistry {
        lock.withLock {
            if let r = registry { return r }
            let r = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: r))
            registry = r
            return r
        }
    }
}

/// Sets up an application: database, migrations, templates, middleware, routes.
///
/// `openDatabase: false` (commands that need no database, such as `routes`) registers the
/// database without touching it: no data directory, no SQLite file, no audit key are made.
public func configure(_ app: Application, _ config: AppConfig, openDatabase: Bool = true) async throws {
    app.security = config.security
    app.workPools = WorkPools()
    app.trustedProxies = config.trustedProxies
    app.documents = DocumentStore(root: (config.dataDir as NSString).appendingPathComponent("documents"))
    let metrics = MetricsRegistry.shared()

    var auditKey: AuditKey?
    if openDatabase {
        if case .sqlite(let path) = config.database {
            try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
            // Shared with every other process that opens the file; a restore needs it exclusively.
            try app.holdDatabaseLock(path)
        }
        auditKey = try config.auditKey ?? AuditKey.loadOrCreate(dataDir: config.dataDir)
        app.auditKey = auditKey
    }
    switch config.database {
    case .sqlite(let path):
        // Readers run beside the writer in WAL mode: a few connections per loop, not one.
        app.databases.use(.sqlite(.file(path), maxConnectionsPerEventLoop: 4, sqlLogLevel: config.logQueries ? .info : .debug), as: .sqlite)
        app.writeGate = WriteGate(flavor: .sqlite, synchronous: config.sqliteSynchronous, auditKey: auditKey)
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory, sqlLogLevel: config.logQueries ? .info : .debug), as: .sqlite)
        app.writeGate = WriteGate(flavor: .sqlite, auditKey: auditKey)
    case .postgres(let url, let searchPath):
        var pg = try SQLPostgresConfiguration(url: url)
        if let searchPath { pg.searchPath = [searchPath] }
        // Writers that queue on one row (a body's certificate serial) hold their connections while
        // they wait; give a burst of them 30 s, not the default 10, before a request gives up.
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: config.postgresConnectionsPerLoop, connectionPoolTimeout: .seconds(30),
                                    sqlLogLevel: config.logQueries ? .info : .debug), as: .psql)
        app.writeGate = WriteGate(flavor: .postgres, auditKey: auditKey)
    }
    if openDatabase, case .sqlite = config.database {
        // WAL lets readers run while one writer commits; it is a property of the file.
        try await (app.db as! any SQLDatabase).raw("PRAGMA journal_mode=WAL").run()
        try await applyConnectionPragmas(app, synchronous: config.sqliteSynchronous)
    }

    app.migrations.add(CreateAuditLog())
    app.migrations.add(CreateAccounts())
    app.migrations.add(CreateRegistry())
    app.migrations.add(CreateTeacherTallies())
    app.migrations.add(CreateBalance())
    app.migrations.add(CreateCertification())
    app.migrations.add(CreateCertificationDocuments())
    app.migrations.add(KeyAuditChain(key: auditKey))

    // Leaf reads templates from the views directory; point it at the bundle, not the working directory.
    app.directory.viewsDirectory = BundledResources.viewsDirectory
    app.directory.publicDirectory = BundledResources.publicDirectory
    app.views.use(.leaf)
    // The bundle may sit under a hidden folder (`.build/`): allow that, keep the sandbox and `.leaf` only.
    let views = BundledResources.viewsDirectory
    app.leaf.sources = .singleSource(NIOLeafFiles(fileio: app.fileio, limits: [.toSandbox, .onlyLeafExtensions, .requireExtensions],
                                                  sandboxDirectory: views, viewDirectory: views))
    app.leaf.tags["t"] = TranslateTag()
    app.leaf.tags["label"] = LabelTag()

    app.routes.defaultMaxBodySize = "1mb"
    app.middleware = Middlewares()
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(XuequErrorMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: BundledResources.publicDirectory, defaultFile: nil))

    app.navigation = Navigation.entries
    try routes(app, metrics: metrics, metricsToken: config.metricsToken)
}

/// `synchronous` and `busy_timeout` are per connection. The SQLite driver keeps one connection
/// per event loop for the life of the pool, so setting them through each loop reaches them all.
func applyConnectionPragmas(_ app: Application, synchronous: String) async throws {
    for loop in app.eventLoopGroup.makeIterator() {
        let db = app.databases.database(.sqlite, logger: app.logger, on: loop)! as! any SQLDatabase
        try await db.raw("PRAGMA synchronous=\(unsafeRaw: synchronous)").run()
    }
}

/// The navigation: a module appears once it works.
enum Navigation {
    static let entries: [NavEntry] = [
        NavEntry(key: "nav.home", path: "/") { _ in true },
        NavEntry(key: "nav.districts", path: "/districts") { $0.can(.registryRead) && $0.role != .teacher },
        NavEntry(key: "nav.schools", path: "/schools") { $0.can(.registryRead) },
        NavEntry(key: "nav.teachers", path: "/teachers") { $0.can(.registryRead) },
        NavEntry(key: "nav.balance", path: "/balance") { $0.can(.balanceRead) },
        NavEntry(key: "nav.certification", path: "/certification") { [.bureauAdmin, .reviewer, .prefectureReviewer, .applicant].contains($0.role) },
        NavEntry(key: "nav.imports", path: "/imports") { $0.can(.teachersImport) },
        NavEntry(key: "nav.users", path: "/admin/users") { $0.can(.usersManage) },
        NavEntry(key: "nav.audit", path: "/admin/audit") { $0.can(.auditRead) },
    ]
}
