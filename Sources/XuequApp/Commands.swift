import CXuequSQLite
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Registry
import Reports
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
    // The head at start, in the log: an anchor outside the database for `audit verify --anchor`.
    if let head = try await Audit.head(on: app.db.sql) { app.logger.notice("audit head: \(head)") }
    // Made now, not on the first sign-in with an unknown name.
    _ = try await Accounts.dummyHash(app)
    try await seedIfEmpty(app, config)
    // After the seed: a demo county's last-year plan takes effect on start like any other.
    await app.startScheduledJobs()
    MemoryTrim.start(app)
    if config.auditKey == nil {
        app.logger.warning("the audit key is the file \(AuditKey.fileURL(dataDir: config.dataDir).path), inside the data directory: whoever can change the database there can recompute the chain. Keep the key elsewhere (XUEQU_AUDIT_KEY, see docs/OPERATIONS.md)")
    }
    AuditWitness.start(app, file: config.auditAnchorFile)
}

/// The audit chain's head, written where a truncation of the log cannot reach it: every minute
/// in which the log grew and when the server stops, as a log line (`audit head: ID:HASH`) and,
/// with `XUEQU_AUDIT_ANCHOR_FILE`, a line appended to that file. Rows deleted from the log's end
/// after the last backup were found by nothing before (issue 27); `xuequ audit verify --anchors
/// FILE` now checks every head in the file.
enum AuditWitness {
    final class State: @unchecked Sendable {
        let lock = NIOLock()
        var last: Audit.Anchor?
    }
    struct Stop: LifecycleHandler {
        let task: Task<Void, Never>
        let app: Application
        let file: String?
        let state: State
        func shutdownAsync(_ application: Application) async {
            task.cancel()
            await AuditWitness.witness(app, file: file, state: state, reason: "stop")
        }
    }

    static func start(_ app: Application, file: String?, every seconds: Int = 60) {
        let state = State()
        let task = Task.detached {
            await witness(app, file: file, state: state, reason: "start")
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(seconds))
                if Task.isCancelled { return }
                await witness(app, file: file, state: state, reason: "periodic")
            }
        }
        app.lifecycle.use(Stop(task: task, app: app, file: file, state: state))
    }

    static func witness(_ app: Application, file: String?, state: State, reason: String) async {
        do {
            guard let head = try await Audit.head(on: app.db.sql) else { return }
            let changed = state.lock.withLock { () -> Bool in
                if state.last == head { return false }
                state.last = head
                return true
            }
            guard changed || reason == "stop" else { return }
            app.logger.notice("audit head: \(head)")
            if let file { try append(line: "\(ISOTime.string(Date())) \(reason) \(head)\n", to: file) }
        } catch {
            app.logger.error("audit head not witnessed: \(String(reflecting: error))")
        }
    }

    static func append(line: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o640)
        guard fd >= 0 else { throw AppConfig.Invalid(problems: ["cannot open \(path) (errno \(errno))"]) }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
    }

    /// The heads in an anchor file (its last 100,000 lines), oldest first.
    static func anchors(in path: String) throws -> [Audit.Anchor] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").suffix(100_000).compactMap { line in line.split(separator: " ").last.flatMap { Audit.Anchor(String($0)) } }
    }
}

/// Every 30 s the kept results nobody read for a minute are let go (`AggregateCache.dropIdle`),
/// then the allocator gives its free memory back to the system. glibc keeps what a peak freed
/// (a province's 4.6 MB balance summaries, an import) in its arenas, and the kept answers held
/// the rest, so the server's RSS stayed at its high-water mark when idle again; a trim takes
/// about a millisecond. Large blocks are mapped on their own from the start (`largeAllocation`):
/// after a burst of province summaries RSS now peaks at 136 MiB and is back at 60 a minute
/// later (it had stayed at 169; README, fifth part).
enum MemoryTrim {
    /// Kept results unused this long are dropped at the next trim.
    static let idleSeconds = 60.0
    struct Stop: LifecycleHandler {
        let task: Task<Void, Never>
        func shutdown(_ application: Application) { task.cancel() }
    }
    /// Blocks this large or larger are mapped on their own and unmapped when freed (see
    /// `xq_fix_large_allocation_threshold`); glibc's own `MALLOC_MMAP_THRESHOLD_` wins when set.
    static let largeAllocation: Int32 = 128 * 1024

