import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// Spreadsheet layouts of the registry (CONTRACT "Registry": the teacher import).
public enum RegistrySheets {
    public static let teacherRequired: [TeacherField] = [.name, .residentId, .schoolId, .subjects, .education, .putonghua, .title, .backbone, .schoolSince]
    public static let teacherOptional: [TeacherField] = [.stagePart, .phone, .qualificationType, .qualificationNumber, .principalSince]

    public static let schoolHeaders = ["学校代码", "学校名称", "学区代码", "办学类型", "城乡类型", "在校生数", "寄宿制", "中心校", "标准化"]
    public static let schoolRequired = Array(schoolHeaders.prefix(5))

    public static func teacherTemplate() -> SheetTable {
        SheetTable(rows: [(teacherRequired + teacherOptional).map(\.header)])
    }

    public static func schoolTemplate() -> SheetTable { SheetTable(rows: [schoolHeaders]) }

    /// Column positions by header text; headers are matched after trimming (and without a `*` people add to mark required ones).
    static func headerIndex(_ header: [String]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (i, h) in header.enumerated() {
            let key = h.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "*", with: "").replacingOccurrences(of: "＊", with: "")
            if !key.isEmpty, out[key] == nil { out[key] = i }
        }
        return out
    }

    static func missingHeaders(_ required: [String], in index: [String: Int]) -> DomainError? {
        let missing = required.filter { index[$0] == nil }
        guard !missing.isEmpty else { return nil }
        let list = missing.joined(separator: "、")
        return DomainError(.invalid, code: "missing_headers",
                           LocalizedText(zh: "表头缺少列：\(list)。请使用下载的模板，第一行为表头", en: "the header row lacks: \(list); use the template, with headers in row 1"),
                           rows: missing.map { DomainError.RowError(row: 1, column: $0, reason: LocalizedText(zh: "缺少此列", en: "column missing")) })
    }

    static func isBlank(_ row: [String]) -> Bool { row.allSatisfy { $0.trimmed.isEmpty } }
}

