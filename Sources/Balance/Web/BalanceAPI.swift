import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// The contract's balance answer (CONTRACT "Balance"), with the notes a reader needs.
struct BalanceDTO: Content {
    struct CoefficientDTO: Content {
        let indicator: String
        let value: Double?
        let limit: Double
        let pass: Bool
        let mean: Double
        let standardDeviation: Double
        enum CodingKeys: String, CodingKey { case indicator, value, limit, pass, mean, standardDeviation }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(indicator, forKey: .indicator); try c.encode(value, forKey: .value); try c.encode(limit, forKey: .limit)
            try c.encode(pass, forKey: .pass); try c.encode(mean, forKey: .mean); try c.encode(standardDeviation, forKey: .standardDeviation)
        }
    }
    struct BelowDTO: Content { let schoolId: Int; let met: Int; let failing: [String]; let belowFloor: [String] }
    struct ExcludedDTO: Content { let schoolId: Int; let reason: String }

    let standard: String
    let stage: String
    let year: Int
    let district: Int?
    let schools: Int
    let coefficients: [CoefficientDTO]
    let composite: Double?
    let pass: Bool
    let schoolsBelowStandard: [BelowDTO]?
    /// Schools left out of the computation, and why.
    let excluded: [ExcludedDTO]
    /// "live": today's teachers; "recorded": the year's recorded teacher figures.
    let teachers: String
    let unassignedTeachers: Double

    enum CodingKeys: String, CodingKey { case standard, stage, year, district, schools, coefficients, composite, pass, schoolsBelowStandard, excluded, teachers, unassignedTeachers }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(standard, forKey: .standard); try c.encode(stage, forKey: .stage); try c.encode(year, forKey: .year)
        try c.encode(district, forKey: .district); try c.encode(schools, forKey: .schools); try c.encode(coefficients, forKey: .coefficients)
        try c.encode(composite, forKey: .composite); try c.encode(pass, forKey: .pass)
        try c.encodeIfPresent(schoolsBelowStandard, forKey: .schoolsBelowStandard)
        try c.encode(excluded, forKey: .excluded); try c.encode(teachers, forKey: .teachers); try c.encode(unassignedTeachers, forKey: .unassignedTeachers)
    }

    /// The same document as `BalanceDTO(report).encode(to:)`, written straight from the report:
    /// a province's quality answer lists some 20,000 schools below the standard, and building the
    /// DTO and running JSONEncoder over it took a third of the request.
    static func json(_ r: BalanceReport, visible: @Sendable (BalanceUnit) -> Bool, visibleExclusion: @Sendable (Exclusion) -> Bool) -> String {
        let res = r.result
        func num(_ d: Double?) -> String { d.map { $0.isFinite ? "\($0)" : "null" } ?? "null" }
        let quoted = Dictionary(uniqueKeysWithValues: Indicator.allCases.map { ($0, "\"\($0.rawValue)\"") })
        func strings(_ a: [Indicator], into out: inout String) {
            out += "["
            for (k, i) in a.enumerated() { if k > 0 { out += "," }; out += quoted[i]! }
            out += "]"
        }
        var out = "{\"standard\":\"\(res.standard.rawValue)\",\"stage\":\"\(res.part.rawValue)\",\"year\":\(r.year),\"district\":\(r.districtId.map(String.init) ?? "null"),\"schools\":\(res.schools),\"coefficients\":["
        out += res.coefficients.map { c in
            "{\"indicator\":\"\(c.indicator.rawValue)\",\"value\":\(num(c.value.map(round3))),\"limit\":\(num(c.limit)),\"pass\":\(c.pass),\"mean\":\(num(round3(c.mean))),\"standardDeviation\":\(num(round3(c.standardDeviation)))}"
        }.joined(separator: ",")
        out += "],\"composite\":\(num(res.composite.map(round3))),\"pass\":\(res.pass)"
        if res.standard == .quality {
            out.reserveCapacity(out.utf8.count + res.standings.count * 100)
            out += ",\"schoolsBelowStandard\":["
            var first = true
            for s in res.standings {
                guard let check = s.check, !check.pass, visible(s.unit) else { continue }
                if !first { out += "," }
                first = false
                out += "{\"schoolId\":\(s.unit.schoolId),\"met\":\(check.met),\"failing\":"
                strings(check.failing, into: &out)
                out += ",\"belowFloor\":"
                strings(check.belowFloor, into: &out)
                out += "}"
            }
            out += "]"
        }
        out += ",\"excluded\":[" + res.excluded.filter(visibleExclusion).map { "{\"schoolId\":\($0.schoolId),\"reason\":\"\($0.reason.rawValue)\"}" }.joined(separator: ",") + "]"
        out += ",\"teachers\":\"\(r.liveTeachers ? "live" : "recorded")\",\"unassignedTeachers\":\(num(round3(res.unassignedTeachers)))}"
        return out
    }

    init(_ r: BalanceReport, visible: (BalanceUnit) -> Bool, visibleExclusion: (Exclusion) -> Bool) {
        let res = r.result
        standard = res.standard.rawValue
        stage = res.part.rawValue
        year = r.year
        district = r.districtId
        schools = res.schools
        coefficients = res.coefficients.map {
            CoefficientDTO(indicator: $0.indicator.rawValue, value: $0.value.map(round3), limit: $0.limit, pass: $0.pass,
                           mean: round3($0.mean), standardDeviation: round3($0.standardDeviation))
        }
        composite = res.composite.map(round3)
        pass = res.pass
        schoolsBelowStandard = res.standard == .quality
            ? res.schoolsBelowStandard.filter { visible($0.unit) }.map { s in
                BelowDTO(schoolId: s.unit.schoolId, met: s.check!.met, failing: s.check!.failing.map(\.rawValue), belowFloor: s.check!.belowFloor.map(\.rawValue))
            }
            : nil
        excluded = res.excluded.filter(visibleExclusion).map { ExcludedDTO(schoolId: $0.schoolId, reason: $0.reason.rawValue) }
        teachers = r.liveTeachers ? "live" : "recorded"
        unassignedTeachers = round3(res.unassignedTeachers)
    }
}

