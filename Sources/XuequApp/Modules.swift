import Balance
import Certification
import Prometheus
import Registry
import XuequKit

/// The modules of Xuequ, in the order they migrate, seed and appear. Adding a module is one
/// target in `Package.swift` and one line here.
public enum Xuequ {
    public static func modules(metrics: PrometheusCollectorRegistry) -> [any XuequModule] {
        [
            PlatformModule(metrics: metrics),
            RegistryModule(),
            BalanceModule(),
            CertificationModule(),
        ]
    }
}
