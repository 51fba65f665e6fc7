import Foundation
import Testing
import XuequTestSupport
import Registry
import XuequCore
@testable import Balance

/// The computation on its own: DOMAIN §2's worked example, the split rules on hand-computed
/// cases, the quality check, and properties of the coefficient.
@Suite("Balance engine")
struct BalanceEngineTests {
    static let rules = BalanceRules.national

    static func school(_ id: Int, _ stage: Stage = .primary, primary: Int = 0, junior: Int = 0, senior: Int = 0,
                       facilities: Facilities? = [:], tallies: PartTallies = [:]) -> SchoolFacts {
        SchoolFacts(id: id, code: String(format: "S%03d", id), name: "学校\(id)", districtId: 1, stage: stage,
                    students: .init(primary: primary, junior: junior, senior: senior), facilities: facilities, tallies: tallies)
    }

    static func teachers(_ n: Double, education: Education = .bachelor, title: Title = .intermediate, backbone: Backbone = .none, subjects: [Subject] = [.math]) -> TeacherTally {
        TeacherTally(education: education, title: title, backbone: backbone, subjects: subjects).scaled(n)
    }

    static func coefficient(_ r: BalanceResult, _ i: Indicator) -> Coefficient { r.coefficients.first { $0.indicator == i }! }

    @Test("the public worked example: books per student in five primary schools, CV ≈ 0.52")
    func workedExample() {
        let students = [45, 37, 89, 76, 55], books = [279.0, 137, 935, 160, 402]
        let facts = zip(students, books).enumerated().map { i, sb in Self.school(i + 1, primary: sb.0, facilities: [.books: sb.1]) }

        let r = BalanceEngine.evaluate(facts, standard: .basic, part: .primary, rules: Self.rules)

        let c = Self.coefficient(r, .books)
        #expect(round3(c.mean) == 6.334)                       // 1913 / 302
        #expect(abs(c.standardDeviation * c.standardDeviation - 10.65) < 0.005)
        #expect(round3(c.standardDeviation) == 3.264)
        #expect(round3(c.value!) == 0.515)
        #expect((c.value! * 100).rounded() / 100 == 0.52)
        #expect(r.schools == 5)
    }

    @Test("weighted(): hand cases", arguments: [
        // (students, values, mean, cv)
        ([1.0, 1.0], [1.0, 3.0], 2.0, 0.5),
        ([3.0, 1.0], [1.0, 5.0], 2.0, sqrt(3.0) / 2),
        ([10.0], [7.0], 7.0, 0.0),
    ])
    func weightedCases(students: [Double], values: [Double], mean: Double, cv: Double) {
        let w = BalanceEngine.weighted(Array(zip(students, values)))
        #expect(abs(w.mean - mean) < 1e-12)
        #expect(abs(w.cv! - cv) < 1e-12)
    }

    @Test("the coefficient is 0 when every school is equal")
    func equalSchools() {
        let facts = (1...6).map { Self.school($0, primary: 100 * $0, facilities: [.floorArea: 450.0 * Double($0), .books: 2000.0 * Double($0)],
                                                tallies: ["": Self.teachers(Double(5 * $0))]) }
        let r = BalanceEngine.evaluate(facts, standard: .basic, part: .primary, rules: Self.rules)
        #expect(Self.coefficient(r, .floorArea).value == 0)
        #expect(Self.coefficient(r, .books).value == 0)
        #expect(Self.coefficient(r, .teacherRatio).value == 0)
        #expect(r.standings.allSatisfy { $0.weight == 0 })
    }

