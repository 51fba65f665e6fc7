import Testing
import XuequCore

@Suite("Visible characters")
struct VisibleCountTests {
    @Test("letters count; combining marks, zero-width and spaces do not")
    func counts() {
        #expect("您对学校满意吗？".visibleCount == 8)
        #expect(("e" + String(repeating: "\u{0301}", count: 20_000)).visibleCount == 1)
        #expect(String(repeating: "\u{200B}", count: 4).visibleCount == 0)
        #expect(" \t\n".visibleCount == 0)
        #expect("A1,b".visibleCount == 4)
    }
}
