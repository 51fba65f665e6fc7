import Fluent
import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

extension Permission {
    /// A city's or province's comparison of its counties' balance (issue 30).
    public static let balanceCounties: Permission = "balance:counties"
}

/// One county's standing in a city's or province's comparison: exactly what the county's own
/// dashboard computes (the same engine over the same schools), with the names above it.
public struct CountyStanding: Sendable {
    public let county: AreaRow
    public let city: AreaRow?
    public let result: BalanceResult
    public let liveTeachers: Bool

    /// Schools (parts) meeting the quality standard's 6 of 7 (nil for the basic standard).
    public var schoolsMeetingStandard: Int? {
        result.standard == .quality ? result.standings.filter { $0.check?.pass ?? false }.count : nil
    }
    /// The worst coefficient against its limit (value / limit), the basis of the ranking.
    public var worstRatio: Double? {
        result.coefficients.compactMap { c in c.value.map { $0 / max(c.limit, 1e-9) } }.max()
    }
}

/// The counties below a city or province, each judged on its own (DOMAIN §1b: the inspection
/// judges a county, never a province's pooled schools).
public struct CountyComparison: Sendable {
    public let year: Int
    public let standard: BalanceStandard
    public let part: BalancePart
    public let under: AreaRow
    public let items: [CountyStanding]
}

extension BalanceService {

    /// Each county below `under` (the caller's own area when nil; a city of the caller's
    /// province may be named). One read of every school below, then one evaluation per county
    /// (off the event loop, several at once), kept until the registry, the rules or the tree change.
    public func counties(under: String?, year: Int?, standard: BalanceStandard, part: BalancePart) async throws -> CountyComparison {
        let actor = try ctx.requireActor()
        try actor.require(.balanceCounties)
        guard case .counties(let scope) = actor.scope else { throw DomainError.forbidden }
        let y = year ?? today.year
        if y < 2000 || y > today.year + 1 {
            throw DomainError.validation(["year": LocalizedText(zh: "年度应在2000到\(today.year + 1)之间", en: "year must be between 2000 and \(today.year + 1)")])
        }
        let area = try await AreaStore.readable(under, by: scope, on: db)
        let code = area.code
        let reporting = try await ctx.reporting()
        let db = reporting.db, logger = ctx.logger, currentYear = today.year
        let key = "balance.counties|\(code)|\(y)|\(standard.rawValue)|\(part.rawValue)|\(currentYear)"
        let items = try await reporting.kept(key, areas: ["registry", "balance", "areas"]) {
            try await Self.computeCounties(under: code, year: y, standard: standard, part: part, currentYear: currentYear, db: db, logger: logger)
        }
        return CountyComparison(year: y, standard: standard, part: part, under: area, items: items)
    }

    static func computeCounties(
        under code: String, year y: Int, standard: BalanceStandard, part: BalancePart, currentYear: Int,
        db: any Database, logger: Logger
    ) async throws -> [CountyStanding] {
        let started = Date()
        let counties = try await AreaStore.counties(under: code, on: db)
        let areas = Dictionary(uniqueKeysWithValues: try await AreaStore.all(on: db).map { ($0.code, $0) })
        let districtCounty = try await AreaStore.districtCounties(counties.map(\.code), on: db)
        let everywhere = try await RegistryStore.countDistricts(on: db, scope: .county) == districtCounty.count
        let rules = try await BalanceStore.rules(forYear: y, on: db)
        // A past year read from its recorded teacher figures where the county recorded them.
        let (facts, live) = try await BalanceStore.facts(
            year: y, district: nil, districts: everywhere ? nil : districtCounty.keys.sorted(), currentYear: currentYear, on: db)
        var byCounty: [String: [SchoolFacts]] = [:]
        for f in facts { if let c = districtCounty[f.districtId] { byCounty[c, default: []].append(f) } }
        let results = await withTaskGroup(of: (Int, BalanceResult).self) { group in
            for (k, c) in counties.enumerated() {
                let mine = byCounty[c.code] ?? []
                group.addTask { (k, BalanceEngine.evaluate(mine, standard: standard, part: part, rules: rules)) }
            }
            var done: [Int: BalanceResult] = [:]
            for await (k, r) in group { done[k] = r }
            return done
        }
        logger.debug("balance: \(counties.count) counties, \(facts.count) schools in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        return counties.enumerated().map { k, c in
            CountyStanding(county: c, city: c.parentCode.flatMap { areas[$0] }, result: results[k]!, liveTeachers: live)
        }
    }
}