    static func start(_ app: Application, every seconds: Int = 30) {
        if Environment.get("MALLOC_MMAP_THRESHOLD_") == nil { _ = xq_fix_large_allocation_threshold(largeAllocation) }
        let logger = app.logger, kept = app.aggregates
        let task = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(seconds))
                if Task.isCancelled { return }
                let dropped = kept.dropIdle(unusedFor: idleSeconds)
                let released = xq_release_free_memory()
                logger.debug("memory trim: \(dropped) idle kept results dropped; \(released == 1 ? "memory released" : "nothing to release")")
            }
        }
        app.lifecycle.use(Stop(task: task))
    }
}

/// On an empty database: the demo county, or the one admin account with a random password.
func seedIfEmpty(_ app: Application, _ config: AppConfig) async throws {
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
            let id = try await Accounts.insertUser(.init(username: "admin", displayName: "管理员", role: .bureauAdmin, areaCode: try await AreaStore.soleCounty(on: tx)), passwordHash: hash, on: tx, now: now)
            try await Audit.record(on: tx, .system("serve"), action: "user.create", entity: "user", entityId: String(id), summary: "首个管理员账户")
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
        @Option(name: "scale", help: "county (the demo county, default), city (four counties of one city) or province (≈30,000 schools, 900,000 teachers, 172 counties, for benchmarks)")
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
        case "city": scale = .city
        case "province": scale = .province
        default:
            context.console.error("--scale must be county, city or province")
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
    var help: String { "Writes a consistent copy of the SQLite database while the server runs (VACUUM INTO), with the audit chain's head anchored in it. On PostgreSQL use pg_dump." }

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
        let anchor = try await Backup.sqliteBackup(app: app, to: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        context.console.print("backup written to \(path) (\(size / 1024) KiB)")
        if let anchor { context.console.print("audit head anchored in the backup: \(anchor) (keep this line: `xuequ audit verify --anchor \(anchor)` finds rows deleted later)") }
    }
}

public enum Backup {
    /// Anchors the audit chain's head (in the log and in `audit_anchors`), then copies the
    /// database with `VACUUM INTO`, which reads one snapshot: writers carry on, the copy is
    /// consistent and holds the anchor.
    @discardableResult
    public static func sqliteBackup(app: Application, to path: String) async throws -> Audit.Anchor? {
        let anchor = try await app.writeGate.transaction(on: app.db) { tx in
            try await Audit.anchor(on: tx, reason: "backup " + (path as NSString).lastPathComponent)
        }
        if let anchor { app.logger.notice("audit head anchored: \(anchor) (backup \(path))") }
        try await app.db.sql.raw("VACUUM INTO \(bind: path)").run()
        return anchor
    }

    /// What a restore checked and where it put the database it replaced.
    public struct Restored: Sendable {
        public let rows: Int
        public let head: Audit.Anchor?
        public let keptAs: String?
    }

