import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// A node of the administrative tree (GB/T 2260).
public struct AreaRow: Codable, Sendable, Hashable {
    public let code: String
    public let name: String
    public let level: String
    public let parentCode: String?

    public var levelValue: AreaLevel { AreaLevel(rawValue: level) ?? .county }
}

/// The areas above the districts: which counties a city or a province holds, which districts a
/// county holds. The registry owns the tree; other modules ask here (issue 30).
public enum AreaStore {
    static let decoder = SQLRowDecoder.snakeCase

    public static func all(on db: any Database) async throws -> [AreaRow] {
        try await db.sql.raw("SELECT code, name, level, parent_code FROM areas ORDER BY code").all(decoding: AreaRow.self, with: decoder)
    }

    /// The area a city's or province's account asks to read: its own, one of its counties, or (a
    /// province) one of its cities; 404 for an unknown code, 403 for anyone else's. One rule for
    /// every comparison above the counties (balance, the counties' work).
    public static func readable(_ code: String?, by scope: AreaScope, on db: any Database) async throws -> AreaRow {
        let code = code ?? scope.code
        guard let area = try await area(code: code, on: db) else { throw DomainError.notFound(LocalizedText(zh: "行政区划", en: "area")) }
        guard code == scope.code || scope.counties.contains(code) || (area.levelValue == .city && area.parentCode == scope.code) else {
            throw DomainError.forbidden
        }
        return area
    }

    public static func area(code: String, on db: any Database) async throws -> AreaRow? {
        try await db.sql.raw("SELECT code, name, level, parent_code FROM areas WHERE code = \(bind: code)").first(decoding: AreaRow.self, with: decoder)
    }

    /// The counties below a city or a province, or the county itself, in code order.
    public static func counties(under code: String, on db: any Database) async throws -> [AreaRow] {
        try await db.sql.raw(
            """
            SELECT code, name, level, parent_code FROM areas
            WHERE level = 'county' AND (code = \(bind: code) OR parent_code = \(bind: code)
              OR parent_code IN (SELECT code FROM areas WHERE parent_code = \(bind: code)))
            ORDER BY code
            """
        ).all(decoding: AreaRow.self, with: decoder)
    }

    /// Each district's county, for the districts of the given counties (all when nil).
    public static func districtCounties(_ counties: [String]? = nil, on db: any Database) async throws -> [Int: String] {
        struct R: Decodable { let id: Int; let countyCode: String? }
        let rows: [R]
        if let counties {
            guard !counties.isEmpty else { return [:] }
            rows = try await db.sql.raw("SELECT id, county_code FROM districts WHERE county_code IN (\(SQLList(counties.map { SQLBind($0) })))").all(
                decoding: R.self, with: decoder)
        } else {
            rows = try await db.sql.raw("SELECT id, county_code FROM districts").all(decoding: R.self, with: decoder)
        }
        return Dictionary(uniqueKeysWithValues: rows.compactMap { r in r.countyCode.map { (r.id, $0) } })
    }

    /// The county of one district.
    public static func county(ofDistrict id: Int, on db: any Database) async throws -> String? {
        struct R: Decodable { let countyCode: String? }
        return try await db.sql.raw("SELECT county_code FROM districts WHERE id = \(bind: id)").first(decoding: R.self, with: decoder)?.countyCode
    }

    /// How many districts lie outside a county (0: the database is that county's alone).
    public static func districtsOutside(county code: String, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM districts WHERE county_code IS NULL OR county_code <> \(bind: code)").first(decoding: N.self)?.n
            ?? 0
    }

    /// Whether the database holds more than one county (then every county-wide question is one
    /// county's, and a body or account bound to no county reads none).
    public static func holdsSeveralCounties(on db: any Database) async throws -> Bool {
        struct N: Decodable { let n: Int }
        return (try await db.sql.raw("SELECT COUNT(*) AS n FROM areas WHERE level = 'county'").first(decoding: N.self)?.n ?? 0) > 1
    }