    @Test("scaling every value by a constant leaves the coefficient unchanged")
    func scaleInvariance() {
        let base = [(120, 600.0, 3000.0), (340, 1200.0, 9100.0), (75, 500.0, 1400.0), (410, 1500.0, 7000.0)]
        func facts(_ k: Double) -> [SchoolFacts] {
            base.enumerated().map { i, b in Self.school(i + 1, primary: b.0, facilities: [.floorArea: b.1 * k, .equipmentValue: b.2 * k]) }
        }
        let a = BalanceEngine.evaluate(facts(1), standard: .basic, part: .primary, rules: Self.rules)
        let b = BalanceEngine.evaluate(facts(37.5), standard: .basic, part: .primary, rules: Self.rules)
        for i in [Indicator.floorArea, .equipmentValue] {
            #expect(abs(Self.coefficient(a, i).value! - Self.coefficient(b, i).value!) < 1e-12)
            #expect(Self.coefficient(a, i).value! > 0)
        }
    }

    @Test("a school without students or without conditions is left out with a note, not divided by zero")
    func exclusions() {
        let facts = [
            Self.school(1, primary: 100, facilities: [.books: 500]),
            Self.school(2, primary: 0, facilities: [.books: 500]),
            Self.school(3, primary: 80, facilities: nil),
            Self.school(4, .teachingPoint, primary: 30, facilities: [.books: 90]),
            Self.school(5, .teachingPoint, primary: 60, facilities: [.books: 300]),
            Self.school(6, primary: 300, facilities: [.books: 3000]),
        ]
        let basic = BalanceEngine.evaluate(facts, standard: .basic, part: .primary, rules: Self.rules)
        #expect(Set(basic.standings.map(\.unit.schoolId)) == [1, 6])
        #expect(basic.excluded.map(\.schoolId) == [2, 3, 4, 5])
        #expect(basic.excluded.map(\.reason) == [.noStudents, .noConditions, .teachingPoint, .teachingPoint])
        #expect(basic.coefficients.allSatisfy { $0.value.map { $0.isFinite } ?? true })

        let quality = BalanceEngine.evaluate(facts, standard: .quality, part: .primary, rules: Self.rules)
        #expect(Set(quality.standings.map(\.unit.schoolId)) == [1, 5, 6])
        #expect(quality.excluded.first { $0.schoolId == 4 }?.reason == .smallTeachingPoint)
    }

    @Test("no schools at all: no coefficients, no pass, no composite")
    func empty() {
        let r = BalanceEngine.evaluate([], standard: .basic, part: .junior, rules: Self.rules)
        #expect(r.coefficients.allSatisfy { $0.value == nil && !$0.pass })
        #expect(r.composite == nil)
        #expect(!r.pass)
    }

    @Test("a nine-year school splits facilities A/(A+1.1B); teachers by part, those without one by the same share")
    func nineYearSplit() {
        let f = Self.school(1, .nineYear, primary: 600, junior: 300, facilities: [.floorArea: 9300],
                            tallies: ["primary": Self.teachers(10), "junior": Self.teachers(5), "": Self.teachers(3)])
        let share = BalanceEngine.share(of: .primary, in: f, rules: Self.rules)
        #expect(abs(share - 600.0 / 930.0) < 1e-12)
        let (p, loose) = BalanceEngine.amounts(of: .primary, in: f, rules: Self.rules)
        #expect(abs(p.facilities[.floorArea]! - 6000) < 1e-9)
        #expect(abs(p.teachers.total - (10 + 3 * 600.0 / 930.0)) < 1e-9)
        #expect(abs(loose - 3 * 600.0 / 930.0) < 1e-9)
        let (j, _) = BalanceEngine.amounts(of: .junior, in: f, rules: Self.rules)
        #expect(abs(j.facilities[.floorArea]! - 3300) < 1e-9)
        #expect(abs(j.teachers.total - (5 + 3 * 330.0 / 930.0)) < 1e-9)
        // The two parts are two units, one in each stage's computation.
        let primary = BalanceEngine.evaluate([f], standard: .basic, part: .primary, rules: Self.rules)
        #expect(abs(primary.standings[0].unit.values[0] - 10) < 1e-9)   // 6000 m² / 600
        let junior = BalanceEngine.evaluate([f], standard: .basic, part: .junior, rules: Self.rules)
        #expect(abs(junior.standings[0].unit.values[0] - 11) < 1e-9)    // 3300 m² / 300
    }