    /// Puts a backup in place of the database file, only after it has been checked, and keeps
    /// the file it replaces:
    /// 1. takes `<database>.lock` exclusively: refused while a server (or any xuequ process)
    ///    has the database open, so no live WAL is lost;
    /// 2. copies the backup next to the database and checks the copy: SQLite's
    ///    `PRAGMA integrity_check`, and the audit chain with its anchors (the key must be the
    ///    one the backup was written with: the data directory's `audit.key` or `XUEQU_AUDIT_KEY`);
    /// 3. renames the current database (with its `-wal` and `-shm`) to
    ///    `<database>.before-restore-<time>`, then the checked copy into place.
    /// Any failure leaves the current database as it was.
    public static func sqliteRestore(from backup: String, to databasePath: String, key: AuditKey?, app: Application) async throws -> Restored {
        let fm = FileManager.default
        guard fm.fileExists(atPath: backup) else { throw RestoreError("no such file: \(backup)") }
        guard let handle = FileHandle(forReadingAtPath: backup) else { throw RestoreError("cannot read \(backup)") }
        let magic = handle.readData(ofLength: 16)
        try? handle.close()
        guard magic == Data("SQLite format 3\0".utf8) else { throw RestoreError("\(backup) is not an SQLite database") }
        let dir = (databasePath as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: dir.isEmpty ? "." : dir, withIntermediateDirectories: true)
        let lock: DatabaseLock
        do { lock = try DatabaseLock.exclusive(databasePath) } catch let e as DatabaseLock.Busy { throw RestoreError(e.description) }
        defer { lock.release() }

        let temp = databasePath + ".restoring"
        for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: temp + suffix) }
        try fm.copyItem(atPath: backup, toPath: temp)
        var installed = false
        defer { if !installed { for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: temp + suffix) } } }
        let checked = try await check(temp, key: key, app: app)

        var keptAs: String?
        if fm.fileExists(atPath: databasePath) {
            let stamp = ISOTime.string(Date()).replacingOccurrences(of: ":", with: "").prefix(17)
            let keep = databasePath + ".before-restore-" + stamp
            // The database moves with its WAL and shared memory, so nothing acknowledged is lost.
            for suffix in ["", "-wal", "-shm"] where fm.fileExists(atPath: databasePath + suffix) {
                guard rename(databasePath + suffix, keep + suffix) == 0 else {
                    for back in ["", "-wal", "-shm"] where fm.fileExists(atPath: keep + back) { _ = rename(keep + back, databasePath + back) }
                    throw RestoreError("cannot move the current database aside (errno \(errno)); nothing was changed")
                }
            }
            keptAs = keep
        }
        // rename(2) puts the checked copy in place in one step.
        guard rename(temp, databasePath) == 0 else {
            if let keep = keptAs { for s in ["", "-wal", "-shm"] where fm.fileExists(atPath: keep + s) { _ = rename(keep + s, databasePath + s) } }
            throw RestoreError("cannot move the copy into place (errno \(errno)); the current database is back where it was")
        }
        installed = true
        return Restored(rows: checked.rows, head: checked.head, keptAs: keptAs)
    }

    /// Opens a copy on its own, checks SQLite's integrity and the audit chain, closes it.
    static func check(_ path: String, key: AuditKey?, app: Application) async throws -> (rows: Int, head: Audit.Anchor?) {
        // Databases of its own: the application's (a server's, in tests) are left alone.
        let databases = Databases(threadPool: app.threadPool, on: app.eventLoopGroup)
        databases.use(.sqlite(.file(path)), as: .sqlite)
        let outcome: Result<(Int, Audit.Anchor?), any Error>
        do {
            guard let db = databases.database(.sqlite, logger: app.logger, on: app.eventLoopGroup.any()) else { throw RestoreError("cannot open the copy") }
            struct Check: Decodable { let integrityCheck: String }
            let rows: [Check]
            do {
                rows = try await db.sql.raw("PRAGMA integrity_check").all(decoding: Check.self, with: SQLRowDecoder.snakeCase)
            } catch {
                throw RestoreError("the backup is damaged: SQLite cannot read it (\(String(describing: error).prefix(200)))")
            }
            guard rows.map(\.integrityCheck) == ["ok"] else {
                throw RestoreError("the backup is damaged: PRAGMA integrity_check says " + rows.prefix(5).map(\.integrityCheck).joined(separator: "; "))
            }
            struct T: Decodable { let name: String }
            let tables = Set(try await db.sql.raw("SELECT name FROM sqlite_master WHERE type = 'table'").all(decoding: T.self).map(\.name))
            guard tables.contains("audit_log") else { throw RestoreError("the backup has no audit log: it is not a Xuequ database") }
            // A backup from before the chain was keyed has plain links; the next start re-keys it.
            let keyed = tables.contains("audit_anchors")
            if keyed && key == nil { throw RestoreError("no audit key: restore the data directory's audit.key with the backup, or set XUEQU_AUDIT_KEY") }
            let (n, problems, head) = try await Audit.verify(on: db, key: keyed ? key : nil)
            if !problems.isEmpty {
                throw RestoreError("the backup's audit chain does not verify (\(problems.count) problems; with another audit key every row fails):\n  "
                                   + problems.prefix(10).map(\.description).joined(separator: "\n  "))
            }
            outcome = .success((n, head))
        } catch {
            outcome = .failure(error)
        }
        // Closed before the file moves.
        await databases.shutdownAsync()
        return try outcome.get()
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
    var help: String { "Replaces the SQLite database with a checked backup (integrity and audit chain), keeping the old file. Refused while a server runs. On PostgreSQL use pg_restore." }
    let config: AppConfig

    func run(using context: CommandContext, signature: Signature) async throws {
        guard case .sqlite(let path) = config.database else {
            context.console.error("this server runs on PostgreSQL: restore with  pg_restore --clean --dbname=\"$DATABASE_URL\" FILE  (see README)")
            throw ExitCode(2)
        }
        do {
            // The key is read, never made: a new key would not verify the backup.
            let key = try config.auditKey ?? AuditKey.load(dataDir: config.dataDir)
            let r = try await Backup.sqliteRestore(from: signature.file, to: path, key: key, app: context.application)
            context.console.print("restored \(signature.file) into \(path): integrity ok, audit chain of \(r.rows) rows verified"
                                  + (r.head.map { ", head \($0)" } ?? ""))
            if let kept = r.keptAs { context.console.print("the database it replaced is kept as \(kept)") }
        } catch let e as Backup.RestoreError {
            context.console.error("restore refused: \(e.description)")
            throw ExitCode(1)
        } catch let e as AuditKey.Problem {
            context.console.error("restore refused: \(e.description)")
            throw ExitCode(1)
        }
    }
}

