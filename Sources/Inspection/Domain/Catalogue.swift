import Foundation
import XuequCore

/// The four aspects of the 2017 quality-balance inspection (教督〔2017〕6号, DOMAIN §2).
public enum Aspect: String, Vocabulary {
    public static let lookup = makeLookup()
    case resources, guarantee, quality, recognition
    public var zh: String {
        switch self {
        case .resources: "资源配置";
        case .guarantee: "政府保障程度";
        case .quality: "教育质量";
        case .recognition: "社会认可度"
        }
    }
    public var en: String {
        switch self {
        case .resources: "resource allocation";
        case .guarantee: "government guarantee";
        case .quality: "education quality";
        case .recognition: "public satisfaction"
        }
    }
}

/// Where an indicator's value comes from: the platform's own records, or the bureau with evidence.
public enum IndicatorSource: String, Sendable, Codable { case computed, entered }

/// How an entered indicator is judged: a yes/no the bureau declares with evidence, a percentage
/// at least (or at most) a threshold, an amount in yuan at least a threshold.
public enum EntryKind: String, Sendable, Codable { case flag, percent, amount }

/// One of the 32 indicators: code, words, where it comes from, and for an entered one how it is
/// judged and which rule holds its threshold.
public struct IndicatorDef: Sendable {
    public let code: String
    public let aspect: Aspect
    public let zh: String
    public let en: String
    public let source: IndicatorSource
    public let kind: EntryKind?
    /// The requirement in words (the rule's numbers filled in by `InspectionRules.requirement`).
    public let requirementZh: String
    public let requirementEn: String
    public func name(_ l: UILocale) -> String { l == .en ? en : zh }
}

/// A one-vote veto (一票否决): declared by the bureau, except the survey's.
public struct VetoDef: Sendable {
    public let code: String
    public let zh: String
    public let en: String
    public let computed: Bool
    public func name(_ l: UILocale) -> String { l == .en ? en : zh }
}

public enum Catalogue {
    static func c(_ code: String, _ a: Aspect, _ zh: String, _ en: String, _ rz: String, _ re: String) -> IndicatorDef {
        IndicatorDef(code: code, aspect: a, zh: zh, en: en, source: .computed, kind: nil, requirementZh: rz, requirementEn: re)
    }
    static func e(_ code: String, _ a: Aspect, _ k: EntryKind, _ zh: String, _ en: String, _ rz: String, _ re: String) -> IndicatorDef {
        IndicatorDef(code: code, aspect: a, zh: zh, en: en, source: .entered, kind: k, requirementZh: rz, requirementEn: re)
    }