extension RegistryService {
    /// Imports teachers all-or-nothing: every row is checked first; one bad row imports nothing.
    public func importTeachers(_ table: SheetTable) async throws -> Int {
        let actor = try ctx.requireActor()
        try actor.require(.teachersImport)
        let index = RegistrySheets.headerIndex(table.header)
        if let e = RegistrySheets.missingHeaders(RegistrySheets.teacherRequired.map(\.header), in: index) { throw e }
        func cell(_ row: [String], _ f: TeacherField) -> String {
            guard let i = index[f.header], i < row.count else { return "" }
            return row[i].trimmed
        }
        var errors = RowErrorList()
        var valid: [(row: Int, teacher: ValidTeacher, code: String)] = []
        var seen: [String: Int] = [:]
        let today = self.today
        let started = Date()
        for (offset, row) in table.body.enumerated() {
            let rowNumber = offset + 2
            if RegistrySheets.isBlank(row) { continue }
            let code = cell(row, .schoolId)
            var draft = TeacherDraft(name: cell(row, .name), residentId: cell(row, .residentId), schoolRef: .code(code), subjects: [cell(row, .subjects)],
                                     education: cell(row, .education), putonghua: cell(row, .putonghua), title: cell(row, .title), backbone: cell(row, .backbone),
                                     schoolSince: cell(row, .schoolSince), stagePart: cell(row, .stagePart), phone: cell(row, .phone))
            draft.qualificationType = cell(row, .qualificationType); draft.qualificationNumber = cell(row, .qualificationNumber)
            draft.principalSince = cell(row, .principalSince)
            switch TeacherRules.validate(draft, today: today) {
            case .failure(let e):
                for f in TeacherField.allCases { if let r = e.fields[f] { errors.append(.init(row: rowNumber, column: f.header, reason: r)) } }
            case .success(let t):
                if let first = seen[t.residentId.value] {
                    errors.append(.init(row: rowNumber, column: TeacherField.residentId.header, reason: LocalizedText(zh: "与第\(first)行的身份证号重复", en: "same resident ID as row \(first)")))
                } else {
                    seen[t.residentId.value] = rowNumber
                    valid.append((rowNumber, t, code))
                }
            }
        }
        if valid.isEmpty && errors.isEmpty {
            throw DomainError(.invalid, code: "no_rows", LocalizedText(zh: "表格中没有数据行", en: "the sheet has no data rows"))
        }
        let codes = Array(Set(valid.map(\.code)))
        let audit = ctx.audit, now = self.now
        let checked = valid, earlier = errors
        let validated = Date()
        let count = try await ctx.write { tx -> Int in
            try await RegistryStore.lockResidentIDs(on: tx)
            let schools = try await RegistryStore.schools(codes: codes, on: tx)
            let existing = try await RegistryStore.existingResidentIDs(checked.map(\.teacher.residentId.value), on: tx)
            var rowErrors = earlier
            var inserts: [(ValidTeacher, schoolId: Int, districtId: Int)] = []
            inserts.reserveCapacity(checked.count)
            for (rowNumber, t, code) in checked {
                guard let s = schools[code] else {
                    rowErrors.append(.init(row: rowNumber, column: TeacherField.schoolId.header, reason: LocalizedText(zh: "学校代码\(code)不存在", en: "unknown school code \(code)")))
                    continue
                }
                if !actor.covers(schoolId: s.id, districtId: s.districtId) {
                    rowErrors.append(.init(row: rowNumber, column: TeacherField.schoolId.header, reason: LocalizedText(zh: "学校\(code)不在您的管理范围内", en: "school \(code) is outside your scope")))
                    continue
                }
                if s.status != SchoolStatus.active.rawValue {
                    rowErrors.append(.init(row: rowNumber, column: TeacherField.schoolId.header, reason: LocalizedText(zh: "学校\(code)已撤并或停办", en: "school \(code) is no longer active")))
                    continue
                }
                if let p = TeacherRules.check(part: t.stagePart, stage: Stage(rawValue: s.stage) ?? .primary) {
                    rowErrors.append(.init(row: rowNumber, column: TeacherField.stagePart.header, reason: p))
                    continue
                }
                if existing[t.residentId.value] != nil {
                    rowErrors.append(.init(row: rowNumber, column: TeacherField.residentId.header, reason: LocalizedText(zh: "该身份证号的教师已在册", en: "a teacher with this resident ID is already registered")))
                    continue
                }
                inserts.append((t, s.id, s.districtId))
            }
            if !rowErrors.isEmpty { throw Self.importFailed(rowErrors) }
            let checkedAgainstRegistry = Date()
            try await RegistryStore.insertTeachers(inserts, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "teacher.import", entity: "teacher", entityId: "-", summary: "导入 \(inserts.count) 名教师")
            let logger = self.ctx.logger
            logger.info("teacher import: \(inserts.count) rows; validate \(String(format: "%.2f", validated.timeIntervalSince(started))) s, check against the registry \(String(format: "%.2f", checkedAgainstRegistry.timeIntervalSince(validated))) s, store \(String(format: "%.2f", Date().timeIntervalSince(checkedAgainstRegistry))) s")
            return inserts.count
        }
        return count
    }

    /// The first problems by row, with how many there are in all (never the whole list of a
    /// sheet that is wrong everywhere).
    public static func importFailed(_ list: RowErrorList) -> DomainError {
        let rowCount = list.rowsWithErrors.count
        let listed = RowErrorList.listed
        let more = list.count > listed
        return DomainError(.invalid, code: "import_failed",
                           LocalizedText(zh: "有\(rowCount)行数据有误（共\(list.count)处），未导入任何数据。" + (more ? "下面列出前\(listed)处。" : "") + "请修改后重新上传",
                                         en: "\(rowCount) rows have errors (\(list.count) in all); nothing was imported." + (more ? " The first \(listed) are listed." : "") + " Fix them and upload again"),
                           rows: list.first, rowTotal: list.count)
    }

