import Fluent
import SQLKit
import XuequCore
import XuequKit

/// A school as it stood in a year, with that year's conditions when they were entered.
public struct SchoolYearRow: Decodable, Sendable {
    public let id: Int
    public let code: String
    public let name: String
    public let districtId: Int
    public let stage: String
    public let studentsPrimary: Int?
    public let studentsJunior: Int?
    public let studentsSenior: Int?
    public let floorAreaCenti: Int?
    public let sportsAreaCenti: Int?
    public let equipmentValueFen: Int?
    public let computers: Int?
    public let books: Int?
    public let multimediaRooms: Int?

    public var hasConditions: Bool { studentsPrimary != nil }
}

extension RegistryStore {
    /// Schools of the given stages that were open in `year` (not merged before its end), with
    /// the year's conditions (nil columns where none were entered). One query; the condition
    /// table's (school_id, year) key serves the join.
    public static func schoolYear(_ year: Int, stages: [Stage], district: Int?, on db: any Database) async throws -> [SchoolYearRow] {
        let yearEnd = "\(year)-12-31"
        let stageList = SQLList(stages.map { SQLBind($0.rawValue) })
        let scope: SQLQueryString = district.map { "AND s.district_id = \(bind: $0)" } ?? ""
        return try await db.sql.raw("""
            SELECT s.id, s.code, s.name, s.district_id, s.stage,
                   c.students_primary, c.students_junior, c.students_senior, c.floor_area_centi, c.sports_area_centi,
                   c.equipment_value_fen, c.computers, c.books, c.multimedia_rooms
            FROM schools s LEFT JOIN school_conditions c ON c.school_id = s.id AND c.year = \(bind: year)
            WHERE s.stage IN (\(stageList)) AND (s.status = 'active' OR s.merged_on > \(bind: yearEnd)) \(scope)
            ORDER BY s.code
            """).all(decoding: SchoolYearRow.self, with: decoder)
    }

    /// Years that have any conditions, newest first.
    public static func conditionYears(on db: any Database) async throws -> [Int] {
        struct Y: Decodable { let year: Int }
        return try await db.sql.raw("SELECT DISTINCT year FROM school_conditions ORDER BY year DESC").all(decoding: Y.self).map(\.year)
    }
}
