import Foundation

/// Interface strings, Chinese first. `{0}`, `{1}` are filled by the caller. The platform's own
/// strings are here; each module registers its table when the application is configured
/// (`XuequModule.strings`), so a module's text lives in the module.
public enum L10n {
    public static func text(_ key: String, _ locale: UILocale) -> String {
        guard let pair = lookup(key) else { return key }
        return locale == .en ? pair.1 : pair.0
    }

    /// The string with `{0}`, `{1}`, … filled in.
    public static func text(_ key: String, _ locale: UILocale, _ args: String...) -> String { text(key, locale, args: args) }

    public static func text(_ key: String, _ locale: UILocale, args: [String]) -> String {
        fill(text(key, locale), args)
    }

    /// `{0}`, `{1}`, … (up to `{9}`) in `text` replaced by `args`, in one pass; a placeholder
    /// without an argument stays as written.
    public static func fill(_ text: String, _ args: [String]) -> String {
        guard !args.isEmpty, text.utf8.contains(UInt8(ascii: "{")) else { return text }
        var out = ""
        var u = text.utf8[...]
        while let open = u.firstIndex(of: UInt8(ascii: "{")) {
            out += String(Substring(u[u.startIndex..<open]))
            let rest = u[open...]
            let digit = rest.dropFirst().first, close = rest.dropFirst(2).first
            if let d = digit, d >= 0x30, d <= 0x39, close == UInt8(ascii: "}"), Int(d - 0x30) < args.count {
                out += args[Int(d - 0x30)]
                u = rest.dropFirst(3)
            } else {
                out += "{"
                u = rest.dropFirst()
            }
        }
        out += String(Substring(u))
        return out
    }

    /// Adds a module's strings. Registering the same table again (every test builds its own
    /// application) changes nothing; a key two modules define differently keeps the first.
    public static func register(_ strings: [String: (String, String)]) {
        lock.lock(); defer { lock.unlock() }
        table.merge(strings) { a, _ in a }
    }

    /// Whether a key has a text (tests check that every key a template uses exists).
    public static func has(_ key: String) -> Bool { lookup(key) != nil }

