import Foundation
import Testing
import XuequTestSupport
import Vapor
@testable import XuequApp

/// Each module's rows of the authorization matrix, beyond the first ones in
/// `AuthorizationMatrixTests`. Objects are in someone else's scope (district D2) or do not exist
/// (id 999): callers who may not use the route get 403 before anything is looked up; callers who
/// may get 404 or 422, and nothing is written.
extension AuthorizationMatrixTests {
    static let registryWriters: [String: UInt] = ["admin": 422, "d1": 422, "s1": 422]

    static func registryAPICases(_ f: Fixture) -> [Case] {
        let otherSchool = f.schools["T0003"]!
        return [
            Case(method: .GET, path: "/api/v1/schools/\(otherSchool)/conditions", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .POST, path: "/api/v1/imports/teachers", body: { _, _ in [:] }, expect: registryWriters, otherwise: 403),
            Case(method: .POST, path: "/api/v1/imports/schools", body: { _, _ in [:] }, expect: ["admin": 422, "d1": 422], otherwise: 403),
            Case(method: .POST, path: "/api/v1/imports/conditions", body: { _, _ in [:] }, expect: registryWriters, otherwise: 403),
        ]
    }

    static func certificationAPICases(_ f: Fixture) -> [Case] {
        let reviewers: [String: UInt] = ["admin": 404, "reviewer": 404, "prefecture": 404]
        let county: [String: UInt] = ["admin": 404, "reviewer": 404]
        let own: [String: UInt] = ["admin": 404, "reviewer": 404, "prefecture": 404, "applicant": 404]
        return [
            Case(method: .GET, path: "/api/v1/certification/applications/999", body: nil, expect: own, otherwise: 403),
            Case(method: .PUT, path: "/api/v1/certification/applications/999", body: { _, _ in ["version": 1] }, expect: own, otherwise: 403),
            Case(method: .POST, path: "/api/v1/certification/applications/999/events", body: { _, _ in ["event": "submit", "version": 1] }, expect: own, otherwise: 403),
            Case(method: .GET, path: "/api/v1/certification/applications/999/documents", body: nil, expect: own, otherwise: 403),
            Case(method: .POST, path: "/api/v1/certification/applications/999/documents?kind=photo", body: { _, _ in [:] }, expect: own, otherwise: 403),
            Case(method: .GET, path: "/api/v1/certification/applications/999/documents/photo", body: nil, expect: own, otherwise: 403),
            Case(method: .POST, path: "/api/v1/certification/applications/999/ability-scores", body: { _, _ in ["score": 80] }, expect: county, otherwise: 403),
            Case(method: .POST, path: "/api/v1/certification/applications/999/physical-exam", body: { _, _ in ["physicalExam": "pass", "version": 1] }, expect: own, otherwise: 403),
            Case(method: .POST, path: "/api/v1/certification/notices", body: { _, _ in ["applicationIds": [999], "days": 7] }, expect: reviewers, otherwise: 403),
            Case(method: .POST, path: "/api/v1/certification/objections/999", body: { _, _ in ["resolution": "dismissed"] }, expect: reviewers, otherwise: 403),
            // Public: the notice, objections to it, the certificate check.
            Case(method: .GET, path: "/api/v1/certification/notices/999", body: nil, expect: [:], otherwise: 404, anonymous: 404),
            Case(method: .POST, path: "/api/v1/certification/notices/999/objections", body: { _, _ in ["applicationId": 1, "reason": "材料造假", "contact": "13800001234"] },
                 expect: [:], otherwise: 404, anonymous: 404),
            Case(method: .GET, path: "/api/v1/certificates/verify?number=20261348121000001&name=张三", body: nil, expect: [:], otherwise: 404, anonymous: 404),
        ]
    }

    static let exchangeReaders: [String: UInt] = ["admin": 200, "d1": 200, "d2": 200, "s1": 200, "s3": 200]

