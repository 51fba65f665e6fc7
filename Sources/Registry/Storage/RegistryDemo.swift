import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// The registry's part of the demo county (CONTRACT "Demo county"), modelled on the seed's 武安:
/// 12 districts, 348 schools (343 compulsory, 4 senior, 1 vocational), about 6,000 teachers, and
/// the accounts bound to them. Deterministic: a fixed random seed and a fixed reference date give
/// the same data every run. `scale` multiplies it into a province for benchmarks
/// (`xuequ seed --scale province`).
public struct RegistryDemo: Sendable {
    public static let areaCode = "130481"

    public struct Scale: Sendable {
        public let counties: Int
        public let districtsPerCounty: Int
        /// Teachers per student, relative to the demo county.
        public let teacherFactor: Double
        public static let county = Scale(counties: 1, districtsPerCounty: 12, teacherFactor: 1)
        /// ≈ 30,000 schools and 900,000 teachers.
        public static let province = Scale(counties: 86, districtsPerCounty: 12, teacherFactor: 1.75)
    }

    let scale: Scale
    let today: CivilDate
    let progress: (@Sendable (String, Int, Int) -> Void)?

    public init(scale: Scale = .county, today: CivilDate, progress: (@Sendable (String, Int, Int) -> Void)? = nil) {
        self.scale = scale; self.today = today; self.progress = progress
    }

    /// The scale for a number of counties: the demo county, or the province benchmark set.
    public static func scale(counties: Int) -> Scale { counties == 1 ? .county : Scale(counties: counties, districtsPerCounty: 12, teacherFactor: 1.75) }

    static let townships = ["武安", "午汲", "骈山", "清化", "大同", "管陶", "冶陶", "阳邑", "康二城", "北安庄", "石洞", "邑城", "磁山", "矿山", "西寺庄", "活水", "贺进", "淑村", "徘徊", "马家庄", "上团城", "北安乐"]
    static let villages = ["东关", "西关", "南街", "北街", "柏林", "店子", "杨家庄", "王家庄", "李家寨", "刘庄", "赵庄", "孙庄", "周村", "吴村", "郑家湾", "石门", "河东", "河西", "井峪", "白沙", "青龙", "黄岩", "红石", "长岭", "马岭", "槐树", "桃园", "杏花", "梨林", "枣园", "新村", "后街", "前街", "上庄", "下庄", "中庄", "东沟", "西沟", "南岭", "北岭"]
    static let surnames: [(String, Int)] = [("王", 14), ("李", 14), ("张", 13), ("刘", 10), ("陈", 7), ("杨", 6), ("赵", 6), ("黄", 4), ("周", 4), ("吴", 4), ("徐", 3), ("孙", 4), ("胡", 3), ("朱", 3), ("高", 3), ("林", 2), ("何", 2), ("郭", 4), ("马", 3), ("罗", 2), ("梁", 2), ("宋", 2), ("郑", 2), ("谢", 1), ("韩", 2), ("唐", 1), ("冯", 2), ("于", 1), ("董", 2), ("萧", 1), ("程", 1), ("曹", 1), ("袁", 1), ("邓", 1), ("许", 1), ("傅", 1), ("沈", 1), ("曾", 1), ("彭", 1), ("吕", 1), ("苏", 1), ("卢", 1), ("蒋", 1), ("蔡", 1), ("贾", 1), ("丁", 1), ("魏", 1), ("薛", 1), ("叶", 1), ("阎", 1), ("欧阳", 1), ("司马", 1)]

    struct SchoolPlan { let code: String; let name: String; let stage: Stage; let locality: Locality; let students: Int; let boarding: Bool; let central: Bool; let standardised: Bool }

    /// Stages for one county's 348 schools: 343 compulsory (primary, junior, nine-year, teaching points), 4 senior, 1 vocational.
    static func countyStages() -> [Stage] {
        Array(repeating: Stage.primary, count: 250) + Array(repeating: .junior, count: 45) + Array(repeating: .nineYear, count: 26)
            + Array(repeating: .teachingPoint, count: 22) + Array(repeating: .senior, count: 4) + [.vocational]
    }

