import Foundation
import Logging
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
import ZIPFoundation
@testable import Balance
@testable import Certification
@testable import XuequApp
@testable import XuequKit

/// Hostile workbooks, made here the way an attacker makes them: a few kilobytes that claim
/// gigabytes, a cell in column XFD, a row numbered ten million.
enum HostileSheets {
    /// A part of the archive produced on demand (never held whole): a prefix, one byte
    /// repeated, a suffix.
    struct Stream {
        let prefix: [UInt8]
        let fill: UInt8
        let count: Int
        let suffix: [UInt8]
        var size: Int { prefix.count + count + suffix.count }

        init(_ prefix: String, fill: Character = "a", count: Int = 0, _ suffix: String = "") {
            self.prefix = Array(prefix.utf8); self.fill = fill.asciiValue!; self.count = count; self.suffix = Array(suffix.utf8)
        }

        func chunk(_ position: Int, _ length: Int) -> Data {
            var out = Data(capacity: length)
            var p = position
            while out.count < length {
                if p < prefix.count {
                    let n = min(prefix.count - p, length - out.count)
                    out.append(contentsOf: prefix[p..<(p + n)]); p += n
                } else if p < prefix.count + count {
                    let n = min(prefix.count + count - p, length - out.count)
                    out.append(Data(repeating: fill, count: n)); p += n
                } else {
                    let s = p - prefix.count - count
                    let n = min(suffix.count - s, length - out.count)
                    out.append(contentsOf: suffix[s..<(s + n)]); p += n
                }
            }
            return out
        }
    }

    static let workbook = """
        <?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>
        """
    static let rels = """
        <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>
        """

    /// A workbook with this sheet (and shared strings).
    static func xlsx(sheet: Stream, shared: Stream? = nil) throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ s: Stream) throws {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(s.size), compressionMethod: .deflate, bufferSize: 1 << 20) { pos, n in s.chunk(Int(pos), n) }
        }
        try add("xl/workbook.xml", Stream(workbook))
        try add("xl/_rels/workbook.xml.rels", Stream(rels))
        if let shared { try add("xl/sharedStrings.xml", shared) }
        try add("xl/worksheets/sheet1.xml", sheet)
        return archive.data!
    }

    static let teacherHeader = "<row r=\"1\">" + ["姓名", "身份证号", "学校代码"].enumerated().map { i, h in
        "<c r=\"\(XLSXWriter.columnName(i))1\" t=\"inlineStr\"><is><t>\(h)</t></is></c>"
    }.joined() + "</row>"

    static func sheet(_ rows: String) -> Stream {
        Stream("<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>" + teacherHeader + rows + "</sheetData></worksheet>")
    }

    /// One cell in column XFD on each of `rows` rows (the 11 KB file that cost 622 MB).
    static func farColumn(rows: Int) throws -> Data {
        try xlsx(sheet: sheet((2...rows + 1).map { "<row r=\"\($0)\"><c r=\"XFD\($0)\" t=\"inlineStr\"><is><t>x</t></is></c></row>" }.joined()))
    }

    /// `<row r="10000000">`.
    static func rowGap() throws -> Data {
        try xlsx(sheet: sheet("<row r=\"10000000\"><c r=\"A10000000\" t=\"inlineStr\"><is><t>x</t></is></c></row>"))
    }

    /// One shared string of `characters` characters, used once.
    static func hugeSharedString(characters: Int) throws -> Data {
        let shared = Stream("<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1\"><si><t>",
                            count: characters, "</t></si></sst>")
        return try xlsx(sheet: sheet("<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c></row>"), shared: shared)
    }

    /// `data` with every size field of the zip entry `path` set to `claimed` bytes: what a bomb's
    /// headers say is not what it inflates to.
    static func lying(_ data: Data, path: String, claimed: UInt32) -> Data {
        var b = [UInt8](data)
        let name = Array(path.utf8)
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func put32(_ i: Int, _ v: UInt32) { for k in 0..<4 { b[i + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) } }
        var i = 0
        while i + 46 < b.count {
            if b[i] == 0x50, b[i + 1] == 0x4B, b[i + 2] == 0x03, b[i + 3] == 0x04, Array(b[(i + 30)..<(i + 30 + u16(i + 26))]) == name {
                put32(i + 22, claimed)                       // local header: uncompressed size
            }
            if b[i] == 0x50, b[i + 1] == 0x4B, b[i + 2] == 0x01, b[i + 3] == 0x02, Array(b[(i + 46)..<(i + 46 + u16(i + 28))]) == name {
                put32(i + 24, claimed)                       // central directory: uncompressed size
            }
            i += 1
        }
        return Data(b)
    }

    /// A sheet part that unzips to `bytes` of whitespace inside a cell's text.
    static func unzipsTo(bytes: Int) throws -> Data {
        try xlsx(sheet: Stream("<?xml version=\"1.0\"?><worksheet><sheetData>" + teacherHeader + "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>",
                               fill: " ", count: bytes, "</t></is></c></row></sheetData></worksheet>"))
    }
}

