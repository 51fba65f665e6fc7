import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// 盟校 (DOMAIN §3).
public enum AllianceKind: String, Vocabulary {
    public static let lookup = makeLookup()
    case strongStrong = "strong_strong"
    case pairing
    case strongWeak = "strong_weak"
    public var zh: String { switch self { case .strongStrong: "强强联合"; case .pairing: "对口帮扶"; case .strongWeak: "强弱联盟" } }
    public var en: String { switch self { case .strongStrong: "strong + strong"; case .pairing: "pairing (urban helps rural)"; case .strongWeak: "strong + weak" } }
}

/// The "four unifications" (四统一) checked per term.
public enum Unification: String, CaseIterable, Sendable {
    case teachingPlan = "teaching_plan", research, rules, assessment
    public var zh: String { switch self { case .teachingPlan: "统一教学计划"; case .research: "统一教研活动"; case .rules: "统一管理制度"; case .assessment: "统一质量评价" } }
    public var en: String { switch self { case .teachingPlan: "one teaching plan"; case .research: "one research programme"; case .rules: "one set of rules"; case .assessment: "one quality assessment" } }
}

public struct AllianceRow: Codable, Sendable { public let id: Int; public let name: String; public let kind: String; public let leadSchoolId: Int }

public struct AllianceDetail: Sendable {
    public struct Term: Sendable { public let term: String; public let done: [Unification: Bool]; public let updatedBy: String }
    public struct YearScore: Sendable {
        public let year: Int
        public let scores: [Int: Double]
        /// The members' scores weighted by enrolment (捆绑考核).
        public let combined: Double?
        /// The gap between the best and the worst member.
        public let gap: Double?
    }
    public let alliance: AllianceRow
    public let members: [PlanSchool]
    public let students: [Int: Int]
    public let terms: [Term]
    public let years: [YearScore]
}

