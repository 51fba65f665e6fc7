import Fluent
import Metrics
import NIOConcurrencyHelpers
import SQLKit
import XuequCore
import Vapor

/// A lock for async code: waiters queue in order, nobody spins.
public final class AsyncMutex: @unchecked Sendable {
    private let lock = NIOLock()
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = lock.withLock {
                if !held { held = true; return true }
                waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    public func release() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiters.isEmpty { held = false; return nil }
            return waiters.removeFirst()
        }
        next?.resume()
    }
}

public enum DatabaseFlavor: String, Sendable {
    case sqlite, postgres
}

/// Every write transaction goes through here.
///
/// SQLite allows one writer; a deferred transaction that reads and then writes can fail with
/// SQLITE_BUSY_SNAPSHOT when another connection committed in between. So on SQLite writers are
/// queued in-process and each transaction starts with `BEGIN IMMEDIATE` (which also orders
/// writers across processes, e.g. a CLI import next to the server). Writers that queue up while
/// one transaction runs are committed together (group commit): one `BEGIN IMMEDIATE … COMMIT`,
/// each writer inside its own `SAVEPOINT`, so each is still all-or-nothing, and every writer is
/// answered only after the one `COMMIT` — one fsync for the group instead of one each. On
/// PostgreSQL a plain transaction is used, on the writer's own connections and thread
/// (`PostgresWriterLoop`); optimistic version checks and row locks order what must be ordered.
public struct WriteGate: Sendable {
    public let flavor: DatabaseFlavor
    let group: GroupCommit
    /// Keys the audit entries written inside each transaction (`Audit.key`).
    public let auditKey: AuditKey?

    /// PostgreSQL's write transactions, on connections and a thread of their own; without it
    /// (`XUEQU_PG_WRITER=pool`), on the request's pool.
    public let postgresWriter: PostgresWriterLoop?

    /// `synchronous`: the SQLite pragma value set on the connection before each write (the
    /// connection a write lands on may be any of the pool's). `writer`: SQLite's own writer
    /// connection (`SQLiteWriter`); without one, each commit group borrows a pool connection.
    /// `postgresWriter`: see `PostgresWriterLoop`.
    public init(flavor: DatabaseFlavor, synchronous: String? = nil, auditKey: AuditKey? = nil, writer: (any WriterConnection)? = nil,
                postgresWriter: PostgresWriterLoop? = nil) {
        self.flavor = flavor
        self.postgresWriter = postgresWriter
        self.group = GroupCommit(synchronous: writer == nil ? synchronous : nil, auditKey: auditKey, writer: writer)
        self.auditKey = auditKey
    }

    /// Whether SQLite's writes run on the writer's own connection and thread (`WriterConnection`).
    public var hasOwnWriter: Bool { group.writer != nil }
    /// SQLite's own writer connection, if any.
    public var writer: (any WriterConnection)? { group.writer }

    public func transaction<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        switch flavor {
        case .postgres:
            let key = auditKey
            if let postgresWriter { return try await postgresWriter.transaction(logger: db.logger) { tx in try await Audit.$key.withValue(key) { try await body(tx) } } }
            return try await db.transaction { tx in try await Audit.$key.withValue(key) { try await body(tx) } }
        case .sqlite:
            return try await group.submit(on: db, body)
        }
    }
}

/// PostgreSQL's write transactions on an event loop of their own: connections of a pool kept
/// on that loop (`databases`, configured like the application's), and the transactions' tasks
/// run on the same thread (`TaskExecutor`).
///
/// A write holds what others queue on — the audit chain's head, the rows of the maintained
/// figures — across several round trips. On the application's loops each reply waited behind
/// the requests being served before the writer could send its next statement: under the mixed
/// load, sampled `pg_locks`/`pg_stat_activity` showed the audit lock's holder `idle in
/// transaction`, waiting for the client, in 84% of the samples. Here a reply is read, and the
/// writer resumes, on a thread that serves nothing else.
public final class PostgresWriterLoop: TaskExecutor, @unchecked Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let loop: any EventLoop
    /// Configure the PostgreSQL database here, as on the application (`use(_:as:)`).
    public let databases: Databases

    public init(threadPool: NIOThreadPool) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        databases = Databases(threadPool: threadPool, on: group)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // A task that still prefers this executor once the loop is going (a request whose
        // client left, finishing after the stop) continues on the shared executor instead.
        if state.withLockedValue({ $0.loopGone }) {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
            return
        }
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }

    /// Transactions under way, whether the writer still takes new ones, whether it was shut
    /// down, and whether its loop is gone (or going).
    private let state = NIOLockedValueBox((inFlight: 0, closed: false, shut: false, loopGone: false))

    /// Whether the caller runs on the writer's thread (a write's body does).
    public var runsHere: Bool { loop.inEventLoop }

    func transaction<T: Sendable>(logger: Logger, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let open = state.withLockedValue { s in
            if s.closed { return false }
            s.inFlight += 1
            return true
        }
        guard open else { throw Self.stopping }
        defer { state.withLockedValue { $0.inFlight -= 1 } }
        guard let db = databases.database(logger: logger, on: loop) else { throw Self.stopping }
        // Fluent runs the closure in a task of its own: the preference is taken inside it.
        return try await db.transaction { tx in try await withTaskExecutorPreference(self) { try await body(tx) } }
    }

    /// From now on a write is refused (503) instead of started; those under way go on.
    public func stopTaking() { state.withLockedValue { $0.closed = true } }

    static let stopping = DomainError(.unavailable, code: "shutting_down", LocalizedText(zh: "服务正在停止，请稍后重试", en: "the server is stopping; try again shortly"))

    /// Takes no new transaction, lets those under way finish (up to ten seconds: a request whose
    /// client left still runs to its end), then closes the connections and the loop — whose
    /// thread those transactions resume on.
    public func shutdown() async {
        stopTaking()
        let first = state.withLockedValue { s in
            defer { s.shut = true }
            return !s.shut
        }
        guard first else { return }
        for _ in 0..<200 {
            if state.withLockedValue({ $0.inFlight }) == 0 { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        await databases.shutdownAsync()
        state.withLockedValue { $0.loopGone = true }
        try? await group.shutdownGracefully()
    }
}

/// One connection that runs every SQLite write transaction, on threads of its own (see
/// `SQLiteWriter` in the app): a commit group's statements then go from one thread to the
/// next without waiting behind the requests being served.
public protocol WriterConnection: Sendable {
    /// Runs `body` on the writer connection, in a task that prefers the writer's own thread.
    func run<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T
}

/// Without a writer of its own, each commit group borrows one connection of the pool.
struct PooledWriter: WriterConnection {
    let db: any Database
    func run<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await db.withConnection(body)
    }
}