    private static func lookup(_ key: String) -> (String, String)? {
        lock.lock(); defer { lock.unlock() }
        return table[key]
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var table: [String: (String, String)] = core

    static let core: [String: (String, String)] = [
        "app.name": ("学区管理平台", "Xuequ school districts"),
        "app.footer": ("学区 Xuequ · 县域学区管理平台 · 数据仅在本单位内网使用", "Xuequ · county school-district platform · data stays on this intranet"),
        "nav.home": ("首页", "Home"),
        "nav.users": ("账户", "Accounts"),
        "nav.audit": ("审计日志", "Audit log"),
        "nav.menu": ("菜单", "Menu"),
        "nav.password": ("修改密码", "Password"),
        "nav.logout": ("退出", "Sign out"),
        "pager.label": ("分页", "Pages"),
        "pager.prev": ("上一页", "Previous"),
        "pager.next": ("下一页", "Next"),
        "pager.info": ("第 {0} / {1} 页，共 {2} 条", "page {0} of {1}, {2} in all"),
        "pager.info.capped": ("第 {0} 页，超过 {1} 条（请用筛选条件缩小范围）", "page {0}, more than {1} (narrow the list with the filters)"),
        "login.title": ("登录", "Sign in"),
        "login.heading": ("登录学区管理平台", "Sign in to Xuequ"),
        "login.intro": ("请使用教育局分配的账户登录。连续输错5次密码，账户将锁定15分钟。", "Use the account the bureau gave you. Five wrong passwords lock the account for 15 minutes."),
        "login.username": ("用户名", "Username"),
        "login.password": ("密码", "Password"),
        "login.submit": ("登录", "Sign in"),
        "error.title": ("出错了", "Something went wrong"),
        "error.heading": ("无法完成请求", "The request could not be completed"),
        "error.requestId": ("请求编号", "Request id"),
        "error.home": ("返回首页", "Back to home"),
        "password.title": ("修改密码", "Change password"),
        "password.rules": ("新密码至少10个字符，且不能与用户名相同。修改后其他设备上的登录将失效。", "At least 10 characters, not your username. Other signed-in devices are signed out."),
        "password.current": ("当前密码", "Current password"),
        "password.new": ("新密码", "New password"),
        "password.confirm": ("再次输入新密码", "Repeat the new password"),
        "password.wrong": ("当前密码不正确", "the current password is wrong"),
        "password.mismatch": ("两次输入的新密码不一致", "the two new passwords differ"),
        "password.changed": ("密码已修改", "Password changed"),
        "password.firstSignIn": ("这是管理员设置的初始密码：请先设置您自己的密码，之后才能使用各项功能", "This is a password an administrator set: choose your own before anything else"),
        "form.save": ("保存", "Save"),
        "form.cancel": ("取消", "Cancel"),
        "form.edit": ("编辑", "Edit"),
        "form.print": ("打印", "Print"),
        "form.yes": ("是", "yes"),
        "form.no": ("否", "no"),
        "flash.saved": ("已保存", "Saved"),
        "home.title": ("首页", "Home"),
        "home.heading": ("{0}，您好", "Hello, {0}"),
        "home.tasks": ("待办事项", "Waiting for you"),
        "home.noTasks": ("暂无待办事项。", "Nothing is waiting for you."),
        "home.recent": ("最近操作", "Recent activity"),
        "home.allAudit": ("全部", "all"),
        "home.task.locked": ("{0} 个账户因登录失败被锁定", "{0} accounts are locked after failed sign-ins"),
        "home.task.locked.detail": ("可在账户管理中重置密码解锁", "reset the password to unlock"),
        "list.search": ("搜索", "Search"),
        "list.all": ("全部", "all"),
        "list.filter": ("筛选", "Filter"),
        "list.empty": ("没有符合条件的记录。", "No records match."),
        "list.exportXlsx": ("导出 Excel", "Export .xlsx"),
        "list.exportCsv": ("导出 CSV", "Export .csv"),
        "user.new": ("新增账户", "New account"),
        "user.edit": ("账户", "Account"),
        "user.created": ("已创建账户：", "Account created: "),
        "user.username": ("用户名", "Username"),
        "user.displayName": ("姓名", "Name"),
        "user.role": ("角色", "Role"),
        "user.scope": ("范围", "Scope"),
        "user.state": ("状态", "State"),
        "user.active": ("启用", "active"),
        "user.inactive": ("已停用", "inactive"),
        "user.locked": ("已锁定", "locked"),
        "user.lockedOnly": ("仅看锁定", "locked only"),
        "user.schoolCode": ("学校代码（学校管理员）", "School code (school admin)"),
        "user.teacherResidentId": ("教师身份证号（教师账户）", "Teacher's resident ID (teacher account)"),
        "user.passwordOnce": ("初始密码（仅显示一次，请转交本人并提醒其修改）：", "Initial password (shown once; hand it over and ask for a change):"),
        "user.isLocked": ("该账户因连续登录失败被锁定。重置密码即可解锁。", "This account is locked after failed sign-ins; a password reset unlocks it."),
        "user.reset": ("重置密码", "Reset password"),
        "user.resetConfirm": ("确定为该账户生成新密码？原密码和所有登录将失效。", "Generate a new password? The old one and all sessions stop working."),
        "audit.intro": ("系统中每一次写操作的记录：只增不改，前后相连，任何事后改动都能被发现。", "Every change made in the system: kept in order, never edited, and linked so that a later edit shows."),
        "print.date": ("打印日期：{0}", "Printed {0}"), "print.unit": ("单位（盖章）", "Issuing body (seal)"), "print.clerk": ("经办人", "Officer"), "print.signDate": ("日期", "Date"),
        "print.yearMonthDay": ("　　年　　月　　日", "　　/　　/　　"),
        "audit.what": ("操作记录", "What happened"), "audit.area": ("业务", "Area"), "audit.all": ("全部", "all"),
        "audit.export": ("导出（.xlsx）", "Export (.xlsx)"), "audit.count": ("共 {0} 条", "{0} entries"), "audit.count.capped": ("超过 {0} 条", "more than {0} entries"),
        "audit.atLocal": ("时间（北京时间）", "Time (UTC+8)"),
        "home.scope.county": ("全县", "whole county"),
        "audit.actor": ("操作人", "Actor"),
        "audit.action": ("操作", "Action"),
        "audit.entity": ("对象类型", "Object type"),
        "audit.object": ("对象", "Object"),
        "audit.summary": ("摘要", "Summary"),
        "audit.address": ("地址", "Address"),
        "audit.from": ("起", "From"),
        "audit.to": ("止", "To"),
    ]
}

extension String {
    /// Characters a reader sees: letters, digits, punctuation and symbols, not spaces, controls,
    /// zero-width format characters or combining marks (a "4-character" text of one letter and
    /// twenty thousand accents, or of four zero-width spaces, has 1 and 0).
    public var visibleCount: Int {
        unicodeScalars.reduce(0) { n, s in
            switch s.properties.generalCategory {
            case .format, .control, .nonspacingMark, .enclosingMark, .spacingMark, .spaceSeparator, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned:
                return n
            default: return n + 1
            }
        }
    }
}