/// `/api/v1/balance…`
public struct BalanceAPI: Sendable {
    public init() {}

    public func register(_ api: any RoutesBuilder) {
        api.get(BalanceAPIRoute.balance, use: balance)
        api.get(BalanceAPIRoute.summary, use: summary)
        api.post(BalanceAPIRoute.whatIf, use: whatIf)
        api.get(BalanceAPIRoute.counties, use: counties)
    }

    /// `county=CODE`: six digits (GB/T 2260), or absent.
    static func county(_ q: RegistryAPI.Query) throws -> String? {
        guard let c = q.string("county")?.trimmingCharacters(in: .whitespaces), !c.isEmpty else { return nil }
        guard c.count == 6, c.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw DomainError.validation(["county": LocalizedText(zh: "县级行政区划代码为6位数字", en: "a county code is 6 digits")])
        }
        return c
    }

    static func required<V: Vocabulary>(_ q: RegistryAPI.Query, _ name: String, _ t: V.Type) throws -> V {
        guard let v = try q.vocab(name, t) else {
            throw DomainError.validation([name: LocalizedText(zh: "必须填写，可选：\(V.allCases.map(\.rawValue).joined(separator: "、"))", en: "required, one of \(V.allCases.map(\.rawValue).joined(separator: ", "))")])
        }
        return v
    }

    func balance(req: Request) async throws -> Response {
        let q = RegistryAPI.Query(req)
        let standard = try Self.required(q, "standard", BalanceStandard.self)
        let part = try Self.required(q, "stage", BalancePart.self)
        let service = BalanceService(req)
        let r = try await service.report(standard: standard, part: part, year: try q.int("year"), district: try q.int("district"), county: try Self.county(q))
        let res = Response(status: .ok, body: .init(string: BalanceDTO.json(r, visible: service.visible, visibleExclusion: service.visibleExclusion)))
        res.headers.contentType = .json
        return res
    }

    /// Both standards for both stages from one read of the data:
    /// `{"year", "district", "results": [answer, answer, answer, answer]}`, each answer as `GET /balance` gives it.
    func summary(req: Request) async throws -> Response {
        let q = RegistryAPI.Query(req)
        let body = try await BalanceService(req).summaryJSON(year: try q.int("year"), district: try q.int("district"), county: try Self.county(q))
        let res = Response(status: .ok, body: .init(string: body))
        res.headers.contentType = .json
        return res
    }

    struct WhatIfBody: Content {
        struct Move: Content { let teacherId: Int?; let toSchoolId: Int?; let toPart: String? }
        struct Change: Content { let schoolId: Int?; let facility: String?; let amount: Double? }
        let year: Int?
        let district: Int?
        let moves: [Move]?
        let facilities: [Change]?
    }
    struct WhatIfDTO: Content { let before: [BalanceDTO]; let after: [BalanceDTO] }

    /// Tries changes on today's data and answers the coefficients before and after, for both
    /// standards and both parts. Nothing is saved.
    func whatIf(req: Request) async throws -> WhatIfDTO {
        let body = try req.content.decode(WhatIfBody.self)
        var e = FieldErrors()
        var moves: [BalanceService.MoveRequest] = []
        for (i, m) in (body.moves ?? []).enumerated() {
            guard let t = m.teacherId, let s = m.toSchoolId else { e.add("moves[\(i)]", "需要 teacherId 和 toSchoolId", "teacherId and toSchoolId are required"); continue }
            moves.append(.init(teacherId: t, toSchoolId: s, toPart: m.toPart))
        }
        var changes: [Scenario.FacilityChange] = []
        for (i, c) in (body.facilities ?? []).enumerated() {
            guard let s = c.schoolId, let f = c.facility.flatMap(Facility.parse), let a = c.amount else {
                e.add("facilities[\(i)]", "需要 schoolId、facility(\(Facility.allCases.map(\.rawValue).joined(separator: "、")))和 amount", "schoolId, facility and amount are required"); continue
            }
            changes.append(.init(schoolId: s, facility: f, amount: a))
        }
        if moves.isEmpty && changes.isEmpty && e.isEmpty { e.add("moves", "请至少给出一项变化", "give at least one change") }
        try e.throwIfAny()
        let service = BalanceService(req)
        let scenario = try await service.scenario(moves: moves, facilities: changes)
        let before = try await service.reports(year: body.year, district: body.district)
        let after = try await service.reports(year: body.year, district: body.district, scenario: scenario)
        return WhatIfDTO(before: before.map { BalanceDTO($0, visible: service.visible, visibleExclusion: service.visibleExclusion) },
                         after: after.map { BalanceDTO($0, visible: service.visible, visibleExclusion: service.visibleExclusion) })
    }
}