@Suite("Security: hostile spreadsheets")
struct SecuritySheetTests {
    static func code(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as DomainError { return e.code } catch { return "\(error)" }
    }

    @Test("a cell in column XFD on 2,000 rows is ignored beyond the header's width, in well under a second")
    func farColumn() throws {
        let data = try HostileSheets.farColumn(rows: 2000)
        #expect(data.count < 64 * 1024)
        let started = ContinuousClock.now
        let table = try Spreadsheet.read(data)
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(table.header == ["姓名", "身份证号", "学校代码"])
        // Nothing right of the header is kept: no row is 16,384 cells wide.
        #expect(table.rows.allSatisfy { $0.count <= 3 })
    }

    @Test("a header with content far right, a row gap of ten million, too many cells: refused by name")
    func shapes() throws {
        let wide = try HostileSheets.xlsx(sheet: HostileSheets.Stream("<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a</t></is></c>"
                                                                       + "<c r=\"KZ1\" t=\"inlineStr\"><is><t>b</t></is></c></row></sheetData></worksheet>"))
        #expect(Self.code { _ = try Spreadsheet.read(wide) } == "sheet_too_many_columns")
        let started = ContinuousClock.now
        #expect(Self.code { _ = try Spreadsheet.read(try HostileSheets.rowGap()) } == "sheet_row_gap")
        #expect(ContinuousClock.now - started < .seconds(1))
        var small = SheetLimits()
        small.maxCells = 100
        let many = try HostileSheets.xlsx(sheet: HostileSheets.sheet((2...60).map { "<row r=\"\($0)\"><c r=\"A\($0)\"><v>1</v></c><c r=\"C\($0)\"><v>2</v></c></row>" }.joined()))
        #expect(Self.code { _ = try Spreadsheet.read(many, limits: small) } == "sheet_too_many_cells")
    }

    @Test("a shared string past Excel's cell limit is refused as it is read, not after")
    func longSharedString() throws {
        let data = try HostileSheets.hugeSharedString(characters: 40_000)
        #expect(Self.code { _ = try Spreadsheet.read(data) } == "sheet_cell_too_long")
    }

    @Test("a workbook that unzips past the limit stops at the limit, whatever its parts claim")
    func unzipBomb() throws {
        // 20 MB in one shared string, 20 KB zipped: stopped at the cell limit, after 32 KB.
        let data = try HostileSheets.hugeSharedString(characters: 20 * 1024 * 1024)
        #expect(data.count < 64 * 1024)
        let started = ContinuousClock.now
        #expect(Self.code { _ = try Spreadsheet.read(data) } == "sheet_cell_too_long")
        #expect(ContinuousClock.now - started < .seconds(1))
        // A part that is only large: the unzipped budget stops it (the HTTP test below does this
        // at the real limit of 256 MB).
        var small = SheetLimits()
        small.maxUnzippedBytes = 4 * 1024 * 1024
        let blank = try HostileSheets.unzipsTo(bytes: 16 * 1024 * 1024)
        #expect(Self.code { _ = try Spreadsheet.read(blank, limits: small) } == "sheet_unzipped_too_large")
        // Its headers claiming 1 KB: only what is inflated counts, and the reading stops there.
        let lying = HostileSheets.lying(blank, path: "xl/worksheets/sheet1.xml", claimed: 1024)
        #expect(lying != blank)
        #expect(Self.code { _ = try Spreadsheet.read(lying, limits: small) } == "sheet_unzipped_too_large")
    }

    @Test("a 19 MB single-cell CSV is refused at Excel's cell limit, quickly")
    func hugeCSVCell() throws {
        let csv = Data(("姓名,身份证号\n\"" + String(repeating: "长", count: 19 * 1024 * 1024 / 3) + "\",x\n").utf8)
        let started = ContinuousClock.now
        #expect(Self.code { _ = try Spreadsheet.read(csv) } == "sheet_cell_too_long")
        #expect(ContinuousClock.now - started < .seconds(3))
        // Columns right of the header are not kept in CSV either.
        let wide = try CSV.read(Data(("a,b\n1,2" + String(repeating: ",x", count: 20_000) + "\n").utf8))
        #expect(wide.rows == [["a", "b"], ["1", "2"]])
    }

