import Foundation
import HosoCore
import HosoStore

/// Builds a `DashboardPage` from a unit's figures (`DashboardFigures`, read in one transaction and
/// cached under the unit's change counter) and the inspections this viewer may see: every link it
/// shows. Nothing here reads the database.
struct DashboardPageModel {
    let services: AppServices
    let actor: Actor
    let language: Language

    func t(_ key: String, _ values: [String: String] = [:]) -> String { services.localizer.text(key, language, values) }

    func typeName(_ type: (code: String, nameVi: String, nameEn: String)) -> String {
        language == .en ? type.nameEn : type.nameVi
    }

    /// How many child units the page's table shows unless asked for all (the worst first).
    static let shownChildren = 60

    func page(_ figures: DashboardFigures, coverage lines: [CoverageLine], sort: DashboardQuery.Sort, showAll: Bool) -> DashboardPage {
        let view = figures.view
        let query = SiteURL.query(view.filter.query)
        let types = view.types
        let code = view.unit.code
        let ordered = DashboardQuery.sorted(view, sort, language: language)
        let children = showAll ? ordered : Array(ordered.prefix(Self.shownChildren))
        let items = SiteURL.unitItems(code).path + "?" + query
        let typeQuery = SiteURL.query(view.filter.query.filter { $0.0 != "type" })
        let typeRows = types.map { type -> Markup in
            let c = view.byType[type.code] ?? ComplianceCounts()
            let url = SiteURL.unitItems(code).path + "?" + typeQuery + "&type=" + SiteURL.segment(type.code)
            return TableRow.row(
                [TableRow.header(typeName(type), href: url)] + [
                    TableRow.cell(String(c.expected)), TableRow.cell(String(c.submitted)),
                    TableRow.cell(
                        DashboardPage.percent(c.completeness),
                        cssClass: "band-" + ComplianceBand(c.completeness).rawValue),
                    TableRow.cell(DashboardPage.percent(c.timeliness)), TableRow.cell(String(c.late)),
                    TableRow.cell(String(c.missing)),
                    TableRow.cell(String(c.awaiting)), TableRow.cell(String(c.locked)),
                ])
        }
        let weekRows = (view.filter.weeks.lowerBound...view.filter.weeks.upperBound).compactMap { week -> Markup? in
            guard let counts = view.weeks[week], counts.expected > 0 else { return nil }
            return TableRow.row([
                TableRow.cell(String(week)), TableRow.cell(view.year.weeks.monday(of: week).vietnamese),
                TableRow.cell(String(counts.expected)), TableRow.cell(DashboardPage.percent(counts.completeness)),
                TableRow.cell(DashboardPage.percent(counts.timeliness)), TableRow.cell(String(counts.missing)),
            ])
        }
        let chart = TrendChart(
            title: t("dashboard.trend_title", ["unit": view.unit.name(in: language), "year": view.filter.schoolYear]),
            description: trendDescription(view),
            completenessLabel: t("dashboard.completeness"), timelinessLabel: t("dashboard.timeliness"),
            weekLabel: t("dashboard.week"),
            points: view.weeks.sorted { $0.key < $1.key }.map {
                .init(
                    week: $0.key, completeness: $0.value.completeness, timeliness: $0.value.timeliness,
                    expected: $0.value.expected)
            }
        )
        let withSort = "\(query)&sort=\(sort.rawValue)"
        let signatures = figures.signatures
        let schoolSections = figures.school.map { self.school(view, $0, query: query) }
        var page = DashboardPage(
            unit: .init(code: code, name: view.unit.name(in: language), url: SiteURL.unit(code).path),
            breadcrumbs: breadcrumbs(view.unit, above: figures.ancestors, query: query),
            total: .init(view.total),
            lateBuckets: [
                .init(label: t("dashboard.late_1_3"), count: view.total.late1to3, url: items + "&column=late_1_3"),
                .init(label: t("dashboard.late_4_7"), count: view.total.late4to7, url: items + "&column=late_4_7"),
                .init(
                    label: t("dashboard.late_over_7"), count: view.total.lateOver7, url: items + "&column=late_over_7"),
            ],
            typeRows: TableRow.html(typeRows), hasTypes: !types.isEmpty,
            matrixRows: matrixRows(view, children, types: types, sort: sort, query: query),
            hasChildren: !children.isEmpty,
            shownChildren: children.count < ordered.count
                ? t("dashboard.shown_children", ["shown": String(children.count), "all": String(ordered.count)]) : "",
            moreChildren: children.count < ordered.count,
            allURL: SiteURL.unitDashboard(code).path + "?" + withSort + "&all=1",
            weekRows: TableRow.html(weekRows), hasWeeks: !weekRows.isEmpty, chart: chart.svg,
            filter: filterForm(view),
            sorts: DashboardQuery.Sort.allCases.map {
                .init(code: $0.rawValue, label: t("dashboard.sort." + $0.rawValue), selected: $0 == sort)
            },
            links: .init(
                csv: SiteURL.unitDashboardCSV(code).path + "?" + withSort,
                xlsx: SiteURL.unitDashboardXLSX(code).path + "?" + withSort,
                items: items, missing: items + "&column=missing", awaiting: items + "&column=awaiting",
                late: items + "&column=late",
                reminders: SiteURL.unitReminders(code).path,
                inspections: SiteURL.unitInspections(code).path(query: [("year", view.filter.schoolYear)]),
                reports: SiteURL.unitReports(code).path
            ),
            canRemind: services.policy.allows(actor, .viewPeople, on: view.unit.position),
            columnTypes: zip(types, ShortLabel.labels(for: types.map(typeName))).map { .init(name: typeName($0), code: $0.code, short: $1) },
            school: schoolSections,
            coverage: coverage(view, children: ordered, lines: lines),
            signatureCounts: .init(
                signed: signatures.signed, invalid: signatures.invalid, unsigned: signatures.unsigned,
                hasInvalid: signatures.invalid > 0)
        )
        let paper = figures.paper
        if paper.required > 0 {
            page.paperCopies = .init(
                filed: paper.filed, required: paper.required,
                summary: t("paper_copy.dashboard",
                           ["filed": String(paper.filed), "required": String(paper.required), "year": view.filter.schoolYear]))
        }
        return page
    }

