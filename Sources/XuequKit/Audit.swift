import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore

public struct AuditContext: Sendable {
    public let actorId: Int?
    public let actorName: String
    public let requestId: String
    public let address: String
    public init(actorId: Int?, actorName: String, requestId: String, address: String) {
        self.actorId = actorId; self.actorName = actorName; self.requestId = requestId; self.address = address
    }
    /// For writes made by a command on the machine itself (seeding, restores, CLI imports).
    public static func system(_ name: String) -> AuditContext {
        AuditContext(actorId: nil, actorName: name, requestId: "cli-\(UUID().uuidString.prefix(8))", address: "localhost")
    }
}

/// One row of the append-only audit log (审计日志). Each row carries the hash of the one before,
/// so an edited or deleted row breaks the chain and `xuequ audit verify` finds it.
public struct AuditEntry: Sendable, Codable {
    public let id: Int
    public let at: String
    public let actorId: Int?
    public let actorName: String
    public let action: String
    public let entity: String
    public let entityId: String
    public let summary: String
    public let requestId: String
    public let address: String
    public let prevHash: String
    public let hash: String
}

/// An audit row for pages, with its time in Beijing time.
public struct AuditView: Encodable, Sendable {
    public let entry: AuditEntry
    public let localTime: String

    public init(_ e: AuditEntry) {
        entry = e
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = parser.date(from: e.at) {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
            f.dateFormat = "yyyy-MM-dd HH:mm:ss"
            localTime = f.string(from: d)
        } else { localTime = e.at }
    }
}

public enum Audit {
    public static let genesis = String(repeating: "0", count: 64)

