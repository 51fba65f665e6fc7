/// The platform's own pages: sign-in, home, account, administration.
public enum PlatformRoute: String, RouteName {
    public static let module = "platform"
    case home = ""
    case login = "login"
    case logout = "logout"
    case language = "lang"
    case password = "account/password"
    case users = "admin/users"
    case userNew = "admin/users/new"
    case user = "admin/users/:id"
    case userReset = "admin/users/:id/reset"
    case audit = "admin/audit"
    case health = "healthz"
    case metrics = "metrics"
    /// The printed page's running footer: the printing date and page numbers, in the reader's language.
    case printCSS = "print.css"
}

/// The platform's JSON API under `/api/v1`.
public enum PlatformAPIRoute: String, RouteName {
    public static let module = "platformAPI"
    public static let prefix = "api/v1"
    case session = "session"
    case me = "me"
}
