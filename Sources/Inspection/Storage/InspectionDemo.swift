import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The inspection's part of the demo county, for the latest year of conditions: every compulsory
/// school's classes and music and art rooms (a few schools with oversized classes or a room
/// short), some indicators entered with evidence and some left to enter, the vetoes declared,
/// and a closed survey round with its answers.
enum InspectionDemo {
    /// A deterministic sequence (the same demo on every run).
    struct Sequence {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
    }

    static let evidencePDF = DocumentStore.demoPDF("Xuequ demo inspection evidence")

    static func seed(_ demo: DemoContext) async throws {
        let db = demo.db, now = demo.now
        guard let year = try await RegistryStore.conditionYears(on: db).first else { return }
        let schools = try await RegistryStore.schoolYear(year, stages: InspectionService.stages, district: nil, on: db).filter(\.hasConditions)
        let county = try await AreaStore.soleCounty(on: db)
        try await demo.gate.transaction(on: db) { tx in
            var rng = Sequence(state: 20_170_419)
            for s in schools {
                // Classes near the standard size; one school in twelve crowds a few classes.
                func classes(_ pupils: Int, size: Int) -> [Int] {
                    guard pupils > 0 else { return [] }
                    let n = max(1, Int((Double(pupils) / Double(size - 4)).rounded(.up)))
                    var out = Array(repeating: pupils / n, count: n)
                    for i in 0..<(pupils % n) { out[i] += 1 }
                    return out
                }
                var p = classes(s.studentsPrimary ?? 0, size: 45), j = classes(s.studentsJunior ?? 0, size: 50)
                if rng.next(12) == 0, !p.isEmpty { for i in 0..<min(p.count, 1 + rng.next(3)) { p[i] = 46 + rng.next(8) } }
                if rng.next(14) == 0, !j.isEmpty { for i in 0..<min(j.count, 1 + rng.next(2)) { j[i] = 51 + rng.next(6) } }
                let need = Int((Double(p.count + j.count) / 12).rounded(.up))
                let music = max(0, need - (rng.next(10) == 0 ? 1 : 0)), art = max(0, need - (rng.next(11) == 0 ? 1 : 0))
                let musicArea = Decimal(music * (rng.next(9) == 0 ? 82 : 96 + rng.next(30))), artArea = Decimal(art * (90 + rng.next(30)))
                try await RegistryStore.upsertClassesRooms(
                    ClassesRooms(
                        year: year, primaryClasses: p, juniorClasses: j, musicRooms: music, musicArea: musicArea,
                        artRooms: art, artArea: artArea), schoolId: s.id, on: tx, now: now)
            }
            // Entered indicators with evidence; Q5 and Q8 are left for the bureau to enter.
            let hash = try demo.app.documents.put(evidencePDF)
            let entries: [(String, Double?, Bool?, String)] = [
                ("G1", nil, true, "县政府印发《义务教育学校布局规划（2021—2030年）》"), ("G2", nil, true, "城乡统一建设、编制、经费、装备标准文件"),
                ("G6", nil, true, "财政局公用经费拨付表：不足100人按100人核定"), ("G7", 6500, nil, "特殊教育学校生均公用经费6500元"),
                ("G8", 102.4, nil, "人社局、财政局工资核对表"), ("G10", nil, true, "编办统筹调配文件"), ("G13", nil, true, "招生划片方案"),
                ("G14", 56, nil, "优质高中指标到校分配方案"), ("G15", 91.3, nil, "随迁子女入学统计"), ("Q1", 96.4, nil, "初中三年巩固率统计"),
                ("Q3", nil, true, "学校章程汇编"), ("Q4", 5.6, nil, "各校培训经费预算汇总"), ("Q6", nil, true, "课程开设情况检查报告"),
                ("Q7", nil, true, "作业管理专项督导报告"), ("Q9", nil, true, "德育工作评估结果"),
                ("V1", nil, false, ""), ("V2", nil, false, ""), ("V3", nil, false, ""), ("V4", nil, false, ""), ("V5", nil, false, ""), ("V6", nil, false, ""),
            ]
            for (code, value, met, note) in entries {
                let judged: Bool? = met ?? value.map { v in v >= (InspectionRules.national.entryThreshold(code) ?? 0) }
                let withFile = !code.hasPrefix("V")
                try await tx.sql.insert(into: "inspection_county_entries")
                    .columns(
                        "county_code", "year", "code", "value", "met", "note", "evidence_hash", "evidence_name", "evidence_kind", "entered_by", "entered_at"
                    )
                    .values(
                        SQLBind(county), SQLBind(year), SQLBind(code), SQLBind(value), SQLBind(judged), SQLBind(note), SQLBind(withFile ? hash : nil),
                        SQLBind(withFile ? "\(code)佐证材料.pdf" : nil), SQLBind(withFile ? "pdf" : nil), SQLBind("admin"), SQLBind(now)
                    )
                    .run()
            }
            // A closed survey round: four parents, four students and two teachers a school, most answered.
            let questions = SurveyDefaults.questions
            let snapshot = String(decoding: try JSONEncoder().encode(questions), as: UTF8.self)
            struct I: Decodable { let id: Int }
            let roundId = try await tx.sql.raw(
                """
                INSERT INTO inspection_survey_rounds (year, name, state, questions, created_by, created_at, closed_at, county_code)
                VALUES (\(bind: year), \(bind: "\(year)年义务教育满意度调查"), 'closed', \(bind: snapshot), 'admin', \(bind: now - 30 * 86400), \(bind: now - 86400), \(bind: county)) RETURNING id
                """
            ).first(decoding: I.self)!.id
            let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
            var codes: [(String, Int, String, Bool)] = []
            var answers: [(Int, String, Int, Int, String)] = []
            for s in schools {
                // A few schools' parents are less content than the county.
                let mood = rng.next(20) == 0 ? 60 : 92
                for (g, n) in [(SurveyGroup.parent, 4), (.student, 4), (.teacher, 2)] {
                    let qn = questions.filter { $0.group == g }.count
                    for _ in 0..<n {
                        let code = String((0..<8).map { _ in alphabet[rng.next(alphabet.count)] })
                        let used = rng.next(10) < 8
                        codes.append((code, s.id, g.rawValue, used))
                        guard used else { continue }
                        let values = (0..<qn).map { _ in rng.next(100) < mood ? 1 + rng.next(2) : 3 + rng.next(3) }
                        answers.append((s.id, g.rawValue, values.filter { $0 <= 2 }.count, qn, values.map(String.init).joined(separator: ",")))
                    }
                }
            }
            var seen = Set<String>()
            codes = codes.filter { seen.insert($0.0).inserted }
            for start in stride(from: 0, to: codes.count, by: 300) {
                var q = tx.sql.insert(into: "inspection_survey_codes").columns("code", "round_id", "school_id", "grp", "used_at")
                for (c, sid, g, used) in codes[start..<min(start + 300, codes.count)] {
                    q = q.values(SQLBind(c), SQLBind(roundId), SQLBind(sid), SQLBind(g), SQLBind(used ? now - 2 * 86400 : nil))
                }
                try await q.run()
            }
            for start in stride(from: 0, to: answers.count, by: 300) {
                var q = tx.sql.insert(into: "inspection_survey_answers").columns(
                    "round_id", "school_id", "grp", "satisfied", "answered", "answers", "created_at")
                for (sid, g, sat, n, list) in answers[start..<min(start + 300, answers.count)] {
                    q = q.values(SQLBind(roundId), SQLBind(sid), SQLBind(g), SQLBind(sat), SQLBind(n), SQLBind(list), SQLBind(now - 2 * 86400))
                }
                try await q.run()
            }
        }
    }
}
