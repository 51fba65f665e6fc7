import Foundation
import NIOConcurrencyHelpers
import Vapor
import XuequCore

/// Counts attempts per key in a sliding window, in this process's memory. With several server
/// processes each counts its own; the account lockout (five failures) lives in the database and
/// holds across all of them.
public final class RateLimiter: @unchecked Sendable {
    public struct Rule: Sendable {
        public var limit: Int
        public var window: TimeInterval
        public init(limit: Int, window: TimeInterval) { self.limit = limit; self.window = window }
    }

    private let lock = NIOLock()
    private var hits: [String: [Double]] = [:]
    private var inFlight: [String: Int] = [:]
    private var lastSweep = 0.0

    public init() {}

    /// Records one attempt under `key`; returns nil when allowed, or the seconds until the next
    /// attempt would be.
    public func hit(_ key: String, rule: Rule, now: Double) -> Int? {
        lock.withLock {
            sweep(now: now, window: rule.window)
            var times = hits[key, default: []]
            times.removeAll { $0 <= now - rule.window }
            if times.count >= rule.limit {
                hits[key] = times
                return max(1, Int((times[0] + rule.window - now).rounded(.up)))
            }
            times.append(now)
            hits[key] = times
            return nil
        }
    }

    /// The seconds to wait before `key` may try again, or nil when it has not used up `rule`;
    /// records nothing (`record` does, once the attempt has failed).
    public func wait(_ key: String, rule: Rule, now: Double) -> Int? {
        lock.withLock {
            guard var times = hits[key] else { return nil }
            times.removeAll { $0 <= now - rule.window }
            hits[key] = times.isEmpty ? nil : times
            guard times.count >= rule.limit else { return nil }
            return max(1, Int((times[times.count - rule.limit] + rule.window - now).rounded(.up)))
        }
    }

    /// Records one failed attempt under `key`.
    public func record(_ key: String, rule: Rule, now: Double) {
        lock.withLock {
            sweep(now: now, window: rule.window)
            var times = hits[key, default: []]
            times.removeAll { $0 <= now - rule.window }
            times.append(now)
            hits[key] = times
        }
    }

    /// Takes one of `limit` places for work running under `key`; false when all are taken.
    public func enter(_ key: String, limit: Int) -> Bool {
        lock.withLock {
            let n = inFlight[key, default: 0]
            guard n < limit else { return false }
            inFlight[key] = n + 1
            return true
        }
    }

    public func leave(_ key: String) {
        lock.withLock {
            let n = inFlight[key, default: 1] - 1
            inFlight[key] = n > 0 ? n : nil
        }
    }

    /// Forgets keys with nothing in their window, at most once a minute, so the table stays the
    /// size of the last few minutes' callers.
    private func sweep(now: Double, window: TimeInterval) {
        guard now - lastSweep > 60, hits.count > 1000 else { return }
        lastSweep = now
        hits = hits.filter { $0.value.contains { $0 > now - max(window, 3600) } }
    }
}

struct RateLimiterKey: StorageKey { typealias Value = RateLimiter }

extension Application {
    /// One limiter per application (tests run many applications in one process).
    public var rateLimiter: RateLimiter {
        get {
            if let r = storage[RateLimiterKey.self] { return r }
            let r = RateLimiter()
            storage[RateLimiterKey.self] = r
            return r
        }
        set { storage[RateLimiterKey.self] = newValue }
    }
}

extension Request {
    /// Counts one attempt of `what` from this client's address; throws 429 with `Retry-After`
    /// when the address has used up `rule`.
    public func throttle(_ what: String, rule: RateLimiter.Rule, _ message: @escaping @Sendable (Int) -> LocalizedText) throws {
        let now = application.clock.now().timeIntervalSince1970
        if let wait = application.rateLimiter.hit("\(what)|addr|\(clientAddress)", rule: rule, now: now) {
            throw DomainError.tooManyRequests("too_many_requests", message(wait), retryAfter: wait)
        }
    }
}
