import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import XuequCore

/// Signed-in callers by the hash of their API token or session cookie, kept under the data
/// versions of `accounts` (raised by the database whenever an account changes or a token or
/// session is deleted: sign-out, revocation, deactivation, a new password) and of the areas the
/// modules' scopes are read from (`XuequModule.scopeAreas`). A request then costs one read of
/// those versions instead of the token-and-account join and the scope's own reads; a
/// revocation in any process is seen by the next request in every process, as before.
public final class CallerCache: Sendable {
    struct Entry: Sendable {
        let stamp: [Int]
        let user: UserRow
        let actor: XuequCore.Actor
        /// A token's expiry; nil for a session.
        let expiresAt: Double?
        let session: SessionInfo?
        let sessionCreatedAt: Double
        let lastSeenAt: Double

        /// A token's caller, before the token's expiry.
        func liveToken(at now: Double) -> Bool { expiresAt.map { $0 > now } ?? false }
        /// A session's caller, inside its idle and absolute timeouts.
        func liveSession(at now: Double, _ policy: SecurityPolicy) -> Bool {
            session != nil && now - lastSeenAt <= policy.idleTimeout && now - sessionCreatedAt <= policy.absoluteTimeout
        }
        /// The session's once-a-minute touch is due (a write: only the slow path makes it).
        func touchDue(at now: Double) -> Bool { now - lastSeenAt > Accounts.sessionTouchInterval }
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    /// Callers kept at most; past it the cache starts over (a province's active users fit).
    public let capacity: Int
    public let enabled: Bool
    /// The data areas a kept caller is checked against (`areas(_:)`).
    let areas: [String]
    private let hits = ManagedAtomicCounter(), misses = ManagedAtomicCounter()

    public init(areas: [String], capacity: Int = 20_000, enabled: Bool = true) {
        self.areas = areas; self.capacity = capacity; self.enabled = enabled
    }

    public var counts: (hits: Int, misses: Int) { (hits.value, misses.value) }

    /// `accounts` and the areas the modules' scopes are read from.
    public static func areas(_ modules: [any XuequModule]) -> [String] {
        var out = ["accounts"]
        for m in modules { for a in m.scopeAreas where !out.contains(a) { out.append(a) } }
        return out
    }

    /// The current versions of `areas`, in their order; empty when the cache is off. Every
    /// area is read (one statement either way) and kept on the request for its kept results
    /// (`Request.versions`).
    func stamp(req: Request) async throws -> [Int] {
        guard enabled else { return [] }
        if let now = try stampNow(req: req) { return now }
        let v = try await DataVersions.all(on: req.db)
        req.versions = VersionSnapshot(v)
        return areas.map { v[$0] ?? -1 }
    }

    func lookup(_ key: String, stamp: [Int], counting countMisses: Bool = true) -> Entry? {
        guard enabled else { return nil }
        let e = entries.withLockedValue { $0[key] }
        guard let e, e.stamp == stamp else { if countMisses { misses.increment() }; return nil }
        hits.increment()
        return e
    }

    /// The versions read without waiting (SQLite's `VersionReader`), kept on the request; nil
    /// when they can only be read through the pool.
    func stampNow(req: Request) throws -> [Int]? {
        guard enabled, let reader = req.application.versionReader else { return nil }
        let v = try reader.all()
        req.versions = VersionSnapshot(v)
        return areas.map { v[$0] ?? -1 }
    }

    /// The kept, unexpired caller behind an API token, found without waiting on anything; nil
    /// when it must be read (`token`). Lets the middleware answer a kept caller without starting
    /// a task of its own.
    public func keptToken(_ token: String, req: Request) throws -> XuequCore.Actor? {
        guard let stamp = try stampNow(req: req) else { return nil }
        let now = req.application.clock.now().timeIntervalSince1970
        guard let e = lookup("t:" + Accounts.tokenHash(token), stamp: stamp, counting: false), e.liveToken(at: now) else { return nil }
        return e.actor
    }

    /// The kept session, as `session` would answer it when no touch is due; nil otherwise.
    public func keptSession(cookie: String, req: Request) throws -> (UserRow, XuequCore.Actor, SessionInfo)? {
        guard let stamp = try stampNow(req: req) else { return nil }
        let now = req.application.clock.now().timeIntervalSince1970
        guard let e = lookup("s:" + Accounts.tokenHash(cookie), stamp: stamp, counting: false), let info = e.session,
              e.liveSession(at: now, req.application.security), !e.touchDue(at: now) else { return nil }
        return (e.user, e.actor, info)
    }

    func store(_ key: String, _ e: Entry) {
        guard enabled else { return }
        entries.withLockedValue {
            if $0.count >= capacity, $0[key] == nil { $0.removeAll(keepingCapacity: true) }
            $0[key] = e
        }
    }

    func forget(_ key: String) { entries.withLockedValue { _ = $0.removeValue(forKey: key) } }