    // The bombs are refused before any query: one database is enough.
    @Test("the import answers a bomb with 413 or 422 and a reason naming it, in Chinese or in English")
    func overHTTP() async throws {
        try await withApp(.sqlite) { app, _ in
            // A smaller budget than the real 256 MB, so the suite does not spend seconds inflating.
            var limits = SheetLimits()
            limits.maxUnzippedBytes = 4 * 1024 * 1024
            app.sheetLimits = limits
            let token = try await app.token("admin")
            func post(_ data: Data, english: Bool = false) async throws -> (UInt, [String: Any], Int) {
                let (h, b) = multipart(file: data, filename: "bomb.xlsx")
                var headers = h
                headers.bearerAuthorization = BearerAuthorization(token: token)
                if english { headers.replaceOrAdd(name: .acceptLanguage, value: "en") }
                var out: (UInt, [String: Any], Int) = (0, [:], 0)
                try await app.check(.POST, "/api/v1/imports/teachers", headers: headers, body: b) { res in
                    out = (res.status.code, (try? res.json()) ?? [:], res.body.readableBytes)
                }
                return out
            }
            var (status, body, _) = try await post(try HostileSheets.rowGap())
            #expect(status == 422 && body["code"] as? String == "sheet_row_gap" && body["error"] as? Bool == true)
            #expect((body["reason"] as? String ?? "").contains("第1行直接跳到第10000000行"))
            (status, body, _) = try await post(try HostileSheets.rowGap(), english: true)
            #expect((body["reason"] as? String ?? "").contains("jumps from row 1 to row 10000000"))
            (status, body, _) = try await post(try HostileSheets.unzipsTo(bytes: 16 * 1024 * 1024))
            #expect(status == 413 && body["code"] as? String == "sheet_unzipped_too_large")
            #expect((body["reason"] as? String ?? "").contains("解压后超过 4 MB"))
            (status, body, _) = try await post(try HostileSheets.hugeSharedString(characters: 1024 * 1024))
            #expect(status == 422 && body["code"] as? String == "sheet_cell_too_long")
        }
    }

    // Every row fails its own checks, before any query: one database is enough.
    @Test("5,000 bad rows: the first 200 problems and the count, not megabytes of JSON")
    func errorList() async throws {
        try await withApp(.sqlite) { app, _ in
            let token = try await app.token("admin")
            var csv = "姓名,身份证号,学校代码,任教学科,学历,普通话等级,职称,骨干级别,本校任教起始日期\n"
            for i in 0..<5_000 { csv += "教师\(i),123,T0001,数学,本科,二级甲等,中级,无,2015-09-01\n" }
            let (h, b) = multipart(file: Data(csv.utf8), filename: "bad.csv")
            var headers = h
            headers.bearerAuthorization = BearerAuthorization(token: token)
            try await app.check(.POST, "/api/v1/imports/teachers", headers: headers, body: b) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.readableBytes < 60_000, "\(res.body.readableBytes) bytes")
                let json = (try? res.json()) ?? [:]
                #expect((json["errors"] as? [[String: Any]])?.count == 200)
                #expect(json["errorsTotal"] as? Int == 5_000)
                #expect((json["errors"] as? [[String: Any]])?.first?["row"] as? Int == 2)
                #expect((json["reason"] as? String ?? "").contains("有5000行数据有误"))
            }
        }
    }

    @Test("a reason quotes at most a short prefix of what was sent")
    func quoting() {
        let long = String(repeating: "x", count: 10_000)
        #expect(long.clipped().count == 31)
        #expect("短".clipped() == "短")
    }
}

@Suite("Security: sign-in floods and the lockout")
struct SecurityLoginTests {
    static func login(_ app: Application, _ user: String, _ password: String) async throws -> (UInt, String?) {
        let (h, b) = try jsonBody(["username": user, "password": password])
        var out: (UInt, String?) = (0, nil)
        try await app.check(.POST, "/api/v1/session", headers: h, body: b) { res in out = (res.status.code, res.headers.first(name: .retryAfter)) }
        return out
    }