    /// A rough count of the bytes a page holds (its rendered tables are most of it), for the cache's bound.
    static func cost(_ page: DashboardPage) -> Int {
        // Twice the text: the strings and the structures around them.
        2 * (4_096 + page.matrixRows.utf8.count + page.typeRows.utf8.count + page.weekRows.utf8.count + page.chart.utf8.count
            + (page.school.map { $0.peopleRows.utf8.count + 256 * ($0.overdue.count + $0.waiting.count) } ?? 0)
            + 256 * (page.coverage.rows.count + page.breadcrumbs.count))
    }

    func trendDescription(_ view: ComplianceQuery.View) -> String {
        let points = view.weeks.sorted { $0.key < $1.key }.filter { $0.value.expected > 0 }
        guard let first = points.first, let last = points.last else { return t("dashboard.trend_empty") }
        return t(
            "dashboard.trend_desc",
            [
                "from": String(first.key), "to": String(last.key),
                "first": DashboardPage.percent(first.value.completeness),
                "last": DashboardPage.percent(last.value.completeness),
                "total": DashboardPage.percent(view.total.completeness),
            ])
    }

    func filterForm(_ view: ComplianceQuery.View) -> DashboardPage.FilterForm {
        DashboardPage.FilterForm(
            years: view.years.map { .init(value: $0, label: $0, selected: $0 == view.filter.schoolYear) },
            semesters: view.year.weeks.semesters.map {
                .init(value: $0.number, selected: $0.number == view.filter.semester)
            },
            from: view.filter.weeks.lowerBound, to: view.filter.weeks.upperBound, lastWeek: view.year.weeks.horizon,
            types: view.year.types.map {
                .init(value: $0.code, label: typeName($0), selected: $0.code == view.filter.recordType)
            },
            levels: SchoolLevel.allCases.map {
                .init(value: $0.rawValue, label: t($0.messageKey), selected: $0 == view.filter.schoolLevel)
            },
            trees: TreeBasis.allCases.map {
                .init(value: $0.rawValue, label: t("dashboard.tree_\($0.rawValue)"), selected: $0 == view.filter.basis)
            }
        )
    }

