import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// Formatting shared by the balance pages and the inspection sheet.
extension Indicator {
    /// An amount a school lacks of this indicator, as people say it ("2 名教师", "1,200 m²", "3.5万元").
    public func amountText(_ gap: Double, _ locale: UILocale) -> String { Fmt.amount(gap, self, locale) }
    /// A value with its unit, as the balance pages show it.
    public func valueText(_ x: Double, _ locale: UILocale) -> String { Fmt.value(x, self, locale) }
}

enum Fmt {
    static func n(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
    static func percent(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f%%", x * 100) }

    /// An amount a school lacks, in the unit of the indicator's numerator, rounded up to what can be bought or hired.
    static func amount(_ gap: Double, _ i: Indicator, _ locale: UILocale) -> String {
        let unit = locale == .en ? i.amountUnitEn : i.amountUnitZh
        switch i.facility {
        case .equipmentValue?:
            if gap >= 10_000 { return locale == .en ? "¥\(Int(gap.rounded(.up)).formatted())" : "\(n(gap / 10_000, 1))万元" }
            return locale == .en ? "¥\(Int(gap.rounded(.up)))" : "\(Int(gap.rounded(.up)))元"
        case .floorArea?, .sportsArea?: return "\(Int(gap.rounded(.up)).formatted()) \(unit)"
        default: return "\(Int(gap.rounded(.up))) \(unit)"
        }
    }

    /// A value as people say it, with its unit: 师生比 1:19 (teachers to students), 5.23 m²,
    /// 2,310 元, 12.50 台 (per 100 students, as the indicator's name says).
    static func value(_ x: Double, _ i: Indicator, _ locale: UILocale) -> String {
        switch i {
        case .teacherRatio:
            guard x > 0 else { return "—" }
            let students = (10 / x).rounded() / 10
            return students == students.rounded() ? "1:\(Int(students))" : "1:\(n(students, 1))"
        case .equipmentValue:
            return "\(Int(x.rounded()).formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) \(locale == .en ? "yuan" : "元")"
        case .aboveRequiredEducation, .intermediateTitle:
            return n(x, 3) + (locale == .en ? "" : " 名")
        default:
            let unit = i.facility.map { locale == .en ? ($0 == .floorArea || $0 == .sportsArea ? "m²" : "") : ($0 == .floorArea || $0 == .sportsArea ? "m²" : $0.unitZh) }
                ?? (locale == .en ? "" : "名")
            return unit.isEmpty ? n(x, 2) : "\(n(x, 2)) \(unit)"
        }
    }

    static func indicator(_ i: Indicator, _ locale: UILocale) -> String { locale == .en ? i.en : i.zh }
    static func short(_ i: Indicator, _ locale: UILocale) -> String { locale == .en ? i.shortEn : i.shortZh }

    /// "某某九年一贯制学校（小学部）" for split schools.
    static func unitName(_ u: BalanceUnit, _ locale: UILocale) -> String {
        guard [Stage.nineYear, .completeSecondary, .twelveYear].contains(u.stage) else { return u.name }
        let part = u.part.stagePart.label(locale)
        return locale == .en ? "\(u.name) (\(part))" : "\(u.name)（\(part)）"
    }
}

/// The filters every balance page shares, read once from the query string.
struct BalanceQuery: Sendable {
    var year: Int?
    var standard: BalanceStandard
    var part: BalancePart
    /// nil: the whole county.
    var district: Int?
    /// The county a city or province body is looking at (GB/T 2260 code); nil for a county's own readers.
    var county: String?
    var all: Bool

    /// Without a `district` parameter a district or school admin starts in their own district;
    /// `district=0` asks for the whole county.
    init(_ req: Request) throws {
        let q = RegistryAPI.Query(req)
        year = try q.int("year")
        standard = try q.vocab("standard", BalanceStandard.self) ?? .basic
        part = try q.vocab("stage", BalancePart.self) ?? .primary
        let d = try q.int("district")
        if let d { district = d == 0 ? nil : d } else {
            // A district or school administrator starts in their own district.
            district = req.actor.flatMap { a in if case .county = a.scope { nil } else { a.districtId } }
        }
        all = q.string("all") == "1"
        county = q.string("county").flatMap { c in c.count == 6 && c.allSatisfy { $0.isASCII && $0.isNumber } ? c : nil }
    }

    func string(year: Int? = nil, standard: BalanceStandard? = nil, part: BalancePart? = nil) -> String {
        var items = ["year=\(year ?? self.year ?? 0)", "standard=\((standard ?? self.standard).rawValue)", "stage=\((part ?? self.part).rawValue)", "district=\(district ?? 0)"]
        if (year ?? self.year) == nil { items.removeFirst() }
        if let county { items.append("county=\(county)") }
        return items.joined(separator: "&")
    }
}

/// The filter bar and tabs of the balance pages.
struct BalanceChrome: Encodable, Sendable {
    struct Tab: Encodable, Sendable { let label: String; let path: String; let active: Bool }
    let tabs: [Tab]
    let years: [SelectOption]
    let standards: [SelectOption]
    let stages: [SelectOption]
    let districts: [SelectOption]
    let query: String
    /// Where the filter form submits: the page itself.
    let action: String
    /// The county a city or province is looking at, kept when the filters change.
    let county: String?

    static func make(_ req: Request, active: BalanceRoute, q: BalanceQuery, year: Int) async throws -> BalanceChrome {
        let locale = req.uiLocale
        let actor = try req.requireActor()
        var tabs: [(String, BalanceRoute)] = [("bal.tab.dashboard", .dashboard), ("bal.tab.whatif", .whatIf), ("bal.tab.sheet", .sheet),
                                              ("bal.tab.conditions", .conditions), ("bal.tab.equity", .equity)]
        if actor.can(.aidRead) { tabs.append(("bal.tab.aid", .aid)) }
        tabs.append(("bal.tab.rules", .rules))
        // A city or province reads a county's figures: no trial moves, no entered figures.
        if case .counties = actor.scope { tabs.removeAll { $0.1 == .whatIf || $0.1 == .equity } }
        let today = CivilDate.today(req.application.clock.now()).year
        var years = Set(try await BalanceService(req).conditionYears().filter { $0 <= today + 1 })
        years.insert(today)
        // Everyone but the bureau chooses among their own district only; a bureau among several
        // counties among its own county's; a city or province among the county it looks at.
        var scope = actor.registryScope
        if let d = actor.districtId {
            scope = .district(d)
        } else if case .counties(let a) = actor.scope {
            var ids: [Int] = []
            if let c = q.county, a.counties.contains(c) { ids = try await AreaStore.districtCounties([c], on: req.db).keys.sorted() }
            scope = .districts(ids)
        }
        let districts = try await RegistryStore.districtRows(on: req.db, scope: scope)
        let query = q.string(year: year)
        return BalanceChrome(
            tabs: tabs.map { Tab(label: L10n.text($0.0, locale), path: $0.1 == .aid || $0.1 == .rules ? $0.1.path() : "\($0.1.path())?\(query)",
                                 active: $0.1 == active) },
            years: years.sorted(by: >).map { SelectOption(value: String($0), label: String($0), selected: $0 == year) },
            standards: options(BalanceStandard.self, selected: q.standard.rawValue, locale: locale),
            stages: options(BalancePart.self, selected: q.part.rawValue, locale: locale),
            districts: [SelectOption(value: "0", label: L10n.text("bal.county", locale), selected: q.district == nil)]
                + districts.map { SelectOption(value: String($0.id), label: $0.name, selected: $0.id == q.district) },
            query: query, action: active.path(), county: q.county)
    }
}
