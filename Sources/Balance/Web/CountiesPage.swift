import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// `GET /api/v1/balance/counties` (CONTRACT "Counties, cities, province"): each county's own
/// answer of `/api/v1/balance` for that county.
extension BalanceAPI {
    struct CountyCoefficientDTO: Content { let indicator: String; let value: Double?; let limit: Double; let pass: Bool }
    struct AreaRefDTO: Content { let code: String; let name: String }
    struct CountyItemDTO: Content {
        let county: AreaRefDTO
        let city: AreaRefDTO?
        let pass: Bool
        let composite: Double?
        let coefficients: [CountyCoefficientDTO]
        let schoolsMeetingStandard: Int?
        let schools: Int
    }
    struct CountiesDTO: Content {
        let year: Int
        let standard: String
        let stage: String
        let under: AreaRefDTO
        let counties: Int
        let passing: Int
        let items: [CountyItemDTO]
    }

    func counties(req: Request) async throws -> CountiesDTO {
        let q = RegistryAPI.Query(req)
        let standard = try Self.required(q, "standard", BalanceStandard.self)
        let part = try Self.required(q, "stage", BalancePart.self)
        let under = try AreaStore.under(q.string("under"))
        let c = try await BalanceService(req).counties(under: under, year: try q.int("year"), standard: standard, part: part)
        let items = c.items.map { s in
            CountyItemDTO(
                county: AreaRefDTO(code: s.county.code, name: s.county.name), city: s.city.map { AreaRefDTO(code: $0.code, name: $0.name) },
                pass: s.result.pass, composite: s.result.composite.map(round3),
                coefficients: s.result.coefficients.map {
                    CountyCoefficientDTO(indicator: $0.indicator.rawValue, value: $0.value.map(round3), limit: $0.limit, pass: $0.pass)
                },
                schoolsMeetingStandard: s.schoolsMeetingStandard, schools: s.result.schools)
        }
        return CountiesDTO(
            year: c.year, standard: c.standard.rawValue, stage: c.part.rawValue, under: AreaRefDTO(code: c.under.code, name: c.under.name),
            counties: items.count, passing: items.filter(\.pass).count, items: items)
    }
}

/// The city's and province's comparison of their counties: sortable, printable, exported.
extension BalancePages {
    struct CountyLine: Encodable, Sendable {
        let rank: Int
        let code: String
        let name: String
        let city: String
        let href: String
        let schools: Int
        let cells: [Cell]
        let composite: String?
        let meeting: String?
        let pass: Bool
    }
    struct Cell: Encodable, Sendable { let value: String; let pass: Bool }
    struct Heading: Encodable, Sendable { let short: String; let full: String }
    struct SortLink: Encodable, Sendable { let label: String; let href: String; let active: Bool }
    struct CountiesPage: Encodable, Sendable {
        let layout: Layout
        let heading: String
        let summary: String
        let years: [SelectOption]
        let standards: [SelectOption]
        let stages: [SelectOption]
        let unders: [SelectOption]
        let sort: String
        let indicators: [Heading]
        /// A province's comparison names each county's city; a city's does not repeat its own.
        let showCity: Bool
        let isBasic: Bool
        let isQuality: Bool
        let hasLines: Bool
        /// The table's rows, written in Swift (`rowsHTML`): a province's 172 rows of a dozen
        /// cells cost Leaf about 15 ms a request, four times the JSON answer.
        let rows: String
        let sorts: [SortLink]
        let exportLink: String
        let made: String
    }

    enum CountySort: String, CaseIterable { case code, worst, composite, meeting }