    @Test("40 parallel wrong passwords: 401, 423 or 429 with Retry-After, never a 500; a signed-in user keeps being answered", arguments: TestDB.all)
    func flood(db: TestDB) async throws {
        try await withApp(db, settings: { $0.security.bcryptCost = 8 }) { app, _ in
            let token = try await app.token("admin")
            let statuses = try await withThrowingTaskGroup(of: (UInt, String?).self) { group in
                for _ in 0..<40 { group.addTask { try await Self.login(app, "d1", "wrong-password-1") } }
                // Meanwhile a signed-in user reads.
                let started = ContinuousClock.now
                try await app.check(.GET, "/api/v1/districts", headers: bearer(token)) { res in #expect(res.status == .ok) }
                // Not behind the flood (it once waited out the pool's 10 s and got a 500); the margin
                // is for the rest of the test suite running on the same two cores.
                #expect(ContinuousClock.now - started < .seconds(8))
                var out: [(UInt, String?)] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.allSatisfy { [401, 423, 429].contains($0.0) }, "\(statuses.map(\.0))")
            #expect(statuses.contains { $0.0 == 429 && Int($0.1 ?? "") != nil })
            // Only a few of the forty cost a password check: the rest were turned away first.
            let checked = try await Audit.list(on: app.db, filter: .init(prefixes: ["auth"]), page: PageSpec(page: 1, per: 100)).items
                .filter { $0.action == "auth.login_failed" || $0.action == "auth.locked" }
            #expect(checked.count <= 10, "\(checked.count) password checks")
        }
    }

    @Test("31 failed sign-ins for unknown names from one address lock nobody out: 20 accounts then sign in from it", arguments: TestDB.all)
    func oneAddressIsNotLockedOut(db: TestDB) async throws {
        try await withApp(db, settings: { $0.security.bcryptCost = 4 }) { app, _ in
            // Fourteen more accounts, so that twenty different people sign in.
            let hash = try await Accounts.hashPassword(Fixture.password, app: app)
            let extra = (1...14).map { "staff\($0)" }
            try await app.writeGate.transaction(on: app.db) { tx in
                for name in extra { _ = try await Accounts.insertUser(.init(username: name, displayName: name, role: .reviewer), passwordHash: hash, on: tx, now: Date()) }
            }
            for i in 0..<31 { _ = try await Self.login(app, "nobody\(i)", "wrong-password-1") }
            for user in ["admin", "d1", "d2", "s1", "s3", "t1"] + extra {
                #expect(try await Self.login(app, user, Fixture.password).0 == 200, "\(user)")
            }
            // The name that keeps failing from this address is told when to come back.
            for _ in 0..<10 { _ = try await Self.login(app, "nobody0", "wrong-password-1") }
            let (status, retry) = try await Self.login(app, "nobody0", "wrong-password-1")
            #expect(status == 429)
            #expect((Int(retry ?? "") ?? 0) >= 1)
        }
    }

    @Test("right passwords are not what is limited: a school's staff behind one address all sign in", arguments: TestDB.all)
    func successesAreNotThrottled(db: TestDB) async throws {
        try await withApp(db, settings: { $0.security.loginPerAddress = .init(limit: 5, window: 60); $0.security.loginPerAccount = .init(limit: 3, window: 60) }) { app, _ in
            // Twenty sign-ins from one address, eight of them the same account: all answered 200.
            for user in Array(repeating: ["admin", "s1", "t1", "reviewer"], count: 2).flatMap({ $0 }) + Array(repeating: "d1", count: 12) {
                let (status, _) = try await Self.login(app, user, Fixture.password)
                #expect(status == 200, "\(user)")
            }
            // Failures still count: the account's limit.
            for _ in 0..<3 { _ = try await Self.login(app, "d1", "wrong-password-1") }
            #expect(try await Self.login(app, "d1", Fixture.password).0 == 429)
        }
    }

    @Test("failed sign-ins in parallel are all counted (one atomic UPDATE)", arguments: TestDB.all)
    func atomicCount(db: TestDB) async throws {
        try await withApp(db, postgresConnections: 8, settings: {
            $0.security.maxFailedLogins = 1000
            $0.security.loginPerAddress = .init(limit: 1000, window: 60)
            $0.security.loginPerAccount = .init(limit: 1000, window: 60)
            $0.security.loginInFlightPerAccount = 100
        }) { app, f in
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<20 { group.addTask { try await Self.login(app, "d1", "wrong-password-1").0 } }
                var out: [UInt] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.allSatisfy { $0 == 401 }, "\(statuses)")
            let user = try #require(try await Accounts.user(id: f.users["d1"]!, on: app.db))
            #expect(user.failedLogins == 20)
        }
    }

    @Test("an unknown username costs the same bcrypt work as a known one")
    func equalWork() async throws {
        try await withApp(.sqlite, settings: {
            // Cost 10 here (12 in production): the old dummy hash had cost 4, 64 times less work.
            $0.security.bcryptCost = 10
            $0.security.loginPerAddress = .init(limit: 1000, window: 60)
        }) { app, _ in
            #expect(try await Accounts.dummyHash(app).hasPrefix("$2b$10$"))
            // Counted, not timed: each attempt is one bcrypt check at the configured cost.
            func jobs(_ user: String) async throws -> Int {
                let before = app.workPools.passwordJobsRun
                let (status, _) = try await Self.login(app, user, "wrong-password-1")
                #expect(status == 401)
                return app.workPools.passwordJobsRun - before
            }
            let unknown = try await jobs("no-such-user"), known = try await jobs("s1")
            #expect(unknown == 1 && known == 1, "unknown \(unknown), known \(known)")
        }
    }
}

