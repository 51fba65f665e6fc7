import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// Research groups and lesson plans: their rows, their versions, the review's steps and the
/// search index (issue 33: the service keeps the permission checks, the validation, the
/// workflow's decisions, the transactions and the audit; the statements are here).
extension TeachingService {
    static let planColumns =
        "id, kind, level, group_id, parent_id, owner_teacher_id, district_id, school_id, title, subject, grade, edition, unit, sections, state, review_level, release_on, version, updated_at, changed_ratio"
    static let workflow = WorkflowStore(
        table: "lesson_plans", historyTable: "lesson_plan_history", foreignKey: "plan_id", tracked: ["draft", "in_review", "approved"],
        stale: DomainError(
            .conflict, code: "stale_version",
            LocalizedText(
                zh: "该教案已被他人修改，请刷新后再改（您的修改未保存）", en: "someone else changed this plan; reload and edit again (your change was not saved)")))

    // MARK: groups

    /// Every research group, by level.
    static func groupRows(on db: any Database) async throws -> [GroupRow] {
        try await db.sql.raw(
            "SELECT id, name, level, district_id, school_id, subject, leader_teacher_id, review_levels, county_code FROM teaching_groups ORDER BY level, id"
        )
        .all(decoding: GroupRow.self, with: decoder)
    }

    static func groupRow(id: Int, on db: any Database) async throws -> GroupRow? {
        try await db.sql.raw(
            "SELECT id, name, level, district_id, school_id, subject, leader_teacher_id, review_levels, county_code FROM teaching_groups WHERE id = \(bind: id)"
        )
        .first(decoding: GroupRow.self, with: decoder)
    }

    /// A group's members (teachers).
    static func memberIds(groupId: Int, on db: any Database) async throws -> [Int] {
        struct M: Decodable { let teacherId: Int }
        return try await db.sql.raw("SELECT teacher_id FROM teaching_group_members WHERE group_id = \(bind: groupId)").all(decoding: M.self, with: decoder)
            .map(\.teacherId)
    }

    /// The groups a teacher is a member of, by id.
    static func groups(memberTeacherId t: Int, on db: any Database) async throws -> [GroupRow] {
        try await db.sql.raw(
            """
            SELECT g.id, g.name, g.level, g.district_id, g.school_id, g.subject, g.leader_teacher_id, g.review_levels, g.county_code FROM teaching_groups g
            JOIN teaching_group_members m ON m.group_id = g.id WHERE m.teacher_id = \(bind: t) ORDER BY g.id
            """
        ).all(decoding: GroupRow.self, with: decoder)
    }

    /// The ids of the groups a teacher is a member of.
    static func groupIds(memberTeacherId t: Int, on db: any Database) async throws -> [Int] {
        struct G: Decodable { let groupId: Int }
        return try await db.sql.raw("SELECT group_id FROM teaching_group_members WHERE teacher_id = \(bind: t)").all(decoding: G.self, with: decoder).map(
            \.groupId)
    }

    /// Whether a teacher is a member of a group of a subject.
    static func isMember(teacherId t: Int, ofGroupIn subject: String, on db: any Database) async throws -> Bool {
        struct N: Decodable { let n: Int }
        return
            (try await db.sql.raw(
                """
                SELECT COUNT(*) AS n FROM teaching_groups g JOIN teaching_group_members m ON m.group_id = g.id
                WHERE m.teacher_id = \(bind: t) AND g.subject = \(bind: subject)
                """
            ).first(decoding: N.self)?.n ?? 0) > 0
    }

    /// A new group and its members; its id.
    static func insertGroup(
        name: String, level: String, districtId: Int?, schoolId: Int?, subject: String, leaderTeacherId: Int, reviewLevels: Int, members: [Int],
        county: String?, on tx: any Database, now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        let id = try await tx.sql.raw(
            """
            INSERT INTO teaching_groups (name, level, district_id, school_id, subject, leader_teacher_id, review_levels, created_at, county_code)
            VALUES (\(bind: name), \(bind: level), \(bind: districtId), \(bind: schoolId), \(bind: subject), \(bind: leaderTeacherId), \(bind: reviewLevels), \(bind: now),
                    \(bind: county)) RETURNING id
            """
        ).first(decoding: Id.self)!.id
        for t in members { try await tx.sql.raw("INSERT INTO teaching_group_members (group_id, teacher_id) VALUES (\(bind: id), \(bind: t))").run() }
        return id
    }

    // MARK: plans

