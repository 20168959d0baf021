import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// A list of items under the compliance filter (`year`, `semester`, `from`, `to`, `type`, `level`,
/// `tree`) with a status (`column`), a person (`owner`), an order (`sort`) and a page: a unit's
/// items (`/units/{code}/items`) and a person's own (`/owe/items`) are read, shown, paged and
/// exported the same way. Every value is checked before anything is read (400 with a stable code);
/// a page past the end is an empty page.
struct ItemListing: Sendable {
    static let pageSize = 100

    let services: AppServices

    /// What a list's URL asks for, checked.
    struct Parameters: Sendable {
        let selection: ComplianceQuery.Selection
        let column: ComplianceColumn?
        let owner: Int64?
        let order: ItemOrder
        let page: ListPage

        var filter: ComplianceFilter { selection.filter }

        /// Everything but the page, as the URL says it: the pager's and the exports' links.
        var query: [(String, String)] {
            var parameters = filter.query
            if let column { parameters.append(("column", column.rawValue)) }
            if let owner { parameters.append(("owner", String(owner))) }
            if order != .standard { parameters.append(("sort", order.parameter)) }
            return parameters
        }
    }

    /// Reads and checks a list's parameters. `ownerAllowed` is false for a person's own list,
    /// whose person is the actor.
    func parameters(_ request: Request, tenantID: Int64, ownerAllowed: Bool) async throws -> Parameters {
        try await parameters(DashboardQuery.parameters(request), tenantID: tenantID, ownerAllowed: ownerAllowed)
    }

    func parameters(_ raw: [String: String], tenantID: Int64, ownerAllowed: Bool) async throws -> Parameters {
        let selection = try await ComplianceQuery(services: services).selection(query: raw, tenantID: tenantID)
        let items = try DashboardQuery.items(raw)
        let order = try ItemOrder.parse(raw["sort"])
        let page = try ListPage.parse(raw["page"], size: Self.pageSize)
        if let owner = items.owner {
            guard ownerAllowed, try await services.compliance.personExists(tenantID: tenantID, userID: owner) else {
                throw HosoError("dashboard.unknown_owner")
            }
        }
        return Parameters(selection: selection, column: items.column, owner: items.owner, order: order, page: page)
    }

    /// The defaults, for a page whose URL was refused: the form shows them under the error.
    func defaults(tenantID: Int64) async throws -> Parameters {
        try await parameters([:], tenantID: tenantID, ownerAllowed: false)
    }

    /// One page of a list and how long the whole list is.
    struct Read: Sendable {
        let rows: [ObligationRow]
        let count: ListCount
        let hasMore: Bool
    }

    /// The page's rows (one more is read to tell whether a next page exists) and the count.
    /// `owner` overrides the parameters' person (a person's own list).
    /// `unit` nil: anywhere in the tenant (a person's own list, `owner` set).
    func read(tenantID: Int64, unit: StoredUnit?, _ parameters: Parameters, owner: Int64? = nil, english: Bool) async throws -> Read {
        let compliance = services.compliance
        let person = owner ?? parameters.owner
        let unitID = unit?.id
        let total: ListCount
        // Below the root a subtree's own units lead to its items; at the root hashing the tenant's
        // items is cheaper than looping over them (`ComplianceStore.ListPlan`).
        var plan: ComplianceStore.ListPlan = unit?.parentID == nil ? .hashSubtree : .bySubtreeUnits
        if person == nil, let unitID {
            // A unit's list without a person is counted by its kept figures: exact and at once,
            // and they say whether the page's rows lie near the start of the deadline order.
            let counts = try await compliance.unitCounts(tenantID: tenantID, unitID: unitID, filter: parameters.filter)
            let matching = ComplianceColumn.count(parameters.column, in: counts)
            total = ListCount(counted: matching, cap: .max)
            if ListCount.walksDeadlineIndex(
                parameters.order, page: parameters.page, matching: matching, outOf: ComplianceColumn.count(nil, in: counts))
            {
                plan = .walkDeadlineIndex
            }
        } else {
            // One person's items are few and found by their owner's index.
            total = try await compliance.itemCount(
                tenantID: tenantID, unitID: unitID, filter: parameters.filter, column: parameters.column, ownerUserID: person)
        }
        guard total.allows(parameters.order) else {
            throw HosoError("list.too_long_to_sort", ["max": String(ListCount.cap)])
        }
        let page = try await compliance.items(
            tenantID: tenantID, unitID: unitID, filter: parameters.filter, column: parameters.column, ownerUserID: person,
            order: parameters.order, english: english, plan: plan, limit: Self.pageSize + 1,
            offset: parameters.page.offset)
        return Read(rows: Array(page.prefix(Self.pageSize)), count: total, hasMore: page.count > Self.pageSize)
    }

