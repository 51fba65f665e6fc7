import Foundation
import Vapor
import XuequCore
import XuequKit

/// 申请人注册: an applicant makes an account with the resident ID as the username, a phone
/// number and a password; nobody else can create applicant accounts for strangers.
extension CertificationPages {
    struct RegisterPage: Encodable, Sendable {
        let layout: Layout
        let values: [String: String]
        let errors: [String: String]
    }

    func registerForm(req: Request) async throws -> Response {
        try await req.page("cert/register", RegisterPage(layout: req.layout("", title: L10n.text("cert.register", req.uiLocale)), values: [:], errors: [:]))
    }

    func register(req: Request) async throws -> Response {
        // Each registration costs a bcrypt hash: an address gets a few an hour.
        try req.throttle("register", rule: req.application.security.registrationsPerAddress) { wait in
            LocalizedText(zh: "来自您的地址的注册过于频繁，请\(wait / 60 + 1)分钟后再试", en: "too many registrations from your address; try again in \(wait / 60 + 1) min")
        }
        var form = try req.content.decode([String: String].self)
        form.removeValue(forKey: "_csrf")
        let locale = req.uiLocale
        var e = FieldErrors()
        let name = (form["name"] ?? "").trimmed
        if name.isEmpty || name.count > 40 { e.add("name", "姓名不能为空，且不超过40字", "name is required, at most 40 characters") }
        var rid: ResidentID?
        switch ResidentID.parse(form["residentId"] ?? "", today: CivilDate.today(req.application.clock.now())) {
        case .success(let r): rid = r
        case .failure(let p): e.add("residentId", p.message)
        }
        let phone = (form["phone"] ?? "").trimmed
        if phone.count != 11 || !phone.allSatisfy(\.isNumber) || !phone.hasPrefix("1") { e.add("phone", "手机号应为11位数字", "the phone number has 11 digits") }
        let password = form["password"] ?? ""
        if password != (form["confirm"] ?? "") { e.add("confirm", "两次输入的密码不一致", "the two passwords differ") }
        do {
            try Accounts.checkPasswordPolicy(password, username: rid?.value ?? "", policy: req.application.security)
        } catch let err as DomainError { for (k, v) in err.fields { e.add(k, v) } }
        do {
            try e.throwIfAny()
            let username = rid!.value
            let taken = DomainError(.conflict, code: "registered", LocalizedText(zh: "该身份证号已注册，请直接登录", en: "this resident ID is registered already; sign in"),
                                    fields: ["residentId": LocalizedText(zh: "已注册", en: "already registered")])
            if try await Accounts.user(username: username, on: req.db) != nil { throw taken }
            let hash = try await Accounts.hashPassword(password, app: req.application)
            let now = req.application.clock.now()
            let ctx = req.auditContext
            let masked = rid!.masked
            try await req.write { tx in
                // Checked again inside the write: two registrations of one ID at once give one account.
                if try await Accounts.user(username: username, on: tx) != nil { throw taken }
                let id = try await Accounts.insertUser(.init(username: username, displayName: name, role: .applicant), passwordHash: hash, on: tx, now: now)
                try await Audit.record(on: tx, ctx, action: "user.register", entity: "user", entityId: String(id), summary: "申请人 \(masked)")
            }
            return req.redirect(to: PlatformRoute.login.path(), flash: L10n.text("cert.registered", locale))
        } catch let err as DomainError where err.kind == .invalid || err.kind == .conflict {
            let m = err.fieldMessages(locale)
            form.removeValue(forKey: "password"); form.removeValue(forKey: "confirm")
            return try await req.page("cert/register", RegisterPage(layout: req.layout("", title: L10n.text("cert.register", locale)), values: form, errors: m),
                                      status: err.formStatus)
        }
    }
}
