import Foundation
import NIOConcurrencyHelpers
import Vapor
import XuequCore

/// Threads for CPU-heavy work, apart from the event loops and from `app.threadPool` (which the
/// SQLite driver runs every statement on): forty bcrypt checks queued on that pool once made
/// every other request wait for its database connection until it timed out.
///
/// - `passwords`: bcrypt hashing and checking, at most `maxQueuedPasswords` waiting.
/// - `sheets`: reading uploaded spreadsheets, one at a time, so that two hostile uploads cannot
///   add up their memory.
public final class WorkPools: Sendable {
    public let passwords: NIOThreadPool
    public let sheets: NIOThreadPool
    /// Password jobs running or waiting; beyond the limit a sign-in is answered 429 at once.
    let queuedPasswords = NIOLockedValueBox(0)
    public let maxQueuedPasswords: Int
    /// Password jobs run since start: a sign-in as nobody must cost one, as a wrong password does.
    public var passwordJobsRun: Int { passwordJobs.withLockedValue { $0 } }
    let passwordJobs = NIOLockedValueBox(0)
    /// `Accounts.dummyHash`, made once.
    let dummyHash = NIOLockedValueBox<String?>(nil)

    public init(passwordThreads: Int = max(1, System.coreCount - 1), maxQueuedPasswords: Int = 32) {
        passwords = NIOThreadPool(numberOfThreads: passwordThreads)
        sheets = NIOThreadPool(numberOfThreads: 1)
        self.maxQueuedPasswords = maxQueuedPasswords
        passwords.start()
        sheets.start()
    }

    func shutdown() async {
        try? await passwords.shutdownGracefully()
        try? await sheets.shutdownGracefully()
    }

    static let busy = DomainError.tooManyRequests("server_busy", LocalizedText(
        zh: "服务器正在处理大量登录请求，请稍后再试", en: "the server is handling many sign-ins; try again shortly"), retryAfter: 2)

    /// Runs one bcrypt job on the password threads, or refuses when too many are waiting.
    public func password<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = queuedPasswords.withLockedValue { n -> Bool in
            guard n < maxQueuedPasswords else { return false }
            n += 1
            return true
        }
        guard admitted else { throw Self.busy }
        defer { queuedPasswords.withLockedValue { $0 -= 1 } }
        passwordJobs.withLockedValue { $0 += 1 }
        return try await passwords.runIfActive(work)
    }
}

struct WorkPoolsKey: StorageKey { typealias Value = WorkPools }

struct WorkPoolsShutdown: LifecycleHandler {
    let pools: WorkPools
    func shutdownAsync(_ application: Application) async { await pools.shutdown() }
}

extension Application {
    /// Set up once in `configure`; stopped with the application.
    public var workPools: WorkPools {
        get {
            guard let p = storage[WorkPoolsKey.self] else { fatalError("work pools are set in configure() before any route runs") }
            return p
        }
        set {
            storage[WorkPoolsKey.self] = newValue
            lifecycle.use(WorkPoolsShutdown(pools: newValue))
        }
    }
}

struct SheetLimitsKey: StorageKey { typealias Value = SheetLimits }

extension Application {
    /// What one uploaded sheet may cost (`SheetLimits.standard` unless set).
    public var sheetLimits: SheetLimits {
        get { storage[SheetLimitsKey.self] ?? .standard }
        set { storage[SheetLimitsKey.self] = newValue }
    }
}

extension Spreadsheet {
    /// Reads an upload on the spreadsheet thread: the parse never blocks an event loop or the
    /// database's threads.
    public static func read(_ data: Data, filename: String? = nil, on app: Application) async throws -> SheetTable {
        let limits = app.sheetLimits
        return try await app.workPools.sheets.runIfActive { try read(data, filename: filename, limits: limits) }
    }
}
