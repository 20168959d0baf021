import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// Choices of electronic or paper for a school year, on a page of the school: the principal
/// records the school's choice for a `choice: school` book; a teacher declares their own for a
/// `choice: teacher` book (or the principal for them). Each is one action that exempts, or
/// releases, every item concerned not yet acted on (`FormChoiceDecisions`, `FormChoiceStore`).
struct FormChoiceController: Sendable {
    let services: AppServices
    var store: FormChoiceStore {
        FormChoiceStore(database: services.database, logger: services.logger, clock: services.clock)
    }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.unitChoices) { request, context in try await self.page(request: request, context: context) }
        router.post(.unitChoices) { request, context in try await self.choose(request: request, context: context) }
    }

    func page(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let unit = try await UnitBrowser(services: services).authorize(
            actor, .viewUnit, code: try context.pathParameter("code"))
        let year = try await services.schoolYear(request, tenantID: actor.tenantID)
        let types =
            (try await services.ruleSets.latest(tenantID: actor.tenantID, schoolYear: year)?.ruleSet.types ?? [])
            .filter { $0.choice != .none && $0.applies(to: unit.schoolLevels) }
        let choices = try await store.choices(tenantID: actor.tenantID, unitID: unit.id, schoolYear: year)
        let roles = services.policy.roles(actor, covering: unit.ancestry)
        let mayChooseForOthers = services.policy.allows(actor, .chooseRecordForms, on: unit.position)
        let teachers = mayChooseForOthers ? try await store.teachers(tenantID: actor.tenantID, unitID: unit.id) : []
        let page = ChoicesPage.build(
            unit: unit, year: year, types: types, choices: choices, actor: actor, isTeacher: roles.contains(.teacher),
            mayChooseForOthers: mayChooseForOthers, teachers: teachers, language: context.language,
            localizer: services.localizer)
        return services.renderer.render(
            .choices, page, context: context, request: request,
            title: services.localizer.text("choices.title", context.language))
    }

    func choose(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let code = try context.pathParameter("code")
        let form = try await request.decodeForm()
        let unit = try await UnitBrowser(services: services).authorize(actor, .viewUnit, code: code)
        var year = form["year"] ?? ""
        if year.isEmpty { year = try await services.schoolYear(request, tenantID: actor.tenantID) }
        guard let chosen = RecordForm(rawValue: form["form"] ?? "") else { throw HosoError("choice.bad_form") }
        var teacher: Int64?
        switch form["scope"] ?? "school" {
        case "school": teacher = nil
        case "self": teacher = actor.userID
        case "teacher":
            guard let id = form["teacher"].flatMap({ Int64($0) }), id > 0 else {
                throw HosoError("choice.unknown_teacher")
            }
            teacher = id
        default: throw HosoError("choice.bad_form")
        }
        _ = try await store.choose(
            actor, unit: unit, schoolYear: year, recordType: form["record_type"] ?? "", teacherUserID: teacher,
            form: chosen,
            reason: Normalize.nfc(form["reason"] ?? ""))
        return Response.redirect(to: SiteURL.unitChoices(code).path(query: [("year", year)]), type: .normal)
    }
}
