import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// Alliances and itinerant teaching pages.
extension ExchangePages {
    struct AllianceItem: Encodable { let id: Int; let name: String; let kind: String; let lead: String; let members: String }
    struct AlliancesPage: Encodable {
        let layout: Layout; let tabs: [Tab]; let items: [AllianceItem]; let canCreate: Bool; let kinds: [SelectOption]; let schools: [SelectOption]
        let values: [String: String]; let errors: [String: String]; let action: String
    }

    func alliancesPage(_ req: Request, values: [String: String] = [:], errors: [String: String] = [:], status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let list = try await AllianceService(req).list()
        let locale = req.uiLocale
        let items = list.map { a, members in
            AllianceItem(id: a.id, name: a.name, kind: AllianceKind(rawValue: a.kind)?.label(locale) ?? a.kind,
                         lead: members.first { $0.id == a.leadSchoolId }?.name ?? "", members: members.map(\.name).joined(separator: "、"))
        }
        var schools: [SelectOption] = []
        if actor.can(.exchangeAlliances) {
            schools = try await ExchangeStore.schools(district: nil, districts: actor.countyDistricts, on: req.db).values.filter(\.active).sorted { $0.code < $1.code }
                .map { SelectOption(value: String($0.id), label: "\($0.code) \($0.name)", selected: false) }
        }
        let page = AlliancesPage(layout: req.layout("ex.alliances"), tabs: Self.tabs(req, "alliances"), items: items, canCreate: actor.can(.exchangeAlliances),
                                 kinds: options(AllianceKind.self, selected: values["kind"] ?? "pairing", locale: locale), schools: schools,
                                 values: values, errors: errors, action: ExchangeRoute.alliances.path())
        return try await req.page("exchange/alliances", page, status: status)
    }

    func alliances(req: Request) async throws -> Response { try await alliancesPage(req) }

    struct AllianceForm: Content { let name: String?; let kind: String?; let leadSchoolId: String?; let members: [String]? }
    func createAlliance(req: Request) async throws -> Response {
        try req.requireActor().require(.exchangeAlliances)
        let b = try req.content.decode(AllianceForm.self)
        do {
            let id = try await AllianceService(req).create(name: b.name, kind: b.kind, leadSchoolId: Int(b.leadSchoolId ?? ""), memberIds: (b.members ?? []).compactMap { Int($0) })
            return req.redirect(to: ExchangeRoute.alliance.path(id), flash: Self.t(req, "ex.alliance.created", b.name ?? ""))
        } catch let e as DomainError where e.kind == .invalid {
            return try await alliancesPage(req, values: ["name": b.name ?? "", "kind": b.kind ?? ""], errors: e.fieldMessages(req.uiLocale), status: e.formStatus)
        }
    }

    struct TermRow: Encodable { let term: String; let cells: [Bool]; let done: Int; let by: String }
    struct ScoreRow: Encodable { let year: Int; let cells: [String]; let combined: String; let gap: String }
    struct MemberCell: Encodable { let id: Int; let name: String; let lead: Bool; let students: Int }
    struct AlliancePage: Encodable {
        let layout: Layout; let tabs: [Tab]; let name: String; let kind: String; let members: [MemberCell]; let unifications: [String]; let unificationKeys: [SelectOption]
        let terms: [TermRow]; let scores: [ScoreRow]; let chart: String; let canCheck: Bool; let canScore: Bool
        let termAction: String; let scoresAction: String; let thisYear: Int; let errors: [String]
    }

