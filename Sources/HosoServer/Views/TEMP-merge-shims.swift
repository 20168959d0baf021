// TEMPORARY (removed when the helpers' branches are merged): lets the not-yet-renovated
// controllers compile against the split record controllers and the typed pages.
import Foundation
import Hummingbird
import HosoCore
import HosoStore

struct RecordController {
    let services: AppServices
    func values(_ row: ObligationRow, _ language: Language) -> [String: Any] {
        let item = ObligationItem(row, language, services.localizer)
        var value: [String: Any] = ["id": item.id, "url": item.url, "type": item.type, "unit": item.unit, "unitCode": item.unitCode,
                                    "owner": item.owner, "period": item.period, "periodDates": item.periodDates, "due": item.due,
                                    "status": item.status, "statusCode": item.statusCode]
        if let awaiting = item.awaiting { value["awaiting"] = awaiting }
        if let step = item.step { value["step"] = step }
        if let reason = item.exemptReason { value["exemptReason"] = reason }
        return value
    }
    static func size(_ bytes: Int64) -> String { ByteSize.text(bytes) }
}

extension PageRenderer {
    func render<Page: Sendable>(_ template: String, _ page: Page, context: AppRequestContext, request: Request,
                                status: HTTPResponse.Status = .ok, title: String) -> Response {
        guard let values = Self.plain(page) as? [String: Any] else { return render(template, [:], context: context, request: request, title: title) }
        return render(template, values, context: context, request: request, status: status, title: title)
    }

    static func plain(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.flatMap { plain($0.value) }
        case .struct, .class:
            var out: [String: Any] = [:]
            for child in mirror.children { if let label = child.label, let v = plain(child.value) { out[label] = v } }
            return out
        case .collection:
            return mirror.children.compactMap { plain($0.value) }
        default:
            return value
        }
    }
}
