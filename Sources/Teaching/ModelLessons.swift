import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// 优课 (DOMAIN §4): a teacher's model lesson is uploaded at least 14 days before it is taught;
/// later uploads are accepted and flagged. Schools send their best up to the district, districts
/// to the county, each within a yearly quota; the county's list is public.
public enum ModelLessonRules {
    public static let daysBefore = 14
    /// Lessons a school sends to its district, and a district to the county, per year.
    public static let schoolQuota = 3
    public static let districtQuota = 2
    public static func isLate(uploadedOn: CivilDate, teachingOn: CivilDate) -> Bool { teachingOn.daysSinceEpoch - uploadedOn.daysSinceEpoch < daysBefore }
}

public struct ModelLessonRow: Codable, Sendable {
    public let id: Int; public let planId: Int; public let teacherId: Int; public let schoolId: Int; public let districtId: Int; public let title: String
    public let teachingOn: String; public let uploadedOn: String; public let late: Bool; public let level: String
}

extension TeachingService {
    static let lessonColumns = "id, plan_id, teacher_id, school_id, district_id, title, teaching_on, uploaded_on, late, level"

    /// The owner of a plan puts it up as a model lesson for a teaching date (today or later).
    public func uploadModelLesson(planId: Int?, teachingOn raw: String?) async throws -> ModelLessonRow {
        let a = try ctx.requireActor()
        try a.require(.teachingWrite)
        guard let planId else { throw DomainError.validation(["planId": LocalizedText(zh: "请选择自己的教案", en: "choose one of your plans")]) }
        let p = try await plan(id: planId)
        guard a.teacherId == p.ownerTeacherId else { throw DomainError.forbidden }
        guard let date = raw.flatMap({ CivilDate(parsing: $0.trimmed) }) else {
            throw DomainError.validation(["teachingOn": LocalizedText(zh: "请填写上课日期（YYYY-MM-DD）", en: "enter the teaching date (YYYY-MM-DD)")])
        }
        let today = ctx.today
        if date < today { throw DomainError.validation(["teachingOn": LocalizedText(zh: "上课日期不能早于今天", en: "the teaching date is in the past")]) }
        if date > today.adding(days: 366) { throw DomainError.validation(["teachingOn": LocalizedText(zh: "上课日期应在一年之内", en: "the teaching date must be within a year")]) }
        let late = ModelLessonRules.isLate(uploadedOn: today, teachingOn: date)
        let audit = ctx.audit, now = ctx.now
        do {
            try await ctx.write { tx in
                try await tx.sql.raw("""
                    INSERT INTO teaching_model_lessons (plan_id, teacher_id, school_id, district_id, title, teaching_on, uploaded_on, late, level, created_at)
                    VALUES (\(bind: p.id), \(bind: p.ownerTeacherId), \(bind: p.schoolId), \(bind: p.districtId), \(bind: p.title), \(bind: date.description), \(bind: today.description),
                            \(bind: late), 'school', \(bind: now))
                    """).run()
                try await Audit.record(on: tx, audit, action: "teaching.model_lesson", entity: "lesson_plan", entityId: String(p.id), summary: "授课日期 \(date)\(late ? "，迟交" : "")")
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw DomainError(.conflict, code: "already_uploaded", LocalizedText(zh: "该教案已作为优课上传", en: "this plan is already a model lesson"))
        }
        return try await db.sql.raw("SELECT \(unsafeRaw: Self.lessonColumns) FROM teaching_model_lessons WHERE plan_id = \(bind: p.id)").first(decoding: ModelLessonRow.self, with: Self.decoder)!
    }

    /// Model lessons in the caller's area (a teacher: their school's), newest teaching date first.
    public func modelLessons() async throws -> [ModelLessonRow] {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        let filter: SQLQueryString = switch a.registryScope {
        case .county: ""
        case .districts(let ds): "WHERE \(RegistryStore.inList("district_id", ds))"
        case .district(let d): "WHERE district_id = \(bind: d)"
        case .school(let s): "WHERE school_id = \(bind: s)"
        case .nothing: "WHERE 1 = 0"
        }
        return try await db.sql.raw("SELECT \(unsafeRaw: Self.lessonColumns) FROM teaching_model_lessons \(filter) ORDER BY teaching_on DESC, id DESC").all(decoding: ModelLessonRow.self, with: Self.decoder)
    }

    /// A school admin sends a lesson of the school up to the district; a district admin one of the
    /// district up to the county; the bureau may do either. Each within its yearly quota.
    public func selectModelLesson(id: Int) async throws -> ModelLessonRow {
        let a = try ctx.requireActor()
        try a.require(.teachingManage)
        guard let m = try await db.sql.raw("SELECT \(unsafeRaw: Self.lessonColumns) FROM teaching_model_lessons WHERE id = \(bind: id)").first(decoding: ModelLessonRow.self, with: Self.decoder),
              a.covers(schoolId: m.schoolId, districtId: m.districtId), a.teacherId == nil else { throw DomainError.notFound(LocalizedText(zh: "优课", en: "model lesson")) }
        let next: String, quota: Int, area: SQLQueryString
        switch (m.level, a.registryScope) {
        case ("school", .school), ("school", .county): next = "district"; quota = ModelLessonRules.schoolQuota; area = "school_id = \(bind: m.schoolId)"
        case ("district", .district), ("district", .county): next = "county"; quota = ModelLessonRules.districtQuota; area = "district_id = \(bind: m.districtId)"
        case ("school", .district): throw DomainError(.conflict, code: "not_selected_by_school", LocalizedText(zh: "须先由学校推荐到学区", en: "the school sends it to the district first"))
        default: throw DomainError(.conflict, code: "cannot_select", LocalizedText(zh: "该优课已在\(m.level == "county" ? "县级" : "更高一级")名单中", en: "it is already at that level or above"))
        }
        let year = String(m.teachingOn.prefix(4))
        let audit = ctx.audit
        try await ctx.write { tx in
            struct N: Decodable { let n: Int }
            let used = try await tx.sql.raw("""
                SELECT COUNT(*) AS n FROM teaching_model_lessons WHERE \(area) AND substr(teaching_on, 1, 4) = \(bind: year)
                  AND level IN (\(binds: next == "district" ? ["district", "county"] : ["county"]))
                """).first(decoding: N.self)?.n ?? 0
            if used >= quota {
                throw DomainError(.conflict, code: "quota_full", LocalizedText(zh: "\(year)年推荐名额（\(quota)个）已用完", en: "the \(year) quota (\(quota)) is used up"))
            }
            struct Id: Decodable { let id: Int }
            let done = try await tx.sql.raw("UPDATE teaching_model_lessons SET level = \(bind: next), selected_by = \(bind: a.username) WHERE id = \(bind: id) AND level = \(bind: m.level) RETURNING id").all(decoding: Id.self)
            if done.isEmpty { throw Self.workflow.stale }
            try await Audit.record(on: tx, audit, action: "teaching.model_lesson.select", entity: "model_lesson", entityId: String(id), summary: "\(ResearchLevel(rawValue: m.level)?.zh ?? m.level) → \(ResearchLevel(rawValue: next)?.zh ?? next)")
        }
        return try await db.sql.raw("SELECT \(unsafeRaw: Self.lessonColumns) FROM teaching_model_lessons WHERE id = \(bind: id)").first(decoding: ModelLessonRow.self, with: Self.decoder)!
    }

    /// The county's list, for anyone (names masked).
    public static func publicModelLessons(on db: any Database) async throws -> [ModelLessonRow] {
        try await db.sql.raw("SELECT \(unsafeRaw: lessonColumns) FROM teaching_model_lessons WHERE level = 'county' ORDER BY teaching_on DESC, id DESC").all(decoding: ModelLessonRow.self, with: decoder)
    }
}
