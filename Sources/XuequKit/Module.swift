import Fluent
import Foundation
import Leaf
import Logging
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import XuequCore

/// One module of Xuequ (registry, balance, certification, …), plugged in at one place: the
/// application holds a list of modules and asks each for what it brings. Nothing in XuequApp is
/// module-specific.
///
/// ```swift
/// public struct Exchange: XuequModule {
///     public init() {}
///     public let name = "exchange"
///     public var migrations: [any Migration] { [CreateExchange()] }
///     public var grants: Grants { Grants([.districtAdmin: [.exchangePlan]]) }
///     public var strings: [String: (String, String)] { ExchangeStrings.table }
///     public var routeNames: [any RouteName.Type] { [ExchangeRoute.self] }
///     public var navigation: [NavEntry] { [NavEntry(key: "nav.exchange", route: ExchangeRoute.plans) { $0.can(.exchangePlan) }] }
///     public func routes(_ r: ModuleRoutes) { ExchangePages().register(r.pages); ExchangeAPI().register(r.api) }
/// }
/// ```
public protocol XuequModule: Sendable {
    /// The module's name, as its route names are prefixed in templates (`#url("registry.school", id)`).
    var name: String { get }
    /// Its migrations, in order. A migration that has landed never changes.
    var migrations: [any Migration] { get }
    /// Which roles hold the module's permission keys.
    var grants: Grants { get }
    /// The module's keys whose every route keeps a county bureau inside its own county when the
    /// database holds several (`Scope.oneCounty`, issue 30). Such a bureau holds only these: a
    /// module that has not learnt counties gives it nothing, so no read or write crosses counties.
    var countyKeys: Set<Permission> { get }
    /// Its interface strings, Chinese and English.
    var strings: [String: (String, String)] { get }
    /// What its audit actions did, in words (the audit log's sentences and filters).
    var auditArea: AuditArea? { get }
    /// Its vocabularies for `#label(kind, raw)` beyond the kernel's.
    var vocabularies: [String: Vocab.Labeler] { get }
    /// Its typed routes: each registers the module's routes and builds its links.
    var routeNames: [any RouteName.Type] { get }
    /// Main navigation entries, each shown to actors its predicate admits.
    var navigation: [NavEntry] { get }
    /// The folder holding the module's Leaf templates (its bundle's `Views`).
    var viewsDirectory: String? { get }
    /// Registers the module's routes on the groups the platform prepared.
    func routes(_ r: ModuleRoutes)
    /// What the home page shows this actor from the module: figures and tasks.
    func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution
    /// Refines an actor's scope from the module's records when a session resumes (the registry
    /// moves a teacher's scope with the teacher).
    func resolve(scope: Scope, role: Role, on db: any Database) async throws -> Scope
    /// The data areas (`DataVersions`) `resolve(scope:role:on:)` reads: a signed-in caller kept
    /// between requests (`CallerCache`) is resolved again once one of them changes.
    var scopeAreas: [String] { get }
    /// The module's part of the demo county.
    func seedDemo(_ demo: DemoContext) async throws
    /// Steps that run when the server starts and then on a period (a rotation taking effect on
    /// its date). Each must be idempotent: several processes may run it at once.
    var jobs: [ScheduledJob] { get }
    /// For roles whose scope names this module's records (a district, a school, a teacher): the
    /// account's scope columns from the account form's fields, or nil when the role is not the
    /// module's. Bad fields are added to `errors`.
    func accountScope(for role: Role, fields: [String: String], errors: inout FieldErrors, on db: any Database) async throws -> AccountScope?
    /// The account form's fields for stored scope columns (a school's code, a teacher's resident ID).
    func accountScopeFields(_ scope: AccountScope, on db: any Database) async throws -> [String: String]
    /// Short names of stored scopes, for the account list.
    func accountScopeNames(_ scopes: [AccountScope], on db: any Database) async throws -> [AccountScope: String]
    /// Choices the account form offers for the module's scope fields (`districtId` → districts).
    func accountScopeOptions(on db: any Database) async throws -> [String: [SelectOption]]
    /// Figures the module keeps up to date as it writes (counters, sums, caches of other
    /// tables), each recounted from its source rows: `xuequ verify-aggregates` runs them on a
    /// live database and the tests after random writes.
    func verifyAggregates(on db: any Database) async throws -> [AggregateCheck]
    /// A teacher changed school (`TeacherMoved`): end the module's roles tied to the old school or
    /// district in the same transaction, and say which.
    func teacherMoved(_ move: TeacherMoved, on tx: any Database) async throws -> [LocalizedText]
    /// A county given its real code (`xuequ areas recode`): the module moves what it keeps under
    /// the old code, in the same transaction as the districts and accounts.
    func countyRecoded(from old: String, to new: String, on tx: any Database) async throws
}

