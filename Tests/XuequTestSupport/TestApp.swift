import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
import VaporTesting
import XuequCore
import XuequKit
import XuequApp

/// The databases every integration test runs on: in-memory SQLite always, PostgreSQL when
/// `TEST_DATABASE_URL` is set. Each test gets its own database (SQLite) or schema (PostgreSQL).
public enum TestDB: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres
    public var description: String { rawValue }

    public static var all: [TestDB] {
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"].map { _ in [.sqlite, .postgres] } ?? [.sqlite]
    }
}

/// A clock tests can move.
public final class TestClock: @unchecked Sendable {
    private let lock = NIOLock()
    private var current: Date
    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { current = start }
    public var now: Date { lock.withLock { current } }
    public func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// Builds an app on a fresh database, runs `body`, tears everything down.
/// `migrateWithout`: run every migration but those named and make no fixture: the body stands in
/// for a database of an earlier release and runs `autoMigrate` itself.
public func withApp(_ db: TestDB, clock: TestClock = TestClock(), fixture: Bool = true, postgresConnections: Int = 3, migrateWithout: Set<String> = [],
             settings: (inout AppConfig) -> Void = { _ in }, _ body: (Application, Fixture) async throws -> Void) async throws {
    let app = try await Application.make(.testing)
    app.logger.logLevel = .warning
    var schema: String?
    var sqliteDir: String?
    defer { if let sqliteDir { try? FileManager.default.removeItem(atPath: sqliteDir) } }
    do {
        var security = SecurityPolicy()
        security.bcryptCost = 4
        let database: AppConfig.Database
        switch db {
        case .sqlite:
            // A file of its own, as in production: WAL, the pool's readers and the writer's own
            // connection (`SQLiteWriter`), which an in-memory database cannot share.
            let dir = NSTemporaryDirectory() + "xuequ-test-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            sqliteDir = dir
            database = .sqlite(path: dir + "/xuequ.sqlite")
        case .postgres:
            let s = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            schema = s
            database = .postgres(url: ProcessInfo.processInfo.environment["TEST_DATABASE_URL"]!, searchPath: s)
        }
        // Tests run in parallel, each with its own app: a small pool each (3 per loop unless a
        // test asks for more) keeps the server's max_connections enough for all of them.
        var config = AppConfig(database: database, dataDir: NSTemporaryDirectory(), security: security, postgresConnectionsPerLoop: postgresConnections)
        // A hundred tests share two cores: a writer may wait for a pooled connection far longer
        // than in production. The tests check outcomes, not that wait.
        config.postgresPoolTimeout = 180
        settings(&config)
        try await configure(app, config)
        if let schema { try await app.db.sql.raw("CREATE SCHEMA \(ident: schema)").run() }
        app.clock = AppClock { clock.now }
        if !migrateWithout.isEmpty {
            let all = app.modules.flatMap(\.migrations)
            guard Set(all.map(\.name)).isSuperset(of: migrateWithout) else { throw Abort(.internalServerError, reason: "unknown migrations \(migrateWithout)") }
            let earlier = Migrations()
            earlier.add(all.filter { !migrateWithout.contains($0.name) })
            let migrator = Migrator(databases: app.databases, migrations: earlier, logger: app.logger, on: app.eventLoopGroup.any())
            try await migrator.setupIfNeeded().get()
            try await migrator.prepareBatch().get()
            try await body(app, Fixture.empty)
        } else {
            try await app.autoMigrate()
            let f = fixture ? try await Fixture.make(app) : Fixture.empty
            try await body(app, f)
        }
    } catch {
        if let schema { try? await app.db.sql.raw("DROP SCHEMA \(ident: schema) CASCADE").run() }
        try? await app.asyncShutdown()
        throw error
    }
    if let schema { try? await app.db.sql.raw("DROP SCHEMA \(ident: schema) CASCADE").run() }
    try await app.asyncShutdown()
}

extension TestingHTTPResponse {
    public func json() throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }
    public var text: String { body.getString(at: body.readerIndex, length: body.readableBytes) ?? "" }
}

/// `multipart/form-data` with one file field (and optional plain fields).
public func multipart(file data: Data, filename: String, field: String = "file", extra: [String: String] = [:]) -> (HTTPHeaders, ByteBuffer) {
    let boundary = "xq" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    var body = Data()
    for (k, v) in extra {
        body.append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".data(using: .utf8)!)
    }
    body.append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".data(using: .utf8)!)
    body.append(data)
    body.append("\r\n--\(boundary)--\r\n".data(using: .utf8)!)
    var headers = HTTPHeaders()
    headers.contentType = HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": boundary])
    return (headers, ByteBuffer(data: body))
}

public func fixtureData(_ name: String) throws -> Data {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
    return try Data(contentsOf: url)
}

/// A JSON body for requests.
public func jsonBody(_ object: [String: Any]) throws -> (HTTPHeaders, ByteBuffer) {
    var h = HTTPHeaders()
    h.contentType = .json
    return (h, ByteBuffer(data: try JSONSerialization.data(withJSONObject: object)))
}

extension Application {
    /// Sends one request through the in-memory tester and hands the response to `check`.
    public func check(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil,
               sourceLocation: SourceLocation = #_sourceLocation, _ check: (TestingHTTPResponse) async throws -> Void = { _ in }) async throws {
        let res = try await testing().sendRequest(method, path, headers: headers, body: body)
        try await check(res)
    }
}
