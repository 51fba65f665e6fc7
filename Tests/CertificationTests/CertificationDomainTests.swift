import Foundation
import Testing
import XuequTestSupport
import XuequCore
@testable import Certification

/// The certification workflow and eligibility rules as tables (DOMAIN §5, CONTRACT "Certification").
@Suite("Certification domain")
struct CertificationDomainTests {
    struct Step: Sendable, CustomStringConvertible {
        let from: CertState, event: CertEvent, actor: CertActor, type: CertType, route: CertRoute
        let passed: Bool?
        let to: CertState?          // nil: refused
        let forbidden: Bool
        var description: String { "\(from.rawValue) --\(event.rawValue)--> \(to?.rawValue ?? (forbidden ? "403" : "422"))" }
        init(_ from: CertState, _ event: CertEvent, _ actor: CertActor, _ type: CertType = .primary, _ route: CertRoute = .nationalExam, passed: Bool? = nil, to: CertState?, forbidden: Bool = false) {
            self.from = from; self.event = event; self.actor = actor; self.type = type; self.route = route; self.passed = passed; self.to = to; self.forbidden = forbidden
        }
    }

    static let steps: [Step] = [
        Step(.draft, .submit, .applicant, to: .submitted),
        Step(.submitted, .requestCorrection, .countyReviewer, to: .deficient),
        Step(.submitted, .requestCorrection, .applicant, to: nil, forbidden: true),
        Step(.deficient, .submit, .applicant, to: .submitted),
        Step(.submitted, .accept, .countyReviewer, to: .review),
        Step(.submitted, .accept, .countyReviewer, .primary, .twoExams, to: .abilityTest),
        Step(.abilityTest, .scoreAbilityTest, .countyReviewer, .primary, .twoExams, passed: true, to: .review),
        Step(.abilityTest, .scoreAbilityTest, .countyReviewer, .primary, .twoExams, passed: false, to: .rejected),
        Step(.review, .approve, .countyReviewer, .junior, to: .approved),
        // A county reviewer cannot approve a senior application: the prefecture decides it.
        Step(.review, .approve, .countyReviewer, .senior, to: nil, forbidden: true),
        Step(.review, .forward, .countyReviewer, .senior, to: .forwarded),
        Step(.review, .forward, .countyReviewer, .primary, to: nil),
        Step(.forwarded, .approve, .prefectureReviewer, .vocational, to: .approved),
        Step(.forwarded, .approve, .countyReviewer, .vocational, to: nil, forbidden: true),
        Step(.forwarded, .reject, .prefectureReviewer, .senior, to: .rejected),
        Step(.review, .approve, .prefectureReviewer, .primary, to: nil, forbidden: true),
        Step(.review, .reject, .countyReviewer, to: .rejected),
        Step(.noticed, .issueCertificate, .countyReviewer, .primary, to: .certified),
        Step(.noticed, .issueCertificate, .countyReviewer, .senior, to: nil, forbidden: true),
        Step(.noticed, .issueCertificate, .prefectureReviewer, .senior, to: .certified),
        Step(.approved, .issueCertificate, .countyReviewer, to: nil),
        Step(.noticed, .reject, .countyReviewer, to: .rejected),
        Step(.review, .withdraw, .applicant, to: .withdrawn),
        Step(.review, .withdraw, .countyReviewer, to: nil, forbidden: true),
        Step(.approved, .withdraw, .applicant, to: nil),
        Step(.certified, .revoke, .countyReviewer, to: .revoked),
        Step(.certified, .revoke, .applicant, to: nil, forbidden: true),
        Step(.rejected, .submit, .applicant, to: nil),
        Step(.withdrawn, .accept, .countyReviewer, to: nil),
        Step(.draft, .approve, .countyReviewer, to: nil),
    ]