    func alliancePage(_ req: Request, id: Int, errors: [String: String] = [:], status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let d = try await AllianceService(req).detail(id: id)
        let locale = req.uiLocale
        // People by name (issue 28: the checklist said "seed"); the demo's and the system's
        // entries by the word for them.
        let person = try await Accounts.people(d.terms.map(\.updatedBy), on: req.db, locale: locale)
        let page = AlliancePage(
            layout: req.layout("ex.alliances", title: d.alliance.name), tabs: Self.tabs(req, "alliances"), name: d.alliance.name,
            kind: AllianceKind(rawValue: d.alliance.kind)?.label(locale) ?? d.alliance.kind,
            members: d.members.map { MemberCell(id: $0.id, name: $0.name, lead: $0.id == d.alliance.leadSchoolId, students: d.students[$0.id] ?? 0) },
            unifications: Unification.allCases.map { locale == .en ? $0.en : $0.zh }, unificationKeys: Unification.allCases.map { SelectOption(value: $0.rawValue, label: locale == .en ? $0.en : $0.zh, selected: false) },
            terms: d.terms.map { t in TermRow(term: t.term, cells: Unification.allCases.map { t.done[$0] ?? false }, done: t.done.values.filter { $0 }.count, by: person(t.updatedBy)) },
            scores: d.years.reversed().map { y in ScoreRow(year: y.year, cells: d.members.map { y.scores[$0.id].map { String(format: "%.1f", $0) } ?? "—" },
                                                           combined: Self.num(y.combined, 1), gap: Self.num(y.gap, 1)) },
            chart: AllianceService.chart(d.years, locale: locale), canCheck: actor.can(.exchangeChecklist), canScore: actor.can(.exchangeAlliances),
            termAction: ExchangeRoute.allianceTerms.path(id), scoresAction: ExchangeRoute.allianceScores.path(id), thisYear: req.context.today.year, errors: errors.sorted { $0.key < $1.key }.map(\.value))
        return try await req.page("exchange/alliance", page, status: status)
    }

    func alliance(req: Request) async throws -> Response { try await alliancePage(req, id: try req.intParameter("id")) }

