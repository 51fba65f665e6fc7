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
        localTime = ISOTime.parse(e.at).map { ISOTime.beijing($0) } ?? e.at
    }
}

/// The secret that keys the audit chain (HMAC-SHA256). It lives outside the database — in
/// `XUEQU_AUDIT_KEY`, or in `audit.key` in the data directory, made on first use with mode
/// 0600 — so someone who can write the database cannot recompute the chain after an edit.
public struct AuditKey: Sendable, Equatable {
    let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count >= 32 else { return nil }
        self.bytes = bytes
    }

    /// Hex (64 characters or more) or base64 of at least 32 bytes.
    public init?(text: String) {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.count >= 64, t.count % 2 == 0, t.allSatisfy(\.isHexDigit) {
            var out: [UInt8] = []
            var i = t.startIndex
            while i < t.endIndex {
                let j = t.index(i, offsetBy: 2)
                out.append(UInt8(t[i..<j], radix: 16)!)
                i = j
            }
            self.init(bytes: out)
        } else if let d = Data(base64Encoded: t) {
            self.init(bytes: [UInt8](d))
        } else {
            return nil
        }
    }

    var symmetric: SymmetricKey { SymmetricKey(data: bytes) }

    public static func fileURL(dataDir: String) -> URL { URL(fileURLWithPath: dataDir).appendingPathComponent("audit.key") }

    /// The key file of a data directory, or nil when there is none yet.
    public static func load(dataDir: String) throws -> AuditKey? {
        let url = fileURL(dataDir: dataDir)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        guard let key = AuditKey(text: text) else { throw Problem("\(url.path) does not hold an audit key (64 hex characters)") }
        return key
    }

    /// The key file of a data directory, made now (32 random bytes, mode 0600) when there is none.
    /// Made under a temporary name and linked into place, so two processes starting at once agree.
    public static func loadOrCreate(dataDir: String) throws -> AuditKey {
        if let k = try load(dataDir: dataDir) { return k }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let url = fileURL(dataDir: dataDir)
        let temp = url.path + ".\(UUID().uuidString)"
        var g = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw Problem("cannot create \(temp) (errno \(errno))") }
        let bytes = Array((hex + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        defer { unlink(temp) }
        guard written == bytes.count else { throw Problem("cannot write \(temp)") }
        if link(temp, url.path) != 0 && errno != EEXIST { throw Problem("cannot create \(url.path) (errno \(errno))") }
        guard let k = try load(dataDir: dataDir) else { throw Problem("cannot read \(url.path)") }
        return k
    }

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }
}

public enum Audit {
    public static let genesis = String(repeating: "0", count: 64)

    static func canonical(prev: String, at: String, actorId: Int?, actorName: String, action: String, entity: String, entityId: String, summary: String, requestId: String, address: String) -> Data {
        let fields = [prev, at, actorId.map(String.init) ?? "", actorName, action, entity, entityId, summary, requestId, address]
        // Unit separator: no field can fake a boundary.
        return Data(fields.joined(separator: "\u{1F}").utf8)
    }

    /// A row's link: HMAC-SHA256 under the audit key of the previous link and the row's fields.
    static func digest(key: AuditKey, prev: String, at: String, actorId: Int?, actorName: String, action: String, entity: String, entityId: String, summary: String, requestId: String, address: String) -> String {
        let data = canonical(prev: prev, at: at, actorId: actorId, actorName: actorName, action: action, entity: entity, entityId: entityId, summary: summary, requestId: requestId, address: address)
        return Data(HMAC<SHA256>.authenticationCode(for: data, using: key.symmetric)).hexString
    }

    /// The chain as it was before `003_KeyAuditChain`: plain SHA-256, which anyone can recompute.
    static func plainDigest(prev: String, at: String, actorId: Int?, actorName: String, action: String, entity: String, entityId: String, summary: String, requestId: String, address: String) -> String {
        SHA256.hash(data: canonical(prev: prev, at: at, actorId: actorId, actorName: actorName, action: action, entity: entity, entityId: entityId, summary: summary, requestId: requestId, address: address)).hexString
    }

