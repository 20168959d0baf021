import Foundation
import HosoCore
import HosoServer
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// Host names that select a tenant (`hosts:` in the tenant file), over real sockets.
@Suite struct HostTenantTests {
    @Test func aSessionCookieOfAnotherTenantIsIgnoredOnThisTenantsHost() async throws {
        let world = try await TestWorld.make()
        try await world.withApp(.live) { client in
            let port = try #require(client.port)
            var browser = Browser()
            try await browser.signIn(client, tenant: "demo2", "p2.officer")
            let cookie = "hoso_session=\(try #require(browser.cookies["hoso_session"]))"

            let own = try await RawHTTP.get(port: port, path: "/api/v1/me", host: "demo2.hoso.local", cookie: cookie)
            #expect(own.status == 200)
            let foreign = try await RawHTTP.get(port: port, path: "/api/v1/me", host: "demo.hoso.local", cookie: cookie)
            #expect(foreign.status == 401)
            #expect(foreign.body.contains("auth.required"))

            // On a tenant's host the sign-in form names that tenant instead of offering a list.
            let form = try await RawHTTP.get(port: port, path: "/signin", host: "demo.hoso.local")
            #expect(form.body.contains(#"<input type="hidden" name="tenant" value="demo">"#))
            #expect(!form.body.contains("<select"))
        }
    }
}
