import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Leaf
import LeafKit
import Metrics
import NIOConcurrencyHelpers
import Prometheus
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
/// `createKey: false` (commands that only read) loads the audit key and never makes one.
public func configure(_ app: Application, _ config: AppConfig, openDatabase: Bool = true, createKey: Bool = true) async throws {
    app.security = config.security
    app.workPools = WorkPools()
    app.trustedProxies = config.trustedProxies
    app.publicURL = config.publicURL
    app.documents = DocumentStore(root: (config.dataDir as NSString).appendingPathComponent("documents"))
    let metrics = MetricsRegistry.shared()

    var auditKey: AuditKey?
    if openDatabase {
        if case .sqlite(let path) = config.database {
            try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
            // Shared with every other process that opens the file; a restore needs it exclusively.
            try app.holdDatabaseLock(path)
        }
        auditKey = try config.auditKey ?? (createKey ? AuditKey.loadOrCreate(dataDir: config.dataDir) : AuditKey.load(dataDir: config.dataDir))
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
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: config.postgresConnectionsPerLoop, connectionPoolTimeout: .seconds(config.postgresPoolTimeout),
                                    sqlLogLevel: config.logQueries ? .info : .debug), as: .psql)
        // Writes on connections and a thread of their own (`PostgresWriterLoop`), as many
        // connections as one loop of the pool; XUEQU_PG_WRITER=pool runs them on the
        // request's pool instead (a baseline).
        if Environment.get("XUEQU_PG_WRITER") != "pool" {
            let writer = PostgresWriterLoop(threadPool: app.threadPool)
            writer.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: config.postgresConnectionsPerLoop, connectionPoolTimeout: .seconds(config.postgresPoolTimeout),
                                           sqlLogLevel: config.logQueries ? .info : .debug), as: .psql)
            app.lifecycle.use(PostgresWriterShutdown(writer: writer))
            app.writeGate = WriteGate(flavor: .postgres, auditKey: auditKey, postgresWriter: writer)
        } else {
            app.writeGate = WriteGate(flavor: .postgres, auditKey: auditKey)
        }
        if let r = config.replica {
            var rc = try SQLPostgresConfiguration(url: r.url)
            if let sp = r.searchPath { rc.searchPath = [sp] }
            app.databases.use(.postgres(configuration: rc, maxConnectionsPerEventLoop: config.postgresConnectionsPerLoop, connectionPoolTimeout: .seconds(config.postgresPoolTimeout),
                                        sqlLogLevel: config.logQueries ? .info : .debug), as: .replica, isDefault: false)
            app.hasReplica = true
        }
    }
    // Province-wide figures are kept until a write changes what they were read from;
    // XUEQU_AGGREGATE_CACHE=off recomputes every time (a benchmark's baseline).
    app.aggregates = AggregateCache(enabled: Environment.get("XUEQU_AGGREGATE_CACHE") != "off")
    if openDatabase, case .sqlite(let path) = config.database {
        // WAL lets readers run while one writer commits; it is a property of the file.
        try await (app.db as! any SQLDatabase).raw("PRAGMA journal_mode=WAL").run()
        try await applyConnectionPragmas(app, synchronous: config.sqliteSynchronous)
        // Writes get a connection and a thread of their own (`SQLiteWriter`);
        // XUEQU_SQLITE_WRITER=pool borrows a pool connection per commit group instead (a baseline).
        if Environment.get("XUEQU_SQLITE_WRITER") != "pool" {
            let writer = try await SQLiteWriter.open(path: path, synchronous: config.sqliteSynchronous, context: app.db.context, version: (app.db as! any SQLDatabase).version,
                                                     queryLogLevel: config.logQueries ? .info : .debug, logger: app.logger)
            let reader = SQLiteVersionReader(path: path)
            app.versionReader = reader
            app.lifecycle.use(WriterShutdown(writer: writer, reader: reader))
            app.writeGate = WriteGate(flavor: .sqlite, synchronous: config.sqliteSynchronous, auditKey: auditKey, writer: writer)
        }
    }

    let modules = Xuequ.modules(platform: PlatformModule(metrics: metrics, metricsToken: config.metricsToken, auditKey: auditKey))
    app.modules = modules
    // XUEQU_CALLER_CACHE=off reads the token or session and the account on every request.
    app.callers = CallerCache(areas: CallerCache.areas(modules), enabled: Environment.get("XUEQU_CALLER_CACHE") != "off")
    app.auditAreas = modules.compactMap(\.auditArea)
    for m in modules {
        for migration in m.migrations { app.migrations.add(migration) }
        L10n.register(m.strings)
        Vocab.register(m.vocabularies)
        for r in m.routeNames { r.registerLinks() }
        TeacherMoveHooks.register(m.name) { move, tx in try await m.teacherMoved(move, on: tx) }
    }

    // Leaf reads templates from the bundles, not the working directory: the platform's frame and
    // each module's own folder. A bundle may sit under a hidden folder (`.build/`): allow that,
    // keep the sandbox and `.leaf` only.
    app.directory.viewsDirectory = BundledResources.viewsDirectory
    app.directory.publicDirectory = BundledResources.publicDirectory
    // Leaf's own provider turns its template cache off whenever the environment is `development`
    // (the default when no `--env` is given, so every `xuequ serve`), and the cache is shared, so
    // each page re-read and re-parsed its templates: 7% of a list page's CPU. The templates
    // ship inside the binary's bundles; XUEQU_RELOAD_TEMPLATES=1 reads them anew each time
    // (for editing them).
    var templates = app.leaf.cache
    templates.isEnabled = Environment.get("XUEQU_RELOAD_TEMPLATES") != "1"
    app.views.use { app in
        var info = app.leaf.userInfo
        info["application"] = app
        return LeafRenderer(configuration: app.leaf.configuration, tags: app.leaf.tags, cache: app.leaf.cache, sources: app.leaf.sources,
                            eventLoop: app.eventLoopGroup.next(), userInfo: info)
    }
    let sources = LeafSources()
    for (key, dir) in [("platform", BundledResources.viewsDirectory)] + modules.compactMap({ m in m.viewsDirectory.map { (m.name, $0 + "/") } }) {
        try sources.register(source: key, using: NIOLeafFiles(fileio: app.fileio, limits: [.toSandbox, .onlyLeafExtensions, .requireExtensions],
                                                               sandboxDirectory: dir, viewDirectory: dir))
    }
    app.leaf.sources = sources
    app.leaf.tags["t"] = TranslateTag()
    app.leaf.tags["label"] = LabelTag()
    app.leaf.tags["url"] = URLTag()

    app.routes.defaultMaxBodySize = "1mb"
    app.middleware = Middlewares()
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(XuequErrorMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    // Field counts, key depth, JSON nesting and multipart parts checked before anything decodes.
    app.middleware.use(BodyLimitsMiddleware())
    app.middleware.use(StaticFiles(files: FileMiddleware(publicDirectory: BundledResources.publicDirectory, defaultFile: nil)))

    // A stable sort: entries of the same order keep the modules' order.
    app.navigation = modules.flatMap(\.navigation).enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element)
    routes(app)
    // Last, so that it runs first when the application stops (see `StopServingFirst`).
    app.lifecycle.use(StopServingFirst())
}

