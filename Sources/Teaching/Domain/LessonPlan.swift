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

/// Character-level comparison (Chinese has no spaces to split words on).
public enum CharDiff {
    public enum Piece: Equatable, Sendable { case same(String), removed(String), added(String) }

    /// The longest common subsequence walk, as runs of kept, removed and added characters.
    /// Sections are a few thousand characters at most; beyond 4,000 × 4,000 the middle is
    /// compared as one block (prefix and suffix still exact), so a pasted book cannot stall it.
    public static func pieces(_ a: String, _ b: String) -> [Piece] {
        let x = Array(a), y = Array(b)
        var start = 0
        while start < x.count, start < y.count, x[start] == y[start] { start += 1 }
        var endX = x.count, endY = y.count
        while endX > start, endY > start, x[endX - 1] == y[endY - 1] { endX -= 1; endY -= 1 }
        var out: [Piece] = []
        if start > 0 { out.append(.same(String(x[0..<start]))) }
        let mx = Array(x[start..<endX]), my = Array(y[start..<endY])
        if mx.count * my.count > 16_000_000 {
            if !mx.isEmpty { out.append(.removed(String(mx))) }
            if !my.isEmpty { out.append(.added(String(my))) }
        } else if !mx.isEmpty || !my.isEmpty {
            // Characters as small integers (equal characters, equal codes), the table flat and
            // 16-bit (the common part is at most min(n, m) ≤ 4,000), runs kept as index ranges and
            // turned into strings once: a 1,500-character section rewritten compares in a few ms.
            var codes: [Character: Int32] = [:]
            func code(_ c: Character) -> Int32 { if let v = codes[c] { return v }; let v = Int32(codes.count); codes[c] = v; return v }
            let cx = mx.map(code), cy = my.map(code)
            let n = cx.count, m = cy.count, w = m + 1
            var table = [UInt16](repeating: 0, count: (n + 1) * w)
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
                switch (k, out.last) {
                case (.same, .same(let s)?): out[out.count - 1] = .same(s + text)
                case (.same, _): out.append(.same(text))
                case (.removed, _): out.append(.removed(text))
                case (.added, _): out.append(.added(text))
                }
            }
        }
        if endX < x.count {
            let tail = String(x[endX...])
            if case .same(let s)? = out.last { out[out.count - 1] = .same(s + tail) } else { out.append(.same(tail)) }
        }
        return out
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
        for name in PlanSection.names {
            let a = parent[name] ?? "", b = child[name] ?? ""
            let pieces = CharDiff.pieces(a, b)
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
