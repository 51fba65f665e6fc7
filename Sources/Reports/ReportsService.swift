import Balance
import Certification
import Exchange
import Fluent
import Foundation
import Internship
import Registry
import SQLKit
import Teaching
import Vapor
import XuequCore
import XuequKit

extension Permission {
    /// The year's summary of one's own area: the bureau's county, a district office's district.
    public static let reportsRead: Permission = "reports:read"
    public static let reportsWrite: Permission = "reports:write"
}

/// The year's work summary: figures read through the other modules' services (never their
/// tables), sections written from templates the bureau edits, finalised with their figures.
public struct ReportsService: Sendable {
    let ctx: ServiceContext
    var db: any Database { ctx.db }
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }
    static let decoder = SQLRowDecoder.snakeCase
    public var today: CivilDate { ctx.today }

    public struct Area: Sendable {
        public let districtId: Int?; public let key: String; public let name: String
        /// A county's among several: its districts (nil: one district, or the database's only county).
        public var districts: [Int]? = nil
        /// Whether the area is a certifying body's: a county, alone in its database or among
        /// several (each county's body, issue 30); a district certifies nothing.
        public var certifies: Bool { districtId == nil }
    }

    /// The caller's area: the bureau the county or any district it names; a district office its
    /// own district only (another district's id is 403, an unknown one 404).
    public func area(district: Int?) async throws -> Area {
        let actor = try ctx.requireActor()
        try actor.require(.reportsRead)
        if let district {
            guard let d = try await RegistryStore.district(id: district, on: db) else { throw DomainError.notFound(LocalizedText(zh: "学区", en: "district")) }
            guard actor.covers(districtId: district) else { throw DomainError.forbidden }
            return Area(districtId: d.id, key: "d\(d.id)", name: d.name)
        }
        if let c = actor.oneCounty {
            let name = try await AreaStore.area(code: c.code, on: db)?.name ?? c.code
            return Area(districtId: nil, key: "county:\(c.code)", name: name, districts: c.districts.sorted())
        }
        switch actor.registryScope {
        case .county: return Area(districtId: nil, key: "county", name: ctx.locale == .en ? "the county" : "全县")
        case .district(let d):
            let row = try await RegistryStore.district(id: d, on: db)
            return Area(districtId: d, key: "d\(d)", name: row?.name ?? "")
        default: throw DomainError.forbidden
        }
    }

    public func year(_ y: Int?) throws -> Int {
        let y = y ?? today.year
        guard y >= 2000, y <= today.year else {
            throw DomainError.validation(["year": LocalizedText(zh: "年度应在2000到\(today.year)之间", en: "year must be between 2000 and \(today.year)")])
        }
        return y
    }

    // MARK: figures

    public func figures(year raw: Int?, district: Int?) async throws -> YearFigures {
        let area = try await area(district: district)
        let y = try year(raw)
        let f = try await compute(year: y, area: area)
        if f.schools.start == 0 && f.schools.end == 0 {
            throw DomainError.validation([
                "year": LocalizedText(zh: "平台没有\(y)年的数据（最早的学校记录晚于该年）", en: "the platform has no data for \(y) (its first school records are later)")
            ])
        }
        return f
    }

    func compute(year y: Int, area: Area) async throws -> YearFigures {
        var f = YearFigures(year: y, scope: area.districtId == nil ? "county" : area.name, districtId: area.districtId)
        let r = try await RegistryStore.yearCounts(year: y, district: area.districtId, districts: area.districts, on: db)
        f.districts = r.districts; f.centralSchools = r.centralSchools
        f.schools = .init(
            start: r.schoolsStart, end: r.schoolsEnd, merged: r.merged, standardised: r.standardised, byStage: r.byStage, byLocality: r.byLocality,
            mergedByYear: r.mergedByYear)
        f.teachers = .init(
            total: r.teachers, qualified: r.qualified, byTitle: r.byTitle, byEducation: r.byEducation, byBackbone: r.byBackbone,
            byStage: r.teachersByStage)

        // Rotation: the exchange report of the year, by sending district (the quotas' count).
        let report = try await ExchangeService(ctx).report(year: y)
        let names = Set(
            try await RegistryStore.districtRows(on: db, scope: area.districtId.map { .district($0) } ?? area.districts.map { .districts($0) } ?? .county).map(
                \.name))
        let quotas = report.quotas.filter { names.contains($0.district) }
        f.exchange.eligible = quotas.reduce(0) { $0 + $1.quota.eligible }
        f.exchange.moved = quotas.reduce(0) { $0 + $1.quota.moved }
        f.exchange.required = quotas.reduce(0) { $0 + $1.quota.required }
        f.exchange.backboneMoved = quotas.reduce(0) { $0 + $1.quota.backboneMoved }
        f.exchange.backboneRequired = quotas.reduce(0) { $0 + $1.quota.backboneRequired }
        let rows = report.byDistrict.filter { names.contains($0.label) }
        f.exchange.support = rows.reduce(0) { $0 + $1.support }
        f.exchange.secondment = rows.reduce(0) { $0 + $1.secondment }
        f.exchange.supportToRural = area.districtId == nil ? report.supportToRural : min(report.supportToRural, f.exchange.support)
        f.exchange.supportTarget = area.districtId == nil ? ExchangeService.supportTarget : 0
        f.exchange.byDistrict = quotas.map { q in
            .init(district: q.district, moved: q.quota.moved, required: q.quota.required, support: rows.first { $0.label == q.district }?.support ?? 0)
        }

        f.exchange.byDirection =
            area.districtId == nil
            ? report.byDirection.map { .init(label: $0.label, transfer: $0.transfer, support: $0.support, secondment: $0.secondment) } : nil
        let alliances = try await AllianceService(ctx).list().filter { _, members in
            area.districtId.map { d in members.contains { $0.districtId == d } } ?? area.districts.map { ds in members.contains { ds.contains($0.districtId) } }
                ?? true
        }
        f.exchange.alliances = alliances.count
        f.exchange.allianceSchools = Set(alliances.flatMap { $0.1.map(\.id) }).count
        // Each alliance's bundled score, as its own page computes it: the year's, or (the year's
        // assessment is entered after it ends) the latest before it, with the year it is for.
        var scores: [YearFigures.Exchange.AllianceScore] = []
        for (a, members) in alliances {
            let year = try await AllianceService(ctx).detail(id: a.id).years.filter { $0.year <= y && $0.combined != nil }.max { $0.year < $1.year }
            scores.append(.init(name: a.name, schools: members.count, year: year?.year, combined: year?.combined, gap: year?.gap))
        }
        f.exchange.allianceScores = scores
        // 走教 is arranged week by week with no year of its own: the current year's summary shows
        // the arrangement as it stands, each district's timetable as its page places it.
        if y == today.year {
            let districtIds = try await RegistryStore.districtRows(on: db, scope: area.districtId.map { .district($0) } ?? ctx.actor?.registryScope ?? .county)
                .map(\.id)
            var it = YearFigures.Exchange.Itinerant()
            let itinerant = ItinerantService(ctx)
            for d in try await itinerant.districtsWithTeachers(among: districtIds) {
                let (setup, table) = try await itinerant.timetable(district: d)
                guard !setup.teachers.isEmpty else { continue }
                it.teachers += setup.teachers.count
                it.periods += table.placements.count
                it.unplaced += table.unplaced.reduce(0) { $0 + $1.periods }
                it.schools += Set(table.placements.map(\.schoolId)).count
            }
            f.exchange.itinerant = it
        }

        // Training: each teacher's hours in programmes that ended in the year, against the rule
        // (one aggregate per school; a district keeps its schools).
        var districtSchools = try await area.districtId.asyncMap { d in
            try await RegistryStore.schoolYear(y, stages: Stage.allCases, district: d, on: db).map(\.id)
        }
        if let ds = area.districts {
            districtSchools = try await RegistryStore.schoolYear(y, stages: Stage.allCases, district: nil, districts: ds, on: db).map(\.id)
        }
        let inDistrict = districtSchools.map(Set.init)
        let teaching = TeachingService(ctx)
        let required = try await teaching.rules(year: y).hoursPerYear
        let completion = try await teaching.completion(years: y...y, due: required).filter { inDistrict?.contains($0.key) ?? true }
        f.training = .init(
            teachers: completion.values.reduce(0) { $0 + $1.teachers }, completed: completion.values.reduce(0) { $0 + $1.done }, hoursRequired: required)
        let county = ctx.actor?.oneCounty?.code
        f.teaching = try await TeachingYear.figures(year: y, district: area.districtId, districts: area.districts, county: county, on: db)

        // Certification (the county's body).
        if area.certifies {
            let cert = CertificationService(ctx)
            var c = YearFigures.Certification()
            // A window belongs to the year it closes in, once it has closed (a window still open
            // is next summary's, whatever year it closes in).
            for w in try await cert.windows() where w.closesOn.hasPrefix(String(y)) && w.closesOn < today.description {
                let s = try await cert.statistics(window: w.id)
                c.windows.append(.init(name: w.name, applied: s.applied, certified: s.certified, byType: s.byType, failureReasons: s.failureReasons))
                c.applied += s.applied; c.certified += s.certified
                for (k, v) in s.byType { c.byType[k, default: 0] += v }
                for (k, v) in s.failureReasons { c.failureReasons[k, default: 0] += v }
            }
            f.certification = c
        }
        f.internship = try await InternshipYear.figures(year: y, schoolIds: districtSchools, on: db)

        // Balance: the year's conditions, both standards and parts.
        let balance = BalanceService(ctx)
        let reports = try await balance.reports(standards: [.basic, .quality], parts: [.primary, .junior], year: y, district: area.districtId)
        for b in reports {
            let pass: Bool? = b.result.schools == 0 ? nil : b.result.pass
            switch (b.result.standard, b.result.part) {
            case (.basic, .primary): f.balance.basicPrimary = pass
            case (.basic, .junior): f.balance.basicJunior = pass
            case (.quality, .primary): f.balance.qualityPrimary = pass
            case (.quality, .junior): f.balance.qualityJunior = pass
            }
            if b.result.standard == .quality {
                f.balance.schoolParts += b.result.standings.count
                f.balance.schoolsMeetingQuality += b.result.standings.filter { $0.check?.pass ?? false }.count
            }
        }
        // Student aid: the county's, for the year.
        if area.districtId == nil {
            let totals = try await balance.aidTotals().filter { $0.year == y }
            f.aid = .init(students: totals.reduce(0) { $0 + $1.students }, amountYuan: Double(totals.reduce(0) { $0 + $1.amountFen }) / 100)
        }
        // Equity statistics are the county's, published for the latest year up to this one.
        if area.districtId == nil, let ey = try await balance.equityYears().filter({ $0 <= y }).max() {
            var e = YearFigures.Equity(year: ey)
            for fig in try await balance.equity(year: ey) { if let rate = fig.rate { e.rates[fig.indicator.rawValue] = rate } }
            f.equity = e
        }
        return f
    }

    // MARK: the summary

    public struct Section: Sendable {
        public let key: SummarySection
        public let title: String
        public let template: String
        public let text: String
        /// Whether the bureau has its own text for this year (else the default).
        public let edited: Bool
    }

    public struct FinalRow: Codable, Sendable {
        public let figures: String; public let sections: String; public let finalisedBy: String; public let finalisedAt: Double
    }

    public struct Summary: Sendable {
        public let area: Area
        public let figures: YearFigures
        public let sections: [Section]
        public let final: FinalRow?
        /// For a finalised summary: the placeholders whose value changed since, with the value now.
        public let changed: [(key: String, then: String, now: String)]
        /// The year before, to compare with: as it was finalised, else as the data stand; nil when
        /// the platform holds nothing of that year.
        public var previous: YearFigures? = nil
        public var isFinal: Bool { final != nil }
    }

    /// The year before's figures for the comparison: its finalised summary's when there is one
    /// (what the bureau reported), else computed now; nil before the platform's first records.
    func previousFigures(year y: Int, area: Area) async throws -> YearFigures? {
        guard y - 1 >= 2000 else { return nil }
        if let fin = try await final(year: y - 1, key: area.key), let then = try? JSONDecoder().decode(YearFigures.self, from: Data(fin.figures.utf8)) {
            return then
        }
        let f = try await compute(year: y - 1, area: area)
        return f.schools.start == 0 && f.schools.end == 0 ? nil : f
    }

    struct StoredSection: Codable { let key: String; let title: String; let text: String }

    public func summary(year raw: Int?, district: Int?) async throws -> Summary {
        let area = try await area(district: district)
        let y = try year(raw)
        let live = try await figures(year: y, district: area.districtId)
        let loc = ctx.locale
        if let fin = try await final(year: y, key: area.key) {
            let then = try JSONDecoder().decode(YearFigures.self, from: Data(fin.figures.utf8))
            let stored = try JSONDecoder().decode([StoredSection].self, from: Data(fin.sections.utf8))
            let sections = stored.compactMap { s in
                SummarySection(rawValue: s.key).map { Section(key: $0, title: s.title, template: s.text, text: s.text, edited: true) }
            }
            let a = then.placeholders(loc), b = live.placeholders(loc)
            let changed = a.keys.sorted().compactMap { k in a[k] != b[k] ? (key: k, then: a[k] ?? "—", now: b[k] ?? "—") : nil }
            var out = Summary(area: area, figures: then, sections: sections, final: fin, changed: changed)
            out.previous = try await previousFigures(year: y, area: area)
            return out
        }
        let texts = try await texts(year: y, key: area.key)
        let values = live.placeholders(loc)
        let sections = SummarySection.allCases.filter { area.certifies || ($0 != .certification) }.map { s in
            let t = texts[s.rawValue] ?? (area.districtId == nil ? s.defaultText : s.districtText)
            return Section(key: s, title: s.title(loc), template: t, text: SummarySection.render(t, values), edited: texts[s.rawValue] != nil)
        }
        var out = Summary(area: area, figures: live, sections: sections, final: nil, changed: [])
        out.previous = try await previousFigures(year: y, area: area)
        return out
    }

    func texts(year: Int, key: String) async throws -> [String: String] {
        try await Self.sectionTexts(year: year, key: key, on: db)
    }

    func final(year: Int, key: String) async throws -> FinalRow? {
        try await Self.finalRecord(year: year, key: key, on: db)
    }

    static let finalised = DomainError.conflict("summary_final", LocalizedText(zh: "该年度总结已定稿，不能再修改", en: "this year's summary is final and cannot be edited"))

    /// Saves a section's text for the year: every placeholder must be a known one (the error
    /// names it and lists the known ones); a finalised summary is not edited.
    public func saveSection(year raw: Int?, district: Int?, section rawSection: String?, text rawText: String?) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.reportsWrite)
        let area = try await area(district: district)
        let y = try year(raw)
        guard let section = rawSection.flatMap(SummarySection.init(rawValue:)) else {
            throw DomainError.validation(["section": LocalizedText(zh: "没有这一节", en: "no such section")])
        }
        let text = (rawText ?? "").trimmed
        var e = FieldErrors()
        if text.visibleCount == 0 || text.unicodeScalars.count > 5000 { e.add("text", "正文应为1到5000字", "the text must have 1 to 5000 characters") }
        var sample = YearFigures(year: y, scope: "", districtId: nil)
        sample.teaching = TeachingYearFigures()
        sample.exchange.alliances = 0
        sample.exchange.allianceSchools = 0
        sample.exchange.allianceScores = []
        sample.exchange.itinerant = .init()
        sample.schools.mergedByYear = [:]
        sample.aid = .init(students: 0, amountYuan: 0)
        let known =
            sample.placeholders(.zh).keys.sorted() + [
                "certification.applied", "certification.certified", "certification.byType", "equity.year",
            ]
            + EquityIndicator.allCases.map { "equity.\($0.rawValue)" }
        let knownSet = Set(known)
        if let bad = SummarySection.placeholders(in: text).first(where: { !knownSet.contains($0) }) {
            let list = knownSet.sorted().map { "{\($0)}" }.joined(separator: " ")
            e.add("text", "未知的占位符 {\(bad)}。可用：\(list)", "unknown placeholder {\(bad)}; known: \(list)")
        }
        try e.throwIfAny()
        if !area.certifies && section == .certification {
            throw DomainError.validation(["section": LocalizedText(zh: "学区总结没有教师资格认定一节（认定由县级机构负责）", en: "a district's summary has no certification section")])
        }
        // A year the platform has no data for has no summary to write.
        _ = try await figures(year: y, district: area.districtId)
        if try await final(year: y, key: area.key) != nil { throw Self.finalised }
        let audit = ctx.audit, now = ctx.now, by = actor.username, key = area.key
        try await ctx.writeOnce { tx in
            if try await ReportsService.finalRow(year: y, key: key, on: tx) { throw Self.finalised }
            try await ReportsService.replaceSection(year: y, key: key, section: section.rawValue, text: text, by: by, now: now, on: tx)
            try await Audit.record(on: tx, audit, action: "reports.section", entity: "report", entityId: "\(y)/\(key)", summary: section.zh)
        }
    }

    /// Finalises the year's summary: its figures and texts as they are now are kept, whatever
    /// changes later. Twice is a 409.
    public func finalise(year raw: Int?, district: Int?) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.reportsWrite)
        let s = try await summary(year: raw, district: district)
        if s.isFinal { throw Self.finalised }
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let figures = String(decoding: try enc.encode(s.figures), as: UTF8.self)
        let sections = String(decoding: try enc.encode(s.sections.map { StoredSection(key: $0.key.rawValue, title: $0.title, text: $0.text) }), as: UTF8.self)
        let audit = ctx.audit, now = ctx.now, by = actor.username, key = s.area.key, y = s.figures.year
        try await ctx.writeOnce { tx in
            if try await ReportsService.finalRow(year: y, key: key, on: tx) { throw Self.finalised }
            try await ReportsService.insertFinal(year: y, key: key, figures: figures, sections: sections, by: by, now: now, on: tx)
            try await Audit.record(on: tx, audit, action: "reports.finalise", entity: "report", entityId: "\(y)/\(key)", summary: "定稿")
        }
    }
}
