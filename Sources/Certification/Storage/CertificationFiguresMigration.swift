import Fluent
import SQLKit
import XuequKit

/// 067: a window's statistics, kept by the database. `cert_window_figures` holds, per window,
/// state, type and reason, how many applications there are and the sums the statistics are
/// made of (entry times, decision times, the time kept in each tracked state); triggers on
/// `cert_applications` add each row as it is written and subtract what it was, as the teacher
/// tallies do. A 300,000-application window's statistics read a few hundred rows, however many
/// submissions arrive meanwhile.
public struct CreateCertificationFigures: AsyncMigration {
    public init() {}
    public var name: String { "067_CertificationFigures" }

    /// The tracked states when this migration landed (a new one needs a new migration).
    static let states = ["submitted", "deficient", "accepted", "ability_test", "review", "forwarded", "approved", "noticed"]
    static var sumColumns: [String] {
        ["n", "since_sum", "decision_sum", "decision_n"] + states.flatMap { ["s_\($0)", "n_\($0)", "z_\($0)"] }
    }
    /// One application row's contribution (`NEW` or `OLD`, times `sign`), in `sumColumns` order.
    static func contribution(_ r: String, _ sign: String) -> [String] {
        ["\(sign)1", "\(sign)COALESCE(\(r).state_since, \(r).updated_at)", "\(sign)COALESCE(\(r).decided_at - \(r).submitted_at, 0)",
         "\(sign)(CASE WHEN \(r).decided_at - \(r).submitted_at IS NULL THEN 0 ELSE 1 END)"]
            + states.flatMap { st in
                ["\(sign)COALESCE(\(r).secs_\(st), 0)", "\(sign)(CASE WHEN \(r).secs_\(st) <> 0 THEN 1 ELSE 0 END)", "\(sign)(CASE WHEN \(r).secs_\(st) = 0 THEN 1 ELSE 0 END)"]
            }
    }
    static func upsert(_ r: String, _ sign: String) -> String {
        "INSERT INTO cert_window_figures (window_id, state, type, reason_code, \(sumColumns.joined(separator: ", "))) VALUES (\(r).window_id, \(r).state, \(r).type, COALESCE(\(r).reason_code, ''), "
            + contribution(r, sign).joined(separator: ", ") + ") ON CONFLICT (window_id, state, type, reason_code) DO UPDATE SET "
            + sumColumns.map { "\($0) = cert_window_figures.\($0) + excluded.\($0)" }.joined(separator: ", ")
    }

    public func prepare(on database: any Database) async throws {
        let sql = database.sql
        let columns = Self.sumColumns.map { c in c.hasPrefix("n") || c.hasPrefix("z_") || c == "decision_n" ? "\(c) BIGINT NOT NULL" : "\(c) DOUBLE PRECISION NOT NULL" }
        try await sql.raw("""
            CREATE TABLE cert_window_figures (window_id BIGINT NOT NULL, state TEXT NOT NULL, type TEXT NOT NULL, reason_code TEXT NOT NULL, \(unsafeRaw: columns.joined(separator: ", ")),
            PRIMARY KEY (window_id, state, type, reason_code))
            """).run()
        let add = Self.upsert("NEW", "+"), subtract = Self.upsert("OLD", "-")
        try await RowTriggers.create(function: "cert_window_figures_apply", trigger: "cert_applications_figures", on: "cert_applications",
                                     subtract: subtract, add: add, on: database)
        try await sql.raw("INSERT INTO cert_window_figures (window_id, state, type, reason_code, \(unsafeRaw: Self.sumColumns.joined(separator: ", "))) \(unsafeRaw: Self.recount)").run()
    }

    /// The figures counted afresh from the applications (the backfill, and what
    /// `xuequ verify-aggregates` compares the kept ones with).
    static var recount: String {
        "SELECT a.window_id, a.state, a.type, COALESCE(a.reason_code, ''), "
            + zip(sumColumns, contribution("a", "")).map { "SUM(\($1))" }.joined(separator: ", ")
            + " FROM cert_applications a GROUP BY a.window_id, a.state, a.type, COALESCE(a.reason_code, '')"
    }

    /// The recount with its columns named as the table's.
    static var recountAliased: String {
        "SELECT a.window_id AS window_id, a.state AS state, a.type AS type, COALESCE(a.reason_code, '') AS reason_code, "
            + zip(sumColumns, contribution("a", "")).map { "SUM(\($1)) AS \($0)" }.joined(separator: ", ")
            + " FROM cert_applications a GROUP BY a.window_id, a.state, a.type, COALESCE(a.reason_code, '')"
    }

    public func revert(on database: any Database) async throws {
        let sql = database.sql
        try await RowTriggers.drop(function: "cert_window_figures_apply", trigger: "cert_applications_figures", on: "cert_applications", on: database)
        try await sql.raw("DROP TABLE cert_window_figures").run()
    }
}
