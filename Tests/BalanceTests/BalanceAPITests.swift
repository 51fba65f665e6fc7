import Foundation
import Registry
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
@testable import Balance
@testable import XuequApp

/// `GET /api/v1/balance` and `POST /api/v1/balance/whatif` on both databases, with numbers
/// worked out by hand from the fixture (see the comments).
@Suite("Balance API")
struct BalanceAPITests {
    /// T0001 (primary): 200 pupils, 1000 books, teachers 甲 乙.
    /// T0002 (nine-year): 300 + 100 pupils, 1400 books, teacher 丙 in the junior part.
    ///   Primary share 300 / (300 + 1.1·100) = 0.7317.
    /// T0003 (primary, D2): 100 pupils, 800 books, teacher 丁.
    static func putConditions(_ app: Application, _ f: Fixture, year: Int = 2026) async throws {
        let admin = try await app.token("admin")
        for (code, p, j, books) in [("T0001", 200, 0, 1000), ("T0002", 300, 100, 1400), ("T0003", 100, 0, 800)] {
            let (_, b) = try jsonBody(["year": year, "students": ["primary": p, "junior": j, "senior": 0], "floorArea": 4.5 * Double(p + j), "sportsArea": 8 * (p + j),
                                       "equipmentValue": 2500 * (p + j), "computers": (p + j) / 10, "books": books, "multimediaRooms": 3])
            try await app.check(.PUT, "/api/v1/schools/\(f.schools[code]!)/conditions", headers: bearer(admin, json: true), body: b) { res in
                #expect(res.status == .ok, "conditions of \(code)")
            }
        }
    }

    static func get(_ app: Application, _ token: String, _ query: String) async throws -> (HTTPStatus, [String: Any]) {
        var out: (HTTPStatus, [String: Any]) = (.internalServerError, [:])
        try await app.check(.GET, "/api/v1/balance?\(query)", headers: bearer(token)) { res in
            out = (res.status, (try? res.json()) ?? [:])
        }
        return out
    }

    static func coefficient(_ body: [String: Any], _ indicator: String) -> [String: Any]? {
        (body["coefficients"] as? [[String: Any]])?.first { $0["indicator"] as? String == indicator }
    }

