import Fluent
import SQLKit
import XuequCore
import XuequKit

/// Teacher counts per school and part (学段), kept by the database itself: triggers on `teachers`
/// add and subtract each row as it is inserted, moved, edited or deleted, so every path that
/// writes teachers (forms, imports, consolidation, the exchange module later) keeps them right
/// without knowing about them. Balance reads 60,000 tally rows instead of scanning 900,000
/// teachers. `teacher_tally_snapshots` keeps a year's tallies once the year is recorded.
public struct CreateTeacherTallies: AsyncMigration {
    public init() {}
    public var name: String { "011_CreateTeacherTallies" }

    /// The count columns, as the runtime queries name them. They match the frozen table below;
    /// a new education level needs a migration that adds its column.
    static let countColumns = ["total"] + Education.allCases.map { "edu_\($0.rawValue)" } + ["intermediate_plus", "backbone_county_plus", "pe_art"]

    /// The count expressions of one teacher row (`NEW`, `OLD` or a table alias), in `countColumns` order.
    static func countExpressions(_ row: String) -> [String] {
        let peArt = "CASE WHEN \(row).subjects <> '' AND replace(replace(replace(',' || \(row).subjects || ',', ',pe,', ','), ',music,', ','), ',art,', ',') = ',' THEN 1 ELSE 0 END"
        return ["1"]
            + Education.allCases.map { "CASE WHEN \(row).education = '\($0.rawValue)' THEN 1 ELSE 0 END" }
            + ["CASE WHEN \(row).title IN ('intermediate', 'senior', 'professor') THEN 1 ELSE 0 END",
               "CASE WHEN \(row).backbone IN ('county', 'city', 'province') THEN 1 ELSE 0 END",
               peArt]
    }

