import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import Certification
import Inspection
import XuequCore
import XuequKit
import XuequTestSupport
@testable import Balance
@testable import Registry
@testable import Teaching
@testable import XuequApp

/// Several counties in one database (issue 30): the tree, each bureau inside its own county, the
/// city's and province's comparison, and the upgrade of a single-county database.
@Suite("Counties, cities, province")
struct CountyTests {
    /// County A is the fixture's (130481: D1, D2); county B (130402 邯山区) gets D9 with one
    /// school and one teacher, and its own bureau `admin2`; `city` reads 130400, `province` 13.
    static func addSecondCounty(_ app: Application, _ f: Fixture) async throws -> (district: Int, school: Int, teacher: Int) {
        let now = app.clock.now().timeIntervalSince1970
        let hash = try await Accounts.hashPassword(Fixture.password, app: app)
        return try await app.writeGate.transaction(on: app.db) { tx in
            try await AreaStore.insert(code: "130402", name: "邯山区", level: .county, parentCode: "130400", on: tx, now: now)
            let d9 = try await RegistryStore.insertDistrict(code: "D9", name: "邯山学区", county: "130402", on: tx, now: now)
            let s9 = try await RegistryStore.insertSchool(
                ValidSchool(
                    code: "T0009", name: "邯山小学", districtRef: .id(d9), stage: .primary, locality: .town, boarding: false,
                    central: true, standardised: true, students: 500, address: nil), districtId: d9, on: tx, now: now)
            let rid = try ResidentID.parse(Fixture.residentID("19900505", 9, area: "130402")).get()
            try await RegistryStore.insertTeachers(
                [
                    (
                        ValidTeacher(
                            name: "戊老师", residentId: rid, schoolRef: .id(s9), subjects: [.chinese], education: .bachelor, putonghua: .l2A,
                            title: .intermediate, backbone: .none, schoolSince: CivilDate(parsing: "2016-09-01")!, stagePart: nil, phone: nil), s9, d9
                    )
                ],
                on: tx, now: now)
            for (s, students) in [(f.schools["T0001"]!, 400), (f.schools["T0003"]!, 300), (s9, 500)] {
                try await RegistryStore.upsertConditions(
                    SchoolConditions(
                        year: 2026, students: .init(primary: students, junior: 0, senior: 0), floorArea: Decimal(students * 5),
                        sportsArea: Decimal(students * 9), equipmentValue: Decimal(students * 2000), computers: students / 10,
                        books: students * 30, multimediaRooms: students / 50), schoolId: s, on: tx, now: now)
            }
            try await tx.sql.raw("UPDATE users SET area_code = '130481' WHERE username = 'admin'").run()
            let date = Date(timeIntervalSince1970: now)
            for u: Accounts.NewUser in [
                .init(username: "admin2", displayName: "邯山区教育局", role: .bureauAdmin, areaCode: "130402"),
                .init(username: "city", displayName: "邯郸市教育局", role: .cityAdmin, areaCode: "130400"),
                .init(username: "province", displayName: "河北省教育厅", role: .provinceAdmin, areaCode: "13"),
            ] {
                _ = try await Accounts.insertUser(u, passwordHash: hash, on: tx, now: date)
            }
            let teacher = try await RegistryStore.existingResidentIDs([rid.value], on: tx)[rid.value]!
            return (d9, s9, teacher)
        }
    }

    static func get(_ app: Application, _ token: String, _ path: String) async throws -> (status: HTTPStatus, json: [String: Any], text: String) {
        let res = try await app.testing().sendRequest(.GET, path, headers: bearer(token))
        return (res.status, (try? res.json()) ?? [:], res.text)
    }

    static func codes(_ json: [String: Any], _ key: String = "code") -> [String] {
        ((json["items"] as? [[String: Any]]) ?? []).compactMap { $0[key] as? String }.sorted()
    }

