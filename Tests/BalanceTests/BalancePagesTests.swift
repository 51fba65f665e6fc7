import Foundation
import Registry
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
import XuequKit
@testable import Balance
@testable import XuequApp

/// The balance module through the browser's door: conditions (form and import), rules,
/// equity, student aid and the inspection sheet, on both databases.
@Suite("Balance pages")
struct BalancePagesTests {
    static func get(_ app: Application, _ cookies: HTTPCookies, _ path: String, lang: String? = nil) async throws -> TestingHTTPResponse {
        var h = HTTPHeaders()
        h.cookie = cookies
        if let lang { h.replaceOrAdd(name: .acceptLanguage, value: lang) }
        return try await app.testing().sendRequest(.GET, path, headers: h)
    }

    static func upload(_ app: Application, _ token: String, _ file: String) async throws -> TestingHTTPResponse {
        let (h, body) = multipart(file: try fixtureData(file), filename: file)
        var headers = bearer(token); headers.contentType = h.contentType
        return try await app.testing().sendRequest(.POST, "/api/v1/imports/conditions", headers: headers, body: body)
    }

    @Test("conditions import: all rows or none, every bad row named", arguments: TestDB.all)
    func conditionsImport(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            let bad = try await Self.upload(app, admin, "conditions_bad.xlsx")
            #expect(bad.status == .unprocessableEntity)
            let errors = (try? bad.json())?["errors"] as? [[String: Any]] ?? []
            let byRow = Dictionary(grouping: errors, by: { $0["row"] as? Int ?? 0 })
            #expect(Set(byRow.keys) == [2, 3, 4, 5])
            #expect(byRow[2]?.first?["column"] as? String == "小学在校生数")
            #expect(byRow[3]?.first?["column"] as? String == "教学及辅助用房面积")
            #expect((byRow[4]?.first?["reason"] as? String)?.contains("T9999") == true)
            #expect(byRow[5]?.first?["column"] as? String == "年度")
            #expect(try await RegistryStore.conditionYears(on: app.db).isEmpty)

            let good = try await Self.upload(app, admin, "conditions_good.xlsx")
            #expect(good.status == .ok)
            #expect((try? good.json())?["imported"] as? Int == 3)
            let t2 = try await RegistryStore.conditions(schoolId: f.schools["T0002"]!, on: app.db)
            #expect(t2.first?.equipmentValue == Decimal(string: "1000000.25"))
            #expect(t2.first?.students == .init(primary: 300, junior: 100, senior: 0))
            #expect(try await RegistryStore.school(id: f.schools["T0002"]!, on: app.db)?.students == 400)
            #expect(try await RegistryStore.conditionYears(on: app.db) == [2026, 2025])

            // A school admin may import only the own school.
            let s1 = try await app.token("s1")
            let scoped = try await Self.upload(app, s1, "conditions_good.xlsx")
            #expect(scoped.status == .unprocessableEntity)
            let reasons = ((try? scoped.json())?["errors"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
            #expect(reasons.count == 2 && reasons.allSatisfy { $0.contains("管理范围") })
            let teacher = try await app.token("t1")
            #expect(try await Self.upload(app, teacher, "conditions_good.xlsx").status == .forbidden)
        }
    }

    @Test("conditions form: saves a year, names bad fields, keeps what was typed", arguments: TestDB.all)
    func conditionsForm(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let cookies = try await Browser.login(app, "s1")
            let school = f.schools["T0001"]!
            #expect(try await Self.get(app, cookies, "/schools/\(school)/conditions").status == .ok)
            let fields = ["year": "2026", "primary": "250", "junior": "", "senior": "", "floorArea": "1125.5", "sportsArea": "2000", "equipmentValue": "600000",
                          "computers": "30", "books": "7000", "multimediaRooms": "6"]
            var bad = fields
            bad["books"] = "很多"
            bad["primary"] = "-3"
            let res = try await Browser.form(app, cookies, "/schools/\(school)/conditions", bad)
            #expect(res.status == .unprocessableEntity)
            #expect(res.text.contains("应为整数"))
            #expect(res.text.contains("value=\"很多\""))
            #expect(try await RegistryStore.conditions(schoolId: school, on: app.db).isEmpty)
            let ok = try await Browser.form(app, cookies, "/schools/\(school)/conditions", fields)
            #expect(ok.status == .seeOther)
            let saved = try await RegistryStore.conditions(schoolId: school, on: app.db)
            #expect(saved.first?.floorArea == Decimal(string: "1125.5"))
            #expect(saved.first?.students.primary == 250)
            // Someone else's school.
            #expect(try await Browser.form(app, cookies, "/schools/\(f.schools["T0003"]!)/conditions", fields).status == .forbidden)
        }
    }

