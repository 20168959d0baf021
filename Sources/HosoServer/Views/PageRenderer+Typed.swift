import Hummingbird

/// TEMPORARY (helper D's branch only; the lead deletes it at merge in favour of helper A's typed
/// renderer): renders a typed page model through the dictionary renderer. The model's stored
/// properties become the page's top-level names (nested structs are read by Mustache through
/// reflection); a nil optional is left out, as a missing key was.
extension PageRenderer {
    func render<Page: TemporaryTypedPage>(
        _ template: String, _ page: Page, context: AppRequestContext, request: Request,
        status: HTTPResponse.Status = .ok, title: String
    ) -> Response {
        var values: [String: Any] = [:]
        for child in Mirror(reflecting: page).children {
            guard let label = child.label else { continue }
            let value = Mirror(reflecting: child.value)
            if value.displayStyle == .optional {
                guard let wrapped = value.children.first?.value else { continue }
                values[label] = wrapped
            } else {
                values[label] = child.value
            }
        }
        return render(template, values, context: context, request: request, status: status, title: title)
    }
}

/// Marks the page models this temporary overload takes (a bare `Sendable` constraint would also
/// capture the dictionary literals of the pages not converted yet).
protocol TemporaryTypedPage: Sendable {}
extension InspectionPages.Mine: TemporaryTypedPage {}
extension InspectionPages.List: TemporaryTypedPage {}
extension InspectionPages.Inspection: TemporaryTypedPage {}
