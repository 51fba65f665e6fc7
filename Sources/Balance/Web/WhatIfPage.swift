import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// 模拟测算: the trial lives in the URL (`m=teacher:school:part`, `f=school:facility:amount`),
/// so it can be bookmarked, sent to a colleague, and never writes anything.
extension BalancePages {
    struct WhatIfState: Sendable {
        var moves: [BalanceService.MoveRequest] = []
        var facilities: [Scenario.FacilityChange] = []
        var params: [(String, String)] = []

        init(_ req: Request) {
            for pair in (req.url.query ?? "").split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
                guard kv.count == 2 else { continue }
                params.append((kv[0], kv[1]))
                if kv[0] == "m" {
                    let p = kv[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                    if p.count >= 2, let t = Int(p[0]), let s = Int(p[1]) { moves.append(.init(teacherId: t, toSchoolId: s, toPart: p.count > 2 && !p[2].isEmpty ? p[2] : nil)) }
                } else if kv[0] == "f" {
                    let p = kv[1].split(separator: ":").map(String.init)
                    if p.count == 3, let s = Int(p[0]), let f = Facility.parse(p[1]), let a = Double(p[2]), a.isFinite { facilities.append(.init(schoolId: s, facility: f, amount: a)) }
                }
            }
        }
        func values(_ key: String) -> [String] { params.filter { $0.0 == key }.map(\.1) }
        func value(_ key: String) -> String? { values(key).first }
        var encodedChanges: [String] {
            moves.map { "m=\($0.teacherId):\($0.toSchoolId):\($0.toPart ?? "")" } + facilities.map { "f=\($0.schoolId):\($0.facility.rawValue):\(Fmt.n($0.amount, 2))" }
        }
    }

    struct ChangeLine: Encodable, Sendable { let text: String; let remove: String }
    struct TeacherChoice: Encodable, Sendable { let id: Int; let name: String; let detail: String }
    struct CompareRow: Encodable, Sendable { let label: String; let before: String; let after: String; let delta: String; let better: Bool?; let passBefore: Bool; let passAfter: Bool }
    struct CompareTable: Encodable, Sendable { let title: String; let rows: [CompareRow]; let passBefore: Bool; let passAfter: Bool; let changed: [String] }
    struct WhatIfPage: Encodable, Sendable {
        let layout: Layout
        let chrome: BalanceChrome
        let base: String
        let keep: [KeyValue]
        let changes: [ChangeLine]
        let clear: String
        let schools: [SelectOption]
        let fromSchools: [SelectOption]
        let teachers: [TeacherChoice]
        let fromSchool: String?
        let facilities: [SelectOption]
        let parts: [SelectOption]
        let tooMany: Bool
        let results: [CompareTable]
        let error: String?
    }
    struct KeyValue: Encodable, Sendable { let key: String; let value: String }