@Suite("Security: addresses and metrics")
struct SecurityAddressTests {
    @Test("X-Forwarded-For counts only from a configured proxy")
    func forwardedFor() {
        let (proxies, bad) = TrustedProxies.parse("10.0.0.5, 192.168.1.0/24, ::1, nonsense")
        #expect(bad == ["nonsense"])
        #expect(TrustedProxies.none.client(remote: "203.0.113.9", forwardedFor: ["6.6.6.6"]) == "203.0.113.9")
        #expect(proxies.client(remote: "203.0.113.9", forwardedFor: ["6.6.6.6"]) == "203.0.113.9")
        #expect(proxies.client(remote: "10.0.0.5", forwardedFor: ["6.6.6.6"]) == "6.6.6.6")
        // The client cannot push a forged hop in front: the nearest untrusted hop counts.
        #expect(proxies.client(remote: "192.168.1.7", forwardedFor: ["6.6.6.6, 198.51.100.4, 10.0.0.5"]) == "198.51.100.4")
        #expect(proxies.client(remote: "::1", forwardedFor: ["not-an-address"]) == "::1")
        #expect(proxies.client(remote: nil, forwardedFor: ["6.6.6.6"]) == "-")
    }

    @Test("the audit log records the connection's address, not a forged header", arguments: TestDB.all)
    func auditAddress(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let (h, b) = try jsonBody(["username": "admin", "password": Fixture.password])
            var headers = h
            headers.replaceOrAdd(name: .xForwardedFor, value: "6.6.6.6")
            try await app.check(.POST, "/api/v1/session", headers: headers, body: b) { res in #expect(res.status == .ok) }
            let entry = try #require(try await Audit.list(on: app.db, filter: .init(action: "auth.token_issued"), page: PageSpec(page: 1, per: 1)).items.first)
            #expect(entry.address != "6.6.6.6")
        }
    }