    static func exchangeAPICases(_ f: Fixture) -> [Case] {
        let d2 = f.districts["D2"]!
        let readers404: [String: UInt] = ["admin": 404, "d1": 404, "d2": 404, "s1": 404, "s3": 404]
        return [
            Case(method: .GET, path: "/api/v1/exchange/eligible?district=\(d2)", body: nil, expect: ["admin": 200, "d2": 200, "s3": 200], otherwise: 403),
            Case(method: .POST, path: "/api/v1/exchange/plans/suggest", body: { _, _ in ["year": 2027, "district": d2] }, expect: ["admin": 200, "d2": 200], otherwise: 403),
            Case(method: .GET, path: "/api/v1/exchange/plans", body: nil, expect: exchangeReaders, otherwise: 403),
            Case(method: .POST, path: "/api/v1/exchange/plans", body: { _, _ in ["year": 2027, "district": d2, "moves": [["teacherId": 999, "toSchoolId": 999]]] },
                 expect: ["admin": 422, "d2": 422], otherwise: 403),
            Case(method: .GET, path: "/api/v1/exchange/plans/999", body: nil, expect: readers404, otherwise: 403),
            Case(method: .PUT, path: "/api/v1/exchange/plans/999", body: { _, _ in ["version": 1, "moves": []] }, expect: readers404, otherwise: 403),
            Case(method: .POST, path: "/api/v1/exchange/plans/999/events", body: { _, _ in ["event": "submit", "version": 1] }, expect: readers404, otherwise: 403),
            Case(method: .POST, path: "/api/v1/exchange/plans/999/stale", body: { _, _ in ["version": 1] }, expect: readers404, otherwise: 403),
            Case(method: .POST, path: "/api/v1/exchange/moves/999/assessments", body: { _, _ in ["rating": "competent", "comments": "好"] },
                 expect: ["admin": 404, "s1": 404, "s3": 404], otherwise: 403),
            Case(method: .POST, path: "/api/v1/exchange/moves/999/extend", body: { _, _ in ["returnsOn": "2028-07-15"] }, expect: ["admin": 404, "d1": 404, "d2": 404], otherwise: 403),
            Case(method: .GET, path: "/api/v1/exchange/itinerant/timetable?district=\(d2)", body: nil, expect: ["admin": 200, "d2": 200, "s3": 200], otherwise: 403),
        ]
    }

    static func exchangePageCases(_ f: Fixture) -> [Case] {
        let d2 = f.districts["D2"]!
        let readers404: [String: UInt] = ["admin": 404, "d1": 404, "d2": 404, "s1": 404, "s3": 404]
        return [
            Case(method: .GET, path: "/exchange", body: nil, expect: exchangeReaders, otherwise: 403),
            Case(method: .GET, path: "/exchange/eligible?district=\(d2)", body: nil, expect: ["admin": 200, "d2": 200, "s3": 200], otherwise: 403),
            Case(method: .GET, path: "/exchange/teachers/\(f.teachers["丁"]!)", body: nil, expect: ["admin": 200, "d2": 200, "s3": 200, "d1": 404, "s1": 404], otherwise: 403),
            Case(method: .GET, path: "/exchange/me", body: nil, expect: ["t1": 200], otherwise: 403),
            Case(method: .GET, path: "/exchange/plans/new?district=\(d2)", body: nil, expect: ["admin": 200, "d2": 200], otherwise: 403),
            Case(method: .POST, path: "/exchange/plans/new", body: form(["district": String(d2), "year": "2027"]), expect: ["admin": 422, "d2": 422], otherwise: 403),
            Case(method: .GET, path: "/exchange/plans/999", body: nil, expect: readers404, otherwise: 403),
            Case(method: .GET, path: "/exchange/plans/999/edit", body: nil, expect: readers404, otherwise: 403),
            Case(method: .POST, path: "/exchange/plans/999/edit", body: form(), expect: ["admin": 404, "d1": 404, "d2": 404], otherwise: 403),
            Case(method: .POST, path: "/exchange/plans/999/events", body: form(["event": "submit", "version": "1"]), expect: readers404, otherwise: 403),
            Case(method: .POST, path: "/exchange/plans/999/stale", body: form(["version": "1"]), expect: readers404, otherwise: 403),
            Case(method: .GET, path: "/exchange/rules", body: nil, expect: exchangeReaders, otherwise: 403),
            // The bureau's: an empty form is 422 (every field named); nobody else gets as far.
            Case(method: .POST, path: "/exchange/rules", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .GET, path: "/exchange/moves/999", body: nil, expect: readers404.merging(["t1": 404]) { a, _ in a }, otherwise: 403),
            Case(method: .POST, path: "/exchange/moves/999/assessment", body: form(["rating": "competent"]), expect: ["admin": 404, "s1": 404, "s3": 404], otherwise: 403),
            Case(method: .POST, path: "/exchange/moves/999/extend", body: form(["returnsOn": "2028-07-15"]), expect: ["admin": 404, "d1": 404, "d2": 404], otherwise: 403),
            Case(method: .GET, path: "/exchange/alliances", body: nil, expect: exchangeReaders, otherwise: 403),
            Case(method: .POST, path: "/exchange/alliances", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .GET, path: "/exchange/alliances/999", body: nil, expect: readers404, otherwise: 403),
            Case(method: .POST, path: "/exchange/alliances/999/terms", body: form(["term": "2026秋"]), expect: readers404, otherwise: 403),
            Case(method: .POST, path: "/exchange/alliances/999/scores", body: form(["year": "2026"]), expect: ["admin": 404], otherwise: 403),
            Case(method: .GET, path: "/exchange/itinerant?district=\(d2)", body: nil, expect: ["admin": 200, "d2": 200, "s3": 200], otherwise: 403),
            Case(method: .POST, path: "/exchange/itinerant/teachers?district=\(d2)", body: form(), expect: ["admin": 422, "d2": 422], otherwise: 403),
            Case(method: .POST, path: "/exchange/itinerant/demand?district=\(d2)", body: form(["d_999:music": "3"]), expect: ["admin": 422, "d2": 422], otherwise: 403),
            Case(method: .POST, path: "/exchange/itinerant/travel?district=\(d2)", body: form(), expect: ["admin": 303, "d2": 303], otherwise: 403),
        ]
    }

