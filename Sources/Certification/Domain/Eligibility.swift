import XuequCore

/// Deficiency codes (CONTRACT "Certification"): what keeps an application from being decided.
public enum DeficiencyCode: String, Sendable, Codable, CaseIterable {
    case educationBelowMinimum = "education_below_minimum"
    case putonghuaBelowMinimum = "putonghua_below_minimum"
    case examMissing = "exam_missing"
    case examExpired = "exam_expired"
    case physicalExamFailed = "physical_exam_failed"
    case physicalExamMissing = "physical_exam_missing"
    case barred
    case documentsMissing = "documents_missing"
}

public struct Deficiency: Sendable, Codable, Equatable {
    public let code: DeficiencyCode
    public let reason: LocalizedText
    public init(_ code: DeficiencyCode, _ zh: String, _ en: String) { self.code = code; self.reason = LocalizedText(zh: zh, en: en) }
}

/// Coded reasons for a rejection or a revocation.
public enum CertReason: String, Vocabulary {
    public static let lookup = makeLookup()
    case educationBelowMinimum = "education_below_minimum"
    case putonghuaBelowMinimum = "putonghua_below_minimum"
    case examMissing = "exam_missing"
    case examExpired = "exam_expired"
    case physicalExamFailed = "physical_exam_failed"
    case abilityTestFailed = "ability_test_failed"
    case objectionUpheld = "objection_upheld"
    case fraud
    case examCheating = "exam_cheating"
    case conviction
    case barred
    case other
    public var zh: String {
        switch self {
        case .educationBelowMinimum: "学历不符合要求"; case .putonghuaBelowMinimum: "普通话水平不达标"; case .examMissing: "未通过考试"
        case .examExpired: "考试合格证明已过期"; case .physicalExamFailed: "体检不合格"; case .abilityTestFailed: "教育教学能力测试未通过"
        case .objectionUpheld: "公示异议成立"; case .fraud: "弄虚作假"; case .examCheating: "考试作弊"; case .conviction: "受过刑事处罚"
        case .barred: "处于限制申请期内"; case .other: "其他"
        }
    }
    public var en: String { rawValue.replacingOccurrences(of: "_", with: " ") }
    /// Years a revocation for this reason bars new applications (nil: none; Int.max: for good).
    public var barYears: Int? {
        switch self { case .fraud: 5; case .examCheating: 3; case .conviction: Int.max; default: nil }
    }
}

/// An application's facts as the eligibility rules read them.
public struct ApplicantFacts: Sendable, Equatable {
    public var type: CertType
    public var subject: Subject
    public var education: Education
    public var normalGraduate: Bool
    public var putonghua: Putonghua
    public var route: CertRoute
    public var examPassedOn: CivilDate?
    public var physicalExam: PhysicalExam
    public var township: Bool
    public init(type: CertType, subject: Subject, education: Education, normalGraduate: Bool, putonghua: Putonghua, route: CertRoute,
                examPassedOn: CivilDate?, physicalExam: PhysicalExam, township: Bool = false) {
        self.type = type; self.subject = subject; self.education = education; self.normalGraduate = normalGraduate; self.putonghua = putonghua
        self.route = route; self.examPassedOn = examPassedOn; self.physicalExam = physicalExam; self.township = township
    }
}

/// 认定条件 in force from a date, per region (DOMAIN §5): national defaults in `national`.
public struct EligibilityRules: Codable, Sendable, Equatable {
    public var effectiveFrom: CivilDate
    /// Minimum education per type (教师法 §11), by type key.
    public var educationMinimum: [String: Education]
    /// 二级乙等 for everyone, 二级甲等 for 语文 teachers.
    public var putonghuaMinimum: Putonghua
    public var putonghuaMinimumChinese: Putonghua
    /// Some provinces accept 三级甲等 in township schools (never for 语文).
    public var townshipPutonghua: Putonghua?
    /// The national exam's pass certificate is valid this many years from its date.
    public var examValidityYears: Int
    /// Whether normal-school graduates may apply without the exam this year.
    public var exemptionAllowed: Bool
    /// The ability test's pass mark (mean of the panel's scores, out of 100).
    public var abilityPassMark: Double
    /// How many experts score the ability test (nil in versions saved before it existed: 3).
    public var abilityPanelMinimum: Int?