    /// The 32 indicators, in the order of the national method.
    public static let indicators: [IndicatorDef] = [
        c(
            "R1", .resources, "每百名学生拥有高于规定学历教师数", "teachers above the required education per 100 students", "小学≥{r1p}人、初中≥{r1j}人；差异系数小学≤{cvp}、初中≤{cvj}",
            "primary ≥ {r1p}, junior ≥ {r1j}; coefficient ≤ {cvp} / {cvj}"),
        c(
            "R2", .resources, "每百名学生拥有县级以上骨干教师数", "county-level-or-higher backbone teachers per 100 students", "小学、初中均≥{r2p}人；差异系数小学≤{cvp}、初中≤{cvj}",
            "≥ {r2p}; coefficient ≤ {cvp} / {cvj}"),
        c(
            "R3", .resources, "每百名学生拥有体育、艺术（美术、音乐）专任教师数", "PE and art full-time teachers per 100 students", "小学、初中均≥{r3p}人；差异系数小学≤{cvp}、初中≤{cvj}",
            "≥ {r3p}; coefficient ≤ {cvp} / {cvj}"),
        c(
            "R4", .resources, "生均教学及辅助用房面积", "teaching and auxiliary floor area per student", "小学≥{r4p}㎡、初中≥{r4j}㎡；差异系数小学≤{cvp}、初中≤{cvj}",
            "primary ≥ {r4p} m², junior ≥ {r4j} m²; coefficient ≤ {cvp} / {cvj}"),
        c(
            "R5", .resources, "生均体育运动场馆面积", "sports ground area per student", "小学≥{r5p}㎡、初中≥{r5j}㎡；差异系数小学≤{cvp}、初中≤{cvj}",
            "primary ≥ {r5p} m², junior ≥ {r5j} m²; coefficient ≤ {cvp} / {cvj}"),
        c(
            "R6", .resources, "生均教学仪器设备值", "teaching equipment value per student", "小学≥{r6p}元、初中≥{r6j}元；差异系数小学≤{cvp}、初中≤{cvj}",
            "primary ≥ {r6p} yuan, junior ≥ {r6j} yuan; coefficient ≤ {cvp} / {cvj}"),
        c(
            "R7", .resources, "每百名学生拥有网络多媒体教室数", "networked multimedia classrooms per 100 students", "小学≥{r7p}间、初中≥{r7j}间；差异系数小学≤{cvp}、初中≤{cvj}",
            "primary ≥ {r7p}, junior ≥ {r7j}; coefficient ≤ {cvp} / {cvj}"),
        e(
            "G1", .guarantee, .flag, "县级人民政府制定义务教育学校布局规划并严格执行", "a school layout plan made and followed", "制定规划并严格执行，预留教育用地",
            "a plan made and followed, land reserved"),
        e(
            "G2", .guarantee, .flag, "城乡统一的学校建设、教师编制、公用经费、装备配置标准", "one building, staffing, funding and equipment standard for town and country", "四个统一全部落实",
            "all four standards unified"),
        c(
            "G3", .guarantee, "每12个班级配备音乐、美术专用教室", "music and art rooms per 12 classes", "每{rooms}个班各1间以上，音乐教室每间≥{music}㎡，美术教室每间≥{art}㎡",
            "one of each per {rooms} classes; music ≥ {music} m², art ≥ {art} m² each"),
        c(
            "G4", .guarantee, "学校规模", "school size", "小学、初中不超过{size}人，九年一贯制、十二年一贯制义务教育阶段不超过{sizeLarge}人",
            "primary and junior ≤ {size} pupils; nine- and twelve-year ≤ {sizeLarge}"),
        c("G5", .guarantee, "班额", "class size", "小学每班不超过{classP}人，初中不超过{classJ}人", "primary ≤ {classP}, junior ≤ {classJ} per class"),
        e(
            "G6", .guarantee, .flag, "不足100名学生的村小学和教学点按100名学生核定公用经费", "village schools and teaching points under 100 pupils funded as 100", "全部按100名学生核定",
            "all funded as 100"),
        e("G7", .guarantee, .amount, "特殊教育学校生均公用经费", "special-school funding per pupil", "不低于{special}元", "at least {special} yuan"),
        e(
            "G8", .guarantee, .percent, "教师平均工资收入水平不低于当地公务员", "teachers' average pay against local civil servants'", "不低于当地公务员的{pay}%",
            "at least {pay}% of civil servants'"),
        c(
            "G9", .guarantee, "教师5年360学时培训完成率", "360 training hours in five years", "{years}年{hours}学时，完成率{trainingShare}%",
            "{hours} hours in {years} years, {trainingShare}% of teachers"),
        e("G10", .guarantee, .flag, "县域内教职工编制、岗位统筹调配", "staffing and posts allotted across the county", "按规定统筹调配", "allotted as required"),
        c(
            "G11", .guarantee, "教师交流轮岗", "teacher rotation", "每年交流轮岗教师不低于符合条件教师的{rotation}%，其中骨干教师不低于{backbone}%",
            "≥ {rotation}% of eligible teachers a year, of them ≥ {backbone}% backbone"),
        c("G12", .guarantee, "专任教师持有教师资格证上岗率", "full-time teachers holding a qualification", "{qualified}%", "{qualified}%"),
        e(
            "G13", .guarantee, .flag, "城区和镇区公办小学、初中就近划片入学比例", "nearby enrolment in urban and town public schools", "小学100%、初中不低于95%",
            "primary 100%, junior ≥ 95%"),
        e(
            "G14", .guarantee, .percent, "优质高中招生名额分配比例", "good senior-high places allotted to junior schools", "不低于{places}%，并向农村初中倾斜",
            "at least {places}%, favouring rural schools"),
        e("G15", .guarantee, .percent, "符合条件的随迁子女在公办学校和政府购买服务的民办学校就读比例", "migrant children in public or bought places", "不低于{migrant}%", "at least {migrant}%"),
        e("Q1", .quality, .percent, "初中三年巩固率", "junior three-year retention", "达到{retention}%以上", "at least {retention}%"),
        c("Q2", .quality, "残疾儿童少年入学率", "enrolment of children with disabilities", "达到{disability}%以上", "at least {disability}%"),
        e("Q3", .quality, .flag, "所有学校制定章程，实现学校管理与教学信息化", "every school has a charter and runs on information systems", "全部达到", "all schools"),
        e(
            "Q4", .quality, .percent, "教师培训经费占学校年度公用经费预算总额比例", "training funds as a share of each school's public budget", "不低于{trainingFunds}%",
            "at least {trainingFunds}%"),
        e("Q5", .quality, .flag, "教师能熟练运用信息化手段组织教学，设施设备利用率达到较高水平", "teachers teach with information technology; equipment well used", "达到", "met"),
        e("Q6", .quality, .flag, "按照国家要求开齐开足课程", "courses complete as the state requires", "全部开齐开足", "all complete"),
        e("Q7", .quality, .flag, "无过重课业负担", "no excessive homework", "达到", "met"),
        e(
            "Q8", .quality, .flag, "国家义务教育质量监测学业水平III级以上，校际差异率低于0.15", "national monitoring at level III or above, between-school difference below 0.15", "达到",
            "met"),
        e("Q9", .quality, .flag, "学校德育工作、校园文化建设水平达到良好以上", "moral education and school culture good or better", "达到", "met"),
        c("S1", .recognition, "社会认可度（满意度调查）", "satisfaction survey", "满意率不低于{satisfaction}%", "at least {satisfaction}% satisfied"),
    ]

