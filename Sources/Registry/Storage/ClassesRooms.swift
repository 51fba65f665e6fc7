import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// 079: what the quality-balance inspection needs beyond the eight resource figures, per school
/// and year: the size of every class (so any class-size limit can be judged and the classes over
/// it counted) and the music and art rooms with their areas. A table of its own beside
/// `school_conditions`: the conditions sheet may carry these columns or not, and a sheet without
/// them must not wipe what was entered.
public struct CreateClassesRooms: AsyncMigration {
    public init() {}
    public var name: String { "079_SchoolClassesRooms" }
    public static let tables = ["school_classes_rooms"]

    public func prepare(on database: any Database) async throws {
        try await database.schema("school_classes_rooms")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("year", .int, .required)
            // Class sizes, comma-separated, in the order entered.
            .field("class_sizes_primary", .string, .required)
            .field("class_sizes_junior", .string, .required)
            .field("music_rooms", .int, .required)
            .field("music_area_centi", .int, .required)
            .field("art_rooms", .int, .required)
            .field("art_area_centi", .int, .required)
            .field("updated_at", .double, .required)
            .unique(on: "school_id", "year")
            .create()
        try await DataVersions.watch(Self.tables, area: "classes", on: database)
    }

    public func revert(on database: any Database) async throws {
        try await DataVersions.unwatch(Self.tables, area: "classes", on: database)
        try await database.schema("school_classes_rooms").delete()
    }
}

/// A school's classes and its music and art rooms in one year.
public struct ClassesRooms: Codable, Sendable, Equatable {
    public var year: Int
    /// The number of pupils in each primary (junior) class.
    public var primaryClasses: [Int]
    public var juniorClasses: [Int]
    public var musicRooms: Int
    /// m², all music rooms together.
    public var musicArea: Decimal
    public var artRooms: Int
    public var artArea: Decimal

    public init(year: Int, primaryClasses: [Int], juniorClasses: [Int], musicRooms: Int, musicArea: Decimal, artRooms: Int, artArea: Decimal) {
        self.year = year; self.primaryClasses = primaryClasses; self.juniorClasses = juniorClasses
        self.musicRooms = musicRooms; self.musicArea = musicArea; self.artRooms = artRooms; self.artArea = artArea
    }

    public var classes: Int { primaryClasses.count + juniorClasses.count }

    /// "45, 44、43 42" → [45, 44, 43, 42]; `bad` is the first entry that is not a whole number.
    public static func parseSizes(_ text: String) -> (sizes: [Int], bad: String?) {
        let parts = text.split(whereSeparator: { ",，、;；/ \t\n".contains($0) }).map(String.init)
        var out: [Int] = []
        for p in parts {
            guard let n = Int(p) ?? Double(p).flatMap({ $0 == $0.rounded() && abs($0) < 1e6 ? Int($0) : nil }) else { return (out, p) }
            out.append(n)
        }
        return (out, nil)
    }

    /// Rejects class sizes outside 1…150, more than 300 classes a stage, negative rooms or areas.
    public func validate(today: CivilDate) throws {
        var e = FieldErrors()
        if year < 2000 || year > today.year + 1 { e.add("year", "年份应在2000到\(today.year + 1)之间", "year must be between 2000 and \(today.year + 1)") }
        for (k, sizes) in [("primaryClasses", primaryClasses), ("juniorClasses", juniorClasses)] {
            if sizes.count > 300 { e.add(k, "班级数不能超过300个", "at most 300 classes") }
            if let bad = sizes.first(where: { $0 < 1 || $0 > 150 }) {
                e.add(k, "每班人数应在1到150之间（有一个班为\(bad)人）", "each class must have 1 to 150 pupils (one has \(bad))")
            }
        }
        for (k, v) in [("musicRooms", musicRooms), ("artRooms", artRooms)] where v < 0 || v > 1000 {
            e.add(k, "教室数应在0到1000之间", "rooms must be between 0 and 1000")
        }
        for (k, v) in [("musicArea", musicArea), ("artArea", artArea)] where v < 0 || v > 1_000_000 {
            e.add(k, "面积应在0到1000000平方米之间", "area must be between 0 and 1,000,000 m²")
        }
        if musicRooms == 0 && musicArea > 0 { e.add("musicArea", "没有音乐专用教室时面积应为0", "area must be 0 without music rooms") }
        if artRooms == 0 && artArea > 0 { e.add("artArea", "没有美术专用教室时面积应为0", "area must be 0 without art rooms") }
        try e.throwIfAny()
    }
}

extension RegistryStore {
    /// Replaces one school's classes and rooms for a year.
    public static func upsertClassesRooms(_ c: ClassesRooms, schoolId: Int, on tx: any Database, now: Double) async throws {
        try await tx.sql.raw("DELETE FROM school_classes_rooms WHERE school_id = \(bind: schoolId) AND year = \(bind: c.year)").run()
        try await tx.sql.insert(into: "school_classes_rooms")
            .columns(
                "school_id", "year", "class_sizes_primary", "class_sizes_junior", "music_rooms", "music_area_centi", "art_rooms", "art_area_centi", "updated_at"
            )
            .values(
                SQLBind(schoolId), SQLBind(c.year), SQLBind(c.primaryClasses.map(String.init).joined(separator: ",")),
                SQLBind(c.juniorClasses.map(String.init).joined(separator: ",")), SQLBind(c.musicRooms), SQLBind(Hundredths.from(c.musicArea)),
                SQLBind(c.artRooms), SQLBind(Hundredths.from(c.artArea)), SQLBind(now)
            )
            .run()
    }

    /// Every school's classes and rooms entered for a year, by school id.
    public static func classesRooms(year: Int, on db: any Database) async throws -> [Int: ClassesRooms] {
        struct R: Decodable {
            let schoolId: Int; let year: Int; let classSizesPrimary: String; let classSizesJunior: String
            let musicRooms: Int; let musicAreaCenti: Int; let artRooms: Int; let artAreaCenti: Int
        }
        let rows = try await db.sql.raw(
            """
            SELECT school_id, year, class_sizes_primary, class_sizes_junior, music_rooms, music_area_centi, art_rooms, art_area_centi
            FROM school_classes_rooms WHERE year = \(bind: year)
            """
        ).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
        var out: [Int: ClassesRooms] = [:]
        for r in rows {
            let p = ClassesRooms.parseSizes(r.classSizesPrimary).sizes
            let j = ClassesRooms.parseSizes(r.classSizesJunior).sizes
            out[r.schoolId] = ClassesRooms(
                year: r.year, primaryClasses: p, juniorClasses: j, musicRooms: r.musicRooms, musicArea: Hundredths.decimal(r.musicAreaCenti),
                artRooms: r.artRooms, artArea: Hundredths.decimal(r.artAreaCenti))
        }
        return out
    }
}
