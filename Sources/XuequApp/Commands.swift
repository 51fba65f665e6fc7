import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// Options every command understands, taken out before Vapor parses the rest.
public struct GlobalOptions: Sendable {
    public var dataDir: String?
    public var demo = false

    /// Removes `--data-dir DIR` (or `--data-dir=DIR`) and `--demo` from `args`.
    public static func extract(_ args: inout [String]) -> GlobalOptions {
        var o = GlobalOptions()
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--demo" { o.demo = true }
            else if a == "--data-dir", i + 1 < args.count { o.dataDir = args[i + 1]; i += 1 }
            else if a.hasPrefix("--data-dir=") { o.dataDir = String(a.dropFirst("--data-dir=".count)) }
            else { out.append(a) }
            i += 1
        }
        args = out
        return o
    }
}

/// Before serving: migrate; on an empty database seed the demo county (`--demo`) or create the
/// one `admin` account with a random password, printed once.
public func prepareForServing(_ app: Application, _ config: AppConfig) async throws {
    try await app.autoMigrate()
    // Made now, not on the first sign-in with an unknown name.
    _ = try await Accounts.dummyHash(app)
    guard try await Accounts.countUsers(on: app.db) == 0 else { return }
    if config.demo {
        app.logger.notice("empty database: seeding the demo county")
        let (schools, teachers) = try await DemoCounty(today: CivilDate.today(app.clock.now())).seed(app: app)
        app.logger.notice("demo county ready: \(schools) schools, \(teachers) teachers; sign in as admin / \(DemoCounty.password)")
    } else {
        let password = Accounts.randomPassword(length: 16)
        let hash = try await Accounts.hashPassword(password, app: app)
        let now = app.clock.now()
        try await app.writeGate.transaction(on: app.db) { tx in
            let id = try await Accounts.insertUser(.init(username: "admin", displayName: "管理员", role: .bureauAdmin), passwordHash: hash, on: tx, now: now)
            try await Audit.record(on: tx, .system("serve"), action: "user.create", entity: "user", entityId: String(id), summary: "first admin account")
        }
        print("""

            ==============================================================
              Xuequ: first start on an empty database.
              Sign in as  admin  with the password  \(password)
              It is shown only this once; change it after signing in.
            ==============================================================

            """)
    }
}

struct MigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "revert", help: "Revert the last batch of migrations instead.")
        var revert: Bool
        init() {}
    }
    var help: String { "Runs the database migrations (also done on every `serve`)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        if signature.revert {
            try await context.application.autoRevert()
            context.console.print("reverted")
        } else {
            try await context.application.autoMigrate()
            context.console.print("migrations are up to date")
        }
    }
}

struct SeedCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "scale", help: "county (the demo county, default) or province (≈30,000 schools, 900,000 teachers, for benchmarks)")
        var scale: String?
        init() {}
    }
    var help: String { "Seeds an empty database: the demo county with its accounts, or a province-sized data set." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        struct N: Decodable { let n: Int }
        let existing = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM districts").first(decoding: N.self)?.n ?? 0
        guard existing == 0 else {
            context.console.error("the database already holds \(existing) districts; seed only an empty one (use --data-dir for a fresh one)")
            throw ExitCode(1)
        }
        let scale: DemoCounty.Scale
        switch signature.scale ?? "county" {
        case "county": scale = .county
        case "province": scale = .province
        default:
            context.console.error("--scale must be county or province")
            throw ExitCode(2)
        }
        let started = Date()
        let bar: @Sendable (String, Int, Int) -> Void = { what, done, total in
            let width = 40
            let filled = total == 0 ? width : done * width / total
            let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(done)/\(total) \(what)"
            FileHandle.standardError.write(Data(line.utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        }
        let hasUsers = try await Accounts.countUsers(on: app.db) > 0
        let (schools, teachers) = try await DemoCounty(scale: scale, today: CivilDate.today(app.clock.now()), progress: bar).seed(app: app, accounts: !hasUsers)
        let seconds = Date().timeIntervalSince(started)
        context.console.print("seeded \(schools) schools and \(teachers) teachers in \(String(format: "%.1f", seconds)) s")
    }
}

/// A command's exit status, already explained on the console.
public struct ExitCode: Error { public let code: Int32; public init(_ c: Int32) { code = c } }

struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "Where to write the copy (must not exist).")
        var file: String
        init() {}
    }
    var help: String { "Writes a consistent copy of the SQLite database while the server runs (VACUUM INTO). On PostgreSQL use pg_dump." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard app.databaseFlavor == .sqlite else {
            context.console.error("this server runs on PostgreSQL: back it up with  pg_dump --format=custom --file=FILE \"$DATABASE_URL\"  (see README)")
            throw ExitCode(2)
        }
        let path = URL(fileURLWithPath: signature.file).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: path) {
            context.console.error("\(path) exists; choose a new file name")
            throw ExitCode(1)
        }
        try await Backup.sqliteBackup(app: app, to: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        context.console.print("backup written to \(path) (\(size / 1024) KiB)")
    }
}

