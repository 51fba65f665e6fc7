import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// The scheduled step's reads and state-checked writes (issue 33: `ExchangeJobs` keeps the
/// decisions, the transactions and the audit; the statements are here). Each write changes a
/// move's or a plan's state only from the state it was read in, so two runs never apply it twice.
extension ExchangeStore {
    struct DueMove: Decodable {
        let id: Int
        let planId: Int
        let teacherId: Int
        let fromSchoolId: Int
        let fromPart: String?
        let toSchoolId: Int
        let toPart: String?
        let form: String
        let startsOn: String
        let returnsOn: String?
        let priorSince: String?
    }

    /// The planned moves of approved plans whose start date has come, by id.
    static func startingMoves(on today: CivilDate, db: any Database) async throws -> [DueMove] {
        try await db.sql.raw(
            """
            SELECT m.id, m.plan_id, m.teacher_id, m.from_school_id, m.from_part, m.to_school_id, m.to_part, m.form, m.starts_on, m.returns_on, m.prior_since
            FROM exchange_moves m JOIN exchange_plans p ON p.id = m.plan_id
            WHERE m.state = 'planned' AND p.state IN ('approved', 'in_effect') AND m.starts_on <= \(bind: today.description) ORDER BY m.id
            """
        ).all(decoding: DueMove.self, with: decoder)
    }

    /// A planned move made void; false when it was no longer planned.
    static func voidMove(id: Int, on tx: any Database) async throws -> Bool {
        struct Id: Decodable { let id: Int }
        let voided = try await tx.sql.raw(
            """
            UPDATE exchange_moves SET state = 'void', version = version + 1 WHERE id = \(bind: id) AND state = 'planned' RETURNING id
            """
        ).all(decoding: Id.self)
        return !voided.isEmpty
    }

    /// A planned move made active, the teacher's date at their school kept for the return;
    /// false when it was no longer planned.
    static func startMove(id: Int, teacherId: Int, on tx: any Database, now: Double) async throws -> Bool {
        struct Id: Decodable { let id: Int }
        let claimed = try await tx.sql.raw(
            """
            UPDATE exchange_moves SET state = 'active', prior_since = (SELECT school_since FROM teachers WHERE id = \(bind: teacherId)),
              effected_at = \(bind: now), version = version + 1 WHERE id = \(bind: id) AND state = 'planned' RETURNING id
            """
        ).all(decoding: Id.self)
        return !claimed.isEmpty
    }

    struct ReadyPlan: Decodable {
        let id: Int
        let version: Int
    }

    /// Approved plans whose moves have all started.
    static func plansStarted(on db: any Database) async throws -> [ReadyPlan] {
        try await db.sql.raw(
            """
            SELECT id, version FROM exchange_plans p WHERE state = 'approved'
              AND NOT EXISTS (SELECT 1 FROM exchange_moves m WHERE m.plan_id = p.id AND m.state = 'planned')
            """
        ).all(decoding: ReadyPlan.self, with: decoder)
    }

    /// An approved plan put in effect by the system, with its history (409 when another process
    /// moved it first).
    static func putInEffect(_ p: ReadyPlan, on tx: any Database, now: Double) async throws {
        try await workflow.advance(id: p.id, from: PlanState.approved.rawValue, version: p.version, to: PlanState.inEffect.rawValue, now: now, on: tx)
        try await workflow.history(
            [p.id], from: PlanState.approved.rawValue, to: PlanState.inEffect.rawValue, event: "effect", actor: "system", at: now, reason: nil, on: tx)
    }

    /// The active 支教 and 挂职 moves whose return date has come, by id.
    static func returningMoves(on today: CivilDate, db: any Database) async throws -> [DueMove] {
        try await db.sql.raw(
            """
            SELECT id, plan_id, teacher_id, from_school_id, from_part, to_school_id, to_part, form, starts_on, returns_on, prior_since
            FROM exchange_moves WHERE state = 'active' AND form IN ('support', 'secondment') AND returns_on <= \(bind: today.description) ORDER BY id
            """
        ).all(decoding: DueMove.self, with: decoder)
    }

    /// An active move ended on its return date; false when it was no longer active.
    static func returnMove(id: Int, on tx: any Database) async throws -> Bool {
        struct Id: Decodable { let id: Int }
        let claimed = try await tx.sql.raw(
            """
            UPDATE exchange_moves SET state = 'returned', returned_on = returns_on, version = version + 1 WHERE id = \(bind: id) AND state = 'active' RETURNING id
            """
        ).all(decoding: Id.self)
        return !claimed.isEmpty
    }

    struct SchoolStatusRow: Decodable {
        let id: Int
        let status: String
        let mergedIntoId: Int?
    }

    /// A school's status and, once merged, the school it was merged into.
    static func schoolStatus(id: Int, on db: any Database) async throws -> SchoolStatusRow? {
        try await db.sql.raw("SELECT id, status, merged_into_id FROM schools WHERE id = \(bind: id)").first(decoding: SchoolStatusRow.self, with: decoder)
    }
}