    /// Everyone with an internship key: the bureau, the supervisor, a mentor (teacher), host schools, the intern.
    static let internshipRoles404: [String: UInt] = ["admin": 404, "supervisor": 404, "t1": 404, "s1": 404, "s3": 404, "intern": 404]

    static func internshipAPICases(_ f: Fixture) -> [Case] {
        // The fixture's intern account is in no batch: its own writes answer 409 "not enrolled".
        [
            Case(method: .POST, path: "/api/v1/internship/lesson-plans", body: { _, _ in ["title": ""] }, expect: ["intern": 409], otherwise: 403),
            Case(method: .GET, path: "/api/v1/internship/lesson-plans/999", body: nil, expect: internshipRoles404, otherwise: 403),
            Case(method: .PUT, path: "/api/v1/internship/lesson-plans/999", body: { _, _ in ["content": "x", "version": 1] }, expect: ["intern": 409], otherwise: 403),
            Case(method: .POST, path: "/api/v1/internship/lesson-plans/999/approve", body: nil, expect: internshipRoles404, otherwise: 403),
            Case(method: .POST, path: "/api/v1/internship/trial-lectures", body: { _, _ in ["lessonPlanId": 999, "passed": true] }, expect: ["supervisor": 404], otherwise: 403),
            Case(method: .POST, path: "/api/v1/internship/teaching-records", body: { _, _ in ["lessonPlanId": 999, "date": "2026-09-16"] }, expect: ["intern": 409], otherwise: 403),
        ]
    }