    static func planRow(id: Int, on db: any Database) async throws -> LessonPlanRow? {
        try await db.sql.raw("SELECT \(unsafeRaw: planColumns) FROM lesson_plans WHERE id = \(bind: id)").first(decoding: LessonPlanRow.self, with: decoder)
    }

    /// The plans derived from any of `parents`, by id.
    static func children(of parents: [Int], on db: any Database) async throws -> [LessonPlanRow] {
        try await db.sql.raw(
            "SELECT \(unsafeRaw: planColumns) FROM lesson_plans WHERE parent_id IN (\(unsafeRaw: parents.map(String.init).joined(separator: ","))) ORDER BY id"
        )
        .all(decoding: LessonPlanRow.self, with: decoder)
    }

    /// A new plan in draft with its first saved version; its id.
    static func insertPlan(
        kind: String, level: String, groupId: Int?, parentId: Int?, ownerTeacherId: Int, districtId: Int, schoolId: Int, title: String, subject: String,
        grade: String, edition: String?, unit: String?, sections: String, changedRatio: Double?, savedBy: String, on tx: any Database, now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        let id = try await tx.sql.raw(
            """
            INSERT INTO lesson_plans (kind, level, group_id, parent_id, owner_teacher_id, district_id, school_id, title, subject, grade, edition, unit, sections, state,
              review_level, release_on, version, created_at, updated_at, state_since, secs_draft, secs_in_review, secs_approved, changed_ratio)
            VALUES (\(bind: kind), \(bind: level), \(bind: groupId), \(bind: parentId), \(bind: ownerTeacherId), \(bind: districtId), \(bind: schoolId), \(bind: title),
                    \(bind: subject), \(bind: grade), \(bind: edition), \(bind: unit), \(bind: sections), 'draft', 0, NULL, 1,
                    \(bind: now), \(bind: now), \(bind: now), 0, 0, 0, \(bind: changedRatio)) RETURNING id
            """
        ).first(decoding: Id.self)!.id
        try await tx.sql.raw(
            "INSERT INTO lesson_plan_versions (plan_id, version, title, sections, saved_by, saved_at) VALUES (\(bind: id), 1, \(bind: title), \(bind: sections), \(bind: savedBy), \(bind: now))"
        ).run()
        return id
    }

    /// The owner's save: sections, title and changed share, checked against the version and the
    /// state (409 when stale), and the new version kept.
    static func savePlan(
        id: Int, version: Int, state: String, title: String, sections: String, changedRatio: Double?, savedBy: String, on tx: any Database, now: Double
    ) async throws {
        try await workflow.touch(
            id: id, version: version, inStates: [state], set: ["sections = \(bind: sections), title = \(bind: title), changed_ratio = \(bind: changedRatio)"],
            now: now,
            on: tx)
        try await tx.sql.raw(
            "INSERT INTO lesson_plan_versions (plan_id, version, title, sections, saved_by, saved_at) VALUES (\(bind: id), \(bind: version + 1), \(bind: title), \(bind: sections), \(bind: savedBy), \(bind: now))"
        ).run()
    }

    /// A plan's saved versions, the newest first.
    static func versionRows(planId: Int, on db: any Database) async throws -> [VersionRow] {
        try await db.sql.raw(
            "SELECT version, title, sections, saved_by, saved_at FROM lesson_plan_versions WHERE plan_id = \(bind: planId) ORDER BY version DESC"
        )
        .all(decoding: VersionRow.self, with: decoder)
    }

    // MARK: review and release

    /// What a step of a 通案's review writes beside its state.
    enum ReviewChange: Sendable {
        /// Submitted: into review at level 1, or at level 2 for the leader's own plan.
        case submitted(byLeader: Bool)
        /// Approved at one level, on to the next.
        case nextLevel(Int)
        case sentBack
        case released(on: String)
        /// Nothing beside the state (approved at the last level).
        case none

        var sets: [SQLQueryString] {
            switch self {
            case .submitted(let leader): [leader ? "review_level = 2" : "review_level = 1"]
            case .nextLevel(let level): ["review_level = \(bind: level)"]
            case .sentBack: ["review_level = 0"]
            case .released(let date): ["release_on = \(bind: date)"]
            case .none: []
            }
        }
    }

    /// A step that keeps the plan's state (another level's approval), checked against the version.
    static func touchPlan(id: Int, version: Int, state: String, change: ReviewChange, on tx: any Database, now: Double) async throws {
        try await workflow.touch(id: id, version: version, inStates: [state], set: change.sets, now: now, on: tx)
    }

