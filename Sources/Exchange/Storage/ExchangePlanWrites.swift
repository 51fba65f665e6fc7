import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// The exchange service's writes: plans and their moves, the year's claims, the workflow's steps,
/// the host school's assessment and an extended move (issue 33: the service keeps the checks, the
/// validation, the workflow's decisions, the transactions and the audit; the statements are here).
extension ExchangeStore {
    /// How many teachers the database holds.
    static func teacherCount(on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM teachers").first(decoding: N.self)?.n ?? 0
    }

    // MARK: plans

    /// A new draft plan of a district (nil: the county's own) and year, with the year's open claim
    /// of the district (its unique index refuses a second plan created at the same moment); its id.
    static func insertPlan(year y: Int, district d: Int?, title name: String, by: String, on tx: any Database, now: Double) async throws -> Int {
        struct Id: Decodable { let id: Int }
        let row = try await tx.sql.raw(
            """
            INSERT INTO exchange_plans (year, district_id, title, state, version, created_by, created_at, updated_at, state_since, secs_draft, secs_submitted, secs_approved)
            VALUES (\(bind: y), \(bind: d), \(bind: name), 'draft', 1, \(bind: by), \(bind: now), \(bind: now), \(bind: now), 0, 0, 0) RETURNING id
            """
        ).first(decoding: Id.self)!
        try await tx.sql.raw("INSERT INTO exchange_claims (kind, year, ref, plan_id) VALUES ('open', \(bind: y), \(bind: d ?? 0), \(bind: row.id))").run()
        return row.id
    }

    /// A plan's moves, planned, in statements of 300.
    static func insertMoves(_ moves: [CheckedMove], planId: Int, on tx: any Database) async throws {
        for start in stride(from: 0, to: moves.count, by: 300) {
            var insert = tx.sql.insert(into: "exchange_moves").columns(
                "plan_id", "teacher_id", "from_school_id", "from_part", "to_school_id", "to_part", "form",
                "starts_on", "returns_on", "reason", "warnings", "state", "version")
            for m in moves[start..<min(start + 300, moves.count)] {
                insert = insert.values(
                    SQLBind(planId), SQLBind(m.teacher.id), SQLBind(m.from.id), SQLBind(m.teacher.part?.rawValue), SQLBind(m.to.id),
                    SQLBind(m.toPart?.rawValue), SQLBind(m.form.rawValue), SQLBind(m.startsOn.description), SQLBind(m.returnsOn?.description),
                    SQLBind(m.reason), SQLBind(m.warnings.map(\.rawValue).joined(separator: ",")), SQLBind(MoveState.planned.rawValue), SQLBind(1))
            }
            try await insert.run()
        }
    }

    /// Takes planned moves out of a plan.
    static func deletePlannedMoves(planId: Int, ids: [Int], on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM exchange_moves WHERE plan_id = \(bind: planId) AND state = 'planned' AND id IN (\(SQLList(ids.map { SQLBind($0) })))")
            .run()
    }

    /// Takes every move out of a plan.
    static func deleteMoves(planId id: Int, on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM exchange_moves WHERE plan_id = \(bind: id)").run()
    }

    /// A draft's new version, checked against the version it was read at (409 when stale).
    static func touchDraft(id: Int, version: Int, on tx: any Database, now: Double) async throws {
        try await workflow.touch(id: id, version: version, inStates: [PlanState.draft.rawValue], now: now, on: tx)
    }

    /// A draft's new version with its title, checked against the version it was read at.
    static func touchDraft(id: Int, version: Int, title name: String, on tx: any Database, now: Double) async throws {
        try await workflow.touch(id: id, version: version, inStates: [PlanState.draft.rawValue], set: ["title = \(bind: name)"], now: now, on: tx)
    }

    // MARK: the workflow

    /// A plan's step to another state, checked against its version and state, with what the event
    /// writes beside it: who submitted (the bureau's note of a send-back cleared), who approved,
    /// or the note sent back.
    static func advancePlan(
        id: Int, from: String, version: Int, to: String, event: PlanEvent, by actor: String, note: String, on tx: any Database, now: Double
    ) async throws {
        let extra: [SQLQueryString] =
            switch event {
            case .submit: ["submitted_by = \(bind: actor), note = NULL"]
            case .approve: ["approved_by = \(bind: actor)"]
            case .sendBack: ["note = \(bind: note)"]
            }
        try await workflow.advance(id: id, from: from, version: version, to: to, set: extra, now: now, on: tx)
    }

    static func planHistory(id: Int, from: String, to: String, event: String, actor: String, at: Double, reason: String?, on tx: any Database) async throws {
        try await workflow.history([id], from: from, to: to, event: event, actor: actor, at: at, reason: reason, on: tx)
    }

    /// An approval's claims: each moved teacher claimed for the year (of two plans moving one
    /// teacher approved at once, the unique index lets one through), in statements of 300, and the
    /// plan's open claim of the year released.
    static func claimForApproval(teachers: [Int], year: Int, planId: Int, on tx: any Database) async throws {
        for start in stride(from: 0, to: teachers.count, by: 300) {
            var insert = tx.sql.insert(into: "exchange_claims").columns("kind", "year", "ref", "plan_id")
            for t in teachers[start..<min(start + 300, teachers.count)] {
                insert = insert.values(SQLBind("teacher"), SQLBind(year), SQLBind(t), SQLBind(planId))
            }
            try await insert.run()
        }
        try await tx.sql.raw("DELETE FROM exchange_claims WHERE kind = 'open' AND plan_id = \(bind: planId)").run()
    }

    // MARK: support teaching

    /// The host school's assessment of a move for a year, replacing an earlier one.
    static func replaceAssessment(moveId: Int, year y: Int, rating: String, comments: String, by: String, on tx: any Database, now: Double) async throws {
        try await tx.sql.raw("DELETE FROM exchange_assessments WHERE move_id = \(bind: moveId) AND year = \(bind: y)").run()
        try await tx.sql.raw(
            """
            INSERT INTO exchange_assessments (move_id, year, rating, comments, assessed_by, assessed_at)
            VALUES (\(bind: moveId), \(bind: y), \(bind: rating), \(bind: comments), \(bind: by), \(bind: now))
            """
        ).run()
    }

    /// A move's later return date, when its version still matches and it has not ended; false
    /// when someone else changed it first.
    static func extendMove(id moveId: Int, returnsOn: String, version: Int, on tx: any Database) async throws -> Bool {
        struct Id: Decodable { let id: Int }
        let done = try await tx.sql.raw(
            """
            UPDATE exchange_moves SET returns_on = \(bind: returnsOn), version = version + 1
            WHERE id = \(bind: moveId) AND version = \(bind: version) AND state <> 'returned' RETURNING id
            """
        ).all(decoding: Id.self)
        return !done.isEmpty
    }
}