public enum Backup {
    /// `VACUUM INTO` reads one snapshot: writers carry on, the copy is consistent.
    public static func sqliteBackup(app: Application, to path: String) async throws {
        try await app.db.sql.raw("VACUUM INTO \(bind: path)").run()
    }

    /// Puts a backup in place of the database file. The server must be stopped: it keeps the old file open.
    public static func sqliteRestore(from backup: String, to databasePath: String) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: backup) else { throw RestoreError("no such file: \(backup)") }
        guard let handle = FileHandle(forReadingAtPath: backup) else { throw RestoreError("cannot read \(backup)") }
        let magic = handle.readData(ofLength: 16)
        try? handle.close()
        guard magic == Data("SQLite format 3\0".utf8) else { throw RestoreError("\(backup) is not an SQLite database") }
        let dir = (databasePath as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: dir.isEmpty ? "." : dir, withIntermediateDirectories: true)
        let temp = databasePath + ".restoring"
        try? fm.removeItem(atPath: temp)
        try fm.copyItem(atPath: backup, toPath: temp)
        for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: databasePath + suffix) }
        // rename(2) replaces the old file in one step: there is never a moment without a database.
        guard rename(temp, databasePath) == 0 else { throw RestoreError("cannot move the copy into place (errno \(errno))") }
    }

    public struct RestoreError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }
}

/// Runs before the database is opened (see the entry point): a restore replaces the file.
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "A file written by `xuequ backup`.")
        var file: String
        init() {}
    }
    var help: String { "Replaces the SQLite database with a backup. Stop the server first. On PostgreSQL use pg_restore." }
    let config: AppConfig

    func run(using context: CommandContext, signature: Signature) async throws {
        guard case .sqlite(let path) = config.database else {
            context.console.error("this server runs on PostgreSQL: restore with  pg_restore --clean --dbname=\"$DATABASE_URL\" FILE  (see README)")
            throw ExitCode(2)
        }
        do {
            try Backup.sqliteRestore(from: signature.file, to: path)
        } catch let e as Backup.RestoreError {
            context.console.error(e.description)
            throw ExitCode(1)
        }
        context.console.print("restored \(signature.file) into \(path); run `xuequ audit verify` to check the audit chain")
    }
}

struct AuditCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "verify: walk the hash chain and report edited or deleted rows")
        var action: String
        init() {}
    }
    var help: String { "Checks the audit log's hash chain (`xuequ audit verify`)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "verify" else {
            context.console.error("unknown action \(signature.action); use: xuequ audit verify")
            throw ExitCode(2)
        }
        let (rows, problems) = try await Audit.verify(on: context.application.db)
        if problems.isEmpty {
            context.console.print("audit log intact: \(rows) rows, chain verified")
        } else {
            for p in problems { context.console.error(p.description) }
            context.console.error("audit log BROKEN: \(problems.count) problems in \(rows) rows")
            throw ExitCode(1)
        }
    }
}

public func registerCommands(_ app: Application, _ config: AppConfig) {
    app.asyncCommands.use(MigrateCommand(), as: "migrate")
    app.asyncCommands.use(SeedCommand(), as: "seed")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(config: config), as: "restore")
    app.asyncCommands.use(AuditCommand(), as: "audit")
}