    static func digest(_ e: AuditEntry, prev: String, key: AuditKey?) -> String {
        if let key {
            return digest(key: key, prev: prev, at: e.at, actorId: e.actorId, actorName: e.actorName, action: e.action, entity: e.entity, entityId: e.entityId, summary: e.summary, requestId: e.requestId, address: e.address)
        }
        return plainDigest(prev: prev, at: e.at, actorId: e.actorId, actorName: e.actorName, action: e.action, entity: e.entity, entityId: e.entityId, summary: e.summary, requestId: e.requestId, address: e.address)
    }

    /// The key for writes, bound by the write gate around each transaction.
    @TaskLocal public static var key: AuditKey?

    public struct KeyMissing: Error, CustomStringConvertible {
        public var description: String { "no audit key is bound: audit entries are written through the write gate" }
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
        guard let key else { throw KeyMissing() }
        let at = timestamp(date)
        let hash = digest(key: key, prev: prev, at: at, actorId: ctx.actorId, actorName: ctx.actorName, action: action, entity: entity, entityId: entityId, summary: summary, requestId: ctx.requestId, address: ctx.address)
        // Written out rather than built: every write runs this, inside the write lock, and the
        // builder quotes each of the eleven names anew each time.
        try await sql.raw("""
            INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, summary, request_id, address, prev_hash, hash)
            VALUES (\(bind: at), \(bind: ctx.actorId), \(bind: ctx.actorName), \(bind: action), \(bind: entity), \(bind: entityId), \(bind: summary), \(bind: ctx.requestId), \(bind: ctx.address), \(bind: prev), \(bind: hash))
            """).run()
        groupHead?.hash = hash
    }

    /// The chain's head while a SQLite commit group holds the write lock (nobody else can append);
    /// the write gate restores it when a writer of the group rolls back to its savepoint.
    final class ChainHead: @unchecked Sendable { var hash: String? }
    @TaskLocal static var groupHead: ChainHead?

    /// A record of the chain's head at one moment — row `headId` had link `headHash` — kept
    /// where a truncation cannot reach it: printed to the log, written into each backup. A chain
    /// that no longer holds that row with that link lost rows from its end, or was rewritten.
    public struct Anchor: Sendable, Equatable, CustomStringConvertible {
        public let headId: Int
        public let headHash: String
        public init(headId: Int, headHash: String) { self.headId = headId; self.headHash = headHash }
        /// `ID:HASH`, as printed in the log and taken by `xuequ audit verify --anchor`.
        public var description: String { "\(headId):\(headHash)" }
        public init?(_ text: String) {
            let p = text.split(separator: ":", maxSplits: 1)
            guard p.count == 2, let id = Int(p[0]), p[1].count == 64, p[1].allSatisfy(\.isHexDigit) else { return nil }
            self.init(headId: id, headHash: String(p[1]).lowercased())
        }
    }

    static func anchorMAC(key: AuditKey, _ a: Anchor, at: String, reason: String) -> String {
        let data = Data(["anchor", String(a.headId), a.headHash, at, reason].joined(separator: "\u{1F}").utf8)
        return Data(HMAC<SHA256>.authenticationCode(for: data, using: key.symmetric)).hexString
    }

    /// The newest row's id and link, nil for an empty log.
    public static func head(on db: any SQLDatabase) async throws -> Anchor? {
        struct H: Decodable { let id: Int; let hash: String }
        return try await db.raw("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").first(decoding: H.self).map { Anchor(headId: $0.id, headHash: $0.hash) }
    }

    /// Records the head in `audit_anchors` inside the caller's write (the key is the write
    /// gate's). Backups are taken after it, so each backup carries the anchor of its moment.
    @discardableResult
    public static func anchor(on db: any Database, reason: String, at date: Date = Date()) async throws -> Anchor? {
        guard let key else { throw KeyMissing() }
        guard let head = try await head(on: db.sql) else { return nil }
        let at = timestamp(date)
        try await db.sql.insert(into: "audit_anchors").columns("at", "head_id", "head_hash", "reason", "mac")
            .values(SQLBind(at), SQLBind(head.headId), SQLBind(head.headHash), SQLBind(reason), SQLBind(anchorMAC(key: key, head, at: at, reason: reason))).run()
        return head
    }

