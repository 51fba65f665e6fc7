import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// A school as it stood in a year, with that year's conditions when they were entered.
/// Decoded from a JSON array (one per school, in the column order of `schoolYear`).
public struct SchoolYearRow: Sendable, JSONRow {
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

    init(_ c: inout JSONRowReader) throws {
        id = try c.int(); code = try c.string(); name = try c.string(); districtId = try c.int(); stage = try c.string()
        studentsPrimary = try c.intOrNil(); studentsJunior = try c.intOrNil(); studentsSenior = try c.intOrNil()
        floorAreaCenti = try c.intOrNil(); sportsAreaCenti = try c.intOrNil(); equipmentValueFen = try c.intOrNil()
        computers = try c.intOrNil(); books = try c.intOrNil(); multimediaRooms = try c.intOrNil()
    }
}

struct JSONText: Decodable { let j: String? }

/// A row read from the database's JSON rows, value by value in column order.
protocol JSONRow {
    init(_ reader: inout JSONRowReader) throws
}

extension RegistryStore {
    /// Many rows as one JSON array of arrays, built by the database: decoding tens of thousands
    /// of rows column by column through `SQLRowDecoder` costs seconds; one string costs milliseconds.
    static func jsonRows<T: JSONRow>(_ columns: String, from rest: SQLQueryString, on db: any Database, as: T.Type) async throws -> [T] {
        var q = SQLQueryString("SELECT \(unsafeRaw: jsonAggregate(columns, on: db)) AS j ")
        q.appendInterpolation(rest)
        return try readJSONRows(try await db.sql.raw(q).first(decoding: JSONText.self)?.j, as: T.self)
    }

    /// The SQL that aggregates `columns` of each row into one JSON array of arrays (text; `[]`
    /// when no row), in `orderBy`'s order when given.
    static func jsonAggregate(_ columns: String, orderBy: String? = nil, on db: any Database) -> String {
        let order = orderBy.map { " ORDER BY " + $0 } ?? ""
        return db.sql.dialect.name == "postgresql"
            ? "COALESCE(json_agg(json_build_array(\(columns))\(order)), '[]'::json)::text"
            : "json_group_array(json_array(\(columns))\(order))"
    }

    /// The rows of a document `jsonAggregate` built (nil: none).
    static func readJSONRows<T: JSONRow>(_ text: String?, as: T.Type, capacity: Int = 0) throws -> [T] {
        var reader = JSONRowReader(text ?? "[]")
        var out: [T] = []
        out.reserveCapacity(capacity)
        while try reader.nextRow() {
            out.append(try T(&reader))
            try reader.endRow()
        }
        return out
    }
}

extension RegistryStore {
    /// Schools of the given stages that were open in `year` (not merged before its end), with
    /// the year's conditions (nil columns where none were entered). One query; the condition
    /// table's (school_id, year) key serves the join.
    /// `districts`: a county's districts when the database holds several (nil: every district).
    public static func schoolYear(_ year: Int, stages: [Stage], district: Int?, districts: [Int]? = nil, on db: any Database) async throws -> [SchoolYearRow] {
        let yearEnd = "\(year)-12-31"
        let stageList = SQLList(stages.map { SQLBind($0.rawValue) })
        let scope: SQLQueryString = district.map { "AND s.district_id = \(bind: $0)" } ?? districts.map { "AND \(inList("s.district_id", $0))" } ?? ""
        let rows = try await jsonRows("""
            s.id, s.code, s.name, s.district_id, s.stage, c.students_primary, c.students_junior, c.students_senior, c.floor_area_centi,
            c.sports_area_centi, c.equipment_value_fen, c.computers, c.books, c.multimedia_rooms
            """, from: """
            FROM schools s LEFT JOIN school_conditions c ON c.school_id = s.id AND c.year = \(bind: year)
            WHERE s.stage IN (\(stageList)) AND (s.status = 'active' OR s.merged_on > \(bind: yearEnd)) \(scope)
            """, on: db, as: SchoolYearRow.self)
        return rows.sorted { $0.code < $1.code }
    }

    /// Years that have any conditions, newest first.
    public static func conditionYears(on db: any Database) async throws -> [Int] {
        struct Y: Decodable { let year: Int }
        return try await db.sql.raw("SELECT DISTINCT year FROM school_conditions ORDER BY year DESC").all(decoding: Y.self).map(\.year)
    }
}