    /// Whether an area lies within another by its code (GB/T 2260): itself; a county or city of a
    /// province (its two digits); a county of a city (the city's code ends in 00, the county's
    /// extends its first four).
    public static func lies(_ code: String, within area: String) -> Bool {
        if code == area { return true }
        if area.count == 2 { return code.count == 6 && code.hasPrefix(area) }
        return area.count == 6 && area.hasSuffix("00") && code.count == 6 && code.hasPrefix(area.prefix(4))
    }

    /// An area and those above it, nearest first (a county, its city, its province), read up the
    /// tree; empty for an unknown code.
    public static func ancestors(of code: String, on db: any Database) async throws -> [String] {
        var out: [String] = []
        var next: String? = code
        while let c = next, out.count < 4, let a = try await area(code: c, on: db) {
            out.append(a.code)
            next = a.parentCode
        }
        return out
    }

    /// The county new districts go under when the caller names none: the only county there is.
    public static func soleCounty(on db: any Database) async throws -> String? {
        let counties = try await db.sql.raw("SELECT code, name, level, parent_code FROM areas WHERE level = 'county' LIMIT 2").all(
            decoding: AreaRow.self, with: decoder)
        return counties.count == 1 ? counties[0].code : nil
    }

    /// Checks a new area against the tree: a province has 2 digits; a city 6 ending in 00 under
    /// its province's prefix; a county 6 under its city's first four. Field errors in both languages.
    public static func validate(code: String, name: String, level: AreaLevel, parent: AreaRow?) -> FieldErrors {
        var e = FieldErrors()
        let digits = code.allSatisfy { $0.isASCII && $0.isNumber }
        if !digits || code.count != level.codeLength {
            e.add("code", "\(level == .province ? "省级代码为2位数字" : "代码为6位数字")（GB/T 2260）", "the code must be \(level.codeLength) digits (GB/T 2260)")
        } else {
            switch level {
            case .province:
                if parent != nil { e.add("parentCode", "省级区划没有上级", "a province has no parent") }
            case .city:
                if !code.hasSuffix("00") || code.hasSuffix("0000") { e.add("code", "市级代码以00结尾（如130400）", "a city's code ends in 00 (e.g. 130400)") }
                if let p = parent, p.levelValue != .province || !code.hasPrefix(p.code) {
                    e.add("parentCode", "上级应为代码前两位相同的省", "the parent must be the province its first two digits name")
                }
                if parent == nil { e.add("parentCode", "请选择所属省", "choose the province") }
            case .county:
                if code.hasSuffix("00") { e.add("code", "县级代码不以00结尾", "a county's code does not end in 00") }
                if let p = parent, p.levelValue != .city || !code.hasPrefix(String(p.code.prefix(4))) {
                    e.add("parentCode", "上级应为代码前四位相同的市", "the parent must be the city its first four digits name")
                }
                if parent == nil { e.add("parentCode", "请选择所属市", "choose the city") }
            }
        }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.count > 30 { e.add("name", "名称不能为空，最长30字", "the name is required, at most 30 characters") }
        return e
    }

    /// Inserts an area after `validate`; a code already there is a conflict.
    public static func insert(code: String, name: String, level: AreaLevel, parentCode: String?, on db: any Database, now: Double) async throws {
        if try await area(code: code, on: db) != nil {
            throw DomainError(.conflict, code: "area_exists", LocalizedText(zh: "行政区划代码 \(code) 已存在", en: "area code \(code) already exists"))
        }
        try await db.sql.raw(
            """
            INSERT INTO areas (code, name, level, parent_code, created_at)
            VALUES (\(bind: code), \(bind: name.trimmingCharacters(in: .whitespaces)), \(bind: level.rawValue), \(bind: parentCode), \(bind: now))
            """
        ).run()
    }
}

extension Optional where Wrapped == String {
    /// The value, or the fallback's when nil.
    func asyncOr(_ fallback: () async throws -> String?) async rethrows -> String? {
        if let self { return self }
        return try await fallback()
    }
}