    public struct Problem: Sendable, CustomStringConvertible {
        public let id: Int
        public let reason: String
        public var description: String { "row \(id): \(reason)" }
    }

    /// Walks the chain from the start with `key` (plain SHA-256 when nil: a database from
    /// before the chain was keyed) and checks every anchor recorded in the database and every
    /// one given (from a log line or a backup). Returns every problem (empty = intact), the row
    /// count and the head.
    public static func verify(on db: any Database, key: AuditKey?, anchors extra: [Anchor] = []) async throws -> (rows: Int, problems: [Problem], head: Anchor?) {
        try await verify(sql: db.sql, key: key, anchors: extra)
    }

    public static func verify(sql: any SQLDatabase, key: AuditKey?, anchors extra: [Anchor] = []) async throws -> (rows: Int, problems: [Problem], head: Anchor?) {
        var problems: [Problem] = []
        var prev = genesis
        var lastId = 0
        var rows = 0
        let batch = 5000
        // The links the anchors name, filled in as the walk passes their rows.
        var anchors: [(anchor: Anchor, label: String)] = extra.map { ($0, "given anchor \($0.headId)") }
        if key != nil {
            struct A: Decodable { let id: Int; let at: String; let headId: Int; let headHash: String; let reason: String; let mac: String }
            for a in try await sql.raw("SELECT id, at, head_id, head_hash, reason, mac FROM audit_anchors ORDER BY id").all(decoding: A.self, with: SQLRowDecoder.snakeCase) {
                let anchor = Anchor(headId: a.headId, headHash: a.headHash)
                if anchorMAC(key: key!, anchor, at: a.at, reason: a.reason) != a.mac {
                    problems.append(Problem(id: a.headId, reason: "anchor \(a.id) (\(a.reason), \(a.at)) does not match its MAC (the anchor was edited)"))
                } else {
                    anchors.append((anchor, "anchor of \(a.at) (\(a.reason))"))
                }
            }
        }
        var seen: [Int: String] = [:]
        let wanted = Set(anchors.map(\.anchor.headId))
        while true {
            let entries = try await sql.raw("SELECT * FROM audit_log WHERE id > \(bind: lastId) ORDER BY id LIMIT \(unsafeRaw: String(batch))").all(decoding: AuditEntry.self, with: SQLRowDecoder.snakeCase)
            for e in entries {
                rows += 1
                if e.prevHash != prev {
                    problems.append(Problem(id: e.id, reason: "does not follow the row before it (a row before was edited or deleted)"))
                }
                if digest(e, prev: e.prevHash, key: key) != e.hash {
                    problems.append(Problem(id: e.id, reason: "content does not match its hash (the row was edited, or the chain recomputed without the key)"))
                }
                if wanted.contains(e.id) { seen[e.id] = e.hash }
                prev = e.hash
                lastId = e.id
            }
            if entries.count < batch { break }
        }
        for (a, label) in anchors where seen[a.headId] != a.headHash {
            let what = seen[a.headId] == nil ? "the log has no row \(a.headId) (rows were deleted from its end)" : "row \(a.headId) has another link (the chain was rewritten)"
            problems.append(Problem(id: a.headId, reason: "\(label) names row \(a.headId) with link \(a.headHash.prefix(16))…; \(what)"))
        }
        let head = lastId == 0 ? nil : Anchor(headId: lastId, headHash: prev)
        return (rows, problems, head)
    }

    public struct Filter: Sendable {
        public var actor: String?
        /// An action code: that action and the ones under it (`internship.record` → `internship.record.lesson`).
        public var action: String?
        public var entity: String?
        public var from: String?
        public var to: String?
        /// An area's first segments (`teacher`, `school`): any of its actions.
        public var prefixes: [String]?
        /// Only what the accounts of one county did (a county's bureau among several): accounts
        /// bound to the county's code or to one of its districts.
        public var county: CountyScope?
        public init(actor: String? = nil, action: String? = nil, entity: String? = nil, from: String? = nil, to: String? = nil, prefixes: [String]? = nil, county: CountyScope? = nil) {
            self.actor = actor; self.action = action; self.entity = entity; self.from = from; self.to = to; self.prefixes = prefixes; self.county = county
        }
    }