    static func internshipPageCases(_ f: Fixture) -> [Case] {
        let roles200: [String: UInt] = ["admin": 200, "supervisor": 200, "t1": 200, "s1": 200, "s3": 200, "intern": 200]
        return [
            Case(method: .GET, path: "/internship", body: nil, expect: roles200, otherwise: 403),
            Case(method: .GET, path: "/internship/setup", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .POST, path: "/internship/universities", body: form(), expect: ["admin": 303], otherwise: 403),
            Case(method: .POST, path: "/internship/batches", body: form(), expect: ["admin": 303], otherwise: 403),
            Case(method: .GET, path: "/internship/batches/999", body: nil, expect: ["admin": 404], otherwise: 403),
            Case(method: .POST, path: "/internship/batches/999/groups", body: form(), expect: ["admin": 404], otherwise: 403),
            Case(method: .POST, path: "/internship/batches/999/capacity", body: form(), expect: ["admin": 404], otherwise: 403),
            Case(method: .POST, path: "/internship/batches/999/import", body: form(), expect: ["admin": 303], otherwise: 403),
            Case(method: .POST, path: "/internship/batches/999/assign", body: form(), expect: ["admin": 404], otherwise: 403),
            Case(method: .GET, path: "/internship/batches/999/export", body: nil, expect: ["admin": 404], otherwise: 403),
            Case(method: .GET, path: "/internship/interns/999", body: nil, expect: internshipRoles404, otherwise: 403),
            Case(method: .POST, path: "/internship/interns/999/place", body: form(), expect: internshipRoles404, otherwise: 403),
            Case(method: .POST, path: "/internship/interns/999/appraise", body: form(["field": "summary", "text": "x"]), expect: internshipRoles404, otherwise: 403),
            Case(method: .POST, path: "/internship/interns/999/grade", body: form(), expect: ["supervisor": 404], otherwise: 403),
            Case(method: .GET, path: "/internship/interns/999/appraisal", body: nil, expect: internshipRoles404, otherwise: 403),
            Case(method: .POST, path: "/internship/records", body: form(["kind": "observation", "date": "2026-09-16", "topic": "x"]), expect: ["intern": 303], otherwise: 403),
            Case(method: .POST, path: "/internship/plans", body: form(), expect: ["intern": 409], otherwise: 403),
            Case(method: .GET, path: "/internship/plans/999", body: nil, expect: internshipRoles404, otherwise: 403),
            Case(method: .POST, path: "/internship/plans/999/revise", body: form(), expect: ["intern": 303], otherwise: 403),
            Case(method: .POST, path: "/internship/plans/999/approve", body: form(), expect: internshipRoles404, otherwise: 403),
            Case(method: .POST, path: "/internship/plans/999/comments", body: form(["text": "x"]), expect: internshipRoles404, otherwise: 403),
            Case(method: .POST, path: "/internship/plans/999/trial", body: form(["passed": "1"]), expect: ["supervisor": 404], otherwise: 403),
            Case(method: .POST, path: "/internship/groups/999/summary", body: form(["text": "x"]), expect: ["supervisor": 404], otherwise: 403),
        ]
    }

    static let teachingReaders: [String: UInt] = ["admin": 200, "d1": 200, "d2": 200, "s1": 200, "s3": 200, "t1": 200]
    static let teachingReaders404: [String: UInt] = ["admin": 404, "d1": 404, "d2": 404, "s1": 404, "s3": 404, "t1": 404]
    static let teachingOffices404: [String: UInt] = ["admin": 404, "d1": 404, "d2": 404, "s1": 404, "s3": 404]

    static func teachingAPICases(_ f: Fixture) -> [Case] {
        [
            Case(method: .GET, path: "/api/v1/lesson-plans", body: nil, expect: teachingReaders, otherwise: 403),
            Case(method: .POST, path: "/api/v1/lesson-plans", body: { _, _ in ["kind": "personal", "title": ""] }, expect: ["t1": 422], otherwise: 403),
            Case(method: .GET, path: "/api/v1/lesson-plans/999", body: nil, expect: teachingReaders404, otherwise: 403),
            Case(method: .PUT, path: "/api/v1/lesson-plans/999", body: { _, _ in ["sections": [:], "version": 1] }, expect: ["t1": 404], otherwise: 403),
            Case(method: .POST, path: "/api/v1/lesson-plans/999/derive", body: nil, expect: ["t1": 404], otherwise: 403),
            Case(method: .GET, path: "/api/v1/lesson-plans/999/diff", body: nil, expect: teachingReaders404, otherwise: 403),
            Case(method: .POST, path: "/api/v1/lesson-plans/999/events", body: { _, _ in ["event": "submit"] }, expect: teachingReaders404, otherwise: 403),
        ]
    }

