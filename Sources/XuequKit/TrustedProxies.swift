import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Vapor

/// The proxies whose `X-Forwarded-For` is believed (`XUEQU_TRUSTED_PROXIES`: addresses or
/// networks, `10.0.0.5, 192.168.1.0/24, ::1`). A request from anywhere else is recorded under
/// the address it came from, whatever it claims.
public struct TrustedProxies: Sendable, Equatable {
    struct Network: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int
        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var bits = prefix
            for (a, b) in zip(address, bytes) {
                if bits <= 0 { return true }
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    let networks: [Network]
    public static let none = TrustedProxies(networks: [])
    public var isEmpty: Bool { networks.isEmpty }

    /// Parses the list; returns the entries it could not read.
    public static func parse(_ list: String) -> (TrustedProxies, invalid: [String]) {
        var nets: [Network] = [], bad: [String] = []
        for raw in list.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) where !raw.isEmpty {
            let parts = raw.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = ipBytes(parts[0]) else { bad.append(raw); continue }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...(bytes.count * 8)).contains(prefix) else { bad.append(raw); continue }
            nets.append(Network(bytes: bytes, prefix: prefix))
        }
        return (TrustedProxies(networks: nets), bad)
    }

    /// The address as bytes (4 or 16), or nil when it is not an IP address.
    public static func ipBytes(_ s: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 {
            let b = withUnsafeBytes(of: &v6) { Array($0) }
            // ::ffff:a.b.c.d is an IPv4 address.
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return Array(b[12...]) }
            return b
        }
        return nil
    }

    public func contains(_ address: String) -> Bool {
        guard let b = Self.ipBytes(address) else { return false }
        return networks.contains { $0.contains(b) }
    }

    public static func isLoopback(_ address: String) -> Bool {
        guard let b = ipBytes(address) else { return false }
        return b.count == 4 ? b[0] == 127 : (b[0..<15].allSatisfy { $0 == 0 } && b[15] == 1)
    }

    /// The client behind a request from `remote`: the nearest `X-Forwarded-For` hop that is not
    /// itself a trusted proxy, when `remote` is one; `remote` otherwise.
    public func client(remote: String?, forwardedFor: [String]) -> String {
        guard let remote else { return "-" }
        guard contains(remote) else { return remote }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard Self.ipBytes(hop) != nil else { return remote }
            if !contains(hop) { return hop }
        }
        return hops.first ?? remote
    }
}

struct TrustedProxiesKey: StorageKey { typealias Value = TrustedProxies }

extension Application {
    public var trustedProxies: TrustedProxies {
        get { storage[TrustedProxiesKey.self] ?? .none }
        set { storage[TrustedProxiesKey.self] = newValue }
    }
}


struct PublicURLKey: StorageKey { typealias Value = String }

extension Application {
    /// `XUEQU_PUBLIC_URL` without its trailing slash, when configured.
    public var publicURL: String? {
        get { storage[PublicURLKey.self] }
        set { storage[PublicURLKey.self] = newValue }
    }
}

extension Request {
    /// Where the public reaches the server: `XUEQU_PUBLIC_URL` when configured, else the address
    /// this request came in by (an office's intranet name), for links printed on paper or
    /// handed to calendar programs.
    public var publicBaseURL: String {
        if let u = application.publicURL { return u }
        let host = headers.first(name: .host).flatMap { h in h.allSatisfy { $0.isLetter || $0.isNumber || ".-:[]".contains($0) } ? h : nil } ?? "localhost"
        return "http://\(host)"
    }
}