    /// A step to another state, checked against the version and the state.
    static func advancePlan(id: Int, from: String, version: Int, to: String, change: ReviewChange, on tx: any Database, now: Double) async throws {
        try await workflow.advance(id: id, from: from, version: version, to: to, set: change.sets, now: now, on: tx)
    }

    static func planHistory(id: Int, from: String, to: String, event: String, actor: String, at: Double, reason: String?, on tx: any Database) async throws {
        try await workflow.history([id], from: from, to: to, event: event, actor: actor, at: at, reason: reason, on: tx)
    }

    // MARK: the search index

    /// (Re)writes a plan's search row from the stored plan: its bigrams and its scope tokens.
    static func index(_ id: Int, on tx: any Database) async throws {
        guard let p = try await planRow(id: id, on: tx) else { return }
        let tokens = scopeTokens(
            kind: p.kind, state: p.state, level: p.level, owner: p.ownerTeacherId, group: p.groupId, district: p.districtId, school: p.schoolId)
        let doc = searchDocument(title: p.title, sections: p.sectionMap) + " " + tokens.joined(separator: " ")
        if tx.sql.dialect.name == "postgresql" {
            try await tx.sql.raw("DELETE FROM lesson_plan_search WHERE plan_id = \(bind: id)").run()
            try await tx.sql.raw("INSERT INTO lesson_plan_search (plan_id, grams) VALUES (\(bind: id), to_tsvector('simple', \(bind: doc)))").run()
        } else {
            try await tx.sql.raw("DELETE FROM lesson_plan_search WHERE rowid = \(bind: id)").run()
            try await tx.sql.raw("INSERT INTO lesson_plan_search (rowid, grams) VALUES (\(bind: id), \(bind: doc))").run()
        }
    }

    // MARK: lists and search

    /// How many of the newest matches a search ranks.
    static let rankWindow = 5000

    /// A list's filters (nil: any) and whose plans it holds: one's own and one's groups', the
    /// teaching office's area, and the released 通案 that have reached one's district or school
    /// (the county's reader: every released one).
    struct PlanQuery: Sendable {
        var kind: String?
        var subject: String?
        var grade: String?
        var teacherId: Int?
        var office: RegistryScope?
        var districtId: Int?
        var schoolId: Int?
        var county: Bool
        /// The caller's county's districts among several (its county's released 通案 only).
        var countyDistricts: [Int]?
        var today: String
    }

