import Fluent
import SQLKit
import XuequCore
import XuequKit

/// 068: name search through an index. Every teacher's name is kept as its single characters and
/// its pairs of neighbouring characters (王, 芳, 王芳 for 王芳) in `teacher_name_grams`, keyed by
/// the gram: a search for 王芳 across a province reads the few hundred teachers holding the pair
/// instead of scanning 900,000 names. Triggers keep it, so every path that writes teachers
/// (forms, imports, the exchange module) keeps it right. Plain tables and B-trees: the same on
/// SQLite and PostgreSQL, no extension to install (pg_trgm needs a superuser; FTS5's trigrams
/// cannot find a two-character name).
public struct CreateTeacherNameGrams: AsyncMigration {
    public init() {}
    public var name: String { "068_TeacherNameGrams" }

    /// The grams of one teacher row (`NEW` or an alias): characters, then neighbouring pairs.
    static func grams(_ row: String) -> String {
        """
        SELECT lower(substr(\(row).name, p.i, 1)), \(row).id FROM name_positions p WHERE p.i <= length(\(row).name)
        UNION SELECT lower(substr(\(row).name, p.i, 2)), \(row).id FROM name_positions p WHERE p.i < length(\(row).name)
        """
    }

    public func prepare(on database: any Database) async throws {
        let sql = database.sql
        let pg = sql.dialect.name == "postgresql"
        try await sql.raw("CREATE TABLE name_positions (i INTEGER PRIMARY KEY)").run()
        try await sql.raw("INSERT INTO name_positions (i) VALUES \(unsafeRaw: (1...64).map { "(\($0))" }.joined(separator: ", "))").run()
        try await sql.raw("CREATE TABLE teacher_name_grams (gram TEXT NOT NULL, teacher_id BIGINT NOT NULL, PRIMARY KEY (gram, teacher_id))\(unsafeRaw: pg ? "" : " WITHOUT ROWID")").run()
        try await sql.raw("CREATE INDEX teacher_name_grams_teacher ON teacher_name_grams (teacher_id)").run()
        let insert = "INSERT INTO teacher_name_grams (gram, teacher_id) \(Self.grams("NEW"))"
        let delete = "DELETE FROM teacher_name_grams WHERE teacher_id = OLD.id"
        try await RowTriggers.create(function: "teacher_name_grams_apply", trigger: "teachers_name_grams", on: "teachers", updateOf: "name",
                                     subtract: delete, add: insert, on: database)
        // Teachers written before this migration.
        try await sql.raw("""
            INSERT INTO teacher_name_grams (gram, teacher_id)
            SELECT lower(substr(t.name, p.i, 1)), t.id FROM teachers t JOIN name_positions p ON p.i <= length(t.name)
            UNION SELECT lower(substr(t.name, p.i, 2)), t.id FROM teachers t JOIN name_positions p ON p.i < length(t.name)
            """).run()
    }

    public func revert(on database: any Database) async throws {
        let sql = database.sql
        try await RowTriggers.drop(function: "teacher_name_grams_apply", trigger: "teachers_name_grams", on: "teachers", on: database)
        try await sql.raw("DROP TABLE teacher_name_grams").run()
        try await sql.raw("DROP TABLE name_positions").run()
    }
}

extension RegistryStore {
    /// The condition "the teacher's name contains `q`", served by the gram index: one gram for
    /// a character, every neighbouring pair for more (all must be there), then the exact match
    /// on the few candidates.
    static func nameContains(_ q: String) -> any SQLExpression {
        let chars = Array(q.lowercased())
        // At most 16 pairs narrow enough; the exact match below decides (a pasted page of text
        // would otherwise become thousands of binds).
        let grams: [String] = chars.count == 1 ? [String(chars[0])] : Array(Array(Set((0..<(chars.count - 1)).map { String(chars[$0...($0 + 1)]) })).sorted().prefix(16))
        let candidates: SQLQueryString = grams.count == 1
            ? "t.id IN (SELECT teacher_id FROM teacher_name_grams WHERE gram = \(bind: grams[0]))"
            : "t.id IN (SELECT teacher_id FROM teacher_name_grams WHERE gram IN (\(SQLList(grams.map { SQLBind($0) }))) GROUP BY teacher_id HAVING COUNT(*) = \(bind: grams.count))"
        // The exact check on the candidates ignores case, as the grams do (PostgreSQL's LIKE would not).
        return SQLList([SQLGroupExpression(candidates), nameLike(q)], separator: SQLRaw(" AND "))
    }

    /// One character, probed per teacher in the gram index (`commonCharacter`).
    static func nameContainsWalkingIds(_ q: String) -> any SQLExpression {
        let c = String(q.lowercased().prefix(1))
        let probe: SQLQueryString = "EXISTS (SELECT 1 FROM teacher_name_grams g WHERE g.gram = \(bind: c) AND g.teacher_id = t.id)"
        return SQLList([SQLGroupExpression(probe), nameLike(q)], separator: SQLRaw(" AND "))
    }

    /// The exact check alone (case ignored, as the grams do), for searches within a district or
    /// school: the scope's index finds its teachers, each name is checked.
    static func nameLike(_ q: String) -> any SQLExpression {
        LikeEscaped(left: "lower(t.name)", pattern: likePattern(q.lowercased()))
    }
}