    /// The caller behind an API token: the account and its actor, or nil.
    public func token(_ token: String, req: Request) async throws -> (UserRow, XuequCore.Actor)? {
        let app = req.application
        let hash = Accounts.tokenHash(token)
        let key = "t:" + hash
        let now = app.clock.now().timeIntervalSince1970
        // The versions are read before the rows: a caller is never kept under a version newer
        // than what was read for it.
        let stamp = try await stamp(req: req)
        if let e = lookup(key, stamp: stamp), e.liveToken(at: now) { return (e.user, e.actor) }
        guard let (user, expires) = try await Accounts.resumeToken(hash: hash, now: now, on: req.db) else { forget(key); return nil }
        let actor = try await app.actor(for: user, on: req.db)
        store(key, Entry(stamp: stamp, user: user, actor: actor, expiresAt: expires, session: nil, sessionCreatedAt: 0, lastSeenAt: 0))
        return (user, actor)
    }

    /// The caller behind a session cookie, with the session's CSRF token; touches the session at
    /// most once a minute, as `Accounts.resumeSession` does.
    public func session(cookie: String, req: Request) async throws -> (UserRow, XuequCore.Actor, SessionInfo)? {
        let app = req.application
        let hash = Accounts.tokenHash(cookie)
        let key = "s:" + hash
        let now = app.clock.now().timeIntervalSince1970
        let stamp = try await stamp(req: req)
        // Idle by this process's count but maybe not by another's: the slow path below reads the row.
        if let e = lookup(key, stamp: stamp), let info = e.session, e.liveSession(at: now, app.security) {
            if e.touchDue(at: now) {
                try await Accounts.touchSession(hash: hash, at: now, req: req)
                store(key, Entry(stamp: stamp, user: e.user, actor: e.actor, expiresAt: nil, session: info, sessionCreatedAt: e.sessionCreatedAt, lastSeenAt: now))
            }
            return (e.user, e.actor, info)
        }
        guard let (user, info, created, lastSeen) = try await Accounts.resumeSession(hash: hash, req: req) else { forget(key); return nil }
        let actor = try await app.actor(for: user, on: req.db)
        store(key, Entry(stamp: stamp, user: user, actor: actor, expiresAt: nil, session: info, sessionCreatedAt: created, lastSeenAt: lastSeen))
        return (user, actor, info)
    }
}

struct CallerCacheKey: StorageKey { typealias Value = CallerCache }
struct VersionReaderKey: StorageKey { typealias Value = any VersionReader }

/// Reads every area's data version (`DataVersions.all`) without a round trip through the
/// database pool: on SQLite, a statement kept prepared on a connection of its own, run on the
/// calling thread (a few microseconds). Every signed-in request reads the versions once.
public protocol VersionReader: Sendable {
    func all() throws -> [String: Int]
}

extension Application {
    /// Signed-in callers kept between requests (`CallerCache`); off unless configured.
    public var callers: CallerCache {
        get { storage[CallerCacheKey.self] ?? CallerCache(areas: [], enabled: false) }
        set { storage[CallerCacheKey.self] = newValue }
    }

    /// How the caller cache reads the data versions; nil reads them through `db`.
    public var versionReader: (any VersionReader)? {
        get { storage[VersionReaderKey.self] }
        set { storage[VersionReaderKey.self] = newValue }
    }
}

/// 070: the `accounts` data version. Any change to an account raises it; of tokens and sessions
/// only their deletion does (a new one is not in any cache yet, and a session's once-a-minute
/// touch must not empty every process's cache).
public struct CreateAccountsVersion: AsyncMigration {
    public init() {}
    public var name: String { "070_AccountsVersion" }
    public func prepare(on database: any Database) async throws {
        try await DataVersions.watch(["users"], area: "accounts", on: database)
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            // A statement trigger fires for a DELETE of no rows too (every sign-in clears expired
            // tokens): this one raises the version only when rows went.
            try await sql.raw("""
                CREATE FUNCTION data_version_bump_deleted() RETURNS trigger AS $$
                BEGIN
                  IF EXISTS (SELECT 1 FROM deleted_rows) THEN
                    UPDATE data_versions SET version = version + 1 WHERE area = TG_ARGV[0];
                  END IF;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """).run()
        }
        for t in ["api_tokens", "sessions"] {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("""
                    CREATE TRIGGER \(unsafeRaw: t)_version_accounts AFTER DELETE ON \(unsafeRaw: t)
                    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump_deleted('accounts')
                    """).run()
            } else {
                try await sql.raw("""
                    CREATE TRIGGER \(unsafeRaw: t)_version_accounts_d AFTER DELETE ON \(unsafeRaw: t)
                    BEGIN UPDATE data_versions SET version = version + 1 WHERE area = 'accounts'; END
                    """).run()
            }
        }
    }
    public func revert(on database: any Database) async throws {
        let sql = database.sql
        for t in ["api_tokens", "sessions"] {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: t)_version_accounts ON \(unsafeRaw: t)").run()
            } else {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: t)_version_accounts_d").run()
            }
        }
        if sql.dialect.name == "postgresql" { try await sql.raw("DROP FUNCTION IF EXISTS data_version_bump_deleted()").run() }
        try await DataVersions.unwatch(["users"], area: "accounts", on: database)
    }
}
