import Foundation
import XuequCore

/// The work summary's sections, in the seed's order, each a template the bureau edits and keeps
/// per year: text with `{placeholders}` filled from the year's figures.
public enum SummarySection: String, CaseIterable, Sendable, Codable {
    case system, planning, sharing, research, balance, certification, internship

    public var zh: String {
        switch self {
        case .system: "一、学区体系建设";
        case .planning: "二、规划与布局调整";
        case .sharing: "三、教师交流与资源共享"
        case .research: "四、教研与教师培训";
        case .balance: "五、均衡发展与教育公平";
        case .certification: "六、教师资格认定";
        case .internship: "七、教育实习"
        }
    }
    public var en: String {
        switch self {
        case .system: "1. The district system";
        case .planning: "2. Planning and consolidation";
        case .sharing: "3. Sharing teachers"
        case .research: "4. Teaching research and training";
        case .balance: "5. Balance and equity";
        case .certification: "6. Teacher certification";
        case .internship: "7. Student teaching"
        }
    }
    public func title(_ l: UILocale) -> String { l == .en ? en : zh }

    /// The default text, after the seed's own sentences.
    public var defaultText: String {
        switch self {
        case .system:
            "全县（市）设立{districts}个学区，每个学区设一所中心校（现有中心校{centralSchools}所），统筹管理区域内的人、财、物和教育教学工作，构建起市、区、校三级教研网络。"
        case .planning:
            "坚持先规划、后建设、再调整。自{schools.firstMerger}年以来累计撤并小规模学校{schools.mergedTotal}所，全县学校由{schools.before}所调整为{schools.end}所。{year}年初全县有学校{schools.start}所，年内撤并{schools.merged}所，年末有学校{schools.end}所，其中标准化学校{schools.standardised}所。"
        case .sharing:
            "全县符合交流条件的教师{exchange.eligible}人，{year}年交流轮岗{exchange.moved}人（应交流{exchange.required}人，占{exchange.share}），其中骨干教师{exchange.backboneMoved}人；每年选派{exchange.supportTarget}名教师下乡支教，今年到乡村学校支教{exchange.supportToRural}名（支教共{exchange.support}名），挂职锻炼{exchange.secondment}人；组建盟校{exchange.alliances}个，覆盖学校{exchange.allianceSchools}所。"
        case .research:
            "依托市、区、校三级教研网络，{year}年开展教研活动{teaching.activities}次、公开课{teaching.openClasses}节；形成通案{teaching.commonPlans}篇，教师二次备课形成个案{teaching.ownPlans}篇（其中改动不足一成的{teaching.nearCopies}篇）；优课{teaching.modelLessons}节，其中逾期上传{teaching.modelLessonsLate}节。坚持寒暑假教师全员培训，全县{training.teachers}名教师中{training.completed}名完成年度培训学时（{training.share}），选派{teaching.universityTeachers}名教师到合作高校研修。"
        case .balance:
            "全县{balance.schoolParts}个学校（部）中，{balance.schoolsMeeting}个达到优质均衡资源配置7项指标中至少6项。学前三年毛入园率{equity.preschool_gross}，高中阶段毛入学率{equity.senior_gross}，三类残疾儿童少年入学率{equity.disability_enrolment}（{equity.year}年统计）。全年资助学生{aid.students}人次、资助金额{aid.amount}元。"
        case .certification:
            "{year}年共受理教师资格认定申请{certification.applied}人，认定通过{certification.certified}人，其中{certification.byType}。"
        case .internship:
            "{year}年接收实习批次{internship.batches}个，实习生{internship.interns}人，由高校带队教师和实习学校指导教师共同指导。"
        }
    }

    /// A district's default text: its own district, no county-wide targets or statistics.
    public var districtText: String {
        switch self {
        case .system: "本学区设中心校{centralSchools}所，统筹管理区内学校的人、财、物和教育教学工作，学区教研中心负责区内教学研究和教师培训。"
        case .planning: "{year}年初本学区有学校{schools.start}所，年内撤并{schools.merged}所，年末有学校{schools.end}所，其中标准化学校{schools.standardised}所。"
        case .sharing:
            "本学区符合交流条件的教师{exchange.eligible}人，{year}年交流轮岗{exchange.moved}人（应交流{exchange.required}人，占{exchange.share}），其中骨干教师{exchange.backboneMoved}人，支教{exchange.support}人。"
        case .research:
            "{year}年本学区开展教研活动{teaching.activities}次、公开课{teaching.openClasses}节，形成通案{teaching.commonPlans}篇、个案{teaching.ownPlans}篇；{training.teachers}名教师中{training.completed}名完成年度培训学时（{training.share}）。"
        case .balance: "本学区{balance.schoolParts}个学校（部）中，{balance.schoolsMeeting}个达到优质均衡资源配置7项指标中至少6项。"
        case .certification: defaultText
        case .internship: "{year}年本学区学校接收实习生{internship.interns}人。"
        }
    }

    /// The placeholders in a text, in order.
    public static func placeholders(in text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            out.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    /// Fills the placeholders; one without a value (a figure the scope does not have) becomes "—".
    public static func render(_ text: String, _ values: [String: String]) -> String {
        var out = text
        for k in placeholders(in: text) { out = out.replacingOccurrences(of: "{\(k)}", with: values[k] ?? "—") }
        return out
    }
}
