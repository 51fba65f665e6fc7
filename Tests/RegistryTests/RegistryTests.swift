import Foundation
import Registry
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
@testable import XuequApp
@testable import XuequKit

@Suite("Registry")
struct RegistryTests {
    @Test("creating districts is for the bureau admin; lists follow the caller's scope", arguments: TestDB.all)
    func districtsAndScope(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            let (h, b) = try jsonBody(["code": "D3", "name": "三学区"])
            var headers = bearer(admin, json: true); headers.contentType = h.contentType
            try await app.check(.POST, "/api/v1/districts", headers: headers, body: b) { res in
                #expect(res.status == .created)
                #expect((try? res.json())?["code"] as? String == "D3")
                #expect((try? res.json())?.keys.contains("centralSchoolId") == true)
            }
            try await app.check(.POST, "/api/v1/districts", headers: headers, body: b) { res in #expect(res.status == .conflict) }
            let d1 = try await app.token("d1")
            try await app.check(.POST, "/api/v1/districts", headers: bearer(d1, json: true), body: b) { res in #expect(res.status == .forbidden) }
            try await app.check(.GET, "/api/v1/districts", headers: bearer(d1)) { res in
                let items = (try? res.json())?["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["code"] as? String } == ["D1"])
            }
            try await app.check(.GET, "/api/v1/schools", headers: bearer(d1)) { res in
                #expect((try? res.json())?["total"] as? Int == 2)
            }
            let s1 = try await app.token("s1")
            try await app.check(.GET, "/api/v1/schools?district=\(f.districts["D2"]!)", headers: bearer(s1)) { res in
                #expect((try? res.json())?["total"] as? Int == 0, "a filter cannot widen the scope")
            }
            try await app.check(.GET, "/api/v1/teachers", headers: bearer(s1)) { res in
                #expect((try? res.json())?["total"] as? Int == 2)
            }
        }
    }

    @Test("school list filters: district, stage and search", arguments: TestDB.all)
    func schoolFilters(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let t = try await app.token("admin")
            try await app.check(.GET, "/api/v1/schools?stage=nine_year", headers: bearer(t)) { res in
                let items = (try? res.json())?["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["code"] as? String } == ["T0002"])
            }
            try await app.check(.GET, "/api/v1/schools?district=\(f.districts["D2"]!)", headers: bearer(t)) { res in
                #expect((try? res.json())?["total"] as? Int == 1)
            }
            try await app.check(.GET, "/api/v1/schools?q=%E4%B9%9D%E5%B9%B4", headers: bearer(t)) { res in
                #expect((try? res.json())?["total"] as? Int == 1)
            }
            try await app.check(.GET, "/api/v1/schools?q=%25", headers: bearer(t)) { res in
                #expect((try? res.json())?["total"] as? Int == 0, "% is matched literally")
            }
            try await app.check(.GET, "/api/v1/schools?stage=castle", headers: bearer(t)) { res in #expect(res.status == .unprocessableEntity) }
            try await app.check(.GET, "/api/v1/schools?per=1000", headers: bearer(t)) { res in #expect(res.status == .ok) }
        }
    }

    @Test("teachers: created with birth date and sex from the ID; bad IDs, other scopes and duplicates refused", arguments: TestDB.all)
    func createTeacher(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let s1 = try await app.token("s1")
            let rid = Fixture.residentID("19900215", 11)
            let (_, b) = try jsonBody(Bodies.teacher(f, rid: rid))
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(s1, json: true), body: b) { res in
                #expect(res.status == .created)
                let j = try? res.json()
                #expect(j?["birthDate"] as? String == "1990-02-15")
                #expect(j?["gender"] as? String == "male")
                #expect(j?["residentId"] as? String == rid)
                #expect(j?.keys.contains("stagePart") == true)
            }
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(s1, json: true), body: b) { res in #expect(res.status == .conflict) }
            let (_, bad) = try jsonBody(Bodies.teacher(f, rid: "110105194912310021"))
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(s1, json: true), body: bad) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(((try? res.json())?["fields"] as? [String: String])?["residentId"] != nil)
            }
            let (_, other) = try jsonBody(Bodies.teacher(f, rid: Fixture.residentID("19900216", 12), school: "T0003"))
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(s1, json: true), body: other) { res in #expect(res.status == .forbidden) }
            let (_, future) = try jsonBody(Bodies.teacher(f, rid: Fixture.residentID("19900217", 13), extra: ["schoolSince": "2999-09-01"]))
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(s1, json: true), body: future) { res in
                #expect(((try? res.json())?["fields"] as? [String: String])?["schoolSince"] != nil)
            }
            let (_, part) = try jsonBody(Bodies.teacher(f, rid: Fixture.residentID("19900218", 14), extra: ["stagePart": "junior"]))
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(s1, json: true), body: part) { res in
                #expect(((try? res.json())?["fields"] as? [String: String])?["stagePart"] != nil, "a primary school has no junior part")
            }
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(s1, json: true), body: ByteBuffer(string: "{not json")) { res in #expect(res.status == .badRequest) }
            let t1 = try await app.token("t1")
            let (_, mine) = try jsonBody(Bodies.teacher(f, rid: Fixture.residentID("19900219", 15)))
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(t1, json: true), body: mine) { res in #expect(res.status == .forbidden) }
        }
    }

    @Test("names with markup are stored as typed and shown escaped", arguments: TestDB.all)
    func markupInNames(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            let name = "<script>alert(\"1&'\")</script>"
            let escaped = "&lt;script&gt;alert(&quot;1&amp;&#39;&quot;)&lt;/script&gt;"
            let (_, b) = try jsonBody(Bodies.teacher(f, name: name, rid: Fixture.residentID("19900215", 21)))
            var id = 0
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(admin, json: true), body: b) { res in
                #expect((try? res.json())?["name"] as? String == name)
                id = (try? res.json())?["id"] as? Int ?? 0
            }
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "admin")
            try await app.check(.GET, "/teachers/\(id)", headers: h) { res in
                #expect(res.status == .ok)
                #expect(!res.text.contains(name))
                #expect(res.text.contains(escaped))
            }
            // The list page's rows are written in Swift (HTMLWriter): escaped the same way.
            for path in ["/teachers", "/teachers?district=\(f.districts["D1"]!)&sort=name"] {
                try await app.check(.GET, path, headers: h) { res in
                    #expect(res.status == .ok)
                    #expect(!res.text.contains("<script>alert"), "\(path)")
                    #expect(res.text.contains(">\(escaped)</a>"), "\(path)")
                }
            }
        }
    }

    @Test("the teacher page's school select offers the caller's own district only, whatever district is asked for", arguments: TestDB.all)
    func schoolChoicesInScope(db: TestDB) async throws {
        try await withApp(db) { app, f in
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "d1")
            try await app.check(.GET, "/teachers?district=\(f.districts["D1"]!)", headers: h) { res in
                #expect(res.text.contains(">T0001 一中心小学</option>") && res.text.contains(">T0002 一九年制学校</option>"))
                #expect(!res.text.contains("T0003"))
            }
            // Another district's id in the query: its schools are not offered (nor its teachers listed).
            try await app.check(.GET, "/teachers?district=\(f.districts["D2"]!)", headers: h) { res in
                #expect(res.status == .ok || res.status == .forbidden)
                #expect(!res.text.contains("T0003") && !res.text.contains("二小学"))
            }
        }
    }

    @Test("resident IDs are masked for callers outside the person's scope", arguments: TestDB.all)
    func masking(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let t1 = try await app.token("t1")
            try await app.check(.GET, "/api/v1/teachers", headers: bearer(t1)) { res in
                let items = (try? res.json())?["items"] as? [[String: Any]] ?? []
                #expect(items.count == 2, "a teacher sees the own school")
                #expect(items.allSatisfy { $0.keys.contains("stagePart") && $0["stagePart"] is NSNull }, "stagePart is present, null for a one-part school")
                #expect(items.allSatisfy { ($0["subjects"] as? [String]) == ["math"] })
                for item in items {
                    let rid = item["residentId"] as? String ?? ""
                    if item["id"] as? Int == f.teachers["甲"] {
                        #expect(!rid.contains("*"))
                        #expect(item["birthDate"] as? String == "1980-01-01")
                    } else {
                        #expect(rid.contains("*") && rid.count == 18)
                        #expect((item["birthDate"] as? String)?.count == 4, "a colleague's birth year only")
                    }
                }
            }
            let other = f.teachers["丁"]!
            try await app.check(.GET, "/api/v1/teachers/\(other)", headers: bearer(t1)) { res in #expect(res.status == .notFound) }
        }
    }

    @Test("school conditions are stored per year and update the head count", arguments: TestDB.all)
    func conditions(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let s1 = try await app.token("s1")
            let school = f.schools["T0001"]!
            let body: [String: Any] = ["year": 2026, "students": ["primary": 480, "junior": 0, "senior": 0], "floorArea": 2400.5, "sportsArea": 5000,
                                       "equipmentValue": 960000.25, "computers": 60, "books": 14000, "multimediaRooms": 12]
            let (_, b) = try jsonBody(body)
            try await app.check(.PUT, "/api/v1/schools/\(school)/conditions", headers: bearer(s1, json: true), body: b) { res in #expect(res.status == .ok) }
            try await app.check(.GET, "/api/v1/schools/\(school)/conditions", headers: bearer(s1)) { res in
                let items = (try? res.json())?["items"] as? [[String: Any]] ?? []
                #expect(items.first?["floorArea"] as? Double == 2400.5)
                #expect(items.first?["equipmentValue"] as? Double == 960000.25)
            }
            try await app.check(.GET, "/api/v1/schools/\(school)", headers: bearer(s1)) { res in #expect((try? res.json())?["students"] as? Int == 480) }
            var neg = body; neg["books"] = -1
            let (_, nb) = try jsonBody(neg)
            try await app.check(.PUT, "/api/v1/schools/\(school)/conditions", headers: bearer(s1, json: true), body: nb) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(((try? res.json())?["fields"] as? [String: String])?["books"] != nil)
            }
            try await app.check(.PUT, "/api/v1/schools/\(f.schools["T0003"]!)/conditions", headers: bearer(s1, json: true), body: b) { res in #expect(res.status == .forbidden) }
        }
    }

    @Test("consolidation: teachers move, the school becomes merged, both keep the history", arguments: TestDB.all)
    func merge(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let d1 = try await app.token("d1")
            let from = f.schools["T0002"]!, into = f.schools["T0001"]!
            let (_, b) = try jsonBody(["intoSchoolId": into, "mergedOn": "2026-08-31", "note": "布局调整"])
            try await app.check(.POST, "/api/v1/schools/\(from)/merge", headers: bearer(d1, json: true), body: b) { res in
                #expect(res.status == .ok)
                #expect((try? res.json())?["teachersMoved"] as? Int == 1)
            }
            try await app.check(.GET, "/api/v1/schools/\(from)", headers: bearer(d1)) { res in
                #expect((try? res.json())?["status"] as? String == "merged")
                #expect((try? res.json())?["mergedIntoId"] as? Int == into)
            }
            try await app.check(.GET, "/api/v1/teachers?school=\(into)", headers: bearer(d1)) { res in #expect((try? res.json())?["total"] as? Int == 3) }
            try await app.check(.GET, "/api/v1/schools/\(into)", headers: bearer(d1)) { res in #expect((try? res.json())?["students"] as? Int == 600) }
            // Both pages show it.
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "d1")
            try await app.check(.GET, "/schools/\(from)", headers: h) { res in #expect(res.text.contains("merged-note") && res.text.contains("一中心小学")) }
            try await app.check(.GET, "/schools/\(into)", headers: h) { res in #expect(res.text.contains("一九年制学校") && res.text.contains("2026-08-31")) }
            // Merging again, into itself, across districts: refused.
            try await app.check(.POST, "/api/v1/schools/\(from)/merge", headers: bearer(d1, json: true), body: b) { res in #expect(res.status == .unprocessableEntity) }
            let (_, cross) = try jsonBody(["intoSchoolId": f.schools["T0003"]!, "mergedOn": "2026-08-31"])
            try await app.check(.POST, "/api/v1/schools/\(into)/merge", headers: bearer(d1, json: true), body: cross) { res in #expect(res.status == .forbidden) }
        }
    }

    @Test("one count of students: a merge moves the pupils in the yearly conditions the balance reads, the registry shows the same; the edit form no longer types it", arguments: TestDB.all)
    func studentsAgree(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            let from = f.schools["T0002"]!, into = f.schools["T0001"]!
            func conditions(_ school: Int, _ year: Int, primary: Int, junior: Int) async throws {
                let (_, b) = try jsonBody(["year": year, "students": ["primary": primary, "junior": junior, "senior": 0], "floorArea": 2400, "sportsArea": 5000,
                                           "equipmentValue": 960000, "computers": 60, "books": 14000, "multimediaRooms": 12])
                try await app.check(.PUT, "/api/v1/schools/\(school)/conditions", headers: bearer(admin, json: true), body: b) { res in #expect(res.status == .ok) }
            }
            try await conditions(into, 2025, primary: 470, junior: 0)
            try await conditions(into, 2026, primary: 480, junior: 0)
            try await conditions(from, 2025, primary: 190, junior: 90)
            try await conditions(from, 2026, primary: 200, junior: 100)
            let (_, b) = try jsonBody(["intoSchoolId": into, "mergedOn": "2026-08-31"])
            try await app.check(.POST, "/api/v1/schools/\(from)/merge", headers: bearer(admin, json: true), body: b) { res in
                #expect(res.status == .ok)
                #expect((try? res.json())?["studentsMoved"] as? Int == 300)
            }
            try await app.check(.GET, "/api/v1/schools/\(into)", headers: bearer(admin)) { res in #expect((try? res.json())?["students"] as? Int == 780) }
            // The balance's year 2026 sees the target with both schools' pupils and not the source;
            // 2025 is as it was, the source counted on its own.
            let y2026 = try await RegistryStore.schoolYear(2026, stages: Stage.allCases, district: nil, on: app.db)
            let t = y2026.first { $0.id == into }
            #expect(t?.studentsPrimary == 680 && t?.studentsJunior == 100)
            #expect(!y2026.contains { $0.id == from })
            let y2025 = try await RegistryStore.schoolYear(2025, stages: Stage.allCases, district: nil, on: app.db)
            #expect(y2025.first { $0.id == into }?.studentsPrimary == 470 && y2025.first { $0.id == from }?.studentsPrimary == 190)

            // The edit form shows the figure without a field for it; a typed different figure is refused.
            let cookies = try await Browser.login(app, "admin")
            var h = HTTPHeaders(); h.cookie = cookies
            try await app.check(.GET, "/schools/\(into)/edit", headers: h) { res in
                #expect(res.status == .ok)
                #expect(res.text.contains("id=\"current-students\">780<") && !res.text.contains("name=\"students\""))
            }
            let school = try await RegistryStore.school(id: into, on: app.db)!
            var fields = ["code": school.code, "name": school.name, "districtId": String(school.districtId), "stage": school.stage, "locality": school.locality,
                          "standardised": "on", "central": "on", "version": String(school.version)]
            let kept = try await Browser.form(app, cookies, "/schools/\(into)/edit", fields)
            #expect(kept.status == .seeOther, "left out, the figure stays")
            #expect(try await RegistryStore.school(id: into, on: app.db)?.students == 780)
            fields["students"] = "900"; fields["version"] = String(school.version + 1)
            let refused = try await Browser.form(app, cookies, "/schools/\(into)/edit", fields)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("在校生数来自办学条件"))
            #expect(try await RegistryStore.school(id: into, on: app.db)?.students == 780)
        }
    }

    @Test("name search goes through the gram index: one character, a pair, longer names, markup characters; renames and new teachers follow", arguments: TestDB.all)
    func nameSearch(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            func names(_ q: String) async throws -> [String] {
                var out: [String] = []
                let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                try await app.check(.GET, "/api/v1/teachers?q=\(encoded)&per=200", headers: bearer(admin)) { res in
                    #expect(res.status == .ok, "q=\(q)")
                    out = ((try? res.json())?["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }.sorted()
                    // The count agrees with the rows, also where a single character is counted from the gram index alone.
                    #expect((try? res.json())?["total"] as? Int == out.count, "total for q=\(q)")
                }
                return out
            }
            for (n, name) in ["欧阳娜娜", "王芳", "王芳芳", "Anna Lee", "李_明"].enumerated() {
                let (_, b) = try jsonBody(Bodies.teacher(f, name: name, rid: Fixture.residentID("19910101", 60 + n)))
                try await app.check(.POST, "/api/v1/teachers", headers: bearer(admin, json: true), body: b) { res in #expect(res.status == .created) }
            }
            #expect(try await names("王") == ["王芳", "王芳芳"])
            #expect(try await names("芳") == ["王芳", "王芳芳"])
            #expect(try await names("王芳") == ["王芳", "王芳芳"])
            #expect(try await names("芳芳") == ["王芳芳"])
            #expect(try await names("欧阳娜") == ["欧阳娜娜"])
            #expect(try await names("阳娜娜") == ["欧阳娜娜"])
            #expect(try await names("娜欧").isEmpty, "pairs in the wrong order")
            #expect(try await names("老师") == ["丁老师", "丙老师", "乙老师", "甲老师"])
            #expect(try await names("anna") == ["Anna Lee"])
            #expect(try await names("_明") == ["李_明"], "an underscore is a character, not a wildcard")
            #expect(try await names("%").isEmpty)
            // The index is kept by the database: a rename moves the teacher, the old name is gone.
            try await app.db.sql.raw("UPDATE teachers SET name = '王小芳' WHERE name = '王芳'").run()
            #expect(try await names("王芳") == ["王芳芳"])
            #expect(try await names("小芳") == ["王小芳"])
            try await app.db.sql.raw("DELETE FROM teachers WHERE name = '王小芳'").run()
            struct N: Decodable { let n: Int }
            let orphans = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM teacher_name_grams g WHERE NOT EXISTS (SELECT 1 FROM teachers t WHERE t.id = g.teacher_id)").first(decoding: N.self)?.n
            #expect(orphans == 0)
            // Every teacher has exactly the grams of their name.
            struct Name: Decodable { let name: String }
            let expected = try await app.db.sql.raw("SELECT name FROM teachers").all(decoding: Name.self).reduce(0) { sum, row in
                let c = Array(row.name.lowercased())
                return sum + Set(c.map(String.init)).count + Set((0..<max(0, c.count - 1)).map { String(c[$0...($0 + 1)]) }).count
            }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM teacher_name_grams").first(decoding: N.self)?.n == expected)
        }
    }

    @Test("a list counts at most 10,000 matches: the API says totalCapped, the page says more than 10,000; smaller counts stay exact", arguments: TestDB.all)
    func cappedCount(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let school = f.schools["T0001"]!, district = f.districts["D1"]!
            // 10,002 teachers named 测N in one statement (the triggers keep grams and tallies as for any write).
            try await app.db.sql.raw("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10002)
                INSERT INTO teachers (name, resident_id, birth_date, gender, school_id, district_id, subjects, education, putonghua, title, backbone,
                                      school_since, created_at, updated_at, version)
                SELECT '测' || CAST(i AS TEXT), 'R' || CAST(i AS TEXT), '1990-01-01', 'female', \(bind: school), \(bind: district), 'chinese', 'bachelor',
                       '2A', 'junior', 'none', '2015-09-01', 0, 0, 1 FROM n
                """).run()
            let admin = try await app.token("admin")
            let q = "测".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await app.check(.GET, "/api/v1/teachers?q=\(q)&per=200", headers: bearer(admin)) { res in
                let body = try res.json()
                #expect(body["total"] as? Int == 10_000 && body["totalCapped"] as? Bool == true)
                #expect((body["items"] as? [Any])?.count == 200)
            }
            // Under the cap the count is exact and nothing else is said.
            try await app.check(.GET, "/api/v1/teachers?q=\(q)999", headers: bearer(admin)) { res in
                let body = try res.json()
                #expect(body["total"] as? Int == 11 && body["totalCapped"] == nil, "测999 and 测9990…测9999")
            }
            let cookies = try await Browser.login(app, "admin")
            var h = HTTPHeaders(); h.cookie = cookies
            try await app.check(.GET, "/teachers?q=\(q)", headers: h) { res in
                #expect(res.status == .ok)
                #expect(res.text.contains("超过 10000 条"))
            }
            try await app.check(.GET, "/teachers?q=\(q)&page=200", headers: h) { res in
                #expect(res.status == .ok && res.text.contains("测"))
                #expect(!res.text.contains("rel=\"next\""), "the last page the count reaches")
            }
        }
    }

    @Test("two editors of one teacher: the second gets 409", arguments: TestDB.all)
    func staleEdit(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            let id = f.teachers["甲"]!
            var body = Bodies.teacher(f, name: "甲老师改", rid: Fixture.residentID("19800101", 1))
            body["version"] = 1
            let (_, b) = try jsonBody(body)
            try await app.check(.PUT, "/api/v1/teachers/\(id)", headers: bearer(admin, json: true), body: b) { res in
                #expect(res.status == .ok)
                #expect((try? res.json())?["version"] as? Int == 2)
            }
            try await app.check(.PUT, "/api/v1/teachers/\(id)", headers: bearer(admin, json: true), body: b) { res in #expect(res.status == .conflict) }
        }
    }
}

@Suite("Registry forms")
struct RegistryFormTests {
    @Test("a teacher is created and edited through the forms; a bad ID comes back on the form", arguments: TestDB.all)
    func teacherForms(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let cookies = try await Browser.login(app, "s1")
            let rid = Fixture.residentID("19930303", 33)
            var fields = ["name": "表单教师", "residentId": "130481199303030330", "schoolId": String(f.schools["T0001"]!), "subjects[]": "english",
                          "education": "bachelor", "putonghua": "2B", "title": "junior", "backbone": "none", "schoolSince": "2021-09-01"]
            // An empty select arrives as "": a field error, not a 400.
            var empty = fields
            empty["schoolId"] = ""
            var res = try await Browser.form(app, cookies, "/teachers/new", empty)
            #expect(res.status == .unprocessableEntity)
            #expect(res.text.contains("请选择学校"))
            res = try await Browser.form(app, cookies, "/teachers/new", fields)
            #expect(res.status == .unprocessableEntity)
            #expect(res.text.contains("err-residentId") && res.text.contains("表单教师"), "the form comes back with the error and the typed values")
            fields["residentId"] = rid
            res = try await Browser.form(app, cookies, "/teachers/new", fields)
            #expect(res.status == .seeOther)
            let location = try #require(res.headers.first(name: .location))
            let id = try #require(Int(location.split(separator: "/").last ?? ""))
            fields["title"] = "intermediate"
            fields["version"] = "1"
            res = try await Browser.form(app, cookies, "/teachers/\(id)/edit", fields)
            #expect(res.status == .seeOther)
            let token = try await app.token("s1")
            try await app.check(.GET, "/api/v1/teachers/\(id)", headers: bearer(token)) { r in
                #expect((try? r.json())?["title"] as? String == "intermediate")
                #expect((try? r.json())?["subjects"] as? [String] == ["english"])
            }
            // The same form sent again with the old version: refused, nothing lost.
            res = try await Browser.form(app, cookies, "/teachers/\(id)/edit", fields)
            #expect(res.status == .conflict)
            #expect(res.text.contains("已被他人修改"))
        }
    }

    @Test("a school is created through the form by its district admin", arguments: TestDB.all)
    func schoolForm(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let cookies = try await Browser.login(app, "d1")
            let res = try await Browser.form(app, cookies, "/schools/new", ["code": "F001", "name": "表单小学", "districtId": String(f.districts["D1"]!),
                                                                             "stage": "primary", "locality": "rural", "students": "120", "boarding": "on"])
            #expect(res.status == .seeOther)
            let other = try await Browser.form(app, cookies, "/schools/new", ["code": "F002", "name": "越权小学", "districtId": String(f.districts["D2"]!),
                                                                               "stage": "primary", "locality": "rural"])
            #expect(other.status == .forbidden)
        }
    }
}

@Suite("District pages")
struct DistrictPageTests {
    @Test("the districts page shows the scope's totals and each district's counts", arguments: TestDB.all)
    func totals(db: TestDB) async throws {
        try await withApp(db) { app, f in
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "admin")
            try await app.check(.GET, "/districts", headers: h) { res in
                #expect(res.text.contains("2 个学区，3 所在办学校，4 名教师，900 名在校生"))
            }
            try await app.check(.GET, "/districts/\(f.districts["D1"]!)", headers: h) { res in
                #expect(res.text.contains("一中心小学") && res.text.contains("一九年制学校") && !res.text.contains("二小学"))
            }
            var d2 = HTTPHeaders()
            d2.cookie = try await Browser.login(app, "d2")
            try await app.check(.GET, "/districts", headers: d2) { res in
                #expect(res.text.contains("1 个学区，1 所在办学校，1 名教师，300 名在校生"))
            }
            // A school's account: the header counts the same district its card shows; the district
            // page's figures are the district's, its list says it holds the own school only, and
            // nothing links to a list that would show less than the number.
            var s1 = HTTPHeaders()
            s1.cookie = try await Browser.login(app, "s1")
            try await app.check(.GET, "/districts", headers: s1) { res in
                #expect(res.text.contains("1 个学区，2 所在办学校，3 名教师，600 名在校生"))
            }
            try await app.check(.GET, "/districts/\(f.districts["D1"]!)", headers: s1) { res in
                #expect(res.status == .ok)
                #expect(res.text.contains("本校") && res.text.contains("一中心小学") && !res.text.contains(">一九年制学校<"))
                #expect(res.text.contains("九年一贯制 1") && !res.text.contains("/teachers?district="))
            }
        }
    }
}