    static func teachingPageCases(_ f: Fixture) -> [Case] {
        [
            Case(method: .GET, path: "/teaching", body: nil, expect: teachingReaders, otherwise: 403),
            Case(method: .POST, path: "/teaching/plans", body: form(), expect: ["t1": 303], otherwise: 403),
            Case(method: .GET, path: "/teaching/plans/999", body: nil, expect: teachingReaders404, otherwise: 403),
            Case(method: .GET, path: "/teaching/plans/999/edit", body: nil, expect: teachingReaders404, otherwise: 403),
            Case(method: .POST, path: "/teaching/plans/999/edit", body: form(), expect: ["t1": 404], otherwise: 403),
            Case(method: .POST, path: "/teaching/plans/999/derive", body: form(), expect: ["t1": 404], otherwise: 403),
            Case(method: .POST, path: "/teaching/plans/999/events", body: form(["event": "submit"]), expect: teachingReaders404, otherwise: 403),
            Case(method: .POST, path: "/teaching/plans/999/restore", body: form(["to": "1"]), expect: ["t1": 404], otherwise: 403),
            Case(method: .GET, path: "/teaching/groups", body: nil, expect: teachingReaders, otherwise: 403),
            Case(method: .POST, path: "/teaching/groups", body: form(), expect: ["admin": 422, "d1": 422, "d2": 422, "s1": 422, "s3": 422], otherwise: 403),
            Case(method: .GET, path: "/teaching/model-lessons", body: nil, expect: teachingReaders, otherwise: 403),
            Case(method: .POST, path: "/teaching/model-lessons", body: form(["planId": "999", "teachingOn": "2026-12-01"]), expect: ["t1": 404], otherwise: 403),
            Case(method: .POST, path: "/teaching/model-lessons/999/select", body: form(), expect: ["admin": 404, "d1": 404, "d2": 404, "s1": 404, "s3": 404], otherwise: 403),
            Case(method: .GET, path: "/model-lessons", body: nil, expect: [:], otherwise: 200, anonymous: 200),
            Case(method: .GET, path: "/teaching/training", body: nil, expect: teachingReaders, otherwise: 403),
            Case(method: .POST, path: "/teaching/training", body: form(), expect: ["admin": 303], otherwise: 403),
            Case(method: .POST, path: "/teaching/training/999/enrol", body: form(["schools": "T0001"]), expect: ["admin": 404], otherwise: 403),
            Case(method: .POST, path: "/teaching/training/999/attendance", body: form(), expect: ["admin": 404], otherwise: 403),
            Case(method: .GET, path: "/teaching/training/hours", body: nil, expect: teachingReaders, otherwise: 403),
            Case(method: .GET, path: "/teaching/research", body: nil, expect: teachingReaders, otherwise: 403),
            Case(method: .POST, path: "/teaching/research", body: form(), expect: ["admin": 303], otherwise: 403),
            Case(method: .POST, path: "/teaching/research/999/staff", body: form(["teacherId": "1"]), expect: teachingOffices404, otherwise: 403),
            Case(method: .POST, path: "/teaching/research/999/staff/1/remove", body: form(), expect: teachingOffices404, otherwise: 403),
            Case(method: .GET, path: "/teaching/activities", body: nil, expect: teachingReaders, otherwise: 403),
            Case(method: .POST, path: "/teaching/activities", body: form(), expect: ["admin": 303, "d1": 303, "d2": 303, "s1": 303, "s3": 303], otherwise: 403),
            Case(method: .GET, path: "/teaching/activities/999", body: nil, expect: teachingReaders404, otherwise: 403),
            Case(method: .POST, path: "/teaching/activities/999/record", body: form(), expect: teachingReaders404, otherwise: 403),
            Case(method: .GET, path: "/teaching/activities/999/observe", body: nil, expect: teachingReaders404, otherwise: 403),
            Case(method: .POST, path: "/teaching/activities/999/observe", body: form(), expect: teachingReaders404, otherwise: 403),
            Case(method: .POST, path: "/teaching/activities/999/attachments", body: form(), expect: teachingReaders404, otherwise: 403),
            Case(method: .POST, path: "/teaching/plans/999/attachments", body: form(), expect: teachingReaders404, otherwise: 403),
            Case(method: .GET, path: "/teaching/attachments/999", body: nil, expect: teachingReaders404, otherwise: 403),
            Case(method: .POST, path: "/teaching/attachments/999/remove", body: form(), expect: teachingReaders404, otherwise: 403),
            Case(method: .GET, path: "/teaching/plans/999/compare", body: nil, expect: teachingReaders404, otherwise: 403),
            Case(method: .GET, path: "/teaching/calendar", body: nil, expect: teachingReaders, otherwise: 403),
            Case(method: .POST, path: "/teaching/calendar/feed", body: form(), expect: ["admin": 303, "d1": 303, "d2": 303, "s1": 303, "s3": 303, "t1": 303], otherwise: 403),
            // The feed's secret address is its only key: an unknown one is 404 for everyone.
            Case(method: .GET, path: "/calendar/not-a-valid-feed-token.ics", body: nil, expect: [:], otherwise: 404, anonymous: 404),
        ]
    }

