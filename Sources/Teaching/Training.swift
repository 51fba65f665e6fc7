import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// The required continuing-education hours, a dated rule.
public struct TrainingRules: Codable, Sendable, Equatable {
    public var hoursPerYear: Double
}

public enum ProgrammeKind: String, Vocabulary {
    public static let lookup = makeLookup()
    case winter, summer, university, other
    public var zh: String { switch self { case .winter: "寒假全员培训"; case .summer: "暑假全员培训"; case .university: "高校研修"; case .other: "其他培训" } }
    public var en: String { switch self { case .winter: "winter training"; case .summer: "summer training"; case .university: "university placement"; case .other: "other" } }
}

public struct ProgrammeRow: Codable, Sendable {
    public let id: Int; public let name: String; public let kind: String; public let startsOn: String; public let endsOn: String; public let hours: Double
    /// The county whose bureau runs it.
    public let countyCode: String?
}

/// 研训: programmes, enrolment and attendance (the bureau), each teacher's hours per year against
/// the rule, the shortfall per school, and an `.xlsx` of hours per teacher.
extension TeachingService {
    public func rules(year: Int) async throws -> TrainingRules {
        try await Self.trainingRules(on: CivilDate.endOf(year: year), db: db) ?? TrainingRules(hoursPerYear: 72)
    }

    /// The programmes of the caller's county.
    public func programmes() async throws -> [ProgrammeRow] {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        let c = try await callerCounty(a)
        return try await Self.programmeRows(on: db).filter { Self.inCounty($0.countyCode, c) }
    }

    /// One of the county's programmes, for its bureau; another county's is not there.
    func ownProgramme(_ id: Int, _ a: Actor) async throws -> ProgrammeRow {
        guard let p = try await Self.programme(id: id, on: db), Self.inCounty(p.countyCode, try await callerCounty(a)) else {
            throw DomainError.notFound(LocalizedText(zh: "培训项目", en: "programme"))
        }
        return p
    }

    public func createProgramme(name raw: String?, kind rawKind: String?, startsOn: String?, endsOn: String?, hours: Double?) async throws -> Int {
        let a = try ctx.requireActor()
        try a.require(.teachingManage)
        guard a.isCountyBureau else { throw DomainError.forbidden }
        var e = FieldErrors()
        let name = raw?.trimmed ?? ""
        if name.isEmpty || name.count > 80 { e.add("name", "请填写培训名称", "enter the programme's name") }
        let kind = rawKind.flatMap(ProgrammeKind.parse)
        if kind == nil { e.add("kind", "请选择培训类型", "choose the kind") }
        let s = startsOn.flatMap { CivilDate(parsing: $0.trimmed) }, t = endsOn.flatMap { CivilDate(parsing: $0.trimmed) }
        if s == nil { e.add("startsOn", "开始日期格式应为 YYYY-MM-DD", "the start must be YYYY-MM-DD") }
        if t == nil { e.add("endsOn", "结束日期格式应为 YYYY-MM-DD", "the end must be YYYY-MM-DD") }
        if let s, let t, t < s { e.add("endsOn", "结束日期早于开始日期", "the end is before the start") }
        if hours == nil || !hours!.isFinite || hours! <= 0 || hours! > 500 { e.add("hours", "学时应在0到500之间", "hours must be between 0 and 500") }
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now, county = try await newItemCounty(a)
        return try await ctx.write { tx in
            let id = try await Self.insertProgramme(name: name, kind: kind!.rawValue, startsOn: s!.description, endsOn: t!.description, hours: hours!, county: county, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "teaching.training.programme", entity: "training_programme", entityId: String(id), summary: "\(name)，\(hours!) 学时")
            return id
        }
    }

    /// Enrols every teacher of the given schools (codes), or records attendance: `attended`
    /// teachers get the programme's hours credited. All-or-nothing: an unknown code is named.
    public func enrol(programmeId: Int, schoolCodes: [String]) async throws -> Int {
        let a = try ctx.requireActor()
        try a.require(.teachingManage)
        guard a.isCountyBureau else { throw DomainError.forbidden }
        _ = try await ownProgramme(programmeId, a)
        let codes = schoolCodes.map { $0.trimmed }.filter { !$0.isEmpty }
        if codes.isEmpty { throw DomainError.validation(["schools": LocalizedText(zh: "请填写学校代码", en: "enter school codes")]) }
        let schools = try await RegistryStore.schools(codes: codes, on: db)
        // Another county's school is no school of this bureau's (named as unknown).
        let missing = codes.filter { c in schools[c].map { !a.covers(schoolId: $0.id, districtId: $0.districtId) } ?? true }
        if !missing.isEmpty { throw DomainError.validation(["schools": LocalizedText(zh: "学校代码不存在：" + missing.joined(separator: "、"), en: "unknown school codes: " + missing.joined(separator: ", "))]) }
        let ids = schools.values.map(\.id)
        let audit = ctx.audit
        return try await ctx.write { tx in
            let before = try await Self.enrolmentCount(programmeId: programmeId, on: tx)
            try await Self.enrol(programmeId: programmeId, schoolIds: ids, on: tx)
            let after = try await Self.enrolmentCount(programmeId: programmeId, on: tx)
            try await Audit.record(on: tx, audit, action: "teaching.training.enrol", entity: "training_programme", entityId: String(programmeId), summary: "\(codes.count) 所学校 \(after - before) 名教师报名")
            return after - before
        }
    }

