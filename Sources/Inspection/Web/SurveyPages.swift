import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// The satisfaction survey: the bureau's rounds, questions and printed code sheets; the public
/// questionnaire answered on a phone by code, without an account.
struct SurveyPages: Sendable {
    func register(_ r: any RoutesBuilder) {
        typealias R = InspectionRoute
        r.get(R.survey, use: survey)
        r.post(R.survey, use: openRound)
        r.post(R.questions, use: saveQuestions)
        r.get(R.round, use: round)
        r.post(R.closeRound, use: close)
        r.get(R.codes, use: codes)
    }

    /// `/survey/{code}`: outside the session and CSRF layer (no account; the code itself is the
    /// capability), on the root group.
    func registerPublic(_ root: any RoutesBuilder) {
        root.get(SurveyRoute.answer, use: form)
        root.post(SurveyRoute.answer, use: answer)
    }

    /// A school's or group's rate, or "—" below `SurveyTally.minimumShown` questionnaires.
    static func rate(_ c: SurveyTally.Count) -> String { c.shownRate.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }

    func survey(req: Request) async throws -> Response {
        let s = InspectionService(req)
        let rounds = try await s.rounds()
        let questions = try await s.questions()
        let canWrite = req.actor?.can(.inspectionWrite) ?? false
        let year = try await s.year(nil)
        var w = HTMLWriter(capacity: 12_000)
        w.raw("<nav class=\"crumbs\"><a href=\""); w.text(InspectionRoute.home.path()); w.raw("\">"); w.text(tr(req, "督导评估", "Inspection"));
        w.raw("</a></nav><h1>")
        w.text(tr(req, "社会认可度调查", "Satisfaction survey")); w.raw("</h1><section class=\"card\" id=\"rounds\"><h2>"); w.text(tr(req, "调查轮次", "Rounds"));
        w.raw("</h2>")
        if rounds.isEmpty {
            w.raw("<p class=\"empty\">"); w.text(tr(req, "还没有调查轮次。", "No rounds yet.")); w.raw("</p>")
        } else {
            w.raw("<table class=\"data compact\"><thead><tr><th>"); w.text(tr(req, "名称", "Name")); w.raw("</th><th>"); w.text(tr(req, "年度", "Year"));
            w.raw("</th><th>")
            w.text(tr(req, "状态", "State")); w.raw("</th><th class=\"num\">"); w.text(tr(req, "问卷码", "Codes")); w.raw("</th><th class=\"num\">");
            w.text(tr(req, "已回收", "Returned"))
            w.raw("</th><th class=\"num\">"); w.text(tr(req, "满意率", "Satisfied")); w.raw("</th></tr></thead><tbody>")
            for r in rounds {
                let t = try await s.tally(round: r)
                w.raw("<tr><td><a href=\""); w.text(InspectionRoute.round.path(r.id)); w.raw("\">"); w.text(r.name); w.raw("</a></td><td>\(r.year)</td><td>")
                w.raw(
                    r.isOpen
                        ? "<span class=\"badge ok\">" + tr(req, "进行中", "open") + "</span>"
                        : "<span class=\"badge soft\">" + tr(req, "已结束", "closed") + "</span>")
                w.raw("</td><td class=\"num\">\(t.codes)</td><td class=\"num\">\(t.respondents)</td><td class=\"num\">")
                w.text(t.rate.map { String(format: "%.1f%%", $0 * 100) } ?? "—"); w.raw("</td></tr>")
            }
            w.raw("</tbody></table>")
        }
        w.raw("</section>")
        if canWrite {
            w.raw("<form method=\"post\" class=\"card stack\" id=\"open-round\" action=\""); w.text(InspectionRoute.survey.path()); w.raw("\"><h2>");
            w.text(tr(req, "发起新一轮调查", "Open a round"))
            w.raw("</h2><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken); w.raw("\"><div class=\"grid\"><label>");
            w.text(tr(req, "名称", "Name"))
            w.raw("<input name=\"name\" maxlength=\"60\" required value=\""); w.text(tr(req, "\(year)年义务教育满意度调查", "Satisfaction survey \(year)"));
            w.raw("\"></label><label>")
            w.text(tr(req, "年度", "Year")); w.raw("<input name=\"year\" inputmode=\"numeric\" required value=\"\(year)\"></label>")
            for (g, n) in [(SurveyGroup.parent, 20), (.student, 20), (.teacher, 5), (.other, 2)] {
                w.raw("<label>"); w.text(tr(req, "每校\(g.zh)问卷（份）", "\(g.en) a school"));
                w.raw("<input name=\"count_\(g.rawValue)\" inputmode=\"numeric\" value=\"\(n)\"></label>")
            }
            w.raw("</div><p class=\"muted small\">");
            w.text(
                tr(
                    req, "为当年每所义务教育学校生成一次性问卷码；题目按发起时的版本固定。",
                    "One-use codes for every compulsory school of the year; the questions are fixed when the round opens."))
            w.raw("</p><button class=\"button primary\" type=\"submit\">"); w.text(tr(req, "发起", "Open")); w.raw("</button></form>")
        }
        w.raw("<section class=\"card\" id=\"questions\"><h2>"); w.text(tr(req, "问卷题目", "Questions")); w.raw("</h2><p class=\"muted small\">")
        w.text(tr(req, "每题五级作答：非常满意、比较满意、一般、不太满意、不满意；前两项计为满意。", "Five answers each; the first two count as satisfied.")); w.raw("</p>")
        for g in SurveyGroup.allCases {
            let lines = questions.filter { $0.grp == g.rawValue }.map(\.text).joined(separator: "\n")
            if InspectionService.setsDatabaseWide(req.actor) {
                w.raw("<form method=\"post\" class=\"stack\" action=\""); w.text(InspectionRoute.questions.path());
                w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken)
                w.raw("\"><input type=\"hidden\" name=\"group\" value=\"\(g.rawValue)\"><label>");
                w.text(g.label(req.uiLocale) + tr(req, "问卷（每行一题）", " (one question a line)"))
                w.raw("<textarea name=\"questions\" rows=\"5\">"); w.text(lines); w.raw("</textarea></label><button class=\"button\" type=\"submit\">");
                w.text(tr(req, "保存", "Save")); w.raw("</button></form>")
            } else {
                w.raw("<h3>"); w.text(g.label(req.uiLocale)); w.raw("</h3><ol>")
                for q in questions where q.grp == g.rawValue { w.raw("<li>"); w.text(q.text); w.raw("</li>") }
                w.raw("</ol>")
            }
        }
        w.raw("</section>")
        return req.page(req.layout("ins.title", title: tr(req, "满意度调查", "Survey")), content: w.html)
    }

    func openRound(req: Request) async throws -> Response {
        let f = try req.content.decode([String: String].self)
        var counts: [SurveyGroup: Int] = [:]
        for g in SurveyGroup.allCases { counts[g] = f["count_\(g.rawValue)"].flatMap { Int($0.trimmed) } ?? 0 }
        do {
            let id = try await InspectionService(req).openRound(year: f["year"].flatMap { Int($0.trimmed) }, name: f["name"], perSchool: counts)
            return req.redirect(to: InspectionRoute.round.path(id), flash: tr(req, "已发起调查，可打印各校问卷码", "Round opened; print each school's codes"))
        } catch let e as DomainError where e.kind == .invalid {
            return req.redirect(to: InspectionRoute.survey.path(), flash: e.flashText(req.uiLocale), error: true)
        }
    }

    func saveQuestions(req: Request) async throws -> Response {
        let f = try req.content.decode([String: String].self)
        do {
            try await InspectionService(req).setQuestions(group: f["group"], lines: f["questions"])
            return req.redirect(to: InspectionRoute.survey.path() + "#questions", flash: tr(req, "已保存题目", "Questions saved"))
        } catch let e as DomainError where e.kind == .invalid {
            return req.redirect(to: InspectionRoute.survey.path() + "#questions", flash: e.flashText(req.uiLocale), error: true)
        }
    }

    func round(req: Request) async throws -> Response {
        let s = InspectionService(req)
        let r = try await s.round(id: try req.intParameter("id"))
        let t = try await s.tally(round: r)
        let schools = try await RegistryStore.schoolYear(
            r.year, stages: InspectionService.stages, district: nil, districts: try await s.area(try req.requireActor()).districts, on: req.db)
        var w = HTMLWriter(capacity: 20_000 + schools.count * 200)
        w.raw("<nav class=\"crumbs\"><a href=\""); w.text(InspectionRoute.survey.path()); w.raw("\">"); w.text(tr(req, "满意度调查", "Survey"));
        w.raw("</a></nav><div class=\"page-head row\"><div><h1>")
        w.text(r.name); w.raw("</h1><p class=\"muted\">"); w.text(r.isOpen ? tr(req, "进行中", "open") : tr(req, "已结束（不可重新开启）", "closed (cannot reopen)"));
        w.raw("</p></div>")
        if r.isOpen && (req.actor?.can(.inspectionWrite) ?? false) {
            // app.js asks for the confirmation a form's data-confirm names.
            w.raw("<form method=\"post\" class=\"actions no-print\" data-confirm=\"");
            w.text(tr(req, "结束后不能重新开启，确定结束？", "A closed round cannot reopen. Close it?"))
            w.raw("\" action=\""); w.text(InspectionRoute.closeRound.path(r.id))
            w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken)
            w.raw("\"><button class=\"button danger\" id=\"close-round\" type=\"submit\">"); w.text(tr(req, "结束调查", "Close the round"))
            w.raw("</button></form>")
        }
        w.raw("</div><section class=\"stats\"><div class=\"stat\"><span class=\"stat-value\">\(t.respondents) / \(t.codes)</span><span class=\"stat-label\">");
        w.text(tr(req, "已回收 / 问卷码", "returned / codes"))
        w.raw("</span></div><div class=\"stat\"><span class=\"stat-value\">"); w.text(t.rate.map { String(format: "%.1f%%", $0 * 100) } ?? "—");
        w.raw("</span><span class=\"stat-label\">"); w.text(tr(req, "满意率", "satisfied")); w.raw("</span></div></section>")
        w.raw("<section class=\"card\" id=\"by-group\"><h2>"); w.text(tr(req, "按调查对象", "By group")); w.raw("</h2><table class=\"data compact\"><tbody>")
        for g in SurveyGroup.allCases {
            let c = t.byGroup[g] ?? .init()
            w.raw("<tr><td>"); w.text(g.label(req.uiLocale)); w.raw("</td><td class=\"num\">\(c.respondents)</td><td class=\"num\">"); w.text(Self.rate(c));
            w.raw("</td></tr>")
        }
        w.raw("</tbody></table></section><section class=\"card\" id=\"by-school\"><h2>"); w.text(tr(req, "按学校", "By school"))
        w.raw("</h2><p class=\"muted small\">");
        w.text(
            tr(
                req, "问卷不足\(SurveyTally.minimumShown)份的学校只计入全县，不单列满意率，以免认出答卷人。",
                "Schools with fewer than \(SurveyTally.minimumShown) questionnaires count in the county's figure only: a rate of one or two people would tell who they are."
            ))
        w.raw("</p><div class=\"table-wrap\"><table class=\"data compact\"><thead><tr><th>")
        w.text(tr(req, "学校", "School")); w.raw("</th><th class=\"num\">"); w.text(tr(req, "已回收", "Returned")); w.raw("</th><th class=\"num\">");
        w.text(tr(req, "满意率", "Satisfied"))
        w.raw("</th><th class=\"no-print\"></th></tr></thead><tbody>")
        for sc in schools {
            let c = t.bySchool[sc.id] ?? .init()
            let low = (c.shownRate ?? 1) < 0.85
            w.raw("<tr><td>"); w.text(sc.name); w.raw("</td><td class=\"num\">\(c.respondents)</td><td class=\"num\(low ? " bad" : "")\">");
            w.text(Self.rate(c))
            w.raw("</td><td class=\"no-print\"><a href=\""); w.text(InspectionRoute.codes.path(r.id) + "?school=\(sc.id)"); w.raw("\">");
            w.text(tr(req, "打印问卷码", "print codes")); w.raw("</a></td></tr>")
        }
        w.raw("</tbody></table></div></section>")
        return req.page(req.layout("ins.title", title: r.name), content: w.html)
    }

    func close(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        do {
            try await InspectionService(req).closeRound(id: id)
            return req.redirect(to: InspectionRoute.round.path(id), flash: tr(req, "调查已结束", "The round is closed"))
        } catch let e as DomainError where e.kind == .conflict {
            return req.redirect(to: InspectionRoute.round.path(id), flash: e.flashText(req.uiLocale), error: true)
        }
    }

    /// One school's codes on A4: a card per code with its QR code, to cut and hand out by class.
    func codes(req: Request) async throws -> Response {
        let s = InspectionService(req)
        let r = try await s.round(id: try req.intParameter("id"))
        guard let sid = try req.query.get(Int?.self, at: "school"), let school = try await RegistryStore.school(id: sid, on: req.db) else {
            throw DomainError.notFound(LocalizedText(zh: "学校", en: "school"))
        }
        let codes = try await s.codes(roundId: r.id, schoolId: sid)
        let base = req.publicBaseURL
        var w = HTMLWriter(capacity: 4000 + codes.count * 4000)
        w.raw("<article class=\"survey-sheet\"><h1 class=\"sheet-title\">"); w.text(r.name); w.raw("</h1><p class=\"center\">"); w.text(school.name)
        w.raw("</p><p class=\"muted small center\">");
        w.text(tr(req, "扫码或打开网址输入问卷码作答；每个码只能提交一次；问卷匿名，不记录姓名。", "Scan or open the address and enter the code; each code answers once; answers are anonymous."))
        w.raw("</p>")
        for g in SurveyGroup.allCases {
            let mine = codes.filter { $0.grp == g.rawValue }
            guard !mine.isEmpty else { continue }
            w.raw("<h2>"); w.text(g.label(req.uiLocale)); w.raw("（\(mine.count)）</h2><div class=\"code-cards\">")
            for c in mine {
                let url = base + SurveyRoute.answer.path(c.code)
                w.raw("<div class=\"code-card\(c.usedAt != nil ? " used" : "")\">")
                w.raw((try? QRCode.encode(url).svg(label: c.code)) ?? "")
                w.raw("<div><strong class=\"code\">"); w.text(c.code); w.raw("</strong><br><span class=\"small\">"); w.text(url); w.raw("</span>")
                if c.usedAt != nil { w.raw("<br><span class=\"badge soft\">"); w.text(tr(req, "已使用", "used")); w.raw("</span>") }
                w.raw("</div></div>")
            }
            w.raw("</div>")
        }
        w.raw("</article>")
        return req.page(req.layout("ins.title", title: school.name), content: w.html)
    }

    // MARK: public

    /// An address that has guessed too many unknown codes waits (429) before trying more.
    static func guarded<T>(_ req: Request, _ body: () async throws -> T) async throws -> T {
        let rule = req.application.security.surveyMissesPerAddress, now = req.application.clock.now().timeIntervalSince1970
        let key = "survey-miss|addr|\(req.clientAddress)"
        if let wait = req.application.rateLimiter.wait(key, rule: rule, now: now) {
            throw DomainError.tooManyRequests(
                "too_many_requests", LocalizedText(zh: "问卷码输错次数过多，请\(wait)秒后再试", en: "too many unknown codes; try again in \(wait) s"), retryAfter: wait)
        }
        do { return try await body() } catch let e as DomainError where e.kind == .notFound {
            req.application.rateLimiter.record(key, rule: rule, now: now)
            throw e
        }
    }

    func form(req: Request) async throws -> Response {
        let code = try req.parameters.require("code")
        let f = try await Self.guarded(req) { try await InspectionService(req).form(code: code) }
        if !f.round.isOpen { return Self.message(req, status: .gone, tr(req, "本轮调查已经结束，感谢关注。", "This survey round has closed. Thank you.")) }
        if f.used { return Self.message(req, status: .conflict, tr(req, "这个问卷码已经提交过，每个码只能填写一次。", "This code has already been used; each code answers once.")) }
        return Self.questionnaire(req, f, errors: [:], given: [:], status: .ok)
    }

    static func questionnaire(_ req: Request, _ f: SurveyForm, errors: [String: LocalizedText], given: [String: String], status: HTTPStatus) -> Response {
        var w = HTMLWriter(capacity: 6000)
        w.raw("<article class=\"survey\"><h1>"); w.text(f.round.name); w.raw("</h1><p class=\"muted\">");
        w.text(f.schoolName + " · " + f.group.label(req.uiLocale))
        w.raw("</p><p class=\"small\">"); w.text(tr(req, "本问卷匿名填写，不记录姓名、身份证号或手机号。", "Anonymous: no name, ID or phone number is recorded.")); w.raw("</p>")
        if !errors.isEmpty {
            w.raw("<div class=\"flash err\" role=\"alert\">"); w.text(tr(req, "还有题目没有回答，请补全后提交。", "Some questions are unanswered.")); w.raw("</div>")
        }
        w.raw("<form method=\"post\" action=\""); w.text(SurveyRoute.answer.path(f.code)); w.raw("\" class=\"stack\">")
        for (i, q) in f.questions.enumerated() {
            let k = "q\(i + 1)"
            w.raw("<fieldset id=\"\(k)\"\(errors[k] != nil ? " class=\"unanswered\"" : "")><legend>\(i + 1). "); w.text(q); w.raw("</legend>")
            if let e = errors[k] { w.raw("<p class=\"field-error\">"); w.text(e(req.uiLocale)); w.raw("</p>") }
            for a in SurveyAnswer.allCases {
                w.raw(
                    "<label class=\"choice\"><input type=\"radio\" name=\"\(k)\" value=\"\(a.rawValue)\"\(given[k] == String(a.rawValue) ? " checked" : "")> ")
                w.text(req.uiLocale == .en ? a.en : a.zh); w.raw("</label>")
            }
            w.raw("</fieldset>")
        }
        w.raw("<button type=\"submit\" class=\"button primary\">"); w.text(tr(req, "提交", "Submit")); w.raw("</button></form></article>")
        return req.page(req.layout("ins.survey", title: f.round.name), status: status, content: w.html)
    }

    static func message(_ req: Request, status: HTTPStatus, _ text: String) -> Response {
        var w = HTMLWriter(capacity: 400)
        w.raw("<article class=\"survey\"><section class=\"card\"><p id=\"survey-message\">"); w.text(text); w.raw("</p></section></article>")
        return req.page(req.layout("ins.survey"), status: status, content: w.html)
    }

    /// Form posts get a page; JSON posts (`{"q1": 1, …}`) get 201 or the error as JSON.
    func answer(req: Request) async throws -> Response {
        let code = try req.parameters.require("code")
        let isForm = req.headers.contentType == .urlEncodedForm || req.headers.contentType == .formData
        var answers: [String: String] = [:]
        if isForm {
            answers = (try? req.content.decode([String: String].self)) ?? [:]
        } else if let body = req.body.data, body.readableBytes > 0 {
            req.headers.replaceOrAdd(name: .accept, value: "application/json")
            // Whole numbers (or their digits as text) only: `true` or 1.5 is no answer (a
            // boolean once counted as "very satisfied").
            guard let obj = try? JSONDecoder().decode([String: AnswerValue].self, from: Data(buffer: body)) else {
                throw DomainError(
                    .badRequest, code: "bad_json", LocalizedText(zh: "请求体应为 JSON 对象，如 {\"q1\": 1}", en: "the body must be a JSON object such as {\"q1\": 1}"))
            }
            for (k, v) in obj { answers[k] = v.text }
        }
        // A JSON post is answered in JSON, errors too (the error layer reads the Accept header).
        if !isForm { req.headers.replaceOrAdd(name: .accept, value: "application/json") }
        let s = InspectionService(req)
        do {
            try await Self.guarded(req) { try await s.answer(code: code, answers: answers) }
        } catch let e as DomainError where isForm {
            switch e.kind {
            case .invalid:
                let f = try await s.form(code: code)
                return Self.questionnaire(req, f, errors: e.fields, given: answers, status: .unprocessableEntity)
            case .conflict, .gone: return Self.message(req, status: HTTPStatus(statusCode: e.kind.status), e.message(req.uiLocale))
            default: throw e
            }
        }
        if isForm { return Self.message(req, status: .created, tr(req, "提交成功，感谢您的参与！", "Thank you: your answers are in.")) }
        return try await SurveyDone(ok: true).encodeResponse(status: .created, for: req)
    }

    struct SurveyDone: Content { let ok: Bool }

    /// One JSON answer: an integer, or a string (checked later); anything else is no answer.
    struct AnswerValue: Decodable {
        let text: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                _ = b; text = ""
            } else if let i = try? c.decode(Int.self) {
                text = String(i)
            } else if let s = try? c.decode(String.self) {
                text = s
            } else {
                text = ""
            }
        }
    }
}
