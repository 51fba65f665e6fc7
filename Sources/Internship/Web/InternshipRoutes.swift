import XuequKit

public enum InternshipRoute: String, RouteName {
    public static let module = "internship"
    case home = "internship"
    case setup = "internship/setup"
    case universities = "internship/universities"
    case batches = "internship/batches"
    case batch = "internship/batches/:id"
    case groups = "internship/batches/:id/groups"
    case capacity = "internship/batches/:id/capacity"
    case importInterns = "internship/batches/:id/import"
    case assign = "internship/batches/:id/assign"
    case export = "internship/batches/:id/export"
    case intern = "internship/interns/:id"
    case place = "internship/interns/:id/place"
    case appraise = "internship/interns/:id/appraise"
    case grade = "internship/interns/:id/grade"
    case appraisalForm = "internship/interns/:id/appraisal"
    case records = "internship/records"
    case plans = "internship/plans"
    case plan = "internship/plans/:id"
    case planRevise = "internship/plans/:id/revise"
    case planApprove = "internship/plans/:id/approve"
    case planComment = "internship/plans/:id/comments"
    case planTrial = "internship/plans/:id/trial"
    case groupSummary = "internship/groups/:id/summary"
}

/// CONTRACT "Internship".
public enum InternshipAPIRoute: String, RouteName {
    public static let module = "internshipAPI"
    public static let prefix = "api/v1"
    case plans = "internship/lesson-plans"
    case plan = "internship/lesson-plans/:id"
    case approve = "internship/lesson-plans/:id/approve"
    case trials = "internship/trial-lectures"
    case teaching = "internship/teaching-records"
}