    @Test("complete secondary: the junior part takes B/(B+1.2C); twelve-year: 1 : 1.1 : 1.32")
    func otherSplits() {
        let complete = Self.school(1, .completeSecondary, junior: 400, senior: 500, facilities: [.books: 10000])
        #expect(abs(BalanceEngine.share(of: .junior, in: complete, rules: Self.rules) - 0.4) < 1e-12)
        #expect(BalanceEngine.share(of: .primary, in: complete, rules: Self.rules) == 0)
        let twelve = Self.school(2, .twelveYear, primary: 600, junior: 300, senior: 200, facilities: [.books: 11940])
        #expect(abs(BalanceEngine.share(of: .primary, in: twelve, rules: Self.rules) - 600.0 / 1194.0) < 1e-12)
        #expect(abs(BalanceEngine.share(of: .junior, in: twelve, rules: Self.rules) - 330.0 / 1194.0) < 1e-12)
        let (j, _) = BalanceEngine.amounts(of: .junior, in: twelve, rules: Self.rules)
        #expect(abs(j.facilities[.books]! - 3300) < 1e-9)
        // A complete secondary school is not in the primary computation at all.
        #expect(BalanceEngine.evaluate([complete], standard: .basic, part: .primary, rules: Self.rules).schools == 0)
    }

    @Test("quality check: 6 of 7 met and the 7th at ≥ 85% passes; below 85% or only 5 met fails")
    func qualityCheck() {
        // 100 primary students; each amount sits exactly on the standard, then one is lowered.
        func school(_ id: Int, floorArea: Double, sportsArea: Double = 750) -> SchoolFacts {
            var t = Self.teachers(5, education: .bachelor, title: .junior, backbone: .county, subjects: [.math])
            t = t + Self.teachers(1, education: .juniorCollege, subjects: [.music])
            return Self.school(id, primary: 100, facilities: [.floorArea: floorArea, .sportsArea: sportsArea, .equipmentValue: 200_000, .multimediaRooms: 3], tallies: ["": t])
        }
        let facts = [school(1, floorArea: 450), school(2, floorArea: 0.9 * 450), school(3, floorArea: 0.8 * 450), school(4, floorArea: 0.9 * 450, sportsArea: 700)]
        let r = BalanceEngine.evaluate(facts, standard: .quality, part: .primary, rules: Self.rules)
        let checks = Dictionary(uniqueKeysWithValues: r.standings.map { ($0.unit.schoolId, $0.check!) })
        #expect(checks[1]!.met == 7 && checks[1]!.pass)
        #expect(checks[2]!.met == 6 && checks[2]!.pass && checks[2]!.failing == [.floorArea] && checks[2]!.belowFloor.isEmpty)
        #expect(checks[3]!.met == 6 && !checks[3]!.pass && checks[3]!.belowFloor == [.floorArea])
        #expect(checks[4]!.met == 5 && !checks[4]!.pass)
        #expect(Set(r.schoolsBelowStandard.map(\.unit.schoolId)) == [3, 4])
        // What school 3 lacks: 90 m² of floor area to reach 4.5 m² for 100 students.
        let s3 = r.standings.first { $0.unit.schoolId == 3 }!
        #expect(abs(s3.gaps[Indicator.quality.firstIndex(of: .floorArea)!] - 90) < 1e-9)
    }

