import Foundation
import Leaf
import Vapor
import XuequCore

/// A module's typed routes: one enum whose raw values are path patterns (`"schools/:id/edit"`).
/// The same case registers the route (`r.get(RegistryRoute.school, use: …)`) and builds its links
/// (`RegistryRoute.school.path(id)`, or `#url("registry.school", id)` in a template), so no path is
/// written twice.
public protocol RouteName: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The name templates use before the case name: `registry` in `#url("registry.school", 3)`.
    static var module: String { get }
    /// What the routes hang under: "" for pages, "api/v1" for the JSON API.
    static var prefix: String { get }
}

extension RouteName {
    public static var prefix: String { "" }

    /// The full pattern from the root, without the leading slash.
    public var pattern: String { Self.prefix.isEmpty ? rawValue : rawValue.isEmpty ? Self.prefix : Self.prefix + "/" + rawValue }

    /// The name a template uses: `module.case`.
    public var linkName: String { Self.module + "." + String(describing: self) }

    /// Path components for registering, relative to the group the module was handed.
    public var components: [PathComponent] {
        rawValue.split(separator: "/").map { $0.hasPrefix(":") ? .parameter(String($0.dropFirst())) : .constant(String($0)) }
    }

    /// Makes the routes' names known to `#url` in templates.
    public static func registerLinks() { Links.register(Self.self) }

    /// The link, with the pattern's parameters filled in order.
    public func path(_ arguments: any CustomStringConvertible...) -> String {
        Links.fill(pattern, arguments.map { $0.description })
    }

    /// The link with one id (a list's rows: one or two per row), without the variadic's boxes.
    public func path(_ id: Int) -> String {
        Links.fill(pattern, CollectionOfOne(String(id)))
    }
}

extension RoutesBuilder {
    @discardableResult
    public func get<R: RouteName, Out: AsyncResponseEncodable>(_ route: R, use closure: @escaping @Sendable (Request) async throws -> Out) -> Route {
        on(.GET, route.components, use: closure)
    }
    @discardableResult
    public func post<R: RouteName, Out: AsyncResponseEncodable>(_ route: R, use closure: @escaping @Sendable (Request) async throws -> Out) -> Route {
        on(.POST, route.components, use: closure)
    }
    @discardableResult
    public func put<R: RouteName, Out: AsyncResponseEncodable>(_ route: R, use closure: @escaping @Sendable (Request) async throws -> Out) -> Route {
        on(.PUT, route.components, use: closure)
    }
    @discardableResult
    public func delete<R: RouteName, Out: AsyncResponseEncodable>(_ route: R, use closure: @escaping @Sendable (Request) async throws -> Out) -> Route {
        on(.DELETE, route.components, use: closure)
    }
    @discardableResult
    public func on<R: RouteName, Out: AsyncResponseEncodable>(_ method: HTTPMethod, _ route: R, body: HTTPBodyStreamStrategy = .collect,
                                                              use closure: @escaping @Sendable (Request) async throws -> Out) -> Route {
        on(method, route.components, body: body, use: closure)
    }
}

/// Every module's route names, for `#url` in templates.
public enum Links {
    /// Adds a module's routes (idempotent: every test builds its own application).
    public static func register<R: RouteName>(_ type: R.Type) {
        let entries = R.allCases.map { ($0.linkName, $0.pattern) }
        lock.lock(); defer { lock.unlock() }
        for (k, v) in entries { table[k] = v }
    }

    /// The pattern of a route name, if there is one.
    public static func pattern(_ name: String) -> String? {
        lock.lock(); defer { lock.unlock() }
        return table[name]
    }

    /// `/schools/:id/edit` with `["3"]` → `/schools/3/edit`. Arguments are percent-encoded as path
    /// segments. One walk over the pattern's bytes (a list page fills two links a row).
    static func fill<Arguments: Sequence<String>>(_ pattern: String, _ arguments: Arguments) -> String {
        var args = arguments.makeIterator()
        let u = pattern.utf8
        var out = "/"
        out.reserveCapacity(u.count + 12)
        var i = u.startIndex
        while i < u.endIndex {
            var j = i
            while j < u.endIndex && u[j] != UInt8(ascii: "/") { j = u.index(after: j) }
            if i < j && u[i] == UInt8(ascii: ":") {
                let v = args.next() ?? ""
                // Ids (the usual argument) need no encoding; the rest is encoded as one path segment.
                if v.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }) {
                    out += v
                } else {
                    out += v.addingPercentEncoding(withAllowedCharacters: segmentAllowed) ?? v
                }
            } else {
                out += pattern[i..<j]
            }
            guard j < u.endIndex else { break }
            out += "/"
            i = u.index(after: j)
        }
        return out
    }

    private static let segmentAllowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))

    private static let lock = NSLock()
    nonisolated(unsafe) private static var table: [String: String] = [:]
}

/// `#url("registry.school", s.id)` in templates: the link of a typed route. An unknown name is a
/// rendering error, so a broken link fails the page's test instead of reaching a user.
public struct URLTag: LeafTag {
    public init() {}
    public func render(_ ctx: LeafContext) throws -> LeafData {
        guard let name = ctx.parameters.first?.string else { throw LinkError(message: "#url needs a route name") }
        guard let pattern = Links.pattern(name) else { throw LinkError(message: "#url: no route named \(name)") }
        let args = ctx.parameters.dropFirst().map { p -> String in
            if let i = p.int { return String(i) }
            return p.string ?? ""
        }
        return .string(Links.fill(pattern, args))
    }
}

/// A template asked for a link that does not exist.
public struct LinkError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
