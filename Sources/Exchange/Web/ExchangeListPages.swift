import Vapor
import XuequCore
import XuequKit

/// The exchange pages that list a province's rows — the plans page with its year report (a
/// thousand districts' quotas as the bureau of a province run as one county) and the eligible
/// list — written in Swift: Leaf's loops were 58–70% of their CPU (`perf`, issue 34). The markup
/// is the one `home.leaf` and `eligible.leaf` wrote; the page snapshots (`exchange-*`) hold it.
extension ExchangePages {
    static func writeTabs(_ w: inout HTMLWriter, _ tabs: [Tab], locale: UILocale) {
        w.raw("<nav class=\"tabs\" aria-label=\"")
        w.label("ex.title", locale)
        w.raw("\">")
        for t in tabs {
            w.raw("<a href=\"")
            w.text(t.href)
            w.raw("\"")
            if t.active { w.raw(" class=\"active\" aria-current=\"page\"") }
            w.raw(">")
            w.text(t.label)
            w.raw("</a>")
        }
        w.raw("</nav>\n")
    }

    /// `<label>年度<select name="…" data-autosubmit>…</select></label>`
    static func writeAutoSelect(_ w: inout HTMLWriter, name: String, label: String, _ options: [SelectOption], locale: UILocale) {
        w.raw("<label>")
        w.label(label, locale)
        w.raw("<select name=\"\(name)\" data-autosubmit>")
        SelectOption.write(options, to: &w)
        w.raw("</select></label>")
    }

    static func writeNoscript(_ w: inout HTMLWriter, locale: UILocale) {
        w.raw("\n  <noscript><button type=\"submit\" class=\"button\">")
        w.label("ex.show", locale)
        w.raw("</button></noscript>\n</form>\n")
    }

    static func writeHome(_ p: HomePage, locale: UILocale) -> String {
        var w = HTMLWriter(capacity: 8192 + p.quotas.count * 400 + p.plans.count * 300)
        func th(_ key: String, num: Bool = false) {
            w.raw(num ? "<th class=\"num\">" : "<th>")
            w.label(key, locale)
            w.raw("</th>")
        }
        w.raw("\n<div class=\"page-head row\">\n  <div><h1>")
        w.label("ex.title", locale)
        w.raw("</h1><p class=\"muted small\">")
        w.text(p.rule)
        w.raw("</p></div>\n  ")
        if p.canPlan {
            w.raw("<div class=\"actions no-print\"><a class=\"button primary\" href=\"")
            w.text(p.newPlan)
            w.raw("\" id=\"new-plan\">")
            w.label("ex.newPlan", locale)
            w.raw("</a></div>")
        }
        w.raw("\n</div>\n")
        writeTabs(&w, p.tabs, locale: locale)
        w.raw("\n<form method=\"get\" class=\"filters no-print\" action=\"\(ExchangeRoute.home.path())\">\n  ")
        writeAutoSelect(&w, name: "year", label: "ex.year", p.years, locale: locale)
        writeNoscript(&w, locale: locale)
        w.raw("<section class=\"card\" id=\"plans\">\n  <h2>")
        w.label("ex.plans", locale)
        w.raw("</h2>\n  ")
        if !p.plans.isEmpty {
            w.raw("\n  <div class=\"table-wrap\"><table class=\"data\">\n  <thead><tr>")
            th("ex.plan.title")
            th("ex.plan.area")
            th("ex.plan.moves", num: true)
            th("ex.plan.state")
            w.raw("</tr></thead>\n  <tbody>")
            for plan in p.plans {
                w.raw("<tr data-plan=\"")
                w.text(plan.id)
                w.raw("\"><td><a href=\"")
                w.text(ExchangeRoute.plan.path(plan.id))
                w.raw("\">")
                w.text(plan.title)
                w.raw("</a></td><td>")
                w.text(plan.area)
                w.raw("</td><td class=\"num\">")
                w.text(plan.moves)
                w.raw("</td><td><span class=\"badge ")
                w.raw(plan.state == "in_effect" ? "ok" : plan.state == "submitted" ? "warn" : "soft")
                w.raw("\">")
                w.text(plan.stateLabel)
                w.raw("</span>")
                if let note = plan.note {
                    w.raw(" <span class=\"small bad\">")
                    w.text(L10n.fill(L10n.text("ex.sentBack", locale), [note]))
                    w.raw("</span>")
                }
                w.raw("</td></tr>")
            }
            w.raw("</tbody>\n  </table></div>\n  ")
        } else {
            w.raw("<p class=\"empty\">")
            w.label("ex.noPlans", locale)
            w.raw("</p>")
        }
        w.raw("\n</section>\n")
        if !p.schoolMoves.isEmpty {
            w.raw("\n<section class=\"card\" id=\"school-moves\">\n  <h2>")
            w.label("ex.moves", locale)
            w.raw("</h2>\n  <div class=\"table-wrap\"><table class=\"data\">\n  <thead><tr>")
            for key in ["ex.teacher", "ex.from", "ex.to", "ex.form", "ex.startsOn", "ex.returnsOn", "ex.moveState"] { th(key) }
            w.raw("</tr></thead>\n  <tbody>")
            for m in p.schoolMoves {
                w.raw("<tr><td class=\"nowrap\"><a href=\"")
                w.text(ExchangeRoute.move.path(m.id))
                w.raw("\">")
                w.text(m.teacher)
                w.raw("</a></td><td>")
                w.text(m.from)
                w.raw("</td><td>")
                w.text(m.to)
                w.raw("</td><td>")
                w.text(m.form)
                w.raw("</td><td class=\"nowrap\">")
                w.text(m.startsOn)
                w.raw("</td><td class=\"nowrap\">")
                w.text(m.returnsOn ?? "")
                w.raw("</td><td class=\"nowrap\">")
                w.text(m.stateLabel)
                w.raw("</td></tr>")
            }
            w.raw("</tbody>\n  </table></div>\n</section>\n")
        }
        w.raw("\n")
        if p.report {
            writeReport(&w, p, locale: locale)
        }
        w.raw("\n")
        return w.html
    }