    struct CountyResult: Sendable {
        var schools = 0
        var teachers = 0
        var firstSchoolOfDistrict: [Int: Int] = [:]
        var firstTeacherResident: String?
    }

    /// Seeds the districts, schools and teachers, then the registry's demo accounts (district,
    /// school and teacher administrators), and records `district1`, `school1`, `teacher1`… in the
    /// context for the modules after it.
    public func seed(_ demo: DemoContext) async throws {
        var rng = SeededRandom(seed: 20_260_901)
        let db = demo.db
        let now = demo.now
        var total = CountyResult()
        let tree = Self.provinceTree(blocks: scale.counties)
        if scale.counties > 1 {
            // The province's cities and counties (migration 083 made 13, 130400 and 130481).
            try await demo.gate.transaction(on: db) { tx in
                for c in tree.cities where try await AreaStore.area(code: c.code, on: tx) == nil {
                    try await AreaStore.insert(code: c.code, name: c.name, level: .city, parentCode: "13", on: tx, now: now)
                }
                for c in tree.counties where try await AreaStore.area(code: c.code, on: tx) == nil {
                    try await AreaStore.insert(code: c.code, name: c.name, level: .county, parentCode: c.city, on: tx, now: now)
                }
            }
        }
        let codes = tree.counties.map(\.code)
        let names = tree.counties.map(\.name)
        for county in 0..<scale.counties {
            let start = rng
            // One transaction per county: all of it or none of it, and memory stays bounded.
            let (result, next) = try await demo.gate.transaction(on: db) { tx -> (CountyResult, SeededRandom) in
                var r = start
                let result = try await self.seedCounty(county, counties: codes, names: names, rng: &r, tx: tx, now: now)
                return (result, r)
            }
            rng = next
            total.schools += result.schools
            total.teachers += result.teachers
            total.firstSchoolOfDistrict.merge(result.firstSchoolOfDistrict) { a, _ in a }
            if county == 0 { total.firstTeacherResident = result.firstTeacherResident }
        }
        demo["schools"] = total.schools
        demo["teachers"] = total.teachers
        if scale.counties == 1 { try await seedConsolidation(demo) }
        let teacherOne = try await total.firstTeacherResident.asyncMap { rid in try await RegistryStore.existingResidentIDs([rid], on: db)[rid] } ?? nil
        let d1 = try await RegistryStore.district(id: 1, on: db)?.id ?? 1
        let d2 = try await RegistryStore.district(id: 2, on: db)?.id ?? 2
        let school1 = total.firstSchoolOfDistrict[0], school2 = total.firstSchoolOfDistrict[1]
        demo["district1"] = d1
        demo["district2"] = d2
        demo["school1"] = school1
        demo["school2"] = school2
        demo["teacher1"] = teacherOne
        // Above the county: the city and the province that read every county below them (issue
        // 30); in the province set, each county's own bureau.
        try await demo.addAccounts([
            .init(username: "city", displayName: "邯郸市教育局", role: .cityAdmin, areaCode: "130400"),
            .init(username: "province", displayName: "河北省教育厅", role: .provinceAdmin, areaCode: "13"),
        ] + (scale.counties > 1 ? codes.map { .init(username: "admin-\($0)", displayName: "县教育局管理员", role: .bureauAdmin, areaCode: $0) } : []))
        try await demo.addAccounts([
            .init(username: "district1", displayName: "学区一管理员", role: .districtAdmin, districtId: d1),
            .init(username: "district2", displayName: "学区二管理员", role: .districtAdmin, districtId: d2),
            .init(username: "school1", displayName: "学校一校长", role: .schoolAdmin, districtId: d1, schoolId: school1),
            .init(username: "school2", displayName: "学校二校长", role: .schoolAdmin, districtId: d2, schoolId: school2),
            .init(username: "teacher1", displayName: "教师一", role: .teacher, districtId: d1, schoolId: school1, teacherId: teacherOne),
        ])
        if demo.withAccounts, let teacherOne {
            // teacher1's display name is the teacher's own.
            try await demo.gate.transaction(on: db) { tx in
                try await tx.sql.raw("UPDATE users SET display_name = (SELECT name FROM teachers WHERE id = \(bind: teacherOne)) WHERE username = 'teacher1'").run()
            }
        }
    }

