import Foundation
import Vapor
import XuequCore
import XuequKit

struct InternPlanDTO: Content {
    struct Approvals: Content { let mentor: Bool; let supervisor: Bool }
    let id: Int; let title: String; let subject: String; let grade: String; let content: String; let version: Int
    let approvals: Approvals; let trialLecture: String
    init(_ p: PlanRow) {
        id = p.id; title = p.title; subject = p.subject; grade = p.grade; content = p.content; version = p.version
        approvals = Approvals(mentor: p.mentorApproved, supervisor: p.supervisorApproved); trialLecture = p.trial
    }
}

struct TeachingDTO: Content { let id: Int; let lessonPlanId: Int?; let date: String; let className: String?; let topic: String; let periods: Int? }

public struct InternshipAPI: Sendable {
    public init() {}
    public func register(_ api: any RoutesBuilder) {
        typealias R = InternshipAPIRoute
        api.post(R.plans, use: createPlan)
        api.get(R.plan, use: plan)
        api.put(R.plan, use: revise)
        api.post(R.approve, use: approve)
        api.post(R.trials, use: trial)
        api.post(R.teaching, use: teaching)
    }

    struct PlanBody: Content { let title: String?; let subject: String?; let grade: String?; let content: String?; let version: Int? }

    func createPlan(req: Request) async throws -> Response {
        let b = try req.content.decode(PlanBody.self)
        let p = try await InternshipService(req).createPlan(title: b.title, subject: b.subject, grade: b.grade, content: b.content)
        return try await InternPlanDTO(p).encodeResponse(status: .created, for: req)
    }

    func plan(req: Request) async throws -> InternPlanDTO { InternPlanDTO(try await InternshipService(req).plan(id: try req.intParameter("id")).0) }

    func revise(req: Request) async throws -> InternPlanDTO {
        let b = try req.content.decode(PlanBody.self)
        return InternPlanDTO(try await InternshipService(req).revisePlan(id: try req.intParameter("id"), title: b.title, content: b.content, version: b.version))
    }

    func approve(req: Request) async throws -> InternPlanDTO { InternPlanDTO(try await InternshipService(req).approve(planId: try req.intParameter("id"))) }

    struct TrialBody: Content { let lessonPlanId: Int?; let passed: Bool?; let notes: String? }
    func trial(req: Request) async throws -> Response {
        let b = try req.content.decode(TrialBody.self)
        let p = try await InternshipService(req).trial(planId: b.lessonPlanId, passed: b.passed, notes: b.notes)
        return try await InternPlanDTO(p).encodeResponse(status: .created, for: req)
    }

    struct TeachingBody: Content { let lessonPlanId: Int?; let date: String?; let className: String?; let topic: String?; let periods: Int? }
    func teaching(req: Request) async throws -> Response {
        let b = try req.content.decode(TeachingBody.self)
        let r = try await InternshipService(req).record(.init(kind: .teaching, date: b.date, lessonPlanId: b.lessonPlanId, className: b.className, topic: b.topic, periods: b.periods))
        return try await TeachingDTO(id: r.id, lessonPlanId: r.lessonPlanId, date: r.onDate, className: r.className, topic: r.topic, periods: r.periods).encodeResponse(status: .created, for: req)
    }
}
