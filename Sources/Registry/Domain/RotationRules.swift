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

    public init(yearsAtSchool: Int = 6, principalTerms: Int = 2, principalTermYears: Int = 3,
                minimumSharePercent: Int = 10, backboneSharePercent: Int = 20) {
        self.yearsAtSchool = yearsAtSchool; self.principalTerms = principalTerms
        self.principalTermYears = principalTermYears
        self.minimumSharePercent = minimumSharePercent; self.backboneSharePercent = backboneSharePercent
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
