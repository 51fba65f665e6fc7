/// 居民身份证号 (GB 11643-1999): 6-digit area code, 8-digit birth date, 3-digit sequence
/// (odd = male), check character. Parsing is the only way to get one, so a `ResidentID`
/// value is always valid.
public struct ResidentID: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public let birthDate: CivilDate
    public let gender: Gender

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    public enum Problem: Error, Equatable, Sendable {
        case empty, wrongLength(Int), notDigits, badBirthDate, futureBirthDate, badCheckCharacter(expected: Character)

        public var message: LocalizedText {
            switch self {
            case .empty: return LocalizedText(zh: "身份证号不能为空", en: "resident ID is required")
            case .wrongLength(let n): return LocalizedText(zh: "身份证号应为18位，实际\(n)位", en: "a resident ID has 18 characters, got \(n)")
            case .notDigits: return LocalizedText(zh: "身份证号前17位应为数字，末位为数字或X", en: "the first 17 characters must be digits, the last a digit or X")
            case .badBirthDate: return LocalizedText(zh: "身份证号中的出生日期不存在", en: "the birth date in the resident ID does not exist")
            case .futureBirthDate: return LocalizedText(zh: "身份证号中的出生日期在将来", en: "the birth date in the resident ID is in the future")
            case .badCheckCharacter(let c): return LocalizedText(zh: "身份证号校验位错误（应为 \(c)）", en: "the check character is wrong (expected \(c))")
            }
        }
    }

    /// Parses and validates; `today` bounds the birth date.
    public static func parse(_ raw: String, today: CivilDate? = nil) -> Result<ResidentID, Problem> {
        let s = raw.trimmed
        if s.isEmpty { return .failure(.empty) }
        // Work on bytes: all valid IDs are ASCII, and an import checks 100,000 of them.
        var bytes = Array(s.utf8)
        guard bytes.count == 18 else {
            let n = s.count
            return .failure(n == 18 ? .notDigits : .wrongLength(n))
        }
        if bytes[17] == UInt8(ascii: "x") { bytes[17] = UInt8(ascii: "X") }
        var digits = [Int](repeating: 0, count: 17)
        for i in 0..<17 {
            let b = bytes[i]
            guard b >= 48 && b <= 57 else { return .failure(.notDigits) }
            digits[i] = Int(b - 48)
        }
        let last = bytes[17]
        guard last == UInt8(ascii: "X") || (last >= 48 && last <= 57) else { return .failure(.notDigits) }
        let year = digits[6] * 1000 + digits[7] * 100 + digits[8] * 10 + digits[9]
        let month = digits[10] * 10 + digits[11]
        let day = digits[12] * 10 + digits[13]
        guard year >= 1900, let birth = CivilDate(year: year, month: month, day: day) else { return .failure(.badBirthDate) }
        if let today, birth > today { return .failure(.futureBirthDate) }
        var sum = 0
        for i in 0..<17 { sum += digits[i] * weights[i] }
        let expected = checkCharacters[sum % 11]
        guard expected.asciiValue == last else { return .failure(.badCheckCharacter(expected: expected)) }
        return .success(ResidentID(value: String(decoding: bytes, as: UTF8.self), birthDate: birth, gender: digits[16] % 2 == 1 ? .male : .female))
    }

    public static func checkCharacter(forFirst17 s: String) -> Character {
        let digits = s.compactMap(\.wholeNumberValue)
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    /// First 2 and last 3 kept: `11*************02X`.
    public var masked: String { Masking.residentID(value) }
    public var description: String { masked }
}
