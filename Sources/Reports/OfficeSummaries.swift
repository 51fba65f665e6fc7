import Certification
import Foundation
import Internship
import XuequCore
import XuequKit

/// The two other summaries of the seed, written the way the year's is (templates with the year's
/// figures, drafts kept per year, finalised with their figures): the certification office's
/// (教师资格认定工作总结: applications, certificates by type, why the rest failed, the archive
/// folders against the applications) and an internship batch's (实习工作总结: its interns, host
/// schools and mentors, plans, trial lectures, lessons and grades). Their texts and finals are
/// kept beside the year's, under keys of their own ("cert", "cert-prefecture", "batch<id>").
public enum OfficeKind: String, Sendable, CaseIterable {
    case certification, internship
}

public struct OfficeSummary: Sendable {
    public struct Section: Codable, Sendable {
        public let key: String
        public let title: String
        public let template: String
        public let text: String
        public let edited: Bool
        public let tables: [SummaryDocuments.Table]
    }
    public let kind: OfficeKind
    /// Where its texts and final are kept.
    public let key: String
    public let year: Int
    public let batchId: Int?
    public let title: String
    /// Who signs it: the county's certifying body, the prefecture's, or the bureau.
    public let signer: String
    public let values: [String: String]
    public let sections: [Section]
    public let final: ReportsService.FinalRow?
    /// For a finalised summary: the figures that changed since, with the value now.
    public let changed: [(key: String, then: String, now: String)]
    public var isFinal: Bool { final != nil }
}

/// A section of an office summary: its title and the text it starts from.
struct OfficeSpec: Sendable {
    let key: String
    let zh: String
    let en: String
    let text: String

    static func sections(_ kind: OfficeKind) -> [OfficeSpec] {
        switch kind {
        case .certification:
            [
                OfficeSpec(
                    key: "overview", zh: "一、基本情况", en: "1. Overview",
                    text:
                        "{year}年本机构共受理教师资格认定申请{applied}人，经过各项考试和资格审查，{byType}，共{certified}人取得了不同层次的教师资格。其中高级中学、中等职业学校教师资格{prefectureCertified}人由市（州）教育局认定，本县教育局负责申报材料的初审和报送。"
                ),
                OfficeSpec(
                    key: "practice", zh: "二、主要做法", en: "2. How the work was done",
                    text:
                        "按照公开、公正、透明的原则组织认定：{windows}个受理批次，逐人审核学历、普通话、考试和体检条件；受理后平均{meanDays}天作出认定结论，逾期未办结{overdue}件；认定结果经公示后发证。"
                ),
                OfficeSpec(
                    key: "problems", zh: "三、存在的问题", en: "3. Problems",
                    text:
                        "{year}年申请{applied}人，认定通过{certified}人，{notCertified}人未取得教师资格，主要原因是{failureReasons}。档案袋与申报人数核对：已受理而没有档案袋的申请{archiveMissing}份，没有对应申请的档案袋{archiveOrphans}个。"
                ),
                OfficeSpec(
                    key: "next", zh: "四、今后努力的方向", en: "4. Next year",
                    text:
                        "1、进一步深入基层了解教师的基本情况，做好教师资格认定工作及程序的宣传。2、加大对普通话未达标人员的培训测试工作。3、对非师范类院校毕业的人员，做好教育学、心理学的培训宣传。4、提早布置教师资格认定工作。"
                ),
            ]
        case .internship:
            [
                OfficeSpec(
                    key: "overview", zh: "一、基本情况", en: "1. Overview",
                    text:
                        "{batch}自{startsOn}至{endsOn}进行，共{weeks}周。{university}{interns}名实习生分{groups}个实习小组到{schools}所学校实习，由高校带队教师和{mentors}名实习学校指导教师共同指导。"
                ),
                OfficeSpec(
                    key: "process", zh: "二、实习过程", en: "2. The practicum",
                    text:
                        "实习生共撰写教案{plans}篇，经指导教师和带队教师双审核通过{plansApproved}篇；试讲{trials}次，通过{trialsPassed}次；上课{lessons}次共{periods}节，听课{observations}节，所教班级平均{classSize}人。"
                ),
                OfficeSpec(
                    key: "grades", zh: "三、成绩评定", en: "3. Grades",
                    text: "已评定实习成绩{graded}人：{byGrade}。"
                ),
                OfficeSpec(
                    key: "lessons", zh: "四、经验和体会", en: "4. What was learnt",
                    text:
                        "实习学校的领导、教研组长和指导教师认真负责，实习生虚心请教，按指导教师的意见修改教案，精心试讲，认真记听课笔记，教学能力得到提高。今后应提早落实实习学校和指导教师，加强实习前的试讲训练。"
                ),
            ]
        }
    }