    /// The units above that this viewer may see, root first.
    func breadcrumbs(_ unit: StoredUnit, above units: [StoredUnit], query: String) -> [DashboardPage.Link] {
        let visible = services.policy.visibleAncestry(actor, unit.ancestry).dropLast()
        let order = Dictionary(uniqueKeysWithValues: visible.enumerated().map { ($1, $0) })
        let above = units.filter { order[$0.id] != nil }
        return above.sorted { (order[$0.id] ?? 0) < (order[$1.id] ?? 0) }.map {
            .init(name: $0.name(in: language), url: SiteURL.unitDashboard($0.code).path + "?" + query)
        }
    }

    /// Inspections planned versus done this school year: the unit's schools, and each child unit's.
    /// `lines` are counted as this viewer may see them (`DashboardFigures.coverage`).
    func coverage(_ view: ComplianceQuery.View, children: [StoredUnit], lines: [CoverageLine]) -> DashboardPage.Coverage {
        let byUnit = Dictionary(lines.map { ($0.unitID, $0) }) { a, _ in a }
        let year = view.filter.schoolYear
        guard let own = byUnit[view.unit.id] else {
            return .init(summary: t("dashboard.coverage_none", ["year": year]), rows: [], hasRows: false)
        }
        let rows = children.compactMap { child -> DashboardPage.CoverageRow? in
            guard let line = byUnit[child.id], line.schools > 0 else { return nil }
            return .init(
                name: child.name(in: language), schools: line.schools, planned: line.planned, done: line.done,
                share: "\(line.done * 100 / line.schools)%")
        }
        return .init(
            summary: t(
                "dashboard.coverage_summary",
                [
                    "year": year, "schools": String(own.schools), "planned": String(own.planned),
                    "done": String(own.done), "inspections": String(own.inspections),
                ]),
            rows: rows, hasRows: own.inspections > 0 && !rows.isEmpty
        )
    }

    /// The rows of the child units × record types table.
    func matrixRows(
        _ view: ComplianceQuery.View, _ children: [StoredUnit], types: [(code: String, nameVi: String, nameEn: String)],
        sort: DashboardQuery.Sort, query: String
    ) -> String {
        let cellsQuery = SiteURL.query(view.filter.query.filter { $0.0 != "type" })
        let typeParameters = types.map { "&type=" + SiteURL.segment($0.code) }
        // The cell title's words, looked up once: "{submitted}/{expected} ... {missing}".
        let title = CellTitle(t("dashboard.cell_title"))
        // Each cell's accessible name says which record type it counts (its header is an abbreviation).
        let typeNames = types.map(typeName)
        var html = ""
        html.reserveCapacity(children.count * (200 + types.count * 120))
        for child in children {
            let counts = view.counts(of: child)
            let items = SiteURL.unitItems(child.code).path
            var cells: [Markup.Node] = [
                TableRow.header(
                    child.name(in: language),
                    href: SiteURL.unitDashboard(child.code).path + "?\(query)&sort=\(sort.rawValue)",
                    cssClass: "name"),
                TableRow.cell(String(counts.expected)),
                TableRow.cell(
                    DashboardPage.percent(counts.completeness),
                    cssClass: "band-" + ComplianceBand(counts.completeness).rawValue),
                TableRow.cell(DashboardPage.percent(counts.timeliness)),
                TableRow.cell(String(counts.missing), href: items + "?\(query)&column=missing"),
            ]
            let byType = view.childByType[child.id] ?? [:]
            for (index, type) in types.enumerated() {
                guard let cell = byType[type.code] else {
                    cells.append(TableRow.cell("—", cssClass: "band-none", label: typeNames[index] + ": —"))
                    continue
                }
                let percent = DashboardPage.percent(cell.completeness)
                cells.append(
                    TableRow.cell(
                        percent, href: items + "?" + cellsQuery + typeParameters[index],
                        cssClass: "band-" + ComplianceBand(cell.completeness).rawValue, title: title.text(cell),
                        label: typeNames[index] + ": " + percent))
            }
            TableRow.row(cells).write(into: &html)
            html += "\n"
        }
        return html
    }

