import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// CONTRACT "Inspection (优质均衡)": the readiness, the report, entries and survey rounds.
public struct InspectionAPI: Sendable {
    public init() {}

    public func register(_ api: any RoutesBuilder) {
        typealias R = InspectionAPIRoute
        api.get(R.readiness, use: readiness)
        api.get(R.report, use: report)
        api.on(.PUT, R.entry, body: .collect(maxSize: "8mb"), use: putEntry)
        api.get(R.rounds, use: rounds)
        api.post(R.rounds, use: openRound)
        api.get(R.round, use: round)
        api.post(R.closeRound, use: closeRound)
    }

    func closeRound(req: Request) async throws -> RoundDTO {
        let id = try req.intParameter("id")
        try await InspectionService(req).closeRound(id: id)
        return try await round(req: req)
    }

    struct FailingDTO: Content { let schoolId: Int?; let name: String; let shortfall: String }
    struct PartDTO: Content { let part: String; let value: Double?; let limit: Double; let pass: Bool }
    struct IndicatorDTO: Content {
        let code: String; let name: String; let value: Double?; let valueText: String; let threshold: Double?; let requirement: String
        let met: Bool; let hasData: Bool; let source: String; let failing: [FailingDTO]; let failingTotal: Int; let parts: [PartDTO]?
        let evidence: String?; let enteredBy: String?
        enum CodingKeys: String, CodingKey {
            case code, name, value, valueText, threshold, requirement, met, hasData, source, failing, failingTotal, parts, evidence, enteredBy
        }
        /// `value` and `threshold` are always present (null for a declaration or without data).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code); try c.encode(name, forKey: .name); try c.encode(value, forKey: .value);
            try c.encode(valueText, forKey: .valueText)
            try c.encode(threshold, forKey: .threshold); try c.encode(requirement, forKey: .requirement); try c.encode(met, forKey: .met);
            try c.encode(hasData, forKey: .hasData)
            try c.encode(source, forKey: .source); try c.encode(failing, forKey: .failing); try c.encode(failingTotal, forKey: .failingTotal)
            try c.encodeIfPresent(parts, forKey: .parts); try c.encodeIfPresent(evidence, forKey: .evidence);
            try c.encodeIfPresent(enteredBy, forKey: .enteredBy)
        }
    }
    struct AspectDTO: Content { let code: String; let name: String; let indicators: [IndicatorDTO] }
    struct VetoDTO: Content { let code: String; let name: String; let triggered: Bool; let declared: Bool }
    struct ReadinessDTO: Content {
        let year: Int; let aspects: [AspectDTO]; let met: Int; let total: Int; let missing: Int; let vetoes: [VetoDTO]; let passed: Bool
        let schoolsMeetingStandard: Int; let schoolParts: Int
    }

    static func dto(_ r: Readiness, _ locale: UILocale, failingLimit: Int = 500) -> ReadinessDTO {
        let aspects = Aspect.allCases.map { a in
            AspectDTO(
                code: a.rawValue, name: a.label(locale),
                indicators: r.indicators.filter { $0.def.aspect == a }.map { i in
                    IndicatorDTO(
                        code: i.def.code, name: i.def.name(locale), value: i.value.map { ($0 * 10000).rounded() / 10000 }, valueText: i.valueText,
                        threshold: i.threshold,
                        requirement: i.requirement, met: i.met ?? false, hasData: i.met != nil, source: i.def.source.rawValue,
                        failing: i.failing.prefix(failingLimit).map { FailingDTO(schoolId: $0.schoolId, name: $0.name, shortfall: $0.shortfall) },
                        failingTotal: i.failing.count,
                        parts: i.parts.isEmpty ? nil : i.parts.map { PartDTO(part: $0.part.rawValue, value: $0.value, limit: $0.limit, pass: $0.pass) },
                        evidence: i.entry?.evidenceName, enteredBy: i.entry?.enteredBy)
                })
        }
        return ReadinessDTO(
            year: r.year, aspects: aspects, met: r.met, total: r.total, missing: r.missing.count,
            vetoes: r.vetoes.map { VetoDTO(code: $0.def.code, name: $0.def.name(locale), triggered: $0.triggered, declared: $0.declared) },
            passed: r.passed, schoolsMeetingStandard: r.schoolsMeeting, schoolParts: r.schoolParts)
    }

    func readiness(req: Request) async throws -> ReadinessDTO {
        let r = try await InspectionService(req).readiness(year: try req.query.get(Int?.self, at: "year"))
        return Self.dto(r, req.uiLocale)
    }

    func report(req: Request) async throws -> Response {
        let format = (try? req.query.get(String.self, at: "format")) ?? "docx"
        guard format == "docx" else {
            throw DomainError.validation([
                "format": LocalizedText(zh: "只支持 format=docx；打印版见 /inspection/report", en: "only format=docx; the printable report is /inspection/report")
            ])
        }
        return try await InspectionPages.docx(req, year: try req.query.get(Int?.self, at: "year"))
    }

    struct EntryBody: Content { let year: Int?; let value: String?; let met: String?; let note: String?; let evidence: String?; let evidenceName: String? }

    /// JSON: `{year, value | met, note, evidence (base64), evidenceName}`.
    func putEntry(req: Request) async throws -> Response {
        let b = try req.content.decode(EntryBody.self)
        var data: Data?
        if let e = b.evidence, !e.isEmpty {
            guard let d = Data(base64Encoded: e) else {
                throw DomainError.validation(["evidence": LocalizedText(zh: "佐证材料应为 base64 编码", en: "evidence must be base64")])
            }
            data = d
        }
        let code = try req.parameters.require("code")
        try await InspectionService(req).enter(
            year: b.year, code: code, .init(value: b.value, met: b.met, note: b.note, evidence: data, evidenceName: b.evidenceName))
        return Response(status: .noContent)
    }

    struct RoundDTO: Content {
        let id: Int; let year: Int; let name: String; let state: String; let codes: Int; let respondents: Int; let satisfaction: Double?
        let bySchool: [SchoolDTO]?; let byGroup: [GroupDTO]?
    }
    struct SchoolDTO: Content { let schoolId: Int; let respondents: Int; let satisfaction: Double? }
    struct GroupDTO: Content { let group: String; let respondents: Int; let satisfaction: Double? }

    func rounds(req: Request) async throws -> ListBody<RoundDTO> {
        let s = InspectionService(req)
        var out: [RoundDTO] = []
        for r in try await s.rounds() {
            let t = try await s.tally(round: r)
            out.append(
                RoundDTO(
                    id: r.id, year: r.year, name: r.name, state: r.state, codes: t.codes, respondents: t.respondents, satisfaction: t.rate, bySchool: nil,
                    byGroup: nil))
        }
        return ListBody(items: out, total: out.count)
    }

    func round(req: Request) async throws -> RoundDTO {
        let s = InspectionService(req)
        let r = try await s.round(id: try req.intParameter("id"))
        let t = try await s.tally(round: r)
        func rate(_ c: SurveyTally.Count) -> Double? { c.shownRate }
        return RoundDTO(
            id: r.id, year: r.year, name: r.name, state: r.state, codes: t.codes, respondents: t.respondents, satisfaction: t.rate,
            bySchool: t.bySchool.keys.sorted().map { SchoolDTO(schoolId: $0, respondents: t.bySchool[$0]!.respondents, satisfaction: rate(t.bySchool[$0]!)) },
            byGroup: SurveyGroup.allCases.compactMap { g in
                t.byGroup[g].map { GroupDTO(group: g.rawValue, respondents: $0.respondents, satisfaction: rate($0)) }
            })
    }

    struct OpenBody: Content { let year: Int?; let name: String?; let perSchool: [String: Int]? }

    func openRound(req: Request) async throws -> Response {
        let b = try req.content.decode(OpenBody.self)
        var counts: [SurveyGroup: Int] = [:]
        for (k, v) in b.perSchool ?? [:] {
            guard let g = SurveyGroup(rawValue: k) else {
                throw DomainError.validation([
                    "perSchool": LocalizedText(zh: "调查对象应为 parent、student、teacher 或 other", en: "groups are parent, student, teacher or other")
                ])
            }
            counts[g] = v
        }
        let s = InspectionService(req)
        let id = try await s.openRound(year: b.year, name: b.name, perSchool: counts)
        let r = try await s.round(id: id)
        let t = try await s.tally(round: r)
        return try await RoundDTO(
            id: r.id, year: r.year, name: r.name, state: r.state, codes: t.codes, respondents: 0, satisfaction: nil, bySchool: nil, byGroup: nil
        )
        .encodeResponse(status: .created, for: req)
    }
}
