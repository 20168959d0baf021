/// The typed models of the inspection pages (`inspections-mine`, `inspections`, `inspection` and
/// the `follow-up-table` partial): each property is read by name by its template.
enum InspectionPages {
    /// A list's count and its neighbouring pages.
    struct Pager: Sendable {
        let summary: String
        let previous: String?
        let next: String?
        let position: String
    }

    /// A code and what to call it (kinds, verdicts, severities, record types, units).
    struct Choice: Sendable {
        let code: String
        let name: String
        var selected = false
    }

    /// A person to pick (inspectors, follow-up owners).
    struct Person: Sendable {
        let login: String
        let name: String
    }

    /// One inspection in a list, and the head of its own page.
    struct Summary: Sendable {
        let id: Int64
        let url: String
        let title: String
        let kind: String
        let state: String
        let stateCode: String
        let period: String
        let year: String
        let issuer: String
        let scope: String
        let minutes: String?
        let minutesURL: String?
    }

    /// One line of a follow-up table.
    struct FollowUp: Sendable {
        let id: Int64
        let action: String
        let owner: String
        let due: String
        let done: Bool
        let overdue: Bool
        let inspectionURL: String
        let doneAt: String?
        let doneNote: String?
        let canComplete: Bool
        let doneURL: String
    }

    /// `/inspections`: the inspections I am named to and the follow-up actions I own.
    struct Mine: Sendable {
        struct UnitLink: Sendable {
            let code: String
            let name: String
            let url: String
        }
        let rows: [Summary]
        let empty: Bool
        let followUps: [FollowUp]
        let hasFollowUps: Bool
        let units: [UnitLink]
    }

    /// `/units/:code/inspections`: a unit's inspections, coverage of its child units, the plan form.
    struct List: Sendable {
        struct UnitHead: Sendable {
            let code: String
            let name: String
            let url: String
            let dashboard: String
            let reports: String
            /// Where the plan form is sent.
            let inspections: String
        }
        struct Year: Sendable {
            let year: String
            let selected: Bool
        }
        struct Coverage: Sendable {
            let name: String
            let own: Bool
            let schools: Int
            let planned: Int
            let done: Int
            let inspections: Int
            let percent: String
        }
        struct PlanForm: Sendable {
            let kinds: [Choice]
            let scope: [Choice]
            let types: [Choice]
            let inspectors: [Person]
            let symbol: String
            let place: String
            let from: String
            let to: String
        }
        let unit: UnitHead
        let year: String
        let years: [Year]
        let rows: [Summary]
        let empty: Bool
        let coverage: [Coverage]
        let hasCoverage: Bool
        let plan: PlanForm?
    }

    /// `/inspections/:id`: the plan, the checklist, findings, follow-ups, conclusions and minutes,
    /// with the steps the actor is offered (`InspectionDecisions.offers`).
    struct Inspection: Sendable {
        struct Member: Sendable {
            let name: String
            let login: String
            let leader: Bool
        }
        struct VerdictCount: Sendable {
            let name: String
            let count: Int
            let code: String
        }
        struct Line: Sendable {
            let id: Int64
            let unit: String
            let type: String
            let period: String
            let owner: String
            let due: String
            let status: String
            let statusCode: String
            let verdict: String
            let verdictCode: String
            let recordURL: String
            let conducting: Bool
            let marked: Bool
            let verdicts: [Choice]
            let note: String?
            let viewed: String?
            let markedBy: String?
            let markURL: String
        }
        struct Finding: Sendable {
            let number: Int
            let id: Int64
            let severity: String
            let severityCode: String
            let text: String
            let unit: String
            let type: String
            let by: String
            let recordURL: String
        }
        struct FindingChoice: Sendable {
            let id: Int64
            let label: String
        }
        struct Signature: Sendable {
            let signer: String
            let at: String
            let serial: String
            let valid: Bool
            let problems: [String]
            let manifestURL: String
        }

        /// Where the page's forms are sent.
        struct Links: Sendable {
            let mine: String
            let start: String
            let cancel: String
            let close: String
            let conclude: String
            let findings: String
            let followUps: String
        }

        let inspection: Summary
        let links: Links
        let symbol: String
        let place: String
        let plannedBy: String
        let plannedOn: String
        let types: String
        let members: [Member]
        let counts: [VerdictCount]
        let items: [Line]
        let hasItems: Bool
        /// A refused checklist filter, in the reader's language.
        let checklistError: String?
        let checklistPager: Pager
        let scopeUnits: [Choice]
        let verdictChoices: [Choice]
        let typeChoices: [Choice]
        let findings: [Finding]
        let hasFindings: Bool
        let followUps: [FollowUp]
        let hasFollowUps: Bool
        let conducting: Bool
        let severities: [Choice]
        let canStart: Bool
        let canCancel: Bool
        let canConclude: Bool
        let canFollowUp: Bool
        let canClose: Bool
        let owners: [Person]
        let findingChoices: [FindingChoice]
        let minDue: String
        let conclusions: String?
        let recommendations: String?
        let minutesSHA: String?
        let minutesSize: String?
        let minutesSignature: Signature?
    }
}
