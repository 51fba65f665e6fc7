import Balance
import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

struct EligibleDTO: Content {
    let teacherId: Int; let schoolId: Int; let yearsAtSchool: Int; let backbone: Bool
    let name: String; let subjects: [String]; let title: String; let backboneLevel: String; let principal: Bool
    let ruralServiceYears: Double; let lacksRuralService: Bool; let qualificationType: String?
}

struct QuotaDTO: Content {
    let eligible: Int; let required: Int; let backboneRequired: Int; let moved: Int; let backboneMoved: Int; let met: Bool
    init(_ q: Quota) { eligible = q.eligible; required = q.required; backboneRequired = q.backboneRequired; moved = q.moved; backboneMoved = q.backboneMoved; met = q.met }
}

struct PlanMoveDTO: Content {
    let id: Int?; let teacherId: Int; let fromSchoolId: Int; let toSchoolId: Int; let toPart: String?; let form: String
    let startsOn: String; let returnsOn: String?; let state: String?; let warnings: [String]; let reason: String?
    /// Why a saved move no longer applies (the registry overtook it); nil when it does.
    var stale: String? = nil
}

struct PlanDTO: Content {
    let id: Int; let year: Int; let district: Int?; let title: String; let state: String; let version: Int
    let moves: [PlanMoveDTO]; let quota: QuotaDTO
}

/// `/api/v1/exchange…`
public struct ExchangeAPI: Sendable {
    public init() {}

    public func register(_ api: any RoutesBuilder) {
        typealias R = ExchangeAPIRoute
        api.get(R.eligible, use: eligible)
        api.post(R.suggest, use: suggest)
        api.get(R.plans, use: plans)
        api.post(R.plans, use: createPlan)
        api.get(R.plan, use: plan)
        api.put(R.plan, use: updatePlan)
        api.post(R.planEvents, use: event)
        api.post(R.planStale, use: dropStale)
        api.post(R.moveAssessments, use: assess)
        api.post(R.moveExtend, use: extend)
        api.get(R.timetable, use: timetable)
    }

    func eligible(req: Request) async throws -> ListBody<EligibleDTO> {
        let q = RegistryAPI.Query(req)
        let r = try await ExchangeService(req).eligible(year: try q.int("year"), district: try q.int("district"), school: try q.int("school"))
        let items = r.items.map { e in
            EligibleDTO(teacherId: e.teacher.id, schoolId: e.teacher.schoolId, yearsAtSchool: e.years, backbone: e.teacher.backbone.isCountyOrHigher,
                        name: e.teacher.name, subjects: e.teacher.subjects.map(\.rawValue), title: e.teacher.title.rawValue, backboneLevel: e.teacher.backbone.rawValue,
                        principal: e.principal, ruralServiceYears: (e.ruralYears * 10).rounded() / 10, lacksRuralService: e.lacksRural,
                        qualificationType: e.teacher.qualification?.rawValue)
        }
        return ListBody(items: items, total: items.count)
    }

    struct SuggestBody: Content { let year: Int?; let district: Int? }

    /// `{moves, quota, balanceBefore, balanceAfter, evaluations, milliseconds}`: each balance is
    /// `{"primary": answer, "junior": answer}`, the answers as `GET /api/v1/balance?standard=quality` gives them.
    func suggest(req: Request) async throws -> Response {
        let body = (try? req.content.decode(SuggestBody.self)) ?? SuggestBody(year: nil, district: nil)
        let service = ExchangeService(req)
        let r = try await service.suggest(year: body.year, district: body.district)
        struct Move: Encodable { let teacherId: Int; let fromSchoolId: Int; let toSchoolId: Int; let toPart: String?; let reasons: [String] }
        let locale = req.uiLocale
        let moves = r.suggestion.moves.map { Move(teacherId: $0.teacherId, fromSchoolId: $0.fromSchoolId, toSchoolId: $0.toSchoolId, toPart: $0.toPart?.rawValue, reasons: $0.reasons.map { $0(locale) }) }
        let encoder = JSONEncoder()
        func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
        func balance(_ results: [BalanceResult]) -> String {
            "{" + results.map { "\"\($0.part.rawValue)\":" + service.balanceJSON($0, r.evaluator) }.joined(separator: ",") + "}"
        }
        let out = "{\"year\":\(r.year),\"district\":\(r.districtId.map(String.init) ?? "null"),\"moves\":\(try json(moves)),\"quota\":\(try json(QuotaDTO(r.suggestion.quota))),"
            + "\"balanceBefore\":\(balance(r.before)),\"balanceAfter\":\(balance(r.after)),"
            + "\"evaluations\":\(r.suggestion.evaluations),\"milliseconds\":\(r.suggestion.milliseconds),\"evaluationMicroseconds\":\(r.evaluationMicros)}"
        let res = Response(status: .ok, body: .init(string: out))
        res.headers.contentType = .json
        return res
    }

    struct PlanBody: Content {
        let year: Int?; let district: Int?; let title: String?; let moves: [MoveInput]?; let version: Int?
    }

