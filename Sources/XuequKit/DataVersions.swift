import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit

/// A counter per area of data (`registry`, `balance`) that every write to the
/// area's tables raises, in the same transaction, by a database trigger: no code path can write
/// around it, and every process sees the same number. Results computed from many rows (a
/// province's coefficients) are kept under the versions they were read
/// at and answered again until a write raises one of them.
public enum DataVersions {
    /// Makes every insert, update and delete on `tables` raise `area`'s version. SQLite fires per
    /// row (its single writer makes that a few microseconds); PostgreSQL once per statement.
    /// Migrations 065 and 066 ran exactly this SQL: a different shape is a new function.
    public static func watch(_ tables: [String], area: String, on db: any Database) async throws {
        let sql = db.sql
        try await sql.raw("INSERT INTO data_versions (area, version) VALUES (\(bind: area), 0)").run()
        for t in tables {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("""
                    CREATE TRIGGER \(unsafeRaw: t)_version_\(unsafeRaw: area) AFTER INSERT OR UPDATE OR DELETE ON \(unsafeRaw: t)
                    FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump('\(unsafeRaw: area)')
                    """).run()
            } else {
                for (op, suffix) in [("INSERT", "i"), ("UPDATE", "u"), ("DELETE", "d")] {
                    try await sql.raw("""
                        CREATE TRIGGER \(unsafeRaw: t)_version_\(unsafeRaw: area)_\(unsafeRaw: suffix) AFTER \(unsafeRaw: op) ON \(unsafeRaw: t)
                        BEGIN UPDATE data_versions SET version = version + 1 WHERE area = '\(unsafeRaw: area)'; END
                        """).run()
                }
            }
        }
    }

    public static func unwatch(_ tables: [String], area: String, on db: any Database) async throws {
        let sql = db.sql
        for t in tables {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: t)_version_\(unsafeRaw: area) ON \(unsafeRaw: t)").run()
            } else {
                for suffix in ["i", "u", "d"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: t)_version_\(unsafeRaw: area)_\(unsafeRaw: suffix)").run() }
            }
        }
        try await sql.raw("DELETE FROM data_versions WHERE area = \(bind: area)").run()
    }

    /// Every area's current version, in one read (the table has a row per area: a handful).
    public static func all(on db: any Database) async throws -> [String: Int] {
        struct V: Decodable { let area: String; let version: Int }
        let rows = try await db.sql.raw("SELECT area, version FROM data_versions").all(decoding: V.self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.area, $0.version) })
    }

    /// The current versions of `areas`, in one read.
    public static func current(_ areas: [String], on db: any Database) async throws -> [String: Int] {
        struct V: Decodable { let area: String; let version: Int }
        let rows = try await db.sql.raw("SELECT area, version FROM data_versions WHERE area IN (\(SQLList(areas.map { SQLBind($0) })))").all(decoding: V.self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.area, $0.version) })
    }
}