    /// What a page of a list shows: the URL's parameters and the rows `read` finds for them; or,
    /// when the URL is refused, the defaults (for the form), no rows and the error in the reader's
    /// language (the page then answers 400 and reads nothing).
    func load(
        _ request: Request, tenantID: Int64, ownerAllowed: Bool, language: Language,
        read: (Parameters) async throws -> Read
    ) async throws -> (parameters: Parameters, read: Read?, error: String?) {
        let parameters: Parameters
        do {
            parameters = try await self.parameters(request, tenantID: tenantID, ownerAllowed: ownerAllowed)
        } catch let refused as HosoError where Self.isRefusedParameter(refused) {
            return (try await defaults(tenantID: tenantID), nil, services.localizer.message(for: refused, language))
        }
        do {
            return (parameters, try await read(parameters), nil)
        } catch let refused as HosoError where Self.isRefusedParameter(refused) {
            // Valid values the list cannot honour (an order over too many rows): the form keeps them.
            return (parameters, nil, services.localizer.message(for: refused, language))
        }
    }

    /// Whether a refusal is the URL's fault (an unknown filter value, a bad page): a page then
    /// shows it above its form instead of an error page.
    static func isRefusedParameter(_ error: HosoError) -> Bool {
        ErrorStatus.status(for: error.code) == .badRequest
    }

    // MARK: - The page

    /// The page's list, its filter form and its pager. `people` are the person filter's choices
    /// (none: no such field; an `owner` asked for is kept in a hidden field).
    func page(
        heading: String, back: ItemsPage.Link?, action: String, parameters: Parameters, read: Read?, error: String?,
        people: [(id: Int64, name: String)], exports: (csv: String, xlsx: String?)?, language: Language
    ) -> ItemsPage {
        let localizer = services.localizer
        let t = { (key: String, values: [String: String]) in localizer.text(key, language, values) }
        let filter = parameters.filter
        let year = parameters.selection.year
        let page = parameters.page
        let base = parameters.query
        func link(_ number: Int) -> String { action + "?" + SiteURL.query(base + (number > 1 ? [("page", String(number))] : [])) }
        let rows = read?.rows ?? []
        let summary = read.map { Self.summary(page, rows: $0.rows.count, count: $0.count, language, localizer) } ?? ""
        let pages = read?.count.pages(size: ItemListing.pageSize)
        let typeName = { (type: (code: String, nameVi: String, nameEn: String)) in
            language == .en && !type.nameEn.isEmpty ? type.nameEn : type.nameVi
        }
        let form = ItemsPage.Form(
            action: action,
            years: parameters.selection.years.map { .init(value: $0, label: $0, selected: $0 == filter.schoolYear) },
            semesters: year.weeks.semesters.map {
                .init(value: String($0.number), label: String($0.number), selected: $0.number == filter.semester)
            },
            from: filter.weeks.lowerBound, to: filter.weeks.upperBound, lastWeek: year.weeks.horizon,
            types: year.types.map { .init(value: $0.code, label: typeName($0), selected: $0.code == filter.recordType) },
            statuses: ComplianceColumn.allCases.map {
                .init(value: $0.rawValue, label: t("dashboard.column." + $0.rawValue, [:]), selected: $0 == parameters.column)
            },
            people: people.map { .init(value: String($0.id), label: $0.name, selected: $0.id == parameters.owner) },
            hasPeople: !people.isEmpty,
            sorts: ItemOrder.all.map {
                .init(value: $0.parameter, label: t("list.order.\($0.sort.rawValue)_\($0.descending ? "desc" : "asc")", [:]),
                      selected: $0 == parameters.order)
            },
            hidden: people.isEmpty ? parameters.owner.map { [.init(name: "owner", value: String($0))] } ?? [] : [],
            reset: action)
        return ItemsPage(
            heading: heading, back: back, form: form, error: error, summary: summary,
            items: rows.map { ObligationItem($0, language, localizer) }, empty: rows.isEmpty,
            pager: .init(
                first: page.number > 1 ? link(1) : nil,
                previous: page.number > 1 ? link(page.number - 1) : nil,
                next: read?.hasMore == true ? link(page.number + 1) : nil,
                last: pages.flatMap { $0 > page.number ? link($0) : nil },
                position: pages.map { t("list.page_of", ["n": String(page.number), "pages": String($0)]) }
                    ?? t("dashboard.page", ["n": String(page.number)])),
            csv: exports.map { $0.csv + "?" + SiteURL.query(base) },
            xlsx: exports.flatMap { $0.xlsx }.map { $0 + "?" + SiteURL.query(base) })
    }

    /// What a page of a list shows of how many: "Hồ sơ 101–200 trong tổng số 1.234", that the page
    /// is past the end, or that nothing matches (item lists and an inspection's checklist alike).
    static func summary(_ page: ListPage, rows: Int, count: ListCount, _ language: Language, _ localizer: Localizer) -> String {
        let total = number(count.total, language)
        if let shown = ListCount.shown(page, rows: rows) {
            return localizer.text(count.exact ? "list.shown" : "list.shown_more", language, [
                "first": number(shown.lowerBound, language), "last": number(shown.upperBound, language), "total": total,
            ])
        }
        if count.total > 0 || !count.exact {
            return localizer.text("list.past_end", language, ["page": String(page.number), "total": total])
        }
        return localizer.text("list.none", language)
    }

    /// A count as the language writes it (1.234 in Vietnamese, 1,234 in English).
    static func number(_ value: Int, _ language: Language) -> String {
        let digits = String(value)
        guard digits.count > 3 else { return digits }
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return groups.joined(separator: language == .en ? "," : ".")
    }
}