    static func dto(_ p: PlanRow, _ c: PlanCheck, stored: [MoveRow] = [], locale: UILocale = .zh) -> PlanDTO {
        let byTeacher = Dictionary(stored.map { ($0.teacherId, $0) }, uniquingKeysWith: { a, _ in a })
        return PlanDTO(id: p.id, year: p.year, district: p.districtId, title: p.title, state: p.state, version: p.version,
                       moves: c.moves.map { m in
                           let s = byTeacher[m.teacher.id]
                           return PlanMoveDTO(id: s?.id, teacherId: m.teacher.id, fromSchoolId: m.from.id, toSchoolId: m.to.id, toPart: m.toPart?.rawValue, form: m.form.rawValue,
                                              startsOn: m.startsOn.description, returnsOn: m.returnsOn?.description, state: s?.state, warnings: m.warnings.map(\.rawValue), reason: m.reason)
                       } + c.stale.compactMap { x in
                           stored.first { $0.id == x.moveId }.map { s in
                               PlanMoveDTO(id: s.id, teacherId: s.teacherId, fromSchoolId: s.fromSchoolId, toSchoolId: s.toSchoolId, toPart: s.toPart, form: s.form, startsOn: s.startsOn,
                                           returnsOn: s.returnsOn, state: s.state, warnings: ["stale"], reason: s.reason, stale: x.reason(locale))
                           }
                       },
                       quota: QuotaDTO(c.quota))
    }

    func createPlan(req: Request) async throws -> Response {
        let b = try req.content.decode(PlanBody.self)
        let service = ExchangeService(req)
        let (p, c) = try await service.createPlan(year: b.year, district: b.district, title: b.title, moves: b.moves ?? [])
        let stored = try await service.moves(planId: p.id)
        return try await Self.dto(p, c, stored: stored, locale: req.uiLocale).encodeResponse(status: .created, for: req)
    }

    func plans(req: Request) async throws -> ListBody<PlanSummaryDTO> {
        let q = RegistryAPI.Query(req)
        let items = try await ExchangeService(req).plans(year: try q.int("year")).map {
            PlanSummaryDTO(id: $0.id, year: $0.year, district: $0.districtId, title: $0.title, state: $0.state, version: $0.version)
        }
        return ListBody(items: items, total: items.count)
    }
    struct PlanSummaryDTO: Content { let id: Int; let year: Int; let district: Int?; let title: String; let state: String; let version: Int }

    func plan(req: Request) async throws -> PlanDTO {
        let service = ExchangeService(req)
        let p = try await service.plan(id: try req.intParameter("id"))
        let c = try await service.checkSaved(p)
        return Self.dto(p, c, stored: try await service.moves(planId: p.id), locale: req.uiLocale)
    }

    func updatePlan(req: Request) async throws -> PlanDTO {
        let b = try req.content.decode(PlanBody.self)
        guard let version = b.version else { throw DomainError.validation(["version": LocalizedText(zh: "缺少版本号", en: "version is required")]) }
        let service = ExchangeService(req)
        let (p, c) = try await service.updatePlan(id: try req.intParameter("id"), version: version, title: b.title, moves: b.moves ?? [])
        return Self.dto(p, c, stored: try await service.moves(planId: p.id), locale: req.uiLocale)
    }

    struct EventBody: Content { let event: String?; let version: Int?; let reason: String? }

    func event(req: Request) async throws -> PlanDTO {
        let id = try req.intParameter("id")
        let b = try req.content.decode(EventBody.self)
        var e = FieldErrors()
        let event = b.event.flatMap(PlanEvent.init(rawValue:))
        if event == nil { e.add("event", "操作应为 submit、approve 或 send_back", "event must be submit, approve or send_back") }
        if b.version == nil { e.add("version", "缺少版本号", "version is required") }
        try e.throwIfAny()
        let service = ExchangeService(req)
        let p = try await service.act(planId: id, event: event!, version: b.version!, reason: b.reason)
        let c = try await service.checkSaved(p)
        return Self.dto(p, c, stored: try await service.moves(planId: p.id), locale: req.uiLocale)
    }

    struct VersionBody: Content { let version: Int? }

    /// `POST /api/v1/exchange/plans/{id}/stale {version}`: the draft without its stale moves.
    func dropStale(req: Request) async throws -> PlanDTO {
        let b = try req.content.decode(VersionBody.self)
        guard let version = b.version else { throw DomainError.validation(["version": LocalizedText(zh: "缺少版本号", en: "version is required")]) }
        let service = ExchangeService(req)
        let (p, _) = try await service.dropStale(planId: try req.intParameter("id"), version: version)
        let c = try await service.checkSaved(p)
        return Self.dto(p, c, stored: try await service.moves(planId: p.id), locale: req.uiLocale)
    }

    struct AssessBody: Content { let year: Int?; let rating: String?; let comments: String? }
    struct AssessmentDTO: Content { let moveId: Int; let year: Int; let rating: String; let comments: String }

    func assess(req: Request) async throws -> Response {
        let b = try req.content.decode(AssessBody.self)
        let a = try await ExchangeService(req).assess(moveId: try req.intParameter("id"), year: b.year, rating: b.rating, comments: b.comments)
        return try await AssessmentDTO(moveId: a.moveId, year: a.year, rating: a.rating, comments: a.comments).encodeResponse(status: .created, for: req)
    }

    struct ExtendBody: Content { let returnsOn: String?; let version: Int? }

    func extend(req: Request) async throws -> PlanMoveDTO {
        let b = try req.content.decode(ExtendBody.self)
        let m = try await ExchangeService(req).extend(moveId: try req.intParameter("id"), returnsOn: b.returnsOn, version: b.version)
        return PlanMoveDTO(id: m.id, teacherId: m.teacherId, fromSchoolId: m.fromSchoolId, toSchoolId: m.toSchoolId, toPart: m.toPart, form: m.form,
                           startsOn: m.startsOn, returnsOn: m.returnsOn, state: m.state, warnings: m.warningList.map(\.rawValue), reason: m.reason)
    }

    func timetable(req: Request) async throws -> Response {
        let q = RegistryAPI.Query(req)
        let t = try await ItinerantService(req).timetable(district: try q.int("district"))
        return try await TimetableDTO(t).encodeResponse(for: req)
    }
}
