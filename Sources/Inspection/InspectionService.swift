import Balance
import Certification
import Exchange
import Fluent
import Foundation
import Registry
import SQLKit
import Teaching
import Vapor
import XuequCore
import XuequKit

extension Permission {
    /// The county's readiness, the report, entering figures and running the survey (the bureau).
    public static let inspectionRead: Permission = "inspection:read"
    public static let inspectionWrite: Permission = "inspection:write"
    /// One school's own standing against the school-level indicators (district and school offices).
    public static let inspectionSchool: Permission = "inspection:school"
    /// A city's or province's thresholds, inherited by the counties below it (issue 30).
    public static let inspectionRulesArea: Permission = "inspection:rules:area"
}

/// One indicator a school fails, for the list of schools.
public struct SchoolFailing: Sendable {
    public let def: IndicatorDef
    public let part: String?
    public let label: String?
    public let shortfall: String
}

/// A school that fails an indicator, and by how much, in the unit people use.
public struct Failing: Sendable, Codable, Equatable {
    public let schoolId: Int?
    public let name: String
    public let shortfall: String
    /// The part of a nine-year or twelve-year school the shortfall is in (小学 / 初中), when the
    /// indicator is judged by part.
    public var part: String? = nil
    /// The indicator's short name for lists (百生高学历教师), when its full name is long.
    public var label: String? = nil
}

/// One indicator's standing for a year.
public struct IndicatorResult: Sendable {
    public struct Part: Sendable { public let part: BalancePart; public let value: Double?; public let limit: Double; public let pass: Bool }
    public let def: IndicatorDef
    /// The figure judged: a percentage for rates and shares, yuan for amounts, the primary
    /// coefficient for the resource indicators (both parts in `parts`); nil for a declaration.
    public let value: Double?
    public let valueText: String
    public let threshold: Double?
    public let requirement: String
    /// nil: no data yet (not entered, or nothing to count).
    public let met: Bool?
    public let failing: [Failing]
    public let parts: [Part]
    public let entry: EntryRow?
    /// How the figure was counted, in words.
    public let basis: String
}

public struct VetoResult: Sendable {
    public let def: VetoDef
    public let triggered: Bool
    /// Whether the bureau has declared it (or, for the survey's, whether a round has answers).
    public let declared: Bool
    public let entry: EntryRow?
}

public struct Readiness: Sendable {
    public let year: Int
    public let rules: InspectionRules
    public let indicators: [IndicatorResult]
    public let vetoes: [VetoResult]
    /// Compulsory school parts meeting at least 6 of the 7 resource standards, of all.
    public let schoolsMeeting: Int
    public let schoolParts: Int
    public var met: Int { indicators.filter { $0.met == true }.count }
    public var missing: [IndicatorResult] { indicators.filter { $0.met == nil } }
    public var total: Int { indicators.count }
    public var vetoed: Bool { vetoes.contains { $0.triggered } }
    public var passed: Bool { met == total && !vetoed }
    public func indicator(_ code: String) -> IndicatorResult? { indicators.first { $0.def.code == code } }
}

public struct EntryRow: Codable, Sendable {
    public let year: Int
    public let code: String
    public let value: Double?
    public let met: Bool?
    public let note: String
    public let evidenceHash: String?
    public let evidenceName: String?
    public let evidenceKind: String?
    public let enteredBy: String
    public let enteredAt: Double
}

