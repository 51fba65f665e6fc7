import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Vapor

/// `<database>.lock` next to the SQLite file: every process that opens the database holds it
/// shared for as long as it runs (the server, a backup next to it); a restore takes it
/// exclusively, so it refuses while anything has the database open, and nothing opens the
/// database while a restore swaps it.
public final class DatabaseLock: Sendable {
    let fd: Int32

    public static func path(for database: String) -> String { database + ".lock" }

    public struct Busy: Error, CustomStringConvertible {
        public let description: String
    }

    private init(fd: Int32) { self.fd = fd }

    static func open(_ database: String, exclusive: Bool) throws -> DatabaseLock {
        let path = path(for: database)
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Busy(description: "cannot open \(path) (errno \(errno))") }
        if flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            close(fd)
            throw Busy(description: exclusive
                ? "\(database) is in use by a running xuequ process (a server, a backup); stop it first"
                : "\(database) is being restored; start again when the restore has finished")
        }
        return DatabaseLock(fd: fd)
    }

    /// Held by every process that opens the database.
    public static func shared(_ database: String) throws -> DatabaseLock { try open(database, exclusive: false) }

    /// Held by a restore; fails at once when any process has the database open.
    public static func exclusive(_ database: String) throws -> DatabaseLock { try open(database, exclusive: true) }

    public func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

struct DatabaseLockKey: StorageKey { typealias Value = DatabaseLock }

struct DatabaseLockRelease: LifecycleHandler {
    let lock: DatabaseLock
    func shutdownAsync(_ application: Application) async { lock.release() }
}

extension Application {
    /// Takes the shared lock of an SQLite database for this application's life.
    public func holdDatabaseLock(_ database: String) throws {
        let lock = try DatabaseLock.shared(database)
        storage[DatabaseLockKey.self] = lock
        lifecycle.use(DatabaseLockRelease(lock: lock))
    }
}