    /// The consolidation the seed's county went through (布局调整: 534 schools became 348, 186 small
    /// ones merged): 186 village primaries and teaching points merged into their district's
    /// central school on 31 August of the years from 2009 to the year before, their pupils and
    /// teachers gone with them, each merger on record. A random sequence of its own, so the rest
    /// of the demo is the same as before it.
    func seedConsolidation(_ demo: DemoContext) async throws {
        let last = CivilDate.today(Date(timeIntervalSince1970: demo.now)).year - 1
        let now = demo.now
        try await demo.gate.transaction(on: demo.db) { tx in
            var rng = SeededRandom(seed: 20_090_831)
            let districts = try await RegistryStore.districtRows(on: tx, scope: .county).sorted { $0.id < $1.id }
            guard !districts.isEmpty, last >= 2009 else { return }
            for i in 0..<186 {
                let d = districts[i % districts.count]
                guard let central = d.centralSchoolId else { continue }
                let town = d.name.replacingOccurrences(of: "学区", with: "")
                let village = Self.villages[rng.int(0...(Self.villages.count - 1))]
                let small = i % 3 == 0
                let v = ValidSchool(
                    code: String(format: "1304%02d9%02d", i % districts.count + 1, i / districts.count), name: small ? "\(town)\(village)村教学点" : "\(town)\(village)村小学",
                    districtRef: .id(d.id), stage: small ? .teachingPoint : .primary, locality: .rural, boarding: false, central: false,
                    standardised: false, students: small ? rng.int(6...30) : rng.int(30...120), address: "\(town)镇\(village)村")
                let id = try await RegistryStore.insertSchool(v, districtId: d.id, on: tx, now: now)
                let on = CivilDate(year: 2009 + i * (last - 2009 + 1) / 186, month: 8, day: 31)!
                try await tx.sql.raw(
                    "UPDATE schools SET status = 'merged', merged_into_id = \(bind: central), merged_on = \(bind: on.description) WHERE id = \(bind: id)"
                ).run()
                try await RegistryStore.recordMerger(
                    id, into: central, mergedOn: on, teachersMoved: small ? 1 : rng.int(2...6), studentsMoved: v.students, note: "布局调整", by: "seed", on: tx, now: now)
            }
        }
    }

    /// The demo's teachers certified elsewhere: the type their stage needs; one in ten not
    /// recorded; a few junior teachers who hold only a primary certificate (the rotation's check
    /// flags them). Run by the exchange module's demo, which needs them, through the registry.
    public static func seedQualifications(_ demo: DemoContext) async throws {
        try await demo.gate.transaction(on: demo.db) { tx in
            try await tx.sql.raw("""
                UPDATE teachers SET qualification_type = CASE
                  WHEN id % 10 = 0 THEN NULL
                  WHEN (SELECT stage FROM schools s WHERE s.id = teachers.school_id) IN ('senior', 'vocational', 'complete_secondary') THEN 'senior'
                  WHEN (SELECT stage FROM schools s WHERE s.id = teachers.school_id) = 'junior' OR stage_part = 'junior' THEN CASE WHEN id % 37 = 0 THEN 'primary' WHEN id % 3 = 0 THEN 'senior' ELSE 'junior' END
                  WHEN (SELECT stage FROM schools s WHERE s.id = teachers.school_id) = 'kindergarten' THEN 'kindergarten'
                  ELSE CASE WHEN id % 4 = 0 THEN 'junior' ELSE 'primary' END END,
                qualification_number = CASE WHEN id % 10 = 0 THEN NULL ELSE '2010' || substr('000000000' || id, -9, 9) END
                """).run()
        }
    }