    @Test("each county's bureau sees and changes only its own county; the tree by who reads it", arguments: TestDB.all)
    func twoCounties(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let b = try await Self.addSecondCounty(app, f)
            let admin = try await app.token("admin"), admin2 = try await app.token("admin2")
            let city = try await app.token("city"), province = try await app.token("province")

            // Lists hold one county each.
            let districtsA = try await Self.get(app, admin, "/api/v1/districts").json
            let districtsB = try await Self.get(app, admin2, "/api/v1/districts").json
            #expect(Self.codes(districtsA) == ["D1", "D2"])
            #expect(Self.codes(districtsB) == ["D9"])
            #expect(Self.codes(try await Self.get(app, admin2, "/api/v1/schools").json) == ["T0009"])
            let teachersB = try await Self.get(app, admin2, "/api/v1/teachers")
            #expect(teachersB.text.contains("戊") && !teachersB.text.contains("丁") && !teachersB.text.contains("甲"))
            #expect(!(try await Self.get(app, admin, "/api/v1/teachers").text.contains("戊")))

            // Another county's ids: refused, both ways.
            #expect(try await Self.get(app, admin2, "/api/v1/schools/\(f.schools["T0003"]!)").status == .forbidden)
            #expect(try await Self.get(app, admin2, "/api/v1/teachers/\(f.teachers["丁"]!)").status == .notFound)
            #expect(try await Self.get(app, admin, "/api/v1/schools/\(b.school)").status == .forbidden)
            #expect(try await Self.get(app, admin2, "/api/v1/balance?standard=basic&stage=primary&district=\(f.districts["D2"]!)").status == .forbidden)
            #expect(try await Self.get(app, admin2, "/api/v1/balance?standard=basic&stage=primary&county=130481").status == .forbidden)
            // A transfer into another county's school is refused and nothing moves.
            let (h, body) = try jsonBody(["toSchoolId": f.schools["T0003"]!, "onDate": "2026-09-01", "reason": "调动", "version": 1])
            var headers = bearer(admin2); headers.contentType = .json
            _ = h
            let moved = try await app.testing().sendRequest(.POST, "/api/v1/teachers/\(b.teacher)/transfers", headers: headers, body: body)
            #expect(moved.status == .forbidden)
            #expect(try await RegistryStore.teacher(id: b.teacher, on: app.db)?.schoolId == b.school)
            // A new district of admin2's lands in its county.
            let (_, newDistrict) = try jsonBody(["code": "D10", "name": "新学区"])
            let created = try await app.testing().sendRequest(.POST, "/api/v1/districts", headers: headers, body: newDistrict)
            #expect(created.status == .created)
            #expect(try await AreaStore.county(ofDistrict: (try created.json()["id"] as? Int) ?? 0, on: app.db) == "130402")

            // Every module has learnt counties: certification answers with the county's own (none yet).
            let certificates = try await Self.get(app, admin2, "/api/v1/certificates")
            #expect(certificates.status == .ok && ((certificates.json["items"] as? [Any]) ?? [0]).isEmpty)

            // The tree by who reads it.
            #expect(Self.codes(try await Self.get(app, admin2, "/api/v1/areas").json) == ["13", "130400", "130402"])
            #expect(Self.codes(try await Self.get(app, admin, "/api/v1/areas").json) == ["13", "130400", "130481"])
            #expect(Self.codes(try await Self.get(app, city, "/api/v1/areas").json) == ["13", "130400", "130402", "130481"])
            #expect(Self.codes(try await Self.get(app, province, "/api/v1/areas").json) == ["13", "130400", "130402", "130481"])
            // The what-if page names no school of another county, even one asked for by its district.
            var h2 = HTTPHeaders()
            h2.cookie = try await Browser.login(app, "admin2")
            let whatIf = try await app.testing().sendRequest(
                .GET, "/balance/whatif?district=\(f.districts["D2"]!)&f=\(f.schools["T0003"]!):books:100", headers: h2)
            #expect(!whatIf.text.contains("二小学") && !whatIf.text.contains("一中心小学"), "\(whatIf.status)")
            // A year no calendar has is refused, not a crash (`?year=10000` once stopped the server).
            for path in ["/balance/rules?year=10000", "/balance/rules?year=0", "/balance/rules?year=-5"] {
                #expect(try await app.testing().sendRequest(.GET, path, headers: h2).status == .unprocessableEntity, "\(path)")
            }
            // A city or province reads figures, never the registry's people.
            #expect(try await Self.get(app, city, "/api/v1/teachers").status == .forbidden)
            #expect(try await Self.get(app, province, "/api/v1/schools/\(b.school)").status == .forbidden)
        }
    }

    @Test("the city's and province's comparison is each county's own dashboard", arguments: TestDB.all)
    func comparison(db: TestDB) async throws {
        try await withApp(db) { app, f in
            _ = try await Self.addSecondCounty(app, f)
            let own = ["130481": try await app.token("admin"), "130402": try await app.token("admin2")]
            let city = try await app.token("city"), province = try await app.token("province")
            for standard in ["basic", "quality"] {
                let q = "standard=\(standard)&stage=primary&year=2026"
                let byCity = try await Self.get(app, city, "/api/v1/balance/counties?\(q)")
                #expect(byCity.status == .ok)
                let items = (byCity.json["items"] as? [[String: Any]]) ?? []
                #expect(items.compactMap { ($0["county"] as? [String: Any])?["code"] as? String } == ["130402", "130481"])
                let byProvince = try await Self.get(app, province, "/api/v1/balance/counties?\(q)").json
                #expect(((byProvince["items"] as? [[String: Any]]) ?? []).count == 2)
                for item in items {
                    let code = (item["county"] as? [String: Any])?["code"] as? String ?? ""
                    let mine = try await Self.get(app, own[code]!, "/api/v1/balance?\(q)").json
                    let cityView = try await Self.get(app, city, "/api/v1/balance?\(q)&county=\(code)").json
                    func coefficients(_ j: [String: Any]) -> [String] {
                        ((j["coefficients"] as? [[String: Any]]) ?? []).map {
                            "\($0["indicator"] ?? "")=\(($0["value"] as? Double).map { String($0) } ?? "nil")/\($0["pass"] ?? "")"
                        }
                    }
                    #expect(coefficients(item) == coefficients(mine), "\(code) \(standard)")
                    #expect(coefficients(cityView) == coefficients(mine))
                    #expect(item["schools"] as? Int == mine["schools"] as? Int)
                    #expect(item["pass"] as? Bool == mine["pass"] as? Bool)
                    #expect((item["schools"] as? Int ?? 0) > 0)
                }
            }
            // The county's bureau has no comparison; a city names only its own counties.
            #expect(try await Self.get(app, own["130481"]!, "/api/v1/balance/counties?standard=basic&stage=primary").status == .forbidden)
            #expect(try await Self.get(app, city, "/api/v1/balance/counties?standard=basic&stage=primary&under=130100").status == .notFound)
            #expect(try await Self.get(app, city, "/api/v1/balance/counties?standard=basic&stage=primary&under=13").status == .forbidden)
            #expect(try await Self.get(app, city, "/api/v1/balance?standard=basic&stage=primary").status == .unprocessableEntity)
            #expect(try await Self.get(app, city, "/api/v1/balance?standard=basic&stage=primary&county=99x").status == .unprocessableEntity)
            // The page and its export, as the city.
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "city")
            let page = try await app.testing().sendRequest(.GET, "/balance/counties?standard=quality&stage=primary&sort=worst", headers: h)
            #expect(page.status == .ok)
            #expect(page.text.contains("邯山区") && page.text.contains("data-county=\"130481\""))
            let xlsx = try await app.testing().sendRequest(.GET, "/balance/counties/export?standard=basic&stage=primary", headers: h)
            #expect(xlsx.status == .ok)
            let table = try Spreadsheet.read(Data(buffer: xlsx.body), filename: "x.xlsx")
            #expect(table.rows.count == 3)
            #expect(table.rows.dropFirst().map { $0[3] }.sorted() == ["130402", "130481"])
            // A county's dashboard from the comparison's link, read-only.
            let dashboard = try await app.testing().sendRequest(.GET, "/balance?standard=basic&stage=primary&district=0&county=130402", headers: h)
            #expect(dashboard.status == .ok && dashboard.text.contains("邯山区"))
        }
    }

    /// The city's and province's comparison of the counties' work: each county's due teachers are
    /// its own bureau's eligible list, its quota the sum of its districts' (10%, rounded up each),
    /// its teachers its registry's; a foreign area or a county bureau is refused.
    @Test("the counties' work beside each other is each county's own figures", arguments: TestDB.all)
    func countyWork(db: TestDB) async throws {
        try await withApp(db) { app, f in
            _ = try await Self.addSecondCounty(app, f)
            let own = ["130481": try await app.token("admin"), "130402": try await app.token("admin2")]
            let city = try await app.token("city"), province = try await app.token("province")
            let byCity = try await Self.get(app, city, "/api/v1/reports/counties?year=2027")
            #expect(byCity.status == .ok)
            let items = byCity.json["items"] as? [[String: Any]] ?? []
            #expect(items.compactMap { $0["code"] as? String } == ["130402", "130481"])
            struct N: Decodable { let n: Int }
            for item in items {
                let code = item["code"] as? String ?? ""
                let due = try await Self.get(app, own[code]!, "/api/v1/exchange/eligible?year=2027").json["items"] as? [[String: Any]] ?? []
                #expect(item["eligible"] as? Int == due.count, "\(code)")
                let teachers = try await app.db.sql.raw(
                    "SELECT COUNT(*) AS n FROM teachers t JOIN districts d ON d.id = t.district_id WHERE d.county_code = \(bind: code)"
                ).first(decoding: N.self)?.n
                #expect(item["teachers"] as? Int == teachers, "\(code)")
                #expect((item["required"] as? Int ?? -1) >= (due.isEmpty ? 0 : 1) && (item["moved"] as? Int) == 0)
            }
            let byProvince = try await Self.get(app, province, "/api/v1/reports/counties?year=2027")
            #expect((byProvince.json["items"] as? [[String: Any]])?.count == 2)
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "province")
            let page = try await app.testing().sendRequest(.GET, "/reports/counties?year=2027", headers: h)
            #expect(page.status == .ok && page.body.string.contains("data-county=\"130402\"") && page.body.string.contains("邯郸市"))
            let sheet = try Spreadsheet.read(
                Data(buffer: try await app.testing().sendRequest(.GET, "/reports/counties?year=2027&format=xlsx", headers: h).body), filename: "c.xlsx")
            #expect(sheet.rows.count == 3)
            // Not another province's area, not a county bureau, not a malformed code.
            #expect(try await Self.get(app, city, "/api/v1/reports/counties?under=13").status == .forbidden)
            #expect(try await Self.get(app, own["130481"]!, "/api/v1/reports/counties").status == .forbidden)
            #expect(try await Self.get(app, province, "/api/v1/reports/counties?under=1304x").status == .unprocessableEntity)
            #expect(try await Self.get(app, province, "/api/v1/reports/counties?year=99999").status == .unprocessableEntity)
        }
    }

    @Test("each county's bureau manages its own county's accounts and reads what they did, nothing of another county's", arguments: TestDB.all)
    func accountsByCounty(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let b = try await Self.addSecondCounty(app, f)
            let admin2 = try await Browser.login(app, "admin2")
            // Its own county: a district account for D9 and a school account for T0009.
            var res = try await Browser.form(
                app, admin2, "/admin/users/new", ["username": "hs-d9", "displayName": "邯山学区管理员", "role": "district_admin", "districtId": String(b.district)])
            #expect(res.status == .ok, "\(res.text.prefix(300))")
            res = try await Browser.form(
                app, admin2, "/admin/users/new", ["username": "hs-s9", "displayName": "邯山小学校长", "role": "school_admin", "schoolCode": "T0009"])
            #expect(res.status == .ok)
            // Another county's district, school or teacher: refused, named, nothing written.
            for (fields, field) in [
                (["role": "district_admin", "districtId": String(f.districts["D1"]!)], "districtId"),
                (["role": "school_admin", "schoolCode": "T0001"], "schoolCode"),
                (["role": "teacher", "teacherResidentId": Fixture.residentID("19870404", 4)], "teacherResidentId"), (["role": "applicant"], "role"),
            ] {
                res = try await Browser.form(app, admin2, "/admin/users/new", fields.merging(["username": "intruder", "displayName": "越界"]) { a, _ in a })
                #expect(res.status == .unprocessableEntity, "\(fields)")
                #expect(res.text.contains(field == "role" ? "不属于某一个县" : "不在本县"), "\(fields)")
            }
            #expect(try await Accounts.user(username: "intruder", on: app.db) == nil)
            // The form offers its own districts only.
            let form = try await app.testing().sendRequest(
                .GET, "/admin/users/new",
                headers: {
                    var h = HTTPHeaders(); h.cookie = admin2; return h
                }())
            #expect(form.text.contains("邯山学区") && !form.text.contains("一学区"))
            // The list holds its county's accounts; another county's account is not found, nor reset.
            var h = HTTPHeaders()
            h.cookie = admin2
            let list = try await app.testing().sendRequest(.GET, "/admin/users", headers: h)
            #expect(list.text.contains("hs-d9") && list.text.contains("hs-s9") && list.text.contains("admin2"))
            for other in ["admin", "d1", "s1", "t1", "reviewer", "city"] { #expect(!list.text.contains(">\(other)<"), "\(other)") }
            let d1 = f.users["d1"]!
            #expect(try await app.testing().sendRequest(.GET, "/admin/users/\(d1)", headers: h).status == .notFound)
            let hashBefore = try await Accounts.user(id: d1, on: app.db)?.passwordHash
            #expect(try await Browser.form(app, admin2, "/admin/users/\(d1)/reset", [:]).status == .notFound)
            #expect(
                try await Browser.form(
                    app, admin2, "/admin/users/\(d1)", ["displayName": "x", "role": "district_admin", "districtId": String(b.district), "active": "on"]
                ).status == .notFound)
            #expect(try await Accounts.user(id: d1, on: app.db)?.passwordHash == hashBefore)
            #expect(try await Accounts.user(id: d1, on: app.db)?.districtId == f.districts["D1"])
            // Its own account moves only within its county.
            let made = try #require(try await Accounts.user(username: "hs-d9", on: app.db))
            res = try await Browser.form(
                app, admin2, "/admin/users/\(made.id)",
                ["displayName": "x", "role": "district_admin", "districtId": String(f.districts["D2"]!), "active": "on"])
            #expect(res.status == .unprocessableEntity)
            #expect(try await Accounts.user(id: made.id, on: app.db)?.districtId == b.district)

            // The log: what its county's accounts did, not what county A's did.
            let admin = try await Browser.login(app, "admin")
            _ = try await Browser.form(
                app, admin, "/admin/users/new",
                ["username": "a-secret", "displayName": "甲县新账户", "role": "district_admin", "districtId": String(f.districts["D1"]!)])
            let log2 = try await app.testing().sendRequest(.GET, "/admin/audit", headers: h)
            #expect(log2.status == .ok)
            // Its own bureau's sign-in and new accounts are there; county A's bureau (局管理员) is not,
            // in the rows or among the names to filter by.
            #expect(log2.text.contains("邯山区教育局") && log2.text.contains("新建了账号"))
            #expect(!log2.text.contains(">局管理员 ") && !log2.text.contains("（admin）"))
            // Asking for county A's bureau by name finds nothing.
            let byName = try await app.testing().sendRequest(.GET, "/admin/audit?actor=admin", headers: h)
            #expect(byName.status == .ok && byName.text.contains("共 0 条"))
            // The only bureau of a database, or county A's, still reads its own.
            var ha = HTTPHeaders()
            ha.cookie = admin
            let logA = try await app.testing().sendRequest(.GET, "/admin/audit", headers: ha)
            #expect(logA.text.contains(">局管理员 新建了账号") && !logA.text.contains("邯山区教育局"))
            // The home page's recent lines follow the same rule.
            let home2 = try await app.testing().sendRequest(.GET, "/", headers: h)
            #expect(home2.text.contains(">邯山区教育局 新建了账号") && !home2.text.contains(">局管理员 "))
        }
    }

    @Test("each county's bureau runs its own county's internship batches: schools, supervisors and interns of its county only", arguments: TestDB.all)
    func internshipByCounty(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let b = try await Self.addSecondCounty(app, f)
            let admin = try await Browser.login(app, "admin"), admin2 = try await Browser.login(app, "admin2")
            struct N: Decodable { let n: Int }
            func count(_ sql: SQLQueryString) async throws -> Int { try await app.db.sql.raw("SELECT COUNT(*) AS n FROM " + sql).first(decoding: N.self)!.n }
            struct Batch: Decodable { let id: Int; let countyCode: String? }
            func batch(_ name: String) async throws -> Batch? {
                try await app.db.sql.raw("SELECT id, county_code FROM intern_batches WHERE name = \(bind: name)").first(
                    decoding: Batch.self, with: SQLRowDecoder.snakeCase)
            }
            func flash(_ r: TestingHTTPResponse) -> String { r.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding ?? "" }
            var h2 = HTTPHeaders()
            h2.cookie = admin2
            var ha = HTTPHeaders()
            ha.cookie = admin

            // Each bureau sets up a batch; each batch is its county's.
            #expect(try await Browser.form(app, admin2, "/internship/universities", ["code": "10102", "name": "邯郸学院"]).status == .seeOther)
            struct U: Decodable { let id: Int }
            let university = try #require(try await app.db.sql.raw("SELECT id FROM intern_universities WHERE code = '10102'").first(decoding: U.self)).id
            for (cookies, name) in [(admin2, "邯山区秋季实习"), (admin, "武安市秋季实习")] {
                let r = try await Browser.form(
                    app, cookies, "/internship/batches", ["universityId": String(university), "name": name, "startsOn": "2026-09-07"])
                #expect(r.status == .seeOther, "\(flash(r))")
            }
            let batchB = try #require(try await batch("邯山区秋季实习")), batchA = try #require(try await batch("武安市秋季实习"))
            #expect(batchB.countyCode == "130402" && batchA.countyCode == "130481")
            // Another county's batch is not there; the set-up page lists its own.
            #expect(try await app.testing().sendRequest(.GET, "/internship/batches/\(batchA.id)", headers: h2).status == .notFound)
            #expect(try await app.testing().sendRequest(.GET, "/internship/batches/\(batchB.id)", headers: ha).status == .notFound)
            #expect(try await app.testing().sendRequest(.GET, "/internship/batches/\(batchA.id)/export", headers: h2).status == .notFound)
            let setup = try await app.testing().sendRequest(.GET, "/internship/setup", headers: h2).text
            #expect(setup.contains("邯山区秋季实习") && !setup.contains("武安市秋季实习"))
            #expect(
                try await Browser.form(app, admin2, "/internship/batches/\(batchA.id)/capacity", ["schoolCode": "T0009", "subject": "chinese", "places": "2"])
                    .status == .notFound)

            // Host places: its own county's schools only.
            var r = try await Browser.form(
                app, admin2, "/internship/batches/\(batchB.id)/capacity", ["schoolCode": "T0001", "subject": "chinese", "places": "2"])
            #expect(flash(r).contains("不在本批次所在县"), "\(r.status) \(r.headers) \(r.text.prefix(500))")
            r = try await Browser.form(app, admin2, "/internship/batches/\(batchB.id)/capacity", ["schoolCode": "T0009", "subject": "chinese", "places": "2"])
            #expect(try await count("intern_capacity WHERE batch_id = \(bind: batchB.id)") == 1)
            #expect(try await count("intern_capacity WHERE batch_id = \(bind: batchB.id) AND school_id = \(bind: b.school)") == 1)
            // The same places declared twenty times at once: each answered (saved, or told to reload), one row.
            let csrf = try await Browser.csrfToken(app, cookies: admin2)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for n in 0..<20 {
                    group.addTask {
                        var h = HTTPHeaders()
                        h.cookie = admin2
                        h.contentType = .urlEncodedForm
                        let body = ByteBuffer(string: "_csrf=\(csrf)&schoolCode=T0009&subject=chinese&places=\(n % 5 + 1)")
                        return try await app.testing().sendRequest(.POST, "/internship/batches/\(batchB.id)/capacity", headers: h, body: body).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .seeOther }, "\(statuses)")
            #expect(try await count("intern_capacity WHERE batch_id = \(bind: batchB.id)") == 1)

            // Supervisors: its own county's accounts (made in its account list), not another's.
            r = try await Browser.form(app, admin2, "/internship/batches/\(batchB.id)/groups", ["name": "第一组", "supervisor": "supervisor"])
            #expect(flash(r).contains("不属于本县"))
            let made = try await Browser.form(app, admin2, "/admin/users/new", ["username": "hs-sup", "displayName": "邯郸学院带队教师", "role": "supervisor"])
            #expect(made.status == .ok)
            #expect(try await Accounts.user(username: "hs-sup", on: app.db)?.areaCode == "130402")
            r = try await Browser.form(app, admin2, "/internship/batches/\(batchB.id)/groups", ["name": "第一组", "supervisor": "hs-sup"])
            #expect(try await count("intern_groups WHERE batch_id = \(bind: batchB.id)") == 1, "\(flash(r))")

            // The university's list: a preference for another county's school is a named row
            // error and nothing is imported; its own imports, each account bound to the county.
            func upload(_ csv: String) async throws -> TestingHTTPResponse {
                let csrf = try await Browser.csrfToken(app, cookies: admin2)
                var (h, body) = multipart(file: Data(csv.utf8), filename: "interns.csv", extra: ["_csrf": csrf])
                h.cookie = admin2
                return try await app.testing().sendRequest(.POST, "/internship/batches/\(batchB.id)/import", headers: h, body: body)
            }
            r = try await upload("学号,姓名,专业,实习学科,志愿1,小组\n2026001,赵一,汉语言文学,语文,T0001,第一组\n")
            #expect(flash(r).contains("第2行 志愿1"), "\(flash(r))")
            #expect(try await count("interns") == 0)
            r = try await upload("学号,姓名,专业,实习学科,志愿1,小组\n2026001,赵一,汉语言文学,语文,T0009,第一组\n")
            #expect(r.status == .ok, "\(flash(r))")
            #expect(try await Accounts.user(username: "10102-2026001", on: app.db)?.areaCode == "130402")
            struct I: Decodable { let id: Int }
            let intern = try #require(try await app.db.sql.raw("SELECT id FROM interns WHERE student_no = '2026001'").first(decoding: I.self)).id
            // Placed at its own county's school only.
            r = try await Browser.form(app, admin2, "/internship/interns/\(intern)/place", ["schoolCode": "T0003", "version": "1"])
            #expect(flash(r).contains("不在本批次所在县"), "\(r.status) \(flash(r)) \(r.headers)")
            // County A's bureau: neither the intern nor the batch.
            #expect(try await app.testing().sendRequest(.GET, "/internship/interns/\(intern)", headers: ha).status == .notFound)
            #expect(try await Browser.form(app, admin, "/internship/interns/\(intern)/place", ["schoolCode": "T0001", "version": "1"]).status == .notFound)
            #expect(!(try await app.testing().sendRequest(.GET, "/internship", headers: ha).text.contains("赵一")))
            #expect(try await app.testing().sendRequest(.GET, "/internship?batch=\(batchB.id)", headers: ha).status == .notFound)
            #expect(try await app.testing().sendRequest(.GET, "/internship", headers: h2).text.contains("赵一"))
            // Its own county's accounts list shows the supervisor and the intern.
            let accounts = try await app.testing().sendRequest(.GET, "/admin/users", headers: h2).text
            #expect(accounts.contains("hs-sup") && accounts.contains("10102-2026001"))
        }
    }

    @Test("each county's bureau runs its own county's inspection: its schools, its entries, its survey; a recode carries them", arguments: TestDB.all)
    func inspectionByCounty(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let b = try await Self.addSecondCounty(app, f)
            let admin = try await app.token("admin"), admin2 = try await app.token("admin2")
            func call(_ method: HTTPMethod, _ path: String, _ token: String, _ body: [String: Any]? = nil) async throws -> (HTTPStatus, [String: Any]) {
                let payload = try body.map { try jsonBody($0).1 }
                let res = try await app.testing().sendRequest(method, path, headers: bearer(token, json: payload != nil), body: payload)
                return (res.status, (try? res.json()) ?? [:])
            }
            /// Every school a readiness names as failing, and whether veto V1 is declared triggered.
            func read(_ token: String) async throws -> (schools: Set<Int>, v1: Bool?) {
                let (status, j) = try await call(.GET, "/api/v1/inspection?year=2026", token)
                #expect(status == .ok)
                let indicators = ((j["aspects"] as? [[String: Any]]) ?? []).flatMap { ($0["indicators"] as? [[String: Any]]) ?? [] }
                #expect(indicators.count == 32)
                let ids = indicators.flatMap { ($0["failing"] as? [[String: Any]]) ?? [] }.compactMap { $0["schoolId"] as? Int }
                let v1 = ((j["vetoes"] as? [[String: Any]]) ?? []).first { $0["code"] as? String == "V1" }?["triggered"] as? Bool
                return (Set(ids), v1)
            }
            let schoolsA = Set(f.schools.values)
            var (seenB, v1B) = try await read(admin2)
            #expect(!seenB.isEmpty && seenB.isSubset(of: [b.school]), "\(seenB)")
            let (seenA, _) = try await read(admin)
            #expect(!seenA.isEmpty && seenA.isSubset(of: schoolsA), "\(seenA)")
            #expect(v1B == false)

            // County B declares a veto; county A's inspection does not show it.
            #expect(try await call(.PUT, "/api/v1/inspection/entries/V1", admin2, ["year": 2026, "met": "true", "note": "邯山区"]).0 == .noContent)
            (seenB, v1B) = try await read(admin2)
            #expect(v1B == true)
            #expect(try await read(admin).v1 == false)
            // The same entry twenty times at once: each answered, never a 500, one row kept.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<20 { group.addTask { try await call(.PUT, "/api/v1/inspection/entries/V2", admin2, ["year": 2026, "met": "false"]).0 } }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .noContent || $0 == .conflict }, "\(statuses)")
            struct N: Decodable { let n: Int }
            #expect(
                try await app.db.sql.raw("SELECT COUNT(*) AS n FROM inspection_county_entries WHERE county_code = '130402' AND code = 'V2'").first(
                    decoding: N.self)?.n == 1)

            // Survey rounds: its own schools' codes; another county's round is not there.
            let (opened, round) = try await call(
                .POST, "/api/v1/inspection/survey/rounds", admin2, ["year": 2026, "name": "邯山区满意度调查", "perSchool": ["parent": 3]])
            #expect(opened == .created)
            #expect(round["codes"] as? Int == 3, "one school of county B, three codes")
            let roundId = try #require(round["id"] as? Int)
            #expect(try await call(.GET, "/api/v1/inspection/survey/rounds/\(roundId)", admin).0 == .notFound)
            #expect(try await call(.POST, "/api/v1/inspection/survey/rounds/\(roundId)/close", admin).0 == .notFound)
            #expect((try await call(.GET, "/api/v1/inspection/survey/rounds", admin).1["items"] as? [Any])?.isEmpty == true)
            #expect((try await call(.GET, "/api/v1/inspection/survey/rounds", admin2).1["items"] as? [Any])?.count == 1)
            // The questionnaire every county reads is not one county's to change; the thresholds
            // are set by area (`inspectionRulesByArea`): its own version is offered.
            let cookies2 = try await Browser.login(app, "admin2")
            #expect(try await Browser.form(app, cookies2, "/inspection/survey/questions", ["group": "parent", "questions": "您对学校满意吗？"]).status == .forbidden)
            var h2 = HTTPHeaders()
            h2.cookie = cookies2
            let rulesPage = try await app.testing().sendRequest(.GET, "/inspection/rules", headers: h2).text
            #expect(rulesPage.contains("name=\"effectiveFrom\"") && rulesPage.contains("新增邯山区的版本"))

            // County B given its real code: its entries, its round and its batch follow.
            try await app.db.sql.raw("INSERT INTO intern_universities (code, name) VALUES ('10999', '某学院')").run()
            try await app.db.sql.raw(
                """
                INSERT INTO intern_batches (university_id, name, starts_on, weeks, observations_per_week, weight_teaching, weight_class, weight_other, created_at, county_code)
                VALUES ((SELECT id FROM intern_universities WHERE code = '10999'), 'x', '2026-09-01', 'teaching', 4, 50, 30, 20, 0, '130402')
                """
            ).run()
            try await app.writeGate.transaction(on: app.db) { tx in
                _ = try await AreasCommand.recode(app, from: "130402", to: "130403", name: "邯山区", parent: "130400", on: tx, now: 0)
            }
            let recoded = try await app.token("admin2")
            #expect(try await read(recoded).v1 == true)
            #expect((try await call(.GET, "/api/v1/inspection/survey/rounds", recoded).1["items"] as? [Any])?.count == 1)
            struct C: Decodable { let countyCode: String? }
            #expect(
                try await app.db.sql.raw("SELECT county_code FROM intern_batches WHERE name = 'x'").first(decoding: C.self, with: SQLRowDecoder.snakeCase)?
                    .countyCode == "130403")
        }
    }

    @Test("each county's bureau runs its own county's teaching research: county groups and their 通案, training, its office, activities", arguments: TestDB.all)
    func teachingByCounty(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let b = try await Self.addSecondCounty(app, f)
            let hash = try await Accounts.hashPassword(Fixture.password, app: app)
            _ = try await Accounts.insertUser(
                .init(username: "t9", displayName: "戊老师", role: .teacher, districtId: b.district, schoolId: b.school, teacherId: b.teacher), passwordHash: hash,
                on: app.db, now: app.clock.now())
            func service(_ username: String) async throws -> TeachingService {
                let u = try #require(try await Accounts.user(username: username, on: app.db))
                return TeachingService(app.context(actor: try await app.actor(for: u, on: app.db)))
            }
            let admin = try await service("admin"), admin2 = try await service("admin2"), t9 = try await service("t9"), t1 = try await service("t1")

            // A county group of county B: its leader and members are B's; A's bureau does not see it.
            await #expect(throws: DomainError.self) {
                _ = try await admin2.createGroup(name: "越界组", level: "county", subject: "chinese", leader: f.teachers["甲"], members: [], reviewLevels: 1)
            }
            let group = try await admin2.createGroup(name: "邯山区语文中心组", level: "county", subject: "chinese", leader: b.teacher, members: [], reviewLevels: 1)
            #expect(try await admin2.groups().map(\.id).contains(group))
            #expect(!(try await admin.groups().map(\.id).contains(group)))
            #expect(!(try await t1.groups().map(\.id).contains(group)))

            // Its 通案, released: county B's teachers and office read it; county A's teachers and bureau do not.
            let plan = try await t9.create(
                PlanDraft(kind: "common", title: "邯山区《秋天的雨》通案", subject: "chinese", grade: "三年级", sections: ["教学目标": "感受秋天的美"], groupId: group))
            try await app.db.sql.raw("UPDATE lesson_plans SET state = 'released', release_on = '2020-01-01' WHERE id = \(bind: plan.id)").run()
            #expect(try await t9.plan(id: plan.id).id == plan.id)
            #expect(try await admin2.plan(id: plan.id).id == plan.id)
            await #expect(throws: DomainError.self) { _ = try await t1.plan(id: plan.id) }
            await #expect(throws: DomainError.self) { _ = try await admin.plan(id: plan.id) }
            #expect(!(try await t1.list(kind: nil, subject: nil, grade: nil, q: nil).map(\.plan.id).contains(plan.id)))
            #expect(!(try await t1.list(kind: nil, subject: nil, grade: nil, q: "秋天").map(\.plan.id).contains(plan.id)))
            #expect(try await admin2.list(kind: nil, subject: nil, grade: nil, q: nil).map(\.plan.id).contains(plan.id))
            let token1 = try await app.token("t1")
            #expect(try await Self.get(app, token1, "/api/v1/lesson-plans/\(plan.id)").status == .notFound)

            // Training: its programmes, its schools.
            let programme = try await admin2.createProgramme(name: "邯山区暑期全员培训", kind: "summer", startsOn: "2026-07-10", endsOn: "2026-07-20", hours: 24)
            #expect(try await admin2.programmes().map(\.id) == [programme])
            #expect(!(try await admin.programmes().map(\.id).contains(programme)))
            await #expect(throws: DomainError.self) { _ = try await admin2.enrol(programmeId: programme, schoolCodes: ["T0001"]) }
            #expect(try await admin2.enrol(programmeId: programme, schoolCodes: ["T0009"]) == 1)
            await #expect(throws: DomainError.self) { _ = try await admin.enrol(programmeId: programme, schoolCodes: ["T0001"]) }
            await #expect(throws: DomainError.self) { try await admin.attendance(programmeId: programme, attended: [f.teachers["甲"]!]) }

            // The teaching office: each county its own; its researchers work in it.
            // The office set up twenty times at once: one office, the others told it exists.
            let made = await withTaskGroup(of: Int?.self) { group in
                for _ in 0..<20 { group.addTask { try? await admin2.createUnit(level: "county", districtId: nil, name: "邯山区教研室") } }
                return await group.reduce(into: [Int]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(made.count == 1, "\(made)")
            let officeB = try #require(made.first)
            let officeA = try await admin.createUnit(level: "county", districtId: nil, name: "武安市教研室")
            #expect(try await admin2.units().map(\.0.id) == [officeB])
            #expect(!(try await admin.units().map(\.0.id).contains(officeB)))
            await #expect(throws: DomainError.self) { try await admin2.addResearcher(unitId: officeB, teacherId: f.teachers["甲"], subject: nil) }
            await #expect(throws: DomainError.self) { try await admin2.addResearcher(unitId: officeA, teacherId: b.teacher, subject: nil) }
            try await admin2.addResearcher(unitId: officeB, teacherId: b.teacher, subject: "chinese")
            // County B's researcher is its county's office: B's plans, not A's.
            let researcher = try await service("t9")
            #expect(try await researcher.office(try #require(researcher.ctx.actor)) == .districts([b.district]))

            // A county activity inviting the subject's teachers invites county B's only.
            let today = app.clock.now()
            let day = ISO8601DateFormatter().string(from: today.addingTimeInterval(7 * 86400)).prefix(10)
            let x = try await admin2.createActivity(
                ActivityDraft(
                    kind: "activity", subject: "chinese", title: "邯山区语文教研", startsAt: "\(day) 09:00", endsAt: "\(day) 11:00", place: "邯山小学", inviteSubject: true
                ))
            #expect(x.countyCode == "130402")
            #expect(try await admin2.attendees(activityId: x.id).map(\.teacherId) == [b.teacher])
            await #expect(throws: DomainError.self) { _ = try await t1.activity(id: x.id) }
            await #expect(throws: DomainError.self) { _ = try await admin.activity(id: x.id) }
            #expect(!(try await t1.activities().map(\.id).contains(x.id)))
            #expect(try await t9.activities().map(\.id).contains(x.id))
        }
    }

    @Test("each county's bureau writes its own county's year summary: its figures, its texts, its certifying body's section", arguments: TestDB.all)
    func summaryByCounty(db: TestDB) async throws {
        try await withApp(db) { app, f in
            // County A's body, with the demo's closed window of decided applications.
            let today = CivilDate.today(app.clock.now())
            try await app.writeGate.transaction(on: app.db) { tx in
                try await CertificationDemo.seed(on: tx, today: today, now: app.clock.now().timeIntervalSince1970, applicantUserId: nil)
            }
            _ = try await Self.addSecondCounty(app, f)
            let admin = try await app.token("admin"), admin2 = try await app.token("admin2")
            func figures(_ token: String) async throws -> (figures: [String: Any], titles: [String]) {
                let (status, j, text) = try await Self.get(app, token, "/api/v1/reports/summary?year=2026")
                #expect(status == .ok, "\(text.prefix(300))")
                return ((j["figures"] as? [String: Any]) ?? [:], ((j["sections"] as? [[String: Any]]) ?? []).compactMap { $0["title"] as? String })
            }
            let (b, titlesB) = try await figures(admin2)
            let (a, titlesA) = try await figures(admin)
            // Each county's own registry: B has one district, one school and one teacher.
            #expect(b["districts"] as? Int == 1 && a["districts"] as? Int == 2)
            #expect(b["teachers"] as? Int == 1)
            #expect(a["teachers"] as? Int == (try await Self.get(app, admin, "/api/v1/teachers").json["total"] as? Int))
            #expect(((b["schools"] as? [String: Any])?["end"] as? Int) == 1)
            // Each county's certifying body: B's has decided nothing, A's figures are its windows'.
            #expect(titlesB.contains { $0.contains("教师资格认定") } && titlesA.count == titlesB.count)
            #expect((b["certification"] as? [String: Any])?["applied"] as? Int == 0)
            let a2025 = (try await Self.get(app, admin, "/api/v1/reports/summary?year=\(today.adding(days: -170).year)").json["figures"] as? [String: Any])?[
                "certification"]
            let b2025 = (try await Self.get(app, admin2, "/api/v1/reports/summary?year=\(today.adding(days: -170).year)").json["figures"] as? [String: Any])?[
                "certification"]
            #expect(
                ((a2025 as? [String: Any])?["applied"] as? Int ?? 0) > 0 && (b2025 as? [String: Any])?["applied"] as? Int == 0,
                "\(String(describing: a2025)) \(String(describing: b2025))")
            // The city's comparison counts each county's body as the county's own summary does.
            let work = try await Self.get(app, try await app.token("city"), "/api/v1/reports/counties?year=\(today.adding(days: -170).year)").json
            let rows = Dictionary(uniqueKeysWithValues: ((work["items"] as? [[String: Any]]) ?? []).map { ($0["code"] as? String ?? "", $0) })
            #expect(rows["130481"]?["certApplied"] as? Int == (a2025 as? [String: Any])?["applied"] as? Int)
            #expect(rows["130481"]?["certified"] as? Int == (a2025 as? [String: Any])?["certified"] as? Int)
            #expect(rows["130402"]?["certApplied"] as? Int == 0)
            // Its texts are its own.
            let cookies2 = try await Browser.login(app, "admin2")
            #expect(try await Browser.form(app, cookies2, "/reports/summary/sections/system?year=2026", ["text": "邯山区共有{districts}个学区。"]).status == .seeOther)
            let textB = try await Self.get(app, admin2, "/api/v1/reports/summary?year=2026").text
            let textA = try await Self.get(app, admin, "/api/v1/reports/summary?year=2026").text
            #expect(textB.contains("邯山区共有1个学区。") && !textA.contains("邯山区"))
            // Its certification section is its own to write.
            let cert = try await Browser.form(app, cookies2, "/reports/summary/sections/certification?year=2026", ["text": "邯山区认定了{certification.applied}人"])
            #expect(cert.status == .seeOther && !(cert.headers.setCookie?[FlashCookie.name]?.string.hasPrefix("%21") ?? true))
            #expect(try await Self.get(app, admin2, "/api/v1/reports/summary?year=2026").text.contains("邯山区认定了0人"))
            #expect(!(try await Self.get(app, admin, "/api/v1/reports/summary?year=2026").text.contains("邯山区认定了")))
            // Another county's district: refused.
            #expect(try await Self.get(app, admin2, "/api/v1/reports/summary?year=2026&district=\(f.districts["D1"]!)").status == .forbidden)
        }
    }

    @Test("the comparisons' under= is checked alike on every page and API: a bad code is named, not dropped", arguments: [TestDB.sqlite])
    func underChecked(db: TestDB) async throws {
        try await withApp(db) { app, f in
            _ = try await Self.addSecondCounty(app, f)
            let token = try await app.token("province")
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "province")
            for path in ["/balance/counties?under=abc", "/reports/counties?under=1304", "/balance/counties?under=13x"] {
                let res = try await app.testing().sendRequest(.GET, path, headers: h)
                #expect(res.status == .unprocessableEntity && res.text.contains("行政区划代码"), "\(path): \(res.status)")
            }
            for path in ["/api/v1/balance/counties?standard=basic&stage=primary&under=abc", "/api/v1/reports/counties?under=1304"] {
                #expect(try await Self.get(app, token, path).status == .unprocessableEntity, "\(path)")
            }
            #expect(try await app.testing().sendRequest(.GET, "/balance/counties?under=130400", headers: h).status == .ok)
        }
    }

    @Test("each county's bureau runs its own county's exchange: lists, plans, approvals, alliances; the rules stay the database's", arguments: TestDB.all)
    func exchangeByCounty(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let b = try await Self.addSecondCounty(app, f)
            let admin = try await app.token("admin"), admin2 = try await app.token("admin2"), d1 = try await app.token("d1")
            func call(_ method: HTTPMethod, _ path: String, _ token: String, _ body: [String: Any]? = nil) async throws -> (HTTPStatus, [String: Any]) {
                let payload = try body.map { try jsonBody($0).1 }
                let res = try await app.testing().sendRequest(method, path, headers: bearer(token, json: payload != nil), body: payload)
                return (res.status, (try? res.json()) ?? [:])
            }
            func due(_ token: String) async throws -> Set<Int> {
                let items = try await call(.GET, "/api/v1/exchange/eligible?year=2027", token).1["items"] as? [[String: Any]] ?? []
                return Set(items.compactMap { $0["teacherId"] as? Int })
            }
            // Each bureau's due list is its county's: 戊 (2016) in B; 甲, 丙, 丁 in A.
            #expect(try await due(admin2) == [b.teacher])
            #expect(try await due(admin) == [f.teachers["甲"]!, f.teachers["丙"]!, f.teachers["丁"]!])
            #expect(try await call(.GET, "/api/v1/exchange/eligible?year=2027&district=\(f.districts["D1"]!)", admin2).0 == .forbidden)

            // District one plans and submits; county A's bureau sees and approves it, B's neither.
            let (created, plan) = try await call(
                .POST, "/api/v1/exchange/plans", d1,
                [
                    "year": 2027,
                    "moves": [
                        ["teacherId": f.teachers["甲"]!, "toSchoolId": f.schools["T0002"]!, "form": "transfer", "startsOn": "2027-09-01", "toPart": "junior"]
                    ],
                ])
            #expect(created == .created)
            let id = try #require(plan["id"] as? Int)
            #expect(try await call(.POST, "/api/v1/exchange/plans/\(id)/events", d1, ["event": "submit", "version": 1]).0 == .ok)
            let listed2 = try await call(.GET, "/api/v1/exchange/plans", admin2).1["items"] as? [[String: Any]] ?? []
            #expect(listed2.isEmpty)
            #expect(try await call(.GET, "/api/v1/exchange/plans/\(id)", admin2).0 == .notFound)
            #expect(try await call(.POST, "/api/v1/exchange/plans/\(id)/events", admin2, ["event": "approve", "version": 2]).0 == .notFound)
            let listed = try await call(.GET, "/api/v1/exchange/plans", admin).1["items"] as? [[String: Any]] ?? []
            #expect(listed.compactMap { $0["id"] as? Int } == [id])
            #expect(try await call(.POST, "/api/v1/exchange/plans/\(id)/events", admin, ["event": "approve", "version": 2]).0 == .ok)

            // B's bureau plans district by district, in its own districts only.
            let noDistrict = try await call(.POST, "/api/v1/exchange/plans", admin2, ["year": 2027, "moves": [[String: Any]]()])
            #expect(noDistrict.0 == .unprocessableEntity && (noDistrict.1["fields"] as? [String: Any])?["district"] != nil)
            #expect(
                try await call(.POST, "/api/v1/exchange/plans", admin2, ["year": 2027, "district": f.districts["D1"]!, "moves": [[String: Any]]()]).0
                    == .forbidden)
            // Its own district passes: what is left to say is that a plan needs a move.
            let own = try await call(.POST, "/api/v1/exchange/plans", admin2, ["year": 2027, "district": b.district, "moves": [[String: Any]]()])
            #expect(own.0 == .unprocessableEntity && (own.1["fields"] as? [String: Any])?.keys.sorted() == ["moves"], "\(own.1)")

            // The year's report: A's approved move counts in A's quotas, not in B's page.
            var pageHeaders = HTTPHeaders()
            pageHeaders.cookie = try await Browser.login(app, "admin2")
            let page2 = try await app.testing().sendRequest(.GET, "/exchange?year=2027", headers: pageHeaders)
            #expect(page2.status == .ok && page2.text.contains("邯山学区") && !page2.text.contains("一学区") && !page2.text.contains("一中心小学"))
            let planner = try await app.testing().sendRequest(.GET, "/exchange/plans/new?year=2027", headers: pageHeaders)
            #expect(planner.status == .ok && planner.text.contains("邯山学区") && !planner.text.contains("一学区"))

            // Alliances: only its own schools, another county's named by number; the rules are not B's to publish.
            let alliance = try await Browser.form(
                app, pageHeaders.cookie!, "/exchange/alliances",
                ["name": "跨县联盟", "kind": "pairing", "leadSchoolId": String(b.school), "members[]": String(f.schools["T0001"]!)])
            #expect(alliance.status == .unprocessableEntity && alliance.text.contains("不在本县") && !alliance.text.contains("一中心小学"))
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM exchange_alliances").first(decoding: N.self)?.n == 0)
            let rules = try await Browser.form(app, pageHeaders.cookie!, "/exchange/rules", ["effectiveFrom": "2027-01-01", "note": "县文件"])
            #expect(rules.status == .forbidden)
        }
    }

    /// Every route of the authorization matrix, as the other county's bureau, the city and the
    /// province, with county A's ids: nothing of A shows, nothing of A is written.
    @Test("each county certifies through its own body: its windows, applications, queue and figures; the prefecture its city's", arguments: TestDB.all)
    func certificationByCounty(db: TestDB) async throws {
        try await withApp(db) { app, f in
            // County A's bodies (bound to 130481 and 130400, the database's only county then).
            let w = try await CertificationDemo.bodiesAndWindows(on: app.db, today: CivilDate.today(app.clock.now()))
            _ = try await Self.addSecondCounty(app, f)
            let admin = try await app.token("admin"), admin2 = try await app.token("admin2")
            func call(_ method: HTTPMethod, _ path: String, _ token: String, _ body: [String: Any]? = nil) async throws -> (HTTPStatus, [String: Any]) {
                let payload = try body.map { try jsonBody($0).1 }
                let res = try await app.testing().sendRequest(method, path, headers: bearer(token, json: payload != nil), body: payload)
                return (res.status, (try? res.json()) ?? [:])
            }
            /// The applications a user's list and queue hold (the list has no API; the pages use these).
            func listed(_ username: String) async throws -> Set<Int> {
                let u = try #require(try await Accounts.user(username: username, on: app.db))
                let service = CertificationService(app.context(actor: try await app.actor(for: u, on: app.db)))
                let list = Set(try await service.list(window: nil, state: nil, page: PageSpec(page: 1, per: 50)).items.map(\.id))
                let queue = Set(try await service.queue(window: nil, step: nil, page: PageSpec(page: 1, per: 50)).items.items.map(\.application.id))
                #expect(list == queue, "\(username): the list \(list), the queue \(queue)")
                return list
            }
            func ids(_ j: [String: Any]) -> Set<Int> { Set(((j["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }) }
            func draft(_ rid: String, window: Int, type: String = "primary") -> [String: Any] {
                [
                    "name": "申请人乙", "residentId": rid, "type": type, "subject": "math", "education": "bachelor", "normalGraduate": false,
                    "putonghua": "2B", "route": "national_exam", "physicalExam": "pass", "examPassedOn": "2025-06-01", "windowId": window,
                ]
            }

            // County B sets up its own body: twenty at once make one; a prefecture body is not its to set up.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for k in 0..<20 {
                    group.addTask {
                        try await call(
                            .POST, "/api/v1/certification/bodies", admin2, ["code": String(format: "13%03d", 500 + k), "name": "邯山区教育局", "level": "county"]
                        ).0
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1 && statuses.allSatisfy { $0 == .created || $0 == .conflict }, "\(statuses)")
            #expect(
                try await call(.POST, "/api/v1/certification/bodies", admin2, ["code": "13599", "name": "某市", "level": "prefecture"]).0 == .unprocessableEntity)
            let bodiesB = try await call(.GET, "/api/v1/certification/bodies", admin2).1
            #expect(ids(bodiesB).count == 1 && !ids(bodiesB).contains(w.county))
            let bodyB = ids(bodiesB).first!
            // Its windows are its body's: A's body is refused by name.
            let today = CivilDate.today(app.clock.now())
            let windowBody: (Int) -> [String: Any] = {
                [
                    "bodyId": $0, "name": "邯山秋季", "opensOn": today.adding(days: -5).description, "closesOn": today.adding(days: 20).description,
                    "types": ["primary", "senior"],
                ]
            }
            let refused = try await call(.POST, "/api/v1/certification/windows", admin2, windowBody(w.county))
            #expect(refused.0 == .unprocessableEntity && (refused.1["fields"] as? [String: Any])?["bodyId"] != nil)
            let (made, wB) = try await call(.POST, "/api/v1/certification/windows", admin2, windowBody(bodyB))
            #expect(made == .created)
            let windowB = wB["id"] as! Int
            #expect(ids(try await call(.GET, "/api/v1/certification/windows", admin2).1) == [windowB])
            #expect(ids(try await call(.GET, "/api/v1/certification/windows", admin).1) == [w.closed, w.open])

            // Each bureau files in its own windows only.
            #expect(
                try await call(.POST, "/api/v1/certification/applications", admin2, draft(Fixture.residentID("19980101", 41), window: w.open)).0
                    == .unprocessableEntity)
            let (sa, a) = try await call(
                .POST, "/api/v1/certification/applications", admin, draft(Fixture.residentID("19980101", 41), window: w.open, type: "senior"))
            let (sb, b) = try await call(
                .POST, "/api/v1/certification/applications", admin2, draft(Fixture.residentID("19980202", 42), window: windowB, type: "senior"))
            #expect(sa == .created && sb == .created)
            let idA = a["id"] as! Int, idB = b["id"] as! Int
            // Neither reads, lists, counts nor acts on the other's.
            #expect(try await call(.GET, "/api/v1/certification/applications/\(idA)", admin2).0 == .notFound)
            #expect(try await call(.GET, "/api/v1/certification/applications/\(idB)", admin).0 == .notFound)
            #expect(try await call(.POST, "/api/v1/certification/applications/\(idA)/events", admin2, ["event": "submit", "version": 1]).0 == .notFound)
            #expect(try await listed("admin2") == [idB])
            #expect(try await listed("admin") == [idA])
            #expect(try await call(.GET, "/api/v1/certificates?window=\(w.open)", admin2).0 == .notFound)
            #expect(try await call(.GET, "/api/v1/certification/statistics?window=\(w.open)", admin2).0 == .notFound)
            #expect(try await call(.GET, "/api/v1/certification/statistics?window=\(windowB)", admin).0 == .notFound)
            #expect(try await call(.GET, "/api/v1/certification/statistics?window=\(windowB)", admin2).0 == .ok)
            // The eligibility rules are the database's: 403 for a county among several.
            let rules = try await Browser.form(app, try await Browser.login(app, "admin2"), "/certification/rules", ["effectiveFrom": today.description])
            #expect(rules.status == .forbidden, "\(rules.status)")

            // Both counties' senior applications go to 邯郸's prefecture body once forwarded; a reviewer
            // bound to no county in a database of several reads nothing.
            for (id, token) in [(idA, admin), (idB, admin2)] {
                var v = 1
                for e in ["submit", "accept", "forward"] {
                    let (s, r) = try await call(.POST, "/api/v1/certification/applications/\(id)/events", token, ["event": e, "version": v])
                    #expect(s == .ok, "\(e) \(r)")
                    v = r["version"] as? Int ?? v
                }
            }
            let reviewer = try await app.token("reviewer")
            #expect(try await listed("reviewer").isEmpty)
            #expect(try await call(.GET, "/api/v1/certification/applications/\(idA)", reviewer).0 == .notFound)
            #expect(try await listed("prefecture").isEmpty)
            try await app.db.sql.raw("UPDATE users SET area_code = '130481' WHERE username = 'reviewer'").run()
            try await app.db.sql.raw("UPDATE users SET area_code = '130400' WHERE username = 'prefecture'").run()
            #expect(try await listed("reviewer") == [idA])
            #expect(try await listed("prefecture") == [idA, idB])
            // Another city's prefecture body reads neither.
            try await app.db.sql.raw("UPDATE users SET area_code = '130100' WHERE username = 'prefecture'").run()
            let prefectureOther = try await app.token("prefecture")
            #expect(try await listed("prefecture").isEmpty)
            #expect(try await call(.GET, "/api/v1/certification/applications/\(idB)", prefectureOther).0 == .notFound)
        }
    }

    @Test(
        "a teacher moved between counties: released by one bureau, placed by the other, seen by both; twenty placements at once move once",
        arguments: TestDB.all)
    func transferBetweenCounties(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let b = try await Self.addSecondCounty(app, f)
            let admin = try await app.token("admin"), admin2 = try await app.token("admin2"), city = try await app.token("city")
            func call(_ method: HTTPMethod, _ path: String, _ token: String, _ body: [String: Any]? = nil) async throws -> (HTTPStatus, [String: Any]) {
                let payload = try body.map { try jsonBody($0).1 }
                let res = try await app.testing().sendRequest(method, path, headers: bearer(token, json: payload != nil), body: payload)
                return (res.status, (try? res.json()) ?? [:])
            }
            func fields(_ j: [String: Any]) -> Set<String> { Set(((j["fields"] as? [String: Any]) ?? [:]).keys) }
            func items(_ token: String) async throws -> [[String: Any]] {
                (try await call(.GET, "/api/v1/county-transfers", token).1["items"] as? [[String: Any]]) ?? []
            }
            let ding = f.teachers["丁"]!
            let today = CivilDate.today(app.clock.now()).description
            let version = try await call(.GET, "/api/v1/teachers/\(ding)", admin).1["version"] as! Int

            // Only the teacher's own county releases them; bad input is named, nothing written.
            #expect(
                try await call(
                    .POST, "/api/v1/teachers/\(ding)/county-transfers", admin2, ["toCounty": "130402", "onDate": today, "reason": "调动", "version": version]
                ).0 == .notFound)
            let empty = try await call(.POST, "/api/v1/teachers/\(ding)/county-transfers", admin, [:])
            #expect(empty.0 == .unprocessableEntity && fields(empty.1) == ["toCounty", "onDate", "reason", "version"], "\(empty.1)")
            #expect(
                fields(
                    try await call(
                        .POST, "/api/v1/teachers/\(ding)/county-transfers", admin, ["toCounty": "130481", "onDate": today, "reason": "调动", "version": version]
                    ).1) == ["toCounty"])
            #expect(
                fields(
                    try await call(
                        .POST, "/api/v1/teachers/\(ding)/county-transfers", admin, ["toCounty": "130400", "onDate": today, "reason": "调动", "version": version]
                    ).1) == ["toCounty"])
            #expect(try await items(admin).isEmpty)
            // Released: waiting for county B, the teacher still A's.
            let (made, out) = try await call(
                .POST, "/api/v1/teachers/\(ding)/county-transfers", admin, ["toCounty": "130402", "onDate": today, "reason": "夫妻团聚", "version": version])
            #expect(made == .created && out["status"] as? String == "pending" && out["direction"] as? String == "out")
            let id = out["id"] as! Int
            #expect(
                try await call(
                    .POST, "/api/v1/teachers/\(ding)/county-transfers", admin, ["toCounty": "130402", "onDate": today, "reason": "再次", "version": version]
                ).0 == .conflict)
            #expect(try await RegistryStore.teacher(id: ding, on: app.db)?.schoolId == f.schools["T0003"])
            // Both bureaus see it; the city above them with the name masked.
            let incoming = try await items(admin2)
            #expect(
                incoming.count == 1 && incoming[0]["direction"] as? String == "in" && incoming[0]["teacherName"] as? String == "丁老师"
                    && incoming[0]["fromSchool"] == nil)
            let above = try await items(city)
            #expect(above.count == 1 && above[0]["teacherName"] as? String != "丁老师" && above[0]["direction"] == nil)
            // The sender cannot place; the receiver only in its own schools.
            #expect(try await call(.POST, "/api/v1/county-transfers/\(id)/accept", admin, ["toSchoolId": f.schools["T0001"]!]).0 == .forbidden)
            #expect(fields(try await call(.POST, "/api/v1/county-transfers/\(id)/accept", admin2, ["toSchoolId": f.schools["T0001"]!]).1) == ["toSchoolId"])
            // Twenty placements at once: one moves the teacher, the others are told it is decided.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<20 { group.addTask { try await call(.POST, "/api/v1/county-transfers/\(id)/accept", admin2, ["toSchoolId": b.school]).0 } }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1 && statuses.allSatisfy { $0 == .ok || $0 == .conflict }, "\(statuses)")
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM teacher_transfers WHERE teacher_id = \(bind: ding)").first(decoding: N.self)?.n == 1)
            // The teacher is county B's now: B reads them, A no longer; both keep the record.
            #expect(try await RegistryStore.teacher(id: ding, on: app.db)?.schoolId == b.school)
            #expect(try await call(.GET, "/api/v1/teachers/\(ding)", admin).0 == .notFound)
            #expect(try await call(.GET, "/api/v1/teachers/\(ding)", admin2).0 == .ok)
            let kept = try await items(admin)
            #expect(kept.count == 1 && kept[0]["status"] as? String == "accepted" && kept[0]["toSchool"] == nil && kept[0]["teacherId"] == nil)
            #expect(try await items(admin2).first?["toSchool"] as? String == "邯山小学")
            #expect(try await call(.POST, "/api/v1/county-transfers/\(id)/withdraw", admin, [:]).0 == .conflict)
            // Back the other way: A refuses, with its reason.
            let v2 = try await call(.GET, "/api/v1/teachers/\(ding)", admin2).1["version"] as! Int
            let back =
                try await call(
                    .POST, "/api/v1/teachers/\(ding)/county-transfers", admin2, ["toCounty": "130481", "onDate": today, "reason": "回原籍", "version": v2]
                ).1["id"] as! Int
            #expect(fields(try await call(.POST, "/api/v1/county-transfers/\(back)/refuse", admin, ["note": " "]).1) == ["note"])
            #expect(try await call(.POST, "/api/v1/county-transfers/\(back)/refuse", admin2, ["note": "自己拒绝"]).0 == .forbidden)
            let refused = try await call(.POST, "/api/v1/county-transfers/\(back)/refuse", admin, ["note": "编制已满"])
            #expect(refused.0 == .ok && refused.1["status"] as? String == "refused")
            #expect(try await RegistryStore.teacher(id: ding, on: app.db)?.schoolId == b.school)
        }
    }

    @Test("the inspection's thresholds by area: a county reads its own, else its city's, else its province's, else the database's", arguments: TestDB.all)
    func inspectionRulesByArea(db: TestDB) async throws {
        try await withApp(db) { app, f in
            _ = try await Self.addSecondCounty(app, f)
            // A county of another city: 130102 under 130100.
            try await app.writeGate.transaction(on: app.db) { tx in
                try await AreaStore.insert(code: "130100", name: "石家庄市", level: .city, parentCode: "13", on: tx, now: 0)
                try await AreaStore.insert(code: "130102", name: "长安区", level: .county, parentCode: "130100", on: tx, now: 0)
            }
            let n = InspectionRules.national
            func form(classPrimary: Int, note: String) -> [String: String] {
                [
                    "schoolSize": "\(n.schoolSize)", "schoolSizeLarge": "\(n.schoolSizeLarge)", "classPrimary": "\(classPrimary)",
                    "classJunior": "\(n.classJunior)",
                    "classesPerRoom": "\(n.classesPerRoom)", "musicRoomArea": "96", "artRoomArea": "90", "specialFunding": "6000", "payShare": "100",
                    "trainingHours": "360", "trainingYears": "5", "trainingShare": "100", "qualifiedShare": "100", "placesShare": "50", "migrantShare": "85",
                    "retention": "95", "disability": "95", "trainingFunds": "5", "satisfaction": "90", "effectiveFrom": "2026-09-22", "note": note,
                ]
            }
            func set(_ user: String, _ classPrimary: Int) async throws {
                let res = try await Browser.form(
                    app, try await Browser.login(app, user), "/inspection/rules", form(classPrimary: classPrimary, note: "\(user)的细则"))
                let flash = res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding ?? ""
                #expect(res.status == .seeOther && flash.contains("已保存"), "\(user): \(flash)")
            }
            let service = InspectionService(app.context(actor: nil))
            func limits() async throws -> [String: Int] {
                var out: [String: Int] = [:]
                for c in ["130481", "130402", "130102"] { out[c] = try await service.rules(year: 2026, county: c).classPrimary }
                return out
            }
            #expect(try await limits() == ["130481": n.classPrimary, "130402": n.classPrimary, "130102": n.classPrimary])
            // The province's detailed rules: every county inherits them.
            try await set("province", 44)
            #expect(try await limits() == ["130481": 44, "130402": 44, "130102": 44])
            // 邯郸's own: its counties follow it, another city's county keeps the province's.
            try await set("city", 43)
            #expect(try await limits() == ["130481": 43, "130402": 43, "130102": 44])
            // 邯山区 its own: the others unchanged.
            try await set("admin2", 42)
            #expect(try await limits() == ["130481": 43, "130402": 42, "130102": 44])
            // Before the versions take effect, the national values.
            #expect(try await service.rules(year: 2025, county: "130402").classPrimary == n.classPrimary)
            // Each reads the versions that bear on it: 武安 not 邯山区's, the province not the city's.
            func sources(_ user: String) async throws -> Set<String> {
                let u = try #require(try await Accounts.user(username: user, on: app.db))
                return Set(try await InspectionService(app.context(actor: try await app.actor(for: u, on: app.db))).ruleVersions().map(\.version.note))
            }
            let seenA = try await sources("admin"), seenB = try await sources("admin2"), seenProvince = try await sources("province")
            #expect(seenA.isSuperset(of: ["province的细则", "city的细则"]) && !seenA.contains("admin2的细则"))
            #expect(seenB.isSuperset(of: ["province的细则", "city的细则", "admin2的细则"]))
            #expect(seenProvince.contains("province的细则") && !seenProvince.contains("city的细则"))
            // The readiness county B's bureau reads is judged by its own limit.
            let token2 = try await app.token("admin2")
            let j = try await Self.get(app, token2, "/api/v1/inspection?year=2026").json
            let thresholds = ((j["aspects"] as? [[String: Any]]) ?? []).flatMap { ($0["indicators"] as? [[String: Any]]) ?? [] }.map {
                "\($0["requirement"] ?? "")"
            }
            #expect(thresholds.contains { $0.contains("42") }, "\(thresholds)")
            // A district office sets nothing.
            #expect(
                try await Browser.form(app, try await Browser.login(app, "d1"), "/inspection/rules", form(classPrimary: 40, note: "x")).status == .forbidden)
            // 邯山区 given another code keeps its own version.
            try await app.writeGate.transaction(on: app.db) { tx in
                _ = try await AreasCommand.recode(app, from: "130402", to: "130405", name: "邯山区", parent: "130400", on: tx, now: 0)
            }
            #expect(try await service.rules(year: 2026, county: "130405").classPrimary == 42)
        }
    }

    @Test("no read or write crosses counties on any route", arguments: TestDB.all)
    func sweep(db: TestDB) async throws {
        try await withApp(db, settings: AuthorizationMatrixTests.unthrottled) { app, f in
            _ = try await Self.addSecondCounty(app, f)
            // The other county's bureau sees nothing of A; the city and the province read A's
            // figures and schools (it is under them) but never a person, and write nothing.
            let namesOfA = ["一学区", "二学区", "一中心小学", "一九年制学校", "二小学", "甲老师", "乙老师", "丙老师", "丁老师"]
            let peopleOfA = ["甲老师", "乙老师", "丙老师", "丁老师"]
            let idsOfA = Set(f.schools.values.map(String.init) + f.teachers.values.map(String.init) + f.districts.values.map(String.init))
            func snapshot() async throws -> String {
                struct R: Decodable { let v: String }
                let rows = try await app.db.sql.raw(
                    """
                    SELECT s.code || ':' || s.name || ':' || s.version || ':' || s.status AS v FROM schools s WHERE s.district_id IN (\(SQLList(f.districts.values.map { SQLBind($0) })))
                    UNION ALL SELECT t.name || ':' || t.version || ':' || t.school_id AS v FROM teachers t WHERE t.district_id IN (\(SQLList(f.districts.values.map { SQLBind($0) })))
                    UNION ALL SELECT CAST(c.school_id AS TEXT) || ':' || CAST(c.year AS TEXT) AS v FROM school_conditions c WHERE c.school_id IN (\(SQLList(f.schools.values.map { SQLBind($0) })))
                    """
                ).all(decoding: R.self)
                return rows.map(\.v).sorted().joined(separator: "\n")
            }
            let before = try await snapshot()
            var failures: [String] = []
            for role in ["admin2", "city", "province"] {
                let token = try await app.token(role)
                for c in AuthorizationMatrixTests.apiCases(f) {
                    let body = try c.body.map { try jsonBody($0(f, role)).1 }
                    let res = try await app.testing().sendRequest(c.method, c.path, headers: bearer(token, json: body != nil), body: body)
                    let text = res.text
                    if let leak = (role == "admin2" ? namesOfA : peopleOfA).first(where: { text.contains($0) }) {
                        failures.append("\(role) \(c.method) \(c.path): shows \(leak)")
                    }
                    let touchesA = c.path.split(whereSeparator: { "/?=&:".contains($0) }).contains { idsOfA.contains(String($0)) }
                    if (touchesA || role != "admin2") && res.status.code < 400 && c.method != .GET && !c.path.hasPrefix("/api/v1/session") {
                        failures.append("\(role) \(c.method) \(c.path): \(res.status.code), a write")
                    }
                }
                var h = HTTPHeaders()
                h.cookie = try await Browser.login(app, role)
                h.replaceOrAdd(name: "X-CSRF-Token", value: try await Browser.csrfToken(app, cookies: h.cookie!))
                for c in AuthorizationMatrixTests.pageCases(f) {
                    let res = try await AuthorizationMatrixTests.sendPage(c, app: app, fixture: f, role: role, headers: h)
                    if let leak = (role == "admin2" ? namesOfA : peopleOfA).first(where: { res.text.contains($0) }) {
                        failures.append("\(role) \(c.method) \(c.path): shows \(leak)")
                    }
                }
            }
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
            #expect(try await snapshot() == before, "county A's schools, teachers and conditions are as they were")
        }
    }

    @Test(
        "the tree's codes are checked; a county with data is not removed; a county given its real code keeps its districts and accounts", arguments: TestDB.all)
    func areasMaintained(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let now = app.clock.now().timeIntervalSince1970
            let city = try await AreaStore.area(code: "130400", on: app.db)
            #expect(AreaStore.validate(code: "130401", name: "某县", level: .county, parent: city).isEmpty)
            #expect(
                AreaStore.validate(code: "130501", name: "某县", level: .county, parent: city).fields["parentCode"] != nil, "a county under another city's prefix"
            )
            #expect(AreaStore.validate(code: "13040", name: "某县", level: .county, parent: city).fields["code"] != nil, "five digits")
            #expect(AreaStore.validate(code: "130400", name: "某县", level: .county, parent: city).fields["code"] != nil, "a county code ending in 00")
            #expect(AreaStore.validate(code: "130500", name: "邢台市", level: .city, parent: city).fields["parentCode"] != nil, "a city under a city")
            #expect(AreaStore.validate(code: "130405", name: "", level: .county, parent: city).fields["name"] != nil)
            #expect(
                AreaStore.level(of: "13") == .province && AreaStore.level(of: "130400") == .city && AreaStore.level(of: "130481") == .county
                    && AreaStore.level(of: "13x") == nil)
            await #expect(throws: DomainError.self) {
                try await AreaStore.insert(code: "130481", name: "重复", level: .county, parentCode: "130400", on: app.db, now: now)
            }
            // A county with districts, a city with counties: never removed.
            await #expect(throws: DomainError.self) { try await AreaStore.remove(code: "130481", on: app.db) }
            await #expect(throws: DomainError.self) { try await AreaStore.remove(code: "130400", on: app.db) }
            // The install's county given its real code: districts and the bureau's account follow.
            try await app.db.sql.raw("UPDATE users SET area_code = '130481' WHERE username = 'admin'").run()
            try await app.writeGate.transaction(on: app.db) { tx in
                try await AreaStore.recodeCounty(from: "130481", to: "130427", name: "磁县", parent: "130400", on: tx, now: now)
                #expect(try await Accounts.moveArea(from: "130481", to: "130427", on: tx) == 1)
            }
            #expect(try await AreaStore.area(code: "130481", on: app.db) == nil)
            #expect(try await AreaStore.county(ofDistrict: f.districts["D2"]!, on: app.db) == "130427")
            let token = try await app.token("admin")
            #expect(Self.codes(try await Self.get(app, token, "/api/v1/districts").json) == ["D1", "D2"])
            #expect(Self.codes(try await Self.get(app, token, "/api/v1/areas").json) == ["13", "130400", "130427"])
            // An empty county is removed.
            try await AreaStore.insert(code: "130405", name: "空县", level: .county, parentCode: "130400", on: app.db, now: now)
            try await AreaStore.remove(code: "130405", on: app.db)
            #expect(try await AreaStore.area(code: "130405", on: app.db) == nil)
        }
    }

    /// Every page and API route with a year, asked for years no calendar has: refused or answered,
    /// never a crash (a force-unwrapped date once stopped the server).
    @Test("years out of the calendar never stop the server", arguments: [TestDB.sqlite])
    func outlandishYears(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "admin")
            let token = try await app.token("admin")
            var failures: [String] = []
            for year in ["10000", "0", "-1", "99999999999"] {
                for path in [
                    "/balance", "/balance/rules", "/balance/sheet", "/balance/conditions", "/balance/equity", "/teaching/training", "/teaching/training/hours",
                    "/inspection", "/reports/summary", "/exchange", "/exchange/eligible", "/teaching/calendar",
                ] {
                    let res = try await app.testing().sendRequest(.GET, "\(path)?year=\(year)", headers: h)
                    if res.status.code >= 500 { failures.append("\(path)?year=\(year): \(res.status.code)") }
                }
                for path in [
                    "/api/v1/balance?standard=basic&stage=primary", "/api/v1/balance/summary", "/api/v1/inspection", "/api/v1/reports/summary",
                    "/api/v1/exchange/report",
                ] {
                    let sep = path.contains("?") ? "&" : "?"
                    let res = try await app.testing().sendRequest(.GET, "\(path)\(sep)year=\(year)", headers: bearer(token))
                    if res.status.code >= 500 { failures.append("\(path) year=\(year): \(res.status.code)") }
                }
            }
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
            #expect(try await app.testing().sendRequest(.GET, "/healthz").status == .ok)
        }
    }

    /// A database made by the release before issue 30 (every migration before 082): its districts
    /// go under 130481, its bureau account with them, and every balance figure is as it was.
    @Test("a single-county database upgrades in place with every figure unchanged", arguments: TestDB.all)
    func upgrade(db: TestDB) async throws {
        try await withApp(
            db,
            migrateWithout: [
                "082_AccountArea", "083_Areas", "084_AuditActorIndex", "085_InternBatchCounty", "086_InspectionByCounty", "087_TeachingCounty",
                "088_CertBodyArea",
            ]
        ) {
            app, _ in
            let now = app.clock.now().timeIntervalSince1970
            let hash = try await Accounts.hashPassword(Fixture.password, app: app)
            try await app.writeGate.transaction(on: app.db) { tx in
                struct Id: Decodable { let id: Int }
                var schools: [Int] = []
                for d in 1...3 {
                    let district = try await tx.sql.raw(
                        "INSERT INTO districts (code, name, created_at) VALUES (\(bind: "D\(d)"), \(bind: "学区\(d)"), \(bind: now)) RETURNING id"
                    )
                    .first(decoding: Id.self)!.id
                    for k in 1...4 {
                        let students = 120 * k + 37 * d
                        let s = try await RegistryStore.insertSchool(
                            ValidSchool(
                                code: "S\(d)\(k)", name: "学校\(d)-\(k)", districtRef: .id(district), stage: k == 4 ? .junior : .primary,
                                locality: k == 1 ? .town : .rural, boarding: false, central: k == 1, standardised: true,
                                students: students, address: nil), districtId: district, on: tx, now: now)
                        schools.append(s)
                        try await RegistryStore.upsertConditions(
                            SchoolConditions(
                                year: 2026, students: .init(primary: k == 4 ? 0 : students, junior: k == 4 ? students : 0, senior: 0),
                                floorArea: Decimal(students * (4 + k)), sportsArea: Decimal(students * (7 + d)),
                                equipmentValue: Decimal(students * (1500 + 100 * k)), computers: students / (8 + k), books: students * (25 + d),
                                multimediaRooms: students / 45), schoolId: s, on: tx, now: now)
                        var rows: [(ValidTeacher, schoolId: Int, districtId: Int)] = []
                        for n in 0..<(students / 20) {
                            let rid = try ResidentID.parse(Fixture.residentID(String(format: "19%02d0101", 70 + n % 25), d * 100 + k * 20 + n)).get()
                            rows.append(
                                (
                                    ValidTeacher(
                                        name: "教师\(d)\(k)\(n)", residentId: rid, schoolRef: .id(s), subjects: [n % 3 == 0 ? .math : .chinese],
                                        education: n % 4 == 0 ? .master : .bachelor, putonghua: .l2A, title: n % 5 == 0 ? .senior : .intermediate,
                                        backbone: n % 7 == 0 ? .county : .none, schoolSince: CivilDate(parsing: "2015-09-01")!, stagePart: nil, phone: nil), s,
                                    district
                                ))
                        }
                        try await RegistryStore.insertTeachers(rows, on: tx, now: now)
                    }
                }
                try await tx.sql.raw(
                    """
                    INSERT INTO users (username, password_hash, display_name, role, locale, active, failed_logins, created_at, must_change_password)
                    VALUES ('admin', \(bind: hash), '局管理员', 'bureau_admin', 'zh', \(bind: true), 0, \(bind: now), \(bind: false))
                    """
                ).run()
                _ = schools
                // The county's certifying body and its city's, as the earlier release kept them.
                try await tx.sql.raw("INSERT INTO cert_bodies (code, name, level) VALUES ('13481', '武安市教育局', 'county'), ('13040', '邯郸市教育局', 'prefecture')")
                    .run()
            }
            // The figures as the earlier release computed them: the whole database, no county.
            let whole = BalanceArea(year: 2026, district: nil, county: nil, districts: nil)
            let before = try await BalanceService.compute(
                standards: BalanceStandard.allCases, parts: BalancePart.allCases, area: whole, currentYear: 2026, scenario: nil,
                db: app.db, logger: app.logger)
            let everyone: @Sendable (BalanceUnit) -> Bool = { _ in true }
            let beforeJSON = before.map { BalanceDTO.json($0, visible: everyone, visibleExclusion: { _ in true }) }

            try await app.autoMigrate()
            struct C: Decodable { let countyCode: String? }
            let counties = try await app.db.sql.raw("SELECT county_code FROM districts").all(decoding: C.self, with: SQLRowDecoder.snakeCase)
            #expect(counties.count == 3 && counties.allSatisfy { $0.countyCode == "130481" })
            #expect(try await Accounts.user(username: "admin", on: app.db)?.areaCode == "130481")
            // Its bodies are its county's and its city's.
            #expect(
                try await CertificationService.bodies(on: app.db).map { "\($0.level) \($0.areaCode ?? "-")" }.sorted() == [
                    "county 130481", "prefecture 130400",
                ])
            let token = try await app.token("admin")
            let summary = try await app.testing().sendRequest(.GET, "/api/v1/balance/summary?year=2026", headers: bearer(token))
            #expect(summary.status == .ok)
            let results = ((try summary.json()["results"] as? [Any]) ?? []).map { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
            let expected = beforeJSON.map {
                try? JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: Data($0.utf8)), options: [.sortedKeys])
            }
            #expect(results.count == 4)
            #expect(results == expected, "the four computations after the upgrade are the ones before it")
            #expect(before.allSatisfy { $0.result.schools > 0 })
            // The areas as the bureau reads them.
            #expect(Self.codes(try await Self.get(app, token, "/api/v1/areas").json) == ["13", "130400", "130481"])
        }
    }
}
