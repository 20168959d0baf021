import Foundation
import HosoCore
import HosoReports
import HosoStore
import Hummingbird

/// Stale passwords under a unit (`/units/{code}/passwords`): for the school administrator, the
/// officers and the tenant administrator, as a page, a CSV to work through, and JSON. Logins and
/// ages only: the directory is never asked for a password or a hash.
struct PasswordController: Sendable {
    let services: AppServices
    var review: PasswordReview { PasswordReview(services: services) }

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.unitPasswords) { request, context in try await self.page(request: request, context: context) }
        router.get(.unitPasswordsCSV) { request, context in try await self.export(request: request, context: context) }
        router.get(.apiUnitPasswords) { request, context in try await self.json(request: request, context: context) }
    }

    func page(request: Request, context: SignedInContext) async throws -> Response {
        let result = try await review.review(context.actor, code: try context.pathParameter("code"), format: "page")
        let language = context.language
        let page = PasswordsPage(
            unit: UnitLink(result.unit, language),
            intro: services.localizer.text("password.intro", language, [
                "limit": String(result.settings.ageLimitDays), "warning": String(result.settings.warningDays),
            ]),
            csv: SiteURL.unitPasswordsCSV(result.unit.code).path,
            rows: result.lines.map { PasswordsPage.Account($0, language, services.localizer) },
            empty: result.lines.isEmpty, count: result.lines.count
        )
        return services.renderer.render(
            .passwords, page, context: context, request: request,
            title: services.localizer.text("password.title", language))
    }

    func export(request: Request, context: SignedInContext) async throws -> Response {
        let result = try await review.review(context.actor, code: try context.pathParameter("code"), format: "csv")
        let language = context.language
        let t = { (key: String) in self.services.localizer.text(key, language) }
        let header = [
            "password.name", "password.login", "dashboard.unit_code", "password.unit", "password.age", "password.days_left",
            "password.reasons",
        ].map(t)
        let text =
            CSVExport.byteOrderMark + CSVExport.line(header.map(ExportCell.text))
            + result.lines.map { line in
                CSVExport.line([
                    .text(line.account.displayName), .text(line.account.login), .text(line.units.first?.code ?? ""),
                    .text(line.units.first.map { $0.name(in: language) } ?? ""),
                    line.standing.ageDays.map(ExportCell.integer) ?? .text(""),
                    line.standing.daysLeft.map(ExportCell.integer) ?? .text(""),
                    .text(line.standing.reasonKeys.map(t).joined(separator: "; ")),
                ])
            }.joined()
        return Download.csv(text, filename: "hoso-\(result.unit.code)-passwords.csv")
    }

    func json(request: Request, context: SignedInContext) async throws -> Response {
        let result = try await review.review(context.actor, code: try context.pathParameter("code"), format: "json")
        return try JSONResponse.make(
            API.StalePasswords(
                unit: API.UnitRef(result.unit, context.language), ageLimitDays: result.settings.ageLimitDays,
                warningDays: result.settings.warningDays,
                accounts: result.lines.map { line in
                    API.StalePassword(
                        login: line.account.login, displayName: line.account.displayName,
                        units: line.units.map(\.code), ageDays: line.standing.ageDays, daysLeft: line.standing.daysLeft,
                        reasons: line.standing.reasonCodes)
                }))
    }
}