    /// Attendance: the listed teachers attended (credited the programme's hours), the rest of the enrolled did not.
    public func attendance(programmeId: Int, attended teacherIds: [Int]) async throws {
        let a = try ctx.requireActor()
        try a.require(.teachingManage)
        guard a.isCountyBureau else { throw DomainError.forbidden }
        let p = try await ownProgramme(programmeId, a)
        let audit = ctx.audit
        try await ctx.write { tx in
            try await Self.recordAttendance(programmeId: programmeId, hours: p.hours, attended: teacherIds, on: tx)
            try await Audit.record(on: tx, audit, action: "teaching.training.attendance", entity: "training_programme", entityId: String(programmeId), summary: "\(teacherIds.count) 人出勤")
        }
    }

    public struct HoursRow: Sendable { public let teacher: TeacherRow; public let hours: Double; public let required: Double; public var shortfall: Double { max(0, required - hours) } }

    /// Each teacher in the caller's scope: hours credited in programmes that ended in `year`,
    /// against the rule in force that year.
    public func hours(year: Int) async throws -> [HoursRow] {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        if let t = a.teacherId { return try await hours(year: year, teachers: try await RegistryStore.teacher(id: t, on: db).map { [$0] } ?? []) }
        // An area's hours are kept until the registry or the training records change (a district's
        // cost 28 ms of CPU a view at province scale).
        let scope = a.registryScope
        return try await ctx.kept("teaching.hours|\(year)|\(scope)", areas: ["registry", "training"]) {
            let teachers = try await RegistryStore.allTeachers(on: db, scope: scope, withSchool: true)
            return Self.largestShortfallFirst(try await hours(year: year, teachers: teachers))
        }
    }

    /// The order the hours page and its export list teachers in: the largest shortfall first.
    static func largestShortfallFirst(_ rows: [HoursRow]) -> [HoursRow] {
        rows.sorted { ($0.shortfall, $0.teacher.id) > ($1.shortfall, $1.teacher.id) }
    }

    /// Teachers short of their hours in one school or district.
    public struct HoursGroup: Sendable {
        public let name: String
        public let teachers: Int
        public let short: Int
    }

    /// The hours of the caller's scope summed up for its page: teachers short of their hours, and
    /// the same by school and (for a county) by district, the most short first — kept with the
    /// hours (grouping a district's 900 rows was an eighth of the page's CPU, issue 34).
    public struct HoursSummary: Sendable {
        public let short: Int
        public let bySchool: [HoursGroup]
        public let byDistrict: [HoursGroup]
    }

    public func hoursSummary(year: Int) async throws -> HoursSummary {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        let county: Bool
        county = a.isCountyBureau
        let db = self.db
        let summarise: @Sendable ([HoursRow]) async throws -> HoursSummary = { rows in
            var bySchool: [Int: (name: String, teachers: Int, short: Int)] = [:]
            var byDistrict: [Int: (teachers: Int, short: Int)] = [:]
            for r in rows {
                let short = r.shortfall > 0 ? 1 : 0
                bySchool[r.teacher.schoolId, default: (r.teacher.schoolName ?? "", 0, 0)].teachers += 1
                bySchool[r.teacher.schoolId]!.short += short
                if county {
                    byDistrict[r.teacher.districtId, default: (0, 0)].teachers += 1
                    byDistrict[r.teacher.districtId]!.short += short
                }
            }
            let names = county ? Dictionary(uniqueKeysWithValues: try await RegistryStore.districtRows(on: db, scope: .districts(Array(byDistrict.keys))).map { ($0.id, $0.name) }) : [:]
            func order(_ g: [HoursGroup]) -> [HoursGroup] { g.sorted { ($0.short, $0.teachers, $0.name) > ($1.short, $1.teachers, $1.name) } }
            return HoursSummary(
                short: rows.filter { $0.shortfall > 0 }.count,
                bySchool: order(bySchool.map { id, g in HoursGroup(name: g.name, teachers: g.teachers, short: g.short) }),
                byDistrict: order(byDistrict.map { id, g in HoursGroup(name: names[id] ?? "#\(id)", teachers: g.teachers, short: g.short) }))
        }
        if a.teacherId != nil { return try await summarise(try await hours(year: year)) }
        let rows = try await hours(year: year)
        return try await ctx.kept("teaching.hoursSummary|\(year)|\(a.registryScope)", areas: ["registry", "training"]) { try await summarise(rows) }
    }

    /// Hours credited to the given teachers in programmes that ended in `years` (the inspection's
    /// 360 hours in five years), by teacher; teachers without any are left out.
    public func hours(years: ClosedRange<Int>, teacherIds ids: [Int]) async throws -> [Int: Double] {
        try ctx.requireActor().require(.teachingRead)
        return try await Self.creditedHours(years: years, teacherIds: ids, on: db)
    }

    /// Per school: its teachers, and those with at least `due` hours in programmes that ended in
    /// `years` — one aggregate over the register (a province's teachers are not read one by one).
    public func completion(years: ClosedRange<Int>, due: Double) async throws -> [Int: (teachers: Int, done: Int)] {
        try ctx.requireActor().require(.teachingRead)
        let rows = try await Self.completion(years: years, due: due, on: db)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.schoolId, (teachers: $0.n, done: $0.done)) })
    }

    func hours(year: Int, teachers: [TeacherRow]) async throws -> [HoursRow] {
        let rules = try await rules(year: year)
        let totals = try await Self.creditedHours(year: year, teacherIds: teachers.map(\.id), on: db)
        return teachers.map { HoursRow(teacher: $0, hours: totals[$0.id] ?? 0, required: rules.hoursPerYear) }
    }
}