    /// The comparison's rows, the markup the template's loop wrote.
    static func rowsHTML(_ lines: [CountyLine], showCity: Bool, isBasic: Bool, locale: UILocale) -> String {
        var w = HTMLWriter(capacity: lines.count * 700)
        let pass = L10n.text("bal.pass", locale), fail = L10n.text("bal.fail", locale)
        for l in lines {
            w.raw("<tr data-county=\""); w.text(l.code); w.raw("\"><td class=\"num\">"); w.text(l.rank); w.raw("</td>")
            if showCity { w.raw("<td class=\"nowrap\">"); w.text(l.city); w.raw("</td>") }
            w.raw("<td class=\"nowrap\"><a href=\""); w.text(l.href); w.raw("\">"); w.text(l.name); w.raw("</a> <span class=\"code\">"); w.text(l.code)
            w.raw("</span></td><td class=\"num\">"); w.text(l.schools); w.raw("</td>")
            for c in l.cells { w.raw(c.pass ? "<td class=\"num good\">" : "<td class=\"num bad\">"); w.text(c.value); w.raw("</td>") }
            if isBasic {
                w.raw("<td class=\"num\">"); w.text(l.composite ?? ""); w.raw("</td>")
            } else {
                w.raw("<td class=\"num\">"); w.text(l.meeting ?? ""); w.raw("</td>")
            }
            w.raw(l.pass ? "<td class=\"nowrap good\">" : "<td class=\"nowrap bad\">"); w.text(l.pass ? pass : fail); w.raw("</td></tr>")
        }
        return w.html
    }

    struct CountiesQuery {
        let year: Int?
        let standard: BalanceStandard
        let part: BalancePart
        let under: String?
        let sort: CountySort
        init(_ req: Request) throws {
            let q = RegistryAPI.Query(req)
            year = try q.int("year")
            standard = try q.vocab("standard", BalanceStandard.self) ?? .basic
            part = try q.vocab("stage", BalancePart.self) ?? .primary
            under = try AreaStore.under(q.string("under"))
            sort = q.string("sort").flatMap(CountySort.init(rawValue:)) ?? .code
        }
        func string(year y: Int, sort s: CountySort? = nil) -> String {
            var items = ["year=\(y)", "standard=\(standard.rawValue)", "stage=\(part.rawValue)", "sort=\((s ?? sort).rawValue)"]
            if let under { items.append("under=\(under)") }
            return items.joined(separator: "&")
        }
    }

    static func sorted(_ items: [CountyStanding], by sort: CountySort) -> [CountyStanding] {
        switch sort {
        case .code: return items
        // Worst first: the counties furthest over a limit lead.
        case .worst: return items.sorted { ($0.worstRatio ?? -1, $1.county.code) > ($1.worstRatio ?? -1, $0.county.code) }
        case .composite: return items.sorted { ($0.result.composite ?? -1, $1.county.code) > ($1.result.composite ?? -1, $0.county.code) }
        case .meeting:
            func share(_ s: CountyStanding) -> Double { Double(s.schoolsMeetingStandard ?? 0) / Double(max(s.result.schools, 1)) }
            return items.sorted { (share($0), $1.county.code) < (share($1), $0.county.code) }
        }
    }

