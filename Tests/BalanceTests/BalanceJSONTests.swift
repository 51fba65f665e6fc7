import Foundation
import Testing
import XuequTestSupport
import Registry
import XuequCore
import XuequKit
@testable import Balance

/// The two hand-written JSON paths of the balance module: reading the database's JSON rows, and
/// writing the API answer without JSONEncoder.
@Suite("Balance JSON")
struct BalanceJSONTests {
    @Test("JSONRowReader reads integers, numbers, strings with escapes and nulls, row by row")
    func reader() throws {
        var r = JSONRowReader(#"[[1,"学校\"甲\"",null,-7,2.5],[ 20 , "a\\b" , 3 , 0 , 1e3 ]]"#)
        var rows: [(Int, String, Int?, Int, Double)] = []
        while try r.nextRow() {
            rows.append((try r.int(), try r.string(), try r.intOrNil(), try r.int(), try r.double()))
            try r.endRow()
        }
        #expect(rows.count == 2)
        #expect(rows[0].0 == 1 && rows[0].1 == "学校\"甲\"" && rows[0].2 == nil && rows[0].3 == -7 && rows[0].4 == 2.5)
        #expect(rows[1].0 == 20 && rows[1].1 == "a\\b" && rows[1].2 == 3 && rows[1].4 == 1000)
        var empty = JSONRowReader("[]")
        #expect(try empty.nextRow() == false)
        var broken = JSONRowReader("[[1,")
        #expect(try broken.nextRow())
        _ = try broken.int()
        #expect(throws: JSONRowReader.Malformed.self) { try broken.string() }
    }

    @Test("the hand-written answer is the Codable one", arguments: [BalanceStandard.basic, .quality])
    func writer(standard: BalanceStandard) throws {
        let t = TeacherTally(education: .bachelor, title: .intermediate, backbone: .county, subjects: [.math])
        let facts = [
            SchoolFacts(id: 1, code: "A", name: "甲", districtId: 1, stage: .primary, students: .init(primary: 100, junior: 0, senior: 0),
                        facilities: [.floorArea: 300, .books: 900], tallies: ["": t.scaled(3)]),
            SchoolFacts(id: 2, code: "B", name: "乙", districtId: 1, stage: .nineYear, students: .init(primary: 200, junior: 90, senior: 0),
                        facilities: [.floorArea: 1500, .books: 4000, .equipmentValue: 800_000], tallies: ["junior": t.scaled(5), "": t]),
            SchoolFacts(id: 3, code: "C", name: "丙", districtId: 2, stage: .teachingPoint, students: .init(primary: 20, junior: 0, senior: 0),
                        facilities: [:], tallies: [:]),
        ]
        let result = BalanceEngine.evaluate(facts, standard: standard, part: .primary, rules: .national)
        let report = BalanceReport(year: 2026, districtId: nil, result: result, liveTeachers: true)
        let dto = BalanceDTO(report, visible: { $0.schoolId != 2 }, visibleExclusion: { $0.districtId == 1 })
        let hand = try JSONSerialization.jsonObject(with: Data(BalanceDTO.json(report, visible: { $0.schoolId != 2 }, visibleExclusion: { $0.districtId == 1 }).utf8)) as? NSDictionary
        let coded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(dto)) as? NSDictionary
        #expect(hand != nil)
        #expect(hand == coded)
    }
}
