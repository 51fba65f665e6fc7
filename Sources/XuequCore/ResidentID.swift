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
        let s = raw.trimmingCharacters(in: .whitespaces).uppercased()
        if s.isEmpty { return .failure(.empty) }
        let chars = Array(s)
        guard chars.count == 18 else { return .failure(.wrongLength(chars.count)) }
        var digits: [Int] = []
        for c in chars.prefix(17) {
            guard let d = c.wholeNumberValue, c.isASCII else { return .failure(.notDigits) }
            digits.append(d)
        }
        let last = chars[17]
        guard last == "X" || (last.isASCII && last.isNumber) else { return .failure(.notDigits) }
        let year = digits[6...9].reduce(0) { $0 * 10 + $1 }
        let month = digits[10...11].reduce(0) { $0 * 10 + $1 }
        let day = digits[12...13].reduce(0) { $0 * 10 + $1 }
        guard year >= 1900, let birth = CivilDate(year: year, month: month, day: day) else { return .failure(.badBirthDate) }
        if let today, birth > today { return .failure(.futureBirthDate) }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = checkCharacters[sum % 11]
        guard expected == last else { return .failure(.badCheckCharacter(expected: expected)) }
        return .success(ResidentID(value: s, birthDate: birth, gender: digits[16] % 2 == 1 ? .male : .female))
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