    func counties(req: Request) async throws -> Response {
        let q = try CountiesQuery(req)
        let locale = req.uiLocale
        let actor = try req.requireActor()
        let service = BalanceService(req)
        let c = try await service.counties(under: q.under, year: q.year, standard: q.standard, part: q.part)
        let indicators = c.items.first?.result.coefficients.map(\.indicator) ?? []
        let lines = Self.sorted(c.items, by: q.sort).enumerated().map { k, s in
            CountyLine(
                rank: k + 1, code: s.county.code, name: s.county.name, city: s.city?.name ?? "",
                href: BalanceRoute.dashboard.path()
                    + "?year=\(c.year)&standard=\(c.standard.rawValue)&stage=\(c.part.rawValue)&district=0&county=\(s.county.code)",
                schools: s.result.schools,
                cells: s.result.coefficients.map { Cell(value: $0.value.map { Fmt.n($0) } ?? "—", pass: $0.pass) },
                composite: s.result.composite.map { Fmt.n($0) },
                meeting: s.schoolsMeetingStandard.map { "\($0) / \(s.result.schools)" }, pass: s.result.pass)
        }
        let today = service.today.year
        var years = Set(try await service.conditionYears().filter { $0 <= today + 1 })
        years.insert(today)
        // The province chooses itself or one of its cities; a city is its own.
        guard case .counties(let scope) = actor.scope else { throw DomainError.forbidden }
        let areas = try await AreaStore.all(on: req.db)
        let unders = areas.filter { $0.code == scope.code || ($0.levelValue == .city && $0.parentCode == scope.code) }
        let passing = c.items.filter { $0.result.pass }.count
        let heading = L10n.text("cty.heading", locale, String(c.year), c.under.name, c.part.label(locale), c.standard.label(locale))
        let sorts = CountySort.allCases.filter { $0 != .meeting || q.standard == .quality }.filter { $0 != .composite || q.standard == .basic }.map {
            SortLink(
                label: L10n.text("cty.sort.\($0.rawValue)", locale), href: BalanceRoute.counties.path() + "?" + q.string(year: c.year, sort: $0),
                active: $0 == q.sort)
        }
        return try await req.page(
            "balance/counties",
            CountiesPage(
                layout: req.layout("nav.counties", title: heading), heading: heading,
                summary: L10n.text("cty.summary", locale, String(c.items.count), String(passing), String(c.items.count - passing)),
                years: years.sorted(by: >).map { SelectOption(value: String($0), label: String($0), selected: $0 == c.year) },
                standards: options(BalanceStandard.self, selected: q.standard.rawValue, locale: locale),
                stages: options(BalancePart.self, selected: q.part.rawValue, locale: locale),
                unders: unders.map { SelectOption(value: $0.code, label: $0.name, selected: $0.code == c.under.code) },
                sort: q.sort.rawValue, indicators: indicators.map { Heading(short: Fmt.short($0, locale), full: Fmt.indicator($0, locale)) },
                showCity: c.under.levelValue == .province, isBasic: q.standard == .basic,
                isQuality: q.standard == .quality,
                hasLines: !lines.isEmpty, rows: Self.rowsHTML(lines, showCity: c.under.levelValue == .province, isBasic: q.standard == .basic, locale: locale),
                sorts: sorts, exportLink: BalanceRoute.countiesExport.path() + "?" + q.string(year: c.year),
                made: L10n.text("bal.sheetMade", locale, actor.displayName, CivilDate.today(req.application.clock.now()).description)))
    }

    func exportCounties(req: Request) async throws -> Response {
        let q = try CountiesQuery(req)
        let locale = req.uiLocale
        let c = try await BalanceService(req).counties(under: q.under, year: q.year, standard: q.standard, part: q.part)
        let indicators = c.items.first?.result.coefficients.map(\.indicator) ?? []
        var header = locale == .en ? ["No.", "City", "County", "Code", "Schools"] : ["序号", "市", "县（市、区）", "代码", "学校数"]
        header += indicators.map { Fmt.indicator($0, locale) }
        if q.standard == .basic { header.append(L10n.text("bal.composite", locale)) }
        if q.standard == .quality { header.append(L10n.text("cty.meeting", locale)) }
        header.append(L10n.text("bal.result", locale))
        var rows = [header]
        for (k, s) in Self.sorted(c.items, by: q.sort).enumerated() {
            var row = [String(k + 1), s.city?.name ?? "", s.county.name, s.county.code, String(s.result.schools)]
            row += s.result.coefficients.map { $0.value.map { Fmt.n($0) } ?? "" }
            if q.standard == .basic { row.append(s.result.composite.map { Fmt.n($0) } ?? "") }
            if q.standard == .quality { row.append(String(s.schoolsMeetingStandard ?? 0)) }
            row.append(L10n.text(s.result.pass ? "bal.pass" : "bal.fail", locale))
            rows.append(row)
        }
        let numeric = Set([0, 4] + Array(5..<(header.count - 1)))
        let name = "\(c.year)\(c.under.name)各县\(c.part.zh)\(c.standard.zh)对比"
        return try RegistryPages.download(SheetTable(rows: rows), name: name, req: req, numericColumns: numeric)
    }
}