    /// The province benchmark's tree: Hebei's eleven cities, and two counties for each block of
    /// twelve seeded districts (≈ 170 counties of six districts each); the first is the demo's
    /// 130481 武安市 under 130400 邯郸市. One block is the demo county alone.
    static func provinceTree(blocks: Int) -> (cities: [(code: String, name: String)], counties: [(code: String, name: String, city: String)]) {
        let cities = [("130100", "石家庄市"), ("130200", "唐山市"), ("130300", "秦皇岛市"), ("130400", "邯郸市"), ("130500", "邢台市"), ("130600", "保定市"),
                      ("130700", "张家口市"), ("130800", "承德市"), ("130900", "沧州市"), ("131000", "廊坊市"), ("131100", "衡水市")]
        var counties: [(code: String, name: String, city: String)] = [(areaCode, "武安市", "130400")]
        guard blocks > 1 else { return (cities, counties) }
        // A city's few counties: 邯郸's own districts.
        if blocks == 2 { return (cities, counties + [("130402", "邯山区", "130400"), ("130403", "丛台区", "130400"), ("130404", "复兴区", "130400")]) }
        let first = ["安", "平", "宁", "丰", "阳", "城", "河", "山", "泉", "乐", "清", "新", "兴", "广", "永", "昌", "定", "远", "和", "容"]
        let second = ["平", "安", "乡", "城", "阳", "泽", "丘", "水", "宁", "县", "津", "兴", "源", "州", "邑", "山", "河", "田", "亭", "原"]
        var perCity = Array(repeating: 0, count: cities.count)
        var names = Set(["武安"])
        var k = 0
        while counties.count < blocks * 2 {
            let c = k % cities.count
            var name = first[k % first.count] + second[(k / first.count + k) % second.count]
            if names.contains(name) { name += String(k) }
            names.insert(name)
            counties.append((cities[c].0.prefix(4) + String(format: "%02d", 21 + perCity[c]), name + "县", cities[c].0))
            perCity[c] += 1
            k += 1
        }
        return (cities, counties)
    }

