import Foundation
import Testing
import Vapor
import VaporTesting
import XuequCore
import XuequTestSupport
@testable import Exchange

/// A move's reason follows the move (issue 28): the suggestion's words, filled in for the planner,
/// are said afresh after 检查 for the teacher and school the move names now; the planner's own stay.
@Suite("Exchange: a move's reasons")
struct MoveReasonTests {
    @Test("the suggestion's words are recognised, the planner's are not")
    func suggestedWords() {
        #expect(ExchangeService.isSuggestedReason("体育教师不足 1 人；城镇→乡村"))
        #expect(ExchangeService.isSuggestedReason("满足交流比例"))
        #expect(ExchangeService.isSuggestedReason(""))
        #expect(!ExchangeService.isSuggestedReason("本人申请，家庭原因"))
        #expect(!ExchangeService.isSuggestedReason("体育教师不足 1 人；本人申请"))
    }

    @Test("after 检查 a re-pointed move is explained afresh; a planner's reason stays", arguments: TestDB.all)
    func recomputed(db: TestDB) async throws {
        try await withApp(db) { app, f in
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "admin")
            let csrf = try await Browser.csrfToken(app, cookies: h.cookie!)
            h.contentType = .urlEncodedForm
            func check(_ reason: String) async throws -> String {
                let fields: [(String, String)] = [
                    ("_csrf", csrf), ("year", "2027"), ("district", String(f.districts["D1"]!)), ("intent", "check"), ("title", ""),
                    ("teacher[]", "\(f.teachers["甲"]!) 甲老师"), ("to[]", "T0002 一九年制学校"), ("form[]", "transfer"), ("startsOn[]", "2027-09-01"),
                    ("returnsOn[]", ""), ("reason[]", reason), ("action[]", "keep"),
                ]
                let body = fields.map {
                    "\($0.0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                }
                .joined(separator: "&")
                let res = try await app.testing().sendRequest(.POST, "/exchange/plans/new", headers: h, body: ByteBuffer(string: body))
                #expect(res.status == .ok, "\(res.status)")
                return res.text
            }
            // A stale word of the suggestion (甲 teaches mathematics, not PE): replaced.
            let page = try await check("体育教师不足 9 人")
            #expect(!page.contains("体育教师不足 9 人"))
            #expect(page.contains("骨干教师比例"), "甲 is a county backbone teacher")
            // The planner's own words: kept.
            #expect(try await check("本人申请，家庭原因").contains("本人申请，家庭原因"))
        }
    }
}