/// One maintained figure against its recount: how many rows disagree, with examples.
public struct AggregateCheck: Sendable {
    public let name: String
    public let checked: Int
    public let mismatches: [String]
    public init(name: String, checked: Int, mismatches: [String]) { self.name = name; self.checked = checked; self.mismatches = mismatches }
    public var ok: Bool { mismatches.isEmpty }
}

/// An account's stored scope columns.
public struct AccountScope: Sendable, Hashable {
    public var districtId: Int?
    public var schoolId: Int?
    public var teacherId: Int?
    public init(districtId: Int? = nil, schoolId: Int? = nil, teacherId: Int? = nil) {
        self.districtId = districtId; self.schoolId = schoolId; self.teacherId = teacherId
    }
}

extension XuequModule {
    public var migrations: [any Migration] { [] }
    public var grants: Grants { Grants() }
    public var countyKeys: Set<Permission> { [] }
    public var strings: [String: (String, String)] { [:] }
    public var vocabularies: [String: Vocab.Labeler] { [:] }
    public var routeNames: [any RouteName.Type] { [] }
    public var navigation: [NavEntry] { [] }
    public var viewsDirectory: String? { nil }
    public func routes(_ r: ModuleRoutes) {}
    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution { HomeContribution() }
    public func resolve(scope: Scope, role: Role, on db: any Database) async throws -> Scope { scope }
    public var scopeAreas: [String] { [] }
    public func seedDemo(_ demo: DemoContext) async throws {}
    public var jobs: [ScheduledJob] { [] }
    public var auditArea: AuditArea? { nil }
    public func accountScope(for role: Role, fields: [String: String], errors: inout FieldErrors, on db: any Database) async throws -> AccountScope? { nil }
    public func accountScopeFields(_ scope: AccountScope, on db: any Database) async throws -> [String: String] { [:] }
    public func accountScopeNames(_ scopes: [AccountScope], on db: any Database) async throws -> [AccountScope: String] { [:] }
    public func accountScopeOptions(on db: any Database) async throws -> [String: [SelectOption]] { [:] }
    public func verifyAggregates(on db: any Database) async throws -> [AggregateCheck] { [] }
    public func teacherMoved(_ move: TeacherMoved, on tx: any Database) async throws -> [LocalizedText] { [] }
    public func countyRecoded(from old: String, to new: String, on tx: any Database) async throws {}
}

/// The route groups a module registers on: authentication and CSRF are already in place.
public struct ModuleRoutes {
    /// The root, without sessions: health checks and the like.
    public let root: any RoutesBuilder
    /// `/api/v1`, bearer token optional: the module's public endpoints.
    public let openAPI: any RoutesBuilder
    /// `/api/v1`, a signed-in actor required.
    public let api: any RoutesBuilder
    /// Browser pages open to everyone (public notices, certificate checks, registration).
    public let publicPages: any RoutesBuilder
    /// Browser pages for signed-in actors.
    public let pages: any RoutesBuilder
    public init(root: any RoutesBuilder, openAPI: any RoutesBuilder, api: any RoutesBuilder, publicPages: any RoutesBuilder, pages: any RoutesBuilder) {
        self.root = root; self.openAPI = openAPI; self.api = api; self.publicPages = publicPages; self.pages = pages
    }
}

/// What one module adds to an actor's home page.
public struct HomeContribution: Sendable {
    /// Replaces the generic scope line ("学区管理员") with the place's name.
    public var scopeName: String?
    public var stats: [HomeStat]
    public var tasks: [HomeTask]
    public init(scopeName: String? = nil, stats: [HomeStat] = [], tasks: [HomeTask] = []) {
        self.scopeName = scopeName; self.stats = stats; self.tasks = tasks
    }
}

public struct HomeStat: Encodable, Sendable {
    public let label: String
    public let value: String
    public let href: String?
    public init(label: String, value: String, href: String?) { self.label = label; self.value = value; self.href = href }
}

public struct HomeTask: Encodable, Sendable {
    public let title: String
    public let detail: String
    public let href: String
    public let urgent: Bool
    public init(title: String, detail: String, href: String, urgent: Bool = false) {
        self.title = title; self.detail = detail; self.href = href; self.urgent = urgent
    }
}

