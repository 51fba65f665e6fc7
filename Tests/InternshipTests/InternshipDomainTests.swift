import Foundation
import Testing
@testable import Internship
import XuequCore

@Suite("Internship rules, pure")
struct InternshipDomainTests {
    static let calendar = BatchCalendar(startsOn: CivilDate(year: 2026, month: 9, day: 7)!, weeks: BatchCalendar.defaultWeeks)

    @Test("weeks and phases: observation, six teaching weeks, summary; nothing outside")
    func calendar() {
        let c = Self.calendar
        #expect(c.endsOn == CivilDate(year: 2026, month: 11, day: 1)!)
        #expect(c.phase(on: CivilDate(year: 2026, month: 9, day: 7)!) == .observation)
        #expect(c.phase(on: CivilDate(year: 2026, month: 9, day: 13)!) == .observation)
        #expect(c.phase(on: CivilDate(year: 2026, month: 9, day: 14)!) == .teaching)
        #expect(c.phase(on: CivilDate(year: 2026, month: 10, day: 26)!) == .summary)
        #expect(c.phase(on: CivilDate(year: 2026, month: 9, day: 6)!) == nil)
        #expect(c.phase(on: CivilDate(year: 2026, month: 11, day: 2)!) == nil)
    }

    @Test("the teaching gate: dates, phase, both approvals, the trial lecture, in that order")
    func gate() {
        let c = Self.calendar
        let teachingDay = CivilDate(year: 2026, month: 9, day: 16)!
        #expect(TeachingGate.check(date: CivilDate(year: 2026, month: 12, day: 1)!, calendar: c, mentorApproved: true, supervisorApproved: true, trial: .passed)?.code == "date_outside_batch")
        #expect(TeachingGate.check(date: CivilDate(year: 2026, month: 9, day: 8)!, calendar: c, mentorApproved: true, supervisorApproved: true, trial: .passed)?.code == "not_in_teaching_phase")
        #expect(TeachingGate.check(date: teachingDay, calendar: c, mentorApproved: true, supervisorApproved: false, trial: .none)?.code == "lesson_plan_not_approved")
        #expect(TeachingGate.check(date: teachingDay, calendar: c, mentorApproved: true, supervisorApproved: true, trial: .failed) == .trialLectureNotPassed(.failed))
        #expect(TeachingGate.check(date: teachingDay, calendar: c, mentorApproved: true, supervisorApproved: true, trial: .passed) == nil)
    }

    @Test("grades from weighted scores")
    func grades() {
        let w = GradeWeights()
        #expect(w.score(teaching: 90, classTeacher: 80, other: 70) == 83)
        #expect(InternGrade.of(score: 90) == .excellent && InternGrade.of(score: 89.9) == .good && InternGrade.of(score: 59.9) == .fail)
        #expect(!GradeWeights(teaching: 50, classTeacher: 30, other: 30).valid)
    }

    @Test("placement: capacity per subject, first choices where possible, nobody left out while a place exists")
    func placement() {
        let interns = [
            Placement.Intern(id: 1, subject: "math", preferences: [10, 20]),
            Placement.Intern(id: 2, subject: "math", preferences: [10, 30]),
            Placement.Intern(id: 3, subject: "math", preferences: [10]),
            Placement.Intern(id: 4, subject: "chinese", preferences: [10]),
            Placement.Intern(id: 5, subject: "chinese", preferences: []),
        ]
        let capacity: [Placement.Slot: Int] = [.init(schoolId: 10, subject: "math"): 1, .init(schoolId: 20, subject: "math"): 1, .init(schoolId: 30, subject: "math"): 1,
                                               .init(schoolId: 10, subject: "chinese"): 1]
        let r = Placement.assign(interns, capacity: capacity)
        // Math: 3 takes 10 (its only choice), 1 its second (20), 2 its second (30): cost 0+1+1 = 2.
        #expect(r[3] == 10 && r[1] == 20 && r[2] == 30)
        #expect(r[4] == 10)
        #expect(r[5] == nil, "no chinese place left")
        #expect(Placement.assign(interns, capacity: capacity) == r, "deterministic")
    }
}