    /// Imports schools all-or-nothing (bureau admins anywhere, district admins in their district).
    public func importSchools(_ table: SheetTable) async throws -> Int {
        let actor = try ctx.requireActor()
        try actor.require(.schoolsWrite)
        let index = RegistrySheets.headerIndex(table.header)
        if let e = RegistrySheets.missingHeaders(RegistrySheets.schoolRequired, in: index) { throw e }
        func cell(_ row: [String], _ h: String) -> String {
            guard let i = index[h], i < row.count else { return "" }
            return row[i].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func flag(_ s: String) -> Bool? {
            switch s { case "是", "Y", "y", "yes", "1", "TRUE", "true", "√": return true; case "否", "N", "n", "no", "0", "FALSE", "false", "": return false; default: return nil }
        }
        let headerForField = ["code": "学校代码", "name": "学校名称", "stage": "办学类型", "locality": "城乡类型", "students": "在校生数"]
        var errors = RowErrorList()
        var valid: [(Int, ValidSchool, String)] = []
        var seen: [String: Int] = [:]
        for (offset, row) in table.body.enumerated() {
            let n = offset + 2
            if RegistrySheets.isBlank(row) { continue }
            var rowOK = true
            let studentsText = cell(row, "在校生数")
            let students = studentsText.isEmpty ? 0 : Int(studentsText.split(separator: ".").first.map(String.init) ?? "")
            if students == nil { errors.append(.init(row: n, column: "在校生数", reason: LocalizedText(zh: "应为整数", en: "must be a whole number"))); rowOK = false }
            var flags: [Bool] = []
            for h in ["寄宿制", "中心校", "标准化"] {
                if let f = flag(cell(row, h)) { flags.append(f) } else {
                    errors.append(.init(row: n, column: h, reason: LocalizedText(zh: "应填“是”或“否”", en: "must be 是 or 否"))); rowOK = false; flags.append(false)
                }
            }
            let districtCode = cell(row, "学区代码")
            if districtCode.isEmpty { errors.append(.init(row: n, column: "学区代码", reason: LocalizedText(zh: "学区代码不能为空", en: "district code is required"))); rowOK = false }
            let draft = SchoolDraft(code: cell(row, "学校代码"), name: cell(row, "学校名称"), districtRef: .code(districtCode), stage: cell(row, "办学类型"),
                                    locality: cell(row, "城乡类型"), boarding: flags[0], central: flags[1], standardised: flags[2], students: students ?? 0)
            switch SchoolRules.validate(draft) {
            case .failure(let e):
                for k in e.fields.keys.sorted() { errors.append(.init(row: n, column: headerForField[k] ?? k, reason: e.fields[k]!)) }
            case .success(let s):
                if let first = seen[s.code] {
                    errors.append(.init(row: n, column: "学校代码", reason: LocalizedText(zh: "与第\(first)行的学校代码重复", en: "same code as row \(first)")))
                } else if rowOK {
                    seen[s.code] = n
                    valid.append((n, s, districtCode))
                }
            }
        }
        if valid.isEmpty && errors.isEmpty { throw DomainError(.invalid, code: "no_rows", LocalizedText(zh: "表格中没有数据行", en: "the sheet has no data rows")) }
        let audit = ctx.audit, now = self.now
        let checked = valid, earlier = errors
        return try await ctx.write { tx -> Int in
            var rowErrors = earlier
            let existing = try await RegistryStore.schools(codes: checked.map(\.1.code), on: tx)
            var districts: [String: DistrictRow?] = [:]
            var toInsert: [(ValidSchool, Int)] = []
            for (n, s, dcode) in checked {
                if districts[dcode] == nil { districts[dcode] = .some(try await RegistryStore.district(code: dcode, on: tx)) }
                guard let d = districts[dcode] ?? nil else {
                    rowErrors.append(.init(row: n, column: "学区代码", reason: LocalizedText(zh: "学区代码\(dcode)不存在", en: "unknown district code \(dcode)"))); continue
                }
                if !actor.covers(districtId: d.id) {
                    rowErrors.append(.init(row: n, column: "学区代码", reason: LocalizedText(zh: "学区\(dcode)不在您的管理范围内", en: "district \(dcode) is outside your scope"))); continue
                }
                if existing[s.code] != nil {
                    rowErrors.append(.init(row: n, column: "学校代码", reason: LocalizedText(zh: "学校代码\(s.code)已存在", en: "school code \(s.code) exists"))); continue
                }
                toInsert.append((s, d.id))
            }
            if !rowErrors.isEmpty { throw Self.importFailed(rowErrors) }
            for (s, did) in toInsert {
                let id = try await RegistryStore.insertSchool(s, districtId: did, on: tx, now: now)
                if s.central { try await RegistryStore.setCentralSchool(id, districtId: did, on: tx) }
            }
            try await Audit.record(on: tx, audit, action: "school.import", entity: "school", entityId: "-", summary: "导入 \(toInsert.count) 所学校")
            return toInsert.count
        }
    }

    /// A teacher list as a sheet in the import layout (so an export can be edited and imported
    /// elsewhere), plus district, school name, sex and birth date. IDs are masked outside scope.
    public func exportTeachers(filter: TeacherFilter) async throws -> SheetTable {
        let actor = try ctx.requireActor()
        try actor.require(.registryExport)
        var rows: [[String]] = [(RegistrySheets.teacherRequired + RegistrySheets.teacherOptional).map(\.header) + ["学校名称", "性别", "出生日期"]]
        var chunk = filter
        chunk.sort = nil
        // An export reads the replica when there is one (unless this actor just wrote).
        let reader = RegistryService(try await ctx.reporting())
        while true {
            let result = try await reader.teachers(filter: chunk, page: PageSpec(page: 1, per: 200), withSchool: true)
            for t in result.items {
                let full = seesFull(t)
                rows.append([
                    t.name, full ? t.residentId : Masking.residentID(t.residentId), t.schoolCode ?? "",
                    t.subjectList.map { Subject(rawValue: $0)?.zh ?? $0 }.joined(separator: "、"),
                    Education(rawValue: t.education)?.zh ?? t.education, Putonghua(rawValue: t.putonghua)?.zh ?? t.putonghua,
                    Title(rawValue: t.title)?.zh ?? t.title, Backbone(rawValue: t.backbone)?.zh ?? t.backbone, t.schoolSince,
                    t.stagePart.flatMap { StagePart(rawValue: $0)?.zh } ?? "", full ? (t.phone ?? "") : (t.phone.map(Masking.phone) ?? ""),
                    t.qualificationType.flatMap { QualificationType(rawValue: $0)?.zh } ?? "", full ? (t.qualificationNumber ?? "") : "", t.principalSince ?? "",
                    t.schoolName ?? "", Gender(rawValue: t.gender)?.zh ?? t.gender, full ? t.birthDate : String(t.birthDate.prefix(4)),
                ])
            }
            if result.isLast { break }
            chunk.afterId = result.items.last?.id
        }
        return SheetTable(rows: rows)
    }

    public func exportSchools(filter: SchoolFilter) async throws -> SheetTable {
        let actor = try ctx.requireActor()
        try actor.require(.registryExport)
        var rows: [[String]] = [RegistrySheets.schoolHeaders + ["学区", "状态", "教师数"]]
        let reader = RegistryService(try await ctx.reporting())
        let districts = Dictionary(uniqueKeysWithValues: try await RegistryStore.districts(on: reader.db, scope: .county).map { ($0.id, $0) })
        var page = 1
        while true {
            let result = try await reader.schools(filter: filter, page: PageSpec(page: page, per: 200))
            for s in result.items {
                rows.append([s.code, s.name, districts[s.districtId]?.code ?? "", Stage(rawValue: s.stage)?.zh ?? s.stage, Locality(rawValue: s.locality)?.zh ?? s.locality,
                             String(s.students), s.boarding ? "是" : "否", s.central ? "是" : "否", s.standardised ? "是" : "否", s.districtName,
                             SchoolStatus(rawValue: s.status)?.zh ?? s.status, String(s.teachers)])
            }
            if result.isLast { break }
            page += 1
        }
        return SheetTable(rows: rows)
    }
}