    @Test("/metrics: the token when one is set, otherwise the machine itself only")
    func metrics() async throws {
        try await withApp(.sqlite, fixture: false, settings: { $0.metricsToken = "metrics-token-0123456789" }) { app, _ in
            try await app.check(.GET, "/metrics") { res in #expect(res.status == .forbidden) }
            try await app.check(.GET, "/metrics", headers: bearer("wrong-token-000000000000")) { res in #expect(res.status == .forbidden) }
            try await app.check(.GET, "/metrics", headers: bearer("metrics-token-0123456789")) { res in
                #expect(res.status == .ok && res.text.contains("http_requests_total"))
            }
        }
        try await withApp(.sqlite, fixture: false) { app, _ in
            // In memory there is no connection at all: not the machine itself.
            try await app.check(.GET, "/metrics") { res in #expect(res.status == .forbidden) }
            // Over a real socket from 127.0.0.1: allowed, unless it came through a proxy. The
            // registry is the process's, so after the whole suite its text can pass the testing
            // client's 1 MB limit: the server is started here and read with Vapor's own client.
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            do {
                let port = try #require(app.http.server.shared.localAddress?.port)
                let url = URI(string: "http://127.0.0.1:\(port)/metrics")
                let own = try await app.client.get(url)
                #expect(own.status == .ok && (own.body.map { String(buffer: $0) } ?? "").contains("http_requests_total"))
                let proxied = try await app.client.get(url, headers: ["X-Forwarded-For": "6.6.6.6"])
                #expect(proxied.status == .forbidden)
                // Every forwarding header a proxy may set, alone, makes the caller remote.
                for h in ["X-Real-IP", "Forwarded", "Via", "X-Forwarded-Host", "True-Client-IP"] {
                    let res = try await app.client.get(url, headers: [h: "6.6.6.6"])
                    #expect(res.status == .forbidden, "\(h)")
                }
            } catch {
                await app.server.shutdown()
                throw error
            }
            await app.server.shutdown()
        }
    }
}

@Suite("Security: commands, backups and the audit chain")
struct SecurityOperationsTests {
    static func dir() -> String { NSTemporaryDirectory() + "xq-sec-" + UUID().uuidString }

    static func open(_ dir: String, key: AuditKey? = nil) async throws -> Application {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        var security = SecurityPolicy(); security.bcryptCost = 4
        var config = AppConfig(database: .sqlite(path: dir + "/xuequ.sqlite"), dataDir: dir, security: security)
        config.auditKey = key
        try await configure(app, config)
        try await app.autoMigrate()
        return app
    }

    static func record(_ app: Application, _ n: Int, from: Int = 0) async throws {
        for i in from..<(from + n) {
            try await app.writeGate.transaction(on: app.db) { tx in
                try await Audit.record(on: tx, .system("test"), action: "test.\(i)", entity: "x", entityId: String(i), summary: "entry \(i)")
            }
        }
    }

    static func dropGuards(_ app: Application) async throws {
        try await app.db.sql.raw("DROP TRIGGER audit_log_no_update").run()
        try await app.db.sql.raw("DROP TRIGGER audit_log_no_delete").run()
    }

    @Test("`xuequ routes` opens no database and makes no ./data/xuequ.sqlite")
    func routesMakeNoDatabase() async throws {
        let dir = Self.dir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(commandOpensDatabase(["xuequ", "routes"]) == false)
        #expect(commandOpensDatabase(["xuequ", "migrate", "--help"]) == false)
        #expect(commandOpensDatabase(["xuequ", "serve"]) && commandOpensDatabase(["xuequ"]))
        let app = try await Application.make(Environment(name: "testing", arguments: ["xuequ", "routes"]))
        app.logger.logLevel = .warning
        try await configure(app, AppConfig(database: .sqlite(path: dir + "/xuequ.sqlite"), dataDir: dir), openDatabase: commandOpensDatabase(["xuequ", "routes"]))
        registerCommands(app, AppConfig(database: .sqlite(path: dir + "/xuequ.sqlite"), dataDir: dir))
        try await app.execute()
        try await app.asyncShutdown()
        #expect(!FileManager.default.fileExists(atPath: dir), "nothing was made in the data directory")
    }

    @Test("a chain recomputed after an edit, and rows deleted from its end, are found")
    func keyedAndAnchored() async throws {
        let dir = Self.dir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let app = try await Self.open(dir)
        let key = try #require(app.auditKey)
        try await Self.record(app, 6)
        // The key file sits in the data directory, readable by its owner only.
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/audit.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // A backup anchors the head.
        let anchor = try #require(try await Backup.sqliteBackup(app: app, to: dir + "/b1.sqlite"))
        try await Self.record(app, 3, from: 6)
        #expect(try await Audit.verify(on: app.db, key: key).problems.isEmpty)

        // Someone with the database edits a row and recomputes every link after it, as the old
        // plain chain allowed.
        try await Self.dropGuards(app)
        try await app.db.sql.raw("UPDATE audit_log SET summary = 'nothing happened' WHERE action = 'test.7'").run()
        let rows = try await app.db.sql.raw("SELECT * FROM audit_log ORDER BY id").all(decoding: AuditEntry.self, keyDecodingStrategy: .convertFromSnakeCase)
        var prev = Audit.genesis
        for e in rows {
            let h = Audit.plainDigest(prev: prev, at: e.at, actorId: e.actorId, actorName: e.actorName, action: e.action, entity: e.entity, entityId: e.entityId, summary: e.summary, requestId: e.requestId, address: e.address)
            try await app.db.sql.raw("UPDATE audit_log SET prev_hash = \(bind: prev), hash = \(bind: h) WHERE id = \(bind: e.id)").run()
            prev = h
        }
        #expect(!(try await Audit.verify(on: app.db, key: key).problems.isEmpty), "recomputed without the key")
        try await app.asyncShutdown()

        // Another database: the newest rows deleted, the anchor with them.
        let dir2 = Self.dir()
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        let app2 = try await Self.open(dir2)
        let key2 = try #require(app2.auditKey)
        try await Self.record(app2, 5)
        let anchor2 = try #require(try await Backup.sqliteBackup(app: app2, to: dir2 + "/b.sqlite"))
        try await Self.dropGuards(app2)
        try await app2.db.sql.raw("DELETE FROM audit_log WHERE id >= \(bind: anchor2.headId - 1)").run()
        var problems = try await Audit.verify(on: app2.db, key: key2).problems
        #expect(problems.contains { $0.reason.contains("deleted from its end") }, "\(problems)")
        // …and the anchors too: the one printed in the log still finds it.
        try await app2.db.sql.raw("DELETE FROM audit_anchors").run()
        #expect(try await Audit.verify(on: app2.db, key: key2).problems.isEmpty)
        problems = try await Audit.verify(on: app2.db, key: key2, anchors: [anchor2]).problems
        #expect(problems.contains { $0.reason.contains("deleted from its end") })
        #expect(Audit.Anchor(anchor2.description) == anchor2 && anchor.headId > 0)
        try await app2.asyncShutdown()
    }

    @Test("rows chained before the key are verified the old way, then re-keyed by the migration")
    func rekeyMigration() async throws {
        let dir = Self.dir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A database as the previous version left it: plain SHA-256 links.
        var app = try await Self.open(dir)
        try await Self.record(app, 4)
        try await app.db.sql.raw("DELETE FROM _fluent_migrations WHERE name = '003_KeyAuditChain'").run()
        try await app.db.sql.raw("DROP TABLE audit_anchors").run()
        try await KeyAuditChain.relink(app.db, with: nil)
        #expect(try await Audit.verify(on: app.db, key: nil).problems.isEmpty)
        try await app.asyncShutdown()
        // The next start re-keys it and says how the old chain stood.
        app = try await Self.open(dir)
        let (rows, problems, _) = try await Audit.verify(on: app.db, key: app.auditKey)
        // The four entries and one `audit.rekey` entry per run of the migration.
        #expect(problems.isEmpty && rows == 6)
        let last = try #require(try await Audit.list(on: app.db, filter: .init(action: "audit.rekey"), page: PageSpec(page: 1, per: 1)).items.first)
        #expect(last.summary.contains("verified intact"))
        // The audit page reads it in Chinese; in English as written.
        #expect(AuditWords.detail(last, locale: .zh) == "重新以密钥链接前，原 SHA-256 审计链 5 条记录校验完整")
        #expect(AuditWords.detail(last, locale: .en) == last.summary)
        try await app.asyncShutdown()
    }

    @Test("restore: a truncated backup is refused, a running server refuses it, a good one replaces the database and keeps the old file")
    func restore() async throws {
        let dir = Self.dir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dbPath = dir + "/xuequ.sqlite"
        var app = try await Self.open(dir)
        let key = try #require(app.auditKey)
        _ = try await Fixture.make(app)
        try await Backup.sqliteBackup(app: app, to: dir + "/good.sqlite")
        try await app.writeGate.transaction(on: app.db) { tx in try await tx.sql.raw("UPDATE schools SET name = 'changed'").run() }

        let restorer = try await Application.make(.testing)
        restorer.logger.logLevel = .warning
        do {
        // While the server has the database open: refused, nothing touched.
        await #expect { _ = try await Backup.sqliteRestore(from: dir + "/good.sqlite", to: dbPath, key: key, app: restorer) } throws: {
            ($0 as? Backup.RestoreError)?.description.contains("in use") == true
        }
        try await app.asyncShutdown()

        // A truncated backup: refused, the database is as it was.
        let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/good.sqlite"))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: dir + "/truncated.sqlite"))
        await #expect { _ = try await Backup.sqliteRestore(from: dir + "/truncated.sqlite", to: dbPath, key: key, app: restorer) } throws: {
            ($0 as? Backup.RestoreError)?.description.contains("damaged") == true
        }
        // A backup whose audit log was edited: refused.
        try FileManager.default.copyItem(atPath: dir + "/good.sqlite", toPath: dir + "/edited.sqlite")
        let editor = try await Application.make(.testing)
        editor.databases.use(.sqlite(.file(dir + "/edited.sqlite")), as: .sqlite)
        try await editor.db.sql.raw("DROP TRIGGER audit_log_no_update").run()
        try await editor.db.sql.raw("UPDATE audit_log SET summary = 'x' WHERE id = 1").run()
        try await editor.asyncShutdown()
        await #expect { _ = try await Backup.sqliteRestore(from: dir + "/edited.sqlite", to: dbPath, key: key, app: restorer) } throws: {
            ($0 as? Backup.RestoreError)?.description.contains("audit chain") == true
        }
        app = try await Self.open(dir)
        struct Name: Decodable { let name: String }
        #expect(try await app.db.sql.raw("SELECT name FROM schools").all(decoding: Name.self).allSatisfy { $0.name == "changed" })
        try await app.asyncShutdown()

        // The good one: in place, checked, the old database kept beside it.
        let r = try await Backup.sqliteRestore(from: dir + "/good.sqlite", to: dbPath, key: key, app: restorer)
        let kept = try #require(r.keptAs)
        #expect(FileManager.default.fileExists(atPath: kept))
        app = try await Self.open(dir)
        #expect(try await app.db.sql.raw("SELECT name FROM schools ORDER BY id").all(decoding: Name.self).map(\.name) == ["一中心小学", "一九年制学校", "二小学"])
        #expect(try await Audit.verify(on: app.db, key: key).problems.isEmpty)
        try await app.asyncShutdown()
        } catch {
            try? await restorer.asyncShutdown()
            throw error
        }
        try await restorer.asyncShutdown()
    }
}

