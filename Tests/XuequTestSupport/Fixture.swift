import Foundation
import Registry
import SQLKit
import Testing
import Vapor
import VaporTesting
import XuequCore
import XuequKit
import XuequApp

/// Two districts with their schools and teachers, and one account per role, each bound to a scope.
///
///   D1: T0001 (primary, central), T0002 (nine-year)      D2: T0003 (primary)
///   accounts: admin, d1 (D1), d2 (D2), s1 (T0001), s3 (T0003), t1 (teacher at T0001),
///             reviewer, prefecture, supervisor, intern, applicant
public struct Fixture: Sendable {
    public var districts: [String: Int] = [:]
    public var schools: [String: Int] = [:]
    public var teachers: [String: Int] = [:]
    public var users: [String: Int] = [:]
    public static let password = "fixture-password"
    public static let empty = Fixture()

    public static func residentID(_ birth: String, _ seq: Int, area: String = "130481") -> String {
        let head = area + birth + String(format: "%03d", seq)
        return head + String(ResidentID.checkCharacter(forFirst17: head))
    }

    public static func make(_ app: Application) async throws -> Fixture {
        var f = Fixture()
        let now = app.clock.now().timeIntervalSince1970
        let hash = try await Accounts.hashPassword(password, app: app)
        let (districts, schools) = try await app.writeGate.transaction(on: app.db) { tx -> ([String: Int], [String: Int]) in
            let d1 = try await RegistryStore.insertDistrict(code: "D1", name: "一学区", on: tx, now: now)
            let d2 = try await RegistryStore.insertDistrict(code: "D2", name: "二学区", on: tx, now: now)
            func school(_ code: String, _ name: String, _ d: Int, _ stage: Stage, central: Bool = false) async throws -> Int {
                try await RegistryStore.insertSchool(ValidSchool(code: code, name: name, districtRef: .id(d), stage: stage, locality: .rural, boarding: false,
                                                                 central: central, standardised: true, students: 300, address: nil), districtId: d, on: tx, now: now)
            }
            let s1 = try await school("T0001", "一中心小学", d1, .primary, central: true)
            let s2 = try await school("T0002", "一九年制学校", d1, .nineYear)
            let s3 = try await school("T0003", "二小学", d2, .primary)
            try await tx.sql.raw("UPDATE districts SET central_school_id = \(bind: s1) WHERE id = \(bind: d1)").run()
            func teacher(_ name: String, _ birth: String, _ seq: Int, _ school: Int, _ d: Int, since: String, part: StagePart? = nil) -> (ValidTeacher, schoolId: Int, districtId: Int) {
                let rid = try! ResidentID.parse(residentID(birth, seq)).get()
                return (ValidTeacher(name: name, residentId: rid, schoolRef: .id(school), subjects: [.math], education: .bachelor, putonghua: .l2A,
                                     title: .intermediate, backbone: .county, schoolSince: CivilDate(parsing: since)!, stagePart: part, phone: "13800001234"), school, d)
            }
            try await RegistryStore.insertTeachers([
                teacher("甲老师", "19800101", 1, s1, d1, since: "2010-09-01"),
                teacher("乙老师", "19850202", 2, s1, d1, since: "2022-09-01"),
                teacher("丙老师", "19860303", 3, s2, d1, since: "2018-09-01", part: .junior),
                teacher("丁老师", "19870404", 4, s3, d2, since: "2015-09-01"),
            ], on: tx, now: now)
            return (["D1": d1, "D2": d2], ["T0001": s1, "T0002": s2, "T0003": s3])
        }
        f.districts = districts
        f.schools = schools
        for (name, rid) in [("甲", residentID("19800101", 1)), ("乙", residentID("19850202", 2)), ("丙", residentID("19860303", 3)), ("丁", residentID("19870404", 4))] {
            f.teachers[name] = try await RegistryStore.existingResidentIDs([rid], on: app.db)[rid]
        }
        let accounts: [Accounts.NewUser] = [
            .init(username: "admin", displayName: "局管理员", role: .bureauAdmin),
            .init(username: "d1", displayName: "学区一", role: .districtAdmin, districtId: f.districts["D1"]),
            .init(username: "d2", displayName: "学区二", role: .districtAdmin, districtId: f.districts["D2"]),
            .init(username: "s1", displayName: "校长一", role: .schoolAdmin, districtId: f.districts["D1"], schoolId: f.schools["T0001"]),
            .init(username: "s3", displayName: "校长三", role: .schoolAdmin, districtId: f.districts["D2"], schoolId: f.schools["T0003"]),
            .init(username: "t1", displayName: "甲老师", role: .teacher, districtId: f.districts["D1"], schoolId: f.schools["T0001"], teacherId: f.teachers["甲"]),
            .init(username: "reviewer", displayName: "审核员", role: .reviewer),
            .init(username: "prefecture", displayName: "市审核员", role: .prefectureReviewer),
            .init(username: "supervisor", displayName: "带队教师", role: .supervisor),
            .init(username: "intern", displayName: "实习生", role: .intern),
            .init(username: "applicant", displayName: "申请人", role: .applicant),
        ]
        let date = app.clock.now()
        f.users = try await app.writeGate.transaction(on: app.db) { tx -> [String: Int] in
            var ids: [String: Int] = [:]
            for a in accounts { ids[a.username] = try await Accounts.insertUser(a, passwordHash: hash, on: tx, now: date) }
            return ids
        }
        return f
    }
}

extension Application {
    /// Signs in through the API and returns the bearer token.
    public func token(_ username: String, password: String = Fixture.password) async throws -> String {
        var token = ""
        let (h, b) = try jsonBody(["username": username, "password": password])
        try await testing().test(.POST, "/api/v1/session", headers: h, body: b) { res in
            #expect(res.status == .ok, "sign-in of \(username)")
            token = (try res.json()["token"] as? String) ?? ""
        }
        return token
    }
}

public func bearer(_ token: String, json: Bool = false) -> HTTPHeaders {
    var h = HTTPHeaders()
    h.bearerAuthorization = BearerAuthorization(token: token)
    if json { h.contentType = .json }
    return h
}

extension Fixture {
    /// `names.count` more teachers, copies of 甲 with their own resident IDs, alternately at T0001
    /// (D1) and T0003 (D2): a list or search at a scale a fixture of four does not reach.
    public func addTeachers(_ app: Application, names: [String]) async throws {
        let jia = teachers["甲"]!, at = [schools["T0001"]!, schools["T0003"]!]
        try await app.writeGate.transaction(on: app.db) { tx in
            for (k, name) in names.enumerated() {
                let school = at[k % 2]
                try await tx.sql.raw("""
                    INSERT INTO teachers (name, resident_id, birth_date, gender, school_id, district_id, subjects, education, putonghua, title, backbone, school_since, created_at, updated_at, version)
                    SELECT \(bind: name), \(bind: String(format: "1301021990%06dX", k)), birth_date, gender, \(bind: school), (SELECT district_id FROM schools WHERE id = \(bind: school)),
                           subjects, education, putonghua, title, backbone, school_since, created_at, updated_at, 1 FROM teachers WHERE id = \(bind: jia)
                    """).run()
            }
        }
    }
}