    func seedCounty(_ county: Int, counties: [String], names: [String], rng: inout SeededRandom, tx: any Database, now: Double) async throws -> CountyResult {
        var out = CountyResult()
        let countyArea = scale.counties == 1 ? Self.areaCode : String(format: "13%02d%02d", 1 + county / 20, 1 + county % 20)
        // Spread this county's schools over its districts; each district's central school comes first.
        var stages = Self.countyStages()
        stages.shuffle(using: &rng)
        let seniorAndVocational = stages.filter { $0 == .senior || $0 == .vocational }
        let compulsory = stages.filter { $0 != .senior && $0 != .vocational }
        var perDistrict: [[Stage]] = Array(repeating: [], count: scale.districtsPerCounty)
        for (i, s) in compulsory.enumerated() { perDistrict[i % scale.districtsPerCounty].append(s) }
        for (i, s) in seniorAndVocational.enumerated() { perDistrict[i % scale.districtsPerCounty].append(s) }
        let totalDistricts = scale.counties * scale.districtsPerCounty
        var teacherRows: [(ValidTeacher, schoolId: Int, districtId: Int)] = []
        var usedIDs = Set<String>()
        for d in 0..<scale.districtsPerCounty {
            let dIndex = county * scale.districtsPerCounty + d
            let town = Self.townships[(d + county) % Self.townships.count]
            let districtCode = scale.counties == 1 ? String(format: "XQ%02d", d + 1) : String(format: "P%03dXQ%02d", county + 1, d + 1)
            let countyIndex = county * 2 + d * 2 / scale.districtsPerCounty
            let districtName = scale.counties == 1 ? "\(town)学区" : "\(names[countyIndex])\(town)学区"
            // Each block of districts is two counties of the province (the demo: one county).
            let countyCode = scale.counties == 1 ? Self.areaCode : counties[countyIndex]
            let districtId = try await RegistryStore.insertDistrict(code: districtCode, name: districtName, county: countyCode, on: tx, now: now)
            var plan = perDistrict[d]
            var usedNames = Set<String>()
            if let i = plan.firstIndex(of: .primary) { plan.swapAt(0, i) }
            for (k, stage) in plan.enumerated() {
                let central = k == 0
                let locality: Locality = central ? .town : (stage == .senior || stage == .vocational ? .urban : rng.weighted([(.rural, 6), (.town, 3), (.urban, 1)]))
                // A village drawn at random, stepped past those the district already named a school
                // after (two 东关小学 in one district would be one school twice).
                var vi = rng.int(0...(Self.villages.count - 1)), tries = 0
                func named(_ village: String) -> String {
                    switch stage {
                    case .primary: central ? "\(town)中心小学" : "\(town)\(village)小学"
                    case .junior: "\(town)\(village)初级中学"
                    case .nineYear: "\(town)\(village)九年一贯制学校"
                    case .teachingPoint: "\(town)\(village)教学点"
                    case .senior: "\(town)第\(["一", "二", "三", "四"][k % 4])高级中学"
                    default: "\(town)职业技术教育中心"
                    }
                }
                while usedNames.contains(named(Self.villages[vi])) && tries < Self.villages.count { vi = (vi + 1) % Self.villages.count; tries += 1 }
                let village = Self.villages[vi]
                var name = named(village)
                if usedNames.contains(name) { name += "（\(k + 1)）" }
                usedNames.insert(name)
                let students: Int
                switch stage {
                case .teachingPoint: students = rng.int(12...60)
                case .primary: students = central ? rng.int(600...1400) : rng.int(80...700)
                case .junior: students = rng.int(300...1500)
                case .nineYear: students = rng.int(300...1200)
                case .senior: students = rng.int(1500...3500)
                default: students = rng.int(800...2000)
                }
                let code = scale.counties == 1 ? String(format: "1304%02d%03d", d + 1, k + 1) : String(format: "P%03d%02d%03d", county + 1, d + 1, k + 1)
                let v = ValidSchool(code: code, name: name, districtRef: .id(districtId), stage: stage, locality: locality,
                                    boarding: stage == .nineYear || (stage == .junior && rng.int(0...2) == 0) || stage == .senior,
                                    central: central, standardised: rng.int(0...9) < 7, students: students, address: "\(town)镇\(village)村")
                let schoolId = try await RegistryStore.insertSchool(v, districtId: districtId, on: tx, now: now)
                out.schools += 1
                if central {
                    try await tx.sql.raw("UPDATE districts SET central_school_id = \(bind: schoolId) WHERE id = \(bind: districtId)").run()
                    out.firstSchoolOfDistrict[dIndex] = schoolId
                }
                try await seedConditions(schoolId: schoolId, stage: stage, students: students, rng: &rng, tx: tx, now: now)
                // Teachers: about one per 29 enrolled (the demo's schools are large), at least two.
                let n = max(2, Int(Double(students) / 29 * scale.teacherFactor) + rng.int(0...2))
                for _ in 0..<n {
                    teacherRows.append((makeTeacher(area: countyArea, used: &usedIDs, stage: stage, rng: &rng), schoolId, districtId))
                }
            }
            progress?("districts", dIndex + 1, totalDistricts)
        }
        try await RegistryStore.insertTeachers(teacherRows, on: tx, now: now)
        out.teachers = teacherRows.count
        out.firstTeacherResident = teacherRows.first?.0.residentId.value
        try await Audit.record(on: tx, AuditContext.system("seed"), action: "seed.county", entity: "county", entityId: String(county + 1), summary: "示范县：\(out.schools) 所学校、\(teacherRows.count) 名教师")
        return out
    }

    func seedConditions(schoolId: Int, stage: Stage, students: Int, rng: inout SeededRandom, tx: any Database, now: Double) async throws {
        guard stage != .kindergarten else { return }
        var primary = 0, junior = 0, senior = 0
        switch stage {
        case .primary, .teachingPoint: primary = students
        case .junior: junior = students
        case .nineYear: primary = students * 2 / 3; junior = students - primary
        case .completeSecondary: junior = students / 2; senior = students - junior
        case .twelveYear: primary = students / 2; junior = students / 4; senior = students - primary - junior
        default: senior = students
        }
        let perStudentFloor = Double(rng.int(35...80)) / 10
        let c = SchoolConditions(year: today.year, students: .init(primary: primary, junior: junior, senior: senior),
                                 floorArea: Decimal(Int(Double(students) * perStudentFloor)), sportsArea: Decimal(students * rng.int(5...14)),
                                 equipmentValue: Decimal(students * rng.int(1200...3200)), computers: max(1, students * rng.int(5...16) / 100),
                                 books: students * rng.int(15...40), multimediaRooms: max(1, students * rng.int(15...35) / 1000))
        try await RegistryStore.upsertConditions(c, schoolId: schoolId, on: tx, now: now)
    }