    /// The accounts of a county: bound to its code (its bureau, its certifying body) or to one of
    /// its districts (district, school and teacher accounts).
    public static func countyAccounts(_ c: CountyScope) -> SQLQueryString {
        var cond: SQLQueryString = "area_code = \(bind: c.code)"
        if !c.districts.isEmpty { cond = cond + " OR district_id IN (\(SQLList(c.districts.sorted().map { SQLBind($0) })))" }
        return cond
    }

    /// The usernames of a county's accounts, for the actor filter of its bureau's log.
    public static func countyActorNames(_ c: CountyScope, on db: any Database, limit: Int = 500) async throws -> [String] {
        struct N: Decodable { let username: String }
        return try await db.sql.raw("SELECT username FROM users WHERE " + countyAccounts(c) + " ORDER BY username LIMIT \(bind: limit)").all(decoding: N.self).map(\.username)
    }

    /// The names of everyone who appears in the log (for the filter's list), at most `limit`:
    /// each the next name after the last along the `audit_log_actor` index, so a log of millions
    /// of rows costs a look-up per name, not a scan of the log (`SELECT DISTINCT` read it all).
    public static func actorNames(on db: any Database, limit: Int = 500) async throws -> [String] {
        struct N: Decodable { let actorName: String }
        return try await db.sql.raw("""
            WITH RECURSIVE names(actor_name) AS (
              SELECT MIN(actor_name) FROM audit_log
              UNION ALL
              SELECT (SELECT MIN(a.actor_name) FROM audit_log a WHERE a.actor_name > names.actor_name) FROM names WHERE names.actor_name IS NOT NULL
            )
            SELECT actor_name FROM names WHERE actor_name IS NOT NULL LIMIT \(bind: limit)
            """).all(decoding: N.self, with: SQLRowDecoder.snakeCase).map(\.actorName)
    }

    /// Newest first, filtered, paged.
    /// A page of the log, newest first. `counting: false` skips the total (a count of a log that
    /// only grows), for the home page's few recent lines.
    public static func list(on db: any Database, filter: Filter, page: PageSpec, counting: Bool = true) async throws -> PageResult<AuditEntry> {
        var conds: [any SQLExpression] = []
        if let a = filter.actor, !a.isEmpty { conds.append(SQLBinaryExpression(SQLColumn("actor_name"), .equal, SQLBind(a))) }
        if let a = filter.action, !a.isEmpty {
            conds.append(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLColumn("action"), .equal, SQLBind(a)), .or, SQLBinaryExpression(SQLColumn("action"), .like, SQLBind(a + ".%")))))
        }
        if let ps = filter.prefixes, !ps.isEmpty {
            conds.append(SQLGroupExpression(SQLList(ps.map { SQLBinaryExpression(SQLColumn("action"), .like, SQLBind($0 + ".%")) as any SQLExpression }, separator: SQLRaw(" OR "))))
        }
        if let e = filter.entity, !e.isEmpty { conds.append(SQLBinaryExpression(SQLColumn("entity"), .equal, SQLBind(e))) }
        if let c = filter.county { conds.append(SQLBinaryExpression(SQLColumn("actor_id"), .in, SQLGroupExpression("SELECT id FROM users WHERE " + countyAccounts(c) as SQLQueryString))) }
        if let f = filter.from, !f.isEmpty { conds.append(SQLBinaryExpression(SQLColumn("at"), .greaterThanOrEqual, SQLBind(f))) }
        if let t = filter.to, !t.isEmpty { conds.append(SQLBinaryExpression(SQLColumn("at"), .lessThan, SQLBind(t + "T99"))) }
        let whereExpr: any SQLExpression = conds.isEmpty ? SQLRaw("1=1") : SQLList(conds, separator: SQLRaw(" AND "))
        struct Count: Decodable { let n: Int }
        let items = try await db.sql.select().column("*").from("audit_log").where(whereExpr)
            .orderBy("id", .descending).limit(page.per).offset(page.offset).all(decoding: AuditEntry.self, with: SQLRowDecoder.snakeCase)
        guard counting else { return PageResult(items: items, total: page.offset + items.count, request: page) }
        // The count stops past `PageSpec.countCap` ("more than 10,000"): a log only grows, and
        // counting a year's million rows on every view of its first page would cost more than the page.
        let inner = db.sql.select().column(SQLLiteral.numeric("1")).from("audit_log").where(whereExpr).limit(PageSpec.countCap + 1)
        let n = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLGroupExpression(inner.select), as: SQLIdentifier("c"))).first(decoding: Count.self)?.n ?? 0
        return PageResult(items: items, total: min(n, PageSpec.countCap), capped: n > PageSpec.countCap, request: page)
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

