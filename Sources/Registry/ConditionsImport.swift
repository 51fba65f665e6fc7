import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

extension RegistrySheets {
    /// 办学条件 import: one row per school and year; units go in brackets after a header, as people write them.
    public static let conditionHeaders = ["学校代码", "年度", "小学在校生数", "初中在校生数", "高中在校生数", "教学及辅助用房面积(平方米)", "体育运动场馆面积(平方米)",
                                          "教学仪器设备值(元)", "计算机台数", "图书册数", "网络多媒体教室数"]
    /// Optional columns for the quality-balance inspection (`ClassesRooms`): all six or none.
    public static let classesRoomsHeaders = ["小学各班人数", "初中各班人数", "音乐专用教室数", "音乐专用教室面积(平方米)", "美术专用教室数", "美术专用教室面积(平方米)"]
    public static func conditionsTemplate() -> SheetTable { SheetTable(rows: [conditionHeaders + classesRoomsHeaders]) }
    /// A header without its bracketed unit: 教学及辅助用房面积(平方米) → 教学及辅助用房面积.
    static func bare(_ h: String) -> String {
        String(h.prefix { $0 != "(" && $0 != "（" }).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension RegistryService {
    /// Imports school conditions all-or-nothing: a row replaces that school's figures for that
    /// year. Schools must be in the caller's scope.
    public func importConditions(_ table: SheetTable) async throws -> Int {
        let actor = try ctx.requireActor()
        try actor.require(.conditionsWrite)
        var index: [String: Int] = [:]
        for (k, i) in RegistrySheets.headerIndex(table.header) { index[RegistrySheets.bare(k)] = index[RegistrySheets.bare(k)] ?? i }
        let headers = RegistrySheets.conditionHeaders.map(RegistrySheets.bare)
        if let e = RegistrySheets.missingHeaders(headers, in: index) { throw e }
        // The inspection's columns: when a sheet has any of them it must have all (a missing one
        // would read as no rooms and no classes).
        let extraHeaders = RegistrySheets.classesRoomsHeaders.map(RegistrySheets.bare)
        let withExtras = extraHeaders.contains { index[$0] != nil }
        if withExtras, let e = RegistrySheets.missingHeaders(extraHeaders, in: index) { throw e }
        func cell(_ row: [String], _ h: String) -> String {
            guard let i = index[h], i < row.count else { return "" }
            return row[i].trimmed
        }
        let today = self.today
        var errors = RowErrorList()
        var valid: [(row: Int, code: String, conditions: SchoolConditions, extras: ClassesRooms?)] = []
        var seen: [String: Int] = [:]
        // Field names of `SchoolConditions.validate` → the sheet's columns.
        let columnOf = ["year": "年度", "students.primary": "小学在校生数", "students.junior": "初中在校生数", "students.senior": "高中在校生数",
                        "floorArea": "教学及辅助用房面积", "sportsArea": "体育运动场馆面积", "equipmentValue": "教学仪器设备值",
                        "computers": "计算机台数", "books": "图书册数", "multimediaRooms": "网络多媒体教室数",
                        "primaryClasses": "小学各班人数", "juniorClasses": "初中各班人数", "musicRooms": "音乐专用教室数", "musicArea": "音乐专用教室面积",
                        "artRooms": "美术专用教室数", "artArea": "美术专用教室面积"]
        for (offset, row) in table.body.enumerated() {
            let n = offset + 2
            if RegistrySheets.isBlank(row) { continue }
            var rowOK = true
            func whole(_ h: String) -> Int {
                let s = cell(row, h)
                if s.isEmpty { return 0 }
                // Excel stores whole numbers as 300 or 300.0.
                if let v = Int(s) ?? Double(s).flatMap({ $0 == $0.rounded() && abs($0) < 1e12 ? Int($0) : nil }) { return v }
                errors.append(.init(row: n, column: h, reason: LocalizedText(zh: "应为整数，实际为“\(s.clipped())”", en: "must be a whole number, got “\(s.clipped())”"))); rowOK = false
                return 0
            }
            func decimal(_ h: String) -> Decimal {
                let s = cell(row, h).replacingOccurrences(of: ",", with: "")
                if s.isEmpty { return 0 }
                if let d = Decimal(string: s), Double(s) != nil { return d }
                errors.append(.init(row: n, column: h, reason: LocalizedText(zh: "应为数字，实际为“\(s.clipped())”", en: "must be a number, got “\(s.clipped())”"))); rowOK = false
                return 0
            }
            let code = cell(row, "学校代码")
            if code.isEmpty { errors.append(.init(row: n, column: "学校代码", reason: LocalizedText(zh: "学校代码不能为空", en: "school code is required"))); rowOK = false }
            let yearText = cell(row, "年度")
            if yearText.isEmpty { errors.append(.init(row: n, column: "年度", reason: LocalizedText(zh: "年度不能为空", en: "year is required"))); rowOK = false }
            let c = SchoolConditions(year: whole("年度"), students: .init(primary: whole("小学在校生数"), junior: whole("初中在校生数"), senior: whole("高中在校生数")),
                                     floorArea: decimal("教学及辅助用房面积"), sportsArea: decimal("体育运动场馆面积"), equipmentValue: decimal("教学仪器设备值"),
                                     computers: whole("计算机台数"), books: whole("图书册数"), multimediaRooms: whole("网络多媒体教室数"))
            var extras: ClassesRooms?
            if withExtras {
                func sizes(_ h: String) -> [Int] {
                    let parsed = ClassesRooms.parseSizes(cell(row, h))
                    if let bad = parsed.bad {
                        errors.append(.init(row: n, column: h, reason: LocalizedText(zh: "应为各班人数，用逗号分隔，“\(bad.clipped())”不是整数", en: "must be class sizes separated by commas; “\(bad.clipped())” is not a whole number")))
                        rowOK = false
                    }
                    return parsed.sizes
                }
                extras = ClassesRooms(year: c.year, primaryClasses: sizes("小学各班人数"), juniorClasses: sizes("初中各班人数"), musicRooms: whole("音乐专用教室数"),
                                      musicArea: decimal("音乐专用教室面积"), artRooms: whole("美术专用教室数"), artArea: decimal("美术专用教室面积"))
            }
            guard rowOK else { continue }
            do {
                try c.validate(today: today)
                try extras?.validate(today: today)
            } catch let e as DomainError {
                for k in e.fields.keys.sorted() { errors.append(.init(row: n, column: columnOf[k] ?? k, reason: e.fields[k]!)) }
                continue
            }
            let key = "\(code)|\(c.year)"
            if let first = seen[key] {
                errors.append(.init(row: n, column: "学校代码", reason: LocalizedText(zh: "与第\(first)行是同一学校同一年度", en: "same school and year as row \(first)")))
                continue
            }
            seen[key] = n
            valid.append((n, code, c, extras))
        }
        if valid.isEmpty && errors.isEmpty { throw DomainError(.invalid, code: "no_rows", LocalizedText(zh: "表格中没有数据行", en: "the sheet has no data rows")) }
        let audit = ctx.audit, now = self.now
        let checked = valid, earlier = errors
        // Unknown or out-of-scope schools are reported together with the rows' own errors.
        return try await ctx.write { tx -> Int in
            var rowErrors = earlier
            let schools = try await RegistryStore.schools(codes: Array(Set(checked.map(\.code))), on: tx)
            for (n, code, _, _) in checked {
                guard let s = schools[code] else {
                    rowErrors.append(.init(row: n, column: "学校代码", reason: LocalizedText(zh: "学校代码\(code)不存在", en: "unknown school code \(code)"))); continue
                }
                if !actor.covers(schoolId: s.id, districtId: s.districtId) {
                    rowErrors.append(.init(row: n, column: "学校代码", reason: LocalizedText(zh: "学校\(code)不在您的管理范围内", en: "school \(code) is outside your scope")))
                } else if s.status != SchoolStatus.active.rawValue {
                    rowErrors.append(.init(row: n, column: "学校代码", reason: LocalizedText(zh: "学校\(code)已撤并", en: "school \(code) has been merged")))
                }
            }
            if !rowErrors.isEmpty { throw Self.importFailed(rowErrors) }
            for (_, code, c, extras) in checked {
                try await Self.storeConditions(c, schoolId: schools[code]!.id, on: tx, now: now)
                if let extras { try await RegistryStore.upsertClassesRooms(extras, schoolId: schools[code]!.id, on: tx, now: now) }
            }
            try await Audit.record(on: tx, audit, action: "school.conditions.import", entity: "school", entityId: "-", summary: "导入 \(checked.count) 行办学条件")
            return checked.count
        }
    }

    /// Stores a year's conditions; the latest year's students become the school's enrolment.
    static func storeConditions(_ c: SchoolConditions, schoolId: Int, on tx: any Database, now: Double) async throws {
        try await RegistryStore.upsertConditions(c, schoolId: schoolId, on: tx, now: now)
        try await RegistryStore.refreshStudents(schoolId: schoolId, fromYear: c.year, on: tx, now: now)
    }
}
