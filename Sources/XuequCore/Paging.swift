/// `page` from 1, `per` at most 200 (CONTRACT "Lists").
public struct PageSpec: Sendable, Hashable {
    public static let maxPer = 200
    public let page: Int
    public let per: Int
    public init(page: Int?, per: Int?, defaultPer: Int = 50) {
        // Bounded so that the offset can never overflow, whatever a URL says.
        self.page = min(1_000_000, max(1, page ?? 1))
        self.per = min(PageSpec.maxPer, max(1, per ?? defaultPer))
    }
    public var offset: Int { (page - 1) * per }
}

public struct PageResult<Item: Sendable>: Sendable {
    public let items: [Item]
    /// The number of matches, or `PageSpec.countCap` when `capped`.
    public let total: Int
    /// More than `PageSpec.countCap` match: the count stopped there (the list says "more than 10,000").
    public let capped: Bool
    public let request: PageSpec
    public init(items: [Item], total: Int, capped: Bool = false, request: PageSpec) {
        self.items = items; self.total = total; self.capped = capped; self.request = request
    }
    public var pageCount: Int { max(1, (total + request.per - 1) / request.per) }
}

extension PageResult {
    /// The last page: fewer items than the page the query was actually asked with (after the
    /// `maxPer` cap), never compared with the size the caller wished for.
    public var isLast: Bool { items.count < request.per }
}

extension PageSpec {
    /// Every item of a paged list, page after page of the largest size, until the last page.
    /// Loops written by hand compared with the size they asked for (500) while `PageSpec` had
    /// capped it at 200, and stopped after the first page (issue 28: training hours counted 200
    /// of 6,356 teachers).
    public static func all<Item: Sendable>(limit: Int = 1_000_000, _ fetch: (PageSpec) async throws -> PageResult<Item>) async throws -> [Item] {
        var out: [Item] = []
        var page = 1
        while out.count < limit {
            let r = try await fetch(PageSpec(page: page, per: maxPer))
            out += r.items
            if r.isLast { break }
            page += 1
        }
        return out
    }

    /// Lists count their matches up to this many and no further: a province's whole teacher list
    /// or a one-character search would otherwise count hundreds of thousands of rows per page.
    public static let countCap = 10_000
}

/// Deterministic pseudo-random numbers (SplitMix64) so the demo county is the same on every run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    public mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
    /// Picks by weight: `[(value, weight)]`.
    public mutating func weighted<T>(_ items: [(T, Int)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var r = Int.random(in: 0..<total, using: &self)
        for (v, w) in items { if r < w { return v }; r -= w }
        return items.last!.0
    }
}