    static let listColumns = planColumns.split(separator: ",").map { "p." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")

    static func whereClause(_ q: PlanQuery) -> SQLQueryString {
        var conditions: [SQLQueryString] = []
        if let kind = q.kind { conditions.append("p.kind = \(bind: kind)") }
        if let s = q.subject { conditions.append("p.subject = \(bind: s)") }
        if let g = q.grade { conditions.append("p.grade = \(bind: g)") }
        // Scope in the query: own plans, the office's area, groups one belongs to, released 通案 of one's area.
        var scope: [SQLQueryString] = []
        if let t = q.teacherId {
            scope.append("p.owner_teacher_id = \(bind: t)")
            scope.append("p.group_id IN (SELECT group_id FROM teaching_group_members WHERE teacher_id = \(bind: t))")
        }
        switch q.office {
        case .county?: scope.append("1 = 1")
        case .districts(let ds)?: scope.append(RegistryStore.inList("p.district_id", ds))
        case .district(let d)?: scope.append("p.district_id = \(bind: d)")
        case .school(let s)?: scope.append("p.school_id = \(bind: s)")
        default: break
        }
        var released: SQLQueryString = "p.kind = 'common' AND p.state = 'released' AND p.release_on <= \(bind: q.today) AND ("
        released = released + (q.countyDistricts.map { "(p.level = 'county' AND " + RegistryStore.inList("p.district_id", $0) + ")" } ?? "p.level = 'county'")
        if let d = q.districtId { released = released + " OR (p.level = 'district' AND p.district_id = \(bind: d))" }
        if let s = q.schoolId { released = released + " OR (p.level = 'school' AND p.school_id = \(bind: s))" }
        if q.county { released = released + " OR 1 = 1" }
        scope.append(released + ")")
        conditions.append("(" + scope.joined(separator: " OR ") + ")")
        return "WHERE " + conditions.joined(separator: " AND ")
    }

    /// The plans of a list, the latest changed first.
    static func plans(_ q: PlanQuery, limit: Int, on db: any Database) async throws -> [LessonPlanRow] {
        try await db.sql.raw(
            "SELECT \(unsafeRaw: listColumns) FROM lesson_plans p \(whereClause(q)) ORDER BY p.updated_at DESC, p.id DESC LIMIT \(bind: limit)"
        )
        .all(decoding: LessonPlanRow.self, with: decoder)
    }

    /// The plans of a list holding a phrase (bigrams joined by spaces), best matches first:
    /// ranked among the newest matches (at most `rankWindow`) that carry one of the caller's
    /// index tokens (nil: any), so a phrase found in most of a province's plans is not ranked
    /// across all of them per request.
    static func search(phrase: String, tokens: [String]?, _ q: PlanQuery, limit: Int, on db: any Database) async throws -> [LessonPlanRow] {
        let whereClause = whereClause(q)
        if db.sql.dialect.name == "postgresql" {
            let scopeQuery = tokens.map { $0.joined(separator: " | ") } ?? ""
            let tsq: SQLQueryString =
                tokens == nil
                ? "phraseto_tsquery('simple', \(bind: phrase))" : "(phraseto_tsquery('simple', \(bind: phrase)) && to_tsquery('simple', \(bind: scopeQuery)))"
            return try await db.sql.raw(
                """
                SELECT \(unsafeRaw: listColumns) FROM (SELECT plan_id FROM lesson_plan_search WHERE grams @@ \(tsq) ORDER BY plan_id DESC LIMIT \(bind: rankWindow)) m
                JOIN lesson_plan_search s ON s.plan_id = m.plan_id JOIN lesson_plans p ON p.id = m.plan_id
                \(whereClause) ORDER BY ts_rank(s.grams, \(tsq)) DESC, p.id DESC LIMIT \(bind: limit)
                """
            ).all(decoding: LessonPlanRow.self, with: decoder)
        }
        let match = "\"" + phrase.replacingOccurrences(of: "\"", with: "") + "\"" + (tokens.map { " AND (" + $0.joined(separator: " OR ") + ")" } ?? "")
        return try await db.sql.raw(
            """
            SELECT \(unsafeRaw: listColumns) FROM (SELECT rowid AS id, bm25(lesson_plan_search) AS score FROM lesson_plan_search WHERE lesson_plan_search MATCH \(bind: match)
              ORDER BY rowid DESC LIMIT \(bind: rankWindow)) m
            JOIN lesson_plans p ON p.id = m.id
            \(whereClause) ORDER BY m.score, p.id DESC LIMIT \(bind: limit)
            """
        ).all(decoding: LessonPlanRow.self, with: decoder)
    }

    // MARK: the home page's counts

    /// 通案 waiting at level 1 in the groups a teacher leads.
    static func plansAwaitingLeader(teacherId t: Int, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw(
            """
            SELECT COUNT(*) AS n FROM lesson_plans p JOIN teaching_groups g ON g.id = p.group_id
            WHERE p.state = 'in_review' AND p.review_level = 1 AND g.leader_teacher_id = \(bind: t)
            """
        ).first(decoding: N.self)?.n ?? 0
    }

    /// 通案 waiting at level 2 or above in a teaching office's area (a district's: not the
    /// county's plans).
    static func plansAwaitingOffice(_ office: RegistryScope, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        let area: SQLQueryString
        switch office {
        case .district(let d): area = "p.district_id = \(bind: d) AND p.level <> 'county'"
        case .districts(let ds): area = RegistryStore.inList("p.district_id", ds)
        case .county: area = "1 = 1"
        default: area = "1 = 0"
        }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM lesson_plans p WHERE p.state = 'in_review' AND p.review_level >= 2 AND \(area)").first(
            decoding: N.self)?
            .n ?? 0
    }

    // MARK: a moved teacher

    struct GroupHeld: Decodable {
        let id: Int
        let name: String
        let level: String
        let districtId: Int?
        let schoolId: Int?
        let leaderTeacherId: Int
    }

    /// The groups a teacher leads or is a member of.
    static func groupsHeld(byTeacher teacherId: Int, on db: any Database) async throws -> [GroupHeld] {
        try await db.sql.raw(
            """
            SELECT g.id, g.name, g.level, g.district_id, g.school_id, g.leader_teacher_id FROM teaching_groups g
            WHERE g.leader_teacher_id = \(bind: teacherId) OR g.id IN (SELECT group_id FROM teaching_group_members WHERE teacher_id = \(bind: teacherId))
            """
        ).all(decoding: GroupHeld.self, with: decoder)
    }

    static func deleteGroupMember(groupId: Int, teacherId: Int, on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM teaching_group_members WHERE group_id = \(bind: groupId) AND teacher_id = \(bind: teacherId)").run()
    }
}
