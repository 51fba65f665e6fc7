import Foundation
import XuequCore

/// The sections teachers use (DOMAIN §4, issue 12), in order.
public enum PlanSection {
    public static let names = ["课题", "教学目标", "重点难点", "教学准备", "教学过程", "板书设计", "作业", "教后反思"]
    /// Written after the lesson is taught; not part of what a 个案 changes from its 通案.
    public static let reflection = "教后反思"
}

public enum PlanKind: String, Vocabulary {
    public static let lookup = makeLookup()
    /// 通案: a group's common plan.
    case common
    /// 个案: a teacher's own adaptation for a class.
    case personal
    public var zh: String { self == .common ? "通案" : "个案" }
    public var en: String { self == .common ? "common plan" : "personal plan" }
}

public enum ResearchLevel: String, Vocabulary {
    public static let lookup = makeLookup()
    case county, district, school
    public var zh: String { switch self { case .county: "县级"; case .district: "学区级"; case .school: "校级" } }
    public var en: String { rawValue }
}

public enum CommonPlanState: String, Vocabulary {
    public static let lookup = makeLookup()
    case draft
    case inReview = "in_review"
    case approved, released
    public var zh: String { switch self { case .draft: "草稿"; case .inReview: "审核中"; case .approved: "已审核，待发布"; case .released: "已发布" } }
    public var en: String { switch self { case .draft: "draft"; case .inReview: "in review"; case .approved: "approved, not released"; case .released: "released" } }
}

/// Character-level comparison (Chinese has no spaces to split words on), with a bounded cost.
///
/// An exact longest-common-subsequence table costs n × m cells: two rewritten 4,000-character
/// sections are 16 million, and eight of them on one page took 2.2 s (issue 27). Each comparison
/// now has a budget of cells (`Budget`, one per plan). A changed middle small enough is compared
/// character by character; a larger one first by sentences (。！？；and line breaks), and only the
/// sentences that differ are compared by character while the budget lasts; past it, a differing
/// run is shown as removed and added whole. The worst case is linear in the text plus the budget.
public enum CharDiff {
    public enum Piece: Equatable, Sendable { case same(String), removed(String), added(String) }

    /// Table cells one comparison may fill, shared by the sections of one plan.
    public final class Budget: @unchecked Sendable {
        public var cells: Int
        public init(cells: Int = 2_000_000) { self.cells = cells }
        func take(_ n: Int) -> Bool {
            guard n <= cells else { return false }
            cells -= n
            return true
        }
    }

    public static func pieces(_ a: String, _ b: String, budget: Budget = Budget()) -> [Piece] {
        var out: [Piece] = []
        diff(Array(a), Array(b), budget: budget, into: &out)
        return out
    }

    static func append(_ p: Piece, to out: inout [Piece]) {
        switch (p, out.last) {
        case (.same(let t), .same(let s)?): out[out.count - 1] = .same(s + t)
        case (.removed(let t), .removed(let s)?): out[out.count - 1] = .removed(s + t)
        case (.added(let t), .added(let s)?): out[out.count - 1] = .added(s + t)
        default:
            switch p { case .same(let t), .removed(let t), .added(let t): if !t.isEmpty { out.append(p) } }
        }
    }

    /// The common prefix and suffix kept as they are, the differing middle handed to `middle`.
    static func aroundMiddle(_ x: [Character], _ y: [Character], into out: inout [Piece], _ middle: ([Character], [Character], inout [Piece]) -> Void) {
        var start = 0
        while start < x.count, start < y.count, x[start] == y[start] { start += 1 }
        var endX = x.count, endY = y.count
        while endX > start, endY > start, x[endX - 1] == y[endY - 1] { endX -= 1; endY -= 1 }
        if start > 0 { append(.same(String(x[0..<start])), to: &out) }
        let mx = Array(x[start..<endX]), my = Array(y[start..<endY])
        if mx.isEmpty || my.isEmpty {
            if !mx.isEmpty { append(.removed(String(mx)), to: &out) }
            if !my.isEmpty { append(.added(String(my)), to: &out) }
        } else {
            middle(mx, my, &out)
        }
        if endX < x.count { append(.same(String(x[endX...])), to: &out) }
    }