    @Test("the contract's answer for the county and for one district", arguments: TestDB.all)
    func contract(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.putConditions(app, f)
            let admin = try await app.token("admin")

            let (status, county) = try await Self.get(app, admin, "standard=basic&stage=primary&year=2026")

            #expect(status == .ok)
            #expect(county["standard"] as? String == "basic")
            #expect(county["stage"] as? String == "primary")
            #expect(county["year"] as? Int == 2026)
            #expect(county["schools"] as? Int == 3)
            #expect((county["coefficients"] as? [[String: Any]])?.map { $0["indicator"] as? String } == Indicator.basic.map(\.rawValue))
            // books per pupil 5, 3.415, 8 over 200, 300, 100 pupils → CV 0.347
            #expect(Self.coefficient(county, "books")?["value"] as? Double == 0.347)
            #expect(Self.coefficient(county, "books")?["limit"] as? Double == 0.65)
            #expect(Self.coefficient(county, "books")?["pass"] as? Bool == true)
            // teachers per pupil 0.01, 0, 0.01 → mean 0.005, S 0.005, CV 1
            #expect(Self.coefficient(county, "teacher_ratio")?["value"] as? Double == 1)
            #expect(Self.coefficient(county, "teacher_ratio")?["pass"] as? Bool == false)
            #expect(county["composite"] is Double)
            #expect(county["pass"] is Bool)
            #expect(county["schoolsBelowStandard"] == nil)

            let (_, district) = try await Self.get(app, admin, "standard=basic&stage=primary&year=2026&district=\(f.districts["D1"]!)")
            #expect(district["schools"] as? Int == 2)
            #expect(Self.coefficient(district, "books")?["value"] as? Double == 0.192)

            // One junior unit: nothing to differ from.
            let (_, junior) = try await Self.get(app, admin, "standard=basic&stage=junior&year=2026")
            #expect(junior["schools"] as? Int == 1)
            #expect(Self.coefficient(junior, "books")?["value"] as? Double == 0)

            let (_, quality) = try await Self.get(app, admin, "standard=quality&stage=primary&year=2026")
            #expect((quality["coefficients"] as? [[String: Any]])?.map { $0["indicator"] as? String } == Indicator.quality.map(\.rawValue))
            #expect(quality["composite"] is NSNull)
            let below = quality["schoolsBelowStandard"] as? [[String: Any]] ?? []
            #expect(Set(below.compactMap { $0["schoolId"] as? Int }) == Set(f.schools.values))
            // Every school has 1 teacher per 100 pupils at most: short of 4.2 qualified teachers per 100.
            #expect(below.allSatisfy { ($0["failing"] as? [String])?.contains("above_required_education_per_100") == true })
            #expect(below.allSatisfy { $0["met"] is Int })
            #expect(quality["pass"] as? Bool == false)

            // The summary: the same four answers from one read.
            try await app.check(.GET, "/api/v1/balance/summary?year=2026", headers: bearer(admin)) { res in
                #expect(res.status == .ok)
                let results = (try? res.json())?["results"] as? [[String: Any]] ?? []
                #expect(results.map { "\($0["standard"] ?? "")/\($0["stage"] ?? "")" } == ["basic/primary", "basic/junior", "quality/primary", "quality/junior"])
                #expect(NSDictionary(dictionary: results.first ?? [:]) == NSDictionary(dictionary: county))
                #expect(NSDictionary(dictionary: results.count > 2 ? results[2] : [:]) == NSDictionary(dictionary: quality))
            }
        }
    }

    @Test("scopes and bad parameters", arguments: TestDB.all)
    func scopeAndErrors(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.putConditions(app, f)
            let d1 = try await app.token("d1")
            #expect(try await Self.get(app, d1, "standard=basic&stage=primary&district=\(f.districts["D2"]!)").0 == .forbidden)
            #expect(try await Self.get(app, d1, "standard=basic&stage=primary&district=\(f.districts["D1"]!)").0 == .ok)
            // The county's figures, but only the reader's own schools by name.
            let (status, county) = try await Self.get(app, d1, "standard=quality&stage=primary")
            #expect(status == .ok)
            #expect(county["schools"] as? Int == 3)
            let listed = Set((county["schoolsBelowStandard"] as? [[String: Any]] ?? []).compactMap { $0["schoolId"] as? Int })
            #expect(listed == [f.schools["T0001"]!, f.schools["T0002"]!])
            let s1 = try await app.token("s1")
            let (_, mine) = try await Self.get(app, s1, "standard=quality&stage=primary")
            #expect(Set((mine["schoolsBelowStandard"] as? [[String: Any]] ?? []).compactMap { $0["schoolId"] as? Int }) == [f.schools["T0001"]!])

            for role in ["t1", "reviewer", "applicant"] {
                let t = try await app.token(role)
                #expect(try await Self.get(app, t, "standard=basic&stage=primary").0 == .forbidden, "\(role)")
            }
            let admin = try await app.token("admin")
            let (s422, missing) = try await Self.get(app, admin, "stage=primary")
            #expect(s422 == .unprocessableEntity)
            #expect((missing["fields"] as? [String: Any])?["standard"] != nil)
            #expect(try await Self.get(app, admin, "standard=basic&stage=senior").0 == .unprocessableEntity)
            #expect(try await Self.get(app, admin, "standard=basic&stage=primary&year=1990").0 == .unprocessableEntity)
            #expect(try await Self.get(app, admin, "standard=basic&stage=primary&year=abc").0 == .unprocessableEntity)
            #expect(try await Self.get(app, admin, "standard=basic&stage=primary&district=999999").0 == .notFound)
            try await app.check(.GET, "/api/v1/balance?standard=basic&stage=primary") { res in #expect(res.status == .unauthorized) }
            // A year without conditions: every school is listed as left out, nothing divides by zero.
            let (_, empty) = try await Self.get(app, admin, "standard=basic&stage=primary&year=2020")
            #expect(empty["schools"] as? Int == 0)
            #expect((empty["excluded"] as? [[String: Any]])?.count == 3)
            #expect((empty["excluded"] as? [[String: Any]])?.allSatisfy { $0["reason"] as? String == "no_conditions" } == true)
            #expect(empty["pass"] as? Bool == false)
        }
    }

    @Test("teacher tallies follow every write: create, edit, move, merge, import", arguments: TestDB.all)
    func talliesFollowWrites(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            func same() async throws {
                let kept = try await TeacherTallies.load(year: nil, district: nil, on: app.db) ?? [:]
                let counted = try await TeacherTallies.recount(on: app.db)
                #expect(kept == counted)
            }
            try await same()
            // A music teacher with 专科 at T0003.
            let (_, b) = try jsonBody(Bodies.teacher(f, name: "音乐老师", rid: Fixture.residentID("19900505", 5), school: "T0003",
                                                                 extra: ["subjects": ["music"], "education": "junior_college"]))
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(admin, json: true), body: b) { res in #expect(res.status == .created) }
            try await same()
            let t3 = try await TeacherTallies.load(year: nil, district: nil, on: app.db)?[f.schools["T0003"]!]?[""]
            #expect(t3?.total == 2 && t3?.peArt == 1 && t3?.byEducation[2] == 1)
            // 甲 moves to T0003 (a transfer) and becomes a senior teacher (an edit).
            let (_, move) = try jsonBody(["toSchoolId": f.schools["T0003"]!, "onDate": "2024-09-01", "reason": "工作需要", "version": 1])
            try await app.check(.POST, "/api/v1/teachers/\(f.teachers["甲"]!)/transfers", headers: bearer(admin, json: true), body: move) { res in #expect(res.status == .ok) }
            try await same()
            var edit = Bodies.teacher(f, name: "甲老师", rid: Fixture.residentID("19800101", 1), school: "T0003", extra: ["title": "senior", "version": 2])
            edit["schoolSince"] = "2024-09-01"
            let (_, e) = try jsonBody(edit)
            try await app.check(.PUT, "/api/v1/teachers/\(f.teachers["甲"]!)", headers: bearer(admin, json: true), body: e) { res in #expect(res.status == .ok) }
            try await same()
            // An import of three teachers.
            let (h, body) = multipart(file: try fixtureData("teachers_good.xlsx"), filename: "teachers_good.xlsx")
            var headers = bearer(admin); headers.contentType = h.contentType
            try await app.check(.POST, "/api/v1/imports/teachers", headers: headers, body: body) { res in #expect(res.status == .ok) }
            try await same()
            // T0002 merges into T0001: 丙 and the imported teachers move.
            let (_, m) = try jsonBody(["intoSchoolId": f.schools["T0001"]!, "mergedOn": "2026-09-01"])
            try await app.check(.POST, "/api/v1/schools/\(f.schools["T0002"]!)/merge", headers: bearer(admin, json: true), body: m) { res in #expect(res.status == .ok) }
            try await same()
        }
    }

    @Test("a what-if of any size is read at once: 300 moves in one trial", arguments: TestDB.all)
    func largeWhatIf(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.putConditions(app, f)
            let admin = try await app.token("admin")
            // Three hundred moves of the same two teachers back and forth is nonsense as a plan but
            // a fine load: every one is checked, and the answer still comes from one read.
            var moves: [[String: Any]] = []
            for i in 0..<300 {
                moves.append(["teacherId": f.teachers[i % 2 == 0 ? "甲" : "丙"]!, "toSchoolId": f.schools["T0003"]!])
            }
            let (_, b) = try jsonBody(["year": 2026, "moves": moves])
            try await app.check(.POST, "/api/v1/balance/whatif", headers: bearer(admin, json: true), body: b) { res in
                #expect(res.status == .ok)
                #expect(((try? res.json())?["after"] as? [Any])?.count == 4)
            }
        }
    }

    @Test("what-if answers before and after and saves nothing", arguments: TestDB.all)
    func whatIf(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.putConditions(app, f)
            let admin = try await app.token("admin")
            // 甲 moves from T0001 to T0003: teachers per pupil 0.005, 0, 0.02 → mean 0.005, S 0.00707, CV 1.414.
            let (_, b) = try jsonBody(["year": 2026, "moves": [["teacherId": f.teachers["甲"]!, "toSchoolId": f.schools["T0003"]!]],
                                       "facilities": [["schoolId": f.schools["T0002"]!, "facility": "books", "amount": 1000]]])
            try await app.check(.POST, "/api/v1/balance/whatif", headers: bearer(admin, json: true), body: b) { res in
                #expect(res.status == .ok)
                let json = (try? res.json()) ?? [:]
                let before = (json["before"] as? [[String: Any]])?.first { $0["standard"] as? String == "basic" && $0["stage"] as? String == "primary" } ?? [:]
                let after = (json["after"] as? [[String: Any]])?.first { $0["standard"] as? String == "basic" && $0["stage"] as? String == "primary" } ?? [:]
                #expect(Self.coefficient(before, "teacher_ratio")?["value"] as? Double == 1)
                #expect(Self.coefficient(after, "teacher_ratio")?["value"] as? Double == 1.414)
                #expect((Self.coefficient(after, "books")?["value"] as? Double ?? 1) < (Self.coefficient(before, "books")?["value"] as? Double ?? 0))
                #expect((json["after"] as? [Any])?.count == 4)
            }
            #expect(Self.coefficient(try await Self.get(app, admin, "standard=basic&stage=primary").1, "teacher_ratio")?["value"] as? Double == 1)

            // Someone else's teacher is not there for a district admin; nonsense is a 422.
            let d1 = try await app.token("d1")
            let (_, other) = try jsonBody(["moves": [["teacherId": f.teachers["丁"]!, "toSchoolId": f.schools["T0001"]!]]])
            try await app.check(.POST, "/api/v1/balance/whatif", headers: bearer(d1, json: true), body: other) { res in #expect(res.status == .notFound) }
            let (_, none) = try jsonBody(["moves": []])
            try await app.check(.POST, "/api/v1/balance/whatif", headers: bearer(admin, json: true), body: none) { res in #expect(res.status == .unprocessableEntity) }
            let (_, bad) = try jsonBody(["facilities": [["schoolId": f.schools["T0001"]!, "facility": "gold", "amount": 5]]])
            try await app.check(.POST, "/api/v1/balance/whatif", headers: bearer(admin, json: true), body: bad) { res in #expect(res.status == .unprocessableEntity) }
        }
    }

    @Test("a recorded year keeps its teacher figures; other years use today's", arguments: TestDB.all)
    func recordedYear(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.putConditions(app, f, year: 2025)
            try await Self.putConditions(app, f, year: 2026)
            try await TeacherTallies.record(year: 2025, on: app.db)
            let admin = try await app.token("admin")
            // Two more teachers at T0003 after the record.
            for (i, birth) in ["19910101", "19920202"].enumerated() {
                let (_, b) = try jsonBody(Bodies.teacher(f, name: "新\(i)", rid: Fixture.residentID(birth, 11 + i), school: "T0003"))
                try await app.check(.POST, "/api/v1/teachers", headers: bearer(admin, json: true), body: b) { res in #expect(res.status == .created) }
            }
            let (_, past) = try await Self.get(app, admin, "standard=basic&stage=primary&year=2025")
            #expect(past["teachers"] as? String == "recorded")
            #expect(Self.coefficient(past, "teacher_ratio")?["value"] as? Double == 1)
            let (_, now) = try await Self.get(app, admin, "standard=basic&stage=primary&year=2026")
            #expect(now["teachers"] as? String == "live")
            #expect(Self.coefficient(now, "teacher_ratio")?["value"] as? Double != 1)
        }
    }
}