    /// Every placeholder a text of the kind may use.
    static func placeholders(_ kind: OfficeKind) -> [String] {
        switch kind {
        case .certification:
            [
                "year", "applied", "certified", "notCertified", "byType", "prefectureCertified", "windows", "meanDays", "overdue", "failureReasons",
                "archiveMissing", "archiveOrphans",
            ]
        case .internship:
            [
                "year", "batch", "university", "startsOn", "endsOn", "weeks", "interns", "placed", "groups", "schools", "mentors", "plans",
                "plansApproved", "trials", "trialsPassed", "lessons", "periods", "observations", "classSize", "graded", "byGrade",
            ]
        }
    }
}

extension ReportsService {
    /// The figures of an office summary, its tables by section, where it is kept and its title.
    struct OfficeFigures: Codable, Sendable {
        var values: [String: String]
        var tables: [String: [SummaryDocuments.Table]]
    }

    struct OfficeArea: Sendable {
        let key: String
        let year: Int
        let title: String
        let signer: String
        let canWrite: Bool
    }

    /// The certification body the caller reviews for: the county's, or the prefecture's.
    func certificationArea(year raw: Int?) throws -> OfficeArea {
        let a = try ctx.requireActor()
        let county = a.can(.certReviewCounty), prefecture = a.can(.certDecidePrefecture)
        guard a.can(.certRecords), county || prefecture else { throw DomainError.forbidden }
        let y = try year(raw)
        let en = ctx.locale == .en
        return OfficeArea(
            key: county ? "cert" : "cert-prefecture", year: y,
            title: en ? "Teacher certification: work summary \(y)" : "\(y)年教师资格认定工作总结",
            signer: county ? (en ? "The county's certifying body" : "县教师资格认定机构（盖章）") : (en ? "The prefecture's certifying body" : "市（州）教师资格认定机构（盖章）"),
            canWrite: true)
    }

