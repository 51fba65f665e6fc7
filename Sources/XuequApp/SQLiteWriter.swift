import FluentKit
import FluentSQLiteDriver
import Logging
import NIOCore
import Vapor
import SQLKit
import XuequKit
import CXuequSQLite
import NIOConcurrencyHelpers

/// SQLite's one writer: a connection of its own whose statements, and the commit group's task
/// that issues them, all run on one thread of its own, with its statements prepared once.
///
/// Through the pool, every statement of a write went to SQLiteNIO's shared thread pool, came
/// back through an event loop (once per row) and then resumed the writer's task on the shared
/// executor — three queues shared with the requests being served, waited in once per statement
/// while the write lock was held. Here the task prefers this thread (`TaskExecutor`) and each
/// statement runs right there, synchronously, on SQLite's C API (`WriterSQL`): the serial part
/// of a commit is just SQLite's work and ours. SQLiteNIO prepares every statement anew (a
/// fifth of the writer's time went to SQLite's parser, compiling the audit insert and the
/// application insert with its figures trigger again each time); `WriterSQL` keeps them.
final class SQLiteWriter: WriterConnection, TaskExecutor, @unchecked Sendable {
    private let threads: NIOThreadPool
    private let connection: RawSQLiteConnection
    private let database: WriterDatabase

    private init(threads: NIOThreadPool, connection: RawSQLiteConnection, database: WriterDatabase) {
        self.threads = threads; self.connection = connection; self.database = database
    }

    /// Opens the writer on the database file at `path`. `context` is the pool's (its
    /// configuration and one of the application's event loops, for the future-returning
    /// methods a `Database` must have; the writes themselves never wait on it); `version` is the
    /// pool's SQLite version as SQLKit reports it (the same library).
    static func open(path: String, synchronous: String, context: DatabaseContext, version: (any SQLDatabaseReportedVersion)?,
                     queryLogLevel: Logger.Level?, logger: Logger) async throws -> SQLiteWriter {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let connection = try RawSQLiteConnection(path: path)
        let sql = WriterSQL(connection: connection, logger: logger, eventLoop: context.eventLoop, version: version, queryLogLevel: queryLogLevel)
        do {
            try await sql.raw("PRAGMA foreign_keys = ON").run()
            try await sql.raw("PRAGMA synchronous=\(unsafeRaw: synchronous)").run()
            // Each writer of a commit group runs inside a savepoint, so SQLite keeps a statement
            // journal of every page it touches; past 64 KiB that journal spilled to a temporary
            // file, created, written and deleted per group: 16% of the writer thread in perf.
            // In memory it is a copy.
            try await sql.raw("PRAGMA temp_store = MEMORY").run()
        } catch {
            connection.close()
            try? await threads.shutdownGracefully()
            throw error
        }
        let db = WriterDatabase(sql: sql, context: DatabaseContext(configuration: context.configuration, logger: logger, eventLoop: context.eventLoop))
        return SQLiteWriter(threads: threads, connection: connection, database: db)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        threads.submit { _ in job.runSynchronously(on: executor) }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let db = database
        return try await withTaskExecutorPreference(self) { try await body(db) }
    }

    /// How many prepared statements the writer keeps (`/metrics`, tests).
    var preparedStatements: Int { connection.cachedStatements }

    func close() async {
        connection.close()
        try? await threads.shutdownGracefully()
    }
}

/// The data versions on SQLite (`VersionReader`): `SELECT area, version FROM data_versions`
/// kept prepared on connections of their own, run on the calling thread. Through the pool the
/// read went to SQLiteNIO's thread pool and back through an event loop, for a few rows; each
/// signed-in request makes it. A connection is taken from the idle ones (or opened) and put
/// back: there are as many as requests ever read at once, a few.
final class SQLiteVersionReader: VersionReader, @unchecked Sendable {
    private let path: String
    private let lock = NIOLock()
    private var idle: [RawSQLiteConnection] = []
    private var closed = false

    init(path: String) { self.path = path }

    func all() throws -> [String: Int] {
        let connection = try lock.withLock { idle.popLast() } ?? RawSQLiteConnection(path: path)
        defer {
            let keep: Bool = lock.withLock {
                if closed { return false }
                idle.append(connection)
                return true
            }
            if !keep { connection.close() }
        }
        var out: [String: Int] = [:]
        try connection.query("SELECT area, version FROM data_versions", []) { row in
            if case .text(let area) = row.values[0], case .integer(let version) = row.values[1] { out[area] = Int(version) }
        }
        return out
    }