    public static let vetoes: [VetoDef] = [
        VetoDef(code: "V1", zh: "以考试方式招生", en: "admission by examination", computed: false),
        VetoDef(code: "V2", zh: "违规择校", en: "illegal school choice", computed: false),
        VetoDef(code: "V3", zh: "设置重点学校或重点班", en: "key schools or key classes", computed: false),
        VetoDef(code: "V4", zh: "“有编不补”或长期聘用编外教师", en: "posts left unfilled or long-term teachers outside the establishment", computed: false),
        VetoDef(code: "V5", zh: "教育系统存在重大安全责任事故和严重违纪违规事件", en: "a major safety accident or serious breach of discipline", computed: false),
        VetoDef(code: "V6", zh: "有弄虚作假行为", en: "falsified figures", computed: false),
        VetoDef(code: "V7", zh: "社会认可度低于85%", en: "satisfaction below 85%", computed: true),
    ]

    public static let byCode: [String: IndicatorDef] = Dictionary(uniqueKeysWithValues: indicators.map { ($0.code, $0) })
    public static let vetoByCode: [String: VetoDef] = Dictionary(uniqueKeysWithValues: vetoes.map { ($0.code, $0) })
}

/// The thresholds, a dated rule (`inspection_rules`): the national values are seeded; a province's
/// detailed rules are a new version from their date. Percentages are whole or decimal numbers of
/// per cent (10 = 10%).
public struct InspectionRules: Codable, Sendable, Equatable {
    public var schoolSize = 2000
    public var schoolSizeLarge = 2500
    public var classPrimary = 45
    public var classJunior = 50
    public var classesPerRoom = 12
    public var musicRoomArea = 96.0
    public var artRoomArea = 90.0
    public var specialFunding = 6000.0
    public var payShare = 100.0
    public var trainingHours = 360.0
    public var trainingYears = 5
    public var trainingShare = 100.0
    public var qualifiedShare = 100.0
    public var placesShare = 50.0
    public var migrantShare = 85.0
    public var retention = 95.0
    public var disability = 95.0
    public var trainingFunds = 5.0
    public var satisfaction = 85.0
    public init() {}

    public static let national = InspectionRules()

