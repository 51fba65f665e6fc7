import Testing
@testable import XuequCore

/// `L10n.fill`: the placeholders of a text replaced in one pass.
@Suite("Placeholders")
struct FillTests {
    @Test("each {n} takes its argument; others stay as written; an argument's own braces are kept")
    func fills() {
        #expect(L10n.fill("{0}年", ["5"]) == "5年")
        #expect(L10n.fill("第 {0} 页，超过 {1} 条", ["3", "10000"]) == "第 3 页，超过 10000 条")
        #expect(L10n.fill("{1} then {0}", ["a", "b"]) == "b then a")
        #expect(L10n.fill("no placeholders", ["x"]) == "no placeholders")
        #expect(L10n.fill("{0} and {2}", ["a"]) == "a and {2}")
        #expect(L10n.fill("{x} {0}", ["a"]) == "{x} a")
        #expect(L10n.fill("trailing {", ["a"]) == "trailing {")
        #expect(L10n.fill("{0}{0}", ["{1}"]) == "{1}{1}")
        #expect(L10n.fill("{0}", []) == "{0}")
        #expect(L10n.fill("中{0}文", ["<&>"]) == "中<&>文")
    }
}