    @Test("the required education depends on the part: 专科 counts in primary, not in junior")
    func requiredEducation() {
        let t = Self.teachers(2, education: .juniorCollege) + Self.teachers(1, education: .bachelor)
        let f = Self.school(1, .nineYear, primary: 100, junior: 100, facilities: [:], tallies: ["primary": t, "junior": t])
        let p = BalanceEngine.evaluate([f], standard: .basic, part: .primary, rules: Self.rules)
        let j = BalanceEngine.evaluate([f], standard: .basic, part: .junior, rules: Self.rules)
        let k = Indicator.basic.firstIndex(of: .aboveRequiredEducation)!
        #expect(abs(p.standings[0].unit.values[k] - 3.0 / 100) < 1e-12)
        #expect(abs(j.standings[0].unit.values[k] - 1.0 / 100) < 1e-12)
    }

    @Test("basic passes on the composite, the mean of the eight coefficients")
    func composite() {
        let facts = [Self.school(1, primary: 100, facilities: [.floorArea: 100, .sportsArea: 700, .equipmentValue: 1000, .computers: 10, .books: 100], tallies: ["": Self.teachers(5)]),
                     Self.school(2, primary: 100, facilities: [.floorArea: 900, .sportsArea: 700, .equipmentValue: 1000, .computers: 10, .books: 100], tallies: ["": Self.teachers(5)])]
        let r = BalanceEngine.evaluate(facts, standard: .basic, part: .primary, rules: Self.rules)
        // floor area: values 1 and 9, mean 5, sd 4, CV 0.8; the other seven are 0.
        #expect(abs(Self.coefficient(r, .floorArea).value! - 0.8) < 1e-12)
        #expect(abs(r.composite! - 0.1) < 1e-12)
        #expect(r.pass)
        #expect(!Self.coefficient(r, .floorArea).pass)
        // Both schools hold half of the floor-area spread.
        #expect(r.standings.allSatisfy { abs($0.shares[0] - 0.5) < 1e-12 })
    }

    @Test("a scenario moves a teacher's counts and adds facilities without touching the input")
    func scenario() {
        let facts = [Self.school(1, primary: 100, facilities: [.floorArea: 400], tallies: ["": Self.teachers(4)]),
                     Self.school(2, .nineYear, primary: 100, junior: 100, facilities: [.floorArea: 400], tallies: ["junior": Self.teachers(2)])]
        let one = Self.teachers(1)
        let s = Scenario(moves: [.init(teacherId: 9, teacher: one, fromSchoolId: 1, fromPart: nil, toSchoolId: 2, toPart: .primary)],
                         facilities: [.init(schoolId: 1, facility: .floorArea, amount: 50)])
        let after = s.applied(to: facts)
        #expect(after[0].tallies[""]!.total == 3)
        #expect(after[0].tallies[""]!.intermediatePlus == 3)
        #expect(after[1].tallies["primary"]!.total == 1)
        #expect(after[0].facilities![.floorArea] == 450)
        #expect(facts[0].facilities![.floorArea] == 400)
        #expect(Scenario().applied(to: facts) == facts)
    }

    @Test("values read as people say them: 师生比 1:19, areas in m², money in 元 with thousands, rooms and computers with their units")
    func valuesWithUnits() {
        #expect(Fmt.value(1.0 / 19, .teacherRatio, .zh) == "1:19")
        #expect(Fmt.value(1.0 / 18.5, .teacherRatio, .zh) == "1:18.5")
        #expect(Fmt.value(0, .teacherRatio, .zh) == "—")
        #expect(Fmt.value(5.234, .floorArea, .zh) == "5.23 m²")
        #expect(Fmt.value(2310.4, .equipmentValue, .zh) == "2,310 元")
        #expect(Fmt.value(2310.4, .equipmentValue, .en) == "2,310 yuan")
        #expect(Fmt.value(12.5, .computersPer100, .zh) == "12.50 台")
        #expect(Fmt.value(4.2, .backbonePer100, .zh) == "4.20 名")
        #expect(Fmt.value(4.2, .backbonePer100, .en) == "4.20")
        #expect(Fmt.value(1.2, .multimediaPer100, .zh) == "1.20 间")
    }
}