/// A module's periodic step, run with the system as its actor.
public struct ScheduledJob: Sendable {
    public let name: String
    public let everySeconds: Int64
    public let run: @Sendable (ServiceContext) async throws -> Void
    public init(name: String, everySeconds: Int64, run: @escaping @Sendable (ServiceContext) async throws -> Void) {
        self.name = name; self.everySeconds = everySeconds; self.run = run
    }
}

struct ScheduledJobsKey: StorageKey { typealias Value = [Task<Void, Never>] }

struct ScheduledJobsShutdown: LifecycleHandler {
    func shutdown(_ application: Application) {
        for t in application.storage[ScheduledJobsKey.self] ?? [] { t.cancel() }
    }
}

extension Application {
    /// Runs every module's jobs once now (on start), then each on its period until shutdown.
    /// A failing run is logged and tried again at the next period.
    public func startScheduledJobs() async {
        let jobs = modules.flatMap(\.jobs)
        for job in jobs {
            do { try await job.run(context(actor: nil, name: "job:" + job.name)) } catch {
                logger.error("job \(job.name) failed on start: \(String(reflecting: error))")
            }
        }
        var tasks: [Task<Void, Never>] = []
        for job in jobs {
            let app = self
            tasks.append(Task.detached {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(job.everySeconds))
                    if Task.isCancelled { return }
                    do { try await job.run(app.context(actor: nil, name: "job:" + job.name)) } catch {
                        app.logger.error("job \(job.name) failed: \(String(reflecting: error))")
                    }
                }
            })
        }
        storage[ScheduledJobsKey.self] = tasks
        lifecycle.use(ScheduledJobsShutdown())
    }
}

// MARK: - services without a request

/// What a module's service uses, without a request: database, write gate, clock, actor, logger,
/// the audit context and the document store. A page or API handler makes one from its request
/// (`req.context`); a command, a report or another module makes one from the application
/// (`app.context(actor:)`).
public struct ServiceContext: Sendable {
    public let db: any Database
    public let gate: WriteGate
    public let clock: AppClock
    public let actor: Actor?
    public let logger: Logger
    public let audit: AuditContext
    public let documents: DocumentStore
    public let locale: UILocale
    /// Results kept under the data versions they were read at (`AggregateCache`).
    public let cache: AggregateCache
    /// A streaming replica of the primary, when one is configured (`DATABASE_REPLICA_URL`).
    public let replica: (any Database)?
    /// Where writes and the read-your-writes check go: `db`, except in a `reporting()` context,
    /// whose `db` may be the replica.
    private(set) var primary: any Database
    /// The versions this request read with its caller (`VersionSnapshot`); nil outside a request
    /// and in a `reporting()` context.
    public let versions: VersionSnapshot?
    /// Reads the current versions without the pool (`VersionReader`, SQLite): for kept results
    /// asked for after the request's own write; nil in a `reporting()` context.
    public let versionReader: (any VersionReader)?

    public init(db: any Database, gate: WriteGate, clock: AppClock, actor: Actor?, logger: Logger, audit: AuditContext,
                documents: DocumentStore, locale: UILocale = .zh, cache: AggregateCache = AggregateCache(enabled: false), replica: (any Database)? = nil,
                versions: VersionSnapshot? = nil, versionReader: (any VersionReader)? = nil) {
        self.db = db; self.gate = gate; self.clock = clock; self.actor = actor; self.logger = logger; self.audit = audit
        self.documents = documents; self.locale = locale; self.cache = cache; self.replica = replica
        self.primary = db; self.versions = versions; self.versionReader = versionReader
    }

    /// A result kept under the current versions of `areas` (`AggregateCache`), read from `db`:
    /// the versions come from the request's snapshot when it has them, or are read now.
    public func kept<T: Sendable>(_ key: String, areas: [String], compute: @escaping @Sendable () async throws -> T) async throws -> T {
        try await cache.value(key, areas: areas, on: db, known: try versions?.versions ?? versionReader?.all(), compute: compute)
    }

    /// This context with `db` = `reportDB()`: for exports and reports, which read many rows and
    /// write none (a write from it still goes to the primary).
    public func reporting() async throws -> ServiceContext {
        guard replica != nil else { return self }
        var c = ServiceContext(db: try await reportDB(), gate: gate, clock: clock, actor: actor, logger: logger, audit: audit,
                               documents: documents, locale: locale, cache: cache, replica: replica)
        c.primary = primary
        return c
    }

    /// How long after their last write an actor's reports still come from the primary: longer
    /// than any lag a healthy streaming replica has, so nobody misses what they just saved.
    public static let readYourWrites: Double = 30

