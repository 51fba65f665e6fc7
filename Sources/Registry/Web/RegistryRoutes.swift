import XuequKit

/// The registry's pages: each case registers its route and builds its links.
public enum RegistryRoute: String, RouteName {
    public static let module = "registry"
    case districts = "districts"
    case district = "districts/:id"
    case schools = "schools"
    case schoolsExport = "schools/export"
    case schoolNew = "schools/new"
    case school = "schools/:id"
    case schoolEdit = "schools/:id/edit"
    case schoolMerge = "schools/:id/merge"
    case schoolConditions = "schools/:id/conditions"
    case teachers = "teachers"
    case teachersExport = "teachers/export"
    case departures = "teachers/departures"
    case teacherNew = "teachers/new"
    case teacher = "teachers/:id"
    case teacherEdit = "teachers/:id/edit"
    case teacherTransfer = "teachers/:id/transfer"
    case imports = "imports"
    case importTemplate = "imports/template/:kind"
    case importRun = "imports/:kind"
}

/// The registry's JSON API under `/api/v1`.
public enum RegistryAPIRoute: String, RouteName {
    public static let module = "registryAPI"
    public static let prefix = "api/v1"
    case districts = "districts"
    case schools = "schools"
    case school = "schools/:id"
    case schoolConditions = "schools/:id/conditions"
    case schoolMerge = "schools/:id/merge"
    case teachers = "teachers"
    case teacher = "teachers/:id"
    case teacherTransfers = "teachers/:id/transfers"
    case importTeachers = "imports/teachers"
    case importSchools = "imports/schools"
    case importConditions = "imports/conditions"
    case areas = "areas"
}
