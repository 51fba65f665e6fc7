import SQLKit
import Testing
@testable import XuequKit

/// `SQLRowDecoder.snakeCase` must read exactly the columns `.convertFromSnakeCase` read.
@Suite("Snake-case keys")
struct SnakeCaseKeysTests {
    struct Keys: Encodable {
        let id = 1, deptId = 1, secsAbilityTest = 1, userID = 1, myURLProperty = 1, a1B2 = 1, x = 1, already_snake = 1, stateSince = 1, districtId2 = 1, ABC = 1
    }

    @Test("the cached conversion is SQLKit's, key for key")
    func sameAsSQLKit() throws {
        // SQLKit's encoder applies the same internal `convertedToSnakeCase` its decoder does.
        let sqlkit = try SQLQueryEncoder(keyEncodingStrategy: .convertToSnakeCase).encode(Keys()).map(\.0)
        let keys = ["id", "deptId", "secsAbilityTest", "userID", "myURLProperty", "a1B2", "x", "already_snake", "stateSince", "districtId2", "ABC"]
        #expect(keys.map(SnakeCaseKeys.column) == sqlkit)
        #expect(SnakeCaseKeys.column("secsAbilityTest") == "secs_ability_test")
        // Asked again, from the cache.
        #expect(keys.map(SnakeCaseKeys.column) == sqlkit)
    }
}
