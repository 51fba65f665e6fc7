import Fluent
import Foundation
import SQLKit
import XuequCore

/// The machinery every workflow shares — certification applications today; rotation plans,
/// lesson-plan reviews and internship approvals next: a history row per transition, the
/// version- and state-checked update (two people acting at once: one succeeds, the other gets
/// 409), and the time spent in each state, added at each transition inside the same UPDATE so
/// statistics read one row per object instead of walking the history.
///
/// The decision itself stays a pure `transition(from:event:actor:)` in the module's `Domain/`;
/// this kit only writes what was decided. Table layout it expects:
/// - the object table: `id`, `state` (text), `version` (int), `updated_at` (double),
///   `state_since` (double, null before the first transition) and `secs_<state>` (double) per
///   tracked state;
/// - the history table: `<foreignKey>`, `from_state`, `to_state`, `event`, `actor`, `at`, `reason`.
public struct WorkflowStore: Sendable {
    public let table: String
    public let historyTable: String
    public let foreignKey: String
    /// States whose time is counted (raw values); leaving any other state only restarts the clock.
    public let tracked: [String]
    /// What a stale writer is told (409).
    public let stale: DomainError

    public init(table: String, historyTable: String, foreignKey: String, tracked: [String], stale: DomainError) {
        self.table = table; self.historyTable = historyTable; self.foreignKey = foreignKey; self.tracked = tracked; self.stale = stale
    }

    /// The column counting seconds in a tracked state (names come from code, never from input).
    public static func column(_ state: String) -> String { "secs_" + state }

    /// `SET` fragment: adds the time since `state_since` to the state being left, restarts the clock.
    public func leaving(_ state: String, now: Double) -> SQLQueryString {
        guard tracked.contains(state) else { return "state_since = \(bind: now)" }
        let c = Self.column(state)
        return "\(unsafeRaw: c) = \(unsafeRaw: c) + (\(bind: now) - COALESCE(state_since, updated_at)), state_since = \(bind: now)"
    }

    /// Moves one object from `from` to `to` if it is still at `version` in `from`: bumps the
    /// version, counts the time in `from`, applies the extra assignments (`"reason_code = …"`).
    /// Throws `stale` (409) when someone else moved it first; nothing is written then.
    public func advance(id: Int, from: String, version: Int, to: String, set extra: [SQLQueryString] = [], now: Double,
                        on db: any Database) async throws {
        var sets: SQLQueryString = "state = \(bind: to), version = version + 1, updated_at = \(bind: now), " + leaving(from, now: now)
        for e in extra { sets = sets + ", " + e }
        struct Row: Decodable { let id: Int }
        let done = try await db.sql.raw("""
            UPDATE \(ident: table) SET \(sets) WHERE id = \(bind: id) AND version = \(bind: version) AND state = \(bind: from) RETURNING id
            """).all(decoding: Row.self)
        if done.isEmpty { throw stale }
    }

    /// Bumps the version without a change of state (an upload, a correction), checked the same way.
    public func touch(id: Int, version: Int?, inStates states: [String], set extra: [SQLQueryString] = [], now: Double,
                      on db: any Database) async throws {
        var sets: SQLQueryString = "version = version + 1, updated_at = \(bind: now)"
        for e in extra { sets = sets + ", " + e }
        var condition: SQLQueryString = "id = \(bind: id) AND state IN (\(binds: states))"
        if let version { condition = condition + " AND version = \(bind: version)" }
        struct Row: Decodable { let id: Int }
        let done = try await db.sql.raw("UPDATE \(ident: table) SET \(sets) WHERE \(condition) RETURNING id").all(decoding: Row.self)
        if done.isEmpty { throw stale }
    }

    /// One history row per object for the same transition (batched: a notice moves hundreds).
    public func history(_ ids: [Int], from: String, to: String, event: String, actor: String, at: Double, reason: String?,
                        on db: any Database) async throws {
        guard !ids.isEmpty else { return }
        var rows = db.sql.insert(into: historyTable).columns(foreignKey, "from_state", "to_state", "event", "actor", "at", "reason")
        for id in ids {
            rows = rows.values(SQLBind(id), SQLBind(from), SQLBind(to), SQLBind(event), SQLBind(actor), SQLBind(at), SQLBind(reason))
        }
        try await rows.run()
    }

    /// Recomputes the time in each state from the history (rows written before the columns
    /// existed, or seeded directly). `only` limits it to some objects (by a subquery of ids).
    public func rebuildTimes(on db: any Database, only: SQLQueryString? = nil) async throws {
        struct H: Decodable { let objectId: Int; let toState: String; let at: Double }
        let filter: SQLQueryString = only.map { "WHERE h.\(unsafeRaw: foreignKey) IN (" + $0 + ")" } ?? ""
        let rows = try await db.sql.raw("""
            SELECT h.\(unsafeRaw: foreignKey) AS object_id, h.to_state, h.at FROM \(ident: historyTable) h \(filter) ORDER BY h.\(unsafeRaw: foreignKey), h.id
            """).all(decoding: H.self, with: SQLRowDecoder.snakeCase)
        var i = 0
        while i < rows.count {
            let id = rows[i].objectId
            var secs: [String: Double] = [:]
            var j = i
            while j < rows.count, rows[j].objectId == id {
                if j + 1 < rows.count, rows[j + 1].objectId == id, tracked.contains(rows[j].toState) {
                    secs[rows[j].toState, default: 0] += max(0, rows[j + 1].at - rows[j].at)
                }
                j += 1
            }
            var sets = ["state_since = \(rows[j - 1].at)"]
            for s in tracked { sets.append("\(Self.column(s)) = \(secs[s] ?? 0)") }
            try await db.sql.raw("UPDATE \(ident: table) SET \(unsafeRaw: sets.joined(separator: ", ")) WHERE id = \(bind: id)").run()
            i = j
        }
    }
}
