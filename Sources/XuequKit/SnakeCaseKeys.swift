import NIOConcurrencyHelpers
import SQLKit

/// Column names for coding keys, `deptId` → `dept_id`, worked out once per key per process.
///
/// SQLKit's `.convertFromSnakeCase` converts the key again for every column of every row (and
/// twice: to check the column is there, then to read it); on a page of fifty teachers that was a
/// sixth of the server's CPU (`perf`, issue 15). The conversion here is SQLKit's own (a copy of
/// `convertedToSnakeCase`), so every decoder that used `.convertFromSnakeCase` reads the same
/// columns through `SQLRowDecoder.snakeCase`.
public enum SnakeCaseKeys {
    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    private static let known = NIOLockedValueBox<[String: String]>([:])

    /// The column for a coding key.
    public static func column(_ key: String) -> String {
        if let c = known.withLockedValue({ $0[key] }) { return c }
        let c = snakeCase(key)
        known.withLockedValue { $0[key] = c }
        return c
    }

    /// SQLKit's `StringProtocol.convertedToSnakeCase` (internal there), unchanged.
    static func snakeCase(_ s: String) -> String {
        guard !s.isEmpty else { return s }
        func decapitalized(_ w: Substring) -> String { w.isEmpty ? "" : "\(w[w.startIndex].lowercased())\(w.dropFirst())" }
        var words: [Range<String.Index>] = []
        var wordStart = s.startIndex, searchIndex = s.index(after: wordStart)
        while let upperCaseIndex = s[searchIndex...].firstIndex(where: \.isUppercase) {
            words.append(wordStart..<upperCaseIndex)
            wordStart = upperCaseIndex
            guard let lowerCaseIndex = s[upperCaseIndex...].firstIndex(where: \.isLowercase) else { break }
            searchIndex = lowerCaseIndex
            if lowerCaseIndex != s.index(after: upperCaseIndex) {
                let beforeLowerIndex = s.index(before: lowerCaseIndex)
                words.append(upperCaseIndex..<beforeLowerIndex)
                wordStart = beforeLowerIndex
            }
        }
        words.append(wordStart..<s.endIndex)
        return words.map { decapitalized(s[$0]) }.joined(separator: "_")
    }
}

extension SQLRowDecoder {
    /// `.convertFromSnakeCase` with each key converted once (`SnakeCaseKeys`).
    public static let snakeCase = SQLRowDecoder(keyDecodingStrategy: .custom({ path in
        SnakeCaseKeys.Key(stringValue: SnakeCaseKeys.column(path.last?.stringValue ?? ""))
    }))
}
