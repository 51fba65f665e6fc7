import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The certification part of the demo county: the county and prefecture bodies, a closed window
/// whose outcome is the seed's year (82 applied, 42 certified: 12 primary, 22 junior, 3 senior,
/// 5 vocational; most failures on Putonghua and the two exams) and an open window with
/// applications in every stage, one of them applicant1's.
public enum CertificationDemo {
    public struct Windows: Sendable { public let county: Int; public let prefecture: Int; public let closed: Int; public let open: Int }

    /// Bodies and two windows around `today`: one closed long enough ago to be decided, one open.
    public static func bodiesAndWindows(on db: any Database, today: CivilDate) async throws -> Windows {
        struct Id: Decodable { let id: Int }
        func body(_ code: String, _ name: String, _ level: String, _ area: String?) async throws -> Int {
            try await db.sql.insert(into: "cert_bodies").columns("code", "name", "level", "area_code").values(SQLBind(code), SQLBind(name), SQLBind(level), SQLBind(area))
                .returning("id").first(decoding: Id.self)!.id
        }
        // The county's body and its city's (issue 30).
        let countyArea = try await AreaStore.soleCounty(on: db)
        let cityArea = try await countyArea.asyncMap { try await AreaStore.area(code: $0, on: db)?.parentCode } ?? nil
        let county = try await body("13481", "武安市教育局", "county", countyArea)
        let prefecture = try await body("13040", "邯郸市教育局", "prefecture", cityArea)
        let all = CertType.allCases.map(\.rawValue).joined(separator: ",")
        func window(_ name: String, _ opens: CivilDate, _ closes: CivilDate) async throws -> Int {
            try await db.sql.insert(into: "cert_windows").columns("body_id", "name", "opens_on", "closes_on", "types")
                .values(SQLBind(county), SQLBind(name), SQLBind(opens.description), SQLBind(closes.description), SQLBind(all)).returning("id").first(decoding: Id.self)!.id
        }
        let closedOpens = today.adding(days: -200), openOpens = today.adding(days: -20)
        let closed = try await window("\(closedOpens.year)年\(closedOpens.month <= 6 ? "春季" : "秋季")", closedOpens, today.adding(days: -170))
        let open = try await window("\(openOpens.year)年\(openOpens.month <= 6 ? "春季" : "秋季")", openOpens, today.adding(days: 25))
        return Windows(county: county, prefecture: prefecture, closed: closed, open: open)
    }

    /// In a database of several counties (the city's and the province's sets): each county its
    /// own certifying body and an open window, each city its prefecture body (issue 30). Body
    /// codes are the province's two digits and a serial: counties from 001, cities from 901.
    public static func countyBodies(on db: any Database, today: CivilDate) async throws {
        struct Id: Decodable { let id: Int }
        let areas = try await AreaStore.all(on: db)
        let all = CertType.allCases.map(\.rawValue).joined(separator: ",")
        let opens = today.adding(days: -20)
        for (i, c) in areas.filter({ $0.levelValue == .county }).enumerated() {
            let body = try await db.sql.insert(into: "cert_bodies").columns("code", "name", "level", "area_code")
                .values(SQLBind(String(format: "%@%03d", String(c.code.prefix(2)), i + 1)), SQLBind(c.name + "教育局"), SQLBind("county"), SQLBind(c.code))
                .returning("id").first(decoding: Id.self)!.id
            try await db.sql.insert(into: "cert_windows").columns("body_id", "name", "opens_on", "closes_on", "types")
                .values(SQLBind(body), SQLBind("\(opens.year)年\(opens.month <= 6 ? "春季" : "秋季")"), SQLBind(opens.description), SQLBind(today.adding(days: 25).description), SQLBind(all))
                .run()
        }
        for (i, c) in areas.filter({ $0.levelValue == .city }).enumerated() {
            try await db.sql.insert(into: "cert_bodies").columns("code", "name", "level", "area_code")
                .values(SQLBind(String(format: "%@%03d", String(c.code.prefix(2)), 901 + i)), SQLBind(c.name + "教育局"), SQLBind("prefecture"), SQLBind(c.code)).run()
        }
    }

    /// A scanned page (PDF) and a photo (PNG) for the demo's uploaded documents.
    static let demoPDF = DocumentStore.demoPDF("Xuequ demo document scan")
    static let demoPNG = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")!

