import XuequCore

/// 交流轮岗 (DOMAIN §3): who is due to rotate and how many must. A dated rule in the rule store
/// that balance and certification use: the national defaults (2014) are the first version, a
/// province or county publishes its own from a date.
public struct RotationRules: Codable, Sendable, Equatable {
    /// Years at one school, counted on 1 September of the round, after which a teacher is due.
    public var yearsAtSchool: Int
    /// Terms at one school after which a principal is due, and the years of a term.
    public var principalTerms: Int
    public var principalTermYears: Int
    /// Each year at least this share of the eligible teachers rotates (percent).
    public var minimumSharePercent: Int
    /// Backbone teachers are at least this share of those who rotate (percent).
    public var backboneSharePercent: Int
    /// The suggested plan's soft preferences; absent in versions published before they existed
    /// (then `SuggestionWeights.standard`).
    public var suggestionWeights: SuggestionWeights?

    public init(yearsAtSchool: Int = 6, principalTerms: Int = 2, principalTermYears: Int = 3,
                minimumSharePercent: Int = 10, backboneSharePercent: Int = 20, suggestionWeights: SuggestionWeights? = nil) {
        self.yearsAtSchool = yearsAtSchool; self.principalTerms = principalTerms
        self.principalTermYears = principalTermYears
        self.minimumSharePercent = minimumSharePercent; self.backboneSharePercent = backboneSharePercent
        self.suggestionWeights = suggestionWeights
    }

    /// 教育部 财政部 人力资源社会保障部《关于推进县（区）域内义务教育学校校长教师交流轮岗的意见》(2014).
    public static let national = RotationRules()

    /// The 1 September the next rotation round starts on (today's, if it has not passed yet).
    public static func nextRound(after today: CivilDate) -> CivilDate {
        let thisYear = CivilDate(year: today.year, month: 9, day: 1)!
        return today <= thisYear ? thisYear : CivilDate(year: today.year + 1, month: 9, day: 1)!
    }

    /// The latest date a teacher may have started at the school and be due on `round`.
    public func dueCutoff(on round: CivilDate) -> CivilDate {
        let y = round.year - yearsAtSchool
        return CivilDate(year: y, month: round.month, day: min(round.day, CivilDate.daysIn(year: y, month: round.month)))!
    }
}

/// What the suggested rotation plan prefers besides the coefficients (issue 29): each term is a
/// bonus per move, in units of the objective it lowers (Σ coefficient ÷ limit). The standard
/// weights are small, so they decide between moves that do about as much for the coefficients
/// (which of two equal teachers, which of two equal schools) and never buy a worse balance by
/// more than a few thousandths; a county that wants them to count more publishes a rule version
/// with larger ones.
public struct SuggestionWeights: Codable, Sendable, Equatable {
    public enum Term: String, CaseIterable, Sendable {
        case shortageFilled, townToRural, lacksRuralService, backboneToWeak
        /// No qualification on record (a negative preference: the plan asks the planner to check it).
        case qualificationUnknown
        public var zh: String {
            switch self {
            case .qualificationUnknown: "未登记教师资格（扣减）"
            case .shortageFilled: "调入学校缺该学科教师"; case .townToRural: "城镇教师到乡村学校"
            case .lacksRuralService: "中级职称教师缺乡村任教经历（评高级须满一年）"; case .backboneToWeak: "骨干教师到未达标学校"
            }
        }
        public var en: String {
            switch self {
            case .qualificationUnknown: "no qualification on record (a deduction)"
            case .shortageFilled: "the receiving school is short of the subject"; case .townToRural: "a town teacher to a rural school"
            case .lacksRuralService: "an intermediate-title teacher without the year of rural service the senior title needs"
            case .backboneToWeak: "a backbone teacher to a school below the standard"
            }
        }
    }
    public var shortageFilled: Double
    public var townToRural: Double
    public var lacksRuralService: Double
    public var backboneToWeak: Double
    /// Subtracted (a teacher whose qualification cannot be checked).
    public var qualificationUnknown: Double

    public init(shortageFilled: Double, townToRural: Double, lacksRuralService: Double, backboneToWeak: Double, qualificationUnknown: Double) {
        self.shortageFilled = shortageFilled; self.townToRural = townToRural; self.lacksRuralService = lacksRuralService; self.backboneToWeak = backboneToWeak
        self.qualificationUnknown = qualificationUnknown
    }

    public static let standard = SuggestionWeights(shortageFilled: 0.003, townToRural: 0.0005, lacksRuralService: 0.0005, backboneToWeak: 0.0005, qualificationUnknown: 0.001)

    public subscript(_ t: Term) -> Double {
        switch t {
        case .shortageFilled: shortageFilled; case .townToRural: townToRural; case .lacksRuralService: lacksRuralService; case .backboneToWeak: backboneToWeak
        case .qualificationUnknown: -qualificationUnknown
        }
    }
}
