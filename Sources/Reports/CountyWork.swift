import Balance
import Certification
import Exchange
import Fluent
import Foundation
import Internship
import Registry
import Teaching
import XuequCore
import XuequKit

/// Each county's year of work beside the others, for a city's or a province's education
/// department (issue 30): rotation against the 10% quota (districts meeting it), 支教 sent and to
/// rural schools, teachers credited with the year's training hours, student teachers placed, the
/// county body's certification —
/// each counted the way the county's own pages count it, added up over the county's districts.
/// The balance of each county is the balance comparison's (`/balance/counties`).
public struct CountyWork: Codable, Sendable, Equatable {
    public let code: String
    public let name: String
    public let city: String?
    public var districts = 0
    public var eligible = 0
    public var required = 0
    public var moved = 0
    public var districtsMeeting = 0
    public var support = 0
    public var supportToRural = 0
    public var teachers = 0
    public var trained = 0
    public var interns = 0
    /// The county's certifying body: applications and certificates of the windows closed in the year.
    public var certApplied = 0
    public var certified = 0

    public var rotationShare: Double? { required > 0 ? Double(moved) / Double(required) : nil }
    public var trainedShare: Double? { teachers > 0 ? Double(trained) / Double(teachers) : nil }
}

public struct CountyWorkComparison: Sendable {
    public let year: Int
    public let under: AreaRow
    public let hoursRequired: Double
    public let items: [CountyWork]
}

extension ReportsService {
    /// Each county below `under` (the caller's own area when nil, or a city of its province).
    /// Kept until the registry, the plans, the training records or the tree change; the interns
    /// (a few hundred rows) are counted on each view.
    public func countyWork(under: String?, year: Int?) async throws -> CountyWorkComparison {
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
        let rdb = reporting.db
        struct Kept: Sendable {
            let hoursRequired: Double
            let items: [CountyWork]
            let districtCounty: [Int: String]
        }
        let kept = try await reporting.kept("reports.counties|\(code)|\(y)", areas: ["registry", "exchange", "training", "areas"]) {
            let counties = try await AreaStore.counties(under: code, on: rdb)
            let areas = Dictionary(uniqueKeysWithValues: try await AreaStore.all(on: rdb).map { ($0.code, $0) })
            let districtCounty = try await AreaStore.districtCounties(counties.map(\.code), on: rdb)
            let rotation = try await ExchangeYear.districts(year: y, on: rdb)
            let training = try await TeachingYear.completionByDistrict(year: y, on: rdb)
            var byCode = Dictionary(
                uniqueKeysWithValues: counties.map { c in (c.code, CountyWork(code: c.code, name: c.name, city: c.parentCode.flatMap { areas[$0]?.name })) })
            for (d, c) in districtCounty {
                guard byCode[c] != nil else { continue }
                byCode[c]!.districts += 1
                if let r = rotation[d] {
                    byCode[c]!.eligible += r.quota.eligible
                    byCode[c]!.required += r.quota.required
                    byCode[c]!.moved += r.quota.moved
                    if r.quota.met { byCode[c]!.districtsMeeting += 1 }
                    byCode[c]!.support += r.support
                    byCode[c]!.supportToRural += r.supportToRural
                }
                if let t = training.byDistrict[d] {
                    byCode[c]!.teachers += t.teachers
                    byCode[c]!.trained += t.done
                }
            }
            return Kept(hoursRequired: training.hoursRequired, items: counties.compactMap { byCode[$0.code] }, districtCounty: districtCounty)
        }
        var items = kept.items
        let interns = try await InternshipYear.internsBySchool(year: y, on: rdb)
        if !interns.isEmpty {
            let schools = try await RegistryStore.schools(ids: Array(interns.keys), on: rdb)
            var byCounty: [String: Int] = [:]
            for (s, n) in interns { if let d = schools[s]?.districtId, let c = kept.districtCounty[d] { byCounty[c, default: 0] += n } }
            for k in items.indices { items[k].interns = byCounty[items[k].code] ?? 0 }
        }
        // Certification, from the kept window figures (a few rows per window), on each view.
        let certification = try await CertificationYear.byCounty(year: y, today: today.description, on: rdb)
        for k in items.indices {
            items[k].certApplied = certification[items[k].code]?.applied ?? 0
            items[k].certified = certification[items[k].code]?.certified ?? 0
        }
        return CountyWorkComparison(year: y, under: area, hoursRequired: kept.hoursRequired, items: items)
    }
}
