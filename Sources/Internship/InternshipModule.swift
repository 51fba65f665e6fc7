import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// 教育实习: universities' student teachers at the county's schools, with two mentors and gates.
public struct InternshipModule: XuequModule {
    public init() {}
    public let name = "internship"

    public var migrations: [any Migration] { [CreateInternship(), AddInternBatchCounty()] }

    public var auditArea: AuditArea? {
        AuditArea(key: "internship", label: LocalizedText(zh: "教育实习", en: "Internships"), prefixes: ["internship"], phrases: [
            "internship.university": ("登记了合作高校", "added a partner university"), "internship.batch": ("设置了实习批次", "set up an internship batch"),
            "internship.group": ("组建了实习小组", "formed an internship group"), "internship.capacity": ("填报了接收名额", "declared host places"),
            "internship.import": ("导入了实习生名单", "imported interns"), "internship.place": ("自动分配了实习学校", "placed interns"), "internship.assign": ("调整了实习生安排", "assigned an intern"),
            "internship.plan.create": ("提交了实习教案", "wrote an intern lesson plan"), "internship.plan.revise": ("修改了实习教案", "revised an intern lesson plan"),
            "internship.plan.comment": ("批注了实习教案", "commented on an intern lesson plan"), "internship.plan.approve": ("审核通过了实习教案", "approved an intern lesson plan"),
            "internship.trial": ("登记了试讲结果", "recorded a trial lecture"), "internship.record": ("登记了实习记录", "recorded internship work"),
            "internship.appraise": ("填写了实习鉴定", "wrote an appraisal"), "internship.grade": ("评定了实习成绩", "graded an intern"),
            "internship.group.summary": ("提交了小组实习总结", "wrote the group summary"),
        ])
    }
    public var grants: Grants {
        Grants([
            .bureauAdmin: [.internshipAdmin],
            .supervisor: [.internshipSupervise],
            .teacher: [.internshipMentor],
            .schoolAdmin: [.internshipHost],
            .intern: [.internshipSelf],
        ])
    }

    /// A county's bureau among several runs its own county's batches (`InternshipService`
    /// holds every batch, intern, school and supervisor to the county).
    public var countyKeys: Set<Permission> { [.internshipAdmin] }

    public var strings: [String: (String, String)] { InternshipStrings.table }
    public var vocabularies: [String: Vocab.Labeler] {
        ["phase": Vocab.of(Phase.self), "trial": Vocab.of(TrialLecture.self), "internGrade": Vocab.of(InternGrade.self), "recordKind": Vocab.of(RecordKind.self)]
    }
    public var routeNames: [any RouteName.Type] { [InternshipRoute.self, InternshipAPIRoute.self] }
    public var viewsDirectory: String? { Bundle.module.url(forResource: "Views", withExtension: nil)?.path }

    public var navigation: [NavEntry] {
        [NavEntry(key: "nav.internship", route: InternshipRoute.home) { a in
            a.can(.internshipAdmin) || a.can(.internshipSupervise) || a.can(.internshipHost) || a.can(.internshipSelf) || a.can(.internshipMentor)
        }]
    }

    public func routes(_ r: ModuleRoutes) {
        InternshipAPI().register(r.api)
        InternshipPages().register(r.pages)
    }

    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        let service = InternshipService(context)
        var out = HomeContribution()
        let t = { (k: String, args: [String]) in L10n.text(k, context.locale, args: args) }
        if actor.can(.internshipMentor) || actor.can(.internshipSupervise) {
            let queue = try await service.queue()
            if !queue.isEmpty {
                out.tasks.append(HomeTask(title: t("in.home.queue", [String(queue.count)]), detail: t("in.home.queue.detail", []), href: InternshipRoute.home.path(), urgent: true))
            }
        }
        // Interns placed at a school but without a school mentor, in a batch under way: the
        // supervisor and the district (or the bureau) see who, to have the school name one.
        if actor.can(.internshipSupervise) || actor.can(.internshipAdmin) {
            var without: [InternRow] = []
            var underWay: [Int: Bool] = [:]
            for i in try await service.interns() where i.schoolId != nil && i.mentorTeacherId == nil {
                if underWay[i.batchId] == nil {
                    underWay[i.batchId] = try await InternshipStore.batch(id: i.batchId, on: context.db).map { $0.calendar.week(of: context.today) != nil } ?? false
                }
                if underWay[i.batchId] == true { without.append(i) }
            }
            if !without.isEmpty {
                let names = without.prefix(5).map(\.name).joined(separator: "、") + (without.count > 5 ? "…" : "")
                out.tasks.append(HomeTask(title: t("in.home.noMentor", [String(without.count)]), detail: names, href: InternshipRoute.home.path(), urgent: true))
            }
        }
        if actor.can(.internshipSelf), let me = try? await service.ownIntern(), let b = try await InternshipStore.batch(id: me.batchId, on: context.db) {
            let cal = b.calendar
            if let w = cal.week(of: context.today), let phase = cal.phase(on: context.today) {
                out.tasks.append(HomeTask(title: t("in.home.week", [String(w), phase.label(context.locale)]), detail: b.name, href: InternshipRoute.intern.path(me.id)))
            }
        }
        return out
    }

    public func seedDemo(_ demo: DemoContext) async throws {
        guard demo.isCounty else { return }
        try await InternshipDemo.seed(demo)
    }

    public func countyRecoded(from old: String, to new: String, on tx: any Database) async throws {
        try await InternshipStore.recodeBatches(from: old, to: new, on: tx)
    }

    /// A school mentor who moves to another school stops mentoring its interns: they show as
    /// without a school mentor until the school names another.
    public func teacherMoved(_ move: TeacherMoved, on tx: any Database) async throws -> [LocalizedText] {
        let names = try await InternshipStore.releaseMentor(teacherId: move.teacherId, movedTo: move.toSchoolId, on: tx)
        return names.map { LocalizedText(zh: "实习生\($0)的指导教师", en: "school mentor of intern \($0)") }
    }
}
