import Foundation
import Testing
import SQLKit
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
@testable import Registry
@testable import XuequApp

/// An actor's scope is resolved from the registry when the session resumes, not copied into the
/// account: a teacher moved to another school, or whose school is merged, acts in the new school
/// on the next request, with the same token.
@Suite("Scopes follow the registry")
struct ScopeTests {
    @Test("an area lies within another by its GB/T 2260 code: a county in its city and province, never in another's")
    func areasWithin() {
        #expect(AreaStore.lies("130402", within: "130400") && AreaStore.lies("130402", within: "13") && AreaStore.lies("130400", within: "13"))
        #expect(AreaStore.lies("130402", within: "130402"))
        #expect(!AreaStore.lies("130402", within: "130100") && !AreaStore.lies("130402", within: "130481") && !AreaStore.lies("140402", within: "13"))
        #expect(!AreaStore.lies("13", within: "130400") && !AreaStore.lies("1304", within: "130400"))
    }

    @Test("a teacher moved to another school sees the new school and their own record", arguments: TestDB.all)
    func teacherMoved(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let t1 = try await app.token("t1"), admin = try await app.token("admin")
            let me = f.teachers["甲"]!, oldSchool = f.schools["T0001"]!, newSchool = f.schools["T0003"]!
            // A move through the edit is refused: it is a transfer, with its date and reason.
            var b = Bodies.teacher(f, name: "甲老师", rid: Fixture.residentID("19800101", 1), school: "T0003")
            b["version"] = 1
            b["schoolSince"] = "2010-09-01"
            let (_, edit) = try jsonBody(b)
            try await app.check(.PUT, "/api/v1/teachers/\(me)", headers: bearer(admin, json: true), body: edit) { res in
                #expect(res.status == .unprocessableEntity && res.text.contains("use_transfer"))
            }
            // Bad transfers: nothing moves.
            for (bad, field) in [(["toSchoolId": newSchool, "onDate": "2099-01-01", "reason": "工作需要", "version": 1] as [String: Any], "onDate"),
                                 (["toSchoolId": newSchool, "onDate": "2000-01-01", "reason": "工作需要", "version": 1], "onDate"),
                                 (["toSchoolId": newSchool, "onDate": "2024-09-01", "reason": " ", "version": 1], "reason"),
                                 (["toSchoolId": oldSchool, "onDate": "2024-09-01", "reason": "工作需要", "version": 1], "toSchoolId")] {
                let (_, body) = try jsonBody(bad)
                try await app.check(.POST, "/api/v1/teachers/\(me)/transfers", headers: bearer(admin, json: true), body: body) { res in
                    #expect(res.status == .unprocessableEntity && res.text.contains(field), "\(bad)")
                }
            }
            // A district admin cannot move a teacher into another district.
            let (_, other) = try jsonBody(["toSchoolId": newSchool, "onDate": "2024-09-01", "reason": "工作需要", "version": 1])
            try await app.check(.POST, "/api/v1/teachers/\(me)/transfers", headers: bearer(try await app.token("d1"), json: true), body: other) { res in #expect(res.status == .forbidden) }
            try await app.check(.POST, "/api/v1/teachers/\(me)/transfers", headers: bearer(admin, json: true), body: other) { res in
                #expect(res.status == .ok)
                #expect((try? res.json())?["schoolSince"] as? String == "2024-09-01", "the rotation clock starts again on the transfer date")
            }
            // The same transfer again is stale: one move, one record.
            try await app.check(.POST, "/api/v1/teachers/\(me)/transfers", headers: bearer(admin, json: true), body: other) { res in #expect(res.status == .conflict || res.status == .unprocessableEntity) }
            struct X: Decodable { let reason: String; let note: String?; let createdBy: String? }
            let xs = try await app.db.sql.raw("SELECT reason, note, created_by FROM teacher_transfers WHERE teacher_id = \(bind: me)").all(decoding: X.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            #expect(xs.count == 1 && xs.first?.reason == "transfer" && xs.first?.note == "工作需要" && xs.first?.createdBy == "admin")

            try await app.check(.GET, "/api/v1/teachers/\(me)", headers: bearer(t1)) { res in
                #expect(res.status == .ok)
                #expect((try? res.json())?["residentId"] as? String == Fixture.residentID("19800101", 1))
            }
            try await app.check(.GET, "/api/v1/schools/\(newSchool)", headers: bearer(t1)) { res in #expect(res.status == .ok) }
            try await app.check(.GET, "/api/v1/schools/\(oldSchool)", headers: bearer(t1)) { res in #expect(res.status == .forbidden) }
            try await app.check(.GET, "/api/v1/me", headers: bearer(t1)) { res in
                #expect((try? res.json())?["schoolId"] as? Int == newSchool)
                #expect((try? res.json())?["districtId"] as? Int == f.districts["D2"]!)
            }
            // The teachers list is the new school's: 丁 is there, 乙 (still at the old school) is not.
            try await app.check(.GET, "/api/v1/teachers", headers: bearer(t1)) { res in
                let names = ((try? res.json())?["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
                #expect(names.contains("丁老师") && !names.contains("乙老师"))
            }
            // Twenty at once with the new version: exactly one more move; the rest are stale (409) or see the teacher already there (422), never a 500.
            let (_, back) = try jsonBody(["toSchoolId": oldSchool, "onDate": "2024-09-02", "reason": "返回原校", "version": 2])
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<20 { group.addTask { try await app.testing().sendRequest(.POST, "/api/v1/teachers/\(me)/transfers", headers: bearer(admin, json: true), body: back).status.code } }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1 && statuses.allSatisfy { [200, 409, 422].contains($0) }, "\(statuses)")
            struct C: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM teacher_transfers WHERE teacher_id = \(bind: me)").first(decoding: C.self)?.n == 2)
        }
    }

    @Test("a teacher whose school is merged follows the teachers into the receiving school", arguments: TestDB.all)
    func schoolMerged(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let t1 = try await app.token("t1"), d1 = try await app.token("d1")
            let from = f.schools["T0001"]!, into = f.schools["T0002"]!
            let (_, b) = try jsonBody(["intoSchoolId": into, "mergedOn": "2026-08-31", "note": "布局调整"])
            try await app.check(.POST, "/api/v1/schools/\(from)/merge", headers: bearer(d1, json: true), body: b) { res in #expect(res.status == .ok) }
            try await app.check(.GET, "/api/v1/teachers/\(f.teachers["甲"]!)", headers: bearer(t1)) { res in #expect(res.status == .ok) }
            try await app.check(.GET, "/api/v1/me", headers: bearer(t1)) { res in #expect((try? res.json())?["schoolId"] as? Int == into) }
            // The page session follows too.
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "t1")
            try await app.check(.GET, "/schools/\(into)", headers: h) { res in #expect(res.status == .ok) }
            try await app.check(.GET, "/schools/\(f.schools["T0003"]!)", headers: h) { res in #expect(res.status == .forbidden) }
        }
    }

    @Test("supervisors and interns act in their own scope and see no registry", arguments: TestDB.all)
    func ownScopes(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            for user in ["supervisor", "intern", "applicant"] {
                let token = try await app.token(user)
                try await app.check(.GET, "/api/v1/me", headers: bearer(token)) { res in
                    #expect(res.status == .ok)
                    #expect((try? res.json())?["schoolId"] == nil || (try? res.json())?["schoolId"] is NSNull)
                }
                try await app.check(.GET, "/api/v1/teachers", headers: bearer(token)) { res in #expect(res.status == .forbidden) }
            }
        }
    }
}

@Suite("Scoped searches start from the scope")
struct ScopedSearchPlanTests {
    /// The plan of the teacher list's WHERE clause for a scope and a one-character name search.
    static func plan(_ app: Application, _ db: TestDB, scope: RegistryScope, filter: TeacherFilter) async throws -> String {
        let query = app.db.sql.select().column(SQLColumn("id", table: "t")).from(SQLAlias(SQLIdentifier("teachers"), as: SQLIdentifier("t")))
            .where(RegistryStore.teacherConditions(scope: scope, filter: filter))
        switch db {
        case .sqlite:
            struct P: Decodable { let detail: String }
            return try await app.db.sql.raw("EXPLAIN QUERY PLAN \(query.select)").all(decoding: P.self).map(\.detail).joined(separator: "\n")
        case .postgres:
            // A fixture's few rows make any plan a sequential scan; the question is which index
            // the planner reaches for when it must use one.
            try await app.db.sql.raw("SET enable_seqscan = off").run()
            return try await app.db.sql.raw("EXPLAIN \(query.select)").all().map { (try? $0.decode(column: "QUERY PLAN", as: String.self)) ?? "" }.joined(separator: "\n")
        }
    }

    @Test("a district's and a school's name search read the scope's index, never the province's name grams; the bureau's reads the grams", arguments: TestDB.all)
    func plans(db: TestDB) async throws {
        try await withApp(db) { app, f in
            var filter = TeacherFilter()
            filter.q = "王"
            let district = try await Self.plan(app, db, scope: .district(f.districts["D1"]!), filter: filter)
            #expect(district.contains("teachers_district") && !district.contains("teacher_name_grams"), "\(district)")
            let school = try await Self.plan(app, db, scope: .school(f.schools["T0001"]!), filter: filter)
            #expect(school.contains("teachers_school") && !school.contains("teacher_name_grams"), "\(school)")
            let county = try await Self.plan(app, db, scope: .county, filter: filter)
            #expect(county.contains("teacher_name_grams"), "\(county)")
            // And the answers agree with a plain scan.
            try await app.db.sql.raw("UPDATE teachers SET name = '王小明' WHERE id = \(bind: f.teachers["甲"]!)").run()
            let found = try await RegistryStore.teachers(on: app.db, scope: .district(f.districts["D1"]!), filter: filter, page: PageSpec(page: 1, per: 50), withSchool: false)
            #expect(found.items.map(\.id) == [f.teachers["甲"]!])
        }
    }
}

@Suite("A common character across the province")
struct CommonCharacterSearchTests {
    @Test("2,100 holders of 王: the bureau's first pages walk the teachers in id order, with the same rows and total as the plain search", arguments: TestDB.all)
    func commonCharacter(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await f.addTeachers(app, names: (0..<2_100).map { $0 % 3 == 0 ? "李\($0)" : "王\($0)" })
            struct T: Decodable { let id: Int }
            let expected = try await app.db.sql.raw("SELECT id FROM teachers WHERE name LIKE '%王%' ORDER BY id").all(decoding: T.self).map(\.id)
            #expect(expected.count == 1_400)
            var filter = TeacherFilter(); filter.q = "王"
            // 1,400 holders is not common: the gram list drives, as before.
            #expect(try await RegistryStore.commonCharacter(scope: .county, filter: filter, on: app.db).commonCharacter == false)
            try await app.writeGate.transaction(on: app.db) { tx in
                try await tx.sql.raw("UPDATE teachers SET name = '王' || name WHERE name LIKE '李%'").run()
            }
            let all = try await app.db.sql.raw("SELECT id FROM teachers WHERE name LIKE '%王%' ORDER BY id").all(decoding: T.self).map(\.id)
            #expect(all.count == 2_100)
            #expect(try await RegistryStore.commonCharacter(scope: .county, filter: filter, on: app.db).commonCharacter)
            // A district's search is its own index's, whatever the character.
            #expect(try await RegistryStore.commonCharacter(scope: .district(f.districts["D1"]!), filter: filter, on: app.db).commonCharacter == false)
            for page in [1, 2, 42] {
                let r = try await RegistryStore.teachers(on: app.db, scope: .county, filter: filter, page: PageSpec(page: page, per: 50), withSchool: false)
                #expect(r.items.map(\.id) == Array(all.dropFirst((page - 1) * 50).prefix(50)), "page \(page)")
                #expect(r.total == 2_100)
            }
            if db == .sqlite {
                var common = filter; common.commonCharacter = true
                let query = app.db.sql.select().column(SQLColumn("id", table: "t")).from(SQLAlias(SQLIdentifier("teachers"), as: SQLIdentifier("t")))
                    .where(RegistryStore.teacherConditions(scope: .county, filter: common)).orderBy(SQLRaw("t.id")).limit(50)
                struct P: Decodable { let detail: String }
                let plan = try await app.db.sql.raw("EXPLAIN QUERY PLAN \(query.select)").all(decoding: P.self).map(\.detail).joined(separator: "\n")
                #expect(plan.contains("SCAN t") && !plan.contains("TEMP B-TREE"), "\(plan)")
            }
        }
    }
}