    static func platformAPICases(_ f: Fixture) -> [Case] {
        [
            // Signing in: a wrong password is 401 for everyone (whoever is already signed in).
            Case(method: .POST, path: "/api/v1/session", body: { _, _ in ["username": "nobody", "password": "wrong-password"] }, expect: [:], otherwise: 401, anonymous: 401),
            // Signing out ends the token, so it comes last.
            Case(method: .DELETE, path: "/api/v1/session", body: nil, expect: [:], otherwise: 204),
        ]
    }

    static func registryPageCases(_ f: Fixture) -> [Case] {
        let otherSchool = f.schools["T0003"]!, otherTeacher = f.teachers["丁"]!
        return [
            Case(method: .POST, path: "/schools/new", body: form(), expect: ["admin": 422, "d1": 422], otherwise: 403),
            Case(method: .POST, path: "/schools/\(otherSchool)/edit", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/schools/\(otherSchool)/merge", body: form(["intoSchoolId": String(f.schools["T0001"]!), "mergedOn": "2999-01-01"]),
                 expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/schools/\(otherSchool)/conditions", body: form(["year": "x"]), expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/teachers/new", body: form(), expect: registryWriters, otherwise: 403),
            Case(method: .POST, path: "/teachers/\(otherTeacher)/edit", body: form(), expect: ["admin": 422, "d1": 404, "s1": 404], otherwise: 403),
            Case(method: .POST, path: "/imports/teachers", body: form(), expect: registryWriters, otherwise: 403),
        ]
    }