/// 064: the table of versions and, on PostgreSQL, the trigger function the modules' watches use.
public struct CreateDataVersions: AsyncMigration {
    public init() {}
    public var name: String { "064_DataVersions" }
    public func prepare(on database: any Database) async throws {
        let sql = database.sql
        try await sql.raw("CREATE TABLE data_versions (area TEXT PRIMARY KEY, version BIGINT NOT NULL)").run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION data_version_bump() RETURNS trigger AS $$
                BEGIN
                  UPDATE data_versions SET version = version + 1 WHERE area = TG_ARGV[0];
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """).run()
        }
    }
    public func revert(on database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" { try await sql.raw("DROP FUNCTION IF EXISTS data_version_bump()").run() }
        try await sql.raw("DROP TABLE data_versions").run()
    }
}

/// Results kept under the data versions they were computed at (see `DataVersions`). One per
/// application; a key's first reader computes while the others wait for that one answer, so a
/// burst of dashboards after a write recomputes once. At most `capacity` results are kept; the
/// least recently used goes first, and `dropIdle` lets go of those nobody asked for lately (a
/// province's balance summary is megabytes: kept while it is being read, not for good).
public final class AggregateCache: Sendable {
    struct Entry {
        let stamp: String
        let task: Task<any Sendable, any Error>
        /// When it was last asked for (`DispatchTime` nanoseconds): the least recent goes first
        /// past `capacity`, and `dropIdle` lets go of the old ones.
        var at: UInt64
    }
    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let hits = ManagedAtomicCounter(), misses = ManagedAtomicCounter()
    public let capacity: Int
    /// Off: every call computes (tests of the computation itself, a benchmark's baseline).
    public let enabled: Bool

    public init(capacity: Int = 256, enabled: Bool = true) {
        self.capacity = capacity; self.enabled = enabled
    }

    /// The value for `key` computed at the current versions of `areas`, or computed now.
    /// `known`: versions this request already read from `db` (`VersionSnapshot`); when it has
    /// every area, no read is made here.
    public func value<T: Sendable>(_ key: String, areas: [String], on db: any Database, known: [String: Int]? = nil,
                                   compute: @escaping @Sendable () async throws -> T) async throws -> T {
        guard enabled else { return try await compute() }
        let versions: [String: Int]
        if let known, areas.allSatisfy({ known[$0] != nil }) { versions = known } else { versions = try await DataVersions.current(areas, on: db) }
        let stamp = areas.map { "\($0)=\(versions[$0] ?? -1)" }.joined(separator: ",")
        let task: Task<any Sendable, any Error> = entries.withLockedValue { map in
            let now = DispatchTime.now().uptimeNanoseconds
            if var e = map[key], e.stamp == stamp {
                e.at = now
                map[key] = e
                hits.increment()
                return e.task
            }
            misses.increment()
            let t = Task<any Sendable, any Error> { try await compute() }
            map[key] = Entry(stamp: stamp, task: t, at: now)
            if map.count > capacity, let oldest = map.min(by: { $0.value.at < $1.value.at })?.key {
                map.removeValue(forKey: oldest)
            }
            return t
        }
        do {
            guard let v = try await task.value as? T else { preconditionFailure("cache key \(key) holds another type") }
            return v
        } catch {
            // A failed computation is not kept: the next reader tries again.
            entries.withLockedValue { map in
                if map[key]?.stamp == stamp { map.removeValue(forKey: key) }
            }
            throw error
        }
    }

    /// Hits and misses since start (for the metrics page and the benchmarks).
    public var counts: (hits: Int, misses: Int) { (hits.value, misses.value) }

    public func removeAll() { entries.withLockedValue { $0.removeAll() } }

    /// Forgets the results nobody asked for in the last `seconds`; returns how many. The server
    /// calls it before giving free memory back (`MemoryTrim`), so after a burst of province
    /// reports the process returns to its idle size instead of keeping the answers.
    @discardableResult
    public func dropIdle(unusedFor seconds: Double) -> Int {
        let limit = UInt64(max(0, seconds) * 1e9)
        let now = DispatchTime.now().uptimeNanoseconds
        return entries.withLockedValue { map in
            let before = map.count
            map = map.filter { now &- $0.value.at < limit }
            return before - map.count
        }
    }

    /// Results kept now.
    public var count: Int { entries.withLockedValue { $0.count } }
}

/// The data versions as a request first read them, with its signed-in caller (`CallerCache`):
/// every kept result the request then asks for (`ServiceContext.kept`) is looked up under them,
/// so a page that shows three kept lists reads the versions once, not four times. A write through
/// the request forgets them (what the request reads next includes its own write), and a
/// `reporting()` context, which may read the replica, does not use them.
public final class VersionSnapshot: Sendable {
    private let box: NIOLockedValueBox<[String: Int]?>
    public init(_ versions: [String: Int]) { box = NIOLockedValueBox(versions) }
    public var versions: [String: Int]? { box.withLockedValue { $0 } }
    public func forget() { box.withLockedValue { $0 = nil } }
}

/// A counter safe to bump from any thread.
final class ManagedAtomicCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    func increment() { box.withLockedValue { $0 += 1 } }
    var value: Int { box.withLockedValue { $0 } }
}

extension DataVersions {
    /// Every watched table still raises its area: the triggers are there.
    public static func check(_ tables: [String], area: String, on db: any Database) async throws -> AggregateCheck {
        struct N: Decodable { let n: Int }
        var missing: [String] = []
        for t in tables {
            let n: Int
            if db.sql.dialect.name == "postgresql" {
                n = try await db.sql.raw("SELECT COUNT(*) AS n FROM pg_trigger WHERE tgname = \(bind: "\(t)_version_\(area)") AND NOT tgisinternal").first(decoding: N.self)?.n ?? 0
            } else {
                n = try await db.sql.raw("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'trigger' AND name LIKE \(bind: "\(t)_version_\(area)_%")").first(decoding: N.self)?.n ?? 0
            }
            if n == 0 { missing.append("\(t): no trigger raises \(area)") }
        }
        let row = try await current([area], on: db)[area]
        if row == nil { missing.append("data_versions has no row for \(area)") }
        return AggregateCheck(name: "\(area) data version", checked: tables.count, mismatches: missing)
    }
}

/// Row triggers that keep a derived table in step with its source: `subtract` runs for the old
/// row (update, delete), `add` for the new one (insert, update). PostgreSQL gets one plpgsql
/// function and one row trigger; SQLite three triggers (`_i`, `_d`, `_u`). Migrations 067 and 068
/// ran exactly this SQL: a different shape is a new function, not a change here.
public enum RowTriggers {
    public static func create(function: String, trigger: String, on table: String, updateOf columns: String? = nil,
                              subtract: String, add: String, on db: any Database) async throws {
        let sql = db.sql
        let update = columns.map { "UPDATE OF \($0)" } ?? "UPDATE"
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                \(unsafeRaw: """
                CREATE FUNCTION \(function)() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP <> 'INSERT' THEN \(subtract); END IF;
                  IF TG_OP <> 'DELETE' THEN \(add); END IF;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """)
                """).run()
            try await sql.raw("CREATE TRIGGER \(unsafeRaw: trigger) AFTER INSERT OR DELETE OR \(unsafeRaw: update) ON \(unsafeRaw: table) FOR EACH ROW EXECUTE FUNCTION \(unsafeRaw: function)()").run()
        } else {
            try await sql.raw("CREATE TRIGGER \(unsafeRaw: trigger)_i AFTER INSERT ON \(unsafeRaw: table) BEGIN \(unsafeRaw: add); END").run()
            try await sql.raw("CREATE TRIGGER \(unsafeRaw: trigger)_d AFTER DELETE ON \(unsafeRaw: table) BEGIN \(unsafeRaw: subtract); END").run()
            try await sql.raw("CREATE TRIGGER \(unsafeRaw: trigger)_u AFTER \(unsafeRaw: update) ON \(unsafeRaw: table) BEGIN \(unsafeRaw: subtract); \(unsafeRaw: add); END").run()
        }
    }

    public static func drop(function: String, trigger: String, on table: String, on db: any Database) async throws {
        let sql = db.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: trigger) ON \(unsafeRaw: table)").run()
            try await sql.raw("DROP FUNCTION IF EXISTS \(unsafeRaw: function)()").run()
        } else {
            for s in ["i", "d", "u"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: trigger)_\(unsafeRaw: s)").run() }
        }
    }
}

/// A migration that gives some tables a data version of their own (`DataVersions.watch`), with
/// the check `verify-aggregates` runs on its triggers: one value per area instead of a struct each.
public struct WatchDataVersion: AsyncMigration {
    public let name: String
    public let tables: [String]
    public let area: String
    public init(_ name: String, tables: [String], area: String) { self.name = name; self.tables = tables; self.area = area }
    public func prepare(on database: any Database) async throws { try await DataVersions.watch(tables, area: area, on: database) }
    public func revert(on database: any Database) async throws { try await DataVersions.unwatch(tables, area: area, on: database) }
    /// The triggers raise the version on every write to the tables.
    public func check(on db: any Database) async throws -> AggregateCheck { try await DataVersions.check(tables, area: area, on: db) }
}