struct AuditCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "verify: walk the keyed hash chain and report edited, deleted or recomputed rows")
        var action: String
        @Option(name: "anchor", help: "ID:HASH of a head printed earlier (log, backup): rows deleted since are found")
        var anchor: String?
        @Option(name: "anchors", help: "a file of heads (XUEQU_AUDIT_ANCHOR_FILE): every head in it is checked")
        var anchors: String?
        init() {}
    }
    var help: String { "Checks the audit log's keyed hash chain and its anchors (`xuequ audit verify [--anchor ID:HASH]`)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "verify" else {
            context.console.error("unknown action \(signature.action); use: xuequ audit verify")
            throw ExitCode(2)
        }
        var anchors: [Audit.Anchor] = []
        if let raw = signature.anchor {
            guard let a = Audit.Anchor(raw) else {
                context.console.error("--anchor must be ID:HASH (a row id, a colon, 64 hex characters)")
                throw ExitCode(2)
            }
            anchors.append(a)
        }
        if let file = signature.anchors {
            do { anchors += try AuditWitness.anchors(in: file) } catch {
                context.console.error("cannot read the anchor file \(file): \(error)")
                throw ExitCode(2)
            }
            context.console.print("checking \(anchors.count) anchors")
        }
        let app = context.application
        try await app.autoMigrate()
        let (rows, problems, head) = try await Audit.verify(on: app.db, key: app.auditKey, anchors: anchors)
        if problems.isEmpty {
            context.console.print("audit log intact: \(rows) rows, chain verified" + (head.map { "; head \($0)" } ?? ""))
        } else {
            for p in problems { context.console.error(p.description) }
            context.console.error("audit log BROKEN: \(problems.count) problems in \(rows) rows")
            throw ExitCode(1)
        }
    }
}

struct VerifyAggregatesCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }
    var help: String { "Recounts every maintained figure (teacher tallies, students, certificate serials, data-version triggers) from its source rows and reports any difference." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        var failed = 0
        for m in app.modules {
            for c in try await m.verifyAggregates(on: app.db) {
                if c.ok {
                    context.console.print("ok   \(m.name): \(c.name), \(c.checked) checked")
                } else {
                    failed += 1
                    context.console.error("FAIL \(m.name): \(c.name), \(c.mismatches.count)\(c.mismatches.count == 20 ? "+" : "") of \(c.checked) differ")
                    for line in c.mismatches { context.console.error("     \(line)") }
                }
            }
        }
        if failed > 0 { throw ExitCode(1) }
        context.console.print("every maintained figure equals its recount")
    }
}