    private static func writeReport(_ w: inout HTMLWriter, _ p: HomePage, locale: UILocale) {
        func th(_ key: String, num: Bool = false) {
            w.raw(num ? "<th class=\"num\">" : "<th>")
            w.label(key, locale)
            w.raw("</th>")
        }
        func num(_ n: Int) {
            w.raw("<td class=\"num\">")
            w.text(n)
            w.raw("</td>")
        }
        w.raw("\n<section class=\"card\" id=\"report\">\n  <h2>")
        w.text(p.reportTitle)
        w.raw("</h2>\n  <p class=\"lead\" id=\"support-line\">")
        w.text(p.supportLine)
        w.raw("</p>\n  <h3>")
        w.label("ex.report.quotas", locale)
        w.raw("</h3>\n  <div class=\"table-wrap\"><table class=\"data compact\" id=\"quotas\">\n  <thead><tr>")
        th("ex.district")
        for key in ["ex.eligible", "ex.required", "ex.moved", "ex.backboneRequired", "ex.backboneMoved"] { th(key, num: true) }
        w.raw("<th></th></tr></thead>\n  <tbody>")
        let met = "<span class=\"badge ok\">" + L10n.text("ex.quotaMet", locale).htmlEscapedText + "</span>"
        let notMet = "<span class=\"badge bad\">" + L10n.text("ex.quotaNotMet", locale).htmlEscapedText + "</span>"
        for q in p.quotas {
            w.raw("<tr><td>")
            w.text(q.district)
            w.raw("</td>")
            num(q.eligible)
            num(q.required)
            num(q.moved)
            num(q.backboneRequired)
            num(q.backboneMoved)
            w.raw("<td>")
            w.raw(q.met ? met : notMet)
            w.raw("</td></tr>")
        }
        w.raw("</tbody>\n  </table></div>\n  ")
        if p.quotasMore > 0 {
            w.raw("<p class=\"muted small\" id=\"quotas-more\"><a href=\"")
            w.text(p.quotasAll ?? "")
            w.raw("\">")
            w.text(L10n.fill(L10n.text("ex.quotas.more", locale), [String(p.quotasMore)]))
            w.raw("</a></p>")
        }
        w.raw("\n  <div class=\"grid triple\">\n  ")
        let tables: [(String, [ReportRow], String)] = [
            ("ex.report.byDistrict", p.byDistrict, " id=\"by-district\""), ("ex.report.bySubject", p.bySubject, ""),
            ("ex.report.byDirection", p.byDirection, ""),
        ]
        for (i, (title, rows, id)) in tables.enumerated() {
            w.raw("<div><h3>")
            w.label(title, locale)
            w.raw("</h3>\n  ")
            if !rows.isEmpty {
                w.raw("<table class=\"data compact\"\(id)><thead><tr><th></th>")
                for key in ["ex.transfer", "ex.support", "ex.secondment", "ex.total"] { th(key, num: true) }
                w.raw("</tr></thead>\n  <tbody>")
                for r in rows {
                    w.raw("<tr><td>")
                    w.text(r.label)
                    w.raw("</td>")
                    num(r.transfer)
                    num(r.support)
                    num(r.secondment)
                    num(r.total)
                    w.raw("</tr>")
                }
                w.raw("</tbody></table>\n  ")
            } else {
                w.raw("<p class=\"empty\">—</p>")
            }
            w.raw(i == tables.count - 1 ? "</div>\n  </div>\n</section>\n" : "</div>\n  ")
        }
    }

