/// Interface strings, Chinese first. `{0}`, `{1}` are filled by the caller.
public enum L10n {
    public static func text(_ key: String, _ locale: UILocale) -> String {
        guard let pair = table[key] else { return key }
        return locale == .en ? pair.1 : pair.0
    }

    /// The string with `{0}`, `{1}`, … filled in.
    public static func text(_ key: String, _ locale: UILocale, _ args: String...) -> String { text(key, locale, args: args) }

    public static func text(_ key: String, _ locale: UILocale, args: [String]) -> String {
        args.enumerated().reduce(text(key, locale)) { s, a in s.replacingOccurrences(of: "{\(a.offset)}", with: a.element) }
    }

    static let table: [String: (String, String)] = core.merging(balance) { a, _ in a }.merging(certification) { a, _ in a }

    static let core: [String: (String, String)] = [
        "app.name": ("学区管理平台", "Xuequ school districts"),
        "app.footer": ("学区 Xuequ · 县域学区管理平台 · 数据仅在本单位内网使用", "Xuequ · county school-district platform · data stays on this intranet"),
        "nav.home": ("首页", "Home"), "nav.districts": ("学区", "Districts"), "nav.schools": ("学校", "Schools"), "nav.teachers": ("教师", "Teachers"),
        "nav.imports": ("导入", "Import"), "nav.users": ("账户", "Accounts"), "nav.audit": ("审计日志", "Audit log"), "nav.menu": ("菜单", "Menu"),
        "nav.password": ("修改密码", "Password"), "nav.logout": ("退出", "Sign out"),
        "pager.label": ("分页", "Pages"), "pager.prev": ("上一页", "Previous"), "pager.next": ("下一页", "Next"),
        "pager.info": ("第 {0} / {1} 页，共 {2} 条", "page {0} of {1}, {2} in all"),
        "login.title": ("登录", "Sign in"), "login.heading": ("登录学区管理平台", "Sign in to Xuequ"),
        "login.intro": ("请使用教育局分配的账户登录。连续输错5次密码，账户将锁定15分钟。", "Use the account the bureau gave you. Five wrong passwords lock the account for 15 minutes."),
        "login.username": ("用户名", "Username"), "login.password": ("密码", "Password"), "login.submit": ("登录", "Sign in"),
        "error.title": ("出错了", "Something went wrong"), "error.heading": ("无法完成请求", "The request could not be completed"),
        "error.requestId": ("请求编号", "Request id"), "error.home": ("返回首页", "Back to home"),
        "password.title": ("修改密码", "Change password"), "password.rules": ("新密码至少10个字符，且不能与用户名相同。修改后其他设备上的登录将失效。", "At least 10 characters, not your username. Other signed-in devices are signed out."),
        "password.current": ("当前密码", "Current password"), "password.new": ("新密码", "New password"), "password.confirm": ("再次输入新密码", "Repeat the new password"),
        "password.wrong": ("当前密码不正确", "the current password is wrong"), "password.mismatch": ("两次输入的新密码不一致", "the two new passwords differ"),
        "password.changed": ("密码已修改", "Password changed"),
        "form.save": ("保存", "Save"), "form.cancel": ("取消", "Cancel"), "form.edit": ("编辑", "Edit"), "form.print": ("打印", "Print"),
        "form.yes": ("是", "yes"), "form.no": ("否", "no"),
        "flash.saved": ("已保存", "Saved"), "flash.merged": ("撤并已完成，教师与学生已转入本校", "Merged: teachers and students moved to this school"),
        "home.title": ("首页", "Home"), "home.heading": ("{0}，您好", "Hello, {0}"), "home.tasks": ("待办事项", "Waiting for you"),
        "home.noTasks": ("暂无待办事项。", "Nothing is waiting for you."), "home.recent": ("最近操作", "Recent activity"), "home.allAudit": ("全部", "all"),
        "home.stat.districts": ("学区", "districts"), "home.stat.schools": ("在办学校", "active schools"), "home.stat.teachers": ("教师", "teachers"), "home.stat.students": ("在校生", "students"),
        "home.task.due": ("{0} 名教师在本校任教已满6年，应纳入交流轮岗", "{0} teachers have taught 6 years or more at their school and are due to rotate"),
        "home.task.due.detail": ("按 {0} 计算", "counted on {0}"),
        "home.task.conditions": ("{0} 所学校尚未填报 {1} 年办学条件", "{0} schools have not entered their {1} conditions"),
        "home.task.conditions.detail": ("办学条件用于均衡发展监测（差异系数）", "conditions feed the balance monitoring (difference coefficients)"),
        "home.task.locked": ("{0} 个账户因登录失败被锁定", "{0} accounts are locked after failed sign-ins"),
        "home.task.locked.detail": ("可在账户管理中重置密码解锁", "reset the password to unlock"),
        "home.task.record": ("核对本人信息", "Check your record"), "home.task.record.detail": ("{0}，{1} 起在本校任教", "{0}, at this school since {1}"),
        "home.task.selfdue": ("您在本校任教已满6年", "You have taught 6 years at this school"),
        "home.task.selfdue.detail": ("截至 {1} 满 {0} 年，按规定应参加交流轮岗", "{0} years on {1}: due to rotate under the national rule"),
        "list.search": ("搜索", "Search"), "list.all": ("全部", "all"), "list.filter": ("筛选", "Filter"), "list.empty": ("没有符合条件的记录。", "No records match."),
        "list.exportXlsx": ("导出 Excel", "Export .xlsx"), "list.exportCsv": ("导出 CSV", "Export .csv"),
        "districts.summary": ("{0} 个学区，{1} 所在办学校，{2} 名教师，{3} 名在校生", "{0} districts, {1} active schools, {2} teachers, {3} students"),
        "districts.central": ("中心校", "Central school"), "districts.none": ("尚无学区。", "No districts yet."), "district.schools": ("学区内学校", "Schools of the district"),
        "schools.searchHint": ("学校名称或代码", "school name or code"),
        "school.code": ("学校代码", "Code"), "school.name": ("学校名称", "Name"), "school.district": ("学区", "District"), "school.stage": ("办学类型", "Stage"),
        "school.locality": ("城乡", "Locality"), "school.status": ("状态", "Status"), "school.students": ("在校生数", "Students"), "school.central": ("中心校", "central"),
        "school.boarding": ("寄宿制", "boarding"), "school.standardised": ("标准化", "standardised"), "school.address": ("地址", "Address"), "school.flags": ("学校属性", "Flags"),
        "school.teacherCount": ("教师数", "Teachers"), "teacher.schoolCode": ("学校代码", "School code"), "school.new": ("新增学校", "New school"), "school.edit": ("编辑学校", "Edit school"), "school.info": ("基本情况", "Facts"), "school.history": ("布局调整记录", "Consolidation history"),
        "school.noHistory": ("无撤并记录。", "No mergers."), "school.conditions": ("办学条件", "School conditions"), "school.teachers": ("在校教师", "Teachers"),
        "school.noTeachers": ("本校暂无教师记录。", "No teachers on record."), "school.allTeachers": ("查看全部 {0} 名教师", "all {0} teachers"),
        "school.mergedInto": ("本校已于 {1} 并入 {0}。", "This school was merged into {0} on {1}."), "school.open": ("查看", "open"),
        "history.mergedInto": ("并入", "merged into"), "history.absorbed": ("并入本校", "merged into this school"),
        "history.moved": ("（转入教师 {0} 名、学生 {1} 名）", "({0} teachers, {1} students moved)"),
        "cond.year": ("年度", "Year"), "cond.students": ("学生（小/初/高）", "Students (pri/jun/sen)"), "cond.floorArea": ("教学及辅助用房 m²", "Teaching floor m²"),
        "cond.sportsArea": ("体育运动场馆 m²", "Sports ground m²"), "cond.equipment": ("教学仪器设备值 元", "Equipment ¥"), "cond.computers": ("计算机", "Computers"),
        "cond.books": ("图书 册", "Books"), "cond.multimedia": ("网络多媒体教室", "Multimedia rooms"),
        "cond.note": ("办学条件按年度填报，学生数按学段（小学/初中/高中）分列；面积单位平方米，金额单位元。", "Conditions are kept per year; students by part (primary/junior/senior); areas in m², money in yuan."),
        "cond.none": ("尚未填报办学条件。", "No conditions entered yet."),
        "merge.title": ("撤并", "Merge"), "merge.heading": ("撤并 {0}", "Merge {0}"),
        "merge.explain": ("撤并后，本校 {0} 名教师和 {1} 名学生转入目标学校，本校状态变为“已撤并”，两校页面均保留记录。此操作不可撤销。", "The school's {0} teachers and {1} students move to the target school; this school becomes “merged”; both keep the record. This cannot be undone."),
        "merge.into": ("并入学校", "Merge into"), "merge.date": ("撤并日期", "Date"), "merge.note": ("说明（可选）", "Note (optional)"), "merge.submit": ("确认撤并", "Merge"),
        "merge.confirm": ("确定撤并？此操作不可撤销。", "Merge this school? This cannot be undone."),
        "teachers.searchHint": ("姓名或身份证号前几位", "name or first digits of the ID"), "teachers.due": ("满6年应交流", "due to rotate"), "teachers.years": ("{0}年", "{0} y"),
        "teacher.name": ("姓名", "Name"), "teacher.gender": ("性别", "Sex"), "teacher.residentId": ("身份证号", "Resident ID"), "teacher.school": ("学校", "School"),
        "teacher.subjects": ("任教学科", "Subjects"), "teacher.education": ("学历", "Education"), "teacher.putonghua": ("普通话", "Putonghua"), "teacher.title": ("职称", "Title"),
        "teacher.backbone": ("骨干", "Backbone"), "teacher.since": ("本校任教起始", "At school since"), "teacher.stagePart": ("任教学段", "Stage part"),
        "teacher.birthDate": ("出生日期", "Birth date"), "teacher.phone": ("手机号", "Mobile"), "teacher.profile": ("教师信息", "Record"),
        "teacher.transfers": ("调动记录", "Transfers"), "teacher.noTransfers": ("无调动记录。", "No transfers."), "teacher.new": ("新增教师", "New teacher"), "teacher.edit": ("编辑教师", "Edit teacher"),
        "transfer.reason.merge": ("学校撤并", "school merged"), "transfer.reason.edit": ("信息变更", "record edited"), "transfer.reason.exchange": ("交流轮岗", "rotation"),
        "import.intro": ("从 Excel（.xlsx）或 CSV 批量导入。每一行都会先校验；只要有一行有误，就不导入任何数据。", "Import from Excel (.xlsx) or CSV. Every row is checked first; if any row is wrong, nothing is imported."),
        "import.teachers": ("导入教师", "Import teachers"), "import.schools": ("导入学校", "Import schools"),
        "import.teachers.explain": ("表头：姓名、身份证号、学校代码、任教学科、学历、普通话等级、职称、骨干级别、本校任教起始日期（可选：任教学段、手机号）。", "Headers: 姓名, 身份证号, 学校代码, 任教学科, 学历, 普通话等级, 职称, 骨干级别, 本校任教起始日期 (optional 任教学段, 手机号)."),
        "import.schools.explain": ("表头：学校代码、学校名称、学区代码、办学类型、城乡类型（可选：在校生数、寄宿制、中心校、标准化）。", "Headers: 学校代码, 学校名称, 学区代码, 办学类型, 城乡类型 (optional 在校生数, 寄宿制, 中心校, 标准化)."),
        "import.template": ("下载模板（.xlsx）", "Download the template (.xlsx)"), "import.file": ("选择文件（.xlsx 或 .csv，最大 20 MB）", "File (.xlsx or .csv, up to 20 MB)"),
        "import.submit": ("上传并导入", "Upload and import"), "import.done": ("导入成功：{0} 条记录。", "Imported {0} records."),
        "import.failed": ("未导入：请修改以下问题后重新上传", "Nothing imported: fix these and upload again"),
        "import.row": ("行", "Row"), "import.column": ("列", "Column"), "import.reason": ("原因", "Reason"), "import.values": ("可填写的值", "Accepted values"),
        "import.rules": ("CSV 可为 UTF-8（含或不含 BOM）或 GBK 编码（Excel 中文版默认）。身份证号列请设为“文本”格式。", "CSV may be UTF-8 (with or without BOM) or GBK (Chinese Excel's default). Format the ID column as text."),
        "user.new": ("新增账户", "New account"), "user.edit": ("账户", "Account"), "user.username": ("用户名", "Username"), "user.displayName": ("姓名", "Name"),
        "user.role": ("角色", "Role"), "user.scope": ("范围", "Scope"), "user.state": ("状态", "State"), "user.active": ("启用", "active"), "user.inactive": ("已停用", "inactive"),
        "user.locked": ("已锁定", "locked"), "user.lockedOnly": ("仅看锁定", "locked only"), "user.schoolCode": ("学校代码（学校管理员）", "School code (school admin)"),
        "user.teacherResidentId": ("教师身份证号（教师账户）", "Teacher's resident ID (teacher account)"),
        "user.passwordOnce": ("初始密码（仅显示一次，请转交本人并提醒其修改）：", "Initial password (shown once; hand it over and ask for a change):"),
        "user.isLocked": ("该账户因连续登录失败被锁定。重置密码即可解锁。", "This account is locked after failed sign-ins; a password reset unlocks it."),
        "user.reset": ("重置密码", "Reset password"), "user.resetConfirm": ("确定为该账户生成新密码？原密码和所有登录将失效。", "Generate a new password? The old one and all sessions stop working."),
        "audit.intro": ("所有写操作的记录，只增不改，以哈希链相连；可用 xuequ audit verify 校验。", "Every write, append-only and hash-chained; check it with xuequ audit verify."),
        "audit.atLocal": ("时间（北京时间）", "Time (UTC+8)"), "home.scope.county": ("全县", "whole county"), "audit.actor": ("操作人", "Actor"), "audit.action": ("操作", "Action"), "audit.entity": ("对象类型", "Object type"),
        "audit.object": ("对象", "Object"), "audit.summary": ("摘要", "Summary"), "audit.address": ("地址", "Address"), "audit.from": ("起", "From"), "audit.to": ("止", "To"),
    ]
}