/// `xuequ report summary --year Y [--district CODE] --out DIR`: the year's work summary as
/// `.docx` and `.xlsx`, the same files the page and the API give (a cron job at year end).
struct ReportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "kind", help: "summary: the year's work summary")
        var kind: String
        @Option(name: "year", help: "the calendar year (default: this year)")
        var year: Int?
        @Option(name: "district", help: "a district's code: that district's summary (default: the county)")
        var district: String?
        @Option(name: "out", help: "the folder the files are written to (made if missing)")
        var out: String?
        @Option(name: "lang", help: "zh (default) or en")
        var lang: String?
        init() {}
    }
    var help: String { "Writes the year's work summary as .docx and .xlsx (`xuequ report summary --year 2026 --out ./reports`)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.kind == "summary" else {
            context.console.error("unknown report \(signature.kind); use: xuequ report summary --year Y [--district CODE] --out DIR")
            throw ExitCode(2)
        }
        let app = context.application
        try await app.autoMigrate()
        var districtId: Int?
        if let code = signature.district {
            guard let d = try await RegistryStore.districtRows(on: app.db, scope: .county).first(where: { $0.code == code }) else {
                context.console.error("no district with code \(code)")
                throw ExitCode(2)
            }
            districtId = d.id
        }
        let actor = Actor(userId: 0, username: "report", displayName: "年度总结", role: .bureauAdmin, scope: .county, permissions: app.grants.permissions(of: .bureauAdmin))
        let locale: UILocale = signature.lang == "en" ? .en : .zh
        var ctx = app.context(actor: actor, name: "report")
        ctx = ServiceContext(db: ctx.db, gate: ctx.gate, clock: ctx.clock, actor: actor, logger: ctx.logger, audit: ctx.audit, documents: ctx.documents, locale: locale)
        let summary: ReportsService.Summary
        do { summary = try await ReportsService(ctx).summary(year: signature.year, district: districtId) } catch let e as DomainError {
            context.console.error(e.message(locale) + e.fields.map { " \($0.key): \($0.value(locale))" }.joined())
            throw ExitCode(2)
        }
        let dir = URL(fileURLWithPath: signature.out ?? ".", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let stem = "summary-\(summary.figures.year)" + (signature.district.map { "-\($0)" } ?? "")
        let docx = dir.appendingPathComponent(stem + ".docx"), xlsx = dir.appendingPathComponent(stem + ".xlsx")
        try SummaryDocuments.docx(summary, locale).write(to: docx, options: .atomic)
        try SummaryDocuments.xlsx(summary, locale).write(to: xlsx, options: .atomic)
        context.console.print("wrote \(docx.path) and \(xlsx.path)" + (summary.isFinal ? " (finalised summary)" : " (draft)"))
    }
}

/// Whether a command opens the database: `routes`, `--help` and the like open none (and so
/// make no `./data/xuequ.sqlite`); `restore` opens it itself, after its checks.
public func commandOpensDatabase(_ arguments: [String]) -> Bool {
    let command = arguments.dropFirst().first ?? "serve"
    if arguments.contains("--help") || arguments.contains("-h") { return false }
    return ["serve", "migrate", "seed", "backup", "audit", "verify-aggregates", "report"].contains(command)
}

/// Commands that read the database and write nothing of their own: they must find an existing
/// database (and key), never create one.
public func commandOnlyReads(_ arguments: [String]) -> Bool {
    let command = arguments.dropFirst().first ?? "serve"
    if arguments.contains("--help") || arguments.contains("-h") { return false }
    return ["audit", "verify-aggregates", "backup", "report"].contains(command)
}

/// Stops with exit code 2, naming the path, when the SQLite database is not there.
public func requireExistingDatabase(_ config: AppConfig) throws {
    guard case .sqlite(let path) = config.database else { return }
    if !FileManager.default.fileExists(atPath: path) {
        throw AppConfig.Invalid(problems: ["no database at \(path) (check --data-dir or XUEQU_DATA_DIR); this command reads an existing database and creates none"])
    }
    if config.auditKey == nil, !FileManager.default.fileExists(atPath: AuditKey.fileURL(dataDir: config.dataDir).path) {
        throw AppConfig.Invalid(problems: ["no audit key at \(AuditKey.fileURL(dataDir: config.dataDir).path) and XUEQU_AUDIT_KEY is not set; the chain cannot be checked without the key it was written with"])
    }
}

public func registerCommands(_ app: Application, _ config: AppConfig) {
    app.asyncCommands.use(MigrateCommand(), as: "migrate")
    app.asyncCommands.use(SeedCommand(), as: "seed")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(config: config), as: "restore")
    app.asyncCommands.use(AuditCommand(), as: "audit")
    app.asyncCommands.use(VerifyAggregatesCommand(), as: "verify-aggregates")
    app.asyncCommands.use(ReportCommand(), as: "report")
    app.asyncCommands.use(AreasCommand(), as: "areas")
}