/// Closes the SQLite writer's connection and thread when the application stops.
struct WriterShutdown: LifecycleHandler {
    let writer: SQLiteWriter
    let reader: SQLiteVersionReader
    func shutdownAsync(_ application: Application) async {
        reader.close()
        await writer.close()
    }
}

/// Closes PostgreSQL's writer connections and their loop when the application stops.
struct PostgresWriterShutdown: LifecycleHandler {
    let writer: PostgresWriterLoop
    func shutdownAsync(_ application: Application) async { await writer.shutdown() }
}

/// Vapor runs the lifecycle handlers before it stops the HTTP server: a request still being
/// answered (or arriving) would find a writer closed, and its task would be scheduled on a
/// loop already shut down. Registered last, this handler runs first and stops the server,
/// letting the requests in flight finish (`HTTPServer.shutdown` waits for them, and does
/// nothing the second time, when Vapor calls it).
struct StopServingFirst: LifecycleHandler {
    func shutdownAsync(_ application: Application) async { await application.server.shutdown() }
}

/// `synchronous` and `busy_timeout` are per connection. The SQLite driver keeps one connection
/// per event loop for the life of the pool, so setting them through each loop reaches them all.
func applyConnectionPragmas(_ app: Application, synchronous: String) async throws {
    for loop in app.eventLoopGroup.makeIterator() {
        let db = app.databases.database(.sqlite, logger: app.logger, on: loop)! as! any SQLDatabase
        try await db.raw("PRAGMA synchronous=\(unsafeRaw: synchronous)").run()
    }
}

/// The stylesheet, script and icon under `/static/`: only those paths look in the public folder
/// (FileMiddleware alone tried to open a file for every request, an API call's path included).
struct StaticFiles: Middleware {
    let files: FileMiddleware
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.url.path.hasPrefix("/static/") else { return next.respond(to: request) }
        return files.respond(to: request, chainingTo: next)
    }
}
