import HosoCore
import HosoStore
import Hummingbird

/// One search box for units, people and record types (`/search`, `/api/v1/search`), inside the
/// actor's grants and below them only, found with or without diacritics ("chu van an" finds
/// "Chu Văn An"). Record types are the tenant's catalogue, which everyone in it may read.
struct SearchController: Sendable {
    let services: AppServices
    var store: SearchStore { SearchStore(database: services.database, logger: services.logger) }
    /// Of each kind, at most this many (the API may ask for fewer).
    static let limit = 20

    func addRoutes(to router: RouterGroup<SignedInContext>) {
        router.get(.search) { request, context in try await self.page(request: request, context: context) }
        router.get(.apiSearch) { request, context in try await self.json(request: request, context: context) }
    }

    struct Found: Sendable {
        let units: [SearchHit]
        let people: [SearchHit]
        let types: [SearchHit]
    }

    func find(_ actor: Actor, _ text: SearchText?, limit: Int = SearchController.limit) async throws -> Found {
        guard let text else { return Found(units: [], people: [], types: []) }
        let hits = try await store.search(tenantID: actor.tenantID, text, scope: Array(Set(actor.grants.map(\.unitID))), limit: limit)
        return Found(units: hits.filter { $0.kind == .unit }, people: hits.filter { $0.kind == .person },
                     types: hits.filter { $0.kind == .type })
    }

    /// Where each kind of hit leads: a unit's dashboard, a person's items at their school (or their
    /// unit's page), a record type's items under the actor's own unit (a teacher: what they owe).
    static func url(_ hit: SearchHit, _ actor: Actor) -> String {
        switch hit.kind {
        case .unit: return SiteURL.unitDashboard(hit.code).path
        case .person: return hit.place.isEmpty ? SiteURL.home.path : SiteURL.unitItems(hit.place).path + "?owner=\(hit.id)"
        case .type:
            if case .dashboard(let code) = Landing.of(actor.grants) {
                return SiteURL.unitItems(code).path + "?type=" + SiteURL.segment(hit.code)
            }
            return SiteURL.owe.path
        }
    }

    func page(request: Request, context: SignedInContext) async throws -> Response {
        let language = context.language
        // A form's GET: "+" is a space there.
        let raw = FormFields(request.uri.query ?? "")["q"]
        var error: String?
        var found = Found(units: [], people: [], types: [])
        var text: SearchText?
        do {
            text = try SearchText.parse(raw)
            found = try await find(context.actor, text)
        } catch let refused as HosoError where refused.code.hasPrefix("input.") {
            error = services.localizer.message(for: refused, language)
        }
        func hits(_ list: [SearchHit]) -> [SearchPage.Hit] {
            list.map { hit in
                let name = language == .en && !hit.nameEn.isEmpty ? hit.nameEn : hit.nameVi
                return SearchPage.Hit(name: name, detail: hit.kind == .type ? hit.code : hit.code + (hit.place.isEmpty ? "" : " · " + hit.place),
                                      url: Self.url(hit, context.actor))
            }
        }
        let typed = (raw ?? "").split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        let page = SearchPage(
            query: String(typed.prefix(SearchText.maxLength)), searched: text != nil, tooShort: text == nil && !typed.isEmpty && error == nil,
            error: error, units: hits(found.units), people: hits(found.people), types: hits(found.types),
            hasUnits: !found.units.isEmpty, hasPeople: !found.people.isEmpty, hasTypes: !found.types.isEmpty,
            none: text != nil && found.units.isEmpty && found.people.isEmpty && found.types.isEmpty
                ? services.localizer.text("search.none", language, ["query": text?.text ?? ""]) : nil)
        return services.renderer.render(.search, page, context: context, request: request, status: error == nil ? .ok : .badRequest,
                                        title: services.localizer.text("search.title", language))
    }

    func json(request: Request, context: SignedInContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        var limit = Self.limit
        if let raw = parameters["limit"] {
            guard let value = Int(String(raw)), (1...Self.limit).contains(value) else {
                throw HosoError("input.bad_limit", ["max": String(Self.limit)])
            }
            limit = value
        }
        let text = try SearchText.parse(FormFields(request.uri.query ?? "")["q"])
        let found = try await find(context.actor, text, limit: limit)
        let language = context.language
        func results(_ list: [SearchHit]) -> [API.SearchResult] {
            list.map { hit in
                API.SearchResult(
                    code: hit.code, name: language == .en && !hit.nameEn.isEmpty ? hit.nameEn : hit.nameVi,
                    names: API.Names(vi: hit.nameVi, en: hit.nameEn.isEmpty ? hit.nameVi : hit.nameEn),
                    place: hit.place.isEmpty ? nil : hit.place, url: Self.url(hit, context.actor))
            }
        }
        return try JSONResponse.make(API.Search(
            query: text?.text ?? "", units: results(found.units), people: results(found.people), recordTypes: results(found.types)))
    }
}