    /// The subject wanted, or the nearest one the certificate type allows (科学 for a primary
    /// physics teacher, 学前教育 for a kindergarten).
    static func subject(_ wanted: Subject, for type: CertType) -> Subject {
        type.allowedSubjects.contains(wanted) ? wanted : (type == .primary ? .science : type.allowedSubjects[0])
    }

    public static func seed(on db: any Database, today: CivilDate, now: Double, applicantUserId: Int?, documents store: DocumentStore? = nil) async throws {
        let w = try await bodiesAndWindows(on: db, today: today)
        var rng = SeededRandom(seed: 20_261_129)
        var used = Set<String>()
        let surnames = Array("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑")
        /// A name, a valid resident ID and the sex it encodes (odd sequence digit: male).
        func person() -> (String, String, String) {
            var head = ""
            repeat {
                head = String(format: "130481%04d%02d%02d%03d", rng.int(1992...2003), rng.int(1...12), rng.int(1...28), rng.int(0...999))
            } while used.contains(head)
            used.insert(head)
            let male = Int(String(head.last!))! % 2 == 1
            let name = String(surnames[rng.int(0...(surnames.count - 1))]) + DemoNames.given(male: male, length: rng.int(1...2)) { rng.int(0...($0 - 1)) }
            let gender = male ? "male" : "female"
            return (name, head + String(ResidentID.checkCharacter(forFirst17: head)), gender)
        }
        func history(_ id: Int, _ from: CertState, _ to: CertState, _ event: String, _ actor: String, _ at: Double, _ reason: String? = nil) async throws {
            try await CertificationService.history([id], from: from, to: to, event: event, actor: actor, at: at, reason: reason, on: db)
        }
        func folder(_ id: Int, year: Int, receivedOn: CivilDate) async throws {
            try await db.sql.insert(into: "archive_folders").columns("application_id", "folder_no", "received_on", "contents")
                .values(SQLBind(id), SQLBind(String(format: "DA%04d-%06d", year, id)), SQLBind(receivedOn.description), SQLBind(CertificationService.folderContents)).run()
        }
        let closesClosed = today.adding(days: -170)
        let day = 86400.0
        let start = Double(closesClosed.adding(days: -25).daysSinceEpoch) * day
        let decided = Double(closesClosed.adding(days: 20).daysSinceEpoch) * day
        let issuedOn = closesClosed.adding(days: 35)
        var serial: [Int: Int] = [:]

        struct Outcome { let type: CertType; let route: CertRoute; let end: CertState; let reason: CertReason? }
        var outcomes: [Outcome] = []
        for (type, n) in [(CertType.primary, 12), (.junior, 22), (.senior, 3), (.vocational, 5)] {
            for k in 0..<n { outcomes.append(Outcome(type: type, route: k % 3 == 0 ? .twoExams : .nationalExam, end: .certified, reason: nil)) }
        }
        for (reason, n, route) in [(CertReason.putonghuaBelowMinimum, 14, CertRoute.nationalExam), (.abilityTestFailed, 9, .twoExams), (.examMissing, 7, .twoExams),
                                   (.educationBelowMinimum, 4, .nationalExam), (.physicalExamFailed, 2, .nationalExam)] {
            for k in 0..<n { outcomes.append(Outcome(type: k % 2 == 0 ? .primary : .junior, route: route, end: .rejected, reason: reason)) }
        }
        for k in 0..<4 { outcomes.append(Outcome(type: k % 2 == 0 ? .primary : .kindergarten, route: .nationalExam, end: .withdrawn, reason: nil)) }

        struct Id: Decodable { let id: Int }
        var noticeIds: [Bool: Int] = [:]
        for (prefectureDecides, body) in [(false, w.county), (true, w.prefecture)] {
            _ = body
            noticeIds[prefectureDecides] = try await db.sql.insert(into: "cert_notices").columns("window_id", "title", "from_on", "to_on", "created_by", "created_at")
                .values(SQLBind(w.closed), SQLBind(prefectureDecides ? "高级中学、中职教师资格认定拟通过人员公示" : "教师资格认定拟通过人员公示"),
                        SQLBind(closesClosed.adding(days: 22).description), SQLBind(closesClosed.adding(days: 28).description), SQLBind(prefectureDecides ? "prefecture" : "reviewer"), SQLBind(decided))
                .returning("id").first(decoding: Id.self)!.id
        }
        for (i, o) in outcomes.enumerated() {
            let (name, rid, gender) = person()
            let subject = Self.subject([.chinese, .math, .english, .music, .pe, .art, .physics][i % 7], for: o.type)
            let putonghua: Putonghua = o.reason == .putonghuaBelowMinimum ? (subject == .chinese ? .l2B : .l3A) : (subject == .chinese ? .l2A : .l2B)
            let education: Education = o.reason == .educationBelowMinimum ? .secondary : (o.type == .senior || o.type == .vocational ? .bachelor : .juniorCollege)
            let educationFixed: Education = o.reason == .educationBelowMinimum ? (o.type == .junior ? .secondary : .highSchool) : education
            let exam: String? = o.reason == .examMissing ? nil : closesClosed.adding(days: -300).description
            let submitted = start + Double(i) * 3600
            let id = try await db.sql.insert(into: "cert_applications")
                .columns("window_id", "user_id", "name", "resident_id", "gender", "phone", "type", "subject", "education", "normal_graduate", "putonghua", "route",
                         "exam_passed_on", "physical_exam", "township", "state", "version", "scores", "reason_code", "created_at", "updated_at", "submitted_at", "decided_at")
                .values(SQLBind(w.closed), SQLBind(Int?.none), SQLBind(name), SQLBind(rid), SQLBind(gender), SQLBind("13\(rng.int(100_000_000...999_999_999))"),
                        SQLBind(o.type.rawValue), SQLBind(subject.rawValue), SQLBind(educationFixed.rawValue), SQLBind(false), SQLBind(putonghua.rawValue), SQLBind(o.route.rawValue),
                        SQLBind(exam), SQLBind(o.reason == .physicalExamFailed ? "fail" : "pass"), SQLBind(false), SQLBind(o.end.rawValue), SQLBind(5),
                        SQLBind(o.route == .twoExams && o.reason != .examMissing ? (o.reason == .abilityTestFailed ? "[52,55,58]" : "[78,82,80]") : nil),
                        SQLBind(o.reason?.rawValue), SQLBind(submitted), SQLBind(decided), SQLBind(submitted), SQLBind(o.end == .withdrawn ? nil : decided))
                .returning("id").first(decoding: Id.self)!.id
            // The path it took, as history rows.
            var path: [(CertState, CertState, CertEvent, String)] = [(.draft, .submitted, .submit, "applicant")]
            if o.end == .withdrawn {
                path.append((.submitted, .withdrawn, .withdraw, "applicant"))
            } else {
                let afterAccept: CertState = o.route == .twoExams ? .abilityTest : .review
                path.append((.submitted, afterAccept, .accept, "reviewer"))
                var at = afterAccept
                if o.route == .twoExams && o.reason != .examMissing {
                    let next: CertState = o.reason == .abilityTestFailed ? .rejected : .review
                    path.append((.abilityTest, next, .scoreAbilityTest, "reviewer"))
                    at = next
                }
                if o.end == .rejected && at != .rejected { path.append((at, .rejected, .reject, "reviewer")) }
                if o.end == .certified {
                    if o.type.decidedByPrefecture {
                        path.append((.review, .forwarded, .forward, "reviewer"))
                        path.append((.forwarded, .approved, .approve, "prefecture"))
                    } else {
                        path.append((.review, .approved, .approve, "reviewer"))
                    }
                    path.append((.approved, .noticed, .approve, o.type.decidedByPrefecture ? "prefecture" : "reviewer"))
                    path.append((.noticed, .certified, .issueCertificate, o.type.decidedByPrefecture ? "prefecture" : "reviewer"))
                }
            }
            // Days spent in each state before the next step, as a county's year goes.
            let dwell: [CertState: Double] = [.submitted: 5, .abilityTest: 9, .review: 13, .forwarded: 6, .approved: 2, .noticed: 8]
            var when = submitted
            for (from, to, event, actor) in path {
                when += (dwell[from] ?? 0) * day + Double(i % 5) * 3600 * 7
                let isNotice = from == .approved && to == .noticed
                // The notice and the certificate on the days the notice and the certificate carry
                // (10:00 Beijing time), so the record and the printed certificate agree.
                if isNotice { when = Double(closesClosed.adding(days: 22).daysSinceEpoch) * day + 2 * 3600 }
                if event == .issueCertificate { when = Double(issuedOn.daysSinceEpoch) * day + 2 * 3600 + Double(i) * 60 }
                try await history(id, from, to, isNotice ? "notice" : event.rawValue, actor, when, to == .rejected ? o.reason?.zh : nil)
            }
            // A few accepted applications' archive folders never reached the office (the seed's
            // summary: the folders' count did not match the applicants').
            if o.end != .withdrawn && i % 16 != 9 { try await folder(id, year: closesClosed.year, receivedOn: closesClosed.adding(days: -10)) }
            if o.end == .certified {
                let body = o.type.decidedByPrefecture ? w.prefecture : w.county
                serial[body, default: 0] += 1
                let code = o.type.decidedByPrefecture ? "13040" : "13481"
                let number = CertificateNumber.make(year: issuedOn.year, bodyCode: code, type: o.type, gender: Gender(rawValue: gender) ?? .female, serial: serial[body]!)
                try await db.sql.insert(into: "cert_notice_entries").columns("notice_id", "application_id").values(SQLBind(noticeIds[o.type.decidedByPrefecture]!), SQLBind(id)).run()
                try await db.sql.insert(into: "certificates").columns("number", "application_id", "body_id", "year", "serial", "name", "resident_id", "type", "subject", "issued_on")
                    .values(SQLBind(number), SQLBind(id), SQLBind(body), SQLBind(issuedOn.year), SQLBind(serial[body]!), SQLBind(name), SQLBind(rid),
                            SQLBind(o.type.rawValue), SQLBind(subject.rawValue), SQLBind(issuedOn.description)).run()
            }
        }
        for (body, last) in serial {
            try await db.sql.insert(into: "cert_serials").columns("body_id", "year", "last").values(SQLBind(body), SQLBind(issuedOn.year), SQLBind(last)).run()
        }

        // The open window: applications at every stage, applicant1's among them.
        let openStart = Double(today.adding(days: -18).daysSinceEpoch) * day
        let stages: [(CertState, CertType, CertRoute)] = [
            (.deficient, .primary, .nationalExam),                                   // applicant1: the physical examination is missing
            (.submitted, .primary, .nationalExam), (.submitted, .junior, .nationalExam), (.submitted, .kindergarten, .nationalExam),
            (.submitted, .senior, .nationalExam), (.submitted, .junior, .twoExams),
            (.abilityTest, .primary, .twoExams), (.abilityTest, .junior, .twoExams),
            (.review, .primary, .nationalExam), (.review, .junior, .nationalExam), (.review, .senior, .nationalExam), (.review, .vocational, .nationalExam),
            (.forwarded, .senior, .nationalExam), (.approved, .junior, .nationalExam), (.approved, .primary, .nationalExam),
        ]
        for (i, (state, type, route)) in stages.enumerated() {
            var (name, rid, gender) = person()
            if i == 0 { name = "申请人一" }
            let submitted = openStart + Double(i) * 7200
            let id = try await db.sql.insert(into: "cert_applications")
                .columns("window_id", "user_id", "name", "resident_id", "gender", "phone", "type", "subject", "education", "normal_graduate", "putonghua", "route",
                         "exam_passed_on", "physical_exam", "township", "state", "version", "correction_due", "created_at", "updated_at", "submitted_at")
                .values(SQLBind(w.open), SQLBind(i == 0 ? applicantUserId : nil), SQLBind(name), SQLBind(rid), SQLBind(gender), SQLBind("13\(rng.int(100_000_000...999_999_999))"),
                        SQLBind(type.rawValue), SQLBind(Self.subject([Subject.math, .chinese, .english][i % 3], for: type).rawValue), SQLBind(type == .senior || type == .vocational ? "bachelor" : "junior_college"),
                        SQLBind(false), SQLBind(i % 3 == 1 ? "2A" : "2B"), SQLBind(route.rawValue), SQLBind(today.adding(days: -400).description),
                        SQLBind(i == 0 ? "pending" : "pass"), SQLBind(false), SQLBind(state.rawValue), SQLBind(3),
                        SQLBind(i == 0 ? today.adding(days: 7).description : nil), SQLBind(submitted), SQLBind(submitted), SQLBind(submitted))
                .returning("id").first(decoding: Id.self)!.id
            try await history(id, .draft, .submitted, "submit", i == 0 ? "applicant1" : "applicant", submitted)
            // Uploaded documents: all of them, except applicant1's physical examination report.
            if let store {
                let pdf = try store.put(demoPDF), png = try store.put(demoPNG)
                for kind in CertDocumentKind.required(for: route) where !(i == 0 && kind == .physicalExam) {
                    let photo = kind == .photo
                    try await db.sql.insert(into: "cert_documents").columns("application_id", "kind", "sha256", "media_type", "size", "filename", "uploaded_by", "uploaded_at")
                        .values(SQLBind(id), SQLBind(kind.rawValue), SQLBind(photo ? png : pdf), SQLBind(photo ? "image/png" : "application/pdf"),
                                SQLBind(photo ? demoPNG.count : demoPDF.count), SQLBind("\(kind.zh).\(photo ? "png" : "pdf")"), SQLBind(i == 0 ? "applicant1" : "applicant"),
                                SQLBind(submitted - 600)).run()
                }
            }
            if state != .submitted {
                let (event, reason): (CertEvent, String?) = state == .deficient ? (.requestCorrection, "补正期限 \(today.adding(days: 7))：请补交指定医院的体检结论") : (.accept, nil)
                try await history(id, .submitted, state == .deficient ? .deficient : (route == .twoExams ? .abilityTest : .review), event.rawValue, "reviewer", submitted + day * 3, reason)
                if state != .deficient { try await folder(id, year: today.year, receivedOn: today.adding(days: -15)) }
                if state == .forwarded || state == .approved {
                    try await history(id, .review, state, state == .forwarded ? "forward" : "approve", "reviewer", submitted + day * 6)
                }
            }
        }
        // Two approved in the open window whose notice ran out last week with no objection: their
        // certificates are ready to issue (a primary by the county, a senior by the prefecture).
        for (k, type) in [CertType.primary, .senior].enumerated() {
            let (name, rid, gender) = person()
            let submitted = openStart + Double(k) * 3600
            let prefecture = type.decidedByPrefecture
            let id = try await db.sql.insert(into: "cert_applications")
                .columns("window_id", "user_id", "name", "resident_id", "gender", "phone", "type", "subject", "education", "normal_graduate", "putonghua", "route",
                         "exam_passed_on", "physical_exam", "township", "state", "version", "created_at", "updated_at", "submitted_at", "decided_at")
                .values(SQLBind(w.open), SQLBind(Int?.none), SQLBind(name), SQLBind(rid), SQLBind(gender), SQLBind("13\(rng.int(100_000_000...999_999_999))"),
                        SQLBind(type.rawValue), SQLBind(Subject.math.rawValue), SQLBind("bachelor"), SQLBind(false), SQLBind("2A"), SQLBind("national_exam"),
                        SQLBind(today.adding(days: -400).description), SQLBind("pass"), SQLBind(false), SQLBind("noticed"), SQLBind(6),
                        SQLBind(submitted), SQLBind(submitted), SQLBind(submitted), SQLBind(submitted + day * 5))
                .returning("id").first(decoding: Id.self)!.id
            var path: [(CertState, CertState, String, String)] = [(.draft, .submitted, "submit", "applicant"), (.submitted, .review, "accept", "reviewer")]
            path += prefecture ? [(.review, .forwarded, "forward", "reviewer"), (.forwarded, .approved, "approve", "prefecture")] : [(.review, .approved, "approve", "reviewer")]
            path.append((.approved, .noticed, "notice", prefecture ? "prefecture" : "reviewer"))
            for (n, (from, to, event, actor)) in path.enumerated() {
                try await history(id, from, to, event, actor, submitted + Double(n) * day * 1.5, event == "notice" ? "公示 \(today.adding(days: -12)) 至 \(today.adding(days: -6))" : nil)
            }
            try await folder(id, year: today.year, receivedOn: today.adding(days: -16))
            let notice = try await db.sql.insert(into: "cert_notices").columns("window_id", "title", "from_on", "to_on", "created_by", "created_at")
                .values(SQLBind(w.open), SQLBind(prefecture ? "高级中学教师资格认定拟通过人员公示" : "教师资格认定拟通过人员公示"),
                        SQLBind(today.adding(days: -12).description), SQLBind(today.adding(days: -6).description), SQLBind(prefecture ? "prefecture" : "reviewer"),
                        SQLBind(Double(today.adding(days: -12).daysSinceEpoch) * day))
                .returning("id").first(decoding: Id.self)!.id
            try await db.sql.insert(into: "cert_notice_entries").columns("notice_id", "application_id").values(SQLBind(notice), SQLBind(id)).run()
        }
        try await CertStateTimes.rebuild(on: db)
        try await Audit.record(on: db, AuditContext.system("seed"), action: "seed.certification", entity: "cert_application", entityId: "-", summary: "示范认定申请 \(outcomes.count + stages.count) 份")
    }
}