    // The statements this migration ran when it landed, frozen as the literals they were (they
    // were generated from `Education.allCases` and the count expressions; a new education level
    // or count is a new migration, not a change here).
    static let tallyTable = """
        CREATE TABLE teacher_tallies (school_id INTEGER NOT NULL, part TEXT NOT NULL, total INTEGER NOT \
        NULL, edu_high_school INTEGER NOT NULL, edu_secondary INTEGER NOT NULL, edu_junior_college INTEGER \
        NOT NULL, edu_bachelor INTEGER NOT NULL, edu_master INTEGER NOT NULL, edu_doctor INTEGER NOT NULL, \
        intermediate_plus INTEGER NOT NULL, backbone_county_plus INTEGER NOT NULL, pe_art INTEGER NOT NULL, \
        PRIMARY KEY (school_id, part))
        """
    static let snapshotTable = """
        CREATE TABLE teacher_tally_snapshots (year INTEGER NOT NULL, school_id INTEGER NOT NULL, part TEXT \
        NOT NULL, total INTEGER NOT NULL, edu_high_school INTEGER NOT NULL, edu_secondary INTEGER NOT NULL, \
        edu_junior_college INTEGER NOT NULL, edu_bachelor INTEGER NOT NULL, edu_master INTEGER NOT NULL, \
        edu_doctor INTEGER NOT NULL, intermediate_plus INTEGER NOT NULL, backbone_county_plus INTEGER NOT \
        NULL, pe_art INTEGER NOT NULL, PRIMARY KEY (year, school_id, part))
        """
    static let addNew = """
        INSERT INTO teacher_tallies (school_id, part, total, edu_high_school, edu_secondary, \
        edu_junior_college, edu_bachelor, edu_master, edu_doctor, intermediate_plus, backbone_county_plus, \
        pe_art) VALUES (NEW.school_id, COALESCE(NEW.stage_part, ''), +(1), +(CASE WHEN NEW.education = \
        'high_school' THEN 1 ELSE 0 END), +(CASE WHEN NEW.education = 'secondary' THEN 1 ELSE 0 END), +(CASE \
        WHEN NEW.education = 'junior_college' THEN 1 ELSE 0 END), +(CASE WHEN NEW.education = 'bachelor' \
        THEN 1 ELSE 0 END), +(CASE WHEN NEW.education = 'master' THEN 1 ELSE 0 END), +(CASE WHEN \
        NEW.education = 'doctor' THEN 1 ELSE 0 END), +(CASE WHEN NEW.title IN ('intermediate', 'senior', \
        'professor') THEN 1 ELSE 0 END), +(CASE WHEN NEW.backbone IN ('county', 'city', 'province') THEN 1 \
        ELSE 0 END), +(CASE WHEN NEW.subjects <> '' AND replace(replace(replace(',' || NEW.subjects || ',', \
        ',pe,', ','), ',music,', ','), ',art,', ',') = ',' THEN 1 ELSE 0 END)) ON CONFLICT (school_id, part) \
        DO UPDATE SET total = teacher_tallies.total + excluded.total, edu_high_school = \
        teacher_tallies.edu_high_school + excluded.edu_high_school, edu_secondary = \
        teacher_tallies.edu_secondary + excluded.edu_secondary, edu_junior_college = \
        teacher_tallies.edu_junior_college + excluded.edu_junior_college, edu_bachelor = \
        teacher_tallies.edu_bachelor + excluded.edu_bachelor, edu_master = teacher_tallies.edu_master + \
        excluded.edu_master, edu_doctor = teacher_tallies.edu_doctor + excluded.edu_doctor, \
        intermediate_plus = teacher_tallies.intermediate_plus + excluded.intermediate_plus, \
        backbone_county_plus = teacher_tallies.backbone_county_plus + excluded.backbone_county_plus, pe_art \
        = teacher_tallies.pe_art + excluded.pe_art
        """
    static let subtractOld = """
        INSERT INTO teacher_tallies (school_id, part, total, edu_high_school, edu_secondary, \
        edu_junior_college, edu_bachelor, edu_master, edu_doctor, intermediate_plus, backbone_county_plus, \
        pe_art) VALUES (OLD.school_id, COALESCE(OLD.stage_part, ''), -(1), -(CASE WHEN OLD.education = \
        'high_school' THEN 1 ELSE 0 END), -(CASE WHEN OLD.education = 'secondary' THEN 1 ELSE 0 END), -(CASE \
        WHEN OLD.education = 'junior_college' THEN 1 ELSE 0 END), -(CASE WHEN OLD.education = 'bachelor' \
        THEN 1 ELSE 0 END), -(CASE WHEN OLD.education = 'master' THEN 1 ELSE 0 END), -(CASE WHEN \
        OLD.education = 'doctor' THEN 1 ELSE 0 END), -(CASE WHEN OLD.title IN ('intermediate', 'senior', \
        'professor') THEN 1 ELSE 0 END), -(CASE WHEN OLD.backbone IN ('county', 'city', 'province') THEN 1 \
        ELSE 0 END), -(CASE WHEN OLD.subjects <> '' AND replace(replace(replace(',' || OLD.subjects || ',', \
        ',pe,', ','), ',music,', ','), ',art,', ',') = ',' THEN 1 ELSE 0 END)) ON CONFLICT (school_id, part) \
        DO UPDATE SET total = teacher_tallies.total + excluded.total, edu_high_school = \
        teacher_tallies.edu_high_school + excluded.edu_high_school, edu_secondary = \
        teacher_tallies.edu_secondary + excluded.edu_secondary, edu_junior_college = \
        teacher_tallies.edu_junior_college + excluded.edu_junior_college, edu_bachelor = \
        teacher_tallies.edu_bachelor + excluded.edu_bachelor, edu_master = teacher_tallies.edu_master + \
        excluded.edu_master, edu_doctor = teacher_tallies.edu_doctor + excluded.edu_doctor, \
        intermediate_plus = teacher_tallies.intermediate_plus + excluded.intermediate_plus, \
        backbone_county_plus = teacher_tallies.backbone_county_plus + excluded.backbone_county_plus, pe_art \
        = teacher_tallies.pe_art + excluded.pe_art
        """
    static let recountAll = """
        INSERT INTO teacher_tallies (school_id, part, total, edu_high_school, edu_secondary, \
        edu_junior_college, edu_bachelor, edu_master, edu_doctor, intermediate_plus, backbone_county_plus, \
        pe_art) SELECT t.school_id, COALESCE(t.stage_part, ''), SUM(1) AS total, SUM(CASE WHEN t.education = \
        'high_school' THEN 1 ELSE 0 END) AS edu_high_school, SUM(CASE WHEN t.education = 'secondary' THEN 1 \
        ELSE 0 END) AS edu_secondary, SUM(CASE WHEN t.education = 'junior_college' THEN 1 ELSE 0 END) AS \
        edu_junior_college, SUM(CASE WHEN t.education = 'bachelor' THEN 1 ELSE 0 END) AS edu_bachelor, \
        SUM(CASE WHEN t.education = 'master' THEN 1 ELSE 0 END) AS edu_master, SUM(CASE WHEN t.education = \
        'doctor' THEN 1 ELSE 0 END) AS edu_doctor, SUM(CASE WHEN t.title IN ('intermediate', 'senior', \
        'professor') THEN 1 ELSE 0 END) AS intermediate_plus, SUM(CASE WHEN t.backbone IN ('county', 'city', \
        'province') THEN 1 ELSE 0 END) AS backbone_county_plus, SUM(CASE WHEN t.subjects <> '' AND \
        replace(replace(replace(',' || t.subjects || ',', ',pe,', ','), ',music,', ','), ',art,', ',') = ',' \
        THEN 1 ELSE 0 END) AS pe_art FROM teachers t GROUP BY t.school_id, COALESCE(t.stage_part, '')
        """