    static func writeEligible(_ p: EligiblePage, locale: UILocale) -> String {
        var w = HTMLWriter(capacity: 8192 + p.rows.count * 700)
        w.raw("\n<div class=\"page-head\"><h1>")
        w.label("ex.eligible.title", locale)
        w.raw("</h1><p class=\"muted small\">")
        w.text(p.rule)
        w.raw("</p></div>\n")
        writeTabs(&w, p.tabs, locale: locale)
        w.raw("\n<form method=\"get\" class=\"filters no-print\" action=\"\(ExchangeRoute.eligible.path())\">\n  ")
        writeAutoSelect(&w, name: "year", label: "ex.year", p.years, locale: locale)
        w.raw("\n  ")
        if p.showDistricts { writeAutoSelect(&w, name: "district", label: "ex.district", p.districts, locale: locale) }
        writeNoscript(&w, locale: locale)
        w.raw("<section class=\"card\">\n  <p class=\"lead\" id=\"eligible-count\">")
        w.text(p.count)
        w.raw("</p>\n  ")
        if !p.rows.isEmpty {
            w.raw("\n  <div class=\"table-wrap\"><table class=\"data\" id=\"eligible\">\n  <thead><tr>")
            for (key, num) in [
                ("ex.teacher", false), ("ex.school", false), ("ex.subjects", false), ("ex.titleRank", false), ("ex.backbone", false), ("ex.years", true),
                ("ex.rural", true), ("ex.qualification", false),
            ] {
                w.raw(num ? "<th class=\"num\">" : "<th>")
                w.label(key, locale)
                w.raw("</th>")
            }
            w.raw("</tr></thead>\n  <tbody>")
            let principal = " <span class=\"badge soft\">" + L10n.text("ex.principal", locale).htmlEscapedText + "</span>"
            let lacksRural = " <span class=\"badge warn\">" + L10n.text("ex.lacksRural", locale).htmlEscapedText + "</span>"
            for r in p.rows {
                w.raw("<tr><td><a href=\"")
                w.text(ExchangeRoute.teacher.path(r.id))
                w.raw("\">")
                w.text(r.name)
                w.raw("</a>")
                if r.principal { w.raw(principal) }
                w.raw("</td><td>")
                w.text(r.school)
                w.raw("</td><td>")
                w.text(r.subjects)
                w.raw("</td><td>")
                w.text(r.title)
                w.raw("</td><td>")
                if r.isBackbone {
                    w.raw("<span class=\"badge\">")
                    w.text(r.backbone)
                    w.raw("</span>")
                } else {
                    w.text(r.backbone)
                }
                w.raw("</td><td class=\"num\">")
                w.text(r.years)
                w.raw("</td><td class=\"num\">")
                w.text(r.rural)
                if r.lacksRural { w.raw(lacksRural) }
                w.raw("</td><td class=\"small\">")
                w.text(r.qualification)
                w.raw("</td></tr>")
            }
            w.raw("</tbody>\n  </table></div>\n  ")
            if let pager = p.pager { pager.write(to: &w, locale: locale) }
            w.raw("\n  ")
        } else {
            w.raw("<p class=\"empty\">")
            w.label("list.empty", locale)
            w.raw("</p>")
        }
        w.raw("\n  <p class=\"muted small\">")
        w.label("ex.lacksRural.note", locale)
        w.raw("</p>\n</section>\n")
        return w.html
    }
}

extension String {
    /// The text escaped as Leaf escapes `#(…)`, for markup written once and reused per row.
    var htmlEscapedText: String {
        var out = ""
        appendEscaped(to: &out)
        return out
    }
}
