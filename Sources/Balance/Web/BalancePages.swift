import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// Browser pages of the balance module.
public struct BalancePages: Sendable {
    public init() {}

    public func register(_ r: any RoutesBuilder) {
        typealias R = BalanceRoute
        r.get(R.dashboard, use: dashboard)
        r.get(R.school, use: school)
        r.get(R.whatIf, use: whatIf)
        r.get(R.sheet, use: sheet)
        r.get(R.sheetExport, use: exportSheet)
        r.get(R.conditions, use: conditions)
        r.get(R.rules, use: rules)
        r.post(R.rules, use: saveRules)
        r.post(R.recordTeachers, use: recordTeachers)
        r.get(R.equity, use: equity)
        r.post(R.equity, use: saveEquity)
        r.get(R.aid, use: aid)
        r.post(R.aid, use: addAid)
        r.get(R.counties, use: counties)
        r.get(R.countiesExport, use: exportCounties)
    }

    // MARK: dashboard

    struct CoefRow: Encodable, Sendable {
        let key: String; let label: String; let mean: String; let sd: String; let cv: String; let limit: String; let pass: Bool
    }
    struct RankRow: Encodable, Sendable {
        let rank: Int; let schoolId: Int; let name: String; let code: String; let district: String; let students: Int
        let share: String; let met: String?; let pass: Bool?; let lacks: [String]
    }
    struct ExcludedGroup: Encodable, Sendable { let reason: String; let count: Int; let names: String }

    struct DashboardPage: Encodable, Sendable {
        let layout: Layout
        let chrome: BalanceChrome
        let heading: String
        /// 学区均值 in a district's view, 县均值 in the county's.
        let meanLabel: String
        let isQuality: Bool
        let schools: Int
        let composite: String?
        let pass: Bool
        let limit: String
        let worst: String?
        let belowCount: Int?
        let chart: String
        let trend: String?
        let coefficients: [CoefRow]
        let ranking: [RankRow]
        let rankingTotal: Int
        let showAll: String?
        let excluded: [ExcludedGroup]
        let excludedTotal: Int
        let notes: [String]
    }