    public func prepare(on database: any Database) async throws {
        let sql = database.sql
        try await sql.raw("\(unsafeRaw: Self.tallyTable)").run()
        try await sql.raw("\(unsafeRaw: Self.snapshotTable)").run()
        let watched = "school_id, stage_part, education, title, backbone, subjects"
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                \(unsafeRaw: """
                CREATE FUNCTION teacher_tally_apply() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP <> 'INSERT' THEN \(Self.subtractOld); END IF;
                  IF TG_OP <> 'DELETE' THEN \(Self.addNew); END IF;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """)
                """).run()
            try await sql.raw("CREATE TRIGGER teachers_tally AFTER INSERT OR DELETE OR UPDATE OF \(unsafeRaw: watched) ON teachers FOR EACH ROW EXECUTE FUNCTION teacher_tally_apply()").run()
        } else {
            try await sql.raw("CREATE TRIGGER teachers_tally_insert AFTER INSERT ON teachers BEGIN \(unsafeRaw: Self.addNew); END").run()
            try await sql.raw("CREATE TRIGGER teachers_tally_delete AFTER DELETE ON teachers BEGIN \(unsafeRaw: Self.subtractOld); END").run()
            try await sql.raw("CREATE TRIGGER teachers_tally_update AFTER UPDATE OF \(unsafeRaw: watched) ON teachers BEGIN \(unsafeRaw: Self.subtractOld); \(unsafeRaw: Self.addNew); END").run()
        }
        // Teachers written before this migration.
        try await sql.raw("\(unsafeRaw: Self.recountAll)").run()
    }

    public func revert(on database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS teachers_tally ON teachers").run()
            try await sql.raw("DROP FUNCTION IF EXISTS teacher_tally_apply()").run()
        } else {
            for t in ["teachers_tally_insert", "teachers_tally_delete", "teachers_tally_update"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: t)").run() }
        }
        try await sql.raw("DROP TABLE teacher_tally_snapshots").run()
        try await sql.raw("DROP TABLE teacher_tallies").run()
    }
}

/// Teacher tallies of the schools in a scope: the live counts, or a recorded year's.
public enum TeacherTallies {
    public struct Row: Sendable, JSONRow {
        public let schoolId: Int
        public let part: String
        public let total: Int
        public let eduHighSchool: Int, eduSecondary: Int, eduJuniorCollege: Int, eduBachelor: Int, eduMaster: Int, eduDoctor: Int
        public let intermediatePlus: Int, backboneCountyPlus: Int, peArt: Int

        init(_ c: inout JSONRowReader) throws {
            schoolId = try c.int(); part = try c.string(); total = try c.int()
            eduHighSchool = try c.int(); eduSecondary = try c.int(); eduJuniorCollege = try c.int()
            eduBachelor = try c.int(); eduMaster = try c.int(); eduDoctor = try c.int()
            intermediatePlus = try c.int(); backboneCountyPlus = try c.int(); peArt = try c.int()
        }

        public var tally: TeacherTally {
            var t = TeacherTally()
            t.total = Double(total)
            t.byEducation = [eduHighSchool, eduSecondary, eduJuniorCollege, eduBachelor, eduMaster, eduDoctor].map(Double.init)
            t.intermediatePlus = Double(intermediatePlus)
            t.backboneCountyPlus = Double(backboneCountyPlus)
            t.peArt = Double(peArt)
            return t
        }
    }

    static var selectColumns: String { "school_id, part, " + CreateTeacherTallies.countColumns.joined(separator: ", ") }

    /// Tallies by school id, then by part ("" for teachers without one). With `year`, the
    /// recorded snapshot of that year; `nil` when that year was never recorded.
    public static func load(year: Int?, district: Int?, districts: [Int]? = nil, on db: any Database) async throws -> [Int: [String: TeacherTally]]? {
        let scope: SQLQueryString = district.map { "school_id IN (SELECT id FROM schools WHERE district_id = \(bind: $0))" }
            ?? districts.map { "school_id IN (SELECT id FROM schools s WHERE \(RegistryStore.inList("s.district_id", $0)))" } ?? "1 = 1"
        let rows: [Row]
        if let year {
            rows = try await RegistryStore.jsonRows(selectColumns, from: "FROM teacher_tally_snapshots WHERE year = \(bind: year) AND \(scope)", on: db, as: Row.self)
            if rows.isEmpty { return nil }
        } else {
            rows = try await RegistryStore.jsonRows(selectColumns, from: "FROM teacher_tallies WHERE total <> 0 AND \(scope)", on: db, as: Row.self)
        }
        var out: [Int: [String: TeacherTally]] = [:]
        for r in rows { out[r.schoolId, default: [:]][r.part] = r.tally }
        return out
    }

    /// The years whose tallies were recorded.
    public static func recordedYears(on db: any Database) async throws -> [Int] {
        struct Y: Decodable { let year: Int }
        return try await db.sql.raw("SELECT DISTINCT year FROM teacher_tally_snapshots ORDER BY year").all(decoding: Y.self).map(\.year)
    }

    /// Records the live tallies as `year`'s, replacing an earlier record of that year.
    public static func record(year: Int, on db: any Database) async throws {
        try await db.sql.raw("DELETE FROM teacher_tally_snapshots WHERE year = \(bind: year)").run()
        try await db.sql.raw("INSERT INTO teacher_tally_snapshots (year, \(unsafeRaw: selectColumns)) SELECT \(bind: year), \(unsafeRaw: selectColumns) FROM teacher_tallies WHERE total <> 0").run()
    }

    /// `SUM(…) AS total, SUM(…) AS edu_high_school, …` over teachers aliased `t`.
    static func named() -> String {
        CreateTeacherTallies.countExpressions("t").enumerated().map { "SUM(\($1)) AS \(CreateTeacherTallies.countColumns[$0])" }.joined(separator: ", ")
    }

    /// Counts straight from `teachers`, for checking the triggers.
    public static func recount(on db: any Database) async throws -> [Int: [String: TeacherTally]] {
        let rows = try await RegistryStore.jsonRows("school_id, part, " + CreateTeacherTallies.countColumns.joined(separator: ", "),
                                                     from: "FROM (SELECT t.school_id, COALESCE(t.stage_part, '') AS part, \(unsafeRaw: named()) FROM teachers t GROUP BY t.school_id, COALESCE(t.stage_part, '')) g",
                                                     on: db, as: Row.self)
        var out: [Int: [String: TeacherTally]] = [:]
        for r in rows { out[r.schoolId, default: [:]][r.part] = r.tally }
        return out
    }
}

extension TeacherTallies {
    /// The tallies against a recount of `teachers` (rows of all-zero counts are a school that
    /// lost its last teacher of a part, and equal to no row).
    public static func verify(on db: any Database) async throws -> AggregateCheck {
        let columns = CreateTeacherTallies.countColumns
        let recount = "SELECT t.school_id AS school_id, COALESCE(t.stage_part, '') AS part, "
            + zip(columns, CreateTeacherTallies.countExpressions("t")).map { "SUM(\($1)) AS \($0)" }.joined(separator: ", ")
            + " FROM teachers t GROUP BY t.school_id, COALESCE(t.stage_part, '')"
        let kept = "SELECT school_id, part, \(columns.joined(separator: ", ")) FROM teacher_tallies WHERE total <> 0"
        struct R: Decodable { let schoolId: Int; let part: String; let total: Int }
        let decoder = SQLRowDecoder.snakeCase
        let missing = try await db.sql.raw("SELECT school_id, part, total FROM (\(unsafeRaw: recount) EXCEPT \(unsafeRaw: kept)) x LIMIT 20").all(decoding: R.self, with: decoder)
        let extra = try await db.sql.raw("SELECT school_id, part, total FROM (\(unsafeRaw: kept) EXCEPT \(unsafeRaw: recount)) x LIMIT 20").all(decoding: R.self, with: decoder)
        struct N: Decodable { let n: Int }
        let rows = try await db.sql.raw("SELECT COUNT(*) AS n FROM teacher_tallies").first(decoding: N.self)?.n ?? 0
        return AggregateCheck(name: "teacher tallies (教师统计)", checked: rows,
                              mismatches: missing.map { "school \($0.schoolId) part '\($0.part)': the teachers count \($0.total), the tally differs" }
                                + extra.map { "school \($0.schoolId) part '\($0.part)': the tally says \($0.total), the teachers differ" })
    }

    /// A school's students against its latest year's conditions (the one count of students).
    public static func verifyStudents(on db: any Database) async throws -> AggregateCheck {
        struct R: Decodable { let id: Int; let students: Int; let latest: Int }
        let rows = try await db.sql.raw("""
            SELECT s.id, s.students, c.students_primary + c.students_junior + c.students_senior AS latest
            FROM schools s JOIN school_conditions c ON c.school_id = s.id
              AND c.year = (SELECT MAX(year) FROM school_conditions m WHERE m.school_id = s.id)
            WHERE s.status = 'active' AND s.students <> c.students_primary + c.students_junior + c.students_senior
            LIMIT 20
            """).all(decoding: R.self)
        struct N: Decodable { let n: Int }
        let n = try await db.sql.raw("SELECT COUNT(DISTINCT school_id) AS n FROM school_conditions").first(decoding: N.self)?.n ?? 0
        return AggregateCheck(name: "students from the latest conditions (在校生数)", checked: n,
                              mismatches: rows.map { "school \($0.id): \($0.students) on the school, \($0.latest) in its latest conditions" })
    }
}
