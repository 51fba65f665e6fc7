import Certification
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

@testable import Reports
@testable import XuequApp

/// The year's summary: figures against a recount, a district's summary holding only its own,
/// templates with their placeholders, finalised summaries keeping their figures, the files.
@Suite("Year summary")
struct ReportsTests {
    static func summary(_ app: Application, _ token: String, _ query: String = "year=2026") async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(.GET, "/api/v1/reports/summary?\(query)", headers: bearer(token))
    }

    static func flash(_ res: TestingHTTPResponse) -> String { res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding ?? "" }

    @Test("figures agree with the rows; a merger counts in its year", arguments: TestDB.all)
    func figures(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            let (h, b) = try jsonBody(["intoSchoolId": f.schools["T0001"]!, "mergedOn": "2026-03-01"])
            var headers = bearer(admin); headers.contentType = h.contentType
            #expect(try await app.testing().sendRequest(.POST, "/api/v1/schools/\(f.schools["T0002"]!)/merge", headers: headers, body: b).status == .ok)
            let res = try await Self.summary(app, admin)
            #expect(res.status == .ok)
            let json = try res.json()
            let figures = json["figures"] as! [String: Any]
            struct N: Decodable { let n: Int }
            func count(_ q: String) async throws -> Int { try await app.db.sql.raw("\(unsafeRaw: q)").first(decoding: N.self)?.n ?? -1 }
            #expect(figures["districts"] as? Int == (try await count("SELECT COUNT(*) AS n FROM districts")))
            #expect(figures["teachers"] as? Int == (try await count("SELECT COUNT(*) AS n FROM teachers")))
            let schools = figures["schools"] as! [String: Any]
            #expect(schools["start"] as? Int == 3 && schools["end"] as? Int == 2 && schools["merged"] as? Int == 1)
            #expect(schools["end"] as? Int == (try await count("SELECT COUNT(*) AS n FROM schools WHERE status = 'active'")))
            let exchange = figures["exchange"] as! [String: Any]
            #expect(exchange["supportTarget"] as? Int == 200)
            #expect(figures["certification"] is [String: Any])
            let sections = json["sections"] as! [[String: Any]]
            #expect(sections.count == 7)
            #expect((sections[1]["text"] as? String)?.contains("年内撤并1所，年末有学校2所") == true)
            #expect((json["scope"] as? [String: Any])?["kind"] as? String == "county")
            // Beside the year before (the registry dated back to 2023 so that 2025 has its schools):
            // each figure as that year's own summary states it, and the change.
            try await app.db.sql.raw("UPDATE schools SET created_at = 1700000000").run()
            try await app.db.sql.raw("UPDATE districts SET created_at = 1700000000").run()
            let before = try await Self.summary(app, admin, "year=2025")
            #expect(before.status == .ok)
            let last = try before.json()["figures"] as! [String: Any]
            var h2 = HTTPHeaders()
            h2.cookie = try await Browser.login(app, "admin")
            let page = try await app.testing().sendRequest(.GET, "/reports/summary?year=2026", headers: h2).text
            #expect(page.contains("2026年与2025年比较"))
            // Teachers by the stage they teach: the part where a school has several, adding up to all.
            struct K: Decodable { let k: String; let n: Int }
            let stages = try await app.db.sql.raw(
                "SELECT COALESCE(t.stage_part, s.stage) AS k, COUNT(*) AS n FROM teachers t JOIN schools s ON s.id = t.school_id GROUP BY COALESCE(t.stage_part, s.stage)"
            ).all(decoding: K.self)
            #expect(page.contains("<caption>教师（按任教学段）</caption>") && page.contains("<tr><td>合计</td><td>\(figures["teachers"] as! Int)</td></tr>"))
            for st in stages { #expect(page.contains("<tr><td>\(Stage(rawValue: st.k)?.zh ?? st.k)</td><td>\(st.n)</td></tr>"), "\(st.k)") }
            let lastSchools = last["schools"] as! [String: Any]
            #expect(lastSchools["merged"] as? Int == 0 && lastSchools["end"] as? Int == 3)
            #expect(page.contains("<tr><td>年内撤并学校</td><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">+1</td></tr>"))
            #expect(page.contains("<tr><td>年末学校</td><td class=\"num\">3</td><td class=\"num\">2</td><td class=\"num\">−1</td></tr>"))
            #expect(page.contains("<tr><td>教师</td><td class=\"num\">\(last["teachers"] as! Int)</td><td class=\"num\">\(figures["teachers"] as! Int)</td>"))
            // The files carry it too.
            let sheet = try Spreadsheet.read(Data(buffer: try await Self.summary(app, admin, "year=2026&format=xlsx").body), filename: "s.xlsx")
            // (The reader takes the first row's width, a title's: the first cells are what it shows.)
            #expect(sheet.rows.contains { $0.first == "2026年与2025年比较" } && sheet.rows.contains { $0.first == "年内撤并学校" })
            // A year before the platform's records, and one to come.
            #expect(try await Self.summary(app, admin, "year=2019").status == .unprocessableEntity)
            #expect(try await Self.summary(app, admin, "year=2099").status == .unprocessableEntity)
        }
    }

    @Test("a district's summary holds its district only; another district's is 403", arguments: TestDB.all)
    func districtScope(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let d1 = try await app.token("d1")
            let json = try await Self.summary(app, d1).json()
            let figures = json["figures"] as! [String: Any]
            #expect(figures["districts"] as? Int == 1)
            #expect((figures["schools"] as? [String: Any])?["end"] as? Int == 2)
            #expect(figures["teachers"] as? Int == 3)
            #expect(figures["certification"] == nil || figures["certification"] is NSNull)
            let byDistrict = ((figures["exchange"] as? [String: Any])?["byDistrict"] as? [[String: Any]])?.compactMap { $0["district"] as? String }
            #expect(byDistrict == ["一学区"])
            let body = try await Self.summary(app, d1).body.string
            #expect(!body.contains("二学区") && !body.contains("二小学"))
            #expect(try await Self.summary(app, d1, "year=2026&district=\(f.districts["D2"]!)").status == .forbidden)
            #expect(try await Self.summary(app, d1, "year=2026&district=\(f.districts["D1"]!)").status == .ok)
            let s1 = try await app.token("s1")
            #expect(try await Self.summary(app, s1).status == .forbidden)
            let admin = try await app.token("admin")
            let d2 = try await Self.summary(app, admin, "year=2026&district=\(f.districts["D2"]!)").json()
            #expect((d2["figures"] as? [String: Any])?["teachers"] as? Int == 1)
            #expect(try await Self.summary(app, admin, "year=2026&district=99999").status == .notFound)
        }
    }

    @Test("templates: unknown placeholders named; a finalised summary keeps its figures and refuses edits", arguments: TestDB.all)
    func templatesAndFinal(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let cookies = try await Browser.login(app, "admin")
            let bad = try await Browser.form(app, cookies, "/reports/summary/sections/system?year=2026", ["text": "共有{districts}个学区、{nonsense}所学校"])
            #expect(bad.status == .seeOther)
            #expect(Self.flash(bad).contains("{nonsense}") && Self.flash(bad).contains("{schools.end}"), "\(Self.flash(bad))")
            // Every placeholder a default text uses is a known one (saved for district D1, which
            // the rest of this test does not read).
            for s in SummarySection.allCases {
                for text in [s.defaultText, s.districtText] {
                    let r = try await Browser.form(
                        app, cookies, "/reports/summary/sections/\(s.rawValue)?year=2026&district=\(f.districts["D1"]!)", ["text": text])
                    #expect(!Self.flash(r).contains("未知的占位符"), "\(s.rawValue): \(Self.flash(r))")
                }
            }
            let good = try await Browser.form(app, cookies, "/reports/summary/sections/system?year=2026", ["text": "本县共有{districts}个学区，教师{teachers}人。"])
            #expect(good.status == .seeOther && !Self.flash(good).isEmpty)
            let admin = try await app.token("admin")
            var json = try await Self.summary(app, admin).json()
            #expect(((json["sections"] as! [[String: Any]])[0]["text"] as? String) == "本县共有2个学区，教师4人。")

            #expect(try await Browser.form(app, cookies, "/reports/summary/finalise?year=2026", [:]).status == .seeOther)
            try await f.addTeachers(app, names: ["新甲", "新乙"])
            json = try await Self.summary(app, admin).json()
            #expect(json["final"] as? Bool == true)
            #expect(((json["sections"] as! [[String: Any]])[0]["text"] as? String) == "本县共有2个学区，教师4人。", "the text as finalised")
            #expect((json["figures"] as? [String: Any])?["teachers"] as? Int == 4, "the figures as finalised")
            #expect((json["changed"] as? [String])?.contains("teachers") == true)
            let page = try await app.testing().sendRequest(
                .GET, "/reports/summary?year=2026",
                headers: {
                    var h = HTTPHeaders(); h.cookie = cookies; return h
                }())
            #expect(page.body.string.contains("此后有变化的数字"))
            let edit = try await Browser.form(app, cookies, "/reports/summary/sections/system?year=2026", ["text": "改一下{districts}"])
            #expect(Self.flash(edit).contains("已定稿"))
            let again = try await Browser.form(app, cookies, "/reports/summary/finalise?year=2026", [:])
            #expect(Self.flash(again).contains("已定稿"))
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM report_finals").first(decoding: N.self)?.n == 1)
        }
    }

    static func documentText(_ res: TestingHTTPResponse) throws -> String {
        let archive = try Archive(data: Data(buffer: res.body), accessMode: .read)
        var xml = Data()
        _ = try archive.extract(archive["word/document.xml"]!) { xml.append($0) }
        return String(decoding: xml, as: UTF8.self)
    }

    /// The seed's certification office summary (82 applied, 42 certified as 12/22/3/5, most of
    /// the rest refused for Putonghua and the two exams, archive folders that did not match) and
    /// an intern batch's, written from the demo county's data: read back from the .docx.
    @Test("the certification office's and an internship batch's summaries", arguments: TestDB.all)
    func offices(db: TestDB) async throws {
        try await withApp(db, fixture: false) { app, _ in
            try await DemoCounty(today: CivilDate(year: 2026, month: 11, day: 29)!).seed(app: app)
            let reviewer = try await app.token("reviewer", password: DemoCounty.password)
            let res = try await app.testing().sendRequest(.GET, "/api/v1/reports/certification?year=2026", headers: bearer(reviewer))
            #expect(res.status == .ok)
            let figures = try #require(try res.json()["figures"] as? [String: String])
            #expect(figures["applied"] == "82" && figures["certified"] == "42" && figures["notCertified"] == "40")
            // The reasons, as the certification module's own statistics count them, summed over the year's windows.
            struct W: Decodable { let id: Int }
            var reasons: [String: Int] = [:]
            for w in try await app.db.sql.raw("SELECT id FROM cert_windows WHERE closes_on >= '2026-01-01' AND closes_on < '2026-09-21'").all(decoding: W.self)
            {
                let st = try await app.testing().sendRequest(.GET, "/api/v1/certification/statistics?window=\(w.id)", headers: bearer(reviewer)).json()
                for (k, v) in st["failureReasons"] as? [String: Int] ?? [:] { reasons[k, default: 0] += v }
            }
            let top = try #require(reasons.max { ($0.value, $1.key) < ($1.value, $0.key) })
            #expect(
                figures["failureReasons"]?.hasPrefix((CertReason(rawValue: top.key)?.zh ?? "") + "（\(top.value)人）") == true,
                "\(figures["failureReasons"] ?? "")")
            let docx = try await app.testing().sendRequest(.GET, "/api/v1/reports/certification?year=2026&format=docx", headers: bearer(reviewer))
            #expect(docx.status == .ok && docx.headers.first(name: .contentType) == DocxWriter.contentType)
            let text = try Self.documentText(docx)
            #expect(text.contains("2026年教师资格认定工作总结") && text.contains("共受理教师资格认定申请82人"))
            #expect(text.contains("12人具备小学教师资格、22人具备初级中学教师资格、3人具备高级中学教师资格、5人具备中等职业学校教师资格，共42人取得了不同层次的教师资格"))
            for h in ["一、基本情况", "二、主要做法", "三、存在的问题", "四、今后努力的方向", "未予认定的原因", "档案袋核对"] { #expect(text.contains(h), "\(h)") }
            // The folders that never reached the office, as the certification module reconciles them.
            #expect(Int(figures["archiveMissing"] ?? "") ?? 0 > 0, "the demo's archive does not match, as the seed's did")

            // The reviewer edits a section (an unknown placeholder named, with the known ones), finalises, and it stays.
            let cookies = try await Browser.login(app, "reviewer", password: DemoCounty.password)
            let bad = try await Browser.form(app, cookies, "/reports/certification/sections/problems?year=2026", ["text": "{nonsense}人"])
            #expect(Self.flash(bad).contains("{nonsense}") && Self.flash(bad).contains("{failureReasons}"), "\(Self.flash(bad))")
            let good = try await Browser.form(app, cookies, "/reports/certification/sections/problems?year=2026", ["text": "申请{applied}人，通过{certified}人。"])
            #expect(good.status == .seeOther && Self.flash(good) == "已保存")
            #expect(try await Browser.form(app, cookies, "/reports/certification/finalise?year=2026", [:]).status == .seeOther)
            let final = try await app.testing().sendRequest(.GET, "/api/v1/reports/certification?year=2026", headers: bearer(reviewer)).json()
            #expect(final["final"] as? Bool == true)
            #expect(((final["sections"] as? [[String: Any]])?[2]["text"] as? String) == "申请82人，通过42人。")
            #expect(Self.flash(try await Browser.form(app, cookies, "/reports/certification/sections/next?year=2026", ["text": "x"])).contains("已定稿"))
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM report_finals WHERE scope_key = 'cert'").first(decoding: N.self)?.n == 1)
            // Nobody outside the body: a district office, an applicant.
            for user in ["district1", "applicant1"] {
                let t = try await app.token(user, password: DemoCounty.password)
                #expect(
                    try await app.testing().sendRequest(.GET, "/api/v1/reports/certification?year=2026", headers: bearer(t)).status == .forbidden, "\(user)")
            }

            // An internship batch: its interns and plans as the internship tables hold them.
            let admin = try await app.token("admin", password: DemoCounty.password)
            struct B: Decodable { let id: Int; let name: String }
            let batch = try #require(try await app.db.sql.raw("SELECT id, name FROM intern_batches ORDER BY id LIMIT 1").first(decoding: B.self))
            let b = try await app.testing().sendRequest(.GET, "/api/v1/reports/internship/\(batch.id)", headers: bearer(admin)).json()
            let bf = try #require(b["figures"] as? [String: String])
            let interns = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM interns WHERE batch_id = \(bind: batch.id)").first(decoding: N.self)?.n
            let plans = try await app.db.sql.raw(
                "SELECT COUNT(*) AS n FROM intern_lesson_plans p JOIN interns i ON i.id = p.intern_id WHERE i.batch_id = \(bind: batch.id)"
            ).first(decoding: N.self)?.n
            #expect(bf["interns"] == interns.map(String.init) && bf["plans"] == plans.map(String.init) && bf["batch"] == batch.name)
            #expect((b["sections"] as? [[String: Any]])?.count == 4 && (b["title"] as? String)?.hasPrefix(batch.name) == true)
            let sheet = try Spreadsheet.read(
                Data(buffer: try await app.testing().sendRequest(.GET, "/api/v1/reports/internship/\(batch.id)?format=xlsx", headers: bearer(admin)).body),
                filename: "b.xlsx")
            #expect(sheet.rows.contains { $0.first?.hasSuffix("实习成绩分布") == true })
            // Its supervisor reads it and may not write it; the list of summaries shows it to them.
            let sup = try await Browser.login(app, "supervisor", password: DemoCounty.password)
            var h = HTTPHeaders(); h.cookie = sup
            let list = try await app.testing().sendRequest(.GET, "/reports", headers: h)
            #expect(list.status == .ok && list.body.string.contains("/reports/internship/\(batch.id)"))
            #expect(try await app.testing().sendRequest(.GET, "/reports/internship/\(batch.id)", headers: h).status == .ok)
            #expect(try await Browser.form(app, sup, "/reports/internship/\(batch.id)/sections/overview", ["text": "x"]).status == .forbidden)
        }
    }

    @Test("the summary as .docx and .xlsx", arguments: TestDB.all)
    func files(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let admin = try await app.token("admin")
            let docx = try await Self.summary(app, admin, "year=2026&format=docx")
            #expect(docx.status == .ok)
            #expect(docx.headers.first(name: .contentType) == DocxWriter.contentType)
            let archive = try Archive(data: Data(buffer: docx.body), accessMode: .read)
            var xml = Data()
            _ = try archive.extract(archive["word/document.xml"]!) { xml.append($0) }
            let text = String(decoding: xml, as: UTF8.self)
            for s in SummarySection.allCases { #expect(text.contains(s.zh)) }
            let xlsx = try await Self.summary(app, admin, "year=2026&format=xlsx")
            #expect(xlsx.status == .ok)
            let sheet = try Spreadsheet.read(Data(buffer: xlsx.body), filename: "s.xlsx")
            #expect(sheet.rows.contains { $0.first == "合计" })
            #expect(try await Self.summary(app, admin, "year=2026&format=pdf").status == .unprocessableEntity)
        }
    }
}