    func dashboard(req: Request) async throws -> Response {
        let q = try BalanceQuery(req)
        // A city or province starts at its counties' comparison and opens one county from there.
        if case .counties? = req.actor?.scope, q.county == nil, q.district == nil { return req.redirect(to: BalanceRoute.counties.path()) }
        let service = BalanceService(req)
        let report = try await service.report(standard: q.standard, part: q.part, year: q.year, district: q.district, county: q.county)
        let r = report.result
        let locale = req.uiLocale
        let chrome = try await BalanceChrome.make(req, active: BalanceRoute.dashboard, q: q, year: report.year)
        let limit = r.rules.limit(q.standard, q.part)

        let bars = r.coefficients.map { SVGChart.Bar(label: Fmt.short($0.indicator, locale), value: $0.value, limit: q.standard == .quality ? $0.limit : nil) }
        var chart = SVGChart.bars(bars + (r.composite.map { [SVGChart.Bar(label: L10n.text("bal.composite", locale), value: $0, limit: limit)] } ?? []),
                                  title: L10n.text("bal.coefficients", locale), limitLabel: L10n.text("bal.limit", locale))
        if q.standard == .basic {
            // Basic balance judges the composite; draw the limit line for it alone.
            chart = SVGChart.bars(bars.map { SVGChart.Bar(label: $0.label, value: $0.value, limit: limit) } + (r.composite.map { [SVGChart.Bar(label: L10n.text("bal.composite", locale), value: $0, limit: limit)] } ?? []),
                                  title: L10n.text("bal.coefficients", locale), limitLabel: L10n.text("bal.limit", locale))
        }
        let history = try await service.trend(standard: q.standard, part: q.part, district: q.district, county: q.county)
        let trend: String? = history.count < 2 ? nil : SVGChart.trend(
            history.map { h in (String(h.year), q.standard == .basic ? h.result.composite : h.result.coefficients.compactMap(\.value).max()) },
            limit: limit, title: L10n.text("bal.trend", locale), limitLabel: L10n.text("bal.limit", locale))

        let visible = r.standings.filter { service.visible($0.unit) }
        let shown = q.all ? visible : Array(visible.prefix(20))
        // The names of the districts the page mentions only (a province holds a thousand).
        let named = Set(shown.map(\.unit.districtId) + (q.district.map { [$0] } ?? []))
        let districtNames = Dictionary(uniqueKeysWithValues: try await RegistryStore.districtRows(on: req.db, scope: .districts(Array(named))).map { ($0.id, $0.name) })
        let ranking = shown.enumerated().map { i, s in
            Self.rankRow(i + 1, s, r, districtNames, locale)
        }
        var groups: [ExclusionReason: [Exclusion]] = [:]
        let excludedHere = r.excluded.filter(service.visibleExclusion)
        for e in excludedHere { groups[e.reason, default: []].append(e) }
        let excluded = ExclusionReason.allCases.compactMap { reason in
            groups[reason].map { ExcludedGroup(reason: locale == .en ? reason.en : reason.zh, count: $0.count, names: $0.prefix(60).map(\.name).joined(separator: locale == .en ? ", " : "、") + ($0.count > 60 ? "…" : "")) }
        }
        var notes = [L10n.text("bal.formula", locale),
                     L10n.text("bal.splitNote", locale, "\(r.rules.juniorWeight)", "\(r.rules.seniorWeight)"),
                     q.standard == .basic ? L10n.text("bal.basicRule", locale, "\(r.rules.basicLimit.primary)", "\(r.rules.basicLimit.junior)")
                                          : L10n.text("bal.qualityRule", locale, "\(r.rules.qualityLimit.primary)", "\(r.rules.qualityLimit.junior)", "\(r.rules.qualityMinimumMet)", "\(Int(r.rules.qualityFloorShare * 100))"),
                     L10n.text(report.liveTeachers ? "bal.liveTeachers" : "bal.recordedTeachers", locale)]
        if r.unassignedTeachers > 0.5 { notes.append(L10n.text("bal.unassigned", locale, String(Int(r.unassignedTeachers.rounded())))) }
        var area = q.district.flatMap { districtNames[$0] } ?? L10n.text("bal.county", locale)
        if q.district == nil, let c = q.county, let county = try await AreaStore.area(code: c, on: req.db) { area = county.name }
        let heading = locale == .en ? "\(report.year) · \(area) · \(q.part.en) · \(q.standard.en)" : "\(report.year)年 · \(area) · \(q.part.zh) · \(q.standard.zh)"
        let page = DashboardPage(
            layout: req.layout("nav.balance", title: L10n.text("bal.title", locale)), chrome: chrome, heading: heading,
            meanLabel: L10n.text(q.district == nil ? "bal.mean" : "bal.meanDistrict", locale), isQuality: q.standard == .quality,
            schools: r.schools, composite: r.composite.map { Fmt.n($0) }, pass: r.pass, limit: Fmt.n(limit, 2),
            worst: r.coefficients.compactMap(\.value).max().map { Fmt.n($0) }, belowCount: q.standard == .quality ? r.schoolsBelowStandard.count : nil,
            chart: chart, trend: trend,
            coefficients: r.coefficients.map { c in
                CoefRow(key: c.indicator.rawValue, label: Fmt.indicator(c.indicator, locale), mean: Fmt.value(c.mean, c.indicator, locale), sd: Fmt.n(c.standardDeviation),
                        cv: c.value.map { Fmt.n($0) } ?? "—", limit: Fmt.n(c.limit, 2), pass: c.pass)
            },
            ranking: ranking, rankingTotal: visible.count,
            showAll: !q.all && visible.count > shown.count ? BalanceRoute.dashboard.path() + "?\(q.string(year: report.year))&all=1#ranking" : nil,
            excluded: excluded, excludedTotal: excludedHere.count, notes: notes)
        return try await req.page("balance/dashboard", page)
    }

    static func rankRow(_ rank: Int, _ s: SchoolStanding, _ r: BalanceResult, _ districts: [Int: String], _ locale: UILocale) -> RankRow {
        var lacks: [String] = []
        if r.standard == .quality, let check = s.check {
            let order = check.failing.sorted { a, b in
                let ia = r.indicators.firstIndex(of: a)!, ib = r.indicators.firstIndex(of: b)!
                return s.unit.values[ia] / max(r.rules.standard(a, r.part) ?? 1, 1e-9) < s.unit.values[ib] / max(r.rules.standard(b, r.part) ?? 1, 1e-9)
            }
            for i in order {
                let k = r.indicators.firstIndex(of: i)!
                lacks.append(locale == .en ? "\(Fmt.short(i, locale)): short of \(Fmt.amount(s.gaps[k], i, locale))" : "\(Fmt.short(i, locale))缺\(Fmt.amount(s.gaps[k], i, locale))")
            }
        } else {
            let below = r.indicators.indices.filter { s.gaps[$0] > 0 }.sorted { s.shares[$0] > s.shares[$1] }.prefix(3)
            for k in below {
                let i = r.indicators[k]
                lacks.append(locale == .en ? "\(Fmt.short(i, locale)): \(Fmt.amount(s.gaps[k], i, locale)) below the mean" : "\(Fmt.short(i, locale))低于均值，差\(Fmt.amount(s.gaps[k], i, locale))")
            }
            if lacks.isEmpty { lacks.append(L10n.text("bal.above", locale)) }
        }
        return RankRow(rank: rank, schoolId: s.unit.schoolId, name: Fmt.unitName(s.unit, locale), code: s.unit.code, district: districts[s.unit.districtId] ?? "",
                       students: s.unit.students, share: Fmt.percent(s.weight, 2), met: s.check.map { "\($0.met)/\(r.indicators.count)" }, pass: s.check?.pass, lacks: lacks)
    }

