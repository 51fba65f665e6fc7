/// How personal data looks once it leaves its scope (DOMAIN §7).
public enum Masking {
    /// First 2 and last 3 kept.
    public static func residentID(_ id: String) -> String {
        let c = Array(id)
        guard c.count > 5 else { return String(repeating: "*", count: c.count) }
        return String(c.prefix(2)) + String(repeating: "*", count: c.count - 5) + String(c.suffix(3))
    }

    /// `138****1234`.
    public static func phone(_ phone: String) -> String {
        let c = Array(phone)
        guard c.count >= 7 else { return String(repeating: "*", count: c.count) }
        return String(c.prefix(3)) + String(repeating: "*", count: c.count - 7) + String(c.suffix(4))
    }

    /// Any text bound for a log with the resident IDs (17 digits and a check character) and
    /// mobile numbers (11 digits from 1) in it masked, wherever they stand: a database error
    /// quoting `Key (resident_id)=(…)` keeps no full ID in the log. A run of digits inside a
    /// word (a hex hash, `id130…`) is left alone: an ID stands apart from letters.
    public static func scrub(_ text: String) -> String {
        let bytes = Array(text.utf8)
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
        // Fast path: most lines carry no run of 11 digits.
        var run = 0, longest = 0
        for b in bytes { run = isDigit(b) ? run + 1 : 0; longest = max(longest, run) }
        guard longest >= 11 else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard isDigit(bytes[i]), i == 0 || !isDigit(bytes[i - 1]) else { out.append(bytes[i]); i += 1; continue }
            var j = i
            while j < bytes.count, isDigit(bytes[j]) { j += 1 }
            var end = j
            // A resident ID may end in X.
            if j - i == 17, j < bytes.count, bytes[j] == UInt8(ascii: "X") || bytes[j] == UInt8(ascii: "x") { end = j + 1 }
            let digits = String(decoding: bytes[i..<end], as: UTF8.self)
            let inWord = (i > 0 && isLetter(bytes[i - 1])) || (end < bytes.count && (isLetter(bytes[end]) || isDigit(bytes[end])))
            switch inWord ? 0 : end - i {
            case 18...: out += Array(residentID(digits).utf8)
            case 11 where bytes[i] == UInt8(ascii: "1"): out += Array(phone(digits).utf8)
            default: out += bytes[i..<end]
            }
            i = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Surname kept, the given name starred: 张三 → 张*, 欧阳小明 → 欧阳**.
    /// A sign-in name as logs may keep it: applicants sign in with their resident ID, which no log
    /// keeps in full; a phone-number username is masked too; other usernames stay as they are.
    public static func username(_ u: String) -> String {
        if u.count == 18, u.prefix(17).allSatisfy(\.isNumber) { return residentID(u) }
        if u.count == 11, u.allSatisfy(\.isNumber) { return phone(u) }
        return u
    }

    public static func name(_ name: String) -> String {
        let c = Array(name)
        guard c.count > 1 else { return name }
        let compound = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "令狐", "慕容", "夏侯", "长孙", "宇文", "司徒"]
        let keep = (c.count > 2 && compound.contains(String(c.prefix(2)))) ? 2 : 1
        return String(c.prefix(keep)) + String(repeating: "*", count: c.count - keep)
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex, without `String(format:)` per byte (token hashes run on every API request).
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