    func makeTeacher(area: String, used: inout Set<String>, stage: Stage, rng: inout SeededRandom) -> ValidTeacher {
        let year = rng.int(1966...2001)
        let month = rng.int(1...12)
        let day = rng.int(1...CivilDate.daysIn(year: year, month: month))
        let male = rng.int(0...9) < 4
        // Sequence digits: odd for men; stepped past any already given, so IDs are unique by construction.
        var seq3 = rng.int(0...499) * 2 + (male ? 1 : 0)
        var head = String(format: "%@%04d%02d%02d%03d", area, year, month, day, seq3)
        while used.contains(head) {
            seq3 = (seq3 + 2) % 1000
            head = String(format: "%@%04d%02d%02d%03d", area, year, month, day, seq3)
        }
        used.insert(head)
        let rid = head + String(ResidentID.checkCharacter(forFirst17: head))
        let resident = try! ResidentID.parse(rid).get()
        let surname = rng.weighted(Self.surnames)
        let given = DemoNames.given(male: male, length: rng.int(0...3) == 0 ? 1 : 2) { rng.int(0...($0 - 1)) }
        let subjects: [Subject]
        switch stage {
        case .primary, .teachingPoint:
            subjects = [rng.weighted([(.chinese, 30), (.math, 28), (.english, 10), (.science, 6), (.pe, 6), (.music, 5), (.art, 5), (.it, 3), (.politics, 4), (.other, 3)])]
        case .junior, .nineYear:
            subjects = [rng.weighted([(.chinese, 16), (.math, 16), (.english, 14), (.physics, 7), (.chemistry, 5), (.biology, 5), (.politics, 6), (.history, 6), (.geography, 5), (.pe, 6), (.music, 4), (.art, 4), (.it, 3)])]
        default:
            subjects = [rng.weighted([(.chinese, 14), (.math, 14), (.english, 13), (.physics, 9), (.chemistry, 8), (.biology, 8), (.politics, 7), (.history, 7), (.geography, 6), (.pe, 5), (.it, 4), (.other, 5)])]
        }
        let age = today.year - year
        let education: Education = stage == .senior || stage == .vocational
            ? rng.weighted([(.bachelor, 80), (.master, 15), (.juniorCollege, 5)])
            : rng.weighted([(.secondary, age > 45 ? 20 : 2), (.juniorCollege, 30), (.bachelor, 60), (.master, 3)])
        let title: Title = age < 28 ? rng.weighted([(.none, 3), (.junior, 7)]) : rng.weighted([(.junior, 35), (.intermediate, 45), (.senior, 18), (.professor, 1)])
        let backbone: Backbone = rng.weighted([(.none, 78), (.school, 10), (.county, 8), (.city, 3), (.province, 1)])
        let putonghua: Putonghua = subjects.contains(.chinese) ? rng.weighted([(.l1B, 5), (.l2A, 80), (.l2B, 15)]) : rng.weighted([(.l1B, 2), (.l2A, 38), (.l2B, 55), (.l3A, 5)])
        // Years at the school: many recent, a long tail, so some are due to rotate.
        let startYear = max(year + 21, today.year - rng.weighted([(rng.int(0...5), 72), (rng.int(6...12), 22), (rng.int(13...25), 6)]))
        let since = CivilDate(year: min(startYear, today.year), month: 9, day: 1)!
        let sinceClamped = since > today ? CivilDate(year: today.year - 1, month: 9, day: 1)! : since
        let part: StagePart? = stage == .nineYear ? (subjects.contains(where: { [.physics, .chemistry, .biology, .history, .geography].contains($0) }) || rng.int(0...2) == 0 ? .junior : .primary) : nil
        return ValidTeacher(name: surname + given, residentId: resident, schoolRef: .id(0), subjects: subjects, education: education, putonghua: putonghua,
                            title: title, backbone: backbone, schoolSince: sinceClamped, stagePart: part, phone: "13\(rng.int(0...9))\(String(format: "%08d", rng.int(0...99_999_999)))")
    }
}