    // MARK: one school

    struct SchoolIndicatorRow: Encodable, Sendable {
        let label: String; let value: String; let mean: String; let standard: String?; let met: Bool?; let gap: String?; let share: String
    }
    struct SchoolPart: Encodable, Sendable {
        let title: String; let students: Int
        let basic: [SchoolIndicatorRow]; let quality: [SchoolIndicatorRow]
        let met: String; let pass: Bool
    }
    struct SchoolPage: Encodable, Sendable {
        let layout: Layout
        let school: SchoolRow
        let year: Int
        let years: [SelectOption]
        let parts: [SchoolPart]
        let noUnit: String?
    }

    func school(req: Request) async throws -> Response {
        let locale = req.uiLocale
        let s = try await RegistryService(req).school(id: try req.intParameter("id"))
        let year = try RegistryAPI.Query(req).int("year")
        let service = BalanceService(req)
        let reports = try await service.reports(year: year, district: nil)
        let y = reports.first?.year ?? service.today.year
        var parts: [SchoolPart] = []
        for part in BalancePart.allCases {
            let basic = reports.first { $0.result.standard == .basic && $0.result.part == part }!.result
            let quality = reports.first { $0.result.standard == .quality && $0.result.part == part }!.result
            guard let sb = basic.standings.first(where: { $0.unit.schoolId == s.id }) ?? nil,
                  let sq = quality.standings.first(where: { $0.unit.schoolId == s.id }) else {
                if let sq = quality.standings.first(where: { $0.unit.schoolId == s.id }) {
                    // A teaching point: only in the quality assessment.
                    parts.append(Self.schoolPart(part, nil, basic, sq, quality, locale))
                }
                continue
            }
            parts.append(Self.schoolPart(part, sb, basic, sq, quality, locale))
        }
        let today = service.today.year
        var years = Set(try await BalanceService(req).conditionYears().filter { $0 <= today + 1 })
        years.insert(today)
        let title = L10n.text("bal.schoolView", locale, s.name)
        return try await req.page("balance/school", SchoolPage(layout: req.layout("nav.balance", title: title), school: s, year: y,
                                                               years: years.sorted(by: >).map { SelectOption(value: String($0), label: String($0), selected: $0 == y) },
                                                               parts: parts, noUnit: parts.isEmpty ? L10n.text("bal.noUnit", locale, String(y)) : nil))
    }

    static func schoolPart(_ part: BalancePart, _ sb: SchoolStanding?, _ basic: BalanceResult, _ sq: SchoolStanding, _ quality: BalanceResult, _ locale: UILocale) -> SchoolPart {
        let basicRows = sb.map { sb in
            basic.indicators.enumerated().map { k, i in
                SchoolIndicatorRow(label: Fmt.indicator(i, locale), value: Fmt.value(sb.unit.values[k], i, locale), mean: Fmt.value(basic.coefficients[k].mean, i, locale), standard: nil, met: nil,
                                   gap: sb.gaps[k] > 0 ? Fmt.amount(sb.gaps[k], i, locale) : nil, share: Fmt.percent(sb.shares[k], 1))
            }
        } ?? []
        let qualityRows = quality.indicators.enumerated().map { k, i in
            let standard = quality.rules.standard(i, part) ?? 0
            return SchoolIndicatorRow(label: Fmt.indicator(i, locale), value: Fmt.value(sq.unit.values[k], i, locale), mean: Fmt.value(quality.coefficients[k].mean, i, locale),
                                      standard: Fmt.value(standard, i, locale), met: sq.unit.values[k] >= standard,
                                      gap: sq.gaps[k] > 0 ? Fmt.amount(sq.gaps[k], i, locale) : nil, share: Fmt.percent(sq.shares[k], 1))
        }
        return SchoolPart(title: Fmt.unitName(sq.unit, locale), students: sq.unit.students, basic: basicRows, quality: qualityRows,
                          met: "\(sq.check?.met ?? 0)/\(quality.indicators.count)", pass: sq.check?.pass ?? false)
    }
}
