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
        let result = try Python.run(
            try String(contentsOfFile: repo + "/Tests/browser/portal.py", encoding: .utf8),
            arguments: ["--base", "http://127.0.0.1:\(server.port)", "--out", output]
        )
        #expect(result.contains("screenshots:"), "\(result)")
        let shots = (try? FileManager.default.contentsOfDirectory(atPath: output))?.filter { $0.hasSuffix(".png") } ?? []
        #expect(shots.count >= 10, "screenshots in \(output): \(shots)")
        print("browser screenshots: \(output)")
    }
}