public struct InspectionService: Sendable {
    let ctx: ServiceContext
    var db: any Database { ctx.db }
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }
    public var today: CivilDate { ctx.today }
    static let decoder = SQLRowDecoder.snakeCase
    public static let word = LocalizedText(zh: "督导评估指标", en: "indicator")

    /// The compulsory stages the school-level indicators count (teaching points included where
    /// the method names them: size and class size).
    static let stages: [Stage] = [.primary, .junior, .nineYear, .twelveYear, .completeSecondary, .teachingPoint]

    /// A year the inspection may be asked about: 2000 … next year; nil is the latest year with
    /// school conditions (or this year).
    public func year(_ y: Int?) async throws -> Int {
        if let y {
            guard y >= 2000, y <= today.year + 1 else {
                throw DomainError.validation(["year": LocalizedText(zh: "年度应在2000到\(today.year + 1)之间", en: "year must be between 2000 and \(today.year + 1)")])
            }
            return y
        }
        return try await years().first ?? today.year
    }

    /// The thresholds a county is judged by in a year: its own version, else its city's, else its
    /// province's, else the database's (national values when none).
    public func rules(year: Int, county: String?) async throws -> InspectionRules {
        try await Self.rulesInForce(on: CivilDate.endOf(year: year), chain: try await chain(county), db: db)?.version.rules ?? .national
    }

    /// An area and the areas above it, nearest first (GB/T 2260 tree), kept until the tree changes.
    func chain(_ code: String?) async throws -> [String] {
        guard let code else { return [] }
        let db = self.db
        return try await ctx.kept("areas.chain|\(code)", areas: ["areas"]) { try await AreaStore.ancestors(of: code, on: db) }
    }

    /// The area whose thresholds the caller sets: a county's bureau its county's (alone in its
    /// database or among several: its own version comes before any city's or province's), a city
    /// or province its own; 403 for anyone else.
    func rulesArea(_ actor: Actor) async throws -> String? {
        switch actor.scope {
        case .oneCounty(let c):
            try actor.require(.inspectionWrite)
            return c.code
        case .county:
            try actor.require(.inspectionWrite)
            return try await area(actor).code
        case .counties(let a):
            try actor.require(.inspectionRulesArea)
            return a.code
        default: throw DomainError.forbidden
        }
    }

    /// Whether the caller may add a version of the thresholds (for its own area).
    public static func setsRules(_ a: Actor?) -> Bool {
        guard let a else { return false }
        switch a.scope {
        case .county, .oneCounty: return a.can(.inspectionWrite)
        case .counties: return a.can(.inspectionRulesArea)
        default: return false
        }
    }

    /// The versions that bear on the caller: the database's and those of its area and the areas
    /// above it (a county's bureau does not see another county's, nor a city another city's).
    public func ruleVersions() async throws -> [DatedRules.AreaVersion<InspectionRules>] {
        let actor = try ctx.requireActor()
        let code: String?
        switch actor.scope {
        case .county, .oneCounty:
            try actor.require(.inspectionRead)
            code = try await area(actor).code
        case .counties(let a):
            try actor.require(.inspectionRulesArea)
            code = a.code
        default: throw DomainError.forbidden
        }
        return try await Self.ruleVersions(areas: try await chain(code), on: db)
    }

    public func addRules(_ rules: InspectionRules, effectiveFrom: String?, note: String?) async throws {
        let actor = try ctx.requireActor()
        // Each sets its own area's version: a county among several its county's, a city or
        // province its own (the counties below inherit it), the bureau of one county the database's.
        let area = try await rulesArea(actor)
        var e = FieldErrors()
        let date = effectiveFrom.flatMap { CivilDate(parsing: $0.trimmed) }
        if date == nil { e.add("effectiveFrom", "请填写生效日期（如2024-01-01）", "enter the date it takes effect (e.g. 2024-01-01)") }
        // No backdating: a figure already judged is not judged again by a rule made later.
        if let d = date, d < today { e.add("effectiveFrom", "生效日期不能早于今天（\(today)）", "it cannot take effect before today (\(today))") }
        let n = (note ?? "").trimmed
        if n.visibleCount == 0 || n.unicodeScalars.count > 200 {
            e.add("note", "请填写依据（200字以内），如省级细则的文号", "name the source (at most 200 characters), e.g. the province's rules")
        }
        do { try rules.validate() } catch let err as DomainError { for (k, v) in err.fields { e.add(k, v) } }
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now
        try await ctx.write { tx in
            try await Self.insertRules(rules, effectiveFrom: date!, note: n, by: actor.username, area: area, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "inspection.rules", entity: "inspection_rules", entityId: date!.description, summary: n)
        }
    }

    /// Whether the actor sets what every county reads (the thresholds, the questionnaire): the
    /// bureau of a database's only county, never one county's bureau among several.
    public static func setsDatabaseWide(_ a: Actor?) -> Bool {
        guard let a, a.can(.inspectionWrite) else { return false }
        return a.oneCounty == nil
    }

    /// A county bureau among several changing what every county reads (the thresholds, the questionnaire).
    static let databaseWide = DomainError(
        .forbidden, code: "database_wide",
        LocalizedText(zh: "评估标准和问卷题目适用于本平台的所有县，县教育局不能修改", en: "the thresholds and the questionnaire are every county's: not one county's to change"))

    /// The county an inspection question is about: the bureau's own (among several: its
    /// districts; alone in its database: every district), or a district's, school's or teacher's.
    public struct InspectionArea: Sendable {
        public let code: String?
        /// nil: every district of the database.
        public let districts: [Int]?
        var key: String { "\(code ?? "-")|\(districts?.count ?? 0)" }
    }

    public func area(_ a: Actor) async throws -> InspectionArea {
        switch a.scope {
        case .oneCounty(let c): return InspectionArea(code: c.code, districts: c.districts.sorted())
        case .county:
            if let code = a.areaCode { return InspectionArea(code: code, districts: nil) }
            return InspectionArea(code: try await AreaStore.soleCounty(on: db), districts: nil)
        default:
            guard let d = a.districtId else { return InspectionArea(code: nil, districts: nil) }
            let c = try await ctx.countyArea(ofDistrict: d)
            return InspectionArea(code: c.code, districts: c.districts)
        }
    }

    /// The name of the caller's county, for the report's title (nil when it has none).
    public func countyName() async throws -> String? {
        guard let code = try await area(try ctx.requireActor()).code else { return nil }
        return try await AreaStore.area(code: code, on: db)?.name
    }

    // MARK: readiness

    /// Every indicator for the county and year: computed from the platform's records where it
    /// has them, otherwise from the bureau's entries. Kept until any of the records it reads changes.
    public func readiness(year raw: Int?) async throws -> Readiness {
        let actor = try ctx.requireActor()
        try actor.require(.inspectionRead)
        guard actor.isCountyBureau else { throw DomainError.forbidden }
        let y = try await year(raw)
        let reader = try await ctx.reporting()
        let locale = ctx.locale
        let area = try await self.area(actor)
        return try await reader.kept(
            "inspection.readiness|\(y)|\(area.key)|\(locale == .en ? "en" : "zh")",
            areas: ["registry", "classes", "balance", "exchange", "training", "certificates", "inspection", "inspcounty", "areas"]
        ) {
            try await InspectionService(reader).compute(year: y, area: area)
        }
    }

    /// The county's readiness in each of the latest five years with school conditions, oldest first.
    public func trend() async throws -> [Readiness] {
        var out: [Readiness] = []
        for y in try await years().prefix(5).reversed() { out.append(try await readiness(year: y)) }
        return out
    }

    /// The school-level indicators of every school for a year (no rotation, no entries), kept until
    /// what they read changes; one computation serves every reader, each shown their own schools.
    func schoolLevel(year y: Int) async throws -> Readiness {
        let reader = try await ctx.reporting()
        let locale = ctx.locale
        let area = try await self.area(try ctx.requireActor())
        return try await reader.kept(
            "inspection.schools|\(y)|\(area.key)|\(locale == .en ? "en" : "zh")",
            areas: ["registry", "classes", "balance", "training", "certificates", "inspection", "inspcounty", "areas"]
        ) {
            try await InspectionService(reader).compute(year: y, area: area, schoolLevelOnly: true)
        }
    }

    /// The school-level indicators of one school (its office, its district, the bureau).
    public func school(id: Int, year raw: Int?) async throws -> (SchoolRow, Readiness) {
        let actor = try ctx.requireActor()
        guard actor.can(.inspectionSchool) || actor.can(.inspectionRead) else { throw DomainError.forbidden }
        guard let s = try await RegistryStore.school(id: id, on: db), actor.covers(schoolId: s.id, districtId: s.districtId) else {
            throw DomainError.notFound(LocalizedText(zh: "学校", en: "school"))
        }
        let y = try await year(raw)
        let r = try await schoolLevel(year: y)
        return (s, r)
    }

    /// The schools of the caller's area (a district's, or the county's with `district`) with
    /// the school-level indicators each fails.
    public func schools(year raw: Int?, district: Int?) async throws -> (year: Int, rows: [(school: SchoolYearRow, failing: [SchoolFailing])]) {
        let actor = try ctx.requireActor()
        guard actor.can(.inspectionSchool) || actor.can(.inspectionRead) else { throw DomainError.forbidden }
        if let district {
            guard try await RegistryStore.district(id: district, on: db) != nil else { throw DomainError.notFound(LocalizedText(zh: "学区", en: "district")) }
            if !actor.covers(districtId: district) { throw DomainError.forbidden }
        }
        let y = try await year(raw)
        let r = try await schoolLevel(year: y)
        let d = district ?? actor.districtId
        let schools = try await RegistryStore.schoolYear(y, stages: Self.stages, district: d, on: db).filter {
            actor.covers(schoolId: $0.id, districtId: $0.districtId)
        }
        var failing: [Int: [SchoolFailing]] = [:]
        for i in r.indicators {
            for f in i.failing {
                if let sid = f.schoolId { failing[sid, default: []].append(SchoolFailing(def: i.def, part: f.part, label: f.label, shortfall: f.shortfall)) }
            }
        }
        let rows = schools.map { (school: $0, failing: failing[$0.id] ?? []) }.sorted {
            ($0.failing.count, $1.school.code) > ($1.failing.count, $0.school.code)
        }
        return (y, rows)
    }

    func compute(year y: Int, area: InspectionArea, schoolLevelOnly: Bool = false) async throws -> Readiness {
        let loc = ctx.locale
        let rules = try await rules(year: y, county: area.code)
        let entries = try await entries(year: y, county: area.code)
        var results: [IndicatorResult] = []
        func pct(_ x: Double) -> String { String(format: "%.1f%%", x) }
        func t(_ zh: String, _ en: String) -> String { loc == .en ? en : zh }

        // 资源配置: Balance's quality standard, both parts.
        let reports = try await BalanceService(ctx).reports(standards: [.quality], parts: [.primary, .junior], year: y, district: nil)
        let cvLimits = reports.map { r in (r.result.part, r.result.rules) }
        var extra: [String: String] = [:]
        for r in reports {
            let limit = r.result.coefficients.first?.limit ?? 0
            extra[r.result.part == .primary ? "cvp" : "cvj"] = InspectionRules.n(limit)
        }
        _ = cvLimits
        var meetingSix = 0, parts = 0
        for r in reports {
            for s in r.result.standings { parts += 1; if s.check?.pass ?? false { meetingSix += 1 } }
        }
        for (k, indicator) in Indicator.quality.enumerated() {
            let def = Catalogue.indicators[k]
            var failing: [Failing] = []
            var partValues: [IndicatorResult.Part] = []
            for r in reports {
                let c = r.result.coefficients[k]
                partValues.append(.init(part: r.result.part, value: c.value, limit: c.limit, pass: c.pass))
                if let std = r.result.rules.standard(indicator, r.result.part) {
                    if r.result.part == .primary { extra["r\(k + 1)p"] = InspectionRules.n(std) } else { extra["r\(k + 1)j"] = InspectionRules.n(std) }
                }
                for s in r.result.standings where s.gaps[k] > 0 {
                    failing.append(
                        Failing(
                            schoolId: s.unit.schoolId, name: s.unit.name + (r.result.part == .junior ? t("（初中）", " (junior)") : ""),
                            shortfall: t("缺", "short of ") + indicator.amountText(s.gaps[k], loc), part: r.result.part.label(loc),
                            label: loc == .en ? indicator.shortEn : indicator.shortZh))
                }
            }
            let withData = partValues.filter { $0.value != nil }
            let met: Bool? = withData.isEmpty ? nil : withData.allSatisfy(\.pass) && failing.isEmpty
            let text = partValues.map { p in "\(p.part.label(loc)) \(p.value.map { String(format: "%.3f", $0) } ?? "—")" }.joined(separator: t("，", ", "))
            results.append(
                IndicatorResult(
                    def: def, value: partValues.first?.value, valueText: text, threshold: partValues.first?.limit, requirement: "",
                    met: met, failing: failing, parts: partValues, entry: nil,
                    basis: t(
                        "差异系数（按在校生加权）及每校达标情况；未达标学校按缺额列出", "coefficient (enrolment-weighted) and each school's standard; schools below it with what they lack")))
        }

        // School-level facts for G3, G4, G5, G9, G12.
        let schools = try await RegistryStore.schoolYear(y, stages: Self.stages, district: nil, districts: area.districts, on: db)
        let rooms = try await RegistryStore.classesRooms(year: y, on: db)
        let stageOf = Dictionary(uniqueKeysWithValues: schools.map { ($0.id, Stage(rawValue: $0.stage) ?? .primary) })
        let nameOf = Dictionary(uniqueKeysWithValues: schools.map { ($0.id, $0.name) })

        // G3 music and art rooms.
        do {
            var failing: [Failing] = [], ok = 0, counted = 0
            for s in schools where stageOf[s.id] != .teachingPoint {
                guard let c = rooms[s.id] else {
                    failing.append(Failing(schoolId: s.id, name: s.name, shortfall: t("未填报班级与专用教室", "classes and rooms not entered"))); continue
                }
                counted += 1
                let need = c.classes == 0 ? 0 : Int((Double(c.classes) / Double(rules.classesPerRoom)).rounded(.up))
                var lacks: [String] = []
                if c.musicRooms < need { lacks.append(t("缺音乐专用教室 \(need - c.musicRooms) 间", "\(need - c.musicRooms) music room(s) short")) }
                if c.artRooms < need { lacks.append(t("缺美术专用教室 \(need - c.artRooms) 间", "\(need - c.artRooms) art room(s) short")) }
                let musicAvg = c.musicRooms > 0 ? NSDecimalNumber(decimal: c.musicArea).doubleValue / Double(c.musicRooms) : 0
                let artAvg = c.artRooms > 0 ? NSDecimalNumber(decimal: c.artArea).doubleValue / Double(c.artRooms) : 0
                if c.musicRooms > 0 && musicAvg + 1e-9 < rules.musicRoomArea {
                    lacks.append(
                        t(
                            "音乐教室平均 \(Int(musicAvg)) ㎡，不足 \(InspectionRules.n(rules.musicRoomArea)) ㎡",
                            "music rooms average \(Int(musicAvg)) m², below \(InspectionRules.n(rules.musicRoomArea))"))
                }
                if c.artRooms > 0 && artAvg + 1e-9 < rules.artRoomArea {
                    lacks.append(
                        t(
                            "美术教室平均 \(Int(artAvg)) ㎡，不足 \(InspectionRules.n(rules.artRoomArea)) ㎡",
                            "art rooms average \(Int(artAvg)) m², below \(InspectionRules.n(rules.artRoomArea))"))
                }
                if lacks.isEmpty { ok += 1 } else { failing.append(Failing(schoolId: s.id, name: s.name, shortfall: lacks.joined(separator: t("；", "; ")))) }
            }
            let total = schools.filter { stageOf[$0.id] != .teachingPoint }.count
            let v = total > 0 ? Double(ok) * 100 / Double(total) : nil
            results.append(
                result(
                    "G3", rules, loc, extra, value: v, text: v.map { t("\(ok)/\(total) 所学校达标（\(pct($0))）", "\(ok) of \(total) schools (\(pct($0)))") } ?? "—",
                    threshold: 100, met: total == 0 ? nil : (counted == 0 ? nil : failing.isEmpty), failing: failing,
                    basis: t(
                        "每校班级总数÷\(rules.classesPerRoom)向上取整为应配间数；面积按每间平均",
                        "rooms needed = classes ÷ \(rules.classesPerRoom), rounded up; area averaged per room")))
        }
        // G4 school size.
        do {
            var failing: [Failing] = [], counted = 0
            for s in schools where s.hasConditions {
                counted += 1
                let pupils = (s.studentsPrimary ?? 0) + (s.studentsJunior ?? 0)
                let large = stageOf[s.id] == .nineYear || stageOf[s.id] == .twelveYear
                let limit = large ? rules.schoolSizeLarge : rules.schoolSize
                if pupils > limit {
                    failing.append(
                        Failing(
                            schoolId: s.id, name: s.name, shortfall: t("在校生 \(pupils) 人，超出 \(pupils - limit) 人", "\(pupils) pupils, \(pupils - limit) over")))
                }
            }
            let v = counted > 0 ? Double(counted - failing.count) * 100 / Double(counted) : nil
            results.append(
                result(
                    "G4", rules, loc, extra, value: v,
                    text: v.map {
                        t("\(counted - failing.count)/\(counted) 所学校规模达标（\(pct($0))）", "\(counted - failing.count) of \(counted) schools (\(pct($0)))")
                    } ?? "—",
                    threshold: 100, met: counted == 0 ? nil : failing.isEmpty, failing: failing,
                    basis: t("义务教育阶段在校生（小学＋初中）", "compulsory pupils (primary + junior)")))
        }
        // G5 class size.
        do {
            var failing: [Failing] = [], classes = 0, over = 0, missing = 0
            for s in schools {
                guard let c = rooms[s.id] else { missing += 1; continue }
                let p = c.primaryClasses.filter { $0 > rules.classPrimary }.count, j = c.juniorClasses.filter { $0 > rules.classJunior }.count
                classes += c.classes; over += p + j
                var lacks: [String] = []
                if p > 0 { lacks.append(t("\(p) 个班超过 \(rules.classPrimary) 人", "\(p) classes over \(rules.classPrimary)")) }
                if j > 0 { lacks.append(t("\(j) 个初中班超过 \(rules.classJunior) 人", "\(j) junior classes over \(rules.classJunior)")) }
                if !lacks.isEmpty { failing.append(Failing(schoolId: s.id, name: s.name, shortfall: lacks.joined(separator: t("；", "; ")))) }
            }
            let v = classes > 0 ? Double(classes - over) * 100 / Double(classes) : nil
            let missingNote = missing > 0 ? t("；\(missing) 所学校未填报班级", "; \(missing) schools without classes entered") : ""
            results.append(
                result(
                    "G5", rules, loc, extra, value: v,
                    text: v.map {
                        t("\(classes) 个班中 \(over) 个超额（达标 \(pct($0))）", "\(over) of \(classes) classes over the limit (\(pct($0)) within)") + missingNote
                    } ?? "—",
                    threshold: 100, met: classes == 0 ? nil : (failing.isEmpty && missing == 0), failing: failing,
                    basis: t("每个班的学生数，按学校填报的各班人数", "each class's pupils, as the schools entered them")))
        }

        // Teachers of the compulsory schools: G9 training, G12 qualification, each one aggregate
        // in the database (a province-size county's teachers are not read one by one).
        do {
            let window = (y - rules.trainingYears + 1)...y
            // A cycle the platform has only partly recorded is judged pro rata: the years of the
            // window that have any programme count, each for 1/5 of the 360 hours.
            let recorded = try await TeachingYear.programmeEndYears(county: area.code, on: db).filter { window.contains($0) }
            let due = recorded.isEmpty ? rules.trainingHours : rules.trainingHours * Double(recorded.count) / Double(rules.trainingYears)
            var short: [Int: Int] = [:]
            var counted = 0, done = 0
            for (sid, c) in try await TeachingYear.completionBySchool(years: window, due: due, on: db) where stageOf[sid] != nil {
                counted += c.teachers; done += c.done
                if c.teachers > c.done { short[sid] = c.teachers - c.done }
            }
            let failing = short.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { (sid, n) in
                Failing(
                    schoolId: sid, name: nameOf[sid] ?? "#\(sid)",
                    shortfall: t("\(n) 名教师不足 \(InspectionRules.n(due)) 学时", "\(n) teachers under \(InspectionRules.n(due)) hours"))
            }
            let v = counted == 0 ? nil : Double(done) * 100 / Double(counted)
            let perYear = InspectionRules.n(rules.trainingHours / Double(rules.trainingYears))
            let years = recorded.sorted().map(String.init)
            results.append(
                result(
                    "G9", rules, loc, extra, value: v,
                    text: v.map { t("\(done)/\(counted) 名教师完成（\(pct($0))）", "\(done) of \(counted) teachers (\(pct($0)))") } ?? "—",
                    threshold: rules.trainingShare, met: v.map { $0 + 1e-9 >= rules.trainingShare }, failing: failing,
                    basis: recorded.count >= rules.trainingYears || recorded.isEmpty
                        ? t("\(window.lowerBound)—\(y) 年结束的培训项目中出勤计入的学时", "hours credited in programmes that ended in \(window.lowerBound)–\(y)")
                        : t(
                            "平台仅有 \(years.joined(separator: "、")) 年的培训记录，按每年 \(perYear) 学时折算为 \(InspectionRules.n(due)) 学时",
                            "the platform has training records for \(years.joined(separator: ", ")) only: \(perYear) hours a year, \(InspectionRules.n(due)) due"
                        )))
        }
        do {
            let held = try await CertificateLookup.holders(on: db)
            let tally = try await RegistryStore.qualificationTally(stages: Self.stages, candidates: Array(held.keys), on: db)
            // Uncovered by the registry, less those a certificate of this county covers.
            var lacking: [Int: Int] = [:]
            // The county's schools only (the tally counts the database's).
            for (sid, n) in tally.teachers where stageOf[sid] != nil && n > (tally.covered[sid] ?? 0) { lacking[sid] = n - (tally.covered[sid] ?? 0) }
            for u in tally.uncovered where stageOf[u.schoolId] != nil {
                let issued = held[u.residentId].flatMap { CertificateType(rawValue: $0.type) }
                if issued?.covers(part: u.stagePart.flatMap(StagePart.init(rawValue:)), stage: Stage(rawValue: u.stage) ?? .primary) ?? false {
                    lacking[u.schoolId, default: 0] -= 1
                }
            }
            lacking = lacking.filter { $0.value > 0 }
            let counted = tally.teachers.filter { stageOf[$0.key] != nil }.values.reduce(0, +), ok = counted - lacking.values.reduce(0, +)
            let failing = lacking.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { (sid, n) in
                Failing(
                    schoolId: sid, name: nameOf[sid] ?? "#\(sid)",
                    shortfall: t("\(n) 名教师无任教学段的教师资格", "\(n) teachers without a qualification for the stage taught"))
            }
            let v = counted == 0 ? nil : Double(ok) * 100 / Double(counted)
            results.append(
                result(
                    "G12", rules, loc, extra, value: v,
                    text: v.map { t("\(ok)/\(counted) 名专任教师持证（\(pct($0))）", "\(ok) of \(counted) teachers (\(pct($0)))") } ?? "—",
                    threshold: rules.qualifiedShare, met: v.map { $0 + 1e-9 >= rules.qualifiedShare }, failing: failing,
                    basis: t("教师档案登记的资格或本县认定的证书，须覆盖任教学段", "the registry's qualification or a certificate this county issued, covering the stage taught")))
        }

        // S1 satisfaction and its veto.
        let survey = try await surveyTally(year: y, county: area.code)
        do {
            let v = survey.answered > 0 ? Double(survey.satisfied) * 100 / Double(survey.answered) : nil
            // A school's own rate is listed only from `minimumShown` questionnaires on.
            let failing = survey.bySchool.filter { ($0.value.shownRate ?? 1) * 100 < rules.satisfaction }
                .sorted { $0.key < $1.key }.map { (sid, c) in
                    Failing(
                        schoolId: sid, name: nameOf[sid] ?? "#\(sid)",
                        shortfall: t(
                            "满意率 \(pct(Double(c.satisfied) * 100 / Double(c.answered)))", "\(pct(Double(c.satisfied) * 100 / Double(c.answered))) satisfied"))
                }
            results.append(
                result(
                    "S1", rules, loc, extra, value: v,
                    text: v.map { t("\(survey.respondents) 份问卷，满意率 \(pct($0))", "\(survey.respondents) questionnaires, \(pct($0)) satisfied") }
                        ?? t("尚无问卷", "no answers yet"),
                    threshold: rules.satisfaction, met: v.map { $0 + 1e-9 >= rules.satisfaction }, failing: failing,
                    basis: t("“非常满意”“比较满意”的题次占全部作答题次", "answers “very satisfied” or “satisfied” of all answers")))
        }
        if schoolLevelOnly {
            return Readiness(year: y, rules: rules, indicators: results, vetoes: [], schoolsMeeting: meetingSix, schoolParts: parts)
        }

        // G11 rotation (Exchange's quotas, county total).
        do {
            let report = try await ExchangeService(ctx).report(year: y)
            let eligible = report.quotas.reduce(0) { $0 + $1.quota.eligible }, moved = report.quotas.reduce(0) { $0 + $1.quota.moved }
            let required = report.quotas.reduce(0) { $0 + $1.quota.required }, backbone = report.quotas.reduce(0) { $0 + $1.quota.backboneMoved }
            let backboneRequired = report.quotas.reduce(0) { $0 + $1.quota.backboneRequired }
            let failing = report.quotas.filter { !$0.quota.met }.map { q in
                Failing(
                    schoolId: nil, name: q.district,
                    shortfall: t(
                        "交流 \(q.quota.moved)/\(q.quota.required) 人，骨干 \(q.quota.backboneMoved)/\(q.quota.backboneRequired) 人",
                        "moved \(q.quota.moved)/\(q.quota.required), backbone \(q.quota.backboneMoved)/\(q.quota.backboneRequired)"))
            }
            let v = eligible > 0 ? Double(moved) * 100 / Double(eligible) : nil
            let shareBackbone = moved > 0 ? Double(backbone) * 100 / Double(moved) : 0
            results.append(
                result(
                    "G11", rules, loc, extra.merging(["rotation": "10", "backbone": "20"]) { a, _ in a }, value: v,
                    text: v.map {
                        t(
                            "交流 \(moved) 人，占符合条件 \(eligible) 人的 \(pct($0))；骨干占 \(pct(shareBackbone))",
                            "\(moved) of \(eligible) eligible (\(pct($0))); backbone \(pct(shareBackbone))")
                    } ?? "—",
                    threshold: 10, met: eligible == 0 ? nil : (moved >= required && backbone >= backboneRequired), failing: failing,
                    basis: t("\(y) 年已批准、已生效方案中的交流人数，按派出学区计", "moves in approved or effective plans of \(y), counted by sending district")))
        }
        // Q2 disability enrolment (Balance's equity figures).
        do {
            let f = try await BalanceService(ctx).equity(year: y).first { $0.indicator == .disabilityEnrolment }
            let v = f?.rate.map { $0 * 100 }
            results.append(
                result(
                    "Q2", rules, loc, extra, value: v,
                    text: f.map { fig in
                        v.map { t("\(fig.numerator)/\(fig.denominator)（\(pct($0))）", "\(fig.numerator)/\(fig.denominator) (\(pct($0)))") } ?? "—"
                    } ?? t("未填报", "not entered"),
                    threshold: rules.disability, met: v.map { $0 + 1e-9 >= rules.disability }, failing: [],
                    basis: t("均衡模块“教育公平指标”中填报的三类残疾儿童少年入学人数与适龄人数", "the balance module's equity figures: enrolled and school-age children with disabilities")))
        }
        // The entered ones.
        for def in Catalogue.indicators where def.source == .entered {
            let e = entries[def.code]
            let threshold = rules.entryThreshold(def.code)
            let met: Bool?
            let text: String
            switch def.kind ?? .flag {
            case .flag:
                met = e?.met
                text = e.map { $0.met == true ? t("达到", "met") : t("未达到", "not met") } ?? t("未填报", "not entered")
            case .percent, .amount:
                met = e?.value.map { $0 + 1e-9 >= (threshold ?? 0) }
                text =
                    e?.value.map { def.kind == .amount ? t("\(InspectionRules.n($0)) 元", "\(InspectionRules.n($0)) yuan") : pct($0) } ?? t("未填报", "not entered")
            }
            results.append(
                IndicatorResult(
                    def: def, value: e?.value, valueText: text, threshold: threshold, requirement: rules.requirement(def, loc, extra: extra), met: met,
                    failing: [], parts: [], entry: e, basis: t("县教育局填报，附佐证材料", "entered by the bureau with evidence")))
        }
        let order = Dictionary(uniqueKeysWithValues: Catalogue.indicators.enumerated().map { ($1.code, $0) })
        results = results.map { r in
            r.requirement.isEmpty
                ? IndicatorResult(
                    def: r.def, value: r.value, valueText: r.valueText, threshold: r.threshold, requirement: rules.requirement(r.def, loc, extra: extra),
                    met: r.met,
                    failing: r.failing, parts: r.parts, entry: r.entry, basis: r.basis) : r
        }.sorted { order[$0.def.code]! < order[$1.def.code]! }
        let s1 = results.first { $0.def.code == "S1" }
        let vetoes = Catalogue.vetoes.map { v -> VetoResult in
            if v.computed { return VetoResult(def: v, triggered: s1?.met == false, declared: s1?.met != nil, entry: nil) }
            let e = entries[v.code]
            return VetoResult(def: v, triggered: e?.met == true, declared: e != nil, entry: e)
        }
        return Readiness(year: y, rules: rules, indicators: results, vetoes: vetoes, schoolsMeeting: meetingSix, schoolParts: parts)
    }

    func result(
        _ code: String, _ rules: InspectionRules, _ loc: UILocale, _ extra: [String: String], value: Double?, text: String, threshold: Double?, met: Bool?,
        failing: [Failing], basis: String
    ) -> IndicatorResult {
        let def = Catalogue.byCode[code]!
        return IndicatorResult(
            def: def, value: value, valueText: text, threshold: threshold, requirement: rules.requirement(def, loc, extra: extra), met: met,
            failing: failing, parts: [], entry: nil, basis: basis)
    }

    // MARK: entries

    /// The caller's county's entries of a year.
    public func entries(year: Int) async throws -> [String: EntryRow] {
        try await entries(year: year, county: try await area(try ctx.requireActor()).code)
    }

    func entries(year: Int, county: String?) async throws -> [String: EntryRow] {
        guard let county else { return [:] }
        let rows = try await Self.entryRows(county: county, year: year, on: db)
        return Dictionary(rows.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public struct EntryInput: Sendable {
        public var value: String?
        public var met: String?
        public var note: String?
        public var evidence: Data?
        public var evidenceName: String?
        public init(value: String? = nil, met: String? = nil, note: String? = nil, evidence: Data? = nil, evidenceName: String? = nil) {
            self.value = value; self.met = met; self.note = note; self.evidence = evidence; self.evidenceName = evidenceName
        }
    }

    /// Enters an indicator's figure or declaration, or a veto's, with its evidence: a year that has
    /// school conditions, a figure in its possible range, a PDF or image up to 5 MB. A new entry
    /// replaces the year's previous one (the audit log keeps who entered what).
    public func enter(year raw: Int?, code: String, _ input: EntryInput) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.inspectionWrite)
        guard actor.isCountyBureau, let county = try await area(actor).code else { throw DomainError.forbidden }
        let def = Catalogue.byCode[code]
        let veto = Catalogue.vetoByCode[code]
        guard (def?.source == .entered) || (veto != nil && veto?.computed == false) else { throw DomainError.notFound(Self.word) }
        var e = FieldErrors()
        guard let y = raw else { throw DomainError.validation(["year": LocalizedText(zh: "请选择年度", en: "choose the year")]) }
        let y2 = try await year(y)
        if !(try await years()).contains(y2) {
            e.add("year", "\(y2)年尚无学校办学条件数据，请先导入当年的办学条件", "\(y2) has no school conditions yet; import that year's conditions first")
        }
        var value: Double?
        var met: Bool?
        let kind: EntryKind = def?.kind ?? .flag
        switch kind {
        case .flag:
            switch input.met?.trimmed {
            case "true", "1", "yes", "on": met = true
            case "false", "0", "no", "off": met = false
            default: e.add("met", veto != nil ? "请选择是否存在该情形" : "请选择是否达到", veto != nil ? "choose whether it happened" : "choose whether it is met")
            }
        case .percent, .amount:
            let s = (input.value ?? "").trimmed.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "%", with: "")
            // Decimal digits only: Swift reads "0x10" as 16 and "1e3" as 1000.
            let plain = !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") } && s.filter { $0 == "." }.count <= 1
            if plain, let v = Double(s), v.isFinite {
                let range: ClosedRange<Double> = kind == .percent ? 0...(code == "G8" ? 500 : 100) : 0...10_000_000
                if range.contains(v) {
                    value = v; let th = (try? await rules(year: y2, county: county))?.entryThreshold(code) ?? 0; met = v + 1e-9 >= th
                } else {
                    e.add(
                        "value", kind == .percent ? "百分比应在0到\(Int(range.upperBound))之间" : "金额应在0到10000000元之间",
                        kind == .percent ? "a percentage must be between 0 and \(Int(range.upperBound))" : "an amount must be between 0 and 10,000,000 yuan")
                }
            } else {
                e.add("value", kind == .percent ? "请填写百分比数值，如96.5" : "请填写金额（元）", kind == .percent ? "enter a percentage, e.g. 96.5" : "enter an amount in yuan")
            }
        }
        let note = (input.note ?? "").trimmed
        if note.unicodeScalars.count > 2000 { e.add("note", "说明不超过2000字", "at most 2000 characters") }
        var kindOfFile: DocumentStore.MediaKind?
        if let data = input.evidence, !data.isEmpty {
            do { kindOfFile = try DocumentStore.check(data, field: "evidence", allowed: [.pdf, .jpeg, .png, .docx, .xlsx]) } catch let err as DomainError {
                if err.kind == .tooLarge { throw err }
                for (k, v) in err.fields { e.add(k, v) }
                if err.fields.isEmpty { e.add("evidence", err.message) }
            }
        }
        let previous = try await entries(year: y2, county: county)[code]
        if kindOfFile == nil && previous?.evidenceHash == nil && veto == nil {
            e.add("evidence", "请上传佐证材料（PDF、图片、Word 或 Excel，5 MB以内）", "attach the evidence (PDF, image, Word or Excel, at most 5 MB)")
        }
        try e.throwIfAny()
        var hash = previous?.evidenceHash, name = previous?.evidenceName, fileKind = previous?.evidenceKind
        if let data = input.evidence, let k = kindOfFile {
            hash = try ctx.documents.put(data); fileKind = k.rawValue
            name = String((input.evidenceName ?? "evidence.\(k.fileExtension)").trimmed.prefix(120))
        }
        let audit = ctx.audit, now = ctx.now, by = actor.username
        let label = def?.zh ?? veto?.zh ?? code
        try await ctx.writeOnce { [hash, name, fileKind, value, met] tx in
            try await Self.replaceEntry(
                county: county, year: y2, code: code, value: value, met: met, note: note, evidenceHash: hash, evidenceName: name, evidenceKind: fileKind,
                by: by, on: tx,
                now: now)
            try await Audit.record(
                on: tx, audit, action: "inspection.entry", entity: "inspection_entry", entityId: "\(y2)/\(code)",
                summary: "\(label)：" + (value.map { InspectionRules.n($0) } ?? (met == true ? "是" : "否")))
        }
    }

    /// An entry's evidence file, for the bureau.
    public func evidence(year: Int, code: String) async throws -> (Data, DocumentStore.MediaKind, String) {
        try ctx.requireActor().require(.inspectionRead)
        guard let e = try await entries(year: year)[code], let hash = e.evidenceHash, let data = ctx.documents.get(hash),
            let kind = e.evidenceKind.flatMap(DocumentStore.MediaKind.init(rawValue:))
        else { throw DomainError.notFound(LocalizedText(zh: "佐证材料", en: "evidence")) }
        return (data, kind, e.evidenceName ?? "evidence.\(kind.fileExtension)")
    }

    /// Years with school conditions, newest first, for the year selector and the trend.
    /// Kept under the registry's version: the bureau's home page asks on every view, and the
    /// distinct years of a province's conditions are a scan of every school's rows.
    public func years() async throws -> [Int] {
        let db = self.db
        return try await ctx.kept("inspection.years", areas: ["registry"]) { try await RegistryStore.conditionYears(on: db) }
    }
}