    func certificationFigures(_ area: OfficeArea) async throws -> OfficeFigures {
        let cert = CertificationService(ctx)
        let l = ctx.locale, en = l == .en, y = area.year
        // As in the year's summary: a window belongs to the year it closes in, once it has closed.
        let windows = try await cert.windows().filter { $0.closesOn.hasPrefix(String(y)) && $0.closesOn < today.description }
        if windows.isEmpty {
            throw DomainError.validation([
                "year": LocalizedText(zh: "\(y)年没有已结束的认定受理批次", en: "no certification window of \(y) has closed")
            ])
        }
        var applied = 0, certified = 0, overdue = 0, missing = 0
        var byType: [String: Int] = [:], reasons: [String: Int] = [:]
        var days: [(Double, Int)] = []
        var windowRows: [[String]] = [], archiveRows: [[String]] = []
        let types = CertificateType.allCases
        for w in windows {
            let s = try await cert.statistics(window: w.id)
            applied += s.applied; certified += s.certified; overdue += s.overdue
            for (k, v) in s.byType { byType[k, default: 0] += v }
            for (k, v) in s.failureReasons { reasons[k, default: 0] += v }
            if let d = s.meanDaysToDecision { days.append((d, s.certified + s.failureReasons.values.reduce(0, +))) }
            windowRows.append([w.name, String(s.applied), String(s.certified)] + types.map { String(s.byType[$0.rawValue] ?? 0) })
            if ctx.actor?.can(.certReviewCounty) == true {
                let m = try await cert.archiveMismatch(window: w.id)
                missing += m.withoutFolder.count
                archiveRows.append([w.name, String(s.applied), String(m.withoutFolder.count)])
            }
        }
        var orphans = 0
        if ctx.actor?.can(.certReviewCounty) == true, let first = windows.first {
            orphans = try await cert.archiveMismatch(window: first.id).folderWithoutApplication.count
        }
        let sep = en ? ", " : "、"
        let typeText = types.compactMap { t in byType[t.rawValue].flatMap { $0 > 0 ? (en ? "\($0) \(t.en)" : "\($0)人具备\(t.zh)") : nil } }.joined(separator: sep)
        let sortedReasons = reasons.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let reasonText = sortedReasons.prefix(3).map { (CertReason(rawValue: $0.key)?.label(l) ?? $0.key) + (en ? " (\($0.value))" : "（\($0.value)人）") }
            .joined(separator: sep)
        let weight = days.reduce(0) { $0 + max(1, $1.1) }
        let meanDays = days.isEmpty ? "—" : String(format: "%.1f", days.reduce(0.0) { $0 + $1.0 * Double(max(1, $1.1)) } / Double(weight))
        let values: [String: String] = [
            "year": String(y), "applied": String(applied), "certified": String(certified), "notCertified": String(max(0, applied - certified)),
            "byType": typeText.isEmpty ? "—" : typeText,
            "prefectureCertified": String(types.filter(\.decidedByPrefecture).reduce(0) { $0 + (byType[$1.rawValue] ?? 0) }),
            "windows": String(windows.count), "meanDays": meanDays, "overdue": String(overdue),
            "failureReasons": reasonText.isEmpty ? "—" : reasonText,
            "archiveMissing": String(missing), "archiveOrphans": String(orphans),
        ]
        var tables: [String: [SummaryDocuments.Table]] = [:]
        tables["overview"] = [
            SummaryDocuments.Table(
                title: en ? "Applications and certificates by window" : "各批次申请与认定",
                header: (en ? ["Window", "Applied", "Certified"] : ["批次", "申请", "认定通过"]) + types.map { $0.label(l) },
                rows: windowRows + [[en ? "Total" : "合计", String(applied), String(certified)] + types.map { String(byType[$0.rawValue] ?? 0) }],
                href: CertificationRoute.windows.path())
        ]
        var problems: [SummaryDocuments.Table] = []
        if !sortedReasons.isEmpty {
            problems.append(
                SummaryDocuments.Table(
                    title: en ? "Why applications were refused" : "未予认定的原因", header: en ? ["Reason", "Applicants"] : ["原因", "人数"],
                    rows: sortedReasons.map { [CertReason(rawValue: $0.key)?.label(l) ?? $0.key, String($0.value)] }))
        }
        if !archiveRows.isEmpty {
            problems.append(
                SummaryDocuments.Table(
                    title: en ? "Archive folders against the applications" : "档案袋核对",
                    header: en ? ["Window", "Applied", "Accepted without a folder"] : ["批次", "申请", "已受理缺档案袋"],
                    rows: archiveRows + [[en ? "Folders without an application" : "无对应申请的档案袋", "—", String(orphans)]]))
        }
        tables["problems"] = problems
        return OfficeFigures(values: values, tables: tables)
    }

    /// An internship batch the caller may read the figures of (the bureau; a supervisor of one of
    /// its groups); writing its summary is the bureau's.
    func internshipArea(batch: Int) async throws -> (OfficeArea, InternshipService.BatchStats) {
        let a = try ctx.requireActor()
        guard a.can(.internshipAdmin) || a.can(.internshipSupervise) else { throw DomainError.forbidden }
        let s = try await InternshipService(ctx).stats(batchId: batch)
        let cal = s.batch.calendar
        let en = ctx.locale == .en
        return (
            OfficeArea(
                key: "batch\(batch)", year: cal.startsOn.year,
                title: en ? "Student teaching: \(s.batch.name), work summary" : s.batch.name + (s.batch.name.hasSuffix("实习") ? "工作总结" : "教育实习工作总结"),
                signer: en ? "The education bureau" : "县教育局（盖章）", canWrite: a.can(.internshipAdmin)), s
        )
    }

