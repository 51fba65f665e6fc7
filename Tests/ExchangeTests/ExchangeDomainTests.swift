import Foundation
import Testing
@testable import Exchange
import Registry
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
