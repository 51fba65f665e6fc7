import Foundation

/// Charts drawn on the server as inline SVG: no scripts, prints as vectors, works offline.
public enum SVGChart {
    public struct Bar: Sendable {
        public let label: String
        public let value: Double?
        public let limit: Double?
        public init(label: String, value: Double?, limit: Double?) { self.label = label; self.value = value; self.limit = limit }
    }

    static func esc(_ s: String) -> String { s.htmlEscaped() }

    static func fmt(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }

    /// Horizontal bars against a limit: green within it, red beyond, a dashed line at the limit.
    public static func bars(_ bars: [Bar], title: String, limitLabel: String, digits: Int = 3) -> String {
        let rowH = 30.0, labelW = 150.0, plotW = 420.0, top = 24.0, width = labelW + plotW + 70
        let height = top + rowH * Double(bars.count) + 10
        let maxValue = max(bars.compactMap(\.value).max() ?? 0, bars.compactMap(\.limit).max() ?? 0, 0.01) * 1.12
        func x(_ v: Double) -> Double { labelW + plotW * v / maxValue }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(esc(title))\">"
        s += "<title>\(esc(title))</title>"
        for (i, b) in bars.enumerated() {
            let y = top + rowH * Double(i)
            s += "<text x=\"\(fmt(labelW - 8, 1))\" y=\"\(fmt(y + 19, 1))\" text-anchor=\"end\" class=\"lbl\">\(esc(b.label))</text>"
            guard let v = b.value else {
                s += "<text x=\"\(fmt(labelW + 4, 1))\" y=\"\(fmt(y + 19, 1))\" class=\"val\">—</text>"
                continue
            }
            let over = b.limit.map { v > $0 } ?? false
            s += "<rect x=\"\(fmt(labelW, 1))\" y=\"\(fmt(y + 6, 1))\" width=\"\(fmt(max(1, x(v) - labelW), 1))\" height=\"18\" rx=\"3\" class=\"\(over ? "bar-bad" : "bar-ok")\"><title>\(esc(b.label)): \(fmt(v, digits))</title></rect>"
            s += "<text x=\"\(fmt(x(v) + 5, 1))\" y=\"\(fmt(y + 19, 1))\" class=\"val\">\(fmt(v, digits))</text>"
        }
        if let limit = bars.compactMap(\.limit).first {
            let lx = x(limit)
            s += "<line x1=\"\(fmt(lx, 1))\" y1=\"\(fmt(top - 4, 1))\" x2=\"\(fmt(lx, 1))\" y2=\"\(fmt(height - 6, 1))\" class=\"limit\"/>"
            s += "<text x=\"\(fmt(lx, 1))\" y=\"14\" text-anchor=\"middle\" class=\"limit-lbl\">\(esc(limitLabel)) \(fmt(limit, 2))</text>"
        }
        return s + "</svg>"
    }

    /// A line over the years with the limit as a dashed line.
    public static func trend(_ points: [(label: String, value: Double?)], limit: Double?, title: String, limitLabel: String) -> String {
        let width = 640.0, height = 220.0, left = 46.0, right = 20.0, top = 20.0, bottom = 30.0
        let values = points.compactMap(\.value)
        let maxValue = max(values.max() ?? 0, limit ?? 0, 0.01) * 1.15
        let n = max(points.count - 1, 1)
        func x(_ i: Int) -> Double { points.count == 1 ? left + (width - left - right) / 2 : left + (width - left - right) * Double(i) / Double(n) }
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - v / maxValue) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(esc(title))\"><title>\(esc(title))</title>"
        for k in 0...4 {
            let v = maxValue * Double(k) / 4
            s += "<line x1=\"\(fmt(left, 1))\" x2=\"\(fmt(width - right, 1))\" y1=\"\(fmt(y(v), 1))\" y2=\"\(fmt(y(v), 1))\" class=\"grid\"/>"
            s += "<text x=\"\(fmt(left - 6, 1))\" y=\"\(fmt(y(v) + 4, 1))\" text-anchor=\"end\" class=\"axis\">\(fmt(v, 2))</text>"
        }
        if let limit {
            s += "<line x1=\"\(fmt(left, 1))\" x2=\"\(fmt(width - right, 1))\" y1=\"\(fmt(y(limit), 1))\" y2=\"\(fmt(y(limit), 1))\" class=\"limit\"/>"
            s += "<text x=\"\(fmt(width - right, 1))\" y=\"\(fmt(y(limit) - 5, 1))\" text-anchor=\"end\" class=\"limit-lbl\">\(esc(limitLabel)) \(fmt(limit, 2))</text>"
        }
        let path = points.enumerated().compactMap { i, p in p.value.map { "\(fmt(x(i), 1)),\(fmt(y($0), 1))" } }
        if path.count > 1 { s += "<polyline points=\"\(path.joined(separator: " "))\" class=\"line\"/>" }
        for (i, p) in points.enumerated() {
            s += "<text x=\"\(fmt(x(i), 1))\" y=\"\(fmt(height - 8, 1))\" text-anchor=\"middle\" class=\"axis\">\(esc(p.label))</text>"
            if let v = p.value {
                let bad = limit.map { v > $0 } ?? false
                s += "<circle cx=\"\(fmt(x(i), 1))\" cy=\"\(fmt(y(v), 1))\" r=\"4\" class=\"\(bad ? "dot-bad" : "dot")\"><title>\(esc(p.label)): \(fmt(v))</title></circle>"
                s += "<text x=\"\(fmt(x(i), 1))\" y=\"\(fmt(y(v) - 9, 1))\" text-anchor=\"middle\" class=\"val\">\(fmt(v))</text>"
            }
        }
        return s + "</svg>"
    }
}