    func internshipFigures(_ s: InternshipService.BatchStats) -> OfficeFigures {
        let l = ctx.locale, en = l == .en
        let cal = s.batch.calendar
        let sep = en ? ", " : "、"
        let grades = InternGrade.allCases.compactMap { g in s.grades[g].map { en ? "\(g.en) \($0)" : "\(g.zh)\($0)人" } }.joined(separator: sep)
        let values: [String: String] = [
            "year": String(cal.startsOn.year), "batch": s.batch.name, "university": s.university, "startsOn": cal.startsOn.description,
            "endsOn": cal.endsOn.description, "weeks": String(cal.weeks.count), "interns": String(s.interns), "placed": String(s.placed),
            "groups": String(s.groups), "schools": String(s.schools), "mentors": String(s.mentors), "plans": String(s.plans),
            "plansApproved": String(s.plansApproved), "trials": String(s.trials), "trialsPassed": String(s.trialsPassed), "lessons": String(s.lessons),
            "periods": String(s.periodsTaught), "observations": String(s.observations),
            "classSize": s.averageClassSize.map { String(format: "%.0f", $0) } ?? "—", "graded": String(s.graded), "byGrade": grades.isEmpty ? "—" : grades,
        ]
        var tables: [String: [SummaryDocuments.Table]] = [:]
        tables["overview"] = [
            SummaryDocuments.Table(
                title: en ? "The batch" : "实习批次", header: en ? ["Item", "Count"] : ["项目", "数量"],
                rows: [
                    [en ? "Student teachers" : "实习生", String(s.interns)], [en ? "Placed at a school" : "已落实实习学校", String(s.placed)],
                    [en ? "Groups" : "实习小组", String(s.groups)], [en ? "Host schools" : "实习学校", String(s.schools)],
                    [en ? "School mentors" : "实习学校指导教师", String(s.mentors)],
                ],
                href: InternshipRoute.home.path())
        ]
        tables["process"] = [
            SummaryDocuments.Table(
                title: en ? "Plans, trial lectures and lessons" : "教案、试讲与上课", header: en ? ["Item", "Count"] : ["项目", "数量"],
                rows: [
                    [en ? "Lesson plans written" : "撰写教案", String(s.plans)], [en ? "approved by both mentors" : "双导师审核通过", String(s.plansApproved)],
                    [en ? "Trial lectures / passed" : "试讲／通过", "\(s.trials) / \(s.trialsPassed)"],
                    [en ? "Lessons taught (periods)" : "上课次数（节数）", "\(s.lessons)（\(s.periodsTaught)）"],
                    [en ? "Lessons observed" : "听课节数", String(s.observations)],
                    [en ? "Classes of 80 or more" : "80人以上大班", String(s.largeClasses)],
                ])
        ]
        tables["grades"] = [
            SummaryDocuments.Table(
                title: en ? "Grades" : "实习成绩分布", header: en ? ["Grade", "Student teachers"] : ["等级", "人数"],
                rows: InternGrade.allCases.map { [$0.label(l), String(s.grades[$0] ?? 0)] } + [[en ? "Graded" : "已评定", String(s.graded)]])
        ]
        return OfficeFigures(values: values, tables: tables)
    }

    func office(_ kind: OfficeKind, year: Int?, batch: Int?) async throws -> (OfficeArea, OfficeFigures, Int?) {
        switch kind {
        case .certification:
            let area = try certificationArea(year: year)
            return (area, try await certificationFigures(area), nil)
        case .internship:
            guard let batch else { throw DomainError.notFound(LocalizedText(zh: "实习批次", en: "batch")) }
            let (area, stats) = try await internshipArea(batch: batch)
            return (area, internshipFigures(stats), batch)
        }
    }

    /// A certification office's or an internship batch's summary: the draft from this year's
    /// figures and the texts saved, or the finalised one as it was (with what changed since).
    public func officeSummary(_ kind: OfficeKind, year: Int?, batch: Int?) async throws -> OfficeSummary {
        let (area, live, batchId) = try await office(kind, year: year, batch: batch)
        if let fin = try await final(year: area.year, key: area.key) {
            let then = try JSONDecoder().decode(OfficeFigures.self, from: Data(fin.figures.utf8))
            let stored = try JSONDecoder().decode([StoredSection].self, from: Data(fin.sections.utf8))
            let sections = stored.map { s in
                OfficeSummary.Section(key: s.key, title: s.title, template: s.text, text: s.text, edited: true, tables: then.tables[s.key] ?? [])
            }
            let changed = then.values.keys.sorted().compactMap { k in
                then.values[k] != live.values[k] ? (key: k, then: then.values[k] ?? "—", now: live.values[k] ?? "—") : nil
            }
            return OfficeSummary(
                kind: kind, key: area.key, year: area.year, batchId: batchId, title: area.title, signer: area.signer, values: then.values,
                sections: sections, final: fin, changed: changed)
        }
        let texts = try await texts(year: area.year, key: area.key)
        let sections = OfficeSpec.sections(kind).map { spec in
            let t = texts[spec.key] ?? spec.text
            return OfficeSummary.Section(
                key: spec.key, title: ctx.locale == .en ? spec.en : spec.zh, template: t, text: SummarySection.render(t, live.values),
                edited: texts[spec.key] != nil, tables: live.tables[spec.key] ?? [])
        }
        return OfficeSummary(
            kind: kind, key: area.key, year: area.year, batchId: batchId, title: area.title, signer: area.signer, values: live.values, sections: sections,
            final: nil, changed: [])
    }

