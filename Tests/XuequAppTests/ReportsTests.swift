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
