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

    /// The current URL with some query values replaced (nil removes).
    public static func url(_ req: Request, path: String? = nil, replacing: [String: String?]) -> String {
        var comps = URLComponents()
        comps.path = path ?? req.url.path
        var items = URLComponents(string: req.url.string)?.queryItems ?? []
        for (k, v) in replacing {
            items.removeAll { $0.name == k }
            if let v { items.append(URLQueryItem(name: k, value: v)) }
        }
        items.removeAll { ($0.value ?? "").isEmpty }
        comps.queryItems = items.isEmpty ? nil : items.sorted { $0.name < $1.name }
        return comps.string ?? req.url.path
    }
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

