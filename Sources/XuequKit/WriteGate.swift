import Fluent
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
/// writers across processes, e.g. a CLI import next to the server). On PostgreSQL a plain
/// transaction is used; optimistic version checks and advisory locks order what must be ordered.
public struct WriteGate: Sendable {
    public let flavor: DatabaseFlavor
    let mutex: AsyncMutex

    public init(flavor: DatabaseFlavor) {
        self.flavor = flavor
        self.mutex = AsyncMutex()
    }

    public func transaction<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        switch flavor {
        case .postgres:
            return try await db.transaction { tx in try await body(tx) }
        case .sqlite:
            await mutex.acquire()
            defer { mutex.release() }
            return try await db.withConnection { conn in
                let sql = conn as! any SQLDatabase
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    let result = try await body(conn)
                    try await sql.raw("COMMIT").run()
                    return result
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            }
        }
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
