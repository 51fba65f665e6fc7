import XuequCore

/// 教师资格种类 (DOMAIN §5); the digit is the one in the certificate number.
public typealias CertType = CertificateType

/// How the applicant proves teaching knowledge.
public enum CertRoute: String, Vocabulary {
    public static let lookup = makeLookup()
    case nationalExam = "national_exam"
    case twoExams = "two_exams"
    case exempt
    public var zh: String { switch self { case .nationalExam: "国家教师资格考试"; case .twoExams: "教育学、心理学考试及教育教学能力测试"; case .exempt: "免试认定" } }
    public var en: String { switch self { case .nationalExam: "national exam"; case .twoExams: "two exams and the ability test"; case .exempt: "exemption" } }
}

public enum PhysicalExam: String, Vocabulary {
    public static let lookup = makeLookup()
    case pass, fail, pending
    public var zh: String { switch self { case .pass: "合格"; case .fail: "不合格"; case .pending: "未体检" } }
    public var en: String { rawValue }
}

/// States of an application (CONTRACT "Certification").
public enum CertState: String, Vocabulary {
    public static let lookup = makeLookup()
    case draft, submitted, deficient, accepted
    case abilityTest = "ability_test"
    case review, forwarded, approved, rejected, noticed, certified, withdrawn, revoked
    public var zh: String {
        switch self {
        case .draft: "草稿"; case .submitted: "已提交"; case .deficient: "待补正"; case .accepted: "已受理"; case .abilityTest: "待能力测试"
        case .review: "审核中"; case .forwarded: "已报送市(州)"; case .approved: "已通过"; case .rejected: "未通过"; case .noticed: "公示中"
        case .certified: "已发证"; case .withdrawn: "已撤回"; case .revoked: "已撤销"
        }
    }
    public var en: String {
        switch self {
        case .abilityTest: "ability test"; case .forwarded: "forwarded to the prefecture"; case .noticed: "on public notice"
        default: rawValue
        }
    }
    public var isFinal: Bool { [.rejected, .withdrawn, .revoked].contains(self) }
    /// Submitted and waiting for a decision: these count against the decision due date.
    public static let undecided: [CertState] = [.submitted, .deficient, .accepted, .abilityTest, .review, .forwarded]
}

public enum CertEvent: String, Vocabulary {
    public static let lookup = makeLookup()
    case submit
    case requestCorrection = "request_correction"
    case accept
    case scoreAbilityTest = "score_ability_test"
    case approve, reject, forward
    case issueCertificate = "issue_certificate"
    case withdraw, revoke
    public var zh: String {
        switch self {
        case .submit: "提交"; case .requestCorrection: "通知补正"; case .accept: "受理"; case .scoreAbilityTest: "能力测试计分"; case .approve: "通过"
        case .reject: "不予认定"; case .forward: "报送市(州)"; case .issueCertificate: "颁发证书"; case .withdraw: "撤回"; case .revoke: "撤销"
        }
    }
    public var en: String {
        switch self {
        case .submit: "Submit"; case .requestCorrection: "Ask for a correction"; case .accept: "Accept"; case .scoreAbilityTest: "Close the ability test"
        case .approve: "Approve"; case .reject: "Reject"; case .forward: "Forward to the prefecture"; case .issueCertificate: "Issue the certificate"
        case .withdraw: "Withdraw"; case .revoke: "Revoke"
        }
    }
}

/// Who is acting on an application, as the state machine sees it.
public enum CertActor: Sendable, Equatable {
    case applicant
    case countyReviewer
    case prefectureReviewer
    case bureau
}

/// A refused transition: not allowed in this state (422) or not by this actor (403).
public enum CertTransitionError: Error, Equatable {
    case notAllowed(CertState, CertEvent)
    case forbidden
}

/// 教师资格认定 workflow as a pure function (ARCHITECTURE "Workflows").
public enum CertWorkflow {
    /// The next state, or why not. `passed` is the ability test's outcome for `score_ability_test`.
    public static func transition(from state: CertState, event: CertEvent, actor: CertActor, type: CertType, route: CertRoute, passed: Bool? = nil) throws -> CertState {
        let reviewer = actor == .countyReviewer || actor == .bureau
        // The body that decides: the county for types 1–3, the prefecture for 4–6.
        let decider = type.decidedByPrefecture ? actor == .prefectureReviewer : reviewer
        func need(_ ok: Bool) throws { if !ok { throw CertTransitionError.forbidden } }
        // Events this actor may never send are refused as such, whatever the state.
        guard mayEverSend(actor, event) else { throw CertTransitionError.forbidden }
        switch (state, event) {
        case (.draft, .submit), (.deficient, .submit):
            try need(actor == .applicant || reviewer)
            return .submitted
        case (.submitted, .requestCorrection):
            try need(reviewer)
            return .deficient
        case (.submitted, .accept):
            try need(reviewer)
            return route == .twoExams ? .abilityTest : .review
        case (.abilityTest, .scoreAbilityTest):
            try need(reviewer)
            return passed == true ? .review : .rejected
        case (.review, .forward):
            try need(reviewer)
            guard type.decidedByPrefecture else { throw CertTransitionError.notAllowed(state, event) }
            return .forwarded
        case (.review, .approve):
            if type.decidedByPrefecture {
                // The county does the preliminary review only: it forwards, it does not approve;
                // the prefecture decides once it has been forwarded.
                if actor == .prefectureReviewer { throw CertTransitionError.notAllowed(state, event) }
                throw CertTransitionError.forbidden
            }
            try need(decider)
            return .approved
        case (.forwarded, .approve):
            try need(actor == .prefectureReviewer)
            return .approved
        case (.submitted, .reject), (.deficient, .reject), (.accepted, .reject), (.abilityTest, .reject), (.review, .reject):
            try need(reviewer)
            return .rejected
        case (.forwarded, .reject):
            try need(actor == .prefectureReviewer)
            return .rejected
        case (.noticed, .reject):
            // An objection upheld during the notice period.
            try need(decider)
            return .rejected
        case (.noticed, .issueCertificate):
            try need(decider)
            return .certified
        case (.draft, .withdraw), (.submitted, .withdraw), (.deficient, .withdraw), (.accepted, .withdraw), (.abilityTest, .withdraw), (.review, .withdraw), (.forwarded, .withdraw):
            try need(actor == .applicant)
            return .withdrawn
        case (.certified, .revoke):
            try need(decider || actor == .bureau)
            return .revoked
        default:
            throw CertTransitionError.notAllowed(state, event)
        }
    }

    /// What each actor may send at all: applicants submit and withdraw; the prefecture decides,
    /// publishes and revokes; the county (and the bureau) do everything else.
    public static func mayEverSend(_ actor: CertActor, _ event: CertEvent) -> Bool {
        switch actor {
        case .applicant: return event == .submit || event == .withdraw
        case .prefectureReviewer: return [.approve, .reject, .issueCertificate, .revoke].contains(event)
        case .countyReviewer, .bureau: return event != .withdraw
        }
    }

    /// Events the actor could send now (for the page's buttons).
    public static func events(from state: CertState, actor: CertActor, type: CertType, route: CertRoute) -> [CertEvent] {
        CertEvent.allCases.filter { e in
            (try? transition(from: state, event: e, actor: actor, type: type, route: route, passed: true)) != nil
        }
    }
}