    func whatIf(req: Request) async throws -> Response {
        let locale = req.uiLocale
        let q = try BalanceQuery(req)
        var state = WhatIfState(req)
        let service = BalanceService(req)
        let registry = RegistryService(req)
        let actor = try req.requireActor()
        // A trial moves teachers: for those who read the registry (not a city or province).
        try actor.require(.registryRead)
        try actor.require(.balanceRead)
        let year = q.year ?? service.today.year

        // Adding a change: fold it into the URL and redirect, so the page always shows one state.
        if let add = state.value("add") {
            var extra: [String] = []
            if add == "move", let to = state.value("to"), !to.isEmpty {
                for t in state.values("teacher") { extra.append("m=\(t):\(to):\(state.value("toPart") ?? "")") }
            } else if add == "facility", let s = state.value("fschool"), let f = state.value("facility"), let a = state.value("amount").flatMap({ Double($0.trimmed) }), a != 0, a.isFinite {
                extra.append("f=\(s):\(f):\(a)")
            }
            let path = BalanceRoute.whatIf.path() + "?" + ([q.string(year: year)] + state.encodedChanges + extra).joined(separator: "&")
            return req.redirect(to: path)
        }

        let rows = try await RegistryStore.schoolYear(year, stages: BalanceStore.compulsoryStages, district: q.district, districts: q.district == nil ? actor.countyDistricts : nil, on: req.db)
        let districtOf = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0.districtId) })
        let inScope = rows.filter { actor.covers(schoolId: $0.id, districtId: $0.districtId) }
        let tooMany = inScope.count > 1500
        // Names only of the schools the caller may see: a change naming another scope's school is
        // refused below, and its line must not name it either.
        let names = Dictionary(uniqueKeysWithValues: inScope.map { ($0.id, $0.name) })
        let base = BalanceRoute.whatIf.path() + "?" + q.string(year: year)

        var error: String?
        var scenario = Scenario()
        var lines: [ChangeLine] = []
        do {
            scenario = try await service.scenario(moves: state.moves, facilities: state.facilities)
        } catch let e as DomainError {
            error = e.summary(locale)
        }
        let all = state.encodedChanges
        for (k, m) in state.moves.enumerated() {
            let t = try? await registry.teacher(id: m.teacherId)
            let text = L10n.text("wi.moveLine", locale, t?.name ?? "#\(m.teacherId)", t.flatMap { names[$0.schoolId] ?? $0.schoolName } ?? "?", (names[m.toSchoolId] ?? "#\(m.toSchoolId)") + (m.toPart.flatMap(StagePart.parse).map { "（\($0.label(locale))）" } ?? ""))
            lines.append(ChangeLine(text: text, remove: ([base] + all.enumerated().filter { $0.offset != k }.map(\.element)).joined(separator: "&")))
        }
        for (k, f) in state.facilities.enumerated() {
            let unit = locale == .en ? f.facility.unitEn : f.facility.unitZh
            let text = L10n.text("wi.facilityLine", locale, names[f.schoolId] ?? "#\(f.schoolId)", f.facility.label(locale), (f.amount > 0 ? "+" : "") + Fmt.n(f.amount, f.amount == f.amount.rounded() ? 0 : 2), unit)
            let index = state.moves.count + k
            lines.append(ChangeLine(text: text, remove: ([base] + all.enumerated().filter { $0.offset != index }.map(\.element)).joined(separator: "&")))
        }

        var results: [CompareTable] = []
        if error == nil && !scenario.isEmpty {
            let before = try await service.reports(standards: [q.standard], year: year, district: q.district, county: q.county)
            let after = try await service.reports(standards: [q.standard], year: year, district: q.district, county: q.county, scenario: scenario)
            for (b, a) in zip(before, after) {
                results.append(Self.compare(b.result, a.result, locale: locale, visible: service.visible))
            }
        }

        // The teachers of the chosen "from" school, to tick.
        var teachers: [TeacherChoice] = []
        let from = state.value("from").flatMap(Int.init)
        if let from, districtOf[from] != nil {
            let list = try await registry.teachers(filter: TeacherFilter(school: from, sort: "name"), page: PageSpec(page: 1, per: 200))
            teachers = list.items.map { t in
                let parts = [Education(rawValue: t.education)?.label(locale), Title(rawValue: t.title)?.label(locale),
                             Backbone(rawValue: t.backbone).flatMap { $0 == .none ? nil : $0.label(locale) + (locale == .en ? " backbone" : "骨干") },
                             Vocab.label(kind: "subject", raw: t.subjects, locale: locale), t.stagePart.flatMap(StagePart.init(rawValue:))?.label(locale)].compactMap { $0 }
                return TeacherChoice(id: t.id, name: t.name, detail: parts.joined(separator: " · "))
            }
        }
        let schoolOptions = tooMany ? [] : inScope.map { SelectOption(value: String($0.id), label: "\($0.name)（\($0.code)）", selected: false) }
        var keep = [KeyValue(key: "year", value: String(year)), KeyValue(key: "standard", value: q.standard.rawValue), KeyValue(key: "stage", value: q.part.rawValue),
                    KeyValue(key: "district", value: String(q.district ?? 0))]
        keep += all.map { c in let kv = c.split(separator: "=", maxSplits: 1).map(String.init); return KeyValue(key: kv[0], value: kv[1]) }
        let page = WhatIfPage(
            layout: req.layout("nav.balance", title: L10n.text("wi.title", locale)),
            chrome: try await BalanceChrome.make(req, active: BalanceRoute.whatIf, q: q, year: year),
            base: base, keep: keep, changes: lines, clear: base,
            schools: schoolOptions,
            fromSchools: tooMany ? [] : inScope.map { SelectOption(value: String($0.id), label: "\($0.name)（\($0.code)）", selected: $0.id == from) },
            teachers: teachers, fromSchool: from.flatMap { names[$0] },
            facilities: options(Facility.self, selected: nil, locale: locale),
            parts: [SelectOption(value: "", label: L10n.text("wi.samePart", locale), selected: true)] + options(StagePart.self, selected: nil, locale: locale),
            tooMany: tooMany, results: results, error: error)
        return try await req.page("balance/whatif", page)
    }

    static func compare(_ b: BalanceResult, _ a: BalanceResult, locale: UILocale, visible: (BalanceUnit) -> Bool) -> CompareTable {
        var rows: [CompareRow] = []
        for (cb, ca) in zip(b.coefficients, a.coefficients) {
            let d = (ca.value ?? 0) - (cb.value ?? 0)
            rows.append(CompareRow(label: Fmt.indicator(cb.indicator, locale), before: cb.value.map { Fmt.n($0) } ?? "—", after: ca.value.map { Fmt.n($0) } ?? "—",
                                   delta: abs(d) < 0.0005 ? "0" : (d > 0 ? "+" : "") + Fmt.n(d), better: abs(d) < 0.0005 ? nil : d < 0, passBefore: cb.pass, passAfter: ca.pass))
        }
        if let cb = b.composite, let ca = a.composite {
            let d = ca - cb
            rows.append(CompareRow(label: L10n.text("bal.composite", locale), before: Fmt.n(cb), after: Fmt.n(ca), delta: abs(d) < 0.0005 ? "0" : (d > 0 ? "+" : "") + Fmt.n(d),
                                   better: abs(d) < 0.0005 ? nil : d < 0, passBefore: cb <= b.rules.limit(b.standard, b.part), passAfter: ca <= a.rules.limit(a.standard, a.part)))
        }
        var changed: [String] = []
        if b.standard == .quality {
            let before = Dictionary(uniqueKeysWithValues: b.standings.map { ($0.unit.schoolId, $0.check?.pass ?? false) })
            for s in a.standings where visible(s.unit) {
                let was = before[s.unit.schoolId] ?? false, now = s.check?.pass ?? false
                if was != now { changed.append("\(Fmt.unitName(s.unit, locale))：\(L10n.text(now ? "wi.nowPass" : "wi.nowFail", locale))") }
            }
        }
        let title = locale == .en ? "\(b.part.en) · \(b.standard.en)" : "\(b.part.zh) · \(b.standard.zh)"
        return CompareTable(title: title, rows: rows, passBefore: b.pass, passAfter: a.pass, changed: changed)
    }
}
