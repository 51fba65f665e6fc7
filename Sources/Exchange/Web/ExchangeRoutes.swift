import XuequKit

/// The exchange pages: each case registers its route and builds its links.
public enum ExchangeRoute: String, RouteName {
    public static let module = "exchange"
    case home = "exchange"
    case eligible = "exchange/eligible"
    case teacher = "exchange/teachers/:id"
    case mine = "exchange/me"
    case planNew = "exchange/plans/new"
    case plan = "exchange/plans/:id"
    case planEdit = "exchange/plans/:id/edit"
    case planEvents = "exchange/plans/:id/events"
    case planStale = "exchange/plans/:id/stale"
    case move = "exchange/moves/:id"
    case moveAssess = "exchange/moves/:id/assessment"
    case moveExtend = "exchange/moves/:id/extend"
    case alliances = "exchange/alliances"
    case alliance = "exchange/alliances/:id"
    case allianceTerms = "exchange/alliances/:id/terms"
    case allianceScores = "exchange/alliances/:id/scores"
    case itinerant = "exchange/itinerant"
    case rules = "exchange/rules"
    case itinerantTeachers = "exchange/itinerant/teachers"
    case itinerantDemand = "exchange/itinerant/demand"
    case itinerantTravel = "exchange/itinerant/travel"
}

/// The exchange JSON API under `/api/v1` (CONTRACT "Exchange").
public enum ExchangeAPIRoute: String, RouteName {
    public static let module = "exchangeAPI"
    public static let prefix = "api/v1"
    case eligible = "exchange/eligible"
    case suggest = "exchange/plans/suggest"
    case plans = "exchange/plans"
    case plan = "exchange/plans/:id"
    case planEvents = "exchange/plans/:id/events"
    case planStale = "exchange/plans/:id/stale"
    case moveAssessments = "exchange/moves/:id/assessments"
    case moveExtend = "exchange/moves/:id/extend"
    case timetable = "exchange/itinerant/timetable"
}
