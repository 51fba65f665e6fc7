import XuequKit

/// The balance pages: each case registers its route and builds its links.
public enum BalanceRoute: String, RouteName {
    public static let module = "balance"
    case dashboard = "balance"
    case school = "balance/schools/:id"
    case whatIf = "balance/whatif"
    case sheet = "balance/sheet"
    case sheetExport = "balance/sheet/export"
    case conditions = "balance/conditions"
    case rules = "balance/rules"
    case recordTeachers = "balance/rules/record"
    case equity = "balance/equity"
    case aid = "balance/aid"
    case counties = "balance/counties"
    case countiesExport = "balance/counties/export"
}

/// The balance JSON API under `/api/v1`.
public enum BalanceAPIRoute: String, RouteName {
    public static let module = "balanceAPI"
    public static let prefix = "api/v1"
    case balance = "balance"
    case summary = "balance/summary"
    case whatIf = "balance/whatif"
    case counties = "balance/counties"
}