    /// A school's own sections: its people's figures, the next two weeks' deadlines (by record
    /// type and day), who has items overdue, and what waits for approval at which step.
    func school(_ view: ComplianceQuery.View, _ figures: DashboardFigures.School, query: String) -> DashboardPage.School {
        let monday = figures.monday
        let items = SiteURL.unitItems(view.unit.code)
        let filter = view.filter
        let (owners, deadlines, overdue, waiting) = (figures.owners, figures.deadlines, figures.overdue, figures.waiting)
        let signerTotals = figures.signerTotals
        let thisWeekEnd = VietnamTime.epochSeconds(monday.adding(days: 6))
        func deadlineList(_ lines: [ComplianceStore.DeadlineLine]) -> DashboardPage.School.DeadlineList {
            .init(
                rows: lines.map { line in
                    .init(
                        type: language == .en ? line.typeNameEn : line.typeNameVi,
                        due: VietnamTime.display(epochSeconds: line.dueAt),
                        expected: line.expected, submitted: line.submitted, open: line.expected - line.submitted,
                        url: items.path(query: [("year", filter.schoolYear), ("type", line.recordType)]))
                }, empty: lines.isEmpty)
        }
        let people = owners.map { owner -> Markup in
            let c = owner.counts
            return TableRow.row([
                TableRow.header(
                    owner.displayName, href: items.path + "?\(query)&owner=\(owner.userID)", note: owner.login),
                TableRow.cell(String(c.expected)),
                TableRow.cell(
                    DashboardPage.percent(c.completeness), cssClass: "band-" + ComplianceBand(c.completeness).rawValue),
                TableRow.cell(DashboardPage.percent(c.timeliness)), TableRow.cell(String(c.late)),
                TableRow.cell(String(c.missing)),
                TableRow.cell(String(c.returned)),
            ])
        }
        let typeQuery = SiteURL.query(filter.query.filter { $0.0 != "type" })
        return DashboardPage.School(
            peopleRows: TableRow.html(people), hasPeople: !owners.isEmpty,
            thisWeek: deadlineList(deadlines.filter { $0.dueAt <= thisWeekEnd }),
            nextWeek: deadlineList(deadlines.filter { $0.dueAt > thisWeekEnd }),
            overdue: overdue.map { line in
                .init(
                    name: line.displayName, login: line.login, count: line.count,
                    oldest: VietnamTime.display(epochSeconds: line.oldestDue),
                    url: items.path + "?\(query)&owner=\(line.userID)&column=missing")
            },
            hasOverdue: !overdue.isEmpty,
            waiting: waiting.map { line in
                var waitingLine = DashboardPage.School.Waiting(
                    type: language == .en ? line.typeNameEn : line.typeNameVi, step: line.step + 1, count: line.count,
                    role: Role(rawValue: line.role).map { t($0.messageKey) } ?? line.role,
                    since: line.oldestSubmitted.map { VietnamTime.display(epochSeconds: $0) } ?? "—",
                    url: items.path + "?" + typeQuery + "&type=" + SiteURL.segment(line.recordType) + "&column=awaiting"
                )
                waitingLine.signers = signerTotals[ObligationStore.signerKey(line.recordType, step: line.step)].map {
                    t("signers.progress", ["signed": String($0.signed), "of": String($0.of)])
                }
                return waitingLine
            },
            hasWaiting: !waiting.isEmpty
        )
    }
}

/// A cell's title from its localized pattern, split once at its placeholders.
struct CellTitle {
    let parts: [Substring]
    let names: [String]

    init(_ pattern: String) {
        var parts: [Substring] = []
        var names: [String] = []
        var rest = pattern[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            parts.append(rest[..<open])
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        parts.append(rest)
        self.parts = parts
        self.names = names
    }

    func text(_ counts: ComplianceCounts) -> String {
        var text = String(parts[0])
        for (index, name) in names.enumerated() {
            switch name {
            case "submitted": text += String(counts.submitted)
            case "expected": text += String(counts.expected)
            case "missing": text += String(counts.missing)
            default: text += "{\(name)}"
            }
            text += parts[index + 1]
        }
        return text
    }
}