    /// Fills an indicator's requirement words with this rule's numbers (and the balance and
    /// rotation rules' own, passed in).
    public func requirement(_ d: IndicatorDef, _ l: UILocale, extra: [String: String]) -> String {
        var s = l == .en ? d.requirementEn : d.requirementZh
        let values: [String: String] = [
            "rooms": String(classesPerRoom), "music": Self.n(musicRoomArea), "art": Self.n(artRoomArea), "size": String(schoolSize),
            "sizeLarge": String(schoolSizeLarge),
            "classP": String(classPrimary), "classJ": String(classJunior), "special": Self.n(specialFunding), "pay": Self.n(payShare),
            "hours": Self.n(trainingHours),
            "years": String(trainingYears), "trainingShare": Self.n(trainingShare), "qualified": Self.n(qualifiedShare), "places": Self.n(placesShare),
            "migrant": Self.n(migrantShare), "retention": Self.n(retention), "disability": Self.n(disability), "trainingFunds": Self.n(trainingFunds),
            "satisfaction": Self.n(satisfaction),
        ].merging(extra) { a, _ in a }
        for (k, v) in values { s = s.replacingOccurrences(of: "{\(k)}", with: v) }
        return s
    }

    /// The threshold an entered percent or amount is judged against (at least).
    public func entryThreshold(_ code: String) -> Double? {
        switch code {
        case "G7": specialFunding;
        case "G8": payShare;
        case "G14": placesShare;
        case "G15": migrantShare
        case "Q1": retention;
        case "Q4": trainingFunds
        default: nil
        }
    }

    static func n(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }

    /// A province's detailed rules may be stricter than the national method, never laxer: caps no
    /// higher, floors no lower, shares at most 100%.
    public func validate() throws {
        var e = FieldErrors()
        let n = Self.national
        for (k, v, cap) in [
            ("schoolSize", schoolSize, n.schoolSize), ("schoolSizeLarge", schoolSizeLarge, n.schoolSizeLarge), ("classPrimary", classPrimary, n.classPrimary),
            ("classJunior", classJunior, n.classJunior), ("classesPerRoom", classesPerRoom, n.classesPerRoom),
            ("trainingYears", trainingYears, n.trainingYears),
        ]
        where v > cap { e.add(k, "不能宽于国家标准（不超过\(cap)）", "may not be laxer than the national standard (at most \(cap))") }
        for (k, v, floor) in [
            ("musicRoomArea", musicRoomArea, n.musicRoomArea), ("artRoomArea", artRoomArea, n.artRoomArea),
            ("specialFunding", specialFunding, n.specialFunding),
            ("payShare", payShare, n.payShare), ("trainingHours", trainingHours, n.trainingHours), ("trainingShare", trainingShare, n.trainingShare),
            ("qualifiedShare", qualifiedShare, n.qualifiedShare), ("placesShare", placesShare, n.placesShare), ("migrantShare", migrantShare, n.migrantShare),
            ("retention", retention, n.retention), ("disability", disability, n.disability), ("trainingFunds", trainingFunds, n.trainingFunds),
            ("satisfaction", satisfaction, n.satisfaction),
        ]
        where v < floor { e.add(k, "不能宽于国家标准（不低于\(Self.n(floor))）", "may not be laxer than the national standard (at least \(Self.n(floor)))") }
        for (k, v) in [
            ("trainingShare", trainingShare), ("qualifiedShare", qualifiedShare), ("placesShare", placesShare), ("migrantShare", migrantShare),
            ("retention", retention),
            ("disability", disability), ("trainingFunds", trainingFunds), ("satisfaction", satisfaction),
        ]
        where v > 100 { e.add(k, "百分比不能超过100", "a percentage is at most 100") }
        for (k, v) in [
            ("schoolSize", schoolSize), ("schoolSizeLarge", schoolSizeLarge), ("classPrimary", classPrimary), ("classJunior", classJunior),
            ("classesPerRoom", classesPerRoom), ("trainingYears", trainingYears),
        ]
        where v < 1 || v > 100_000 { e.add(k, "应为正整数", "must be a positive whole number") }
        for (k, v) in [
            ("payShare", payShare), ("trainingShare", trainingShare), ("qualifiedShare", qualifiedShare), ("placesShare", placesShare),
            ("migrantShare", migrantShare),
            ("retention", retention), ("disability", disability), ("trainingFunds", trainingFunds), ("satisfaction", satisfaction),
        ]
        where !(0...200).contains(v) { e.add(k, "百分比应在0到200之间", "a percentage must be between 0 and 200") }
        for (k, v) in [("musicRoomArea", musicRoomArea), ("artRoomArea", artRoomArea), ("specialFunding", specialFunding), ("trainingHours", trainingHours)]
        where !(0...1_000_000).contains(v) { e.add(k, "应为非负数", "must not be negative") }
        try e.throwIfAny()
    }
}
