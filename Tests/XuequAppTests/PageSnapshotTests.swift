import Foundation
import Testing
import XuequTestSupport
import Vapor
import SQLKit
import VaporTesting
@testable import XuequApp

/// The main pages as a person sees them, as committed HTML (`Snapshots/pages/…`). A change to a
/// template or a page model shows up as a diff to review; record the new pages with
/// `XUEQU_RECORD_SNAPSHOTS=1 swift test --filter PageSnapshot` and commit them with the change.
@Suite("Page snapshots")
struct PageSnapshotTests {
    struct Page: Sendable, CustomStringConvertible {
        let name: String
        let user: String?
        var english = false
        /// What the page needs beyond the fixture, made through the API (a plan to show).
        var setup: (@Sendable (Application, Fixture) async throws -> Void)? = nil
        let path: @Sendable (Fixture) -> String
        var description: String { name }
    }

    /// District one's draft rotation plan for 2027: 甲 from T0001 to the nine-year school's junior part.
    @Sendable static func rotationPlan(_ app: Application, _ f: Fixture) async throws {
        let (h, body) = try jsonBody(["year": 2027, "moves": [["teacherId": f.teachers["甲"]!, "toSchoolId": f.schools["T0002"]!, "form": "transfer", "startsOn": "2027-09-01", "toPart": "junior"]]])
        var headers = h
        headers.bearerAuthorization = BearerAuthorization(token: try await app.token("d1"))
        try await app.check(.POST, "/api/v1/exchange/plans", headers: headers, body: body) { res in #expect(res.status == .created) }
    }

    static let pages: [Page] = [
        Page(name: "login", user: nil) { _ in "/login" },
        Page(name: "home-bureau", user: "admin") { _ in "/" },
        Page(name: "home-district", user: "d1") { _ in "/" },
        Page(name: "home-teacher", user: "t1") { _ in "/" },
        Page(name: "districts", user: "admin") { _ in "/districts" },
        Page(name: "schools", user: "admin") { _ in "/schools" },
        Page(name: "school", user: "d1") { f in "/schools/\(f.schools["T0002"]!)" },
        Page(name: "teachers-school", user: "s1") { _ in "/teachers" },
        Page(name: "teachers-district", user: "d1") { f in "/teachers?district=\(f.districts["D1"]!)" },
        Page(name: "teachers-bureau", user: "admin") { _ in "/teachers?sort=since" },
        Page(name: "schools-district", user: "d1") { _ in "/schools" },
        Page(name: "teacher-self", user: "t1") { f in "/teachers/\(f.teachers["甲"]!)" },
        Page(name: "balance", user: "admin") { _ in "/balance" },
        Page(name: "certification-reviewer", user: "reviewer") { _ in "/certification" },
        Page(name: "certification-applicant", user: "applicant") { _ in "/certification" },
        Page(name: "users", user: "admin") { _ in "/admin/users" },
        // The list pages written in Swift, in English, between pages (both paging links) and
        // empty (a search with markup in it, echoed escaped): recorded from their Leaf templates.
        Page(name: "teachers-district-en", user: "d1", english: true) { f in "/teachers?district=\(f.districts["D1"]!)&due=1" },
        Page(name: "teachers-paged", user: "admin") { _ in "/teachers?per=1&page=2&subject=math" },
        Page(name: "schools-en", user: "admin", english: true) { _ in "/schools?sort=students&stage=primary" },
        Page(name: "schools-empty", user: "d1") { _ in "/schools?q=%3Cb%3E%22x%22%26" },
        // The newer modules (issue 28): exchange, teaching, internship, as the roles that use them.
        Page(name: "exchange-district", user: "d1", setup: rotationPlan) { _ in "/exchange?year=2027" },
        Page(name: "exchange-plan", user: "d1", setup: rotationPlan) { _ in "/exchange/plans/1" },
        Page(name: "exchange-bureau", user: "admin", setup: rotationPlan) { _ in "/exchange?year=2027" },
        Page(name: "exchange-eligible", user: "d1") { _ in "/exchange/eligible?year=2027" },
        Page(name: "exchange-itinerant", user: "d1") { _ in "/exchange/itinerant" },
        Page(name: "exchange-mine", user: "t1") { _ in "/exchange/me" },
        Page(name: "teaching-teacher", user: "t1") { _ in "/teaching" },
        Page(name: "teaching-bureau", user: "admin") { _ in "/teaching" },
        Page(name: "teaching-hours", user: "d1") { _ in "/teaching/training/hours?year=2026" },
        Page(name: "internship-bureau", user: "admin") { _ in "/internship" },
        // Written in Swift since (issue 34), recorded from their templates first: the eligible list
        // as the bureau (its district filter) and in English, the training hours as the bureau
        // (the by-district table), the plans page as a school, the audit log in both languages.
        Page(name: "exchange-eligible-bureau", user: "admin") { _ in "/exchange/eligible?year=2027" },
        Page(name: "exchange-eligible-en", user: "d1", english: true) { _ in "/exchange/eligible?year=2027" },
        Page(name: "exchange-school", user: "s1", setup: rotationPlan) { _ in "/exchange?year=2027" },
        Page(name: "exchange-bureau-en", user: "admin", english: true, setup: rotationPlan) { _ in "/exchange?year=2027" },
        Page(name: "teaching-hours-bureau", user: "admin") { _ in "/teaching/training/hours?year=2026" },
        Page(name: "teaching-hours-en", user: "d1", english: true) { _ in "/teaching/training/hours?year=2026" },
        Page(name: "audit", user: "admin") { _ in "/admin/audit" },
        Page(name: "audit-en", user: "admin", english: true) { _ in "/admin/audit?area=registry" },
    ]

    @Test("renders as committed", arguments: pages)
    func page(_ page: Page) async throws {
        try await withApp(.sqlite) { app, f in
            try await page.setup?(app, f)
            var h = HTTPHeaders()
            if let user = page.user {
                if page.english { try await (app.db as! any SQLDatabase).raw("UPDATE users SET locale = 'en' WHERE username = \(bind: user)").run() }
                h.cookie = try await Browser.login(app, user)
            }
            let res = try await app.testing().sendRequest(.GET, page.path(f), headers: h)
            #expect(res.status == .ok)
            let html = Self.normalised(res.text)
            let file = Snapshot.url("pages/\(page.name).html")
            if Snapshot.recording {
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try html.write(to: file, atomically: true, encoding: .utf8)
                return
            }
            let committed = try String(contentsOf: file, encoding: .utf8)
            #expect(html == committed, "\(page.name) differs from its snapshot: \(Snapshot.firstDifference(html, committed))")
        }
    }

    /// Drops what differs between runs: CSRF tokens, and the audit log's wall-clock times and
    /// request ids.
    static func normalised(_ html: String) -> String {
        html.replacingOccurrences(of: #"(title="[^"：:]*[：:] ?)[^" ]+( · #\d+")"#, with: "$1…$2", options: .regularExpression)
            .replacingOccurrences(of: #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"#, with: "YYYY-MM-DD hh:mm:ss", options: .regularExpression)
            .replacingOccurrences(of: #"name="_csrf" value="[^"]*""#, with: #"name="_csrf" value="…""#, options: .regularExpression)
            .replacingOccurrences(of: #"<meta name="csrf-token" content="[^"]*">"#, with: #"<meta name="csrf-token" content="…">"#, options: .regularExpression)
    }
}
