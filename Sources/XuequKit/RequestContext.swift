import Fluent
import Vapor
import XuequCore

struct ActorKey: StorageKey { typealias Value = Actor }
struct LocaleKey: StorageKey { typealias Value = UILocale }
struct SessionInfoKey: StorageKey { typealias Value = SessionInfo }
struct RequestIDKey: StorageKey { typealias Value = String }
struct VersionSnapshotKey: StorageKey { typealias Value = VersionSnapshot }

/// What the session middleware learned about a browser session.
public struct SessionInfo: Sendable {
    public let id: String
    public let csrfToken: String
}

extension Request {
    /// The signed-in actor, if any.
    public var actor: Actor? {
        get { storage[ActorKey.self] }
        set { storage[ActorKey.self] = newValue }
    }

    /// The actor, or 401.
    public func requireActor() throws -> Actor {
        guard let a = actor else { throw DomainError.unauthorized }
        return a
    }

    public var uiLocale: UILocale {
        get { storage[LocaleKey.self] ?? .zh }
        set { storage[LocaleKey.self] = newValue }
    }

    public var sessionInfo: SessionInfo? {
        get { storage[SessionInfoKey.self] }
        set { storage[SessionInfoKey.self] = newValue }
    }

    public var requestID: String {
        get { storage[RequestIDKey.self] ?? id }
        set { storage[RequestIDKey.self] = newValue }
    }

    /// The data versions read with the signed-in caller (`VersionSnapshot`), if any.
    public var versions: VersionSnapshot? {
        get { storage[VersionSnapshotKey.self] }
        set { storage[VersionSnapshotKey.self] = newValue }
    }

    /// True for `/api/…` requests: they answer JSON, authenticate by bearer token.
    public var isAPI: Bool { url.path.hasPrefix("/api/") }

    /// The address the request came from; `X-Forwarded-For` counts only when the connection
    /// comes from a proxy listed in `XUEQU_TRUSTED_PROXIES`.
    public var clientAddress: String {
        application.trustedProxies.client(remote: remoteAddress?.ipAddress, forwardedFor: headers[.xForwardedFor])
    }

    /// Who did it, for the audit log.
    public var auditContext: AuditContext {
        AuditContext(actorId: actor?.userId, actorName: actor.map { Masking.username($0.username) } ?? "-", requestId: requestID, address: clientAddress)
    }

    /// Runs one all-or-nothing write through the application's write gate.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        versions?.forget()
        return try await application.writeGate.transaction(on: db, body)
    }

    /// The text of a message in the reader's language.
    public func t(_ text: LocalizedText) -> String { text(uiLocale) }
}

extension Request {
    /// An integer route parameter (`:id`); anything else is a 404, as if the object did not exist.
    public func intParameter(_ name: String = "id") throws -> Int {
        guard let v = parameters.get(name, as: Int.self) else { throw DomainError.notFound(LocalizedText(zh: "对象", en: "object")) }
        return v
    }
}
