import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore

/// A login account. Scope columns say which district, school or teacher record the role is bound to.
public struct UserRow: Codable, Sendable {
    public let id: Int
    public let username: String
    public let passwordHash: String
    public let displayName: String
    public let role: String
    public let districtId: Int?
    public let schoolId: Int?
    public let teacherId: Int?
    public let locale: String
    public let active: Bool
    public let failedLogins: Int
    public let lockedUntil: Double?
    public let createdAt: Double
    /// The password is a one-time one an administrator set (a new account, a reset): until its
    /// holder chooses their own, the account may do nothing but that (issue 28).
    public let mustChangePassword: Bool?
    /// The administrative area (GB/T 2260) a county, city or province account is bound to.
    public let areaCode: String?

    public var roleValue: Role { Role(rawValue: role) ?? .applicant }
    public var passwordChangeDue: Bool { mustChangePassword ?? false }
}

/// Security settings read once at boot.
public struct SecurityPolicy: Sendable {
    public var idleTimeout: TimeInterval = 30 * 60
    public var absoluteTimeout: TimeInterval = 12 * 3600
    public var tokenLifetime: TimeInterval = 12 * 3600
    public var maxFailedLogins = 5
    public var lockout: TimeInterval = 15 * 60
    public var minPasswordLength = 10
    public var bcryptCost = 12
    public var secureCookies = false
    /// Failed sign-ins one address may make for one username, and one username may receive from
    /// anywhere, in the window; once used up, attempts for that username are refused before any
    /// password is checked. An address is never refused as a whole: a school's staff, or a county
    /// behind one proxy, share it, and thirty mistyped names must not lock them all out (issue 27).
    /// A spray over many usernames is bounded by the password threads' queue (`WorkPools`).
    public var loginPerAddress = RateLimiter.Rule(limit: 10, window: 60)
    public var loginPerAccount = RateLimiter.Rule(limit: 10, window: 60)
    /// Password checks running at once for one username (a flood in parallel waits for none).
    public var loginInFlightPerAccount = 2
    /// Registrations and public objections one address may send.
    public var registrationsPerAddress = RateLimiter.Rule(limit: 20, window: 3600)
    public var objectionsPerAddress = RateLimiter.Rule(limit: 5, window: 3600)
    /// Unknown survey codes one address may try: a school's parents share an address, so valid
    /// codes are never counted, only guesses (a round's codes are one in 18 million).
    public var surveyMissesPerAddress = RateLimiter.Rule(limit: 30, window: 600)
    public init() {}
}

/// The clock, injected so tests can move time.
public struct AppClock: Sendable {
    public let now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    public static let system = AppClock { Date() }
}

struct SecurityPolicyKey: StorageKey { typealias Value = SecurityPolicy }
struct AppClockKey: StorageKey { typealias Value = AppClock }

extension Application {
    public var security: SecurityPolicy {
        get { storage[SecurityPolicyKey.self] ?? SecurityPolicy() }
        set { storage[SecurityPolicyKey.self] = newValue }
    }
    public var clock: AppClock {
        get { storage[AppClockKey.self] ?? .system }
        set { storage[AppClockKey.self] = newValue }
    }
}

/// Accounts, sessions and API tokens.
public enum Accounts {
    static let selectUser = "SELECT id, username, password_hash, display_name, role, district_id, school_id, teacher_id, locale, active, failed_logins, locked_until, created_at, must_change_password, area_code FROM users"

    public static func randomToken(bytes: Int = 32) -> String {
        var g = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(raw).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Tokens are stored as their SHA-256, so a copy of the database opens no session.
    public static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }

    /// A readable random password for new accounts and resets (no 0/O/1/l confusion).
    public static func randomPassword(length: Int = 14) -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }

    public static func checkPasswordPolicy(_ password: String, username: String, policy: SecurityPolicy) throws {
        if password.count < policy.minPasswordLength {
            throw DomainError.validation(["password": LocalizedText(zh: "密码至少需要\(policy.minPasswordLength)个字符", en: "the password needs at least \(policy.minPasswordLength) characters")])
        }
        if password.lowercased() == username.lowercased() {
            throw DomainError.validation(["password": LocalizedText(zh: "密码不能与用户名相同", en: "the password must differ from the username")])
        }
    }

    /// bcrypt runs on the password threads (`WorkPools`), never on an event loop or the threads
    /// the SQLite driver needs, and never while a database connection is held.
    public static func hashPassword(_ password: String, app: Application) async throws -> String {
        let cost = app.security.bcryptCost
        return try await app.workPools.password { try Bcrypt.hash(password, cost: cost) }
    }

    static func verifyPassword(_ password: String, hash: String, app: Application) async throws -> Bool {
        try await app.workPools.password { (try? Bcrypt.verify(password, created: hash)) ?? false }
    }

    /// A hash at the configured cost to check unknown usernames against, made once per process:
    /// a sign-in as nobody costs what a wrong password for somebody costs, so the time taken
    /// does not tell which usernames exist.
    public static func dummyHash(_ app: Application) async throws -> String {
        if let h = app.workPools.dummyHash.withLockedValue({ $0 }) { return h }
        let h = try await hashPassword(randomToken(), app: app)
        return app.workPools.dummyHash.withLockedValue { stored in
            if stored == nil { stored = h }
            return stored!
        }
    }

    public static func user(id: Int, on db: any Database) async throws -> UserRow? {
        try await db.sql.raw("\(unsafeRaw: selectUser) WHERE id = \(bind: id)").first(decoding: UserRow.self, with: SQLRowDecoder.snakeCase)
    }

    public static func user(username: String, on db: any Database) async throws -> UserRow? {
        try await db.sql.raw("\(unsafeRaw: selectUser) WHERE username = \(bind: username)").first(decoding: UserRow.self, with: SQLRowDecoder.snakeCase)
    }

    static let badCredentials = DomainError(.unauthorized, code: "invalid_credentials", LocalizedText(zh: "用户名或密码错误", en: "wrong username or password"))

    static func tooManyAttempts(_ seconds: Int) -> DomainError {
        DomainError.tooManyRequests("too_many_attempts", LocalizedText(zh: "登录尝试过于频繁，请\(seconds)秒后再试", en: "too many sign-in attempts; try again in \(seconds) s"),
                                    retryAfter: seconds)
    }

    /// Checks a password with lockout: after `maxFailedLogins` failures the account is closed for
    /// `lockout`. Attempts are limited per address and per username before any hashing, failures
    /// are counted in one atomic UPDATE (parallel attempts cannot overwrite each other's count),
    /// and an unknown username costs the same bcrypt work as a known one.
    public static func authenticate(username: String, password: String, req: Request) async throws -> UserRow {
        let app = req.application
        let now = app.clock.now().timeIntervalSince1970
        let policy = app.security
        let name = username.trimmingCharacters(in: .whitespaces)
        // Failed attempts are what is limited, per address and username and per username, before
        // any hashing: a school's staff behind one address all signing in at eight are not a
        // flood, and another name's failures from their address do not stop them.
        let lowered = String(name.lowercased().prefix(64))
        let addressKey = "login|addr|" + req.clientAddress + "|" + lowered
        let accountKey = "login|account|" + lowered
        if let wait = app.rateLimiter.wait(addressKey, rule: policy.loginPerAddress, now: now) {
            throw DomainError.tooManyRequests("too_many_requests", LocalizedText(zh: "来自您的地址对该账号的登录失败过多，请\(wait)秒后再试",
                                                                                 en: "too many failed sign-ins for this account from your address; try again in \(wait) s"),
                                              retryAfter: wait)
        }
        if let wait = app.rateLimiter.wait(accountKey, rule: policy.loginPerAccount, now: now) { throw tooManyAttempts(wait) }
        let failed: @Sendable () -> Void = {
            app.rateLimiter.record(addressKey, rule: policy.loginPerAddress, now: now)
            app.rateLimiter.record(accountKey, rule: policy.loginPerAccount, now: now)
        }
        guard app.rateLimiter.enter(accountKey, limit: policy.loginInFlightPerAccount) else { throw tooManyAttempts(1) }
        defer { app.rateLimiter.leave(accountKey) }

        guard let user = try await user(username: name, on: req.db), user.active else {
            // Same work as for a real account, so timing does not tell which usernames exist.
            _ = try await verifyPassword(password, hash: try await dummyHash(app), app: app)
            failed()
            try await req.write { tx in
                try await Audit.record(on: tx, AuditContext(actorId: nil, actorName: Masking.username(String(name.prefix(40))), requestId: req.requestID, address: req.clientAddress), action: "auth.login_failed", entity: "user", entityId: "-", summary: "用户名不存在或账户已停用")
            }
            throw badCredentials
        }
        if let until = user.lockedUntil, until > now {
            let minutes = Int(((until - now) / 60).rounded(.up))
            throw DomainError(.locked, code: "account_locked", LocalizedText(zh: "连续登录失败次数过多，账户已锁定，请\(minutes)分钟后再试", en: "too many failed sign-ins: the account is locked, try again in \(minutes) min"))
        }
        let ok = try await verifyPassword(password, hash: user.passwordHash, app: app)
        let ctx = AuditContext(actorId: user.id, actorName: Masking.username(user.username), requestId: req.requestID, address: req.clientAddress)
        if !ok {
            failed()
            let maxFailures = policy.maxFailedLogins, lockUntil = now + policy.lockout
            try await req.write { tx in
                struct Counted: Decodable { let failedLogins: Int }
                // Counted by the database: the old value is read and written in one statement.
                let row = try await tx.sql.raw("""
                    UPDATE users SET
                      locked_until = CASE WHEN failed_logins + 1 >= \(bind: maxFailures) THEN \(bind: lockUntil) ELSE locked_until END,
                      failed_logins = CASE WHEN failed_logins + 1 >= \(bind: maxFailures) THEN 0 ELSE failed_logins + 1 END
                    WHERE id = \(bind: user.id) RETURNING failed_logins
                    """).first(decoding: Counted.self, with: SQLRowDecoder.snakeCase)
                let failures = row.map { $0.failedLogins == 0 ? maxFailures : $0.failedLogins } ?? maxFailures
                let lock = failures >= maxFailures
                try await Audit.record(on: tx, ctx, action: lock ? "auth.locked" : "auth.login_failed", entity: "user", entityId: String(user.id), summary: "failed sign-in \(failures)/\(maxFailures)")
            }
            throw badCredentials
        }
        if user.failedLogins > 0 || user.lockedUntil != nil {
            try await req.write { tx in
                try await tx.sql.raw("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = \(bind: user.id)").run()
            }
        }
        return user
    }

    /// Opens a browser session; returns the cookie value (only its hash is stored).
    public static func openSession(for user: UserRow, req: Request) async throws -> (token: String, csrf: String) {
        let token = randomToken()
        let csrf = randomToken(bytes: 24)
        let now = req.application.clock.now().timeIntervalSince1970
        let ctx = AuditContext(actorId: user.id, actorName: Masking.username(user.username), requestId: req.requestID, address: req.clientAddress)
        try await req.write { tx in
            try await tx.sql.raw("INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at) VALUES (\(bind: tokenHash(token)), \(bind: user.id), \(bind: csrf), \(bind: now), \(bind: now))").run()
            try await tx.sql.raw("DELETE FROM sessions WHERE last_seen_at < \(bind: now - req.application.security.absoluteTimeout)").run()
            try await Audit.record(on: tx, ctx, action: "auth.login", entity: "user", entityId: String(user.id), summary: "")
        }
        return (token, csrf)
    }

    public static func closeSession(id: String, req: Request) async throws {
        let ctx = req.auditContext
        try await req.write { tx in
            try await tx.sql.raw("DELETE FROM sessions WHERE id = \(bind: id)").run()
            try await Audit.record(on: tx, ctx, action: "auth.logout", entity: "user", entityId: String(ctx.actorId ?? 0), summary: "session closed")
        }
    }

    /// Issues an API token (`POST /api/v1/session`).
    public static func issueToken(for user: UserRow, req: Request) async throws -> String {
        let token = randomToken()
        let now = req.application.clock.now().timeIntervalSince1970
        let expires = now + req.application.security.tokenLifetime
        let ctx = AuditContext(actorId: user.id, actorName: Masking.username(user.username), requestId: req.requestID, address: req.clientAddress)
        try await req.write { tx in
            try await tx.sql.raw("INSERT INTO api_tokens (id, user_id, created_at, expires_at) VALUES (\(bind: tokenHash(token)), \(bind: user.id), \(bind: now), \(bind: expires))").run()
            try await tx.sql.raw("DELETE FROM api_tokens WHERE expires_at < \(bind: now)").run()
            try await Audit.record(on: tx, ctx, action: "auth.token_issued", entity: "user", entityId: String(user.id), summary: "API token issued")
        }
        return token
    }

    public static func revokeToken(hash: String, req: Request) async throws {
        let ctx = req.auditContext
        try await req.write { tx in
            try await tx.sql.raw("DELETE FROM api_tokens WHERE id = \(bind: hash)").run()
            try await Audit.record(on: tx, ctx, action: "auth.token_revoked", entity: "user", entityId: String(ctx.actorId ?? 0), summary: "API token revoked")
        }
    }

    struct SessionJoin: Decodable {
        let sessionId: String
        let csrfToken: String
        let sessionCreatedAt: Double
        let lastSeenAt: Double
        let user: UserRow

        enum CodingKeys: String, CodingKey { case sessionId, csrfToken, sessionCreatedAt, lastSeenAt }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sessionId = try c.decode(String.self, forKey: .sessionId)
            csrfToken = try c.decode(String.self, forKey: .csrfToken)
            sessionCreatedAt = try c.decode(Double.self, forKey: .sessionCreatedAt)
            lastSeenAt = try c.decode(Double.self, forKey: .lastSeenAt)
            user = try UserRow(from: decoder)
        }
    }

    /// Resolves a session cookie (by its hash) with its account in one query: nil when unknown,
    /// idle too long, too old, or the account is inactive; with the session's start and last
    /// touch. Pages reach it through `CallerCache`.
    static func resumeSession(hash: String, req: Request) async throws -> (UserRow, SessionInfo, createdAt: Double, lastSeenAt: Double)? {
        guard let s = try await req.db.sql.raw("""
            SELECT s.id AS session_id, s.csrf_token, s.created_at AS session_created_at, s.last_seen_at,
                   u.id, u.username, u.password_hash, u.display_name, u.role, u.district_id, u.school_id, u.teacher_id, u.locale, u.active,
                   u.failed_logins, u.locked_until, u.created_at, u.must_change_password, u.area_code
            FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = \(bind: hash)
            """).first(decoding: SessionJoin.self, with: SQLRowDecoder.snakeCase) else { return nil }
        let now = req.application.clock.now().timeIntervalSince1970
        let policy = req.application.security
        if now - s.lastSeenAt > policy.idleTimeout || now - s.sessionCreatedAt > policy.absoluteTimeout {
            try await req.write { tx in try await tx.sql.raw("DELETE FROM sessions WHERE id = \(bind: hash)").run() }
            return nil
        }
        guard s.user.active else { return nil }
        var lastSeen = s.lastSeenAt
        // Touch at most once a minute: a write per page view would serialise readers on SQLite.
        if now - s.lastSeenAt > sessionTouchInterval {
            try await touchSession(hash: hash, at: now, req: req)
            lastSeen = now
        }
        return (s.user, SessionInfo(id: hash, csrfToken: s.csrfToken), s.sessionCreatedAt, lastSeen)
    }

    /// Seconds between two touches of one session (its idle timeout counts from the last).
    static let sessionTouchInterval: Double = 60

    /// A session's last touch, for its idle timeout (at most once a minute per session).
    static func touchSession(hash: String, at now: Double, req: Request) async throws {
        try await req.write { tx in try await tx.sql.raw("UPDATE sessions SET last_seen_at = \(bind: now) WHERE id = \(bind: hash)").run() }
    }

    /// The account behind a live API token (by its hash), with the token's expiry, in one query.
    /// The API reaches it through `CallerCache`.
    static func resumeToken(hash: String, now: Double, on db: any Database) async throws -> (UserRow, expiresAt: Double)? {
        struct TokenJoin: Decodable {
            let expiresAt: Double
            let user: UserRow
            enum CodingKeys: String, CodingKey { case expiresAt }
            init(from decoder: any Decoder) throws {
                expiresAt = try decoder.container(keyedBy: CodingKeys.self).decode(Double.self, forKey: .expiresAt)
                user = try UserRow(from: decoder)
            }
        }
        return try await db.sql.raw("""
            SELECT a.expires_at, u.id, u.username, u.password_hash, u.display_name, u.role, u.district_id, u.school_id, u.teacher_id, u.locale, u.active,
                   u.failed_logins, u.locked_until, u.created_at, u.must_change_password, u.area_code
            FROM api_tokens a JOIN users u ON u.id = a.user_id
            WHERE a.id = \(bind: hash) AND a.expires_at > \(bind: now) AND u.active = \(bind: true)
            """).first(decoding: TokenJoin.self, with: SQLRowDecoder.snakeCase).map { ($0.user, $0.expiresAt) }
    }

    public struct NewUser: Sendable {
        public var username: String
        public var displayName: String
        public var role: Role
        public var districtId: Int?
        public var schoolId: Int?
        public var teacherId: Int?
        public var areaCode: String?
        public init(username: String, displayName: String, role: Role, districtId: Int? = nil, schoolId: Int? = nil, teacherId: Int? = nil, areaCode: String? = nil) {
            self.username = username; self.displayName = displayName; self.role = role
            self.districtId = districtId; self.schoolId = schoolId; self.teacherId = teacherId; self.areaCode = areaCode
        }
    }

    /// Inserts an account inside the caller's transaction; returns its id.
    @discardableResult
    /// `oneTimePassword`: the password was made for the holder by someone else (an administrator,
    /// an import), who must replace it at first sign-in.
    public static func insertUser(_ u: NewUser, passwordHash: String, on tx: any Database, now: Date, oneTimePassword: Bool = false) async throws -> Int {
        struct Id: Decodable { let id: Int }
        let row = try await tx.sql.insert(into: "users")
            .columns("username", "password_hash", "display_name", "role", "district_id", "school_id", "teacher_id", "locale", "active", "failed_logins", "created_at", "must_change_password", "area_code")
            .values(SQLBind(u.username), SQLBind(passwordHash), SQLBind(u.displayName), SQLBind(u.role.rawValue), SQLBind(u.districtId), SQLBind(u.schoolId), SQLBind(u.teacherId), SQLBind("zh"), SQLBind(true), SQLBind(0), SQLBind(now.timeIntervalSince1970),
                    SQLBind(oneTimePassword), SQLBind(u.areaCode))
            .returning("id")
            .first(decoding: Id.self)
        guard let id = row?.id else { throw DomainError(.conflict, code: "insert_failed", LocalizedText(zh: "账户未能创建", en: "the account was not created")) }
        return id
    }

    /// `oneTime`: an administrator's reset, to be replaced at the next sign-in; the holder's own
    /// change clears that.
    /// Accounts bound to one area code move to another (a county given its real code); returns how many.
    @discardableResult
    public static func moveArea(from old: String, to new: String, on tx: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        let n = try await tx.sql.raw("SELECT COUNT(*) AS n FROM users WHERE area_code = \(bind: old)").first(decoding: N.self)?.n ?? 0
        try await tx.sql.raw("UPDATE users SET area_code = \(bind: new) WHERE area_code = \(bind: old)").run()
        return n
    }

    /// How many accounts an area code binds (an area with accounts is not removed).
    public static func countBound(toArea code: String, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM users WHERE area_code = \(bind: code)").first(decoding: N.self)?.n ?? 0
    }

    public static func setPassword(userId: Int, hash: String, on tx: any Database, oneTime: Bool = false) async throws {
        try await tx.sql.raw("UPDATE users SET password_hash = \(bind: hash), failed_logins = 0, locked_until = NULL, must_change_password = \(bind: oneTime) WHERE id = \(bind: userId)").run()
        // A new password ends every other way in.
        try await tx.sql.raw("DELETE FROM sessions WHERE user_id = \(bind: userId)").run()
        try await tx.sql.raw("DELETE FROM api_tokens WHERE user_id = \(bind: userId)").run()
    }

    public static func countUsers(on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM users").first(decoding: N.self)?.n ?? 0
    }
}

