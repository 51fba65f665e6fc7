import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// The lesson-plan JSON API (CONTRACT "Lesson plans"): its answer's shape and its handlers.
struct LessonPlanDTO: Content {
    let id: Int; let kind: String; let level: String; let parentId: Int?; let title: String; let subject: String; let grade: String
    let sections: [String: String]; let state: String; let version: Int; let snippet: String?
    enum CodingKeys: String, CodingKey { case id, kind, level, parentId, title, subject, grade, sections, state, version, snippet }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(kind, forKey: .kind); try c.encode(level, forKey: .level); try c.encode(parentId, forKey: .parentId)
        try c.encode(title, forKey: .title); try c.encode(subject, forKey: .subject); try c.encode(grade, forKey: .grade);
        try c.encode(sections, forKey: .sections)
        try c.encode(state, forKey: .state); try c.encode(version, forKey: .version); try c.encodeIfPresent(snippet, forKey: .snippet)
    }
    init(_ p: LessonPlanRow, snippet: String? = nil) {
        id = p.id; kind = p.kind; level = p.level; parentId = p.parentId; title = p.title; subject = p.subject; grade = p.grade
        sections = p.sectionMap; state = p.state; version = p.version; self.snippet = snippet
    }
}

struct TeachingAPI: Sendable {
    func register(_ api: any RoutesBuilder) {
        typealias R = TeachingAPIRoute
        api.get(R.plans, use: list)
        api.post(R.plans, use: create)
        api.get(R.plan, use: plan)
        api.put(R.plan, use: update)
        api.post(R.derive, use: derive)
        api.get(R.diff, use: diff)
        api.post(R.events, use: event)
    }

    struct Items: Content { let items: [LessonPlanDTO]; let total: Int }
    func list(req: Request) async throws -> Items {
        let q = try req.query.decode([String: String].self)
        var kind: PlanKind?
        if let k = q["kind"], !k.isEmpty {
            guard let v = PlanKind.parse(k) else {
                throw DomainError.validation(["kind": LocalizedText(zh: "类型应为 common 或 personal", en: "kind is common or personal")])
            }
            kind = v
        }
        let items = try await TeachingService(req).list(kind: kind, subject: q["subject"], grade: q["grade"], q: q["q"]).map {
            LessonPlanDTO($0.plan, snippet: $0.snippet)
        }
        return Items(items: items, total: items.count)
    }

    struct Body: Content {
        let kind: String?; let title: String?; let subject: String?; let grade: String?; let edition: String?; let unit: String?;
        let sections: [String: String]?; let groupId: Int?; let version: Int?
    }
    func create(req: Request) async throws -> Response {
        let b = try req.content.decode(Body.self)
        let p = try await TeachingService(req).create(
            PlanDraft(
                kind: b.kind, title: b.title, subject: b.subject, grade: b.grade, edition: b.edition, unit: b.unit, sections: b.sections, groupId: b.groupId))
        return try await LessonPlanDTO(p).encodeResponse(status: .created, for: req)
    }
    func plan(req: Request) async throws -> LessonPlanDTO { LessonPlanDTO(try await TeachingService(req).plan(id: try req.intParameter("id"))) }
    func update(req: Request) async throws -> LessonPlanDTO {
        let b = try req.content.decode(Body.self)
        return LessonPlanDTO(try await TeachingService(req).update(id: try req.intParameter("id"), sections: b.sections, title: b.title, version: b.version))
    }
    struct DeriveBody: Content { let kind: String? }
    func derive(req: Request) async throws -> Response {
        let b = (try? req.content.decode(DeriveBody.self)) ?? DeriveBody(kind: nil)
        return try await LessonPlanDTO(try await TeachingService(req).derive(id: try req.intParameter("id"), kind: b.kind)).encodeResponse(
            status: .created, for: req)
    }
    struct DiffDTO: Content {
        struct S: Content { let name: String; let changed: Bool }; let parentId: Int?; let sections: [S]; let changedRatio: Double; let nearlyUnchanged: Bool
    }
    /// Against the source plan; with `?from=&to=` between two saved versions of this plan.
    func diff(req: Request) async throws -> DiffDTO {
        let id = try req.intParameter("id")
        if let from = try? req.query.get(Int.self, at: "from"), let to = try? req.query.get(Int.self, at: "to") {
            let (_, _, d) = try await TeachingService(req).compare(id: id, from: from, to: to)
            return DiffDTO(
                parentId: nil, sections: d.sections.map { .init(name: $0.name, changed: $0.changed) }, changedRatio: d.changedRatio, nearlyUnchanged: false)
        }
        let (p, _, d) = try await TeachingService(req).diff(id: id)
        guard let d else { return DiffDTO(parentId: nil, sections: [], changedRatio: 0, nearlyUnchanged: false) }
        return DiffDTO(
            parentId: p.parentId, sections: d.sections.map { .init(name: $0.name, changed: $0.changed) }, changedRatio: d.changedRatio,
            nearlyUnchanged: p.kindValue == .personal && d.changedRatio < PlanDiff.nearlyUnchanged)
    }
    struct EventBody: Content { let event: String?; let version: Int?; let reason: String?; let releaseOn: String? }
    func event(req: Request) async throws -> LessonPlanDTO {
        let b = try req.content.decode(EventBody.self)
        guard let e = b.event.flatMap(TeachingService.Event.init(rawValue:)) else {
            throw DomainError.validation([
                "event": LocalizedText(zh: "操作应为 submit、approve、send_back 或 release", en: "event is submit, approve, send_back or release")
            ])
        }
        return LessonPlanDTO(
            try await TeachingService(req).act(id: try req.intParameter("id"), event: e, version: b.version, reason: b.reason, releaseOn: b.releaseOn))
    }
}