    @Test("rules: a new version applies from its date; nonsense is refused with field errors", arguments: TestDB.all)
    func rules(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await BalanceAPITests.putConditions(app, f, year: 2025)
            try await BalanceAPITests.putConditions(app, f, year: 2026)
            let cookies = try await Browser.login(app, "admin")
            var fields = BalancePages.ruleValues(.national, effective: "2026-01-01")
            fields["basic_primary"] = "0.4"
            fields["note"] = "省定标准"
            var wrong = fields
            wrong["basic_primary"] = "-1"
            wrong["w2"] = "abc"
            let refused = try await Browser.form(app, cookies, "/balance/rules", wrong)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("差异系数限值应在0到5之间"))
            #expect(try await BalanceStore.ruleVersions(on: app.db).count == 1)

            #expect(try await Browser.form(app, cookies, "/balance/rules", fields).status == .seeOther)
            let admin = try await app.token("admin")
            let (_, now) = try await BalanceAPITests.get(app, admin, "standard=basic&stage=primary&year=2026")
            let (_, before) = try await BalanceAPITests.get(app, admin, "standard=basic&stage=primary&year=2025")
            #expect(BalanceAPITests.coefficient(now, "books")?["limit"] as? Double == 0.4)
            #expect(BalanceAPITests.coefficient(before, "books")?["limit"] as? Double == 0.65)
            // Only the bureau sets rules.
            let d1 = try await Browser.login(app, "d1")
            #expect(try await Browser.form(app, d1, "/balance/rules", fields).status == .forbidden)
            #expect(try await Browser.form(app, d1, "/balance/rules/record", ["year": "2026"]).status == .forbidden)
            #expect(try await Browser.form(app, cookies, "/balance/rules/record", ["year": "2026"]).status == .seeOther)
            #expect(try await TeacherTallies.recordedYears(on: app.db) == [2026])
        }
    }

    @Test("equity: counts in, rates out; a numerator above its denominator is refused", arguments: TestDB.all)
    func equity(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let cookies = try await Browser.login(app, "admin")
            let wrong = ["year": "2025", "disability_enrolment_numerator": "300", "disability_enrolment_denominator": "259"]
            let refused = try await Browser.form(app, cookies, "/balance/equity", wrong)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("分子不能大于分母"))
            let fields = ["year": "2025", "preschool_gross_numerator": "11046", "preschool_gross_denominator": "12000",
                          "disability_enrolment_numerator": "243", "disability_enrolment_denominator": "259", "note": "年报"]
            #expect(try await Browser.form(app, cookies, "/balance/equity", fields).status == .seeOther)
            let page = try await Self.get(app, cookies, "/balance/equity?year=2025")
            #expect(page.text.contains("92.05%"))
            #expect(page.text.contains("93.82%"))
            let d1 = try await Browser.login(app, "d1")
            #expect(try await Self.get(app, d1, "/balance/equity?year=2025").text.contains("92.05%"))
            #expect(try await Browser.form(app, d1, "/balance/equity", fields).status == .forbidden)
        }
    }

    @Test("student aid: recorded in scope, totals by year and stage, names and IDs masked outside the school", arguments: TestDB.all)
    func aid(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let s1 = try await Browser.login(app, "s1")
            let rid = Fixture.residentID("20150601", 123)
            let fields = ["year": "2026", "schoolCode": "T0001", "studentName": "张小明", "residentId": rid, "stage": "primary", "aidType": "boarding_allowance", "amount": "1000"]
            var bad = fields
            bad["residentId"] = "123"
            bad["amount"] = "-5"
            let refused = try await Browser.form(app, s1, "/balance/aid", bad)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("身份证号应为18位"))
            #expect(refused.text.contains("金额应为大于0"))
            #expect(try await Browser.form(app, s1, "/balance/aid", fields).status == .seeOther)
            var other = fields
            other["schoolCode"] = "T0003"
            #expect(try await Browser.form(app, s1, "/balance/aid", other).status == .forbidden)

            let own = try await Self.get(app, s1, "/balance/aid").text
            #expect(own.contains("张小明") && own.contains(rid))
            let admin = try await Browser.login(app, "admin")
            let county = try await Self.get(app, admin, "/balance/aid").text
            #expect(!county.contains("张小明") && !county.contains(rid))
            #expect(county.contains("张*") && county.contains(Masking.residentID(rid)))
            #expect(county.contains("1,000"))
            let s3 = try await Browser.login(app, "s3")
            #expect(!(try await Self.get(app, s3, "/balance/aid").text.contains(Masking.residentID(rid))))
            // The audit log keeps no full ID.
            let audit = try await Audit.list(on: app.db, filter: .init(), page: PageSpec(page: 1, per: 10)).items.map(\.summary).joined()
            #expect(!audit.contains(rid))
            _ = f
        }
    }

    @Test("the inspection sheet: one row per school part, then mean, deviation and coefficient; as .xlsx with numbers", arguments: TestDB.all)
    func sheet(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await BalanceAPITests.putConditions(app, f)
            let cookies = try await Browser.login(app, "admin")
            let html = try await Self.get(app, cookies, "/balance/sheet?year=2026&standard=basic&stage=primary&district=0").text
            #expect(html.contains("一九年制学校（小学部）"))
            #expect(html.contains("差异系数 CV"))
            let res = try await Self.get(app, cookies, "/balance/sheet/export?year=2026&standard=basic&stage=primary&district=0")
            #expect(res.status == .ok)
            let table = try Spreadsheet.read(Data(buffer: res.body), filename: "sheet.xlsx")
            #expect(table.header.first == "序号")
            #expect(table.header.contains("生均图书册数"))
            let books = table.header.firstIndex(of: "生均图书册数")!
            #expect(table.body.filter { $0.count > 1 && !$0[1].isEmpty }.count == 3)
            let cv = table.body.first { $0.count > 2 && $0[2] == "差异系数 CV" }
            #expect(cv?[books] == "0.347")
            // In English, on request.
            let en = try await Self.get(app, cookies, "/balance?year=2026", lang: "en")
            #expect(en.status == .ok)
        }
    }

    @Test("every balance page renders for the bureau and a district admin, in both languages", arguments: TestDB.all)
    func pagesRender(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await BalanceAPITests.putConditions(app, f)
            for user in ["admin", "d1"] {
                let cookies = try await Browser.login(app, user)
                for path in ["/balance", "/balance?standard=quality&stage=junior", "/balance?all=1", "/balance/schools/\(f.schools["T0002"]!)", "/balance/whatif",
                             "/balance/whatif?from=\(f.schools["T0001"]!)", "/balance/whatif?m=\(f.teachers["甲"]!):\(f.schools["T0002"]!):primary&f=\(f.schools["T0001"]!):books:500",
                             "/balance/sheet", "/balance/conditions", "/balance/rules", "/balance/equity", "/balance/aid"] {
                    let zh = try await Self.get(app, cookies, path)
                    #expect(zh.status == .ok, "\(user) \(path)")
                    if user == "d1" { #expect(!zh.text.contains("二小学"), "\(path) shows another district's school to d1") }
                    #expect(try await Self.get(app, cookies, path, lang: "en").status == .ok)
                }
            }
            // What-if through the page: a move and a facility, folded into the URL.
            let cookies = try await Browser.login(app, "admin")
            let add = try await Self.get(app, cookies, "/balance/whatif?year=2026&standard=basic&stage=primary&district=0&add=move&teacher=\(f.teachers["甲"]!)&to=\(f.schools["T0003"]!)&toPart=")
            #expect(add.status == .seeOther)
            let location = add.headers.first(name: .location) ?? ""
            #expect(location.contains("m=\(f.teachers["甲"]!):\(f.schools["T0003"]!):"))
            let result = try await Self.get(app, cookies, location).text
            #expect(result.contains("1.414"))
            #expect(result.contains("1.000"))
        }
    }
}
