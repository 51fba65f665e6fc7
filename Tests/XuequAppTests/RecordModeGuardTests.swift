import Foundation
import Testing

/// Snapshot tests record instead of comparing when `XUEQU_RECORD_SNAPSHOTS=1`: under CI that
/// would pass every one of them unasserted, so the run fails here instead (issue 33).
@Suite("Snapshots are compared in CI")
struct RecordModeGuardTests {
    @Test("XUEQU_RECORD_SNAPSHOTS=1 is refused where CI is set")
    func noRecordingUnderCI() {
        let env = ProcessInfo.processInfo.environment
        let ci = env["CI"].map { !$0.isEmpty && $0 != "0" && $0.lowercased() != "false" } ?? false
        #expect(!(ci && env["XUEQU_RECORD_SNAPSHOTS"] == "1"), "snapshots are compared in CI, never recorded")
    }
}