public struct CreateAccounts: AsyncMigration {
    public init() {}
    public var name: String { "002_CreateAccounts" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .field("id", .int, .identifier(auto: true))
            .field("username", .string, .required)
            .field("password_hash", .string, .required)
            .field("display_name", .string, .required)
            .field("role", .string, .required)
            .field("district_id", .int)
            .field("school_id", .int)
            .field("teacher_id", .int)
            .field("locale", .string, .required)
            .field("active", .bool, .required)
            .field("failed_logins", .int, .required)
            .field("locked_until", .double)
            .field("created_at", .double, .required)
            .unique(on: "username")
            .create()
        try await database.schema("sessions")
            .field("id", .string, .identifier(auto: false))
            .field("user_id", .int, .required, .references("users", "id", onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("created_at", .double, .required)
            .field("last_seen_at", .double, .required)
            .create()
        try await database.schema("api_tokens")
            .field("id", .string, .identifier(auto: false))
            .field("user_id", .int, .required, .references("users", "id", onDelete: .cascade))
            .field("created_at", .double, .required)
            .field("expires_at", .double, .required)
            .create()
        try await database.sql.raw("CREATE INDEX sessions_user ON sessions (user_id)").run()
        try await database.sql.raw("CREATE INDEX api_tokens_user ON api_tokens (user_id)").run()
    }

    public func revert(on database: any Database) async throws {
        try await database.schema("api_tokens").delete()
        try await database.schema("sessions").delete()
        try await database.schema("users").delete()
    }
}

extension Accounts {
    /// The names people go by, for the usernames a record keeps (who entered, who finalised):
    /// pages say "县教育局管理员", not "admin". A username no longer on file stays as it is.
    public static func displayNames(_ usernames: [String], on db: any Database) async throws -> [String: String] {
        let wanted = Array(Set(usernames)).prefix(1000)
        guard !wanted.isEmpty else { return [:] }
        struct R: Decodable { let username: String; let displayName: String }
        let rows = try await db.sql.raw("SELECT username, display_name FROM users WHERE username IN (\(SQLList(wanted.map { SQLBind($0) })))")
            .all(decoding: R.self, with: SQLRowDecoder.snakeCase)
        var out = Dictionary(uniqueKeysWithValues: wanted.map { ($0, $0) })
        for r in rows { out[r.username] = r.displayName }
        return out
    }

    /// Who did something, by name for a page (issue 28: pages said "teacher1", "seed"): each
    /// username's display name, the demo's and the system's entries by the word for them, an
    /// account no longer there by its masked username.
    public static func people(_ usernames: [String], on db: any Database, locale: UILocale) async throws -> (String) -> String {
        let names = try await displayNames(usernames, on: db)
        let system = locale == .en ? "system" : "系统"
        return { u in
            // The system's own entries: the demo's seed, migrations, the first start, jobs, commands.
            if ["seed", "system", "migrate", "serve", "areas", "-", ""].contains(u) || u.hasPrefix("job:") { return system }
            if let n = names[u], n != u { return n }
            return Masking.username(u)
        }
    }
}
