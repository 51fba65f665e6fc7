import Foundation
import Vapor
import XuequCore

/// Paging links for a list page (any module).
public struct Pager: Encodable, Sendable {
    public let page: Int
    public let pages: Int
    public let total: Int
    /// The count stopped at `PageSpec.countCap`: "more than 10,000".
    public let capped: Bool
    public let prev: String?
    public let next: String?

    public init<T>(_ r: PageResult<T>, req: Request) {
        page = r.request.page; pages = r.pageCount; total = r.total; capped = r.capped
        func link(_ p: Int) -> String { Pager.url(req, replacing: ["page": String(p)]) }
        prev = r.request.page > 1 ? link(r.request.page - 1) : nil
        next = r.request.page < r.pageCount ? link(r.request.page + 1) : nil
    }

    /// `pager.leaf`'s markup, for pages written in Swift.
    public func write(to w: inout HTMLWriter, locale: UILocale) {
        func t(_ key: String, _ args: [String] = []) { w.text(L10n.fill(L10n.text(key, locale), args)) }
        w.raw("<nav class=\"pager\" aria-label=\""); t("pager.label"); w.raw("\">\n  ")
        if let prev { w.raw("<a href=\""); w.text(prev); w.raw("\" rel=\"prev\">‹ "); t("pager.prev"); w.raw("</a>") }
        else { w.raw("<span class=\"disabled\">‹ "); t("pager.prev"); w.raw("</span>") }
        w.raw("\n  <span class=\"pager-info\">")
        if capped { t("pager.info.capped", [String(page), String(total)]) } else { t("pager.info", [String(page), String(pages), String(total)]) }
        w.raw("</span>\n  ")
        if let next { w.raw("<a href=\""); w.text(next); w.raw("\" rel=\"next\">"); t("pager.next"); w.raw(" ›</a>") }
        else { w.raw("<span class=\"disabled\">"); t("pager.next"); w.raw(" ›</span>") }
        w.raw("\n</nav>\n")
    }

    /// The current URL with some query values replaced (nil removes).
    public static func url(_ req: Request, path: String? = nil, replacing: [String: String?]) -> String {
        var comps = URLComponents()
        comps.path = path ?? req.url.path
        var items = queryItems(req)
        for (k, v) in replacing {
            items.removeAll { $0.name == k }
            if let v { items.append(URLQueryItem(name: k, value: v)) }
        }
        items.removeAll { ($0.value ?? "").isEmpty }
        comps.queryItems = items.isEmpty ? nil : items.sorted { $0.name < $1.name }
        return comps.string ?? req.url.path
    }

    /// The request's query, parsed once for the page's several links.
    static func queryItems(_ req: Request) -> [URLQueryItem] {
        if let items = req.storage[QueryItemsKey.self] { return items }
        let items = URLComponents(string: req.url.string)?.queryItems ?? []
        req.storage[QueryItemsKey.self] = items
        return items
    }
    struct QueryItemsKey: StorageKey { typealias Value = [URLQueryItem] }
}

/// One `<option>` of a select box.
public struct SelectOption: Encodable, Sendable {
    public let value: String
    public let label: String
    public let selected: Bool
    public init(value: String, label: String, selected: Bool) { self.value = value; self.label = label; self.selected = selected }
}

public func options<V: Vocabulary>(_ t: V.Type, selected: String?, locale: UILocale) -> [SelectOption] {
    V.allCases.map { SelectOption(value: $0.rawValue, label: $0.label(locale), selected: $0.rawValue == selected) }
}


/// HTML written in Swift for the parts of a page that repeat (a list's rows, a long select's
/// options), put into the template with `#unsafeHTML(…)`. Leaf walks its syntax tree, looks up
/// each variable through the context and calls each tag once per row — on a province list page
/// that was most of the request's CPU. Every text is escaped as Leaf escapes it, so the page is
/// byte for byte what the template loop wrote.
public struct HTMLWriter: Sendable {
    public private(set) var html = ""
    public init(capacity: Int = 0) { html.reserveCapacity(capacity) }

    /// Markup, as is.
    public mutating func raw(_ s: String) { html += s }
    /// Text, escaped as Leaf escapes `#(…)` (`String.htmlEscaped`).
    public mutating func text(_ s: String) { s.appendEscaped(to: &html) }
    public mutating func text(_ n: Int) { html += String(n) }
}

/// The pieces the list pages written in Swift share (the markup their templates had).
extension HTMLWriter {
    /// A translated label, escaped.
    public mutating func label(_ key: String, _ locale: UILocale) { text(L10n.text(key, locale)) }

    /// `<label>…<select name="…"><option value="">全部</option>…</select></label>`: a list's filter.
    public mutating func filter(_ name: String, label key: String, _ options: [SelectOption], locale: UILocale) {
        raw("<label>"); label(key, locale); raw("<select name=\""); raw(name); raw("\"><option value=\"\">"); label("list.all", locale); raw("</option>")
        SelectOption.write(options, to: &self); raw("</select></label>")
    }

    /// After a list's table: the empty note when nothing matched, then the pager.
    public mutating func listEnd(empty: Bool, pager: Pager, locale: UILocale) {
        if empty { raw("<p class=\"empty\">"); label("list.empty", locale); raw("</p>") }
        raw("\n"); pager.write(to: &self, locale: locale); raw("\n")
    }
}

extension SelectOption {
    /// `<option value="…" selected>…</option>` for each, as the templates' option loop writes them.
    public static func html(_ options: [SelectOption]) -> String {
        var w = HTMLWriter(capacity: options.count * 48)
        write(options, to: &w)
        return w.html
    }

    public static func write(_ options: [SelectOption], to w: inout HTMLWriter) {
        for o in options {
            w.raw("<option value=\""); w.text(o.value); w.raw("\"")
            if o.selected { w.raw(" selected") }
            w.raw(">"); w.text(o.label); w.raw("</option>")
        }
    }
}