    /// The database for reads that tolerate a little lag — dashboards, statistics, exports,
    /// reports: the replica when one is configured, unless this actor wrote in the last
    /// `readYourWrites` seconds (then the primary, which has their write for sure).
    public func reportDB() async throws -> any Database {
        guard let replica else { return db }
        guard let id = actor?.userId else { return replica }
        struct W: Decodable { let at: Double }
        let last = try await primary.sql.raw("SELECT at FROM actor_writes WHERE user_id = \(bind: id)").first(decoding: W.self)?.at
        if let last, now - last < Self.readYourWrites { return primary }
        return replica
    }

    /// The actor, or 401.
    public func requireActor() throws -> Actor {
        guard let a = actor else { throw DomainError.unauthorized }
        return a
    }

    /// Runs one all-or-nothing write through the write gate.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        // What the request keeps from now on is looked up under versions read after its write.
        versions?.forget()
        // With a replica, the write also notes when this actor last wrote (see `reportDB`).
        guard replica != nil, let id = actor?.userId else { return try await gate.transaction(on: primary, body) }
        let at = now
        return try await gate.transaction(on: primary) { tx in
            let out = try await body(tx)
            try await tx.sql.raw("""
                INSERT INTO actor_writes (user_id, at) VALUES (\(bind: id), \(bind: at))
                ON CONFLICT (user_id) DO UPDATE SET at = excluded.at
                """).run()
            return out
        }
    }

    /// A write whose rows are unique per key (an assessment per move and year, places per school
    /// and subject): two people saving at once on PostgreSQL both pass the check, one insert meets
    /// the unique index and is told to reload (409), not 500. SQLite's single writer never races.
    public func writeOnce<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        do { return try await write(body) } catch let e as any DatabaseError where e.isConstraintFailure {
            throw DomainError(.conflict, code: "concurrent_save", LocalizedText(zh: "其他人同时保存了同一记录，请刷新后重试", en: "someone saved the same record at the same moment; reload and try again"))
        }
    }

    public var now: Double { clock.now().timeIntervalSince1970 }
    public var today: CivilDate { CivilDate.today(clock.now()) }
}

extension Request {
    /// The request as a service context.
    public var context: ServiceContext {
        ServiceContext(db: db, gate: application.writeGate, clock: application.clock, actor: actor, logger: logger,
                       audit: auditContext, documents: application.documents, locale: uiLocale, cache: application.aggregates,
                       replica: application.hasReplica ? db(.replica) : nil, versions: versions, versionReader: application.versionReader)
    }
}

extension Application {
    /// A service context outside any request: for commands, reports and jobs.
    public func context(actor: Actor?, name: String = "system") -> ServiceContext {
        ServiceContext(db: db, gate: writeGate, clock: clock, actor: actor, logger: logger,
                       audit: actor.map { AuditContext(actorId: $0.userId, actorName: Masking.username($0.username), requestId: "cli", address: "localhost") }
                           ?? .system(name),
                       documents: documents, cache: aggregates, replica: hasReplica ? db(.replica) : nil, versionReader: versionReader)
    }

    /// Whether `DATABASE_REPLICA_URL` configured a replica (database id `.replica`).
    public var hasReplica: Bool {
        get { storage[ReplicaKey.self] ?? false }
        set { storage[ReplicaKey.self] = newValue }
    }

    /// The application's `AggregateCache`: one per application (tests run several, each with its
    /// own database, in one process).
    public var aggregates: AggregateCache {
        get { storage[AggregateCacheKey.self] ?? AggregateCache(enabled: false) }
        set { storage[AggregateCacheKey.self] = newValue }
    }
}

struct AggregateCacheKey: StorageKey { typealias Value = AggregateCache }
struct ReplicaKey: StorageKey { typealias Value = Bool }

extension DatabaseID {
    /// The streaming replica (`DATABASE_REPLICA_URL`).
    public static let replica = DatabaseID(string: "replica")
}

/// 069: when each account last wrote, for reading its own writes from the primary while a
/// replica serves everyone else's reports.
public struct CreateActorWrites: AsyncMigration {
    public init() {}
    public var name: String { "069_ActorWrites" }
    public func prepare(on database: any Database) async throws {
        try await database.sql.raw("CREATE TABLE actor_writes (user_id BIGINT PRIMARY KEY, at DOUBLE PRECISION NOT NULL)").run()
    }
    public func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP TABLE actor_writes").run()
    }
}

// MARK: - the modules of an application