    static func diff(_ x: [Character], _ y: [Character], budget: Budget, into out: inout [Piece]) {
        aroundMiddle(x, y, into: &out) { mx, my, out in
            if mx.count * my.count <= 250_000, budget.take(mx.count * my.count) { characters(mx, my, into: &out) } else { sentences(mx, my, budget: budget, into: &out) }
        }
    }

    /// Sentences as the units of an LCS walk; differing runs compared again by character.
    static func sentences(_ x: [Character], _ y: [Character], budget: Budget, into out: inout [Piece]) {
        func split(_ c: [Character]) -> [String] {
            var parts: [String] = [], cur = ""
            for ch in c {
                cur.append(ch)
                if "。！？；!?;\n".contains(ch) { parts.append(cur); cur = "" }
            }
            if !cur.isEmpty { parts.append(cur) }
            return parts
        }
        let sx = split(x), sy = split(y)
        let n = sx.count, m = sy.count
        guard n * m > 0, n * m <= 1_000_000, budget.take(n * m), n > 1 || m > 1 else {
            append(.removed(String(x)), to: &out); append(.added(String(y)), to: &out)
            return
        }
        var codes: [String: Int32] = [:]
        func code(_ s: String) -> Int32 { if let v = codes[s] { return v }; let v = Int32(codes.count); codes[s] = v; return v }
        let cx = sx.map(code), cy = sy.map(code)
        let table = lcsTable(cx, cy)
        let w = m + 1
        var i = 0, j = 0
        var removed: [Character] = [], added: [Character] = []
        func flush() {
            if !removed.isEmpty || !added.isEmpty { runs(removed, added, budget: budget, into: &out) }
            removed = []; added = []
        }
        while i < n || j < m {
            if i < n, j < m, cx[i] == cy[j] { flush(); append(.same(sx[i]), to: &out); i += 1; j += 1 }
            else if i < n, j == m || table[(i + 1) * w + j] >= table[i * w + j + 1] { removed += Array(sx[i]); i += 1 }
            else { added += Array(sy[j]); j += 1 }
        }
        flush()
    }

    /// Two differing runs of sentences: by character when their table fits what is left of the
    /// budget, else removed and added whole (never split by sentences again).
    static func runs(_ x: [Character], _ y: [Character], budget: Budget, into out: inout [Piece]) {
        aroundMiddle(x, y, into: &out) { mx, my, out in
            if mx.count * my.count <= 250_000, budget.take(mx.count * my.count) {
                characters(mx, my, into: &out)
            } else {
                append(.removed(String(mx)), to: &out); append(.added(String(my)), to: &out)
            }
        }
    }

    /// Counts the table cells actually filled, for a test that the budget bounds them.
    public final class Meter: @unchecked Sendable {
        public var cells = 0
        public init() {}
    }
    @TaskLocal public static var meter: Meter?

    /// The LCS suffix table of two code sequences, flat, 32-bit.
    static func lcsTable(_ cx: [Int32], _ cy: [Int32]) -> [UInt32] {
        let n = cx.count, m = cy.count, w = m + 1
        meter?.cells += n * m
        var table = [UInt32](repeating: 0, count: (n + 1) * w)
        table.withUnsafeMutableBufferPointer { t in
            cx.withUnsafeBufferPointer { a in
                cy.withUnsafeBufferPointer { b in
                    var i = n - 1
                    while i >= 0 {
                        let row = i * w, next = (i + 1) * w, ai = a[i]
                        var j = m - 1
                        while j >= 0 {
                            t[row + j] = ai == b[j] ? t[next + j + 1] &+ 1 : max(t[next + j], t[row + j + 1])
                            j -= 1
                        }
                        i -= 1
                    }
                }
            }
        }
        return table
    }