    public static let national = EligibilityRules(
        effectiveFrom: CivilDate(year: 2015, month: 1, day: 1)!,
        educationMinimum: [CertType.kindergarten.rawValue: .secondary, CertType.primary.rawValue: .secondary, CertType.junior.rawValue: .juniorCollege,
                           CertType.senior.rawValue: .bachelor, CertType.vocational.rawValue: .bachelor, CertType.vocationalPractice.rawValue: .secondary],
        putonghuaMinimum: .l2B, putonghuaMinimumChinese: .l2A, townshipPutonghua: nil,
        examValidityYears: 3, exemptionAllowed: false, abilityPassMark: 60, abilityPanelMinimum: 3)

    /// Every deficiency of an application on `today` (the checklist the applicant sees).
    public func deficiencies(_ a: ApplicantFacts, today: CivilDate, barredUntil: CivilDate?) -> [Deficiency] {
        var out: [Deficiency] = []
        let minimum = educationMinimum[a.type.rawValue] ?? .bachelor
        if a.education.rank < minimum.rank {
            out.append(Deficiency(.educationBelowMinimum, "\(a.type.zh)要求\(minimum.zh)及以上学历，申请人为\(a.education.zh)",
                                  "\(a.type.en) needs \(minimum.en) or higher; the applicant has \(a.education.en)"))
        }
        var needed = a.subject == .chinese ? putonghuaMinimumChinese : putonghuaMinimum
        if a.township, a.subject != .chinese, let t = townshipPutonghua, t.rank > needed.rank { needed = t }
        if a.putonghua.rank > needed.rank {
            out.append(Deficiency(.putonghuaBelowMinimum, "\(a.subject == .chinese ? "语文教师" : "教师")普通话应达到\(needed.zh)，申请人为\(a.putonghua.zh)",
                                  "Putonghua must be \(needed.en) or better\(a.subject == .chinese ? " for Chinese teachers" : ""); the applicant has \(a.putonghua.en)"))
        }
        switch a.route {
        case .nationalExam, .twoExams:
            if let passed = a.examPassedOn {
                if a.route == .nationalExam, passed.adding(days: 0) < CivilDate(year: today.year - examValidityYears, month: today.month, day: min(today.day, 28))! {
                    out.append(Deficiency(.examExpired, "考试合格证明（\(passed)）已超过\(examValidityYears)年有效期", "the exam pass of \(passed) is older than \(examValidityYears) years"))
                }
                if passed > today { out.append(Deficiency(.examMissing, "考试合格日期在将来", "the exam pass date is in the future")) }
            } else {
                out.append(Deficiency(.examMissing, a.route == .nationalExam ? "缺少国家教师资格考试合格证明" : "缺少教育学、心理学考试合格证明",
                                      a.route == .nationalExam ? "no national exam pass" : "no pass in pedagogy and psychology"))
            }
        case .exempt:
            if !(exemptionAllowed && a.normalGraduate) {
                out.append(Deficiency(.examMissing, exemptionAllowed ? "只有师范毕业生可以免试认定" : "本年度不实行免试认定，需提供考试合格证明",
                                      exemptionAllowed ? "only normal-school graduates may apply without the exam" : "no exemption this year: an exam pass is needed"))
            }
        }
        switch a.physicalExam {
        case .fail: out.append(Deficiency(.physicalExamFailed, "体检不合格", "the physical examination was failed"))
        case .pending: out.append(Deficiency(.physicalExamMissing, "体检结论尚未录入（认定机构按指定医院的体检报告录入）", "no physical examination result yet (the body enters it from the designated hospital's report)"))
        case .pass: break
        }
        if let until = barredUntil, until >= today {
            out.append(Deficiency(.barred, "因此前被撤销教师资格，\(until.year >= 9999 ? "不得再次申请" : "\(until)前不得申请")",
                                  until.year >= 9999 ? "barred for good after a revocation" : "barred until \(until) after a revocation"))
        }
        return out
    }
}