extension AreaStore {
    /// The level a code names: 2 digits a province, 6 ending in 00 a city, any other 6 a county.
    /// A county's districts when the database holds other counties too; nil when it is the
    /// database's only county (every district, as a single-county install always read).
    public static func sharedDistricts(county code: String, on db: any Database) async throws -> [Int]? {
        if try await districtsOutside(county: code, on: db) == 0 { return nil }
        return try await districtCounties([code], on: db).keys.sorted()
    }

    /// The `under=` of a comparison above the counties: a province's 2 digits or a city's or
    /// county's 6, trimmed; nil when not given. Anything else is a named field error.
    public static func under(_ raw: String?) throws -> String? {
        guard let u = raw?.trimmingCharacters(in: .whitespaces), !u.isEmpty else { return nil }
        guard level(of: u) != nil else {
            throw DomainError.validation(["under": LocalizedText(zh: "行政区划代码为2位（省）或6位数字", en: "an area code is 2 (province) or 6 digits")])
        }
        return u
    }

    public static func level(of code: String) -> AreaLevel? {
        guard code.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if code.count == 2 { return .province }
        guard code.count == 6 else { return nil }
        return code.hasSuffix("00") ? .city : .county
    }

    /// Renames an area (its code stays).
    public static func rename(code: String, name: String, on db: any Database) async throws {
        guard try await area(code: code, on: db) != nil else { throw DomainError.notFound(LocalizedText(zh: "行政区划 \(code)", en: "area \(code)")) }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 30 else {
            throw DomainError.validation(["name": LocalizedText(zh: "名称不能为空，最长30字", en: "the name is required, at most 30 characters")])
        }
        try await db.sql.raw("UPDATE areas SET name = \(bind: trimmed) WHERE code = \(bind: code)").run()
    }

    /// Gives a county another code (an install set up for the demo's 武安市 that is really another
    /// county): a new area under `parent`, its districts moved to it, the old code removed. The
    /// accounts bound to the old code are the caller's to move, in the same transaction.
    public static func recodeCounty(from old: String, to new: String, name: String, parent: String, on db: any Database, now: Double) async throws {
        guard let from = try await area(code: old, on: db), from.levelValue == .county else {
            throw DomainError.notFound(LocalizedText(zh: "县级行政区划 \(old)", en: "county \(old)"))
        }
        let parentRow = try await area(code: parent, on: db)
        try validate(code: new, name: name, level: .county, parent: parentRow).throwIfAny()
        try await insert(code: new, name: name, level: .county, parentCode: parent, on: db, now: now)
        try await db.sql.raw("UPDATE districts SET county_code = \(bind: new) WHERE county_code = \(bind: from.code)").run()
        try await db.sql.raw("UPDATE county_transfers SET from_county = \(bind: new) WHERE from_county = \(bind: from.code)").run()
        try await db.sql.raw("UPDATE county_transfers SET to_county = \(bind: new) WHERE to_county = \(bind: from.code)").run()
        try await db.sql.raw("DELETE FROM areas WHERE code = \(bind: from.code)").run()
    }

    /// Removes an area that holds nothing: no districts below it, no areas below it. A county with
    /// data is never deleted (its history would lose its county).
    public static func remove(code: String, on db: any Database) async throws {
        guard try await area(code: code, on: db) != nil else { throw DomainError.notFound(LocalizedText(zh: "行政区划 \(code)", en: "area \(code)")) }
        struct N: Decodable { let n: Int }
        let children = try await db.sql.raw("SELECT COUNT(*) AS n FROM areas WHERE parent_code = \(bind: code)").first(decoding: N.self)?.n ?? 0
        let districts = try await db.sql.raw("SELECT COUNT(*) AS n FROM districts WHERE county_code = \(bind: code)").first(decoding: N.self)?.n ?? 0
        if children > 0 || districts > 0 {
            throw DomainError(
                .conflict, code: "area_not_empty",
                LocalizedText(
                    zh: "行政区划 \(code) 下还有 \(children) 个下级区划、\(districts) 个学区，不能删除",
                    en: "area \(code) still holds \(children) areas and \(districts) districts; it cannot be removed"))
        }
        try await db.sql.raw("DELETE FROM areas WHERE code = \(bind: code)").run()
    }
}
