import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// All of a person's own items (`/owe/items`), any school year, filtered, sorted and paged like a
/// unit's list (`ItemListing`): the "what I owe" page shows what is due now, this list everything.
extension RecordPagesController {
    var listing: ItemListing { ItemListing(services: services) }

    func addMyItemsRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.myItems) { request, context in try await self.myItemsPage(request: request, context: context) }
        router.get(.myItemsCSV) { request, context in try await self.myItemsExport(request: request, context: context) }
        router.get(.apiMyItems) { request, context in try await self.myItemsJSON(request: request, context: context) }
    }

    func myItemsPage(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let language = context.language
        let t = { (key: String) in self.services.localizer.text(key, language) }
        let (parameters, read, error) = try await listing.load(
            request, tenantID: actor.tenantID, ownerAllowed: false, language: language
        ) { parameters in
            try await listing.read(tenantID: actor.tenantID, unit: nil, parameters, owner: actor.userID, english: language == .en)
        }
        let model = listing.page(
            heading: t("owe.all_title"), back: .init(text: t("owe.title"), url: SiteURL.owe.path),
            action: SiteURL.myItems.path, parameters: parameters, read: read, error: error, people: [],
            exports: (SiteURL.myItemsCSV.path, nil), language: language)
        return services.renderer.render(
            .items, model, context: context, request: request, status: error == nil ? .ok : .badRequest, title: t("owe.all_title"))
    }

    func myItemsJSON(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let parameters = try await listing.parameters(request, tenantID: actor.tenantID, ownerAllowed: false)
        let read = try await listing.read(
            tenantID: actor.tenantID, unit: nil, parameters, owner: actor.userID, english: context.language == .en)
        return try JSONResponse.make(API.Items(read, parameters, context.language))
    }

    func myItemsExport(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        let parameters = try await listing.parameters(request, tenantID: actor.tenantID, ownerAllowed: false)
        return try await ItemsController.export(
            services: services, tenantID: actor.tenantID, unitID: nil, parameters, owner: actor.userID,
            name: "hoso-\(actor.login)-\(parameters.filter.schoolYear)-\(parameters.column?.rawValue ?? "items")",
            language: context.language, xlsx: false)
    }
}
