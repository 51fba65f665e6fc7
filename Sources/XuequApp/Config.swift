import Foundation
import XuequKit

/// Everything the server reads from its environment and command line, read once at boot.
public struct AppConfig: Sendable {
    public enum Database: Sendable {
        case sqlite(path: String)
        case sqliteMemory
        case postgres(url: String, searchPath: String?)
    }

    public var database: Database
    public var dataDir: String
    public var sqliteSynchronous: String
    public var security: SecurityPolicy
    public var demo: Bool
    public var logQueries: Bool
    /// PostgreSQL connections per event loop (one loop per core).
    public var postgresConnectionsPerLoop: Int
    /// How long a request waits for a PostgreSQL connection before giving up (seconds). Writers
    /// that queue on one row (a body's certificate serial) hold their connections while they wait.
    public var postgresPoolTimeout: Int64 = 30
    /// Proxies whose `X-Forwarded-For` is believed (`XUEQU_TRUSTED_PROXIES`).
    public var trustedProxies: TrustedProxies = .none
    /// `Authorization: Bearer …` that `/metrics` asks for (`XUEQU_METRICS_TOKEN`); without it
    /// `/metrics` answers only direct requests from the machine itself.
    public var metricsToken: String?
    /// The audit chain's HMAC key (`XUEQU_AUDIT_KEY`); without it a key file in the data
    /// directory, made on first use.
    public var auditKey: AuditKey?
    /// A file outside the data directory where the server appends the audit chain's head every
    /// minute it moved and when it stops (`XUEQU_AUDIT_ANCHOR_FILE`); `audit verify --anchors FILE`
    /// then finds rows deleted from the log's end since.
    public var auditAnchorFile: String?
    /// The address the public reaches this server at (`XUEQU_PUBLIC_URL`, e.g.
    /// `https://jiaoyu.wuan.gov.cn/xuequ`): printed certificates' QR codes and calendar feeds point
    /// there, never at the address a request happened to come in by.
    public var publicURL: String?
    /// A streaming replica of the PostgreSQL primary (`DATABASE_REPLICA_URL`): reads that
    /// tolerate a little lag go there (see `ServiceContext.reportDB`).
    public var replica: (url: String, searchPath: String?)?

    public init(database: Database, dataDir: String, sqliteSynchronous: String = "FULL", security: SecurityPolicy = SecurityPolicy(), demo: Bool = false, logQueries: Bool = false,
                postgresConnectionsPerLoop: Int = 8) {
        self.database = database; self.dataDir = dataDir; self.sqliteSynchronous = sqliteSynchronous; self.security = security; self.demo = demo; self.logQueries = logQueries
        self.postgresConnectionsPerLoop = postgresConnectionsPerLoop
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String { "configuration problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n") }
    }

    /// Reads `DATABASE_URL`, `DATABASE_REPLICA_URL`, `XUEQU_SQLITE_SYNCHRONOUS`, `XUEQU_HTTPS`, `XUEQU_BCRYPT_COST`,
    /// `XUEQU_TRUSTED_PROXIES`, `XUEQU_METRICS_TOKEN`, `XUEQU_AUDIT_KEY` and the `--data-dir`
    /// option; stops with every problem listed at once.
    public static func load(environment env: [String: String], dataDir: String?, demo: Bool) throws -> AppConfig {
        var problems: [String] = []
        let dir = dataDir ?? env["XUEQU_DATA_DIR"] ?? "./data"
        var security = SecurityPolicy()
        if let https = env["XUEQU_HTTPS"] { security.secureCookies = ["1", "true", "yes"].contains(https.lowercased()) }
        if let c = env["XUEQU_BCRYPT_COST"] {
            if let n = Int(c), (4...31).contains(n) { security.bcryptCost = n } else { problems.append("XUEQU_BCRYPT_COST must be 4…31, got \(c)") }
        }
        let sync = (env["XUEQU_SQLITE_SYNCHRONOUS"] ?? "FULL").uppercased()
        if !["OFF", "NORMAL", "FULL", "EXTRA"].contains(sync) { problems.append("XUEQU_SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, got \(sync)") }
        let database: Database
        if let url = env["DATABASE_URL"], !url.isEmpty {
            if !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) { problems.append("DATABASE_URL must start with postgres:// (got \(url.prefix(12))…)") }
            database = .postgres(url: url, searchPath: nil)
        } else {
            database = .sqlite(path: (dir as NSString).appendingPathComponent("xuequ.sqlite"))
        }
        var trusted = TrustedProxies.none
        if let list = env["XUEQU_TRUSTED_PROXIES"] {
            let (parsed, invalid) = TrustedProxies.parse(list)
            if !invalid.isEmpty { problems.append("XUEQU_TRUSTED_PROXIES has entries that are not addresses or networks: \(invalid.joined(separator: ", "))") }
            trusted = parsed
        }
        var metricsToken: String?
        if let t = env["XUEQU_METRICS_TOKEN"], !t.isEmpty {
            if t.count < 16 { problems.append("XUEQU_METRICS_TOKEN must have at least 16 characters") }
            metricsToken = t
        }
        var replica: (url: String, searchPath: String?)?
        if let r = env["DATABASE_REPLICA_URL"], !r.isEmpty {
            if !(r.hasPrefix("postgres://") || r.hasPrefix("postgresql://")) { problems.append("DATABASE_REPLICA_URL must start with postgres:// (got \(r.prefix(12))…)") }
            if case .postgres = database {} else { problems.append("DATABASE_REPLICA_URL needs DATABASE_URL: a replica is of a PostgreSQL primary") }
            replica = (r, nil)
        }
        var auditKey: AuditKey?
        if let k = env["XUEQU_AUDIT_KEY"], !k.isEmpty {
            if let key = AuditKey(text: k) { auditKey = key } else { problems.append("XUEQU_AUDIT_KEY must be at least 32 bytes as hex (64 characters) or base64") }
        }
        var anchorFile: String?
        if let f = env["XUEQU_AUDIT_ANCHOR_FILE"], !f.isEmpty {
            let file = URL(fileURLWithPath: f).standardizedFileURL.path, data = URL(fileURLWithPath: dir).standardizedFileURL.path
            if file.hasPrefix(data.hasSuffix("/") ? data : data + "/") {
                problems.append("XUEQU_AUDIT_ANCHOR_FILE must lie outside the data directory (\(data)): a copy of the data directory must not carry its own witness")
            }
            anchorFile = file
        }
        var publicURL: String?
        if let u = env["XUEQU_PUBLIC_URL"], !u.isEmpty {
            if let parsed = URL(string: u), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), let host = parsed.host, !host.isEmpty,
               parsed.query == nil, parsed.fragment == nil, parsed.user == nil {
                publicURL = u.hasSuffix("/") ? String(u.dropLast()) : u
            } else {
                problems.append("XUEQU_PUBLIC_URL must be an http:// or https:// address with a host and no query (got \(u.prefix(60)))")
            }
        }
        if !problems.isEmpty { throw Invalid(problems: problems) }
        var config = AppConfig(database: database, dataDir: dir, sqliteSynchronous: sync, security: security, demo: demo, logQueries: env["XUEQU_LOG_SQL"] == "1")
        config.trustedProxies = trusted
        config.metricsToken = metricsToken
        config.auditKey = auditKey
        config.replica = replica
        config.auditAnchorFile = anchorFile
        config.publicURL = publicURL
        return config
    }
}
