import Testing
@testable import XuequCore

@Suite("Resident ID (GB 11643-1999)")
struct ResidentIDTests {
    @Test("the public example is valid, with birth date and sex derived")
    func publicExample() throws {
        let id = try ResidentID.parse("11010519491231002X").get()
        #expect(id.birthDate == CivilDate(year: 1949, month: 12, day: 31))
        #expect(id.gender == .female)
        #expect(id.masked == "11*************02X")
    }

    @Test("a lower-case x and surrounding spaces are accepted")
    func lenientInput() throws {
        #expect(try ResidentID.parse(" 11010519491231002x ").get().value == "11010519491231002X")
    }

    static let rejected: [(String, ResidentID.Problem)] = [
        ("", .empty),
        ("1101051949123100", .wrongLength(16)),
        ("110105194912310021", .badCheckCharacter(expected: "X")),
        ("11010519490231002X", .badBirthDate),
        ("11010518991231002X", .badBirthDate),
        ("1101051949123A002X", .notDigits),
        ("11010519491231002Y", .notDigits),
        ("１１０１０５１９４９１２３１００２Ｘ", .notDigits),
    ]

    @Test("invalid numbers are rejected with the reason", arguments: rejected)
    func rejects(raw: String, problem: ResidentID.Problem) {
        guard case .failure(let p) = ResidentID.parse(raw) else {
            Issue.record("\(raw) was accepted"); return
        }
        #expect(p == problem)
        #expect(!p.message.zh.isEmpty && !p.message.en.isEmpty)
    }

    @Test("a birth date after today is rejected")
    func futureBirth() {
        let head = "11010520300101001"
        let raw = head + String(ResidentID.checkCharacter(forFirst17: head))
        guard case .failure(let p) = ResidentID.parse(raw, today: CivilDate(year: 2026, month: 11, day: 29)!) else {
            Issue.record("future birth accepted"); return
        }
        #expect(p == .futureBirthDate)
    }

    @Test("odd sequence digits are men, even are women")
    func sexDigit() throws {
        for (seq, sex) in [(1, Gender.male), (2, .female), (999, .male), (100, .female)] {
            let head = "130481198501010" + String(format: "%02d", seq % 100)
            let raw = String(head.prefix(14)) + String(format: "%03d", seq) + ""
            let full = raw + String(ResidentID.checkCharacter(forFirst17: raw))
            #expect(try ResidentID.parse(full).get().gender == sex)
        }
    }
}

@Suite("Masking")
struct MaskingTests {
    @Test func masks() {
        #expect(Masking.residentID("11010519491231002X") == "11*************02X")
        #expect(Masking.phone("13812341234") == "138****1234")
        #expect(Masking.name("张三") == "张*")
        #expect(Masking.name("欧阳小明") == "欧阳**")
        #expect(Masking.name("王") == "王")
    }
}

@Suite("Civil dates")
struct CivilDateTests {
    @Test("parsing the ways people type dates", arguments: [
        ("2019-09-01", "2019-09-01"), ("2019/9/1", "2019-09-01"), ("2019.9.1", "2019-09-01"), ("20190901", "2019-09-01"),
    ])
    func parse(raw: String, expected: String) {
        #expect(CivilDate(parsing: raw)?.description == expected)
    }

    @Test("the stored form read from its bytes agrees with the date's own check, valid or not")
    func storedForm() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let y = Int.random(in: 0...9999, using: &g), m = Int.random(in: 0...13, using: &g), d = Int.random(in: 0...32, using: &g)
            let text = String(repeating: "0", count: 4 - String(y).count) + String(y) + "-" + (m < 10 ? "0" : "") + String(m) + "-" + (d < 10 ? "0" : "") + String(d)
            #expect(CivilDate(parsing: text) == CivilDate(year: y, month: m, day: d), "\(text)")
        }
        for odd in ["2019-9-01x", "2019-09-0a", "２０１９-09-01", "2019-09-01 ", " 2019-09-01", "2019/09/01", "-019-09-01"] {
            #expect(CivilDate.stored(odd) == nil, "\(odd)")
        }
        #expect(CivilDate(parsing: " 2019-09-01 ")?.description == "2019-09-01")
    }

    @Test("impossible dates are nil", arguments: ["2019-02-29", "2019-13-01", "19-09-01", "2019-09", "abc", "2020-04-31"])
    func impossible(raw: String) { #expect(CivilDate(parsing: raw) == nil) }

    @Test("Excel serial numbers (1900 system) become dates")
    func excelSerial() {
        #expect(CivilDate(excelSerial: 43709)?.description == "2019-09-01")
        #expect(CivilDate(excelSerial: 45292.75)?.description == "2024-01-01")
    }

    @Test("whole years count birthdays")
    func years() {
        let d = CivilDate(year: 2015, month: 9, day: 1)!
        #expect(d.wholeYears(until: CivilDate(year: 2021, month: 8, day: 31)!) == 5)
        #expect(d.wholeYears(until: CivilDate(year: 2021, month: 9, day: 1)!) == 6)
    }

    @Test("day arithmetic round-trips")
    func roundTrip() {
        for days in stride(from: -50_000, to: 50_000, by: 997) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
    }
}

