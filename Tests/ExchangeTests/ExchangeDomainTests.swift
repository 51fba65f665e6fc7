import Foundation
import Testing
@testable import Exchange
import Registry
import Balance
import XuequCore

@Suite("Exchange rules, pure")
struct ExchangeDomainTests {
    @Test("a certificate covers its own stage and the ones below; senior and vocational are interchangeable")
    func qualificationCoverage() {
        #expect(QualificationType.primary.covers(part: nil, stage: .primary))
        #expect(!QualificationType.primary.covers(part: nil, stage: .junior))
        #expect(!QualificationType.primary.covers(part: .junior, stage: .nineYear))
        #expect(QualificationType.primary.covers(part: .primary, stage: .nineYear))
        #expect(QualificationType.junior.covers(part: nil, stage: .primary))
        #expect(QualificationType.senior.covers(part: .junior, stage: .completeSecondary))
        #expect(QualificationType.vocational.covers(part: nil, stage: .senior))
        #expect(QualificationType.senior.covers(part: nil, stage: .vocational))
        #expect(!QualificationType.kindergarten.covers(part: nil, stage: .primary))
        #expect(!QualificationType.vocationalPractice.covers(part: nil, stage: .primary))
    }

    @Test("the quota: 10% of the eligible rounded up, backbone 20% of those who move")
    func quota() {
        let q = Quota(eligible: 41, moved: 3, backboneMoved: 0, rules: .national)
        #expect(q.required == 5)
        #expect(q.backboneRequired == 1)
        #expect(!q.met)
        let r = Quota(eligible: 41, moved: 11, backboneMoved: 3, rules: .national)
        #expect(r.backboneRequired == 3 && r.met)
    }

    @Test("the plan workflow allows only its steps")
    func workflow() {
        #expect(PlanWorkflow.next(from: .draft, event: .submit) == .submitted)
        #expect(PlanWorkflow.next(from: .submitted, event: .approve) == .approved)
        #expect(PlanWorkflow.next(from: .submitted, event: .sendBack) == .draft)
        #expect(PlanWorkflow.next(from: .draft, event: .approve) == nil)
        #expect(PlanWorkflow.next(from: .approved, event: .submit) == nil)
        #expect(PlanWorkflow.next(from: .inEffect, event: .sendBack) == nil)
    }
}

@Suite("The rotation suggestion keeps its own rules")
struct OptimiserRuleTests {
    /// A random district: town and rural schools of 3 to 30 teachers, most of them due, some
    /// backbone, with shortages here and there; the score rewards any change so the search swaps a lot.
    static func district(seed: UInt64) -> RotationOptimiser {
        var rng = SplitMix(seed: seed)
        func r(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        var schools: [Int: PlanSchool] = [:], candidates: [Candidate] = [], staffing: [Int: [StagePart: Staffing]] = [:], density: [Int: Double] = [:]
        var id = 0
        for s in 1...12 {
            schools[s] = PlanSchool(id: s, code: "S\(s)", name: "学校\(s)", districtId: 1, stage: .primary, locality: s % 3 == 0 ? .town : .rural, active: true)
            staffing[s] = [.primary: Staffing(needed: [.math: Double(2 + r(4)), .chinese: Double(2 + r(4))], held: [.math: 2, .chinese: 2])]
            density[s] = Double(4 + r(6))
            for _ in 0..<(3 + r(28)) {
                id += 1
                candidates.append(Candidate(id: id, name: "教师\(id)", schoolId: s, districtId: 1, subjects: [r(2) == 0 ? .math : .chinese], title: .intermediate,
                                            backbone: r(4) == 0 ? .county : .none, education: .bachelor, schoolSince: CivilDate(year: 2010 + r(14), month: 9, day: 1)!,
                                            part: nil, principalSince: nil, qualification: .primary))
            }
        }
        let score: @Sendable (Scenario) -> Double = { s in
            var h = 0
            for m in s.moves { h = (h &* 31 &+ (m.teacherId ?? 0) &* 7 &+ (m.toSchoolId ?? 0)) % 1_000_003 }
            return Double(h)
        }
        let weak: Set<Int> = [2, 5, 7]
        var o = RotationOptimiser(year: 2027, rules: RotationRules(), candidates: candidates, schools: schools, staffing: staffing, density: density,
                                  weak: weak, score: score)
        o.evaluationBudget = 400
        return o
    }

    @Test("on random districts no school sends more than a fifth of its teachers (one at least), the quotas are met, no rural → town move", arguments: Array(UInt64(1)...UInt64(25)))
    func fifthRule(seed: UInt64) {
        let o = Self.district(seed: seed)
        let s = o.run()
        var teachersAt: [Int: Int] = [:]
        for c in o.candidates { teachersAt[c.schoolId, default: 0] += 1 }
        let leaving = Dictionary(grouping: s.moves, by: \.fromSchoolId).mapValues(\.count)
        for (school, n) in leaving { #expect(n <= max(1, (teachersAt[school] ?? 0) / 5), "school \(school) of \(teachersAt[school] ?? 0) sends \(n)") }
        for m in s.moves { #expect(!(o.schools[m.fromSchoolId]!.isRural && !o.schools[m.toSchoolId]!.isRural)) }
        #expect(Set(s.moves.map(\.teacherId)).count == s.moves.count)
    }
}