    @Test("every transition, allowed or refused", arguments: steps)
    func transitions(step: Step) {
        do {
            let to = try CertWorkflow.transition(from: step.from, event: step.event, actor: step.actor, type: step.type, route: step.route, passed: step.passed)
            #expect(to == step.to, "\(step)")
        } catch let e as CertTransitionError {
            #expect(step.to == nil, "\(step): refused with \(e)")
            #expect((e == .forbidden) == step.forbidden, "\(step): \(e)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("the buttons a county reviewer sees on a senior application in review: forward and reject, not approve")
    func events() {
        #expect(CertWorkflow.events(from: .review, actor: .countyReviewer, type: .senior, route: .nationalExam) == [.reject, .forward])
        #expect(CertWorkflow.events(from: .review, actor: .countyReviewer, type: .primary, route: .nationalExam) == [.approve, .reject])
    }

    static let today = CivilDate(year: 2026, month: 11, day: 29)!
    static func facts(_ type: CertType = .primary, subject: Subject = .math, education: Education = .bachelor, putonghua: Putonghua = .l2B,
                      route: CertRoute = .nationalExam, exam: CivilDate? = CivilDate(year: 2025, month: 6, day: 1), physical: PhysicalExam = .pass,
                      normal: Bool = false, township: Bool = false) -> ApplicantFacts {
        ApplicantFacts(type: type, subject: subject, education: education, normalGraduate: normal, putonghua: putonghua, route: route,
                       examPassedOn: exam, physicalExam: physical, township: township)
    }

    @Test("eligibility: each rule gives its code", arguments: [
        (facts(), [DeficiencyCode]()),
        (facts(.senior, education: .juniorCollege), [.educationBelowMinimum]),
        (facts(.junior, education: .juniorCollege), []),
        (facts(.junior, education: .secondary), [.educationBelowMinimum]),
        (facts(.kindergarten, education: .secondary), []),
        (facts(subject: .chinese, putonghua: .l2B), [.putonghuaBelowMinimum]),
        (facts(subject: .chinese, putonghua: .l2A), []),
        (facts(putonghua: .l3A), [.putonghuaBelowMinimum]),
        (facts(exam: nil), [.examMissing]),
        (facts(exam: CivilDate(year: 2023, month: 6, day: 1)), [.examExpired]),
        (facts(route: .twoExams, exam: CivilDate(year: 2019, month: 6, day: 1)), []),
        (facts(route: .exempt, exam: nil, normal: true), [.examMissing]),
        (facts(physical: .fail), [.physicalExamFailed]),
        (facts(physical: .pending), [.physicalExamMissing]),
        (facts(.senior, education: .juniorCollege, putonghua: .l3B, exam: nil, physical: .pending), [.educationBelowMinimum, .putonghuaBelowMinimum, .examMissing, .physicalExamMissing]),
    ] as [(ApplicantFacts, [DeficiencyCode])])
    func eligibility(facts: ApplicantFacts, codes: [DeficiencyCode]) {
        let found = EligibilityRules.national.deficiencies(facts, today: Self.today, barredUntil: nil).map(\.code)
        #expect(found == codes)
    }

    @Test("regional rules: township 三级甲等, exemption for normal-school graduates, an active bar")
    func regional() {
        var rules = EligibilityRules.national
        rules.townshipPutonghua = .l3A
        rules.exemptionAllowed = true
        #expect(rules.deficiencies(Self.facts(putonghua: .l3A, township: true), today: Self.today, barredUntil: nil).isEmpty)
        #expect(rules.deficiencies(Self.facts(subject: .chinese, putonghua: .l3A, township: true), today: Self.today, barredUntil: nil).map(\.code) == [.putonghuaBelowMinimum])
        #expect(rules.deficiencies(Self.facts(route: .exempt, exam: nil, normal: true), today: Self.today, barredUntil: nil).isEmpty)
        #expect(rules.deficiencies(Self.facts(route: .exempt, exam: nil, normal: false), today: Self.today, barredUntil: nil).map(\.code) == [.examMissing])
        let bar = CivilDate(year: 2029, month: 1, day: 1)!
        #expect(rules.deficiencies(Self.facts(), today: Self.today, barredUntil: bar).map(\.code) == [.barred])
        #expect(rules.deficiencies(Self.facts(), today: Self.today, barredUntil: CivilDate(year: 2026, month: 1, day: 1)!).isEmpty)
        #expect(CertReason.fraud.barYears == 5 && CertReason.examCheating.barYears == 3)
    }

    @Test("certificate numbers: 17 digits, year + body + type + sex + serial")
    func numbers() {
        let n = CertificateNumber.make(year: 2026, bodyCode: "13481", type: .junior, gender: .female, serial: 42)
        #expect(n == "20261348132000042")
        #expect(n.count == 17)
        #expect(CertificateNumber.make(year: 2026, bodyCode: "13040", type: .vocational, gender: .male, serial: 1) == "20261304051000001")
    }
}