@Suite("Security: bodies too big to decode are refused before decoding")
struct BodyLimitTests {
    static func post(_ app: Application, _ path: String, type: HTTPMediaType, _ body: String) async throws -> (UInt, String, Duration) {
        var h = HTTPHeaders()
        h.contentType = type
        let started = ContinuousClock.now
        var out: (UInt, String) = (0, "")
        try await app.check(.POST, path, headers: h, body: ByteBuffer(string: body)) { res in out = (res.status.code, res.text) }
        return (out.0, out.1, ContinuousClock.now - started)
    }

    @Test("20,000 bracketed fields to /login: 413 from the scanner before any decoding, and the server keeps answering", arguments: TestDB.all)
    func formFlood(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let body = (0..<20_000).map { "d[\($0):music]=1" }.joined(separator: "&")
            // Refused by the scanner, before any decoder saw it (the decoder took 40 s on this body).
            let (status, text, _) = try await Self.post(app, "/login", type: .urlEncodedForm, body)
            #expect(status == 413, "\(text.prefix(200))")
            #expect(text.contains("字段过多"))
            // The same as a query string.
            try await app.check(.GET, "/login?" + (0..<2_000).map { "q[\($0)]=1" }.joined(separator: "&")) { res in #expect(res.status == .payloadTooLarge) }
            try await app.check(.GET, "/healthz") { res in #expect(res.status == .ok) }
        }
    }

    @Test("a form key nested three deep is refused with its name", arguments: TestDB.all)
    func deepKey(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let (status, text, _) = try await Self.post(app, "/login", type: .urlEncodedForm, "a[b][c][d]=1&username=x")
            #expect(status == 400)
            #expect(text.contains("a[b][c]"))
            let (encoded, _, _) = try await Self.post(app, "/login", type: .urlEncodedForm, "a%5Bb%5D%5bc%5D%5Bd%5D=1")
            #expect(encoded == 400)
        }
    }

