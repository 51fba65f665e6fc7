import Foundation
import Logging
import Vapor
import XuequApp
import XuequKit

/// `xuequ serve [--demo] [--data-dir DIR] [--hostname H] [--port P]`, `migrate`, `seed`,
/// `backup FILE`, `restore FILE`, `audit verify`. Every command has `--help`.
@main
enum Entry {
    static func main() async throws {
        var args = CommandLine.arguments
        let options = GlobalOptions.extract(&args)
        if args.count == 1 { args.append("serve") }
        var env = try Environment.detect(arguments: args)
        // Every log line goes through ScrubbingLogHandler: no full resident ID or phone number.
        if ProcessInfo.processInfo.environment["XUEQU_LOG_FORMAT"] == "json" {
            let level = Logger.Level(rawValue: ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info") ?? .info
            LoggingSystem.bootstrap { ScrubbingLogHandler(JSONLogHandler(label: $0, level: level)) }
        } else {
            try LoggingSystem.bootstrap(from: &env) { level in
                let console = Terminal()
                return { label in ScrubbingLogHandler(ConsoleLogger(label: label, console: console, level: level)) }
            }
        }
        let app = try await Application.make(env)
        let command = args.dropFirst().first ?? "serve"
        do {
            let config = try AppConfig.load(environment: ProcessInfo.processInfo.environment, dataDir: options.dataDir, demo: options.demo)
            if command == "restore" {
                // A restore swaps the database file: it must not be opened first.
                registerCommands(app, config)
            } else {
                // Commands that only read (audit verify, verify-aggregates, backup) never make a
                // database or a key: on a mistyped --data-dir they would find an empty chain intact.
                if commandOnlyReads(args) { try requireExistingDatabase(config) }
                try await configure(app, config, openDatabase: commandOpensDatabase(args), createKey: !commandOnlyReads(args))
                registerCommands(app, config)
                if command == "serve" { try await prepareForServing(app, config) }
            }
            try await app.execute()
        } catch let e as AppConfig.Invalid {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            try? await app.asyncShutdown()
            exit(2)
        } catch let e as ExitCode {
            try? await app.asyncShutdown()
            exit(e.code)
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            exit(1)
        }
        try await app.asyncShutdown()
    }
}