    /// The exact character walk over a middle whose table fits the budget.
    static func characters(_ mx: [Character], _ my: [Character], into out: inout [Piece]) {
        var codes: [Character: Int32] = [:]
        func code(_ c: Character) -> Int32 { if let v = codes[c] { return v }; let v = Int32(codes.count); codes[c] = v; return v }
        let cx = mx.map(code), cy = my.map(code)
        let n = cx.count, m = cy.count, w = m + 1
        let table = lcsTable(cx, cy)
        enum Kind { case same, removed, added }
        var runs: [(Kind, [Character])] = []
        func push(_ k: Kind, _ c: Character) {
            if let last = runs.last, last.0 == k { runs[runs.count - 1].1.append(c) } else { runs.append((k, [c])) }
        }
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, cx[i] == cy[j] { push(.same, mx[i]); i += 1; j += 1 }
            else if i < n, j == m || table[(i + 1) * w + j] >= table[i * w + j + 1] { push(.removed, mx[i]); i += 1 }
            else { push(.added, my[j]); j += 1 }
        }
        for (k, chars) in runs {
            let text = String(chars)
            switch k { case .same: append(.same(text), to: &out); case .removed: append(.removed(text), to: &out); case .added: append(.added(text), to: &out) }
        }
    }

    /// Characters changed (removed + added) against the larger of the two texts, 0…1.
    public static func changedRatio(_ a: String, _ b: String) -> (changed: Int, total: Int) { changedRatio(a, b, pieces: pieces(a, b)) }

    /// The same from pieces already computed.
    public static func changedRatio(_ a: String, _ b: String, pieces p: [Piece]) -> (changed: Int, total: Int) {
        let changed = p.reduce(0) { n, piece in
            switch piece { case .same: n; case .removed(let s), .added(let s): n + s.count }
        }
        return (min(changed, max(a.count, b.count)), max(a.count, b.count))
    }
}

/// A plan's sections against its parent's: which changed, and the share of characters changed
/// (the reflection, written after teaching, is left out). Below `nearlyUnchanged` a 个案 is
/// flagged for the teaching office: a plan copied instead of adapted.
public struct PlanDiff: Sendable {
    public struct Section: Sendable { public let name: String; public let changed: Bool; public let pieces: [CharDiff.Piece] }
    public let sections: [Section]
    public let changedRatio: Double
    public static let nearlyUnchanged = 0.05

    public init(parent: [String: String], child: [String: String]) {
        var changed = 0, total = 0
        var out: [Section] = []
        let budget = CharDiff.Budget()
        for name in PlanSection.names {
            let a = parent[name] ?? "", b = child[name] ?? ""
            let pieces = CharDiff.pieces(a, b, budget: budget)
            out.append(Section(name: name, changed: a != b, pieces: pieces))
            if name != PlanSection.reflection {
                let r = CharDiff.changedRatio(a, b, pieces: pieces)
                changed += r.changed; total += r.total
            }
        }
        sections = out
        changedRatio = total == 0 ? 0 : (Double(changed) / Double(total) * 1000).rounded() / 1000
    }
}

/// The search text of a plan: overlapping character pairs (bigrams) of its title and sections,
/// so a database's ordinary word index finds any two or more consecutive characters of Chinese.
public enum Bigrams {
    public static func of(_ text: String) -> [String] {
        var out: [String] = []
        for run in text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            let chars = Array(run.lowercased())
            if chars.count == 1 { out.append(String(chars)); continue }
            for i in 0..<(chars.count - 1) { out.append(String(chars[i...i + 1])) }
        }
        return out
    }
    public static func document(_ texts: [String]) -> String { texts.flatMap(of).joined(separator: " ") }
}