public struct AllianceService: Sendable {
    let ctx: ServiceContext
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }
    var db: any Database { ctx.db }
    static let word = LocalizedText(zh: "盟校", en: "alliance")

    /// Alliances with a member school in the reader's scope.
    public func list() async throws -> [(AllianceRow, [PlanSchool])] {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeRead)
        let rows = try await ExchangeStore.allianceRows(on: db)
        let members = try await ExchangeStore.allianceMembers(on: db)
        let schools = try await ExchangeStore.schools(ids: members.map(\.schoolId), on: db)
        let grouped = Dictionary(grouping: members, by: \.allianceId)
        return rows.compactMap { a in
            let list = (grouped[a.id] ?? []).compactMap { schools[$0.schoolId] }.sorted { ($0.id == a.leadSchoolId ? 0 : 1, $0.code) < ($1.id == a.leadSchoolId ? 0 : 1, $1.code) }
            guard list.contains(where: { actor.covers(schoolId: $0.id, districtId: $0.districtId) }) else { return nil }
            return (a, list)
        }
    }

    public func create(name raw: String?, kind rawKind: String?, leadSchoolId: Int?, memberIds: [Int]) async throws -> Int {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeAlliances)
        var e = FieldErrors()
        let name = raw?.trimmed ?? ""
        if name.isEmpty || name.count > 60 { e.add("name", "请填写盟校名称（不超过60字）", "enter the alliance's name (at most 60 characters)") }
        let kind = rawKind.flatMap(AllianceKind.parse)
        if kind == nil { e.add("kind", "请选择盟校类型：\(AllianceKind.allowedList)", "choose the kind of alliance") }
        var ids = Array(Set(memberIds))
        if let lead = leadSchoolId, !ids.contains(lead) { ids.append(lead) }
        let schools = try await ExchangeStore.schools(ids: ids, on: db)
        if leadSchoolId == nil || schools[leadSchoolId!] == nil { e.add("leadSchoolId", "请选择牵头学校", "choose the lead school") }
        if ids.count < 2 { e.add("members", "盟校至少包括两所学校", "an alliance has at least two schools") }
        for id in ids {
            guard let s = schools[id] else { e.add("members", "学校\(id)不存在", "school \(id) does not exist"); continue }
            if !s.active { e.add("members", "\(s.name)已撤并或停办", "\(s.name) is no longer active") }
            // Only schools the bureau runs: another county's school is named by number, not by name.
            if !actor.covers(schoolId: s.id, districtId: s.districtId) { e.add("members", "学校\(id)不在本县", "school \(id) is not in this county") }
        }
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now, members = ids
        return try await ctx.writeOnce { tx in
            let id = try await ExchangeStore.insertAlliance(name: name, kind: kind!.rawValue, leadSchoolId: leadSchoolId!, by: actor.username, members: members, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "exchange.alliance.create", entity: "exchange_alliance", entityId: String(id), summary: "\(name)：\(members.count) 所学校")
            return id
        }
    }

    public func detail(id: Int) async throws -> AllianceDetail {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeRead)
        guard let a = try await ExchangeStore.alliance(id: id, on: db) else {
            throw DomainError.notFound(Self.word)
        }
        let ids = try await ExchangeStore.memberSchools(allianceId: id, on: db)
        let schools = try await ExchangeStore.schools(ids: ids, on: db)
        let members = ids.compactMap { schools[$0] }.sorted { ($0.id == a.leadSchoolId ? 0 : 1, $0.code) < ($1.id == a.leadSchoolId ? 0 : 1, $1.code) }
        guard members.contains(where: { actor.covers(schoolId: $0.id, districtId: $0.districtId) }) else { throw DomainError.notFound(Self.word) }
        let students = try await ExchangeStore.students(schoolIds: ids, on: db)
        let terms = try await ExchangeStore.termRows(allianceId: id, on: db).map {
            AllianceDetail.Term(term: $0.term, done: [.teachingPlan: $0.teachingPlan, .research: $0.research, .rules: $0.rules, .assessment: $0.assessment], updatedBy: $0.updatedBy)
        }
        let scores = try await ExchangeStore.scoreRows(allianceId: id, on: db)
        let years = Dictionary(grouping: scores, by: \.year).keys.sorted().map { y -> AllianceDetail.YearScore in
            let s = Dictionary(uniqueKeysWithValues: scores.filter { $0.year == y }.map { ($0.schoolId, $0.score) })
            let weights = s.keys.map { Double(max(students[$0] ?? 0, 1)) }
            let total = weights.reduce(0, +)
            let combined = s.isEmpty ? nil : zip(s.keys, weights).reduce(0.0) { $0 + s[$1.0]! * $1.1 } / total
            let gap = s.count < 2 ? nil : (s.values.max()! - s.values.min()!)
            return AllianceDetail.YearScore(year: y, scores: s, combined: combined, gap: gap)
        }
        return AllianceDetail(alliance: a, members: members, students: students, terms: terms, years: years)
    }

    /// The term's 四统一 checklist: the bureau, the members' districts or a member school's admin.
    public func putTerm(id: Int, term raw: String?, done: Set<Unification>) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeChecklist)
        let d = try await detail(id: id)
        var e = FieldErrors()
        let term = raw?.trimmed ?? ""
        let ok = term.count == 5 && Int(term.prefix(4)).map { $0 >= 2000 && $0 <= ctx.today.year + 1 } == true && (term.hasSuffix("春") || term.hasSuffix("秋"))
        if !ok { e.add("term", "学期应写成“2026春”或“2026秋”", "a term is written like 2026春 (spring) or 2026秋 (autumn)") }
        try e.throwIfAny()
        let audit = ctx.audit
        try await ctx.writeOnce { tx in
            try await ExchangeStore.replaceTerm(allianceId: id, term: term, done: done, by: actor.username, on: tx)
            try await Audit.record(on: tx, audit, action: "exchange.alliance.term", entity: "exchange_alliance", entityId: String(id), summary: "\(d.alliance.name) \(term)：四统一完成 \(done.count)/4")
        }
    }

    /// A year's assessment scores of the member schools (0–100), all at once.
    public func putScores(id: Int, year: Int?, scores raw: [Int: String]) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeAlliances)
        let d = try await detail(id: id)
        var e = FieldErrors()
        let y = year ?? ctx.today.year
        if y < 2000 || y > ctx.today.year { e.add("year", "年度应在2000到\(ctx.today.year)之间", "year must be between 2000 and \(ctx.today.year)") }
        var parsed: [Int: Double] = [:]
        for s in d.members {
            let text = raw[s.id]?.trimmed ?? ""
            guard let v = Double(text), v.isFinite, v >= 0, v <= 100 else {
                e.add("score[\(s.id)]", "\(s.name)：请填写0到100的分数", "\(s.name): enter a score from 0 to 100"); continue
            }
            parsed[s.id] = (v * 10).rounded() / 10
        }
        try e.throwIfAny()
        let audit = ctx.audit, values = parsed
        try await ctx.writeOnce { tx in
            try await ExchangeStore.replaceScores(allianceId: id, year: y, scores: values, on: tx)
            try await Audit.record(on: tx, audit, action: "exchange.alliance.scores", entity: "exchange_alliance", entityId: String(id), summary: "\(y) 年：\(values.count) 所学校评分")
        }
    }

    /// Combined score and gap over the years, two lines, as SVG drawn here (no scripts).
    public static func chart(_ years: [AllianceDetail.YearScore], locale: UILocale) -> String {
        let pts = years.filter { $0.combined != nil }
        guard pts.count >= 1 else { return "" }
        let w = 560.0, h = 220.0, left = 40.0, right = 20.0, top = 20.0, bottom = 40.0
        // The points stand clear of the axis labels on the left and the edge on the right.
        let inset = 24.0
        let x: (Int) -> Double = { i in
            pts.count == 1 ? left + (w - left - right) / 2 : left + inset + Double(i) * (w - left - right - 2 * inset) / Double(pts.count - 1)
        }
        let y: (Double) -> Double = { v in top + (100 - v) / 100 * (h - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" class=\"chart narrow\" role=\"img\" aria-label=\"\(locale == .en ? "combined score and gap" : "捆绑考核得分与校际差距")\">"
        for g in stride(from: 0.0, through: 100.0, by: 25.0) {
            svg += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(y(g))\" y2=\"\(y(g))\" stroke=\"#ddd\"/><text x=\"\(left - 6)\" y=\"\(y(g) + 4)\" font-size=\"11\" text-anchor=\"end\" fill=\"#666\">\(Int(g))</text>"
        }
        func line(_ values: [Double?], color: String, dash: Bool) -> String {
            let coords = values.enumerated().compactMap { i, v in v.map { "\(x(i)),\(y($0))" } }
            var s = "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash ? " stroke-dasharray=\"5 4\"" : "") points=\"\(coords.joined(separator: " "))\"/>"
            for (i, v) in values.enumerated() { if let v { s += "<circle cx=\"\(x(i))\" cy=\"\(y(v))\" r=\"3\" fill=\"\(color)\"/><text x=\"\(x(i))\" y=\"\(y(v) - 8)\" font-size=\"11\" text-anchor=\"middle\" fill=\"\(color)\">\(String(format: "%.1f", v))</text>" } }
            return s
        }
        svg += line(pts.map(\.combined), color: "#1a5fb4", dash: false)
        svg += line(pts.map(\.gap), color: "#c01c28", dash: true)
        for (i, p) in pts.enumerated() { svg += "<text x=\"\(x(i))\" y=\"\(h - bottom + 18)\" font-size=\"12\" text-anchor=\"middle\">\(p.year)</text>" }
        let l1 = locale == .en ? "combined score" : "捆绑得分", l2 = locale == .en ? "gap between schools" : "校际差距"
        svg += "<line x1=\"\(left)\" x2=\"\(left + 24)\" y1=\"\(h - 8)\" y2=\"\(h - 8)\" stroke=\"#1a5fb4\" stroke-width=\"2\"/><text x=\"\(left + 30)\" y=\"\(h - 4)\" font-size=\"12\">\(l1)</text>"
        svg += "<line x1=\"\(left + 130)\" x2=\"\(left + 154)\" y1=\"\(h - 8)\" y2=\"\(h - 8)\" stroke=\"#c01c28\" stroke-width=\"2\" stroke-dasharray=\"5 4\"/><text x=\"\(left + 160)\" y=\"\(h - 4)\" font-size=\"12\">\(l2)</text>"
        return svg + "</svg>"
    }
}