/// Keys the audit chain (HMAC-SHA256 with the key kept outside the database) and adds
/// `audit_anchors`. Rows written before it carry plain SHA-256 links that anyone could
/// recompute; this migration first verifies that old chain, then re-links every row under the
/// key (the append-only triggers are lifted for this one transaction and put back), and
/// appends an `audit.rekey` entry saying how the old chain stood. From here on one rule holds for
/// every row: its link is the keyed one.
public struct KeyAuditChain: AsyncMigration {
    let key: AuditKey?
    public init(key: AuditKey?) { self.key = key }
    public var name: String { "003_KeyAuditChain" }

    public func prepare(on database: any Database) async throws {
        guard let key else { throw Audit.KeyMissing() }
        let idType = database.sql.dialect.name == "postgresql" ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        try await database.sql.raw("""
            CREATE TABLE audit_anchors (
              id \(unsafeRaw: idType),
              at TEXT NOT NULL,
              head_id BIGINT NOT NULL,
              head_hash TEXT NOT NULL,
              reason TEXT NOT NULL,
              mac TEXT NOT NULL
            )
            """).run()
        let old = try await Audit.verify(on: database, key: AuditKey?.none)
        let outcome = old.problems.isEmpty
            ? "the plain SHA-256 chain of \(old.rows) rows verified intact before re-keying"
            : "the plain SHA-256 chain of \(old.rows) rows was BROKEN before re-keying: " + old.problems.prefix(20).map { $0.description }.joined(separator: "; ")
        database.logger.notice("audit chain: \(outcome)")
        try await database.transaction { tx in
            try await Self.relink(tx, with: key)
            try await Audit.$key.withValue(key) {
                try await Audit.record(on: tx, .system("migrate"), action: "audit.rekey", entity: "audit_log", entityId: "-", summary: String(outcome.prefix(2000)))
            }
        }
    }

    public func revert(on database: any Database) async throws {
        try await database.transaction { tx in try await Self.relink(tx, with: nil) }
        try await database.sql.raw("DROP TABLE audit_anchors").run()
    }

    /// Recomputes every link with `key` (plain SHA-256 when nil), triggers lifted meanwhile.
    static func relink(_ tx: any Database, with key: AuditKey?) async throws {
        let sql = tx.sql
        let pg = sql.dialect.name == "postgresql"
        if pg {
            try await sql.raw("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change").run()
        } else {
            try await sql.raw("DROP TRIGGER audit_log_no_update").run()
            try await sql.raw("DROP TRIGGER audit_log_no_delete").run()
        }
        var prev = Audit.genesis
        var lastId = 0
        while true {
            let entries = try await sql.raw("SELECT * FROM audit_log WHERE id > \(bind: lastId) ORDER BY id LIMIT 5000").all(decoding: AuditEntry.self, with: SQLRowDecoder.snakeCase)
            for e in entries {
                let hash = Audit.digest(e, prev: prev, key: key)
                try await sql.raw("UPDATE audit_log SET prev_hash = \(bind: prev), hash = \(bind: hash) WHERE id = \(bind: e.id)").run()
                prev = hash
                lastId = e.id
            }
            if entries.count < 5000 { break }
        }
        if pg {
            try await sql.raw("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change").run()
        } else {
            try await sql.raw("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END").run()
            try await sql.raw("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END").run()
        }
    }
}

struct AuditKeyStorageKey: StorageKey { typealias Value = AuditKey }

extension Application {
    /// The audit key, loaded when the database is opened.
    public var auditKey: AuditKey? {
        get { storage[AuditKeyStorageKey.self] }
        set { storage[AuditKeyStorageKey.self] = newValue }
    }
}
