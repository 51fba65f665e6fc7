import Foundation
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
import Registry
@testable import XuequApp
@testable import XuequKit

@Suite("Imports and exports")
struct ImportTests {
    static func count(_ app: Application) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await app.db.sql.raw("SELECT COUNT(*) AS n FROM teachers").first(decoding: N.self)!.n
    }

    static func upload(_ app: Application, _ token: String, _ file: String, kind: String = "teachers", data: Data? = nil) async throws -> TestingHTTPResponse {
        let (h, body) = multipart(file: try data ?? fixtureData(file), filename: file)
        var headers = bearer(token)
        headers.contentType = h.contentType
        return try await app.testing().sendRequest(.POST, "/api/v1/imports/\(kind)", headers: headers, body: body)
    }

    @Test("a good .xlsx from openpyxl imports every row", arguments: TestDB.all)
    func good(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let t = try await app.token("d1")
            let before = try await Self.count(app)
            let res = try await Self.upload(app, t, "teachers_good.xlsx")
            #expect(res.status == .ok)
            #expect((try? res.json())?["imported"] as? Int == 3)
            #expect(try await Self.count(app) == before + 3)
            if db == .sqlite {
                // Rows unpacked from JSON keep their column types.
                struct N: Decodable { let n: Int }
                let wrong = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM teachers WHERE typeof(school_id) <> 'integer' OR typeof(version) <> 'integer' OR typeof(created_at) <> 'real'").first(decoding: N.self)!.n
                #expect(wrong == 0)
            }
            try await app.check(.GET, "/api/v1/teachers?q=%E6%9D%8E%E6%98%8E", headers: bearer(t)) { res in
                let item = ((try? res.json())?["items"] as? [[String: Any]])?.first
                #expect(item?["schoolSince"] as? String == "2015-09-01")
                #expect(item?["subjects"] as? [String] == ["chinese", "math"])
                #expect(item?["backbone"] as? String == "county")
            }
        }
    }

    @Test("GBK and UTF-8-with-BOM CSVs import", arguments: TestDB.all)
    func csv(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let t = try await app.token("admin")
            #expect((try? await Self.upload(app, t, "teachers_gbk.csv").json())?["imported"] as? Int == 2)
            #expect((try? await Self.upload(app, t, "teachers_utf8_bom.csv").json())?["imported"] as? Int == 2)
        }
    }

    @Test("a bad sheet names every bad row and imports nothing", arguments: TestDB.all)
    func bad(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let t = try await app.token("admin")
            let before = try await Self.count(app)
            let res = try await Self.upload(app, t, "teachers_bad.xlsx")
            #expect(res.status == .unprocessableEntity)
            let errors = (try? res.json())?["errors"] as? [[String: Any]] ?? []
            let byRow = Dictionary(grouping: errors, by: { $0["row"] as? Int ?? 0 })
            #expect(Set(byRow.keys) == [2, 3, 4, 5, 6, 8], "row 7 is fine on its own; row 8 repeats it")
            #expect(byRow[2]?.first?["column"] as? String == "身份证号")
            #expect((byRow[3]?.first?["reason"] as? String)?.contains("出生日期") == true)
            #expect((byRow[4]?.first?["reason"] as? String)?.contains("NOPE9") == true)
            #expect(byRow[5]?.first?["column"] as? String == "本校任教起始日期")
            #expect(Set((byRow[6] ?? []).compactMap { $0["column"] as? String }) == ["任教学科", "普通话等级"])
            #expect((byRow[8]?.first?["reason"] as? String)?.contains("第7行") == true)
            #expect(try await Self.count(app) == before)
        }
    }

    @Test("English callers get English reasons", arguments: TestDB.all)
    func english(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let t = try await app.token("admin")
            let (h, body) = multipart(file: try fixtureData("teachers_bad.xlsx"), filename: "x.xlsx")
            var headers = bearer(t)
            headers.contentType = h.contentType
            headers.replaceOrAdd(name: .acceptLanguage, value: "en-US,en;q=0.9")
            let res = try await app.testing().sendRequest(.POST, "/api/v1/imports/teachers", headers: headers, body: body)
            let errors = (try? res.json())?["errors"] as? [[String: Any]] ?? []
            #expect((errors.first?["reason"] as? String)?.contains("check character") == true)
        }
    }

    @Test("wrong files: a picture, an empty file, missing headers, too large", arguments: TestDB.all)
    func wrongFiles(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let t = try await app.token("admin")
            let pic = try await Self.upload(app, t, "picture.xlsx")
            #expect(pic.status == .unprocessableEntity)
            #expect((try? pic.json())?["code"] as? String == "not_a_spreadsheet")
            let empty = try await Self.upload(app, t, "empty.csv", data: Data())
            #expect((try? empty.json())?["code"] as? String == "empty_file")
            let headers = try await Self.upload(app, t, "teachers_missing_headers.xlsx")
            #expect(headers.status == .unprocessableEntity)
            #expect((try? headers.json())?["code"] as? String == "missing_headers")
            #expect(((try? headers.json())?["reason"] as? String)?.contains("任教学科") == true)
            let big = try await Self.upload(app, t, "big.csv", data: Data(repeating: 65, count: 21 * 1024 * 1024))
            #expect(big.status == .payloadTooLarge)
            // Nothing was half-written by any of them.
            #expect(try await Self.count(app) == 4)
        }
    }

    @Test("rows for schools outside the importer's scope are refused", arguments: TestDB.all)
    func scope(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let t = try await app.token("s3")
            let res = try await Self.upload(app, t, "teachers_good.xlsx")
            #expect(res.status == .unprocessableEntity)
            let reasons = ((try? res.json())?["errors"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
            #expect(reasons.count == 3 && reasons.allSatisfy { $0.contains("管理范围") })
            let teacher = try await app.token("t1")
            #expect(try await Self.upload(app, teacher, "teachers_good.xlsx").status == .forbidden)
        }
    }

    @Test("schools import from a sheet", arguments: TestDB.all)
    func schools(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let t = try await app.token("d1")
            let res = try await Self.upload(app, t, "schools_good.xlsx", kind: "schools")
            #expect((try? res.json())?["imported"] as? Int == 2)
            let again = try await Self.upload(app, t, "schools_good.xlsx", kind: "schools")
            #expect(again.status == .unprocessableEntity)
            let d2 = try await app.token("d2")
            #expect(try await Self.upload(app, d2, "schools_good.xlsx", kind: "schools").status == .unprocessableEntity)
        }
    }

    @Test("an exported list imports again elsewhere, and exports honour the filter and masking", arguments: TestDB.all)
    func exportRoundTrip(db: TestDB) async throws {
        try await withApp(db) { app, f in
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "admin")
            var xlsx = Data()
            try await app.check(.GET, "/teachers/export?format=xlsx&district=\(f.districts["D1"]!)", headers: h) { res in
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.subType == "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                xlsx = Data(buffer: res.body)
            }
            let table = try Spreadsheet.read(xlsx)
            #expect(table.rows.count == 4)
            #expect(table.header.prefix(9) == ["姓名", "身份证号", "学校代码", "任教学科", "学历", "普通话等级", "职称", "骨干级别", "本校任教起始日期"])
            // Same rows again: refused as duplicates, nothing changes.
            let t = try await app.token("admin")
            let res = try await ImportTests.upload(app, t, "export.xlsx", data: xlsx)
            #expect(res.status == .unprocessableEntity)
            #expect(((try? res.json())?["errors"] as? [[String: Any]])?.count == 3)

            var teacherH = HTTPHeaders()
            teacherH.cookie = try await Browser.login(app, "t1")
            try await app.check(.GET, "/teachers/export?format=csv", headers: teacherH) { res in #expect(res.status == .forbidden) }
            var schoolH = HTTPHeaders()
            schoolH.cookie = try await Browser.login(app, "s1")
            try await app.check(.GET, "/teachers/export?format=csv", headers: schoolH) { res in
                let csv = try Spreadsheet.read(Data(buffer: res.body))
                #expect(csv.rows.count == 3)
                #expect(csv.rows.dropFirst().allSatisfy { !$0[1].contains("*") }, "own school: full IDs")
            }
        }
    }

    @Test("the downloadable template is an .xlsx with the contract's headers")
    func template() async throws {
        try await withApp(.sqlite) { app, _ in
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "s1")
            try await app.check(.GET, "/imports/template/teachers.xlsx", headers: h) { res in
                let t = try Spreadsheet.read(Data(buffer: res.body))
                #expect(t.header.prefix(9) == ["姓名", "身份证号", "学校代码", "任教学科", "学历", "普通话等级", "职称", "骨干级别", "本校任教起始日期"])
            }
        }
    }
}