    static func balancePageCases(_ f: Fixture) -> [Case] {
        [
            Case(method: .POST, path: "/balance/rules", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/balance/rules/record", body: form(["year": "x"]), expect: ["admin": 303], otherwise: 403),
            Case(method: .POST, path: "/balance/equity", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/balance/aid", body: form(), expect: ["admin": 422, "d1": 422, "s1": 422], otherwise: 403),
        ]
    }

    static func certificationPageCases(_ f: Fixture) -> [Case] {
        let own: [String: UInt] = ["admin": 404, "reviewer": 404, "prefecture": 404, "applicant": 404]
        let reviewers: [String: UInt] = ["admin": 303, "reviewer": 303, "prefecture": 303]
        let noObjection: [String: UInt] = ["admin": 404, "reviewer": 404, "prefecture": 404]
        return [
            Case(method: .POST, path: "/certification/apply", body: form(), expect: ["admin": 422, "reviewer": 422, "applicant": 422], otherwise: 403),
            Case(method: .GET, path: "/certification/applications/999", body: nil, expect: own, otherwise: 403),
            Case(method: .POST, path: "/certification/applications/999/events", body: form(["event": "submit", "version": "1"]), expect: own, otherwise: 403),
            Case(method: .GET, path: "/certification/applications/999/certificate", body: nil, expect: own, otherwise: 403),
            Case(method: .GET, path: "/certification/applications/999/form", body: nil, expect: own, otherwise: 403),
            Case(method: .GET, path: "/certification/applications/999/edit", body: nil, expect: own, otherwise: 403),
            Case(method: .POST, path: "/certification/applications/999/edit", body: form(), expect: own, otherwise: 403),
            Case(method: .POST, path: "/certification/applications/999/documents", body: form(["kind": "photo"]), expect: own, otherwise: 403),
            Case(method: .GET, path: "/certification/applications/999/documents/photo", body: nil, expect: own, otherwise: 403),
            Case(method: .POST, path: "/certification/applications/999/scores", body: form(["score": "80"]), expect: ["admin": 404, "reviewer": 404], otherwise: 403),
            Case(method: .POST, path: "/certification/applications/999/physical-exam", body: form(["physicalExam": "pass", "version": "1"]),
                 expect: ["admin": 404, "reviewer": 404, "prefecture": 404, "applicant": 404], otherwise: 403),
            Case(method: .POST, path: "/certification/windows", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/certification/bodies", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/certification/rules", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/certification/notices", body: form(["days": "7"]), expect: reviewers, otherwise: 403),
            Case(method: .POST, path: "/certification/objections/999", body: form(["resolution": "dismissed"]), expect: noObjection, otherwise: 403),
            // Public pages: the notice, objections to it, the certificate check, registration.
            Case(method: .GET, path: "/notices/999", body: nil, expect: [:], otherwise: 404, anonymous: 404),
            Case(method: .POST, path: "/notices/999/objections", body: form(["reason": "x"]), expect: [:], otherwise: 404),
            Case(method: .GET, path: "/verify", body: nil, expect: [:], otherwise: 200, anonymous: 200),
            Case(method: .GET, path: "/register", body: nil, expect: [:], otherwise: 200, anonymous: 200),
            Case(method: .POST, path: "/register", body: form(), expect: [:], otherwise: 422),
        ]
    }

    /// Sign-in, language and sign-out come last: they change the session the rows above use.
    static func platformPageCases(_ f: Fixture) -> [Case] {
        let d2 = f.users["d2"]!
        return [
            Case(method: .GET, path: "/healthz", body: nil, expect: [:], otherwise: 200, anonymous: 200),
            // Metrics need the configured token or a loopback caller; the in-memory tester is neither.
            Case(method: .GET, path: "/metrics", body: nil, expect: [:], otherwise: 403, anonymous: 403),
            Case(method: .GET, path: "/admin/users/new", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .POST, path: "/admin/users/new", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/admin/users/\(d2)", body: form(), expect: ["admin": 422], otherwise: 403),
            Case(method: .POST, path: "/admin/users/\(d2)/reset", body: form(), expect: ["admin": 200], otherwise: 403),
            Case(method: .POST, path: "/account/password", body: form(), expect: [:], otherwise: 422),
            Case(method: .GET, path: "/login", body: nil, expect: [:], otherwise: 303, anonymous: 200),
            Case(method: .POST, path: "/login", body: form(["username": "nobody", "password": "wrong-password"]), expect: [:], otherwise: 401),
            Case(method: .POST, path: "/lang", body: form(["lang": "zh", "back": "/"]), expect: [:], otherwise: 303),
            Case(method: .POST, path: "/logout", body: form(), expect: [:], otherwise: 303),
        ]
    }

    /// The inspection is the bureau's; district and school offices see their own schools' page.
    static func inspectionAPICases(_ f: Fixture) -> [Case] {
        [
            Case(method: .GET, path: "/api/v1/inspection", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .GET, path: "/api/v1/inspection/report?format=docx", body: nil, expect: ["admin": 200], otherwise: 403),
            // The fixture has no year of conditions: the bureau is told so, nothing is written.
            Case(method: .PUT, path: "/api/v1/inspection/entries/G1", body: { _, _ in ["year": 2026, "met": "true"] }, expect: ["admin": 422], otherwise: 403),
            Case(method: .GET, path: "/api/v1/inspection/survey/rounds", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .POST, path: "/api/v1/inspection/survey/rounds", body: { _, _ in ["name": ""] }, expect: ["admin": 422], otherwise: 403),
            Case(method: .GET, path: "/api/v1/inspection/survey/rounds/999", body: nil, expect: ["admin": 404], otherwise: 403),
            Case(method: .POST, path: "/api/v1/inspection/survey/rounds/999/close", body: nil, expect: ["admin": 404], otherwise: 403),
        ]
    }

    static func inspectionPageCases(_ f: Fixture) -> [Case] {
        let otherSchool = f.schools["T0003"]!
        return [
            Case(method: .GET, path: "/inspection", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .GET, path: "/inspection/indicators/G3", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .GET, path: "/inspection/entries/G1", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .POST, path: "/inspection/entries/G1", body: form(), expect: ["admin": 303], otherwise: 403),
            Case(method: .GET, path: "/inspection/entries/G1/evidence?year=2026", body: nil, expect: ["admin": 404], otherwise: 403),
            Case(method: .GET, path: "/inspection/schools/\(otherSchool)", body: nil, expect: ["admin": 200, "d1": 404, "s1": 404], otherwise: 403),
            // A school office is sent to its own school's page.
            Case(method: .GET, path: "/inspection/schools", body: nil, expect: ["admin": 200, "d1": 200, "s1": 303], otherwise: 403),
            Case(method: .GET, path: "/inspection/schools?district=\(f.districts["D2"]!)", body: nil, expect: ["admin": 200, "s1": 303], otherwise: 403),
            Case(method: .GET, path: "/inspection/report", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .GET, path: "/inspection/rules", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .POST, path: "/inspection/rules", body: form(), expect: ["admin": 303], otherwise: 403),
            Case(method: .GET, path: "/inspection/survey", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .POST, path: "/inspection/survey", body: form(), expect: ["admin": 303], otherwise: 403),
            Case(method: .POST, path: "/inspection/survey/questions", body: form(), expect: ["admin": 303], otherwise: 403),
            Case(method: .GET, path: "/inspection/survey/rounds/999", body: nil, expect: ["admin": 404], otherwise: 403),
            Case(method: .POST, path: "/inspection/survey/rounds/999/close", body: form(), expect: ["admin": 404], otherwise: 403),
            Case(method: .GET, path: "/inspection/survey/rounds/999/codes?school=\(otherSchool)", body: nil, expect: ["admin": 404], otherwise: 403),
            // The questionnaire: no account; an unknown code is 404 for everyone.
            Case(method: .GET, path: "/survey/ZZZZZZZZ", body: nil, expect: [:], otherwise: 404, anonymous: 404),
            Case(method: .POST, path: "/survey/ZZZZZZZZ", body: form(["q1": "1"]), expect: [:], otherwise: 404),
        ]
    }

    /// The year's summary: the bureau's county, a district office's district.
    static func reportsAPICases(_ f: Fixture) -> [Case] {
        [
            // Above the counties only (the city and the province: CountyTests).
            Case(method: .GET, path: "/api/v1/reports/counties?year=2026", body: nil, expect: [:], otherwise: 403),
            Case(method: .GET, path: "/api/v1/reports/certification?year=2026", body: nil, expect: ["admin": 422, "reviewer": 422, "prefecture": 422], otherwise: 403),
            Case(method: .GET, path: "/api/v1/reports/internship/999", body: nil, expect: ["admin": 404, "supervisor": 404], otherwise: 403),
            Case(method: .GET, path: "/api/v1/reports/summary?year=2026", body: nil, expect: ["admin": 200, "d1": 200], otherwise: 403),
            Case(method: .GET, path: "/api/v1/reports/summary?year=2026&district=\(f.districts["D2"]!)", body: nil, expect: ["admin": 200], otherwise: 403),
        ]
    }

    static func reportsPageCases(_ f: Fixture) -> [Case] {
        [
            // The certification office's summary (the fixture's bodies have no window closed in the
            // year: 422, or back to the list with the reason) and an internship batch's (no such batch).
            Case(method: .GET, path: "/reports/counties", body: nil, expect: [:], otherwise: 403),
            Case(method: .GET, path: "/reports", body: nil, expect: ["admin": 200, "d1": 200, "reviewer": 200, "prefecture": 200], otherwise: 403),
            Case(method: .GET, path: "/reports/certification", body: nil, expect: ["admin": 422, "reviewer": 422, "prefecture": 422], otherwise: 403),
            Case(method: .POST, path: "/reports/certification/sections/overview?year=2026", body: form(["text": "{applied}"]), expect: ["admin": 303, "reviewer": 303, "prefecture": 303], otherwise: 403),
            Case(method: .POST, path: "/reports/certification/finalise?year=2026", body: form(), expect: ["admin": 303, "reviewer": 303, "prefecture": 303], otherwise: 403),
            Case(method: .GET, path: "/reports/internship/999", body: nil, expect: ["admin": 404, "supervisor": 404], otherwise: 403),
            Case(method: .POST, path: "/reports/internship/999/sections/overview", body: form(["text": "x"]), expect: ["admin": 404, "supervisor": 404], otherwise: 403),
            Case(method: .POST, path: "/reports/internship/999/finalise", body: form(), expect: ["admin": 404], otherwise: 403),
            Case(method: .GET, path: "/reports/summary", body: nil, expect: ["admin": 200, "d1": 200], otherwise: 403),
            Case(method: .GET, path: "/reports/summary?district=\(f.districts["D2"]!)", body: nil, expect: ["admin": 200], otherwise: 403),
            Case(method: .POST, path: "/reports/summary/sections/system", body: form(["text": "全县{districts}个学区"]), expect: ["admin": 303, "d1": 303], otherwise: 403),
            Case(method: .POST, path: "/reports/summary/sections/system?district=\(f.districts["D2"]!)", body: form(["text": "x"]), expect: ["admin": 303], otherwise: 403),
            Case(method: .POST, path: "/reports/summary/finalise", body: form(), expect: ["admin": 303, "d1": 303], otherwise: 403),
        ]
    }
}

