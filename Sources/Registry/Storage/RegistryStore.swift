import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// Filters for the school list (page and API).
public struct SchoolFilter: Sendable {
    public var district: Int?
    public var stage: Stage?
    public var locality: Locality?
    public var status: SchoolStatus?
    public var q: String?
    public var sort: String?
    public init(district: Int? = nil, stage: Stage? = nil, locality: Locality? = nil, status: SchoolStatus? = nil, q: String? = nil, sort: String? = nil) {
        self.district = district; self.stage = stage; self.locality = locality; self.status = status; self.q = q; self.sort = sort
    }
}

/// Filters for the teacher list.
public struct TeacherFilter: Sendable {
    public var district: Int?
    public var school: Int?
    public var q: String?
    public var subject: Subject?
    public var title: Title?
    public var education: Education?
    public var backbone: Backbone?
    /// Six years or more at the school on this date (the rotation rule).
    public var dueOn: CivilDate?
    /// The rotation rules `dueOn` is counted by (the service sets the ones in force).
    public var rotation: RotationRules = .national
    public var sort: String?
    /// Only ids above this one (keyset paging for exports).
    public var afterId: Int?
    /// Set by the store for a province-wide search for one common character in id order: the
    /// teachers are walked in id order and each probed in the gram index (see `commonCharacter`).
    var commonCharacter = false
    public init(district: Int? = nil, school: Int? = nil, q: String? = nil, subject: Subject? = nil, title: Title? = nil, education: Education? = nil, backbone: Backbone? = nil, dueOn: CivilDate? = nil, sort: String? = nil) {
        self.district = district; self.school = school; self.q = q; self.subject = subject; self.title = title
        self.education = education; self.backbone = backbone; self.dueOn = dueOn; self.sort = sort
    }
}

/// SQL for the registry's tables. Lists and imports use SQLKit directly: they run over many rows.
public enum RegistryStore {
    /// Active schools (not kindergartens) in a scope with no conditions row for `year`.
    public static func schoolsMissingConditions(year: Int, scope: RegistryScope, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        let scopeSQL: SQLQueryString = switch scope {
        case .county: ""
        case .districts(let ds): "AND \(inList("s.district_id", ds))"
        case .district(let d): "AND s.district_id = \(bind: d)"
        case .school(let s): "AND s.id = \(bind: s)"
        case .nothing: "AND 1 = 0"
        }
        return try await db.sql.raw("""
            SELECT COUNT(*) AS n FROM schools s WHERE s.status = 'active' AND s.stage <> 'kindergarten' \(scopeSQL)
            AND NOT EXISTS (SELECT 1 FROM school_conditions c WHERE c.school_id = s.id AND c.year = \(bind: year))
            """).first(decoding: N.self)?.n ?? 0
    }

    struct Count: Decodable { let n: Int }
    static let decoder = SQLRowDecoder.snakeCase

    // MARK: districts

    /// Districts with their head counts. The counts are correlated subqueries evaluated only for
    /// the rows returned, so ask for a page (a province has about a thousand districts).
    public static func districts(on db: any Database, scope: RegistryScope, only id: Int? = nil, page: PageSpec? = nil) async throws -> [DistrictSummary] {
        var q = db.sql.select()
            .column(SQLColumn("id", table: "d")).column(SQLColumn("code", table: "d")).column(SQLColumn("name", table: "d"))
            .column(SQLColumn("central_school_id", table: "d"))
            .column(SQLRaw("(SELECT name FROM schools c WHERE c.id = d.central_school_id)"), as: "central_school_name")
            .column(SQLRaw("(SELECT COUNT(*) FROM schools s WHERE s.district_id = d.id AND s.status = 'active')"), as: "schools")
            .column(SQLRaw("(SELECT CAST(COALESCE(SUM(students), 0) AS BIGINT) FROM schools s WHERE s.district_id = d.id AND s.status = 'active')"), as: "students")
            .column(SQLRaw("(SELECT COUNT(*) FROM teachers t WHERE t.district_id = d.id)"), as: "teachers")
            .from(SQLAlias(SQLIdentifier("districts"), as: SQLIdentifier("d")))
        switch scope {
        case .county: break
        case .districts(let ds): q = q.where(inExpression(SQLColumn("id", table: "d"), ds))
        case .district(let id): q = q.where(SQLColumn("id", table: "d"), .equal, SQLBind(id))
        case .school(let sid): q = q.where(SQLColumn("id", table: "d"), .equal, SQLRaw("(SELECT district_id FROM schools WHERE id = \(sid))"))
        case .nothing: return []
        }
        if let id { q = q.where(SQLColumn("id", table: "d"), .equal, SQLBind(id)) }
        q = q.orderBy(SQLColumn("code", table: "d"))
        if let page { q = q.limit(page.per).offset(page.offset) }
        return try await q.all(decoding: DistrictSummary.self, with: decoder)
    }

    public static func stageCounts(districtId: Int, on db: any Database) async throws -> [(stage: String, count: Int)] {
        struct R: Decodable { let stage: String; let n: Int }
        return try await db.sql.raw("SELECT stage, COUNT(*) AS n FROM schools WHERE district_id = \(bind: districtId) AND status = 'active' GROUP BY stage")
            .all(decoding: R.self).map { ($0.stage, $0.n) }
    }