/// 教师资格证书编号: year (4) + body code (5) + type (1) + sex (1) + serial (6) = 17 digits.
public enum CertificateNumber {
    public static func make(year: Int, bodyCode: String, type: CertType, gender: Gender, serial: Int, femaleDigit: Int = 2) -> String {
        let sex = gender == .male ? 1 : femaleDigit
        return String(format: "%04d", year) + bodyCode + String(type.digit) + String(sex) + String(format: "%06d", serial)
    }
}

/// The documents an application carries (DOMAIN §5); the application form itself is the record.
public enum CertDocumentKind: String, Vocabulary {
    public static let lookup = makeLookup()
    case idCard = "id_card"
    case degree
    case putonghua
    case examPass = "exam_pass"
    case physicalExam = "physical_exam"
    case photo
    case commitment
    public var zh: String {
        switch self {
        case .idCard: "身份证"; case .degree: "学历证书"; case .putonghua: "普通话水平测试等级证书"; case .examPass: "考试合格证明"
        case .physicalExam: "指定医院体检表"; case .photo: "近期免冠照片"; case .commitment: "个人承诺书"
        }
    }
    public var en: String {
        switch self {
        case .idCard: "resident ID card"; case .degree: "degree certificate"; case .putonghua: "Putonghua certificate"; case .examPass: "exam pass"
        case .physicalExam: "physical examination report"; case .photo: "photo"; case .commitment: "personal commitment"
        }
    }

    /// What the route asks for: exemption rests on the (normal-school) degree, with no exam pass.
    public static func required(for route: CertRoute) -> [CertDocumentKind] {
        allCases.filter { $0 != .examPass || route != .exempt }
    }

    /// The photo must be an image; the rest may be scans (PDF) or pictures.
    public var acceptsPDF: Bool { self != .photo }

    /// `documents_missing` when a required document has not been uploaded.
    public static func deficiency(route: CertRoute, uploaded: Set<CertDocumentKind>) -> Deficiency? {
        let missing = required(for: route).filter { !uploaded.contains($0) }
        guard !missing.isEmpty else { return nil }
        return Deficiency(.documentsMissing, "缺少材料：\(missing.map(\.zh).joined(separator: "、"))", "documents missing: \(missing.map(\.en).joined(separator: ", "))")
    }
}

extension EligibilityRules {
    /// Experts who must have scored before the ability test is closed (older rule versions lack it).
    public var panelMinimum: Int { abilityPanelMinimum ?? 3 }

    /// Every problem of a rules version at once, by field.
    public func validate() throws {
        var e = FieldErrors()
        if !(1...10).contains(examValidityYears) { e.add("examValidityYears", "考试合格证明有效期应为1到10年", "the exam pass is valid 1 to 10 years") }
        if !(abilityPassMark > 0 && abilityPassMark <= 100) { e.add("abilityPassMark", "合格线应在0到100之间", "the pass mark is between 0 and 100") }
        if !(1...15).contains(panelMinimum) { e.add("abilityPanelMinimum", "评委人数应为1到15人", "the panel has 1 to 15 experts") }
        if putonghuaMinimumChinese.rank > putonghuaMinimum.rank {
            e.add("putonghuaMinimumChinese", "语文教师的普通话要求不能低于一般要求", "Chinese teachers cannot need less Putonghua than others")
        }
        if let t = townshipPutonghua, t.rank < putonghuaMinimum.rank {
            e.add("townshipPutonghua", "乡镇学校的放宽要求应低于一般要求", "the township exception must be below the general minimum")
        }
        for t in CertType.allCases where educationMinimum[t.rawValue] == nil {
            e.add("education_\(t.rawValue)", "请选择\(t.zh)的学历要求", "choose the education minimum for \(t.en)")
        }
        try e.throwIfAny()
    }
}
