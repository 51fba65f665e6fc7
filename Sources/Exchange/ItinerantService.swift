import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// 走教: a district's itinerant teachers, the periods its schools need, the travel times, and
/// the weekly timetable generated from them.
public struct ItinerantService: Sendable {
    let ctx: ServiceContext
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }
    var db: any Database { ctx.db }

    public struct Setup: Sendable {
        public let districtId: Int
        public let schools: [PlanSchool]
        public let teachers: [ItinerantTeacher]
        public let demand: [PeriodDemand]
        public let travel: [TravelKey: Int]
    }

    /// The district a reader asks for (a district admin: their own; the bureau: any, by default the first).
    func district(_ requested: Int?, write: Bool) async throws -> Int {
        let actor = try ctx.requireActor()
        try actor.require(write ? .exchangeItinerant : .exchangeRead)
        var d = requested ?? actor.districtId
        if d == nil {
            // The bureau opens its county's district that has itinerant teachers, or the first one.
            d = try await ExchangeStore.busiestItinerantDistrict(among: actor.countyDistricts, on: db)
        }
        if d == nil { d = try await RegistryStore.districtRows(on: db, scope: actor.registryScope).first?.id }
        guard let id = d, try await RegistryStore.district(id: id, on: db) != nil else { throw DomainError.notFound(LocalizedText(zh: "学区", en: "district")) }
        guard actor.covers(districtId: id) else { throw DomainError.forbidden }
        if write, case .school = actor.registryScope { throw DomainError.forbidden }
        return id
    }

    /// The districts among `districts` (those the caller reads) that have itinerant teachers:
    /// the ones whose timetable a summary adds up (a province's thousand districts have a few).
    public func districtsWithTeachers(among districts: [Int]) async throws -> [Int] {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeRead)
        return try await ExchangeStore.itinerantDistricts(among: districts, on: db).filter { actor.covers(districtId: $0) }
    }

    public func setup(district requested: Int?) async throws -> Setup {
        try await setup(of: try await district(requested, write: false))
    }

    /// An itinerant teacher's own week (issue 28: she was answered 403): the district's timetable
    /// as generated, her periods only; nil for a teacher who is not itinerant.
    public func myWeek() async throws -> (setup: Setup, table: Timetable, teacher: ItinerantTeacher)? {
        let a = try ctx.requireActor()
        guard let t = a.teacherId else { return nil }
        guard let district = try await ExchangeStore.itinerantDistrict(teacherId: t, on: db) else { return nil }
        let s = try await setup(of: district)
        guard let me = s.teachers.first(where: { $0.teacherId == t }) else { return nil }
        let names = Dictionary(uniqueKeysWithValues: s.schools.map { ($0.id, $0.name) })
        let table = TimetableSolver.solve(teachers: s.teachers, demand: s.demand, travel: s.travel, schoolNames: names)
        return (s, table, me)
    }

    func setup(of d: Int) async throws -> Setup {
        let schools = try await ExchangeStore.schools(district: d, on: db).values.filter(\.active).sorted { $0.code < $1.code }
        let teachers = try await ExchangeStore.itinerantTeacherRows(district: d, on: db).compactMap { r in
            Subject(rawValue: r.subject).map { ItinerantTeacher(teacherId: r.teacherId, name: r.name, subject: $0, homeSchoolId: r.schoolId, maxPeriods: r.maxPeriods) }
        }
        let active = Set(schools.map(\.id))
        let demand = try await ExchangeStore.demandRows(district: d, on: db).compactMap { r in
            Subject(rawValue: r.subject).flatMap { active.contains(r.schoolId) ? PeriodDemand(schoolId: r.schoolId, subject: $0, periods: r.periods) : nil }
        }
        var travel: [TravelKey: Int] = [:]
        for r in try await ExchangeStore.travelRows(district: d, on: db) {
            travel[TravelKey(r.fromSchoolId, r.toSchoolId)] = r.minutes
        }
        return Setup(districtId: d, schools: schools, teachers: teachers, demand: demand, travel: travel)
    }

    public func timetable(district: Int?) async throws -> (setup: Setup, table: Timetable) {
        let s = try await setup(district: district)
        let names = Dictionary(uniqueKeysWithValues: s.schools.map { ($0.id, $0.name) })
        return (s, TimetableSolver.solve(teachers: s.teachers, demand: s.demand, travel: s.travel, schoolNames: names))
    }

    /// Adds (or changes) an itinerant teacher: a teacher of the district who teaches the subject.
    public func putTeacher(district requested: Int?, teacherId: Int?, subject raw: String?, maxPeriods: Int?) async throws {
        let d = try await district(requested, write: true)
        var e = FieldErrors()
        let subject = raw.flatMap(Subject.parse)
        if subject == nil || !SchoolDay.scarceSubjects.contains(subject!) {
            e.add("subject", "走教学科应为音乐、美术、体育、英语或信息技术", "an itinerant subject is music, art, PE, English or IT")
        }
        let max = maxPeriods ?? 16
        if max < 1 || max > 30 { e.add("maxPeriods", "每周课时应在1到30之间", "periods a week must be between 1 and 30") }
        guard let tid = teacherId, let t = try await RegistryStore.teacher(id: tid, on: db), t.districtId == d else {
            e.add("teacherId", "请选择本学区的教师", "choose a teacher of this district")
            try e.throwIfAny(); return
        }
        if let subject, !t.subjectList.contains(subject.rawValue) {
            e.add("subject", "\(t.name)的任教学科中没有\(subject.zh)", "\(t.name) does not teach \(subject.en)")
        }
        try e.throwIfAny()
        let audit = ctx.audit
        try await ctx.writeOnce { tx in
            try await ExchangeStore.putItinerantTeacher(district: d, teacherId: tid, subject: subject!.rawValue, maxPeriods: max, on: tx)
            try await Audit.record(on: tx, audit, action: "exchange.itinerant.teacher", entity: "teacher", entityId: String(tid), summary: "\(subject!.zh)，每周至多 \(max) 节")
        }
    }

    public func removeTeacher(district requested: Int?, teacherId: Int) async throws {
        let d = try await district(requested, write: true)
        let audit = ctx.audit
        try await ctx.writeOnce { tx in
            try await ExchangeStore.deleteItinerantTeacher(teacherId: teacherId, district: d, on: tx)
            try await Audit.record(on: tx, audit, action: "exchange.itinerant.remove", entity: "teacher", entityId: String(teacherId), summary: "学区编号 \(d)")
        }
    }

    /// Replaces the district's weekly demand: `cells["schoolId:subject"] = "periods"`. Every cell
    /// is checked; one bad cell saves nothing.
    public func putDemand(district requested: Int?, cells: [String: String]) async throws {
        let d = try await district(requested, write: true)
        // A form without a single demand cell is a broken form, not "no demand": clearing the
        // table sends its cells empty (issue 27: it saved an empty demand silently).
        if cells.isEmpty {
            throw DomainError.validation(["demand": LocalizedText(zh: "表单中没有任何学校学科的课时栏目，未保存", en: "the form holds no school-and-subject cells; nothing was saved")])
        }
        let schools = Dictionary(uniqueKeysWithValues: try await ExchangeStore.schools(district: d, on: db).values.filter(\.active).map { ($0.id, $0) })
        var e = FieldErrors()
        var parsed: [PeriodDemand] = []
        for (key, raw) in cells.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ":")
            guard parts.count == 2, let sid = Int(parts[0]), let school = schools[sid], let subject = Subject(rawValue: String(parts[1])), SchoolDay.scarceSubjects.contains(subject) else {
                e.add("demand[\(key)]", "未知的学校或学科", "unknown school or subject"); continue
            }
            let text = raw.trimmed
            if text.isEmpty { continue }
            guard let n = Int(text), n >= 0, n <= 30 else {
                e.add("demand[\(key)]", "\(school.name) \(subject.zh)：每周课时应为0到30的整数", "\(school.name) \(subject.en): periods a week must be a whole number from 0 to 30"); continue
            }
            if n > 0 { parsed.append(PeriodDemand(schoolId: sid, subject: subject, periods: n)) }
        }
        try e.throwIfAny()
        let audit = ctx.audit, rows = parsed
        try await ctx.writeOnce { tx in
            try await ExchangeStore.replaceDemand(district: d, rows: rows, on: tx)
            try await Audit.record(on: tx, audit, action: "exchange.itinerant.demand", entity: "district", entityId: String(d), summary: "\(rows.count) 项学校学科需求，共 \(rows.reduce(0) { $0 + $1.periods }) 节")
        }
    }

    /// Replaces the travel matrix: `cells["a:b"] = "minutes"` for every pair of the district's
    /// active schools (entered once per pair; the way back takes the same time). A missing,
    /// negative or absurd cell is named and nothing is saved.
    public func putTravel(district requested: Int?, cells: [String: String]) async throws {
        let d = try await district(requested, write: true)
        let schools = try await ExchangeStore.schools(district: d, on: db).values.filter(\.active).sorted { $0.code < $1.code }
        var e = FieldErrors()
        var parsed: [TravelKey: Int] = [:]
        for (i, a) in schools.enumerated() {
            for b in schools[(i + 1)...] {
                let key = "\(a.id):\(b.id)"
                let raw = (cells[key] ?? cells["\(b.id):\(a.id)"] ?? "").trimmed
                guard !raw.isEmpty else { e.add("travel[\(key)]", "\(a.name)→\(b.name)：请填写路程时间（分钟）", "\(a.name) → \(b.name): enter the travel time in minutes"); continue }
                guard let m = Int(raw), m >= 0, m <= 300 else {
                    e.add("travel[\(key)]", "\(a.name)→\(b.name)：路程时间应为0到300分钟的整数", "\(a.name) → \(b.name): travel time must be a whole number of minutes from 0 to 300"); continue
                }
                parsed[TravelKey(a.id, b.id)] = m
            }
        }
        try e.throwIfAny()
        let audit = ctx.audit, values = parsed
        try await ctx.writeOnce { tx in
            try await ExchangeStore.replaceTravel(district: d, minutes: values, on: tx)
            try await Audit.record(on: tx, audit, action: "exchange.itinerant.travel", entity: "district", entityId: String(d), summary: "\(values.count) 对学校间路程")
        }
    }
}

extension Array {
    func chunked(_ n: Int) -> [ArraySlice<Element>] { stride(from: 0, to: count, by: n).map { self[$0..<Swift.min($0 + n, count)] } }
}

struct TimetableDTO: Content {
    struct Slot: Content { let teacherId: Int; let schoolId: Int; let subject: String; let day: Int; let period: Int; let starts: String }
    struct Missing: Content { let schoolId: Int; let subject: String; let periods: Int; let reason: String }
    let district: Int
    let placements: [Slot]
    let unplaced: [Missing]
    let milliseconds: Int
    init(_ t: (setup: ItinerantService.Setup, table: Timetable)) {
        district = t.setup.districtId
        placements = t.table.placements.map { Slot(teacherId: $0.teacherId, schoolId: $0.schoolId, subject: $0.subject.rawValue, day: $0.day, period: $0.period, starts: SchoolDay.label($0.period)) }
        unplaced = t.table.unplaced.map { Missing(schoolId: $0.schoolId, subject: $0.subject.rawValue, periods: $0.periods, reason: $0.reason.zh) }
        milliseconds = t.table.milliseconds
    }
}
