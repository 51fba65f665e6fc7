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

    public static func runDue(_ service: ExchangeService, on today: CivilDate) async throws -> Outcome {
        let ctx = service.ctx
        let db = ctx.db
        var out = Outcome()
        let starting = try await ExchangeStore.startingMoves(on: today, db: db)
        let audit = ctx.audit, now = ctx.now
        // One transaction per hundred moves: a county's 400 moves of a September take a moment.
        for start in stride(from: 0, to: starting.count, by: 100) {
            let chunk = Array(starting[start..<min(start + 100, starting.count)])
            out.started += try await ctx.write { tx -> Int in
                var n = 0
                let current = try await RegistryStore.teachers(ids: chunk.map(\.teacherId), on: tx)
                for m in chunk {
                    // A teacher transferred (or gone) since the approval is not moved from a school
                    // they no longer work at: the move is void, said in the audit (issue 29).
                    if current[m.teacherId]?.schoolId != m.fromSchoolId {
                        if try await ExchangeStore.voidMove(id: m.id, on: tx) {
                            try await Audit.record(on: tx, audit, action: "exchange.move.void", entity: "exchange_move", entityId: String(m.id),
                                                   summary: "教师编号 \(m.teacherId) 已不在学校编号 \(m.fromSchoolId)，交流记录未生效")
                        }
                        continue
                    }
                    guard try await ExchangeStore.startMove(id: m.id, teacherId: m.teacherId, on: tx, now: now) else { continue }
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
        let ready = try await ExchangeStore.plansStarted(on: db)
        for p in ready {
            do {
                try await ctx.write { tx in
                    try await ExchangeStore.putInEffect(p, on: tx, now: now)
                    try await Audit.record(on: tx, audit, action: "exchange.plan.effect", entity: "exchange_plan", entityId: String(p.id), summary: "\(PlanState.approved.zh) → \(PlanState.inEffect.zh)")
                }
                out.plansInEffect += 1
            } catch let e as DomainError where e.kind == .conflict {
                // Another process moved it first.
            }
        }
        // Returns of 支教 and 挂职.
        let returning = try await ExchangeStore.returningMoves(on: today, db: db)
        for m in returning {
            out.returned += try await ctx.write { tx -> Int in
                guard try await ExchangeStore.returnMove(id: m.id, on: tx), let back = m.returnsOn else { return 0 }
                // Back to the sending school, or to the school it was merged into meanwhile.
                let home = try await ExchangeStore.schoolStatus(id: m.fromSchoolId, on: tx)
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
