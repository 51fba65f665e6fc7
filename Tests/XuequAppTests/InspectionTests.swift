import Foundation
import Registry
import SQLKit
import Testing
import Vapor
import VaporTesting
import XuequCore
import XuequKit
import XuequTestSupport
import ZIPFoundation

@testable import Inspection
@testable import XuequApp

/// The quality-balance inspection through its routes: indicators recomputed from the rows apart
/// from the module's code, entries with evidence, the survey by codes, the report.
@Suite("Inspection")
struct InspectionTests {
    static let year = 2026

    /// Conditions for the three fixture schools, with classes and rooms:
    ///   T0001 primary: classes 46, 44, 40 (one over 45); one music room of 100 m², no art room
    ///   T0002 nine-year: primary 40, 40; junior 52 (over 50); music 80 m² (small), art 95 m²
    ///   T0003 primary: 30, 30; music 96 m², art 90 m²
    static func seedConditions(_ app: Application, _ f: Fixture) async throws {
        let now = app.clock.now().timeIntervalSince1970
        let rows: [(String, SchoolConditions.Students, ClassesRooms)] = [
            (
                "T0001", .init(primary: 130, junior: 0, senior: 0),
                ClassesRooms(year: year, primaryClasses: [46, 44, 40], juniorClasses: [], musicRooms: 1, musicArea: 100, artRooms: 0, artArea: 0)
            ),
            (
                "T0002", .init(primary: 80, junior: 52, senior: 0),
                ClassesRooms(year: year, primaryClasses: [40, 40], juniorClasses: [52], musicRooms: 1, musicArea: 80, artRooms: 1, artArea: 95)
            ),
            (
                "T0003", .init(primary: 60, junior: 0, senior: 0),
                ClassesRooms(year: year, primaryClasses: [30, 30], juniorClasses: [], musicRooms: 1, musicArea: 96, artRooms: 1, artArea: 90)
            ),
        ]
        try await app.writeGate.transaction(on: app.db) { tx in
            for (code, students, rooms) in rows {
                let c = SchoolConditions(
                    year: year, students: students, floorArea: 800, sportsArea: 1500, equipmentValue: 300_000, computers: 20, books: 4000, multimediaRooms: 4)
                try await RegistryStore.upsertConditions(c, schoolId: f.schools[code]!, on: tx, now: now)
                try await RegistryStore.upsertClassesRooms(rooms, schoolId: f.schools[code]!, on: tx, now: now)
            }
            // 甲 holds a primary certificate (covers T0001); 丙 teaches the junior part of T0002 with
            // a primary one (does not cover it); 乙 and 丁 hold none.
            try await tx.sql.raw("UPDATE teachers SET qualification_type = 'primary' WHERE id IN (\(bind: f.teachers["甲"]!), \(bind: f.teachers["丙"]!))").run()
        }
    }

