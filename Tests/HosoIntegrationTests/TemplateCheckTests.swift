import Foundation
import HosoCore
import Testing

@testable import HosoServer

/// Start-up refuses a template set that would render a blank page or a raw locale key.
@Suite struct TemplateCheckTests {
    /// A copy of `web/templates` and `web/locales` in a temporary folder, changed by `change`.
    func web(_ change: (String) throws -> Void) throws -> String {
        let source = try TestEnvironment.repoDirectory + "/web"
        let folder = NSTemporaryDirectory() + "hoso-templates-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for part in ["templates", "locales"] {
            try FileManager.default.copyItem(atPath: source + "/" + part, toPath: folder + "/" + part)
        }
        try change(folder)
        return folder
    }

    func start(_ folder: String) async throws -> PageRenderer {
        let localizer = try Localizer(directory: folder + "/locales")
        return try await PageRenderer(templateDirectory: folder + "/templates", localizer: localizer)
    }

    @Test func theShippedTemplatesPass() async throws {
        // setup
        let folder = try web { _ in }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // act, verify
        _ = try await start(folder)
    }

    @Test func aMissingTemplateStopsStartUp() async throws {
        // setup
        let folder = try web { try FileManager.default.removeItem(atPath: $0 + "/templates/reminders.mustache") }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // act
        let error = await #expect(throws: ConfigurationError.self) { _ = try await start(folder) }
        // verify
        #expect(error?.problems.contains { $0.contains("reminders.mustache is missing") } == true)
    }

    @Test func aMissingLocaleKeyStopsStartUp() async throws {
        // setup: a key the English file lacks
        let folder = try web { folder in
            let path = folder + "/templates/items.mustache"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "{{t.dashboard.apply}}", with: "{{t.dashboard.no_such_key}}")
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // act
        let error = await #expect(throws: ConfigurationError.self) { _ = try await start(folder) }
        // verify
        let problems = error?.problems ?? []
        #expect(problems.contains { $0.contains("items.mustache uses t.dashboard.no_such_key, missing from vi.json") })
        #expect(problems.contains { $0.contains("items.mustache uses t.dashboard.no_such_key, missing from en.json") })
    }

    @Test func keysAreReadFromEveryTagKind() {
        let keys = PageRenderer.localeKeys(
            in: "{{t.a.b}} {{#t.c}}x{{/t.c}} {{{t.d.e}}} {{^t.f}}{{/t.f}} {{ t.g }} {{title}}")
        #expect(keys == ["a.b", "c", "d.e", "f", "g"])
    }
}
