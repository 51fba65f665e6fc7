import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

public struct SurveyQuestionRow: Codable, Sendable { public let id: Int; public let grp: String; public let position: Int; public let text: String }

public struct SurveyRoundRow: Codable, Sendable {
    public let id: Int
    public let year: Int
    public let name: String
    public let state: String
    public let questions: String
    public let createdBy: String
    public let createdAt: Double
    public let closedAt: Double?
    /// The county whose bureau runs the round.
    public let countyCode: String?
    public var isOpen: Bool { state == "open" }
    public var questionList: [SurveyQuestion] { (try? JSONDecoder().decode([SurveyQuestion].self, from: Data(questions.utf8))) ?? [] }
}

/// Satisfied answers of all answers, overall, by school and by group; questionnaires returned.
public struct SurveyTally: Sendable {
    /// Fewer questionnaires than this from one school (or group) are counted in the totals but
    /// never shown on their own: a rate of one or two people tells who they are.
    public static let minimumShown = 5
    public struct Count: Sendable {
        public var satisfied = 0; public var answered = 0; public var respondents = 0
        /// The satisfied share, nil when too few answered to show it.
        public var shownRate: Double? { respondents >= SurveyTally.minimumShown && answered > 0 ? Double(satisfied) / Double(answered) : nil }
    }
    public var round: SurveyRoundRow?
    public var satisfied = 0
    public var answered = 0
    public var respondents = 0
    public var bySchool: [Int: Count] = [:]
    public var byGroup: [SurveyGroup: Count] = [:]
    public var codes = 0
    public var rate: Double? { answered > 0 ? Double(satisfied) / Double(answered) : nil }
}

/// The public questionnaire behind one code.
public struct SurveyForm: Sendable {
    public let code: String
    public let round: SurveyRoundRow
    public let group: SurveyGroup
    public let schoolName: String
    public let questions: [String]
    public let used: Bool
}

extension InspectionService {
    static let roundWord = LocalizedText(zh: "调查轮次", en: "survey round")
    static let codeAlphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    /// At most this many codes a round (a province-size county's 350 schools × 60 each fit).
    public static let maxCodes = 60_000

    // MARK: questions

    public func questions() async throws -> [SurveyQuestionRow] {
        try ctx.requireActor().require(.inspectionRead)
        return try await Self.surveyQuestions(on: db)
    }