struct ModulesKey: StorageKey { typealias Value = [any XuequModule] }
struct GrantsKey: StorageKey { typealias Value = Grants }

extension Application {
    /// The modules this application was configured with, in order.
    public var modules: [any XuequModule] {
        get { storage[ModulesKey.self] ?? [] }
        set {
            storage[ModulesKey.self] = newValue
            storage[GrantsKey.self] = newValue.reduce(Grants()) { $0.merging($1.grants) }
        }
    }

    /// Every module's grants, merged.
    public var grants: Grants { storage[GrantsKey.self] ?? Grants() }
    /// Every module's county-safe keys (`XuequModule.countyKeys`), merged.
    public var countyKeys: Set<Permission> { modules.reduce(into: Set()) { $0.formUnion($1.countyKeys) } }

    /// The actor an account acts as now: the role's keys, and the scope its columns name as the
    /// modules resolve it today.
    public func actor(for user: UserRow, on db: any Database) async throws -> Actor {
        let role = user.roleValue
        var scope = Actor.scope(for: role, userId: user.id, districtId: user.districtId, schoolId: user.schoolId, teacherId: user.teacherId, areaCode: user.areaCode)
        for m in modules { scope = try await m.resolve(scope: scope, role: role, on: db) }
        var permissions = grants.permissions(of: role)
        // A county bureau among several counties holds only the keys that know counties.
        if case .oneCounty = scope { permissions.formIntersection(countyKeys) }
        // A one-time password not yet replaced: signed in, allowed nothing but to choose a password.
        return Actor(userId: user.id, username: user.username, displayName: user.displayName, role: role, scope: scope,
                     permissions: user.passwordChangeDue ? [] : permissions, areaCode: user.areaCode, passwordChangeDue: user.passwordChangeDue)
    }
}

// MARK: - demo county

/// What a module's demo seeding gets: the database and gate, a fixed date, the scale, and the
/// accounts and facts earlier modules left for later ones (`district1`, `school1`, …).
public final class DemoContext: @unchecked Sendable {
    public static let password = "xuequ-demo"
    public let app: Application
    public let today: CivilDate
    /// Counties to seed: 1 for the demo county, more for the province benchmark set.
    public let counties: Int
    /// Whether the demo accounts are to be created (not when a database already has users).
    public let withAccounts: Bool
    public let progress: (@Sendable (String, Int, Int) -> Void)?
    private let lock = NIOLock()
    private var ids: [String: Int] = [:]
    private var hash: String?

    public init(app: Application, today: CivilDate, counties: Int = 1, withAccounts: Bool = true,
                progress: (@Sendable (String, Int, Int) -> Void)? = nil) {
        self.app = app; self.today = today; self.counties = counties; self.withAccounts = withAccounts; self.progress = progress
    }

    public var db: any Database { app.db }
    public var gate: WriteGate { app.writeGate }
    /// Seeding happens "at" midnight of the fixed date, so two runs give the same rows.
    public var now: Double { Double(today.daysSinceEpoch) * 86400 }
    /// Only the demo county gets the modules' histories; the province set is registry only.
    public var isCounty: Bool { counties == 1 }

    /// A fact an earlier module recorded (an id), e.g. `school1`.
    public subscript(_ key: String) -> Int? {
        get { lock.withLock { ids[key] } }
        set { lock.withLock { ids[key] = newValue } }
    }

    /// Creates demo accounts with the demo password; each id is recorded under its username.
    /// The id of a demo account added by `addAccounts`.
    public func user(_ username: String) -> Int? { self["user:" + username] }

    public func addAccounts(_ users: [Accounts.NewUser]) async throws {
        guard withAccounts else { return }
        let existing = lock.withLock { hash }
        let h: String
        if let existing { h = existing } else {
            h = try await Accounts.hashPassword(Self.password, app: app)
            lock.withLock { hash = h }
        }
        let date = Date(timeIntervalSince1970: now)
        let made = try await gate.transaction(on: db) { tx -> [String: Int] in
            var out: [String: Int] = [:]
            for u in users { out[u.username] = try await Accounts.insertUser(u, passwordHash: h, on: tx, now: date) }
            try await Audit.record(on: tx, .system("seed"), action: "seed.accounts", entity: "user", entityId: "-", summary: "示范账户 \(users.count) 个")
            return out
        }
        // Accounts under their own keys: `district1` the account and `district1` the district
        // (recorded by the registry) are different numbers.
        lock.withLock { for (name, id) in made { ids["user:" + name] = id } }
    }
}