    func close() {
        let all: [RawSQLiteConnection] = lock.withLock {
            closed = true
            defer { idle.removeAll() }
            return idle
        }
        for c in all { c.close() }
    }
}

/// One `sqlite3` connection with its prepared statements kept by SQL text. Statements run
/// synchronously on the calling thread (the writer's); a lock keeps two callers from sharing a
/// statement should one ever call from elsewhere. SQLite re-prepares a kept statement by itself
/// when the schema changed under it (a migration run by another process).
final class RawSQLiteConnection: @unchecked Sendable {
    private let lock = NIOLock()
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Statements kept at most; past it they are all finalized and the cache starts over (the
    /// writes of all modules together use a few hundred distinct statements).
    static let capacity = 512

    init(path: String) throws {
        var h: OpaquePointer?
        let rc = xq_open(path, &h)
        guard rc == Int32(XQ_OK), let h else {
            let message = h.map { String(cString: xq_errmsg($0)) } ?? "out of memory"
            if let h { _ = xq_close(h) }
            throw WriterSQLiteError(code: rc, message: "\(message) (\(path))")
        }
        handle = h
    }

    var cachedStatements: Int { lock.withLock { statements.count } }

    func close() {
        lock.withLock {
            for s in statements.values { _ = xq_finalize(s) }
            statements.removeAll()
            if let h = handle { _ = xq_close(h) }
            handle = nil
        }
    }

    /// Runs one statement with its bound values, calling `onRow` for each row it returns.
    func query(_ sql: String, _ binds: [SQLiteData], _ onRow: (WriterRow) -> Void) throws {
        try lock.withLock {
            guard let db = handle else { throw WriterSQLiteError(code: 21, message: "the writer connection is closed") }
            let statement: OpaquePointer
            if let kept = statements[sql] {
                statement = kept
            } else {
                var s: OpaquePointer?
                let rc = sql.withCString { xq_prepare(db, $0, -1, &s) }
                guard rc == Int32(XQ_OK) else { throw WriterSQLiteError(db, rc) }
                // Only a comment or white space: nothing to run.
                guard let s else { return }
                if statements.count >= Self.capacity {
                    for old in statements.values { _ = xq_finalize(old) }
                    statements.removeAll(keepingCapacity: true)
                }
                statements[sql] = s
                statement = s
            }
            defer { _ = xq_reset(statement); _ = xq_clear_bindings(statement) }
            for (k, value) in binds.enumerated() {
                let i = Int32(k + 1), rc: Int32
                switch value {
                case .integer(let v): rc = xq_bind_int64(statement, i, Int64(v))
                case .float(let v): rc = xq_bind_double(statement, i, v)
                case .text(let v): rc = v.withCString { xq_bind_text(statement, i, $0, Int32(v.utf8.count)) }
                case .blob(let v): rc = v.withUnsafeReadableBytes { xq_bind_blob(statement, i, $0.baseAddress, Int32($0.count)) }
                case .null: rc = xq_bind_null(statement, i)
                }
                guard rc == Int32(XQ_OK) else { throw WriterSQLiteError(db, rc) }
            }
            var columns: WriterRow.Columns?
            while true {
                let rc = xq_step(statement)
                if rc == Int32(XQ_DONE) { return }
                guard rc == Int32(XQ_ROW) else { throw WriterSQLiteError(db, rc) }
                let count = Int(xq_column_count(statement))
                if columns == nil {
                    columns = WriterRow.Columns((0..<count).map { xq_column_name(statement, Int32($0)).map { String(cString: $0) } ?? "" })
                }
                var values: [SQLiteData] = []
                values.reserveCapacity(count)
                for c in 0..<Int32(count) {
                    switch xq_column_type(statement, c) {
                    case Int32(XQ_INTEGER): values.append(.integer(SQLiteInt64(xq_column_int64(statement, c))))
                    case Int32(XQ_FLOAT): values.append(.float(xq_column_double(statement, c)))
                    case Int32(XQ_TEXT):
                        let n = Int(xq_column_bytes(statement, c))
                        let text = xq_column_text(statement, c).map { String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self) } ?? ""
                        values.append(.text(text))
                    case Int32(XQ_BLOB):
                        let n = Int(xq_column_bytes(statement, c))
                        var buffer = ByteBufferAllocator().buffer(capacity: n)
                        if let p = xq_column_blob(statement, c) { buffer.writeBytes(UnsafeRawBufferPointer(start: p, count: n)) }
                        values.append(.blob(buffer))
                    default: values.append(.null)
                    }
                }
                onRow(WriterRow(columns: columns!, values: values))
            }
        }
    }
}