    /// Replaces one group's questions with the lines given (1–20 questions of 4–200 characters).
    public func setQuestions(group raw: String?, lines: String?) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.inspectionWrite)
        if actor.oneCounty != nil { throw Self.databaseWide }
        guard let group = raw.flatMap(SurveyGroup.init(rawValue:)) else {
            throw DomainError.validation(["group": LocalizedText(zh: "请选择调查对象", en: "choose the group")])
        }
        let qs = (lines ?? "").split(whereSeparator: \.isNewline).map { String($0).trimmed }.filter { !$0.isEmpty }
        var e = FieldErrors()
        if qs.isEmpty || qs.count > 20 { e.add("questions", "每类对象应有1到20道题，每行一道", "1 to 20 questions, one a line") }
        // Counted as seen, and bounded in scalars: accents stacked on one letter or zero-width
        // characters make no question.
        if let bad = qs.firstIndex(where: { $0.visibleCount < 4 || $0.unicodeScalars.count > 200 }) {
            e.add("questions", "第\(bad + 1)题应为4到200个字", "question \(bad + 1) must have 4 to 200 characters")
        }
        try e.throwIfAny()
        let audit = ctx.audit
        try await ctx.write { tx in
            try await Self.replaceQuestions(group: group.rawValue, qs, on: tx)
            try await Audit.record(
                on: tx, audit, action: "inspection.survey.questions", entity: "inspection_survey_questions", entityId: group.rawValue,
                summary: "\(group.zh) \(qs.count) 题")
        }
    }

    // MARK: rounds

    /// The bureau's county's rounds, newest first.
    public func rounds() async throws -> [SurveyRoundRow] {
        let actor = try ctx.requireActor()
        try actor.require(.inspectionRead)
        guard let county = try await area(actor).code else { return [] }
        return try await Self.rounds(county: county, on: db)
    }

    /// One of the bureau's county's rounds; another county's is not there.
    public func round(id: Int) async throws -> SurveyRoundRow {
        let actor = try ctx.requireActor()
        try actor.require(.inspectionRead)
        guard let r = try await Self.round(id: id, on: db), let county = try await area(actor).code, r.countyCode == county else {
            throw DomainError.notFound(Self.roundWord)
        }
        return r
    }

    /// Opens a round for a year: the questionnaire as it stands now, and for every compulsory
    /// school open that year the given number of one-use codes per group.
    public func openRound(year raw: Int?, name rawName: String?, perSchool asked: [SurveyGroup: Int]) async throws -> Int {
        let actor = try ctx.requireActor()
        try actor.require(.inspectionWrite)
        guard actor.isCountyBureau else { throw DomainError.forbidden }
        let area = try await self.area(actor)
        guard let county = area.code else { throw DomainError.forbidden }
        var e = FieldErrors()
        let name = (rawName ?? "").trimmed
        if name.visibleCount == 0 || name.unicodeScalars.count > 60 { e.add("name", "请填写轮次名称（60字以内）", "name the round (at most 60 characters)") }
        guard let raw else { throw DomainError.validation(["year": LocalizedText(zh: "请选择年度", en: "choose the year")]) }
        let y = try await year(raw)
        // Out-of-range counts are refused before any arithmetic (Int.max once overflowed the total
        // and stopped the server); what follows reads the clamped ones.
        let perSchool = asked.mapValues { min(200, max(0, $0)) }
        for g in SurveyGroup.allCases where !(0...200).contains(asked[g] ?? 0) {
            e.add("count.\(g.rawValue)", "每校份数应在0到200之间", "between 0 and 200 a school")
        }
        if perSchool.values.reduce(0, +) == 0 { e.add("count.parent", "至少为一类对象发放问卷", "give at least one group questionnaires") }
        let schools = try await RegistryStore.schoolYear(y, stages: Self.stages, district: nil, districts: area.districts, on: db)
        let perSchoolTotal = SurveyGroup.allCases.reduce(0) { $0 + max(0, perSchool[$1] ?? 0) }
        if schools.count * perSchoolTotal > Self.maxCodes {
            e.add(
                "count.parent", "全县问卷码不超过\(Self.maxCodes)个（现为\(schools.count * perSchoolTotal)个），请减少每校份数",
                "at most \(Self.maxCodes) codes a round (asked for \(schools.count * perSchoolTotal))")
        }
        if schools.isEmpty { e.add("year", "\(y)年没有义务教育学校", "no compulsory schools in \(y)") }
        let questions = try await Self.surveyQuestions(on: db)
        for g in SurveyGroup.allCases where (perSchool[g] ?? 0) > 0 && !questions.contains(where: { $0.grp == g.rawValue }) {
            e.add("count.\(g.rawValue)", "“\(g.zh)”问卷还没有题目", "the \(g.en) questionnaire has no questions")
        }
        try e.throwIfAny()
        let snapshot = String(
            decoding: try JSONEncoder().encode(questions.compactMap { q in SurveyGroup(rawValue: q.grp).map { SurveyQuestion(group: $0, text: q.text) } }),
            as: UTF8.self)
        var codes: [(String, Int, String)] = []
        var seen = Set<String>()
        var rng = SystemRandomNumberGenerator()
        for s in schools {
            for g in SurveyGroup.allCases {
                for _ in 0..<max(0, perSchool[g] ?? 0) {
                    var c = ""
                    repeat {
                        c = String((0..<8).map { _ in Self.codeAlphabet[Int(rng.next() % UInt64(Self.codeAlphabet.count))] })
                    } while !seen.insert(c).inserted
                    codes.append((c, s.id, g.rawValue))
                }
            }
        }
        let audit = ctx.audit, now = ctx.now, by = actor.username, all = codes
        return try await ctx.write { tx in
            let id = try await Self.insertRound(county: county, year: y, name: name, questions: snapshot, codes: all, by: by, on: tx, now: now)
            try await Audit.record(
                on: tx, audit, action: "inspection.survey.open", entity: "inspection_survey_round", entityId: String(id), summary: "\(name)：\(all.count) 个问卷码")
            return id
        }
    }

    /// Closes a round for good: its codes answer 410 from then on; a closed round never reopens.
    public func closeRound(id: Int) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.inspectionWrite)
        _ = try await round(id: id)
        let audit = ctx.audit, now = ctx.now
        try await ctx.write { tx in
            guard try await Self.round(id: id, on: tx) != nil else { throw DomainError.notFound(Self.roundWord) }
            if !(try await Self.closeRound(id: id, on: tx, now: now)) {
                throw DomainError.conflict("round_closed", LocalizedText(zh: "该轮调查已结束，不能重新开启", en: "the round is closed and cannot be reopened"))
            }
            try await Audit.record(on: tx, audit, action: "inspection.survey.close", entity: "inspection_survey_round", entityId: String(id), summary: "结束调查")
        }
    }

    public struct CodeRow: Codable, Sendable { public let code: String; public let schoolId: Int; public let grp: String; public let usedAt: Double? }

    /// A school's codes of a round, for the printed sheet.
    public func codes(roundId: Int, schoolId: Int) async throws -> [CodeRow] {
        _ = try await round(id: roundId)
        return try await Self.codes(roundId: roundId, schoolId: schoolId, on: db)
    }

    /// A round counts for the year's figure once it is closed with at least this share of its
    /// codes answered: an open round, or a stray one a few people answered, never replaces it.
    public static let minimumResponseRate = 0.6

    /// The round a year's figure is counted from: the latest closed round of the year whose
    /// response rate reaches `minimumResponseRate`; nil when none does.
    func surveyRound(year: Int, county: String) async throws -> SurveyRoundRow? {
        let rows = try await Self.closedRoundResponses(county: county, year: year, on: db)
        guard let pick = rows.first(where: { $0.codes > 0 && Double($0.used) / Double($0.codes) >= Self.minimumResponseRate }) else { return nil }
        return try await Self.round(id: pick.id, on: db)
    }

    public func surveyTally(year: Int, county: String?) async throws -> SurveyTally {
        guard let county, let r = try await surveyRound(year: year, county: county) else { return SurveyTally() }
        return try await tally(round: r)
    }

    public func tally(round r: SurveyRoundRow) async throws -> SurveyTally {
        let rows = try await Self.answerTallies(roundId: r.id, on: db)
        var t = SurveyTally(round: r)
        t.codes = try await Self.codeCount(roundId: r.id, on: db)
        for a in rows {
            t.satisfied += a.satisfied; t.answered += a.answered; t.respondents += a.n
            t.bySchool[a.schoolId, default: .init()].satisfied += a.satisfied
            t.bySchool[a.schoolId, default: .init()].answered += a.answered
            t.bySchool[a.schoolId, default: .init()].respondents += a.n
            if let g = SurveyGroup(rawValue: a.grp) {
                t.byGroup[g, default: .init()].satisfied += a.satisfied
                t.byGroup[g, default: .init()].answered += a.answered
                t.byGroup[g, default: .init()].respondents += a.n
            }
        }
        return t
    }

    // MARK: answering (public, no account)

    static let codeWord = LocalizedText(zh: "问卷码", en: "survey code")

    static func normalise(_ code: String) -> String? {
        let c = code.trimmed.uppercased()
        guard c.count == 8, c.allSatisfy({ codeAlphabet.contains($0) }) else { return nil }
        return c
    }

    /// The questionnaire behind a code: 404 for an unknown code; a used code or a closed round
    /// still shows who it is for, with the reason it cannot be answered.
    public func form(code raw: String) async throws -> SurveyForm {
        guard let code = Self.normalise(raw) else { throw DomainError.notFound(Self.codeWord) }
        let row = try await Self.code(code, on: db)
        guard let row,
            let rid = try await Self.roundId(code: code, on: db),
            let round = try await Self.round(id: rid, on: db), let group = SurveyGroup(rawValue: row.grp)
        else { throw DomainError.notFound(Self.codeWord) }
        let school = try await RegistryStore.school(id: row.schoolId, on: db)?.name ?? ""
        return SurveyForm(
            code: code, round: round, group: group, schoolName: school, questions: round.questionList.filter { $0.group == group }.map(\.text),
            used: row.usedAt != nil)
    }

    public static let usedCode = DomainError.conflict(
        "code_used", LocalizedText(zh: "这个问卷码已经提交过，每个码只能填写一次", en: "this code has already been used; each code answers once"))
    public static let roundClosed = DomainError(.gone, code: "round_closed", LocalizedText(zh: "本轮调查已经结束，不再接收问卷", en: "this survey round has closed"))

    /// Records one questionnaire: every question answered 1–5; the code used once, atomically
    /// (twenty submissions of one code at once store one answer); nothing of the code is kept
    /// with the answer.
    public func answer(code raw: String, answers: [String: String]) async throws {
        let form = try await form(code: raw)
        if !form.round.isOpen { throw Self.roundClosed }
        if form.used { throw Self.usedCode }
        var e = FieldErrors()
        var values: [Int] = []
        for i in form.questions.indices {
            guard let v = answers["q\(i + 1)"].flatMap({ Int($0.trimmed) }), let a = SurveyAnswer(rawValue: v) else {
                e.add("q\(i + 1)", "请回答第\(i + 1)题", "answer question \(i + 1)"); continue
            }
            values.append(a.rawValue)
        }
        try e.throwIfAny()
        let satisfied = values.filter { SurveyAnswer(rawValue: $0)?.isSatisfied ?? false }.count, count = values.count
        // The day only, on the code and on the answer: an exact time on both would join each
        // answer to its code (found by the attack pass).
        let now = Double(Int(ctx.now / 86400) * 86400)
        let code = form.code, roundId = form.round.id, group = form.group.rawValue, list = values.map(String.init).joined(separator: ",")
        try await ctx.write { tx in
            guard try await Self.roundState(id: roundId, on: tx) == "open" else { throw Self.roundClosed }
            guard let schoolId = try await Self.useCode(code, on: tx, now: now) else { throw Self.usedCode }
            try await Self.insertAnswer(
                roundId: roundId, schoolId: schoolId, group: group, satisfied: satisfied, answered: count, answers: list, on: tx, now: now)
        }
    }
}