@Suite("Vocabularies")
struct VocabularyTests {
    @Test("values typed in Chinese are understood", arguments: [
        ("本科", "bachelor"), ("大专", "junior_college"), ("中师", "secondary"), ("硕士研究生", "master"),
    ])
    func education(raw: String, value: String) { #expect(Education.parse(raw)?.rawValue == value) }

    @Test func others() {
        #expect(Putonghua.parse("二级甲等") == .l2A)
        #expect(Putonghua.parse("2B") == .l2B)
        #expect(Title.parse("中级") == .intermediate)
        #expect(Title.parse("一级教师") == .intermediate)
        #expect(Backbone.parse("县级") == .county)
        #expect(Subject.parse("语文") == .chinese)
        #expect(Subject.parse("体育与健康") == .pe)
        #expect(Stage.parse("九年一贯制") == .nineYear)
        #expect(Stage.parse("nine_year") == .nineYear)
        #expect(Subject.parse("烹饪") == nil)
    }

    @Test("putonghua ranks best first")
    func ranks() { #expect(Putonghua.l1A.rank < Putonghua.l2B.rank) }
}

@Suite("Roles and scopes")
struct AccessTests {
    static let read: Permission = "test:read"
    let district = Actor(userId: 1, username: "d", displayName: "d", role: .districtAdmin, scope: .district(1), permissions: [read])
    let school = Actor(userId: 2, username: "s", displayName: "s", role: .schoolAdmin, scope: .school(id: 10, district: 1), permissions: [read])
    let teacher = Actor(userId: 3, username: "t", displayName: "t", role: .teacher, scope: .teacher(id: 100, school: 10, district: 1), permissions: [])
    let applicant = Actor(userId: 4, username: "a", displayName: "a", role: .applicant, scope: .own(.applicant, userId: 4), permissions: [])

    @Test func scopes() {
        #expect(district.covers(schoolId: 10, districtId: 1))
        #expect(!district.covers(schoolId: 20, districtId: 2))
        #expect(school.covers(schoolId: 10, districtId: 1))
        #expect(!school.covers(schoolId: 11, districtId: 1))
        #expect(teacher.seesPersonalData(ofTeacher: 100, schoolId: 10, districtId: 1))
        #expect(!teacher.seesPersonalData(ofTeacher: 101, schoolId: 10, districtId: 1))
        #expect(!applicant.covers(districtId: 1))
        #expect(applicant.registryScope == .nothing)
        #expect(school.registryScope == .school(10))
    }

    @Test("each role's stored columns become its scope; a missing column is no scope at all")
    func scopeFromColumns() {
        #expect(Actor.scope(for: .districtAdmin, userId: 1, districtId: 3, schoolId: nil, teacherId: nil) == .district(3))
        #expect(Actor.scope(for: .districtAdmin, userId: 1, districtId: nil, schoolId: nil, teacherId: nil) == .nothing)
        #expect(Actor.scope(for: .teacher, userId: 1, districtId: 3, schoolId: 5, teacherId: 7) == .teacher(id: 7, school: 5, district: 3))
        #expect(Actor.scope(for: .supervisor, userId: 9, districtId: nil, schoolId: nil, teacherId: nil) == .own(.supervisor, userId: 9))
        #expect(Actor.scope(for: .reviewer, userId: 9, districtId: 1, schoolId: nil, teacherId: nil) == .certifyingBody)
    }

    @Test func permissions() {
        #expect(district.can(Self.read))
        #expect(!teacher.can(Self.read))
        let merged = Grants([.teacher: [Self.read]]).merging(Grants([.teacher: ["test:write"], .intern: ["test:log"]]))
        #expect(merged.permissions(of: .teacher) == [Self.read, "test:write"])
        #expect(merged.permissions(of: .reviewer).isEmpty)
        #expect(merged.allKeys.count == 3)
    }
}

@Suite("Paging")
struct PagingTests {
    @Test("page and per are clamped: from 1, at most 200, no overflow")
    func clamps() {
        #expect(PageSpec(page: nil, per: nil).per == 50)
        #expect(PageSpec(page: -3, per: 1000).page == 1)
        #expect(PageSpec(page: 2, per: 1000).per == 200)
        #expect(PageSpec(page: Int.max, per: 200).offset > 0)
    }
}

@Suite("Hex")
struct HexTests {
    @Test func hex() {
        #expect([UInt8]([0x00, 0x0f, 0xa5, 0xff]).hexString == "000fa5ff")
        #expect([UInt8]().hexString == "")
    }
}
