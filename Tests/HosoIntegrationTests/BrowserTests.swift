import Foundation
import Testing

/// The portal in headless Chromium (Selenium, Tests/browser/portal.py) against a real `hoso serve`
/// with the demo tenant and a year of records: the drill-down, each role's limits, the language
/// switch, no console errors. Screenshots go to test-output/browser/.
@Suite struct BrowserTests {
    @Test func fourRolesWalkThePortalInARealBrowser() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [RecordTests.year])
        // A very long unit name: the layout must hold (portal.py checks the page's width).
        try await TestEnvironment.ownerExecute(
            "UPDATE units SET name_vi = 'Trường Tiểu học ' || repeat('Lê Văn Tám Thành phố Hải Phòng ', 8) WHERE code = 'S03'",
            database: world.database.name)
        let server = try ServerProcess(world: world)
        try server.start()
        let repo = try TestEnvironment.repoDirectory
        let output = repo + "/test-output/browser"
        try? FileManager.default.removeItem(atPath: output)
        let result = try await Python.run(
            try String(contentsOfFile: repo + "/Tests/browser/portal.py", encoding: .utf8),
            arguments: ["--base", "http://127.0.0.1:\(server.port)", "--out", output]
        )
        #expect(result.contains("screenshots:"), "\(result)")
        let shots = (try? FileManager.default.contentsOfDirectory(atPath: output))?.filter { $0.hasSuffix(".png") } ?? []
        #expect(shots.count >= 10, "screenshots in \(output): \(shots)")
        print("browser screenshots: \(output)")
    }

    /// A Hải Dương principal before and after the merger of 1 July 2025, in a real browser: tenant
    /// haiduong first; after `hoso tenant merge`, haiduong refuses, haiphong takes hd.s1principal@haiduong.
    @Test func aHaiDuongPrincipalSignsInBeforeAndAfterTheMerger() async throws {
        let world = try await TestWorld.make(importing: ["haiduong", "haiphong"], records: ["2025-2026"])
        let server = try ServerProcess(world: world)
        try server.start()
        let repo = try TestEnvironment.repoDirectory
        let output = repo + "/test-output/browser-merger"
        try? FileManager.default.removeItem(atPath: output)
        let script = try String(contentsOfFile: repo + "/Tests/browser/portal.py", encoding: .utf8)
        let base = "http://127.0.0.1:\(server.port)"
        let before = try await Python.run(script, arguments: ["--base", base, "--out", output, "--merger", "before"])
        #expect(before.contains("screenshots: 1"), "\(before)")
        _ = try await TenantMergeTests.merge(world, from: "haiduong", into: "haiphong")
        let after = try await Python.run(script, arguments: ["--base", base, "--out", output, "--merger", "after"])
        #expect(after.contains("screenshots: 2"), "\(after)")
        #expect(!after.contains("FAIL") && !before.contains("FAIL"), "\(before)\n\(after)")
    }
}
