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
                try await Self.insertModelLesson(planId: p.id, teacherId: p.ownerTeacherId, schoolId: p.schoolId, districtId: p.districtId, title: p.title,
                                                 teachingOn: date.description, uploadedOn: today.description, late: late, on: tx, now: now)
                try await Audit.record(on: tx, audit, action: "teaching.model_lesson", entity: "lesson_plan", entityId: String(p.id), summary: "授课日期 \(date)\(late ? "，迟交" : "")")
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw DomainError(.conflict, code: "already_uploaded", LocalizedText(zh: "该教案已作为优课上传", en: "this plan is already a model lesson"))
        }
        return try await Self.modelLesson(planId: p.id, on: db)!
    }

    /// Model lessons in the caller's area (a teacher: their school's), newest teaching date first.
    public func modelLessons() async throws -> [ModelLessonRow] {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        return try await Self.modelLessons(in: a.registryScope, on: db)
    }

    /// A school admin sends a lesson of the school up to the district; a district admin one of the
    /// district up to the county; the bureau may do either. Each within its yearly quota.
    public func selectModelLesson(id: Int) async throws -> ModelLessonRow {
        let a = try ctx.requireActor()
        try a.require(.teachingManage)
        guard let m = try await Self.modelLesson(id: id, on: db), a.covers(schoolId: m.schoolId, districtId: m.districtId), a.teacherId == nil else { throw DomainError.notFound(LocalizedText(zh: "优课", en: "model lesson")) }
        let next: String, quota: Int, area: QuotaArea
        switch (m.level, a.registryScope) {
        case ("school", .school), ("school", .county), ("school", .districts): next = "district"; quota = ModelLessonRules.schoolQuota; area = .school(m.schoolId)
        case ("district", .district), ("district", .county), ("district", .districts): next = "county"; quota = ModelLessonRules.districtQuota; area = .district(m.districtId)
        case ("school", .district): throw DomainError(.conflict, code: "not_selected_by_school", LocalizedText(zh: "须先由学校推荐到学区", en: "the school sends it to the district first"))
        default: throw DomainError(.conflict, code: "cannot_select", LocalizedText(zh: "该优课已在\(m.level == "county" ? "县级" : "更高一级")名单中", en: "it is already at that level or above"))
        }
        let year = String(m.teachingOn.prefix(4))
        let audit = ctx.audit
        try await ctx.write { tx in
            let used = try await Self.selectedCount(area: area, year: year, levels: next == "district" ? ["district", "county"] : ["county"], on: tx)
            if used >= quota {
                throw DomainError(.conflict, code: "quota_full", LocalizedText(zh: "\(year)年推荐名额（\(quota)个）已用完", en: "the \(year) quota (\(quota)) is used up"))
            }
            if !(try await Self.sendUp(id: id, from: m.level, to: next, by: a.username, on: tx)) { throw Self.workflow.stale }
            try await Audit.record(on: tx, audit, action: "teaching.model_lesson.select", entity: "model_lesson", entityId: String(id), summary: "\(ResearchLevel(rawValue: m.level)?.zh ?? m.level) → \(ResearchLevel(rawValue: next)?.zh ?? next)")
        }
        return try await Self.modelLesson(id: id, on: db)!
    }
}
