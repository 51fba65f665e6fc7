import XuequCore

/// A number per compulsory part.
public struct PartValue: Codable, Sendable, Equatable {
    public var primary: Double
    public var junior: Double
    public init(primary: Double, junior: Double) { self.primary = primary; self.junior = junior }
    public subscript(_ p: BalancePart) -> Double {
        get { p == .primary ? primary : junior }
        set { if p == .primary { primary = newValue } else { junior = newValue } }
    }
}

/// The balance rules in force from a date (评估标准): coefficient limits, the quality standard
/// per school, the education a teacher needs to count as "above the required level", and the
/// student weights that split 九年一贯制/完全中学/十二年一贯制 schools. Provinces change these,
/// so they are data; `national` holds the state's defaults.
public struct BalanceRules: Codable, Sendable, Equatable {
    public var effectiveFrom: CivilDate
    /// 基本均衡: the composite coefficient must not exceed this.
    public var basicLimit: PartValue
    /// 优质均衡: each indicator's coefficient must not exceed this.
    public var qualityLimit: PartValue
    /// 优质均衡 per-school standards, by indicator key.
    public var qualityStandards: [String: PartValue]
    /// A school meets the quality standard with at least this many indicators met…
    public var qualityMinimumMet: Int
    /// …and the others at least this share of their standard.
    public var qualityFloorShare: Double
    /// Teaching points below this many students are left out of the quality assessment.
    public var qualityTeachingPointMinimum: Int
    /// 规定学历: a primary teacher counts from 专科, a junior teacher from 本科.
    public var requiredEducationPrimary: Education
    public var requiredEducationJunior: Education
    /// One junior student counts as this many primary students when a nine-year school is split.
    public var juniorWeight: Double
    /// One senior student counts as this many junior students when a complete secondary school is split.
    public var seniorWeight: Double
    /// Primary : junior : senior weights of a twelve-year school.
    public var twelveYearWeights: [Double]

    public static let national = BalanceRules(
        effectiveFrom: CivilDate(year: 2017, month: 4, day: 26)!,
        basicLimit: PartValue(primary: 0.65, junior: 0.55),
        qualityLimit: PartValue(primary: 0.50, junior: 0.45),
        qualityStandards: [
            Indicator.aboveRequiredEducationPer100.rawValue: PartValue(primary: 4.2, junior: 5.3),
            Indicator.backbonePer100.rawValue: PartValue(primary: 1, junior: 1),
            Indicator.peArtPer100.rawValue: PartValue(primary: 0.9, junior: 0.9),
            Indicator.floorArea.rawValue: PartValue(primary: 4.5, junior: 5.8),
            Indicator.sportsArea.rawValue: PartValue(primary: 7.5, junior: 10.2),
            Indicator.equipmentValue.rawValue: PartValue(primary: 2000, junior: 2500),
            Indicator.multimediaPer100.rawValue: PartValue(primary: 2.3, junior: 2.4),
        ],
        qualityMinimumMet: 6, qualityFloorShare: 0.85, qualityTeachingPointMinimum: 50,
        requiredEducationPrimary: .juniorCollege, requiredEducationJunior: .bachelor,
        juniorWeight: 1.1, seniorWeight: 1.2, twelveYearWeights: [1, 1.1, 1.32])

    public func limit(_ standard: BalanceStandard, _ part: BalancePart) -> Double {
        standard == .basic ? basicLimit[part] : qualityLimit[part]
    }

    public func standard(_ indicator: Indicator, _ part: BalancePart) -> Double? {
        qualityStandards[indicator.rawValue]?[part]
    }

    public func requiredEducation(_ part: BalancePart) -> Education {
        part == .primary ? requiredEducationPrimary : requiredEducationJunior
    }

    /// Checks a rule set a person entered; field names are the form's.
    public func validate() throws {
        var e = FieldErrors()
        for p in BalancePart.allCases {
            if !(basicLimit[p] > 0 && basicLimit[p] < 5) { e.add("basicLimit.\(p.rawValue)", "差异系数限值应在0到5之间", "the limit must be between 0 and 5") }
            if !(qualityLimit[p] > 0 && qualityLimit[p] < 5) { e.add("qualityLimit.\(p.rawValue)", "差异系数限值应在0到5之间", "the limit must be between 0 and 5") }
            for i in Indicator.quality {
                let v = qualityStandards[i.rawValue]?[p] ?? -1
                if !(v > 0 && v < 1_000_000) { e.add("standard.\(i.rawValue).\(p.rawValue)", "标准值应为正数", "the standard must be a positive number") }
            }
        }
        if !(1...Indicator.quality.count).contains(qualityMinimumMet) { e.add("qualityMinimumMet", "达标项数应在1到7之间", "must be between 1 and 7") }
        if !(qualityFloorShare > 0 && qualityFloorShare <= 1) { e.add("qualityFloorShare", "最低比例应在0到1之间", "must be between 0 and 1") }
        if qualityTeachingPointMinimum < 0 || qualityTeachingPointMinimum > 10_000 { e.add("qualityTeachingPointMinimum", "人数应在0到10000之间", "must be between 0 and 10000") }
        for (k, w) in [("juniorWeight", juniorWeight), ("seniorWeight", seniorWeight)] where !(w >= 0.5 && w <= 5) {
            e.add(k, "折算系数应在0.5到5之间", "the weight must be between 0.5 and 5")
        }
        if twelveYearWeights.count != 3 || twelveYearWeights.contains(where: { !($0 >= 0.5 && $0 <= 5) }) {
            e.add("twelveYearWeights", "应为三个0.5到5之间的折算系数", "must be three weights between 0.5 and 5")
        }
        try e.throwIfAny()
    }
}
