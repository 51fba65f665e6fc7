import XuequCore

/// 教师资格 type held by a teacher (the certificate types of certification, DOMAIN §5), for the
/// check that a teacher moved to another school may teach its stage (持证上岗, DOMAIN §3).
public typealias QualificationType = CertificateType