    static func indicators(_ json: [String: Any]) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for a in json["aspects"] as? [[String: Any]] ?? [] {
            for i in a["indicators"] as? [[String: Any]] ?? [] { out[i["code"] as! String] = i }
        }
        return out
    }

    @Test("computed indicators agree with a recount from the rows", arguments: TestDB.all)
    func recount(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.seedConditions(app, f)
            let token = try await app.token("admin")
            let res = try await app.testing().sendRequest(.GET, "/api/v1/inspection?year=\(Self.year)", headers: bearer(token))
            #expect(res.status == .ok)
            let json = try res.json()
            let ind = Self.indicators(json)
            #expect(ind.count == 32)
            #expect(json["total"] as? Int == 32)
            #expect((json["aspects"] as? [[String: Any]])?.map { ($0["indicators"] as? [Any])?.count ?? 0 } == [7, 15, 9, 1])

            // The recount, straight from the tables.
            struct Row: Decodable {
                let schoolId: Int; let classSizesPrimary: String; let classSizesJunior: String; let musicRooms: Int; let musicAreaCenti: Int; let artRooms: Int;
                let artAreaCenti: Int
            }
            let rows = try await app.db.sql.raw(
                "SELECT school_id, class_sizes_primary, class_sizes_junior, music_rooms, music_area_centi, art_rooms, art_area_centi FROM school_classes_rooms WHERE year = \(bind: Self.year)"
            )
            .all(decoding: Row.self, with: SQLRowDecoder.snakeCase)
            func sizes(_ s: String) -> [Int] { s.split(separator: ",").compactMap { Int($0) } }
            var classes = 0, over = 0, roomsOK = 0
            for r in rows {
                let p = sizes(r.classSizesPrimary), j = sizes(r.classSizesJunior)
                classes += p.count + j.count
                over += p.filter { $0 > 45 }.count + j.filter { $0 > 50 }.count
                let need = Int(ceil(Double(p.count + j.count) / 12))
                let ok =
                    r.musicRooms >= need && r.artRooms >= need && (r.musicRooms == 0 || r.musicAreaCenti >= 9600 * r.musicRooms)
                    && (r.artRooms == 0 || r.artAreaCenti >= 9000 * r.artRooms)
                if ok { roomsOK += 1 }
            }
            #expect(classes == 8 && over == 2 && roomsOK == 1)
            let g5 = ind["G5"]!
            #expect(abs((g5["value"] as! Double) - Double(classes - over) * 100 / Double(classes)) < 0.001)
            #expect(g5["met"] as? Bool == false)
            let g5Failing = (g5["failing"] as! [[String: Any]]).map { $0["shortfall"] as! String }.sorted()
            #expect(g5Failing == ["1 个初中班超过 50 人", "1 个班超过 45 人"])
            let g3 = ind["G3"]!
            #expect(abs((g3["value"] as! Double) - Double(roomsOK) * 100 / 3) < 0.001)
            let g3Failing = Dictionary(uniqueKeysWithValues: (g3["failing"] as! [[String: Any]]).map { ($0["schoolId"] as! Int, $0["shortfall"] as! String) })
            #expect(g3Failing[f.schools["T0001"]!] == "缺美术专用教室 1 间")
            #expect(g3Failing[f.schools["T0002"]!]?.contains("音乐教室平均 80 ㎡") == true)
            #expect(g3Failing[f.schools["T0003"]!] == nil)

            // 持证上岗: teachers whose qualification covers the stage they teach, recounted.
            struct T: Decodable { let qualificationType: String?; let stagePart: String?; let stage: String }
            let teachers = try await app.db.sql.raw("SELECT t.qualification_type, t.stage_part, s.stage FROM teachers t JOIN schools s ON s.id = t.school_id")
                .all(decoding: T.self, with: SQLRowDecoder.snakeCase)
            let level = ["kindergarten": 1, "primary": 2, "junior": 3, "senior": 4, "vocational": 4]
            let covered = teachers.filter { t in
                let need = t.stagePart.map { $0 == "primary" ? 2 : $0 == "junior" ? 3 : 4 } ?? (t.stage == "primary" ? 2 : 3)
                return (t.qualificationType.flatMap { level[$0] } ?? 0) >= need
            }.count
            #expect(covered == 1)
            #expect(abs((ind["G12"]!["value"] as! Double) - Double(covered) * 100 / Double(teachers.count)) < 0.001)
            #expect(ind["G4"]!["met"] as? Bool == true)
            // Entered ones start without data, and say so.
            #expect(ind["G1"]!["hasData"] as? Bool == false)
            #expect(ind["G1"]!["value"] is NSNull)
        }
    }

    @Test("entries: range, year and evidence checked; nothing half-saved", arguments: TestDB.all)
    func entries(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let token = try await app.token("admin")
            func put(_ code: String, _ body: [String: Any]) async throws -> TestingHTTPResponse {
                let (h, b) = try jsonBody(body)
                var headers = bearer(token); headers.contentType = h.contentType
                return try await app.testing().sendRequest(.PUT, "/api/v1/inspection/entries/\(code)", headers: headers, body: b)
            }
            // No conditions for the year yet.
            var res = try await put("G14", ["year": Self.year, "value": "56", "evidence": Data("%PDF-1.4 x".utf8).base64EncodedString()])
            #expect(res.status == .unprocessableEntity)
            #expect((try res.json()["fields"] as? [String: Any])?["year"] != nil)
            try await Self.seedConditions(app, f)
            res = try await put("G14", ["year": Self.year, "value": "150", "evidence": Data("%PDF-1.4 x".utf8).base64EncodedString()])
            #expect(res.status == .unprocessableEntity)
            #expect((try res.json()["fields"] as? [String: Any])?["value"] != nil)
            res = try await put("G14", ["year": Self.year, "value": "56", "evidence": Data("plain text".utf8).base64EncodedString()])
            #expect(res.status == .unprocessableEntity)
            #expect((try res.json()["fields"] as? [String: Any])?["evidence"] != nil)
            res = try await put("G14", ["year": Self.year, "value": "56"])
            #expect(res.status == .unprocessableEntity, "a figure needs its evidence")
            res = try await put("G4", ["year": Self.year, "value": "56"])
            #expect(res.status == .notFound, "a computed indicator is not entered")
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM inspection_county_entries").first(decoding: N.self)?.n == 0)

            res = try await put(
                "G14",
                [
                    "year": Self.year, "value": "48.5", "note": "指标到校方案", "evidence": Data("%PDF-1.4 evidence".utf8).base64EncodedString(),
                    "evidenceName": "方案.pdf",
                ])
            #expect(res.status == .noContent)
            res = try await put("V3", ["year": Self.year, "met": "false"])
            #expect(res.status == .noContent, "a veto is declared without a file")
            let json = try await app.testing().sendRequest(.GET, "/api/v1/inspection?year=\(Self.year)", headers: bearer(token)).json()
            let g14 = Self.indicators(json)["G14"]!
            #expect(g14["value"] as? Double == 48.5 && g14["met"] as? Bool == false && g14["evidence"] as? String == "方案.pdf")
            let v3 = (json["vetoes"] as! [[String: Any]]).first { $0["code"] as? String == "V3" }!
            #expect(v3["declared"] as? Bool == true && v3["triggered"] as? Bool == false)
            // Questions are counted as seen: stacked accents or zero-width characters make none.
            let cookies = try await Browser.login(app, "admin")
            for text in ["abc" + String(repeating: "\u{0301}", count: 300), String(repeating: "\u{200B}", count: 4)] {
                let r = try await Browser.form(app, cookies, "/inspection/survey/questions", ["group": "other", "questions": text])
                #expect(r.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding?.contains("4到200") == true)
            }
            struct Q: Decodable { let text: String }
            let other = try await app.db.sql.raw("SELECT text FROM inspection_survey_questions WHERE grp = 'other'").all(decoding: Q.self)
            #expect(other.map(\.text) == SurveyDefaults.questions.filter { $0.group == .other }.map(\.text), "the questions stay as they were")
            // A district office may not enter.
            let d1 = try await app.token("d1")
            let (h, b) = try jsonBody(["year": Self.year, "met": "true"])
            var headers = bearer(d1); headers.contentType = h.contentType
            #expect(try await app.testing().sendRequest(.PUT, "/api/v1/inspection/entries/V1", headers: headers, body: b).status == .forbidden)
        }
    }

    @Test("survey: one answer a code, even twenty at once; a closed round answers 410", arguments: TestDB.all)
    func survey(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.seedConditions(app, f)
            let token = try await app.token("admin")
            let (h, b) = try jsonBody(["year": Self.year, "name": "测试调查", "perSchool": ["parent": 3, "teacher": 1]])
            var headers = bearer(token); headers.contentType = h.contentType
            // Counts at the edge of Int are refused as out of range, not overflowed.
            for huge in [Int.max, Int.min] {
                let (_, hb) = try jsonBody(["year": Self.year, "name": "溢出", "perSchool": ["parent": huge, "student": huge]])
                let r = try await app.testing().sendRequest(.POST, "/api/v1/inspection/survey/rounds", headers: headers, body: hb)
                #expect(r.status == .unprocessableEntity)
            }
            let opened = try await app.testing().sendRequest(.POST, "/api/v1/inspection/survey/rounds", headers: headers, body: b)
            #expect(opened.status == .created)
            let roundId = try opened.json()["id"] as! Int
            #expect(try opened.json()["codes"] as? Int == 3 * 4)
            struct C: Decodable { let code: String; let grp: String }
            let codes = try await app.db.sql.raw(
                "SELECT code, grp FROM inspection_survey_codes WHERE round_id = \(bind: roundId) AND grp = 'parent' ORDER BY code"
            ).all(decoding: C.self)
            #expect(codes.count == 9)
            let page = try await app.testing().sendRequest(.GET, "/survey/\(codes[0].code)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains(SurveyDefaults.questions[0].text))
            func answer(_ code: String, _ values: [String: Any]) async throws -> TestingHTTPResponse {
                let (h, b) = try jsonBody(values)
                return try await app.testing().sendRequest(.POST, "/survey/\(code)", headers: h, body: b)
            }
            let parentQuestions = SurveyDefaults.questions.filter { $0.group == .parent }.count
            var all: [String: Any] = [:]
            for i in 1...parentQuestions { all["q\(i)"] = i == 1 ? 4 : 1 }
            var missing = all; missing["q2"] = nil
            let incomplete = try await answer(codes[0].code, missing)
            #expect(incomplete.status == .unprocessableEntity)
            #expect((try incomplete.json()["fields"] as? [String: Any])?["q2"] != nil)
            var booleans: [String: Any] = [:]
            for i in 1...parentQuestions { booleans["q\(i)"] = true }
            #expect(try await answer(codes[0].code, booleans).status == .unprocessableEntity, "true is not an answer")
            var fractions = all
            fractions["q1"] = 1.5
            #expect(try await answer(codes[0].code, fractions).status == .unprocessableEntity)
            #expect(try await answer(codes[0].code, all).status == .created)
            #expect(try await answer(codes[0].code, all).status == .conflict)

            // Twenty submissions of one code at once: one is stored.
            let path = "/survey/\(codes[1].code)"
            let (jh, jb) = try jsonBody(all)
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<20 { group.addTask { try await app.testing().sendRequest(.POST, path, headers: jh, body: jb).status.code } }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1)
            #expect(statuses.filter { $0 == 409 }.count == 19)
            struct N: Decodable { let n: Int; let s: Int? }
            let stored = try await app.db.sql.raw(
                "SELECT COUNT(*) AS n, CAST(SUM(satisfied) AS BIGINT) AS s FROM inspection_survey_answers WHERE round_id = \(bind: roundId)"
            ).first(decoding: N.self)
            #expect(stored?.n == 2 && stored?.s == 2 * (parentQuestions - 1))
            // Two questionnaires from one school: counted, but its rate is not shown on its own.
            let round = try await app.testing().sendRequest(.GET, "/api/v1/inspection/survey/rounds/\(roundId)", headers: bearer(token)).json()
            for row in round["bySchool"] as? [[String: Any]] ?? [] { #expect(row["satisfaction"] == nil || row["satisfaction"] is NSNull, "\(row)") }
            // Only the day is kept, on the code and on the answer: neither joins to the other.
            struct T: Decodable { let t: Double }
            for t in try await app.db.sql.raw(
                "SELECT created_at AS t FROM inspection_survey_answers UNION ALL SELECT used_at AS t FROM inspection_survey_codes WHERE used_at IS NOT NULL"
            ).all(decoding: T.self) {
                #expect(t.t.truncatingRemainder(dividingBy: 86400) == 0)
            }
            // Nothing in an answer names its code.
            let columns = try await app.db.sql.raw("SELECT * FROM inspection_survey_answers").all()
            for row in columns { #expect(!row.allColumns.contains("code")) }

            // An open round does not count yet.
            func s1() async throws -> [String: Any] {
                Self.indicators(try await app.testing().sendRequest(.GET, "/api/v1/inspection?year=\(Self.year)", headers: bearer(token)).json())["S1"]!
            }
            #expect(try await s1()["hasData"] as? Bool == false)

            let closed = try await app.testing().sendRequest(.POST, "/api/v1/inspection/survey/rounds/\(roundId)/close", headers: bearer(token))
            #expect(closed.status == .ok)
            #expect(try await answer(codes[2].code, all).status == .gone)
            #expect(try await app.testing().sendRequest(.GET, "/survey/\(codes[2].code)").status == .gone)
            #expect(
                try await app.testing().sendRequest(.POST, "/api/v1/inspection/survey/rounds/\(roundId)/close", headers: bearer(token)).status == .conflict,
                "a closed round stays closed")
            #expect(try await answer("NOTACODE", all).status == .notFound)
            // Closed with 2 of 12 codes answered: below the response rate, it does not count.
            #expect(try await s1()["hasData"] as? Bool == false)

            // A round answered by 2 of its 3 parents' codes counts: satisfied answers of all answers.
            let (_, small) = try jsonBody(["year": Self.year, "name": "补充调查", "perSchool": ["parent": 1]])
            let second = try await app.testing().sendRequest(.POST, "/api/v1/inspection/survey/rounds", headers: headers, body: small).json()["id"] as! Int
            let smallCodes = try await app.db.sql.raw("SELECT code, grp FROM inspection_survey_codes WHERE round_id = \(bind: second) ORDER BY code").all(
                decoding: C.self)
            var mixed = all
            mixed["q1"] = 5
            #expect(try await answer(smallCodes[0].code, all).status == .created)
            #expect(try await answer(smallCodes[1].code, mixed).status == .created)
            #expect(try await app.testing().sendRequest(.POST, "/api/v1/inspection/survey/rounds/\(second)/close", headers: bearer(token)).status == .ok)
            let satisfied = (parentQuestions - 1) + (parentQuestions - 1)
            #expect(abs((try await s1()["value"] as? Double ?? -1) - Double(satisfied) * 100 / Double(2 * parentQuestions)) < 0.001)
        }
    }

    @Test("guessing codes from one address is slowed down; valid codes are not", arguments: TestDB.all)
    func guessing(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            var statuses: [UInt] = []
            for i in 0..<32 {
                statuses.append(
                    try await app.testing().sendRequest(
                        .GET, "/survey/ZZZZZZ\(String(format: "%02d", i).replacingOccurrences(of: "0", with: "A").replacingOccurrences(of: "1", with: "B"))"
                    ).status.code)
            }
            #expect(statuses.prefix(30).allSatisfy { $0 == 404 })
            #expect(statuses.suffix(2).allSatisfy { $0 == 429 })
        }
    }

    @Test("a province's rules may be stricter than the national ones, never laxer, and never backdated", arguments: TestDB.all)
    func rules(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let cookies = try await Browser.login(app, "admin")
            let n = InspectionRules.national
            var form: [String: String] = [
                "schoolSize": "\(n.schoolSize)", "schoolSizeLarge": "\(n.schoolSizeLarge)", "classPrimary": "\(n.classPrimary)",
                "classJunior": "\(n.classJunior)",
                "classesPerRoom": "\(n.classesPerRoom)", "musicRoomArea": "96", "artRoomArea": "90", "specialFunding": "6000", "payShare": "100",
                "trainingHours": "360",
                "trainingYears": "5", "trainingShare": "100", "qualifiedShare": "100", "placesShare": "50", "migrantShare": "85", "retention": "95",
                "disability": "95",
                "trainingFunds": "5", "satisfaction": "1", "effectiveFrom": "2026-09-22", "note": "省细则",
            ]
            func flash(_ r: TestingHTTPResponse) -> String { r.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding ?? "" }
            let lax = flash(try await Browser.form(app, cookies, "/inspection/rules", form))
            #expect(lax.components(separatedBy: "不能宽于国家标准").count == 2, "said once: \(lax)")
            form["satisfaction"] = "90"
            form["classPrimary"] = "50"
            #expect(flash(try await Browser.form(app, cookies, "/inspection/rules", form)).contains("不超过45"))
            form["classPrimary"] = "40"
            form["effectiveFrom"] = "2026-01-01"
            #expect(flash(try await Browser.form(app, cookies, "/inspection/rules", form)).contains("不能早于今天"))
            form["effectiveFrom"] = "2026-09-22"
            #expect(flash(try await Browser.form(app, cookies, "/inspection/rules", form)).contains("已保存"))
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM inspection_rules").first(decoding: N.self)?.n == 2)
        }
    }

    @Test("the report as .docx holds every indicator; a school office sees only its own school", arguments: TestDB.all)
    func reportAndScope(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.seedConditions(app, f)
            let token = try await app.token("admin")
            let res = try await app.testing().sendRequest(.GET, "/api/v1/inspection/report?year=\(Self.year)&format=docx", headers: bearer(token))
            #expect(res.status == .ok)
            #expect(res.headers.contentType?.description.hasPrefix("application/vnd.openxmlformats-officedocument.wordprocessingml.document") == true)
            let archive = try Archive(data: Data(buffer: res.body), accessMode: .read)
            var xml = Data()
            _ = try archive.extract(archive["word/document.xml"]!) { xml.append($0) }
            let text = String(decoding: xml, as: UTF8.self)
            for def in Catalogue.indicators { #expect(text.contains(def.zh.replacingOccurrences(of: "“", with: "").prefix(6)), "\(def.code) in the report") }
            #expect(text.contains("缺美术专用教室 1 间"))

            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "s1")
            let own = try await app.testing().sendRequest(.GET, "/inspection/schools/\(f.schools["T0001"]!)?year=\(Self.year)", headers: h)
            #expect(own.status == .ok)
            #expect(own.body.string.contains("缺美术专用教室 1 间"))
            #expect(!own.body.string.contains("音乐教室平均 80"), "another school's shortfall")
            #expect(
                try await app.testing().sendRequest(.GET, "/inspection/schools/\(f.schools["T0002"]!)?year=\(Self.year)", headers: h).status == .notFound,
                "same district, not s1's school")
            // A district office's list: its two schools, none of the other district's.
            var d = HTTPHeaders()
            d.cookie = try await Browser.login(app, "d1")
            let list = try await app.testing().sendRequest(.GET, "/inspection/schools?year=\(Self.year)", headers: d).body.string
            #expect(list.contains("一中心小学") && list.contains("一九年制学校") && !list.contains("二小学"))
        }
    }

    @Test("the conditions sheet carries classes and rooms, all-or-nothing, with named rows", arguments: TestDB.all)
    func importClassesRooms(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let token = try await app.token("admin")
            func upload(_ name: String) async throws -> TestingHTTPResponse {
                let (h, body) = multipart(file: try fixtureData(name), filename: name)
                var headers = bearer(token)
                headers.contentType = h.contentType
                return try await app.testing().sendRequest(.POST, "/api/v1/imports/conditions", headers: headers, body: body)
            }
            let bad = try await upload("conditions_rooms_bad.xlsx")
            #expect(bad.status == .unprocessableEntity)
            let errors = (try bad.json()["errors"] as? [[String: Any]]) ?? []
            let byRow = Dictionary(grouping: errors) { $0["row"] as? Int ?? 0 }
            #expect(byRow[2]?.first?["column"] as? String == "小学各班人数")
            #expect((byRow[2]?.first?["reason"] as? String)?.contains("四十四") == true)
            #expect(byRow[3]?.first?["column"] as? String == "音乐专用教室面积")
            #expect(byRow[4]?.first?["column"] as? String == "初中各班人数")
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM school_classes_rooms").first(decoding: N.self)?.n == 0)
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM school_conditions").first(decoding: N.self)?.n == 0, "nothing half-written")

            #expect(try await upload("conditions_rooms.xlsx").status == .ok)
            let stored = try await RegistryStore.classesRooms(year: Self.year, on: app.db)
            #expect(stored[f.schools["T0001"]!]?.primaryClasses == [46, 44, 40])
            #expect(stored[f.schools["T0002"]!]?.juniorClasses == [52])
            #expect(stored[f.schools["T0002"]!]?.musicArea == 96)
            // A sheet without the columns keeps what was entered.
            #expect(try await upload("conditions_good.xlsx").status == .ok)
            #expect(try await RegistryStore.classesRooms(year: Self.year, on: app.db)[f.schools["T0001"]!]?.primaryClasses == [46, 44, 40])
            let json = try await app.testing().sendRequest(.GET, "/api/v1/inspection?year=\(Self.year)", headers: bearer(token)).json()
            let g5 = Self.indicators(json)["G5"]!
            #expect((g5["failing"] as! [[String: Any]]).count == 2)
        }
    }

    @Test("the school's conditions form takes its classes and rooms, all six or none", arguments: TestDB.all)
    func conditionsForm(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let cookies = try await Browser.login(app, "admin")
            let school = f.schools["T0001"]!
            let base: [String: String] = [
                "year": "2026", "primary": "130", "floorArea": "900", "sportsArea": "1600", "equipmentValue": "500000", "computers": "20", "books": "1000",
                "multimediaRooms": "4",
            ]
            var bad = base
            bad.merge(["primaryClasses": "45,四十", "musicRooms": "1", "musicArea": "96", "artRooms": "1", "artArea": "90"]) { a, _ in a }
            let refused = try await Browser.form(app, cookies, "/schools/\(school)/conditions", bad)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("四十"))
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM school_conditions").first(decoding: N.self)?.n == 0, "nothing half-written")
            var good = base
            good.merge(["primaryClasses": "45, 44、46", "musicRooms": "1", "musicArea": "96", "artRooms": "0", "artArea": "0"]) { a, _ in a }
            #expect(try await Browser.form(app, cookies, "/schools/\(school)/conditions", good).status == .seeOther)
            #expect(try await RegistryStore.classesRooms(year: 2026, on: app.db)[school]?.primaryClasses == [45, 44, 46])
            // Saved again without the six: the classes stay.
            #expect(try await Browser.form(app, cookies, "/schools/\(school)/conditions", base).status == .seeOther)
            #expect(try await RegistryStore.classesRooms(year: 2026, on: app.db)[school]?.primaryClasses == [45, 44, 46])
            var h = HTTPHeaders()
            h.cookie = cookies
            let form = try await app.testing().sendRequest(.GET, "/schools/\(school)/conditions?year=2026", headers: h).body.string
            #expect(form.contains("value=\"45,44,46\""))
        }
    }
}