/// The SQLite writer queue with group commit (see `WriteGate`).
final class GroupCommit: @unchecked Sendable {
    struct Job {
        let run: @Sendable (any Database) async throws -> any Sendable
        let done: CheckedContinuation<any Sendable, any Error>
    }
    /// At most this many writers share one commit, so none waits long behind the others.
    static let maxGroup = 64
    /// `/metrics`: writers ÷ commits is the number of writers per fsync.
    static let commits = Counter(label: "xuequ_sqlite_commits_total")
    static let writers = Counter(label: "xuequ_sqlite_writers_total")
    private let lock = NIOLock()
    private var queue: [Job] = []
    private var draining = false
    let synchronous: String?
    let auditKey: AuditKey?
    let writer: (any WriterConnection)?

    init(synchronous: String?, auditKey: AuditKey?, writer: (any WriterConnection)?) {
        self.synchronous = synchronous; self.auditKey = auditKey; self.writer = writer
    }

    func submit<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (c: CheckedContinuation<any Sendable, any Error>) in
            let lead: Bool = lock.withLock {
                queue.append(Job(run: { try await body($0) }, done: c))
                if draining { return false }
                draining = true
                return true
            }
            // The first writer to find the queue idle drains it; later ones just wait their turn.
            if lead { Task { await self.drain(self.writer ?? PooledWriter(db: db)) } }
        }
        return value as! T
    }

    private func drain(_ connection: any WriterConnection) async {
        while true {
            let group: [Job] = lock.withLock {
                let g = Array(queue.prefix(Self.maxGroup))
                queue.removeFirst(g.count)
                if g.isEmpty { draining = false }
                return g
            }
            if group.isEmpty { return }
            await commit(group, on: connection)
        }
    }

    private func commit(_ group: [Job], on connection: any WriterConnection) async {
        let results: [Result<any Sendable, any Error>]
        let head = Audit.ChainHead()
        do {
            // The task-local is bound inside the connection's closure: Fluent runs that closure in
            // a task of its own, which would not inherit a binding made outside it.
            results = try await connection.run { conn in try await Audit.$groupHead.withValue(head) { try await Audit.$key.withValue(self.auditKey) {
                var results: [Result<any Sendable, any Error>] = []
                let sql = conn as! any SQLDatabase
                if let synchronous = self.synchronous { try await sql.raw("PRAGMA synchronous=\(unsafeRaw: synchronous)").run() }
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    if group.count == 1 {
                        // Alone: the transaction is the writer's; its failure rolls all of it back.
                        results.append(.success(try await group[0].run(conn)))
                    } else {
                        // Savepoints are not released one by one: each nests in the previous,
                        // `ROLLBACK TO writer` undoes the newest of that name (this writer's
                        // changes only), and COMMIT releases them all — a statement saved per writer.
                        for job in group {
                            try await sql.raw("SAVEPOINT writer").run()
                            let headBefore = head.hash
                            do {
                                results.append(.success(try await job.run(conn)))
                            } catch {
                                // This writer's changes go (its audit entry too); the group's stay.
                                try await sql.raw("ROLLBACK TO writer").run()
                                head.hash = headBefore
                                results.append(.failure(error))
                            }
                        }
                    }
                    try await sql.raw("COMMIT").run()
                    return results
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            } } }
        } catch {
            // BEGIN, a savepoint, COMMIT, or the lone writer failed: nothing of the group is stored.
            for job in group { job.done.resume(throwing: error) }
            return
        }
        Self.commits.increment()
        Self.writers.increment(by: group.count)
        for (job, r) in zip(group, results) { job.done.resume(with: r) }
    }
}

struct WriteGateKey: StorageKey { typealias Value = WriteGate }

extension Application {
    public var writeGate: WriteGate {
        get {
            guard let g = storage[WriteGateKey.self] else { fatalError("WriteGate is set in configure() before any route runs") }
            return g
        }
        set { storage[WriteGateKey.self] = newValue }
    }
    public var databaseFlavor: DatabaseFlavor { writeGate.flavor }
}

extension Database {
    /// The SQLKit face of a Fluent database (both drivers provide one).
    public var sql: any SQLDatabase { self as! any SQLDatabase }
}