@Suite("Long exports")
struct LongExportTests {
    @Test("an export longer than one chunk has every row once", arguments: TestDB.all)
    func chunks(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let school = f.schools["T0001"]!, district = f.districts["D1"]!
            let rows = (0..<450).map { i -> (ValidTeacher, schoolId: Int, districtId: Int) in
                let rid = try! ResidentID.parse(Fixture.residentID(String(format: "1990%04d", 101 + i % 28 + (i / 28 % 12) * 100), 500 + i / 336)).get()
                return (ValidTeacher(name: "导出\(i)", residentId: rid, schoolRef: .id(school), subjects: [.math], education: .bachelor, putonghua: .l2A,
                                     title: .junior, backbone: .none, schoolSince: CivilDate(year: 2015, month: 9, day: 1)!, stagePart: nil, phone: nil), school, district)
            }
            let unique = Dictionary(rows.map { ($0.0.residentId.value, $0) }, uniquingKeysWith: { a, _ in a }).values.map { $0 }
            try await app.writeGate.transaction(on: app.db) { tx in try await RegistryStore.insertTeachers(unique, on: tx, now: 0) }
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "s1")
            try await app.check(.GET, "/teachers/export?format=csv&sort=name", headers: h) { res in
                let table = try Spreadsheet.read(Data(buffer: res.body))
                let ids = table.rows.dropFirst().map { $0[1] }
                #expect(ids.count == unique.count + 2)
                #expect(Set(ids).count == ids.count, "no row twice")
            }
        }
    }
}