    struct TermForm: Content { let term: String?; let done: [String]? }
    func allianceTerm(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.exchangeChecklist)
        let b = try req.content.decode(TermForm.self)
        do {
            try await AllianceService(req).putTerm(id: id, term: b.term, done: Set((b.done ?? []).compactMap(Unification.init(rawValue:))))
            return req.redirect(to: ExchangeRoute.alliance.path(id), flash: Self.t(req, "ex.alliance.termSaved", b.term ?? ""))
        } catch let e as DomainError where e.kind == .invalid {
            return try await alliancePage(req, id: id, errors: e.fieldMessages(req.uiLocale), status: e.formStatus)
        }
    }

    func allianceScores(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.exchangeAlliances)
        let fields = (try? req.content.decode([String: String].self)) ?? [:]
        var scores: [Int: String] = [:]
        for (k, v) in fields where k.hasPrefix("score_") { if let sid = Int(k.dropFirst(6)) { scores[sid] = v } }
        do {
            try await AllianceService(req).putScores(id: id, year: Int(fields["year"] ?? ""), scores: scores)
            return req.redirect(to: ExchangeRoute.alliance.path(id), flash: Self.t(req, "ex.alliance.scoresSaved", fields["year"] ?? ""))
        } catch let e as DomainError where e.kind == .invalid {
            return try await alliancePage(req, id: id, errors: e.fieldMessages(req.uiLocale), status: e.formStatus)
        }
    }

    // MARK: itinerant teaching

    struct ItTeacher: Encodable { let id: Int; let name: String; let subject: String; let max: Int; let load: Int; let school: String }
    struct DemandRow: Encodable { let school: String; let cells: [DemandCell] }
    struct DemandCell: Encodable { let key: String; let value: String }
    struct TravelRow: Encodable { let school: String; let cells: [TravelCell] }
    struct TravelCell: Encodable { let key: String?; let value: String; let diagonal: Bool }
    struct GridRow: Encodable { let time: String; let cells: [String] }
    struct Grid: Encodable { let title: String; let subtitle: String; let rows: [GridRow] }
    struct Missing: Encodable { let school: String; let subject: String; let periods: Int; let reason: String }
    struct ItinerantPage: Encodable {
        let layout: Layout; let tabs: [Tab]; let districts: [SelectOption]; let showDistricts: Bool; let district: Int
        let teachers: [ItTeacher]; let subjects: [String]; let subjectKeys: [SelectOption]; let demand: [DemandRow]; let schoolNames: [String]; let travel: [TravelRow]
        let byTeacher: [Grid]; let bySchool: [Grid]; let unplaced: [Missing]; let days: [String]; let generated: String
        let canWrite: Bool; let candidates: [SelectOption]; let errors: [String]
        let teachersAction: String; let demandAction: String; let travelAction: String
    }

    func itinerantPage(_ req: Request, district requested: Int?, errors: [String] = [], status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let (setup, table) = try await ItinerantService(req).timetable(district: requested)
        let locale = req.uiLocale
        let names = Dictionary(uniqueKeysWithValues: setup.schools.map { ($0.id, $0.name) })
        let subjects = SchoolDay.scarceSubjects
        let load = Dictionary(grouping: table.placements, by: \.teacherId).mapValues(\.count)
        let demandIndex = Dictionary(uniqueKeysWithValues: setup.demand.map { ("\($0.schoolId):\($0.subject.rawValue)", $0.periods) })
        let days = locale == .en ? SchoolDay.dayNamesEn : SchoolDay.dayNames
        func grid(_ placements: [Placement], label: (Placement) -> String) -> [GridRow] {
            (0..<SchoolDay.periods).map { p in
                GridRow(time: "\(p + 1) · \(SchoolDay.label(p))", cells: (0..<SchoolDay.days).map { d in placements.filter { $0.day == d && $0.period == p }.map(label).joined(separator: " / ") })
            }
        }
        let teacherNames = Dictionary(uniqueKeysWithValues: setup.teachers.map { ($0.teacherId, $0.name) })
        let byTeacher = setup.teachers.map { t in
            Grid(title: t.name, subtitle: "\(t.subject.label(locale)) · \(load[t.teacherId] ?? 0)/\(t.maxPeriods)",
                 rows: grid(table.placements.filter { $0.teacherId == t.teacherId }) { names[$0.schoolId] ?? "" })
        }
        let bySchool = setup.schools.compactMap { s -> Grid? in
            let here = table.placements.filter { $0.schoolId == s.id }
            guard !here.isEmpty else { return nil }
            return Grid(title: s.name, subtitle: "\(here.count)", rows: grid(here) { "\($0.subject.label(locale)) \(teacherNames[$0.teacherId] ?? "")" })
        }
        var candidates: [SelectOption] = []
        if actor.can(.exchangeItinerant) {
            candidates = try await ExchangeStore.candidates(district: setup.districtId, on: req.db)
                .filter { c in c.subjects.contains { subjects.contains($0) } }
                .map { c in SelectOption(value: String(c.id), label: "\(c.name)（\(names[c.schoolId] ?? "")，\(c.subjects.map { $0.label(locale) }.joined(separator: "、"))）", selected: false) }
        }
        let districts = actor.isCountyBureau ? try await RegistryStore.districtRows(on: req.db, scope: actor.registryScope) : []
        let gaps = (0..<(SchoolDay.periods - 1)).map { "\(SchoolDay.gap($0, $0 + 1))" }.joined(separator: "、")
        let page = ItinerantPage(
            layout: req.layout("ex.it.title"), tabs: Self.tabs(req, "itinerant"),
            districts: districts.map { SelectOption(value: String($0.id), label: $0.name, selected: $0.id == setup.districtId) }, showDistricts: actor.isCountyBureau,
            district: setup.districtId,
            teachers: setup.teachers.map { ItTeacher(id: $0.teacherId, name: $0.name, subject: $0.subject.label(locale), max: $0.maxPeriods, load: load[$0.teacherId] ?? 0, school: names[$0.homeSchoolId] ?? "") },
            subjects: subjects.map { $0.label(locale) }, subjectKeys: subjects.map { SelectOption(value: $0.rawValue, label: $0.label(locale), selected: false) },
            demand: setup.schools.map { s in DemandRow(school: s.name, cells: subjects.map { sub in
                let k = "\(s.id):\(sub.rawValue)"
                return DemandCell(key: k, value: demandIndex[k].map(String.init) ?? "")
            }) },
            schoolNames: setup.schools.map(\.name),
            travel: setup.schools.enumerated().map { i, a in TravelRow(school: a.name, cells: setup.schools.enumerated().map { j, b in
                if i == j { return TravelCell(key: nil, value: "", diagonal: true) }
                if j < i { return TravelCell(key: nil, value: setup.travel[TravelKey(a.id, b.id)].map(String.init) ?? "", diagonal: false) }
                return TravelCell(key: "\(a.id):\(b.id)", value: setup.travel[TravelKey(a.id, b.id)].map(String.init) ?? "", diagonal: false)
            }) },
            byTeacher: byTeacher, bySchool: bySchool,
            unplaced: table.unplaced.map { Missing(school: names[$0.schoolId] ?? "", subject: $0.subject.label(locale), periods: $0.periods, reason: $0.reason(locale)) },
            days: days, generated: Self.t(req, "ex.it.generated", String(table.milliseconds), gaps),
            canWrite: actor.can(.exchangeItinerant), candidates: candidates, errors: errors,
            teachersAction: ExchangeRoute.itinerantTeachers.path() + "?district=\(setup.districtId)", demandAction: ExchangeRoute.itinerantDemand.path() + "?district=\(setup.districtId)",
            travelAction: ExchangeRoute.itinerantTravel.path() + "?district=\(setup.districtId)")
        return try await req.page("exchange/itinerant", page, status: status)
    }

    func itinerant(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        // An itinerant teacher reads her own week; the district's set-up is the offices'.
        if !actor.can(.exchangeRead), actor.teacherId != nil { return try await myWeek(req) }
        return try await itinerantPage(req, district: try RegistryAPI.Query(req).int("district"))
    }

    struct MyWeekPage: Encodable {
        let layout: Layout; let subject: String; let periods: Int; let max: Int; let schools: [String]; let days: [String]; let rows: [GridRow]; let home: String
        /// The same week day by day, for a phone (the five-day grid does not fit 390 px).
        let byDay: [DayItem]
    }
    struct DayItem: Encodable { let day: String; let periods: [String] }

    /// 我的走教课表: the itinerant teacher's periods, day by day, with the school of each; printable.
    func myWeek(_ req: Request) async throws -> Response {
        guard let (setup, table, me) = try await ItinerantService(req).myWeek() else { throw DomainError.forbidden }
        let locale = req.uiLocale
        let names = Dictionary(uniqueKeysWithValues: setup.schools.map { ($0.id, $0.name) })
        let mine = table.placements.filter { $0.teacherId == me.teacherId }
        let rows = (0..<SchoolDay.periods).map { p in
            GridRow(time: "\(p + 1) · \(SchoolDay.label(p))", cells: (0..<SchoolDay.days).map { d in mine.filter { $0.day == d && $0.period == p }.map { names[$0.schoolId] ?? "" }.joined(separator: " / ") })
        }
        let schools = Array(Set(mine.map(\.schoolId))).compactMap { names[$0] }.sorted()
        let dayNames = locale == .en ? SchoolDay.dayNamesEn : SchoolDay.dayNames
        let byDay = (0..<SchoolDay.days).compactMap { d -> DayItem? in
            let periods = mine.filter { $0.day == d }.sorted { $0.period < $1.period }
                .map { "\($0.period + 1) · \(SchoolDay.label($0.period))　\(names[$0.schoolId] ?? "")" }
            return periods.isEmpty ? nil : DayItem(day: dayNames[d], periods: periods)
        }
        return try await req.page("exchange/my_itinerant", MyWeekPage(
            layout: req.layout("ex.it.mine"), subject: me.subject.label(locale), periods: mine.count, max: me.maxPeriods, schools: schools,
            days: dayNames, rows: rows, home: names[me.homeSchoolId] ?? "", byDay: byDay))
    }

    func itinerantForm(_ req: Request, _ body: @escaping @Sendable (ItinerantService, Int?, [String: String]) async throws -> Void) async throws -> Response {
        try req.requireActor().require(.exchangeItinerant)
        let district = try RegistryAPI.Query(req).int("district")
        let fields = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            try await body(ItinerantService(req), district, fields)
            return req.redirect(to: ExchangeRoute.itinerant.path() + (district.map { "?district=\($0)" } ?? ""), flash: Self.t(req, "ex.it.saved"))
        } catch let e as DomainError where e.kind == .invalid {
            let messages = e.fieldMessages(req.uiLocale).sorted { $0.key < $1.key }.map(\.value)
            return try await itinerantPage(req, district: district, errors: messages, status: e.formStatus)
        }
    }

    func itinerantTeacher(req: Request) async throws -> Response {
        try await itinerantForm(req) { s, d, f in
            if let remove = f["remove"].flatMap({ Int($0) }) { try await s.removeTeacher(district: d, teacherId: remove); return }
            try await s.putTeacher(district: d, teacherId: Int(f["teacherId"] ?? ""), subject: f["subject"], maxPeriods: Int(f["maxPeriods"] ?? ""))
        }
    }

    func itinerantDemand(req: Request) async throws -> Response {
        try await itinerantForm(req) { s, d, f in
            var cells: [String: String] = [:]
            for (k, v) in f where k.hasPrefix("d_") { cells[String(k.dropFirst(2))] = v }
            try await s.putDemand(district: d, cells: cells)
        }
    }

    func itinerantTravel(req: Request) async throws -> Response {
        try await itinerantForm(req) { s, d, f in
            var cells: [String: String] = [:]
            for (k, v) in f where k.hasPrefix("m_") { cells[String(k.dropFirst(2))] = v }
            try await s.putTravel(district: d, cells: cells)
        }
    }
}
