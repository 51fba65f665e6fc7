import Foundation
import XuequCore

/// A QR code (ISO/IEC 18004) for short texts such as a verification address: byte mode, error
/// correction level M, versions 1–10 (up to 213 bytes), drawn as SVG on the server — no library,
/// no script, nothing fetched. Follows the structure of Project Nayuki's reference encoder.
public struct QRCode: Sendable {
    public let version: Int
    public let size: Int
    public let mask: Int
    /// Row-major: `modules[y * size + x]` is dark.
    public let modules: [Bool]

    public subscript(x x: Int, y y: Int) -> Bool { modules[y * size + x] }

    // Level M, versions 1–10: (EC codewords per block, blocks in group 1, data codewords per
    // block in group 1, blocks in group 2 (each one codeword longer)).
    static let blocks: [(ec: Int, g1: Int, d1: Int, g2: Int)] = [
        (10, 1, 16, 0), (16, 1, 28, 0), (26, 1, 44, 0), (18, 2, 32, 0), (24, 2, 43, 0),
        (16, 4, 27, 0), (18, 4, 31, 0), (22, 2, 38, 2), (22, 3, 36, 2), (26, 4, 43, 1),
    ]
    static let alignment: [[Int]] = [[], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]]

    public static let maxBytes = 213

    /// Encodes the text's UTF-8 bytes in the smallest version that holds them; the mask is the
    /// one with the lowest penalty unless one is forced (tests).
    public static func encode(_ text: String, mask forced: Int? = nil) throws -> QRCode {
        let bytes = Array(text.utf8)
        var version = 0
        for v in 1...10 {
            let b = blocks[v - 1]
            let capacity = (b.g1 * b.d1 + b.g2 * (b.d1 + 1)) * 8
            if 4 + (v < 10 ? 8 : 16) + bytes.count * 8 <= capacity { version = v; break }
        }
        guard version > 0 else {
            throw DomainError(.invalid, code: "qr_too_long", LocalizedText(zh: "二维码内容过长（最多\(maxBytes)字节）", en: "too long for a QR code (at most \(maxBytes) bytes)"))
        }
        let codewords = Self.codewords(bytes, version: version)
        var m = Matrix(version: version)
        m.drawFunctionPatterns()
        m.drawCodewords(codewords)
        var best = forced ?? 0
        if forced == nil {
            var lowest = Int.max
            for k in 0..<8 {
                var trial = m
                trial.applyMask(k)
                trial.drawFormatBits(mask: k)
                let p = trial.penalty()
                if p < lowest { lowest = p; best = k }
            }
        }
        m.applyMask(best)
        m.drawFormatBits(mask: best)
        return QRCode(version: version, size: m.size, mask: best, modules: m.dark)
    }

    /// Mode, count, bytes, terminator and padding, split into blocks with their Reed–Solomon
    /// error correction, then interleaved.
    static func codewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        let b = blocks[version - 1]
        let dataLength = b.g1 * b.d1 + b.g2 * (b.d1 + 1)
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) { for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) } }
        append(0b0100, 4)
        append(bytes.count, version < 10 ? 8 : 16)
        for byte in bytes { append(Int(byte), 8) }
        append(0, min(4, dataLength * 8 - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { i in bits[i..<i + 8].reduce(0) { $0 << 1 | ($1 ? 1 : 0) } }
        var pad: UInt8 = 0xEC
        while data.count < dataLength { data.append(pad); pad = pad == 0xEC ? 0x11 : 0xEC }
        var dataBlocks: [[UInt8]] = [], ecBlocks: [[UInt8]] = []
        var offset = 0
        let generator = ReedSolomon.generator(degree: b.ec)
        for i in 0..<(b.g1 + b.g2) {
            let length = b.d1 + (i < b.g1 ? 0 : 1)
            let block = Array(data[offset..<offset + length])
            offset += length
            dataBlocks.append(block)
            ecBlocks.append(ReedSolomon.remainder(block, generator: generator))
        }
        var out: [UInt8] = []
        for i in 0..<(b.d1 + 1) { for block in dataBlocks where i < block.count { out.append(block[i]) } }
        for i in 0..<b.ec { for block in ecBlocks { out.append(block[i]) } }
        return out
    }

    /// The code as SVG: one path of dark modules, a quiet zone of four modules, scaled by CSS.
    public func svg(label: String = "") -> String {
        let quiet = 4, full = size + 2 * quiet
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard self[x: x, y: y] else { x += 1; continue }
                var run = 1
                while x + run < size, self[x: x + run, y: y] { run += 1 }
                path += "M\(x + quiet) \(y + quiet)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let escaped = label.htmlEscaped()
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 \(full) \(full)\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"\(escaped)\">"
            + "<rect width=\"\(full)\" height=\"\(full)\" fill=\"#fff\"/><path fill=\"#000\" d=\"\(path)\"/></svg>"
    }

    struct Matrix {
        let version: Int
        let size: Int
        var dark: [Bool]
        var function: [Bool]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            dark = Array(repeating: false, count: size * size)
            function = Array(repeating: false, count: size * size)
        }

        mutating func set(_ x: Int, _ y: Int, _ d: Bool) { dark[y * size + x] = d; function[y * size + x] = true }

        mutating func drawFunctionPatterns() {
            for i in 0..<size { set(6, i, i % 2 == 0); set(i, 6, i % 2 == 0) }
            drawFinder(3, 3); drawFinder(size - 4, 3); drawFinder(3, size - 4)
            let positions = QRCode.alignment[version - 1]
            for (i, a) in positions.enumerated() {
                for (j, b) in positions.enumerated() {
                    let corner = (i == 0 && j == 0) || (i == 0 && j == positions.count - 1) || (i == positions.count - 1 && j == 0)
                    if !corner { drawAlignment(a, b) }
                }
            }
            drawFormatBits(mask: 0)  // reserves the areas; redrawn once the mask is chosen
            drawVersion()
        }

        mutating func drawFinder(_ cx: Int, _ cy: Int) {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = cx + dx, y = cy + dy
                    guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                    let d = max(abs(dx), abs(dy))
                    set(x, y, d != 2 && d != 4)
                }
            }
        }

        mutating func drawAlignment(_ cx: Int, _ cy: Int) {
            for dy in -2...2 { for dx in -2...2 { set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) } }
        }

        mutating func drawFormatBits(mask: Int) {
            let data = (0b00 << 3) | mask  // level M
            var rem = data
            for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
            let bits = ((data << 10) | rem) ^ 0x5412
            func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
            for i in 0...5 { set(8, i, bit(i)) }
            set(8, 7, bit(6)); set(8, 8, bit(7)); set(7, 8, bit(8))
            for i in 9..<15 { set(14 - i, 8, bit(i)) }
            for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
            for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
            set(8, size - 8, true)
        }

        mutating func drawVersion() {
            guard version >= 7 else { return }
            var rem = version
            for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
            let bits = version << 12 | rem
            for i in 0..<18 {
                let d = (bits >> i) & 1 == 1
                let a = size - 11 + i % 3, b = i / 3
                set(a, b, d); set(b, a, d)
            }
        }

        mutating func drawCodewords(_ data: [UInt8]) {
            var i = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vert in 0..<size {
                    for j in 0..<2 {
                        let x = right - j
                        let upward = (right + 1) & 2 == 0
                        let y = upward ? size - 1 - vert : vert
                        if !function[y * size + x] && i < data.count * 8 {
                            dark[y * size + x] = (data[i >> 3] >> (7 - (i & 7))) & 1 == 1
                            i += 1
                        }
                    }
                }
                right -= 2
            }
        }

        mutating func applyMask(_ k: Int) {
            for y in 0..<size {
                for x in 0..<size where !function[y * size + x] {
                    let invert: Bool
                    switch k {
                    case 0: invert = (x + y) % 2 == 0
                    case 1: invert = y % 2 == 0
                    case 2: invert = x % 3 == 0
                    case 3: invert = (x + y) % 3 == 0
                    case 4: invert = (x / 3 + y / 2) % 2 == 0
                    case 5: invert = x * y % 2 + x * y % 3 == 0
                    case 6: invert = (x * y % 2 + x * y % 3) % 2 == 0
                    default: invert = ((x + y) % 2 + x * y % 3) % 2 == 0
                    }
                    if invert { dark[y * size + x].toggle() }
                }
            }
        }

        /// The standard's four penalties: runs of five or more, 2×2 blocks, finder-like
        /// patterns, and the balance of dark and light.
        func penalty() -> Int {
            var total = 0
            func at(_ x: Int, _ y: Int, _ columns: Bool) -> Bool { columns ? dark[x * size + y] : dark[y * size + x] }
            let finderA: [Bool] = [true, false, true, true, true, false, true, false, false, false, false]
            let finderB: [Bool] = Array(finderA.reversed())
            for columns in [false, true] {
                for y in 0..<size {
                    var run = 1
                    for x in 1..<size {
                        if at(x, y, columns) == at(x - 1, y, columns) { run += 1 } else { if run >= 5 { total += 3 + run - 5 }; run = 1 }
                    }
                    if run >= 5 { total += 3 + run - 5 }
                    if size >= 11 {
                        for x in 0...(size - 11) {
                            var a = true, b = true
                            for k in 0..<11 {
                                let v = at(x + k, y, columns)
                                if v != finderA[k] { a = false }
                                if v != finderB[k] { b = false }
                                if !a && !b { break }
                            }
                            if a { total += 40 }
                            if b { total += 40 }
                        }
                    }
                }
            }
            for y in 0..<(size - 1) {
                for x in 0..<(size - 1) {
                    let c = dark[y * size + x]
                    if c == dark[y * size + x + 1] && c == dark[(y + 1) * size + x] && c == dark[(y + 1) * size + x + 1] { total += 3 }
                }
            }
            let darkCount = dark.filter { $0 }.count, all = size * size
            total += ((abs(darkCount * 20 - all * 10) + all - 1) / all - 1) * 10
            return total
        }
    }
}

/// Reed–Solomon over GF(256) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1.
enum ReedSolomon {
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> i) & 1) * Int(x)
        }
        return UInt8(z & 0xFF)
    }

    /// The generator polynomial of the degree (coefficients from the highest power, leading 1 dropped).
    static func generator(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                result[j] = multiply(result[j], root)
                if j + 1 < degree { result[j] ^= result[j + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: generator.count)
        for b in data {
            let factor = b ^ result.removeFirst()
            result.append(0)
            for i in 0..<result.count { result[i] ^= multiply(generator[i], factor) }
        }
        return result
    }
}