    /// Whether the caller may edit and finalise this kind's summary (the bureau a batch's; the
    /// body its own certification summary).
    public func canWriteOffice(_ kind: OfficeKind) -> Bool {
        guard let a = ctx.actor else { return false }
        switch kind {
        case .certification: return a.can(.certRecords) && (a.can(.certReviewCounty) || a.can(.certDecidePrefecture))
        case .internship: return a.can(.internshipAdmin)
        }
    }

    /// Saves a section's text: a known section, 1–5000 characters, known placeholders only (the
    /// error names the unknown one and lists the rest); never into a finalised summary.
    public func saveOfficeSection(_ kind: OfficeKind, year: Int?, batch: Int?, section: String?, text rawText: String?) async throws {
        let actor = try ctx.requireActor()
        let (area, _, _) = try await office(kind, year: year, batch: batch)
        guard canWriteOffice(kind) else { throw DomainError.forbidden }
        guard let spec = OfficeSpec.sections(kind).first(where: { $0.key == section }) else {
            throw DomainError.validation(["section": LocalizedText(zh: "没有这一节", en: "no such section")])
        }
        let text = (rawText ?? "").trimmed
        var e = FieldErrors()
        if text.visibleCount == 0 || text.unicodeScalars.count > 5000 { e.add("text", "正文应为1到5000字", "the text must have 1 to 5000 characters") }
        let known = Set(OfficeSpec.placeholders(kind))
        if let bad = SummarySection.placeholders(in: text).first(where: { !known.contains($0) }) {
            let list = OfficeSpec.placeholders(kind).map { "{\($0)}" }.joined(separator: " ")
            e.add("text", "未知的占位符 {\(bad)}。可用：\(list)", "unknown placeholder {\(bad)}; known: \(list)")
        }
        try e.throwIfAny()
        if try await final(year: area.year, key: area.key) != nil { throw Self.finalised }
        let audit = ctx.audit, now = ctx.now, by = actor.username, key = area.key, y = area.year
        try await ctx.writeOnce { tx in
            if try await ReportsService.finalRow(year: y, key: key, on: tx) { throw Self.finalised }
            try await ReportsService.replaceSection(year: y, key: key, section: spec.key, text: text, by: by, now: now, on: tx)
            try await Audit.record(on: tx, audit, action: "reports.section", entity: "report", entityId: "\(y)/\(key)", summary: area.title + " " + spec.zh)
        }
    }

    /// Finalises it: the figures, tables and texts as they are now are kept. Twice is a 409.
    public func finaliseOffice(_ kind: OfficeKind, year: Int?, batch: Int?) async throws {
        let actor = try ctx.requireActor()
        guard canWriteOffice(kind) else { throw DomainError.forbidden }
        let (area, live, _) = try await office(kind, year: year, batch: batch)
        let s = try await officeSummary(kind, year: year, batch: batch)
        if s.isFinal { throw Self.finalised }
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let figures = String(decoding: try enc.encode(live), as: UTF8.self)
        let sections = String(decoding: try enc.encode(s.sections.map { StoredSection(key: $0.key, title: $0.title, text: $0.text) }), as: UTF8.self)
        let audit = ctx.audit, now = ctx.now, by = actor.username, key = area.key, y = area.year
        try await ctx.writeOnce { tx in
            if try await ReportsService.finalRow(year: y, key: key, on: tx) { throw Self.finalised }
            try await ReportsService.insertFinal(year: y, key: key, figures: figures, sections: sections, by: by, now: now, on: tx)
            try await Audit.record(on: tx, audit, action: "reports.finalise", entity: "report", entityId: "\(y)/\(key)", summary: area.title + " 定稿")
        }
    }

    /// The summaries the caller may open: the year's (its county or district), the certifying
    /// body's by year, each internship batch it may read.
    public func officeIndex() async throws -> (year: Bool, certification: Bool, batches: [BatchRow]) {
        let a = try ctx.requireActor()
        let cert = a.can(.certRecords) && (a.can(.certReviewCounty) || a.can(.certDecidePrefecture))
        let batches = a.can(.internshipAdmin) || a.can(.internshipSupervise) ? try await InternshipService(ctx).statsBatches() : []
        return (a.can(.reportsRead), cert, batches)
    }
}
