import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The scheduled step of rotation: on its start date a move of an approved plan takes effect —
/// the teacher's school changes in the registry (with a transfer row and the tallies kept by
/// the database), and a plan whose moves have all started is "in effect"; on its return date a
/// 支教 or 挂职 teacher goes back to the sending school. It runs when the server starts and every
/// hour, and after each approval. Idempotent: each move changes state once, by a state-checked
/// UPDATE, so two processes (PostgreSQL) or two runs never apply it twice; every change is audited.
public enum ExchangeJobs {
    public struct Outcome: Sendable, Equatable {
        public var started = 0
        public var returned = 0
        public var plansInEffect = 0
    }

    struct Due: Decodable {
        let id: Int; let planId: Int; let teacherId: Int; let fromSchoolId: Int; let fromPart: String?; let toSchoolId: Int; let toPart: String?
        let form: String; let startsOn: String; let returnsOn: String?; let priorSince: String?
    }

    public static func runDue(_ service: ExchangeService, on today: CivilDate) async throws -> Outcome {
        let ctx = service.ctx
        let db = ctx.db
        var out = Outcome()
        let starting = try await db.sql.raw("""
            SELECT m.id, m.plan_id, m.teacher_id, m.from_school_id, m.from_part, m.to_school_id, m.to_part, m.form, m.starts_on, m.returns_on, m.prior_since
            FROM exchange_moves m JOIN exchange_plans p ON p.id = m.plan_id
            WHERE m.state = 'planned' AND p.state IN ('approved', 'in_effect') AND m.starts_on <= \(bind: today.description) ORDER BY m.id
            """).all(decoding: Due.self, with: ExchangeStore.decoder)
        let audit = ctx.audit, now = ctx.now
        // One transaction per hundred moves: a county's 400 moves of a September take a moment.
        for start in stride(from: 0, to: starting.count, by: 100) {
            let chunk = Array(starting[start..<min(start + 100, starting.count)])
            out.started += try await ctx.write { tx -> Int in
                var n = 0
                let current = try await RegistryStore.teachers(ids: chunk.map(\.teacherId), on: tx)
                for m in chunk {
                    struct Id: Decodable { let id: Int }
                    // A teacher transferred (or gone) since the approval is not moved from a school
                    // they no longer work at: the move is void, said in the audit (issue 29).
                    if current[m.teacherId]?.schoolId != m.fromSchoolId {
                        let voided = try await tx.sql.raw("""
                            UPDATE exchange_moves SET state = 'void', version = version + 1 WHERE id = \(bind: m.id) AND state = 'planned' RETURNING id
                            """).all(decoding: Id.self)
                        if !voided.isEmpty {
                            try await Audit.record(on: tx, audit, action: "exchange.move.void", entity: "exchange_move", entityId: String(m.id),
                                                   summary: "教师编号 \(m.teacherId) 已不在学校编号 \(m.fromSchoolId)，交流记录未生效")
                        }
                        continue
                    }
                    let claimed = try await tx.sql.raw("""
                        UPDATE exchange_moves SET state = 'active', prior_since = (SELECT school_since FROM teachers WHERE id = \(bind: m.teacherId)),
                          effected_at = \(bind: now), version = version + 1 WHERE id = \(bind: m.id) AND state = 'planned' RETURNING id
                        """).all(decoding: Id.self)
                    guard !claimed.isEmpty else { continue }
                    // The registry's one move: school, transfer row, roles tied to the old school ended.
                    let (fromSchool, ended) = try await RegistryStore.moveTeacher(.init(teacherId: m.teacherId, toSchoolId: m.toSchoolId, toPart: m.toPart, schoolSince: m.startsOn,
                                                                                        onDate: m.startsOn, reason: "exchange_" + m.form), on: tx, now: now)
                    try await Audit.record(on: tx, audit, action: "exchange.move.start", entity: "exchange_move", entityId: String(m.id),
                                           summary: "教师编号 \(m.teacherId)：学校编号 \(fromSchool) → \(m.toSchoolId)（\(MoveForm(rawValue: m.form)?.zh ?? m.form)），\(m.startsOn) 起"
                                               + (ended.isEmpty ? "" : "；随调动结束：" + ended.map(\.zh).joined(separator: "、")))
                    n += 1
                }
                return n
            }
        }
        // Plans whose moves have all started.
        struct P: Decodable { let id: Int; let version: Int }
        let ready = try await db.sql.raw("""
            SELECT id, version FROM exchange_plans p WHERE state = 'approved'
              AND NOT EXISTS (SELECT 1 FROM exchange_moves m WHERE m.plan_id = p.id AND m.state = 'planned')
            """).all(decoding: P.self, with: ExchangeStore.decoder)
        for p in ready {
            do {
                try await ctx.write { tx in
                    try await ExchangeStore.workflow.advance(id: p.id, from: PlanState.approved.rawValue, version: p.version, to: PlanState.inEffect.rawValue, now: now, on: tx)
                    try await ExchangeStore.workflow.history([p.id], from: PlanState.approved.rawValue, to: PlanState.inEffect.rawValue, event: "effect", actor: "system", at: now, reason: nil, on: tx)
                    try await Audit.record(on: tx, audit, action: "exchange.plan.effect", entity: "exchange_plan", entityId: String(p.id), summary: "\(PlanState.approved.zh) → \(PlanState.inEffect.zh)")
                }
                out.plansInEffect += 1
            } catch let e as DomainError where e.kind == .conflict {
                // Another process moved it first.
            }
        }
        // Returns of 支教 and 挂职.
        let returning = try await db.sql.raw("""
            SELECT id, plan_id, teacher_id, from_school_id, from_part, to_school_id, to_part, form, starts_on, returns_on, prior_since
            FROM exchange_moves WHERE state = 'active' AND form IN ('support', 'secondment') AND returns_on <= \(bind: today.description) ORDER BY id
            """).all(decoding: Due.self, with: ExchangeStore.decoder)
        for m in returning {
            out.returned += try await ctx.write { tx -> Int in
                struct Id: Decodable { let id: Int }
                let claimed = try await tx.sql.raw("""
                    UPDATE exchange_moves SET state = 'returned', returned_on = returns_on, version = version + 1 WHERE id = \(bind: m.id) AND state = 'active' RETURNING id
                    """).all(decoding: Id.self)
                guard !claimed.isEmpty, let back = m.returnsOn else { return 0 }
                // Back to the sending school, or to the school it was merged into meanwhile.
                struct S: Decodable { let id: Int; let status: String; let mergedIntoId: Int? }
                let home = try await tx.sql.raw("SELECT id, status, merged_into_id FROM schools WHERE id = \(bind: m.fromSchoolId)").first(decoding: S.self, with: ExchangeStore.decoder)
                let target = home?.status == SchoolStatus.merged.rawValue ? (home?.mergedIntoId ?? m.fromSchoolId) : m.fromSchoolId
                try await RegistryStore.moveTeacher(.init(teacherId: m.teacherId, toSchoolId: target, toPart: m.fromPart, schoolSince: m.priorSince ?? back,
                                                          onDate: back, reason: "exchange_return"), on: tx, now: now)
                try await Audit.record(on: tx, audit, action: "exchange.move.return", entity: "exchange_move", entityId: String(m.id),
                                       summary: "教师编号 \(m.teacherId)：\(back) 回到学校编号 \(target)")
                return 1
            }
        }
        if out != Outcome() {
            ctx.logger.notice("exchange: \(out.started) moves started, \(out.returned) returned, \(out.plansInEffect) plans in effect")
        }
        return out
    }
}
