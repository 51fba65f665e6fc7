import XuequKit

public enum InspectionRoute: String, RouteName {
    public static let module = "inspection"
    case home = "inspection"
    case indicator = "inspection/indicators/:code"
    case entry = "inspection/entries/:code"
    case evidence = "inspection/entries/:code/evidence"
    case schools = "inspection/schools"
    case school = "inspection/schools/:id"
    case report = "inspection/report"
    case rules = "inspection/rules"
    case survey = "inspection/survey"
    case questions = "inspection/survey/questions"
    case round = "inspection/survey/rounds/:id"
    case closeRound = "inspection/survey/rounds/:id/close"
    case codes = "inspection/survey/rounds/:id/codes"
}

/// The public questionnaire (no account, a code each).
public enum SurveyRoute: String, RouteName {
    public static let module = "survey"
    case answer = "survey/:code"
}

/// CONTRACT "Inspection (优质均衡)".
public enum InspectionAPIRoute: String, RouteName {
    public static let module = "inspectionAPI"
    public static let prefix = "api/v1"
    case readiness = "inspection"
    case report = "inspection/report"
    case entry = "inspection/entries/:code"
    case rounds = "inspection/survey/rounds"
    case round = "inspection/survey/rounds/:id"
    case closeRound = "inspection/survey/rounds/:id/close"
}
