import FluentKit
import FluentSQLiteDriver
import Logging
import NIOCore
import Vapor
import SQLKit
import XuequKit

/// SQLite's one writer: a connection of its own whose statements, and the commit group's task
/// that issues them, all run on one thread of its own.
///
/// Through the pool, every statement of a write went to SQLiteNIO's shared thread pool, came
/// back through an event loop (once per row) and then resumed the writer's task on the shared
/// executor — three queues shared with the requests being served, waited in once per statement
/// while the write lock was held. Here the task prefers this thread (`TaskExecutor`), SQLiteNIO's
/// async path runs the statement on the same thread, and the task goes on where it stopped: the
/// serial part of a commit is just SQLite's work and ours.
final class SQLiteWriter: WriterConnection, TaskExecutor, @unchecked Sendable {
    private let threads: NIOThreadPool
    private let connection: SQLiteConnection
    private let database: WriterDatabase

    private init(threads: NIOThreadPool, connection: SQLiteConnection, database: WriterDatabase) {
        self.threads = threads; self.connection = connection; self.database = database
    }

    /// Opens the writer on the database file at `path` with the pool's settings. `context` is
    /// the pool's (its configuration and one of the application's event loops, which SQLiteNIO
    /// wants for its futures; the async path used here never waits on it).
    static func open(path: String, synchronous: String, context: DatabaseContext, logger: Logger) async throws -> SQLiteWriter {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let loop = context.eventLoop
        let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threads, logger: logger, on: loop)
        let sql = connection.sql()
        try await sql.raw("PRAGMA foreign_keys = ON").run()
        try await sql.raw("PRAGMA synchronous=\(unsafeRaw: synchronous)").run()
        let db = WriterDatabase(sql: sql, context: DatabaseContext(configuration: context.configuration, logger: logger, eventLoop: loop))
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

    func close() async {
        try? await connection.close()
        try? await threads.shutdownGracefully()
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
