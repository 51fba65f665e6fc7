import Fluent
import Foundation
import Registry
import XuequCore

/// Rotation and 支教 by sending district, counted as the year report counts them
/// (`ExchangeService.computeReport`): due teachers by the rule in force on 1 September, moves of
/// the year's approved or effective plans. For the comparisons above the counties, which add a
/// county's districts up; read-only, counts only.
public enum ExchangeYear {
    public struct District: Codable, Sendable, Equatable {
        public var quota: Quota
        /// 支教 moves the district sends, and those to a rural school.
        public var support = 0
        public var supportToRural = 0
    }

    public static func districts(year y: Int, on db: any Database) async throws -> [Int: District] {
        let scope = RegistryScope.county
        let rules = try await RotationRulesStore.inForce(on: Eligibility.round(year: y), db: db)
        let round = Eligibility.round(year: y)
        var principalRule = rules
        principalRule.yearsAtSchool = rules.principalTerms * rules.principalTermYears
        let due = try await ExchangeStore.dueTeachers(
            scope: scope, teacherCutoff: rules.dueCutoff(on: round).description, principalCutoff: principalRule.dueCutoff(on: round).description, on: db)
        let moved = try await ExchangeStore.movedTeachers(year: y, scope: scope, on: db)
        var out: [Int: District] = [:]
        for d in try await RegistryStore.districtRows(on: db, scope: scope) {
            out[d.id] = District(
                quota: Quota(eligible: due[d.id] ?? 0, moved: moved[d.id]?.moved ?? 0, backboneMoved: moved[d.id]?.backbone ?? 0, rules: rules))
        }
        let rows = try await ExchangeStore.reportMoves(year: y, scope: scope, on: db).filter { $0.form == MoveForm.support.rawValue }
        let schools = try await ExchangeStore.schools(ids: rows.map(\.toSchoolId), on: db)
        for r in rows {
            out[r.districtId]?.support += 1
            if schools[r.toSchoolId]?.isRural ?? false { out[r.districtId]?.supportToRural += 1 }
        }
        return out
    }
}
