import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// The teaching pages (`TeachingRoute`) and the lesson-plan API's routes (`TeachingAPIRoute`).
public enum TeachingRoute: String, RouteName {
    public static let module = "teaching"
    case home = "teaching"
    case create = "teaching/plans"
    case plan = "teaching/plans/:id"
    case edit = "teaching/plans/:id/edit"
    case derive = "teaching/plans/:id/derive"
    case events = "teaching/plans/:id/events"
    case restore = "teaching/plans/:id/restore"
    case groups = "teaching/groups"
    case modelLessons = "teaching/model-lessons"
    case modelSelect = "teaching/model-lessons/:id/select"
    /// The county's list of model lessons, public.
    case publicModels = "model-lessons"
    case training = "teaching/training"
    case enrol = "teaching/training/:id/enrol"
    case attendance = "teaching/training/:id/attendance"
    case hours = "teaching/training/hours"
    case research = "teaching/research"
    case researchers = "teaching/research/:id/staff"
    case researcherRemove = "teaching/research/:id/staff/:teacher/remove"
    case activities = "teaching/activities"
    case activity = "teaching/activities/:id"
    case activityRecord = "teaching/activities/:id/record"
    case observe = "teaching/activities/:id/observe"
    case activityAttachments = "teaching/activities/:id/attachments"
    case planAttachments = "teaching/plans/:id/attachments"
    case attachment = "teaching/attachments/:id"
    case attachmentRemove = "teaching/attachments/:id/remove"
    case compare = "teaching/plans/:id/compare"
    case calendar = "teaching/calendar"
    case calendarFeed = "teaching/calendar/feed"
    /// A teacher's calendar as iCalendar, behind a secret address (no session).
    case publicFeed = "calendar/:token"
}

/// CONTRACT "Lesson plans".
public enum TeachingAPIRoute: String, RouteName {
    public static let module = "teachingAPI"
    public static let prefix = "api/v1"
    case plans = "lesson-plans"
    case plan = "lesson-plans/:id"
    case derive = "lesson-plans/:id/derive"
    case diff = "lesson-plans/:id/diff"
    case events = "lesson-plans/:id/events"
}