/// An SQLite error from the writer connection, with SQLite's extended code and message.
struct WriterSQLiteError: Error, DatabaseError, CustomStringConvertible {
    let code: Int32
    let message: String
    init(code: Int32, message: String) { self.code = code; self.message = message }
    init(_ db: OpaquePointer, _ rc: Int32) {
        self.init(code: xq_extended_errcode(db), message: String(cString: xq_errmsg(db)))
    }
    var description: String { "SQLite error \(code): \(message)" }
    var isSyntaxError: Bool { code & 0xff == 1 }
    var isConstraintFailure: Bool { code & 0xff == Int32(XQ_CONSTRAINT) }
    var isConnectionClosed: Bool { code & 0xff == 21 || code & 0xff == 14 }
}

/// A row the writer read: values in column order, decoded as SQLiteKit's rows decode them.
struct WriterRow: SQLRow {
    final class Columns: @unchecked Sendable {
        let names: [String]
        let index: [String: Int]
        init(_ names: [String]) {
            self.names = names
            var index: [String: Int] = [:]
            for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
            self.index = index
        }
    }
    struct MissingColumn: Error { let column: String }
    let columns: Columns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index[column] != nil }
    func decodeNil(column: String) throws -> Bool {
        guard let i = columns.index[column] else { return true }
        return values[i] == .null
    }
    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard let i = columns.index[column] else { throw MissingColumn(column: column) }
        return try SQLiteDataDecoder().decode(D.self, from: values[i])
    }
}

/// SQLKit over the writer connection: statements serialized as for SQLiteKit (same dialect,
/// same encoding of values), then run synchronously on the connection.
struct WriterSQL: SQLDatabase {
    let connection: RawSQLiteConnection
    let logger: Logger
    let eventLoop: any EventLoop
    let version: (any SQLDatabaseReportedVersion)?
    let queryLogLevel: Logger.Level?
    var dialect: any SQLDialect { SQLiteDialect() }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> ()) throws {
        let (sql, rawBinds) = serialize(query)
        if let queryLogLevel {
            logger.log(level: queryLogLevel, "Executing query", metadata: ["sql": .string(sql), "binds": .array(rawBinds.map { .string("\($0)") })])
        }
        let encoder = SQLiteDataEncoder()
        let binds = try rawBinds.map { try encoder.encode($0) }
        try connection.query(sql, binds) { onRow($0) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        do { try run(query, onRow); return eventLoop.makeSucceededVoidFuture() } catch { return eventLoop.makeFailedFuture(error) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try run(query, onRow)
    }
}

/// The writer connection as the `Database` a write transaction is given: SQLKit all the way
/// (no write uses Fluent's model queries; one that tried would be refused, not run elsewhere).
struct WriterDatabase: Database, SQLDatabase {
    let sql: any SQLDatabase
    let context: DatabaseContext

    struct ModelQueriesUnsupported: Error, CustomStringConvertible {
        var description: String { "the SQLite writer connection runs SQLKit statements only" }
    }

    // Database
    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> ()) -> EventLoopFuture<Void> {
        context.eventLoop.makeFailedFuture(ModelQueriesUnsupported())
    }
    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { context.eventLoop.makeFailedFuture(ModelQueriesUnsupported()) }
    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { context.eventLoop.makeFailedFuture(ModelQueriesUnsupported()) }
    var inTransaction: Bool { true }
    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> { closure(self) }
    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> { closure(self) }

    // SQLDatabase
    var logger: Logger { context.logger }
    var eventLoop: any EventLoop { context.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var dialect: any SQLDialect { sql.dialect }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        sql.execute(sql: query, onRow)
    }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await sql.execute(sql: query, onRow)
    }
}
