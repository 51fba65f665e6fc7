import Foundation
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
@testable import XuequApp

/// An actor's scope is resolved from the registry when the session resumes, not copied into the
/// account: a teacher moved to another school, or whose school is merged, acts in the new school
/// on the next request, with the same token.
@Suite("Scopes follow the registry")
struct ScopeTests {
    @Test("a teacher moved to another school sees the new school and their own record", arguments: TestDB.all)
    func teacherMoved(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let t1 = try await app.token("t1"), admin = try await app.token("admin")
            let me = f.teachers["甲"]!, oldSchool = f.schools["T0001"]!, newSchool = f.schools["T0003"]!
            var b = Bodies.teacher(f, name: "甲老师", rid: Fixture.residentID("19800101", 1), school: "T0003")
            b["version"] = 1
            b["schoolSince"] = "2010-09-01"
            let (_, body) = try jsonBody(b)
            try await app.check(.PUT, "/api/v1/teachers/\(me)", headers: bearer(admin, json: true), body: body) { res in #expect(res.status == .ok) }

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