    @Test("JSON nested too deep or with a list too long is refused; an ordinary body passes", arguments: TestDB.all)
    func json(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
            let s1 = try await Self.post(app, "/api/v1/session", type: .json, deep).0
            #expect(s1 == 400)
            let long = "{\"username\":\"a\",\"password\":\"b\",\"x\":[" + Array(repeating: "1", count: 6_000).joined(separator: ",") + "]}"
            let s2 = try await Self.post(app, "/api/v1/session", type: .json, long).0
            #expect(s2 == 413)
            // Commas and brackets inside strings are text, not structure.
            let text = "{\"username\":\"" + String(repeating: "[,", count: 6_000) + "\",\"password\":\"wrong-password-1\"}"
            let s3 = try await Self.post(app, "/api/v1/session", type: .json, text).0
            #expect(s3 == 401)
            let s4 = try await Self.post(app, "/api/v1/session", type: .json, "{\"username\":\"admin\",\"password\":\"\(Fixture.password)\"}").0
            #expect(s4 == 200)
        }
    }

    @Test("a multipart body of more than 50 parts is refused", arguments: TestDB.all)
    func multipartParts(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let boundary = "xqboundary"
            let parts = (0..<60).map { "--\(boundary)\r\nContent-Disposition: form-data; name=\"f\($0)\"\r\n\r\nv\r\n" }.joined() + "--\(boundary)--\r\n"
            let (status, _, _) = try await Self.post(app, "/login", type: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": boundary]), parts)
            #expect(status == 413)
        }
    }

    @Test("the scanner's edges: exactly the limit passes, one more does not")
    func edges() {
        var l = BodyLimits()
        l.formFields = 3
        #expect(l.checkForm(Array("a=1&b=2&c=3".utf8)) == nil)
        #expect(l.checkForm(Array("a=1&b=2&c=3&d=4".utf8)) == .tooManyFields(3))
        #expect(l.checkForm(Array("".utf8)) == nil)
        #expect(l.checkForm(Array("a[b][c]=1".utf8)) == nil)
        #expect(l.checkForm(Array("x=[[[[".utf8)) == nil)
        l.jsonElements = 3
        #expect(l.checkJSON(Array("[1,2,3]".utf8)) == nil)
        #expect(l.checkJSON(Array("[1,2,3,4]".utf8)) == .tooManyElements(3))
        #expect(l.checkJSON(Array("{\"a\":\"\\\"[[[[[[[[[[[[[[[[[[[[\"}".utf8)) == nil)
    }
}

@Suite("Configuration: the public address")
struct PublicURLConfigTests {
    @Test("XUEQU_PUBLIC_URL is an http(s) address with a host; anything else stops the start with the variable named")
    func publicURL() throws {
        let ok = try AppConfig.load(environment: ["XUEQU_PUBLIC_URL": "https://jiaoyu.example.cn/xuequ/"], dataDir: "/tmp/x", demo: false)
        #expect(ok.publicURL == "https://jiaoyu.example.cn/xuequ")
        for bad in ["jiaoyu.example.cn", "ftp://x.cn", "https://", "https://x.cn/?a=1", "javascript:alert(1)"] {
            #expect(throws: AppConfig.Invalid.self, "\(bad)") { _ = try AppConfig.load(environment: ["XUEQU_PUBLIC_URL": bad], dataDir: "/tmp/x", demo: false) }
        }
    }
}
