import Fluent
import Metrics
import NIOConcurrencyHelpers
import SQLKit
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
/// PostgreSQL a plain transaction is used; optimistic version checks and row locks order what
/// must be ordered.
public struct WriteGate: Sendable {
    public let flavor: DatabaseFlavor
    let group: GroupCommit
    /// Keys the audit entries written inside each transaction (`Audit.key`).
    public let auditKey: AuditKey?

    /// `synchronous`: the SQLite pragma value set on the connection before each write (the
    /// connection a write lands on may be any of the pool's). `writer`: SQLite's own writer
    /// connection (`SQLiteWriter`); without one, each commit group borrows a pool connection.
    public init(flavor: DatabaseFlavor, synchronous: String? = nil, auditKey: AuditKey? = nil, writer: (any WriterConnection)? = nil) {
        self.flavor = flavor
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
            return try await db.transaction { tx in try await Audit.$key.withValue(key) { try await body(tx) } }
        case .sqlite:
            return try await group.submit(on: db, body)
        }
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