    /// Totals for a scope: districts, active schools, students and teachers.
    public static func totals(on db: any Database, scope: RegistryScope) async throws -> (districts: Int, schools: Int, students: Int, teachers: Int) {
        let districts = try await countDistricts(on: db, scope: scope)
        let schoolCond = scopeCondition(scope, schoolColumn: ("s", "id"), districtColumn: ("s", "district_id"))
        let schools = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLIdentifier("schools"), as: SQLIdentifier("s")))
            .where(conjunction([SQLBinaryExpression(SQLColumn("status", table: "s"), .equal, SQLBind(SchoolStatus.active.rawValue))] + (schoolCond.map { [$0] } ?? [])))
            .first(decoding: Count.self)?.n ?? 0
        let teachers = try await countTeachers(on: db, where: teacherConditions(scope: scope, filter: TeacherFilter()))
        return (districts, schools, try await activeStudents(on: db, scope: scope), teachers)
    }

    public static func activeStudents(on db: any Database, scope: RegistryScope) async throws -> Int {
        var conds: [any SQLExpression] = [SQLBinaryExpression(SQLColumn("status", table: "s"), .equal, SQLBind(SchoolStatus.active.rawValue))]
        if let c = scopeCondition(scope, schoolColumn: ("s", "id"), districtColumn: ("s", "district_id")) { conds.append(c) }
        return try await db.sql.select().column(SQLRaw("CAST(COALESCE(SUM(s.students), 0) AS BIGINT)"), as: "n")
            .from(SQLAlias(SQLIdentifier("schools"), as: SQLIdentifier("s"))).where(conjunction(conds)).first(decoding: Count.self)?.n ?? 0
    }

    /// How many districts a scope covers, counted by the database (a province has a thousand:
    /// decoding them all to count them was most of the home page's time).
    public static func countDistricts(on db: any Database, scope: RegistryScope) async throws -> Int {
        switch scope {
        case .county: return try await db.sql.raw("SELECT COUNT(*) AS n FROM districts").first(decoding: Count.self)?.n ?? 0
        case .districts(let ds): return ds.count
        case .district, .school: return 1
        case .nothing: return 0
        }
    }

    public static func districtRows(on db: any Database, scope: RegistryScope) async throws -> [DistrictRow] {
        var q = db.sql.select().columns("id", "code", "name", "central_school_id").from("districts")
        switch scope {
        case .county: break
        case .districts(let ds): q = q.where(inExpression(SQLColumn("id"), ds))
        case .district(let id): q = q.where("id", .equal, id)
        case .school(let sid): q = q.where(SQLColumn("id"), .equal, SQLRaw("(SELECT district_id FROM schools WHERE id = \(sid))"))
        case .nothing: return []
        }
        return try await q.orderBy("code").all(decoding: DistrictRow.self, with: decoder)
    }

    public static func district(id: Int, on db: any Database) async throws -> DistrictRow? {
        try await db.sql.select().columns("id", "code", "name", "central_school_id").from("districts").where("id", .equal, id)
            .first(decoding: DistrictRow.self, with: decoder)
    }

    public static func district(code: String, on db: any Database) async throws -> DistrictRow? {
        try await db.sql.select().columns("id", "code", "name", "central_school_id").from("districts").where("code", .equal, code)
            .first(decoding: DistrictRow.self, with: decoder)
    }

    /// A new district under its county (the only county when `county` is nil).
    public static func insertDistrict(code: String, name: String, county: String? = nil, on db: any Database, now: Double) async throws -> Int {
        struct Id: Decodable { let id: Int }
        var countyCode = county
        if countyCode == nil { countyCode = try await AreaStore.soleCounty(on: db) }
        return try await db.sql.insert(into: "districts").columns("code", "name", "created_at", "county_code").values(SQLBind(code), SQLBind(name), SQLBind(now), SQLBind(countyCode))
            .returning("id").first(decoding: Id.self)!.id
    }

    // MARK: schools

    static let schoolColumns = ["id", "code", "name", "district_id", "stage", "locality", "boarding", "central", "standardised", "status", "students", "address", "merged_into_id", "merged_on", "version"]

    public static func school(id: Int, on db: any Database) async throws -> SchoolRow? {
        try await db.sql.select().columns(schoolColumns.map { SQLColumn($0) }).from("schools").where("id", .equal, id)
            .first(decoding: SchoolRow.self, with: decoder)
    }

    /// Schools by id, in batches of 500 (one statement each): for plans that touch many schools.
    public static func schools(ids: [Int], on db: any Database) async throws -> [Int: SchoolRow] {
        var out: [Int: SchoolRow] = [:]
        let ids = Array(Set(ids))
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            for r in try await db.sql.select().columns(schoolColumns.map { SQLColumn($0) }).from("schools").where("id", .in, chunk)
                .all(decoding: SchoolRow.self, with: decoder) { out[r.id] = r }
        }
        return out
    }

    public static func schools(codes: [String], on db: any Database) async throws -> [String: SchoolRow] {
        var out: [String: SchoolRow] = [:]
        for chunk in stride(from: 0, to: codes.count, by: 500).map({ Array(codes[$0..<min($0 + 500, codes.count)]) }) {
            let rows = try await db.sql.select().columns(schoolColumns.map { SQLColumn($0) }).from("schools")
                .where("code", .in, chunk).all(decoding: SchoolRow.self, with: decoder)
            for r in rows { out[r.code] = r }
        }
        return out
    }

    /// The condition a list must carry for a scope; columns as `(table alias, column)`.
    static func scopeCondition(_ scope: RegistryScope, schoolColumn: (String, String), districtColumn: (String, String)) -> (any SQLExpression)? {
        switch scope {
        case .county: return nil
        case .districts(let ds): return inExpression(SQLColumn(districtColumn.1, table: districtColumn.0), ds)
        case .district(let d): return SQLBinaryExpression(SQLColumn(districtColumn.1, table: districtColumn.0), .equal, SQLBind(d))
        case .school(let s): return SQLBinaryExpression(SQLColumn(schoolColumn.1, table: schoolColumn.0), .equal, SQLBind(s))
        case .nothing: return SQLRaw("1 = 0")
        }
    }

    /// `column IN (ids)`; an empty list matches nothing.
    public static func inExpression(_ column: any SQLExpression, _ ids: [Int]) -> any SQLExpression {
        ids.isEmpty ? SQLRaw("1 = 0") : SQLBinaryExpression(column, .in, SQLGroupExpression(SQLList(ids.map { SQLBind($0) })))
    }

    /// The same as raw SQL text, for queries written as strings: `column IN (1, 2, 3)` (ids are
    /// integers, written as literals), or `1 = 0` for none.
    public static func inList(_ column: String, _ ids: [Int]) -> SQLQueryString {
        ids.isEmpty ? "1 = 0" : "\(unsafeRaw: column) IN (\(unsafeRaw: ids.map(String.init).joined(separator: ", ")))"
    }

    static func conjunction(_ parts: [any SQLExpression]) -> any SQLExpression {
        parts.isEmpty ? SQLRaw("1 = 1") : SQLList(parts, separator: SQLRaw(" AND "))
    }

    static func likePattern(_ q: String) -> String {
        "%" + q.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    static func like(_ column: String, _ q: String) -> any SQLExpression {
        LikeEscaped(left: column, pattern: likePattern(q))
    }

    public static func schools(on db: any Database, scope: RegistryScope, filter: SchoolFilter, page: PageSpec) async throws -> PageResult<SchoolListRow> {
        var conds: [any SQLExpression] = []
        if let c = scopeCondition(scope, schoolColumn: ("s", "id"), districtColumn: ("s", "district_id")) { conds.append(c) }
        if let d = filter.district { conds.append(SQLBinaryExpression(SQLColumn("district_id", table: "s"), .equal, SQLBind(d))) }
        if let st = filter.stage { conds.append(SQLBinaryExpression(SQLColumn("stage", table: "s"), .equal, SQLBind(st.rawValue))) }
        if let l = filter.locality { conds.append(SQLBinaryExpression(SQLColumn("locality", table: "s"), .equal, SQLBind(l.rawValue))) }
        if let st = filter.status { conds.append(SQLBinaryExpression(SQLColumn("status", table: "s"), .equal, SQLBind(st.rawValue))) }
        if let q = filter.q?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            conds.append(SQLGroupExpression(SQLList([like("s.name", q), like("s.code", q)], separator: SQLRaw(" OR "))))
        }
        let whereExpr = conjunction(conds)
        let shown = shownCount(try await cappedCount("schools", as: "s", where: whereExpr, on: db).first(decoding: Count.self)?.n ?? 0)
        let order: [(String, SQLDirection)] = switch filter.sort {
        case "name": [("s.name", .ascending)]
        case "students": [("s.students", .descending), ("s.code", .ascending)]
        case "-students": [("s.students", .ascending), ("s.code", .ascending)]
        case "district": [("s.district_id", .ascending), ("s.code", .ascending)]
        default: [("s.code", .ascending)]
        }
        var q = db.sql.select()
            .columns(["id", "code", "name", "district_id", "stage", "locality", "boarding", "central", "standardised", "status", "students"].map { SQLColumn($0, table: "s") })
            .column(SQLColumn("name", table: "d"), as: "district_name")
            .column(SQLRaw("(SELECT COUNT(*) FROM teachers t WHERE t.school_id = s.id)"), as: "teachers")
            .from(SQLAlias(SQLIdentifier("schools"), as: SQLIdentifier("s")))
            .join(SQLAlias(SQLIdentifier("districts"), as: SQLIdentifier("d")), method: SQLJoinMethod.inner, on: SQLColumn("district_id", table: "s"), .equal, SQLColumn("id", table: "d"))
            .where(whereExpr)
        for (c, dir) in order { q = q.orderBy(SQLRaw(c), dir) }
        let items = try await q.limit(page.per).offset(page.offset).all().map { try SchoolListRow(columns: $0) }
        return PageResult(items: items, total: shown.total, capped: shown.capped, request: page)
    }

    public static func schoolChoices(on db: any Database, scope: RegistryScope, district: Int, limit: Int) async throws -> [SchoolChoice] {
        var conds: [any SQLExpression] = [SQLBinaryExpression(SQLColumn("district_id", table: "s"), .equal, SQLBind(district)),
                                          SQLBinaryExpression(SQLColumn("status", table: "s"), .equal, SQLBind(SchoolStatus.active.rawValue))]
        if let c = scopeCondition(scope, schoolColumn: ("s", "id"), districtColumn: ("s", "district_id")) { conds.append(c) }
        return try await db.sql.select().columns(["id", "code", "name"].map { SQLColumn($0, table: "s") })
            .from(SQLAlias(SQLIdentifier("schools"), as: SQLIdentifier("s"))).where(conjunction(conds))
            .orderBy(SQLRaw("s.code")).limit(limit).all(decoding: SchoolChoice.self)
    }

    public static func insertSchool(_ s: ValidSchool, districtId: Int, on db: any Database, now: Double) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await db.sql.insert(into: "schools")
            .columns("code", "name", "district_id", "stage", "locality", "boarding", "central", "standardised", "status", "students", "address", "created_at", "updated_at", "version")
            .values(SQLBind(s.code), SQLBind(s.name), SQLBind(districtId), SQLBind(s.stage.rawValue), SQLBind(s.locality.rawValue), SQLBind(s.boarding), SQLBind(s.central),
                    SQLBind(s.standardised), SQLBind(SchoolStatus.active.rawValue), SQLBind(s.students), SQLBind(s.address), SQLBind(now), SQLBind(now), SQLBind(1))
            .returning("id").first(decoding: Id.self)!.id
    }

    public static func mergers(of schoolId: Int, on db: any Database) async throws -> [MergerRow] {
        try await db.sql.raw("""
            SELECT m.id, m.school_id, a.name AS school_name, m.into_school_id, b.name AS into_school_name, m.merged_on,
                   m.teachers_moved, m.students_moved, m.note, m.created_by
            FROM school_mergers m JOIN schools a ON a.id = m.school_id JOIN schools b ON b.id = m.into_school_id
            WHERE m.school_id = \(bind: schoolId) OR m.into_school_id = \(bind: schoolId)
            ORDER BY m.merged_on DESC, m.id DESC
            """).all(decoding: MergerRow.self, with: decoder)
    }

    // MARK: teachers

    static let teacherColumns = ["id", "name", "resident_id", "birth_date", "gender", "school_id", "district_id", "subjects", "education", "putonghua", "title", "backbone", "school_since", "stage_part", "phone", "version",
                                 "qualification_type", "qualification_number", "principal_since"]

    /// `t.id, t.name, …`: the teacher columns of a select.
    static let teacherList = teacherColumns.map { "t." + $0 }.joined(separator: ", ")
    /// `x.id, …, x.school_name, x.school_code`: a teacher page's values, in `TeacherRow(_:)`'s order.
    static let teacherValues = (teacherColumns + ["school_name", "school_code"]).map { "x." + $0 }.joined(separator: ", ")

    /// Teachers by id with their school's name, in batches of 500: for plans that move many.
    public static func teachers(ids: [Int], on db: any Database) async throws -> [Int: TeacherRow] {
        var out: [Int: TeacherRow] = [:]
        let ids = Array(Set(ids))
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            // Read as the list page reads its rows (`TeacherRow(_:)`, JSON rows from the database).
            let rows = try await jsonRows(teacherList + ", s.name, s.code", from: """
                FROM teachers t JOIN schools s ON s.id = t.school_id WHERE t.id IN (\(binds: chunk))
                """, on: db, as: TeacherRow.self)
            for r in rows { out[r.id] = r }
        }
        return out
    }

    public static func teacher(id: Int, on db: any Database) async throws -> TeacherRow? {
        try await db.sql.select().columns(teacherColumns.map { SQLColumn($0, table: "t") })
            .column(SQLColumn("name", table: "s"), as: "school_name").column(SQLColumn("code", table: "s"), as: "school_code")
            .from(SQLAlias(SQLIdentifier("teachers"), as: SQLIdentifier("t")))
            .join(SQLAlias(SQLIdentifier("schools"), as: SQLIdentifier("s")), method: SQLJoinMethod.inner, on: SQLColumn("school_id", table: "t"), .equal, SQLColumn("id", table: "s"))
            .where(SQLColumn("id", table: "t"), .equal, SQLBind(id))
            .first(decoding: TeacherRow.self, with: decoder)
    }

    /// A search text that is the start of a resident ID (six or more digits, X at the end) is
    /// matched against IDs, anything else against names.
    static func isResidentIDPrefix(_ q: String) -> Bool {
        q.count >= 6 && q.allSatisfy { $0.isNumber || $0 == "X" || $0 == "x" }
    }

    /// The WHERE clause of a teacher list: the caller's scope, then the filters.
    static func teacherConditions(scope: RegistryScope, filter: TeacherFilter) -> any SQLExpression {
        var conds: [any SQLExpression] = []
        if let c = scopeCondition(scope, schoolColumn: ("t", "school_id"), districtColumn: ("t", "district_id")) { conds.append(c) }
        if let d = filter.district { conds.append(SQLBinaryExpression(SQLColumn("district_id", table: "t"), .equal, SQLBind(d))) }
        if let s = filter.school { conds.append(SQLBinaryExpression(SQLColumn("school_id", table: "t"), .equal, SQLBind(s))) }
        if let q = filter.q?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            if isResidentIDPrefix(q) {
                conds.append(SQLBinaryExpression(SQLColumn("resident_id", table: "t"), .like, SQLBind(q.uppercased() + "%")))
            } else {
                // Narrowed to a district or school, the scope's own index leads and each of its
                // few hundred names is checked; the gram index would read every holder of the
                // character in the province first (issue 34: a district's 王 took 90 ms of CPU).
                let narrowed = filter.school != nil || filter.district != nil || { if case .county = scope { return false }; return true }()
                conds.append(SQLGroupExpression(narrowed ? nameLike(q) : filter.commonCharacter ? nameContainsWalkingIds(q) : nameContains(q)))
            }
        }
        if let s = filter.subject { conds.append(LikeEscaped(left: "(',' || t.subjects || ',')", pattern: "%," + s.rawValue + ",%")) }
        if let v = filter.title { conds.append(SQLBinaryExpression(SQLColumn("title", table: "t"), .equal, SQLBind(v.rawValue))) }
        if let v = filter.education { conds.append(SQLBinaryExpression(SQLColumn("education", table: "t"), .equal, SQLBind(v.rawValue))) }
        if let v = filter.backbone { conds.append(SQLBinaryExpression(SQLColumn("backbone", table: "t"), .equal, SQLBind(v.rawValue))) }
        if let after = filter.afterId { conds.append(SQLBinaryExpression(SQLColumn("id", table: "t"), .greaterThan, SQLBind(after))) }
        if let due = filter.dueOn {
            let cutoff = filter.rotation.dueCutoff(on: due)
            conds.append(SQLBinaryExpression(SQLColumn("school_since", table: "t"), .lessThanOrEqual, SQLBind(cutoff.description)))
        }
        return conjunction(conds)
    }

    static func teacherOrder(_ sort: String?) -> String {
        switch sort {
        case "name": "t.name"
        case "since": "t.school_since"
        case "school": "t.school_id"
        default: "t.id"
        }
    }

    /// `SELECT COUNT(*)` of at most `PageSpec.countCap + 1` matching rows of `table` (aliased
    /// `alias`): the count a list shows, which stops at "more than 10,000".
    static func cappedCount(_ table: String, as alias: String, where whereExpr: any SQLExpression, on db: any Database) -> SQLSelectBuilder {
        let inner = db.sql.select().column(SQLLiteral.numeric("1"))
            .from(SQLAlias(SQLIdentifier(table), as: SQLIdentifier(alias))).where(whereExpr).limit(PageSpec.countCap + 1)
        return db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLGroupExpression(inner.select), as: SQLIdentifier("c")))
    }

    /// The count of a province-wide search for one character and nothing else, read from the
    /// gram index alone: a character's grams are exactly the teachers whose name holds it, so
    /// the up to 10,000 teacher rows need not be looked up to be counted. Nil when the search is
    /// narrowed any other way (then the matches are few, or the other conditions must be checked).
    static func oneCharacterCount(scope: RegistryScope, filter: TeacherFilter, on db: any Database) -> SQLSelectBuilder? {
        guard scope == .county, let q = filter.q?.trimmingCharacters(in: .whitespaces) else { return nil }
        let chars = Array(q.lowercased())
        guard chars.count == 1, filter.district == nil, filter.school == nil, filter.subject == nil, filter.title == nil,
              filter.education == nil, filter.backbone == nil, filter.dueOn == nil, filter.afterId == nil else { return nil }
        let inner = db.sql.select().column(SQLLiteral.numeric("1")).from("teacher_name_grams")
            .where("gram", .equal, SQLBind(String(chars[0]))).limit(PageSpec.countCap + 1)
        return db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLGroupExpression(inner.select), as: SQLIdentifier("c")))
    }

    /// The count a teacher list shows (see `cappedCount`, `oneCharacterCount`).
    static func teacherCount(scope: RegistryScope, filter: TeacherFilter, where whereExpr: any SQLExpression, on db: any Database) -> SQLSelectBuilder {
        oneCharacterCount(scope: scope, filter: filter, on: db) ?? cappedCount("teachers", as: "t", where: whereExpr, on: db)
    }

    /// The count to show and whether it stopped at the cap.
    static func shownCount(_ n: Int) -> (total: Int, capped: Bool) {
        n > PageSpec.countCap ? (PageSpec.countCap, true) : (n, false)
    }

    static func countTeachers(on db: any Database, where whereExpr: any SQLExpression) async throws -> Int {
        try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLIdentifier("teachers"), as: SQLIdentifier("t"))).where(whereExpr).first(decoding: Count.self)?.n ?? 0
    }

    /// Who sees which resident IDs in full in a list that is already cut to the caller's scope.
    public enum FullData: Sendable { case everyone, onlyTeacher(Int?) }

    /// A page of the teacher list as the API's JSON array, built by the database in one row.
    /// The list endpoint is the registry's hottest path: decoding and re-encoding each column in
    /// Swift cost ten times the query itself. Masking happens in the same statement.
    /// A province-wide search for one character held by thousands (王: 88,000 of 935,000) in id
    /// order: the gram index's list of holders would be read whole and sorted to give fifty (14 ms
    /// of CPU); walking the teachers in id order and probing the index stops after the first
    /// fifty (issue 34). A rare character keeps the list, which is short.
    static func commonCharacter(scope: RegistryScope, filter: TeacherFilter, on db: any Database) async throws -> TeacherFilter {
        guard scope == .county, filter.district == nil, filter.school == nil, teacherOrder(filter.sort) == "t.id",
              let q = filter.q?.trimmingCharacters(in: .whitespaces), q.count == 1, !isResidentIDPrefix(q) else { return filter }
        struct N: Decodable { let n: Int }
        let n = try await db.sql.raw("SELECT COUNT(*) AS n FROM (SELECT 1 FROM teacher_name_grams WHERE gram = \(bind: q.lowercased()) LIMIT 2001) c").first(decoding: N.self)?.n ?? 0
        var f = filter
        f.commonCharacter = n > 2000
        return f
    }

    public static func teachersJSON(on db: any Database, scope: RegistryScope, filter rawFilter: TeacherFilter, page: PageSpec, full: FullData) async throws -> (items: String, total: Int, capped: Bool) {
        let filter = try await commonCharacter(scope: scope, filter: rawFilter, on: db)
        let whereExpr = teacherConditions(scope: scope, filter: filter)
        let (fullAll, selfId): (Int, Int) = switch full {
        case .everyone: (1, -1)
        case .onlyTeacher(let id): (0, id ?? -1)
        }
        let postgres = db.sql.dialect.name == "postgresql"
        // Most callers see the whole page in full; only then is the statement without the masking CASEs.
        let sees = "t.id = \(selfId)"
        let birth = fullAll == 1 ? "t.birth_date" : "CASE WHEN \(sees) THEN t.birth_date ELSE substr(t.birth_date, 1, 4) END"
        let resident = fullAll == 1 ? "t.resident_id" : "CASE WHEN \(sees) THEN t.resident_id ELSE substr(t.resident_id, 1, 2) || '*************' || substr(t.resident_id, 16, 3) END"
        let object: String
        let aggregate: String
        if postgres {
            object = """
                json_build_object('id', t.id, 'name', t.name, 'gender', t.gender, 'birthDate', \(birth), 'schoolId', t.school_id,
                  'subjects', to_json(string_to_array(t.subjects, ',')), 'education', t.education, 'putonghua', t.putonghua, 'title', t.title,
                  'backbone', t.backbone, 'schoolSince', t.school_since, 'stagePart', t.stage_part, 'residentId', \(resident), 'version', t.version)
                """
            aggregate = "COALESCE(json_agg(x.j ORDER BY x.k, x.id), '[]'::json)::text"
        } else {
            // Concatenation instead of json_object + json_group_array: 0.24 ms instead of 0.9 ms a
            // page. Only `name` is free text and is quoted; every other column is written from a
            // typed value (enum raw values, checked dates and IDs), so it never holds a quote.
            object = """
                '{"id":' || t.id || ',"name":' || json_quote(t.name) || ',"gender":"' || t.gender || '","birthDate":"' || \(birth)
                || '","schoolId":' || t.school_id || ',"subjects":["' || replace(t.subjects, ',', '","') || '"],"education":"' || t.education
                || '","putonghua":"' || t.putonghua || '","title":"' || t.title || '","backbone":"' || t.backbone
                || '","schoolSince":"' || t.school_since || '","stagePart":' || json_quote(t.stage_part)
                || ',"residentId":"' || \(resident) || '","version":' || t.version || '}'
                """
            aggregate = "'[' || COALESCE(group_concat(x.j, ',' ORDER BY x.k, x.id), '') || ']'"
        }
        let order = teacherOrder(filter.sort)
        let inner = db.sql.select()
            .column(SQLColumn("id", table: "t"), as: "id")
            .column(SQLRaw(order), as: "k")
            .column(SQLRaw(object), as: "j")
            .from(SQLAlias(SQLIdentifier("teachers"), as: SQLIdentifier("t")))
            .where(whereExpr)
            .orderBy(SQLRaw(order)).orderBy(SQLRaw("t.id"))
            .limit(page.per).offset(page.offset)
        // The count rides along as a scalar subquery: one round trip per page. It stops past the cap.
        let count = teacherCount(scope: scope, filter: filter, where: whereExpr, on: db)
        struct Items: Decodable { let items: String; let total: Int }
        let row = try await db.sql.select()
            .column(SQLRaw(aggregate), as: "items")
            .column(SQLGroupExpression(count.select), as: "total")
            .from(SQLAlias(SQLGroupExpression(inner.select), as: SQLIdentifier("x")))
            .first(decoding: Items.self)
        let shown = shownCount(row?.total ?? 0)
        return (row?.items ?? "[]", shown.total, shown.capped)
    }

    /// A page of teachers (with their school's name and code when `withSchool`) and the count
    /// the list shows, in one statement: the rows come back as one JSON array of arrays built by
    /// the database and read value by value (`JSONRowReader`). Two statements, each prepared anew
    /// by the driver, and fifty rows decoded column by column through the driver's row decoder
    /// were a fifth of the teacher list page.
    public static func teachers(on db: any Database, scope: RegistryScope, filter rawFilter: TeacherFilter, page: PageSpec, withSchool: Bool) async throws -> PageResult<TeacherRow> {
        let filter = try await commonCharacter(scope: scope, filter: rawFilter, on: db)
        let whereExpr = teacherConditions(scope: scope, filter: filter)
        let order = teacherOrder(filter.sort)
        // The column lists as text: the builder quoted twenty-three names a page.
        let inner = db.sql.select()
            .column(SQLRaw(teacherList + ", " + order + " AS k" + (withSchool ? ", s.name AS school_name, s.code AS school_code" : ", NULL AS school_name, NULL AS school_code")))
            .from(SQLRaw(withSchool ? "teachers t JOIN schools s ON s.id = t.school_id" : "teachers t"))
            .where(whereExpr).orderBy(SQLRaw(order)).orderBy(SQLRaw("t.id")).limit(page.per).offset(page.offset)
        let count = teacherCount(scope: scope, filter: filter, where: whereExpr, on: db)
        struct Items: Decodable { let items: String?; let total: Int }
        let row = try await db.sql.select()
            .column(SQLRaw(jsonAggregate(teacherValues, orderBy: "x.k, x.id", on: db)), as: "items")
            .column(SQLGroupExpression(count.select), as: "total")
            .from(SQLAlias(SQLGroupExpression(inner.select), as: SQLIdentifier("x")))
            .first(decoding: Items.self)
        let items = try readJSONRows(row?.items, as: TeacherRow.self, capacity: page.per)
        let shown = shownCount(row?.total ?? 0)
        return PageResult(items: items, total: shown.total, capped: shown.capped, request: page)
    }

    /// On PostgreSQL, orders the writers that add or change teachers' resident IDs (one at a
    /// time, as SQLite's single writer does): each one's check for an existing ID then sees the
    /// others' rows, so two creates of one ID give one 201 and one 409 from the check, and the
    /// unique index never fails — its error would put the full ID into PostgreSQL's own log.
    public static func lockResidentIDs(on tx: any Database) async throws {
        guard tx.sql.dialect.name == "postgresql" else { return }
        try await tx.sql.raw("SELECT pg_advisory_xact_lock(7402119)").run()
    }

    /// Resident IDs among `ids` already in the registry, with the teacher holding each.
    /// The IDs travel as one JSON array per 10,000 (one bind, not one per ID).
    public static func existingResidentIDs(_ ids: [String], on db: any Database) async throws -> [String: Int] {
        struct R: Decodable { let residentId: String; let id: Int }
        var out: [String: Int] = [:]
        let postgres = db.sql.dialect.name == "postgresql"
        for start in stride(from: 0, to: ids.count, by: 10_000) {
            let chunk = Array(ids[start..<min(start + 10_000, ids.count)])
            let json = String(decoding: try JSONEncoder().encode(chunk), as: UTF8.self)
            let query: SQLQueryString = postgres
                ? "SELECT resident_id, id FROM teachers WHERE resident_id IN (SELECT json_array_elements_text(\(bind: json)::json))"
                : "SELECT resident_id, id FROM teachers WHERE resident_id IN (SELECT value FROM json_each(\(bind: json)))"
            for r in try await db.sql.raw(query).all(decoding: R.self, with: decoder) { out[r.residentId] = r.id }
        }
        return out
    }

    /// Inserts many teachers with multi-row statements (the import's hot path).
    public static func insertTeachers(_ rows: [(ValidTeacher, schoolId: Int, districtId: Int)], on db: any Database, now: Double) async throws {
        let columns = ["name", "resident_id", "birth_date", "gender", "school_id", "district_id", "subjects", "education", "putonghua", "title", "backbone", "school_since", "stage_part", "phone", "created_at", "updated_at", "version",
                       "qualification_type", "qualification_number", "principal_since"]
        if db.sql.dialect.name == "sqlite" {
            // SQLite: 5,000 rows travel as one JSON array bound once and are unpacked by json_each,
            // instead of 85,000 binds each encoded through Codable. Column affinity turns the
            // numeric text back into integers and reals.
            let list = columns.joined(separator: ", ")
            let unpack = columns.indices.map { "value ->> \($0)" }.joined(separator: ", ")
            let nowText = String(now)
            for start in stride(from: 0, to: rows.count, by: 5000) {
                let chunk = rows[start..<min(start + 5000, rows.count)].map { (t, schoolId, districtId) -> [String?] in
                    [t.name, t.residentId.value, t.residentId.birthDate.description, t.residentId.gender.rawValue, String(schoolId), String(districtId),
                     t.subjectsColumn, t.education.rawValue, t.putonghua.rawValue, t.title.rawValue, t.backbone.rawValue, t.schoolSince.description,
                     t.stagePart?.rawValue, t.phone, nowText, nowText, "1",
                     t.qualificationType?.rawValue, t.qualificationNumber, t.principalSince?.description]
                }
                let json = String(decoding: try JSONEncoder().encode(chunk), as: UTF8.self)
                try await db.sql.raw("INSERT INTO teachers (\(unsafeRaw: list)) SELECT \(unsafeRaw: unpack) FROM json_each(\(bind: json))").run()
            }
            return
        }
        let batch = 400
        for start in stride(from: 0, to: rows.count, by: batch) {
            var insert = db.sql.insert(into: "teachers").columns(columns)
            for (t, schoolId, districtId) in rows[start..<min(start + batch, rows.count)] {
                insert = insert.values([
                    SQLBind(t.name), SQLBind(t.residentId.value), SQLBind(t.residentId.birthDate.description), SQLBind(t.residentId.gender.rawValue),
                    SQLBind(schoolId), SQLBind(districtId), SQLBind(t.subjectsColumn), SQLBind(t.education.rawValue), SQLBind(t.putonghua.rawValue),
                    SQLBind(t.title.rawValue), SQLBind(t.backbone.rawValue), SQLBind(t.schoolSince.description), SQLBind(t.stagePart?.rawValue),
                    SQLBind(t.phone), SQLBind(now), SQLBind(now), SQLBind(1),
                    SQLBind(t.qualificationType?.rawValue), SQLBind(t.qualificationNumber), SQLBind(t.principalSince?.description),
                ])
            }
            try await insert.run()
        }
    }

    public static func transfers(of teacherId: Int, on db: any Database) async throws -> [TransferRow] {
        try await db.sql.raw("""
            SELECT x.from_school_id, a.name AS from_school_name, x.to_school_id, b.name AS to_school_name, x.on_date, x.reason, x.note, x.created_by
            FROM teacher_transfers x LEFT JOIN schools a ON a.id = x.from_school_id LEFT JOIN schools b ON b.id = x.to_school_id
            WHERE x.teacher_id = \(bind: teacherId) ORDER BY x.on_date DESC, x.id DESC
            """).all(decoding: TransferRow.self, with: decoder)
    }

    // MARK: conditions

    struct ConditionsRow: Decodable {
        let year: Int; let studentsPrimary: Int; let studentsJunior: Int; let studentsSenior: Int
        let floorAreaCenti: Int; let sportsAreaCenti: Int; let equipmentValueFen: Int
        let computers: Int; let books: Int; let multimediaRooms: Int
    }

    public static func conditions(schoolId: Int, on db: any Database) async throws -> [SchoolConditions] {
        try await db.sql.raw("SELECT year, students_primary, students_junior, students_senior, floor_area_centi, sports_area_centi, equipment_value_fen, computers, books, multimedia_rooms FROM school_conditions WHERE school_id = \(bind: schoolId) ORDER BY year DESC")
            .all(decoding: ConditionsRow.self, with: decoder)
            .map { r in
                SchoolConditions(year: r.year, students: .init(primary: r.studentsPrimary, junior: r.studentsJunior, senior: r.studentsSenior),
                                 floorArea: Hundredths.decimal(r.floorAreaCenti), sportsArea: Hundredths.decimal(r.sportsAreaCenti),
                                 equipmentValue: Hundredths.decimal(r.equipmentValueFen), computers: r.computers, books: r.books, multimediaRooms: r.multimediaRooms)
            }
    }

    public static func hasConditions(schoolId: Int, on db: any Database) async throws -> Bool {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM school_conditions WHERE school_id = \(bind: schoolId)").first(decoding: N.self)?.n ?? 0 > 0
    }

    /// The school's students become its latest year's conditions, when it has any from `fromYear` on.
    public static func refreshStudents(schoolId: Int, fromYear: Int, on db: any Database, now: Double) async throws {
        try await db.sql.raw("""
            UPDATE schools SET students = (SELECT c.students_primary + c.students_junior + c.students_senior FROM school_conditions c
              WHERE c.school_id = schools.id ORDER BY c.year DESC LIMIT 1), updated_at = \(bind: now)
            WHERE id = \(bind: schoolId) AND EXISTS (SELECT 1 FROM school_conditions c WHERE c.school_id = schools.id AND c.year >= \(bind: fromYear))
            """).run()
    }

    public static func upsertConditions(_ c: SchoolConditions, schoolId: Int, on db: any Database, now: Double) async throws {
        try await db.sql.raw("DELETE FROM school_conditions WHERE school_id = \(bind: schoolId) AND year = \(bind: c.year)").run()
        try await db.sql.insert(into: "school_conditions")
            .columns("school_id", "year", "students_primary", "students_junior", "students_senior", "floor_area_centi", "sports_area_centi", "equipment_value_fen", "computers", "books", "multimedia_rooms", "updated_at")
            .values(SQLBind(schoolId), SQLBind(c.year), SQLBind(c.students.primary), SQLBind(c.students.junior), SQLBind(c.students.senior),
                    SQLBind(Hundredths.from(c.floorArea)), SQLBind(Hundredths.from(c.sportsArea)), SQLBind(Hundredths.from(c.equipmentValue)),
                    SQLBind(c.computers), SQLBind(c.books), SQLBind(c.multimediaRooms), SQLBind(now))
            .run()
    }
}

/// `left LIKE ? ESCAPE '\'`, so `%` and `_` typed by a user match themselves.
struct LikeEscaped: SQLExpression {
    let left: String
    let pattern: String
    func serialize(to serializer: inout SQLSerializer) {
        serializer.write(left)
        serializer.write(" LIKE ")
        SQLBind(pattern).serialize(to: &serializer)
        serializer.write(" ESCAPE '\\'")
    }
}
