import Fluent
import XuequKit

extension WatchCertificationSetup {
    /// 077: issued certificates raise the `certificates` data version: the rotation's eligibility
    /// reads a teacher's type from them when the registry holds none, and keeps what it read.
    public static let certificates = WatchDataVersion("077_CertificatesVersion", tables: ["certificates"], area: "certificates")
}
