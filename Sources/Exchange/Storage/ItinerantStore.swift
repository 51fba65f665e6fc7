import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// 走教: a district's itinerant teachers, the periods its schools need and the travel times
/// (issue 33: the service keeps the checks, the validation, the transactions and the audit; the
/// statements are here).
extension ExchangeStore {
    /// The district with the most itinerant teachers, of `districts` (nil: of all).
    static func busiestItinerantDistrict(among districts: [Int]?, on db: any Database) async throws -> Int? {
        struct R: Decodable { let districtId: Int }
        let own: SQLQueryString = districts.map { "WHERE " + RegistryStore.inList("district_id", $0) } ?? ""
        return try await db.sql.raw(
            "SELECT district_id FROM exchange_itinerant_teachers \(own) GROUP BY district_id ORDER BY COUNT(*) DESC, district_id LIMIT 1"
        )
        .first(decoding: R.self, with: decoder)?.districtId
    }

    /// The districts that have itinerant teachers, of `districts` (nil: of all).
    static func itinerantDistricts(among districts: [Int]?, on db: any Database) async throws -> [Int] {
        struct R: Decodable { let districtId: Int }
        let own: SQLQueryString = districts.map { "WHERE " + RegistryStore.inList("district_id", $0) } ?? ""
        return try await db.sql.raw("SELECT DISTINCT district_id FROM exchange_itinerant_teachers \(own) ORDER BY district_id")
            .all(decoding: R.self, with: decoder).map(\.districtId)
    }

    /// The district a teacher is itinerant in (the first, should there be several).
    static func itinerantDistrict(teacherId t: Int, on db: any Database) async throws -> Int? {
        struct R: Decodable { let districtId: Int }
        return try await db.sql.raw("SELECT district_id FROM exchange_itinerant_teachers WHERE teacher_id = \(bind: t) ORDER BY district_id LIMIT 1")
            .first(decoding: R.self, with: decoder)?.districtId
    }

    struct ItinerantTeacherRow: Decodable {
        let teacherId: Int
        let name: String
        let subject: String
        let schoolId: Int
        let maxPeriods: Int
    }

    /// A district's itinerant teachers with their names and home schools, by subject and name.
    static func itinerantTeacherRows(district d: Int, on db: any Database) async throws -> [ItinerantTeacherRow] {
        try await db.sql.raw(
            """
            SELECT i.teacher_id, t.name, i.subject, t.school_id, i.max_periods FROM exchange_itinerant_teachers i JOIN teachers t ON t.id = i.teacher_id
            WHERE i.district_id = \(bind: d) ORDER BY i.subject, t.name
            """
        ).all(decoding: ItinerantTeacherRow.self, with: decoder)
    }

    struct DemandRow: Decodable {
        let schoolId: Int
        let subject: String
        let periods: Int
    }

    /// A district's weekly demand, by school and subject.
    static func demandRows(district d: Int, on db: any Database) async throws -> [DemandRow] {
        try await db.sql.raw("SELECT school_id, subject, periods FROM exchange_itinerant_demand WHERE district_id = \(bind: d) ORDER BY school_id, subject")
            .all(decoding: DemandRow.self, with: decoder)
    }

    struct TravelRow: Decodable {
        let fromSchoolId: Int
        let toSchoolId: Int
        let minutes: Int
    }

    /// A district's travel times between its schools.
    static func travelRows(district d: Int, on db: any Database) async throws -> [TravelRow] {
        try await db.sql.raw("SELECT from_school_id, to_school_id, minutes FROM exchange_travel WHERE district_id = \(bind: d)").all(
            decoding: TravelRow.self, with: decoder)
    }

    /// A teacher itinerant in a district (in that one only).
    static func putItinerantTeacher(district d: Int, teacherId tid: Int, subject: String, maxPeriods max: Int, on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM exchange_itinerant_teachers WHERE teacher_id = \(bind: tid)").run()
        try await tx.sql.raw(
            "INSERT INTO exchange_itinerant_teachers (district_id, teacher_id, subject, max_periods) VALUES (\(bind: d), \(bind: tid), \(bind: subject), \(bind: max))"
        ).run()
    }

    static func deleteItinerantTeacher(teacherId: Int, district d: Int, on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM exchange_itinerant_teachers WHERE teacher_id = \(bind: teacherId) AND district_id = \(bind: d)").run()
    }

    /// A district's weekly demand, replacing the one before.
    static func replaceDemand(district d: Int, rows: [PeriodDemand], on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM exchange_itinerant_demand WHERE district_id = \(bind: d)").run()
        for r in rows {
            try await tx.sql.raw(
                "INSERT INTO exchange_itinerant_demand (district_id, school_id, subject, periods) VALUES (\(bind: d), \(bind: r.schoolId), \(bind: r.subject.rawValue), \(bind: r.periods))"
            ).run()
        }
    }

    /// A district's travel matrix, replacing the one before (in statements of 200 pairs).
    static func replaceTravel(district d: Int, minutes values: [TravelKey: Int], on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM exchange_travel WHERE district_id = \(bind: d)").run()
        for chunk in Array(values).chunked(200) {
            var insert = tx.sql.insert(into: "exchange_travel").columns("district_id", "from_school_id", "to_school_id", "minutes")
            for (k, m) in chunk { insert = insert.values(SQLBind(d), SQLBind(k.a), SQLBind(k.b), SQLBind(m)) }
            try await insert.run()
        }
    }
}
