import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// Entry windows: the principal or the school administrator opens or closes a record type for
/// entry by an order (seed 004), and everyone in the school sees the orders given.
struct EntryWindowController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.unitWindows) { request, context in try await self.windowsPage(request: request, context: context) }
        router.post(.unitWindows) { request, context in try await self.windowForm(request: request, context: context) }
        router.get(.apiUnitWindows) { request, context in try await self.windowsJSON(request: request, context: context)
        }
        router.post(.apiUnitWindows) { request, context in try await self.windowJSON(request: request, context: context)
        }
    }

    func windowsPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let unit = try await UnitBrowser(services: services).authorize(
            actor, .manageEntryWindows, code: try context.pathParameter("code"))
        let year = try await services.schoolYear(request, tenantID: actor.tenantID)
        let windows = try await services.records.windows(tenantID: actor.tenantID, unitID: unit.id, schoolYear: year)
        let types = try await services.ruleSets.latest(tenantID: actor.tenantID, schoolYear: year)?.ruleSet.types ?? []
        let language = context.language
        let localizer = services.localizer
        func typeName(_ code: String) -> String {
            types.first { $0.code == code }.map { language == .en ? $0.nameEn : $0.nameVi } ?? code
        }
        let page = WindowsPage(
            unit: .init(
                code: unit.code, name: language == .en ? unit.nameEn : unit.nameVi, url: SiteURL.unit(unit.code).path),
            year: year,
            types: types.filter { $0.storage == .electronic && $0.applies(to: unit.schoolLevels) }.map {
                .init(code: $0.code, name: language == .en ? $0.nameEn : $0.nameVi, window: $0.entryWindow)
            },
            windows: windows.map { window in
                WindowsPage.Window(
                    type: typeName(window.recordType), open: window.isOpen, orderedBy: window.orderedBy,
                    by: window.setBy,
                    at: VietnamTime.display(epochSeconds: window.at),
                    period: window.periodKind.flatMap { kind in
                        window.periodNumber.map { localizer.text("period." + kind, language, ["n": String($0)]) }
                    },
                    note: window.note.flatMap { $0.isEmpty ? nil : $0 })
            },
            empty: windows.isEmpty)
        return services.renderer.render(
            .windows, page, context: context, request: request, title: localizer.text("windows.title", language))
    }

    struct WindowBody: Decodable {
        let recordType: String
        let schoolYear: String?
        let periodKind: String?
        let periodNumber: Int?
        let open: Bool
        let orderedBy: String?
        let note: String?
    }

    func setWindow(_ actor: Actor, code: String, year: String, _ body: WindowBody) async throws -> Int64 {
        let unit = try await UnitBrowser(services: services).authorize(actor, .manageEntryWindows, code: code)
        var period: (kind: String, number: Int)?
        if let kind = body.periodKind, !kind.isEmpty {
            guard ObligationPeriod.Kind(rawValue: kind) != nil, let number = body.periodNumber,
                (1...60).contains(number)
            else {
                throw HosoError("window.bad_period")
            }
            period = (kind, number)
        }
        return try await services.records.setWindow(
            actor, unit: unit, schoolYear: body.schoolYear ?? year, recordType: body.recordType,
            period: period, open: body.open, orderedBy: Normalize.nfc(body.orderedBy ?? ""),
            note: body.note.map(Normalize.nfc))
    }

    func windowJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let body = try await request.decodeJSON(WindowBody.self)
        let id = try await setWindow(
            actor, code: try context.pathParameter("code"),
            year: try await services.schoolYear(request, tenantID: actor.tenantID), body)
        return try JSONResponse.make(API.Created(id: id), status: .created)
    }

    func windowForm(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let form = try await request.decodeForm()
        let code = try context.pathParameter("code")
        var year = form["year"] ?? ""
        if year.isEmpty { year = try await services.schoolYear(request, tenantID: actor.tenantID) }
        _ = try await setWindow(
            actor, code: code, year: year,
            WindowBody(
                recordType: form["record_type"] ?? "", schoolYear: year, periodKind: form["period_kind"],
                periodNumber: form["period_number"].flatMap { Int($0) }, open: form["open"] == "yes",
                orderedBy: form["ordered_by"],
                note: form["note"]
            ))
        return Response.redirect(to: SiteURL.unitWindows(code).path(query: [("year", year)]), type: .normal)
    }

    func windowsJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let unit = try await UnitBrowser(services: services).authorize(
            actor, .manageEntryWindows, code: try context.pathParameter("code"))
        let year = try await services.schoolYear(request, tenantID: actor.tenantID)
        let windows = try await services.records.windows(tenantID: actor.tenantID, unitID: unit.id, schoolYear: year)
        return try JSONResponse.make(API.Windows(schoolYear: year, windows: windows.map(API.Window.init)))
    }
}