    static func digest(prev: String, at: String, actorId: Int?, actorName: String, action: String, entity: String, entityId: String, summary: String, requestId: String, address: String) -> String {
        let fields = [prev, at, actorId.map(String.init) ?? "", actorName, action, entity, entityId, summary, requestId, address]
        // Unit separator: no field can fake a boundary.
        let canonical = fields.joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(canonical.utf8)).hexString
    }

    static func timestamp(_ date: Date) -> String { ISOTime.string(date) }

    /// Appends one entry inside the caller's transaction. `summary` must carry no full ID or
    /// phone number: pass masked values.
    public static func record(on db: any Database, _ ctx: AuditContext, action: String, entity: String, entityId: String, summary: String, at date: Date = Date()) async throws {
        let sql = db.sql
        if sql.dialect.name == "postgresql" {
            // Orders concurrent writers across processes for the chain's head.
            try await sql.raw("SELECT pg_advisory_xact_lock(7402117)").run()
        }
        struct Head: Decodable { let hash: String }
        let prev: String
        if let known = groupHead?.hash {
            // Inside a commit group the previous writer's entry is the head: no need to read it.
            prev = known
        } else {
            prev = try await sql.raw("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").first(decoding: Head.self)?.hash ?? genesis
        }
        let at = timestamp(date)
        let hash = digest(prev: prev, at: at, actorId: ctx.actorId, actorName: ctx.actorName, action: action, entity: entity, entityId: entityId, summary: summary, requestId: ctx.requestId, address: ctx.address)
        try await sql.insert(into: "audit_log")
            .columns("at", "actor_id", "actor_name", "action", "entity", "entity_id", "summary", "request_id", "address", "prev_hash", "hash")
            .values(SQLBind(at), SQLBind(ctx.actorId), SQLBind(ctx.actorName), SQLBind(action), SQLBind(entity), SQLBind(entityId), SQLBind(summary), SQLBind(ctx.requestId), SQLBind(ctx.address), SQLBind(prev), SQLBind(hash))
            .run()
        groupHead?.hash = hash
    }

    /// The chain's head while a SQLite commit group holds the write lock (nobody else can append);
    /// the write gate restores it when a writer of the group rolls back to its savepoint.
    final class ChainHead: @unchecked Sendable { var hash: String? }
    @TaskLocal static var groupHead: ChainHead?

    public struct Problem: Sendable, CustomStringConvertible {
        public let id: Int
        public let reason: String
        public var description: String { "row \(id): \(reason)" }
    }

    /// Walks the chain from the start; returns every broken link (empty = intact) and the row count.
    public static func verify(on db: any Database) async throws -> (rows: Int, problems: [Problem]) {
        var problems: [Problem] = []
        var prev = genesis
        var lastId = 0
        var rows = 0
        let batch = 5000
        while true {
            let entries = try await db.sql.raw("SELECT * FROM audit_log WHERE id > \(bind: lastId) ORDER BY id LIMIT \(unsafeRaw: String(batch))").all(decoding: AuditEntry.self, keyDecodingStrategy: .convertFromSnakeCase)
            for e in entries {
                rows += 1
                if e.prevHash != prev {
                    problems.append(Problem(id: e.id, reason: "does not follow the row before it (a row before was edited or deleted)"))
                }
                let recomputed = digest(prev: e.prevHash, at: e.at, actorId: e.actorId, actorName: e.actorName, action: e.action, entity: e.entity, entityId: e.entityId, summary: e.summary, requestId: e.requestId, address: e.address)
                if recomputed != e.hash {
                    problems.append(Problem(id: e.id, reason: "content does not match its hash (the row was edited)"))
                }
                prev = e.hash
                lastId = e.id
            }
            if entries.count < batch { break }
        }
        return (rows, problems)
    }

    public struct Filter: Sendable {
        public var actor: String?
        public var action: String?
        public var entity: String?
        public var from: String?
        public var to: String?
        public init(actor: String? = nil, action: String? = nil, entity: String? = nil, from: String? = nil, to: String? = nil) {
            self.actor = actor; self.action = action; self.entity = entity; self.from = from; self.to = to
        }
    }

    /// Newest first, filtered, paged.
    public static func list(on db: any Database, filter: Filter, page: PageSpec) async throws -> PageResult<AuditEntry> {
        var conds: [any SQLExpression] = []
        if let a = filter.actor, !a.isEmpty { conds.append(SQLBinaryExpression(SQLColumn("actor_name"), .equal, SQLBind(a))) }
        if let a = filter.action, !a.isEmpty { conds.append(SQLBinaryExpression(SQLColumn("action"), .like, SQLBind(a + "%"))) }
        if let e = filter.entity, !e.isEmpty { conds.append(SQLBinaryExpression(SQLColumn("entity"), .equal, SQLBind(e))) }
        if let f = filter.from, !f.isEmpty { conds.append(SQLBinaryExpression(SQLColumn("at"), .greaterThanOrEqual, SQLBind(f))) }
        if let t = filter.to, !t.isEmpty { conds.append(SQLBinaryExpression(SQLColumn("at"), .lessThan, SQLBind(t + "T99"))) }
        let whereExpr: any SQLExpression = conds.isEmpty ? SQLRaw("1=1") : SQLList(conds, separator: SQLRaw(" AND "))
        struct Count: Decodable { let n: Int }
        let total = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("audit_log").where(whereExpr).first(decoding: Count.self)?.n ?? 0
        let items = try await db.sql.select().column("*").from("audit_log").where(whereExpr)
            .orderBy("id", .descending).limit(page.per).offset(page.offset).all(decoding: AuditEntry.self, keyDecodingStrategy: .convertFromSnakeCase)
        return PageResult(items: items, total: total, request: page)
    }
}

/// The audit table and the triggers that make it append-only in the database itself.
public struct CreateAuditLog: AsyncMigration {
    public init() {}
    public var name: String { "001_CreateAuditLog" }

    public func prepare(on database: any Database) async throws {
        let sql = database.sql
        let idType = sql.dialect.name == "postgresql" ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        try await sql.raw("""
            CREATE TABLE audit_log (
              id \(unsafeRaw: idType),
              at TEXT NOT NULL,
              actor_id BIGINT,
              actor_name TEXT NOT NULL,
              action TEXT NOT NULL,
              entity TEXT NOT NULL,
              entity_id TEXT NOT NULL,
              summary TEXT NOT NULL,
              request_id TEXT NOT NULL,
              address TEXT NOT NULL,
              prev_hash TEXT NOT NULL,
              hash TEXT NOT NULL
            )
            """).run()
        try await sql.raw("CREATE INDEX audit_log_at ON audit_log (at)").run()
        try await sql.raw("CREATE INDEX audit_log_actor ON audit_log (actor_name)").run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()").run()
        } else {
            try await sql.raw("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END").run()
            try await sql.raw("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END").run()
        }
    }

    public func revert(on database: any Database) async throws {
        let sql = database.sql
        try await sql.raw("DROP TABLE audit_log").run()
        if sql.dialect.name == "postgresql" { try await sql.raw("DROP FUNCTION IF EXISTS audit_log_append_only()").run() }
    }
}
