import Balance
import Certification
import Exchange
import Inspection
import Reports
import Internship
import Teaching
import Registry
import XuequKit

/// The modules of Xuequ, in the order they migrate, seed and appear. Adding a module is one
/// target in `Package.swift` and one line here.
enum Xuequ {
    static func modules(platform: PlatformModule) -> [any XuequModule] {
        [
            platform,
            RegistryModule(),
            BalanceModule(),
            CertificationModule(),
            ExchangeModule(),
            InternshipModule(),
            TeachingModule(),
            InspectionModule(),
            ReportsModule(),
        ]
    }
}
