import HosoCore
import Testing

@Suite struct SignInRulesTests {
    @Test func emptyAndOverlongInputIsRefusedBeforeAnyBind() throws {
        #expect(throws: HosoError("signin.empty_password")) { try Credentials(login: "s1.teacher", password: "") }
        #expect(throws: HosoError("signin.missing_login")) { try Credentials(login: "   ", password: "x") }
        #expect(throws: HosoError("input.too_long", ["field": "username", "max": "64"])) {
            try Credentials(login: String(repeating: "a", count: 65), password: "x")
        }
        #expect(throws: HosoError("input.too_long", ["field": "password", "max": "256"])) {
            try Credentials(login: "a", password: String(repeating: "p", count: 257))
        }
        #expect(throws: HosoError("signin.bad_login")) { try Credentials(login: "a\u{0}b", password: "x") }
        #expect(try Credentials(login: "  s1.teacher ", password: " p ").login == "s1.teacher")
    }

    @Test func throttlePausesAfterTooManyFailures() {
        let throttle = SignInThrottle(windowSeconds: 900, maxFailuresPerLogin: 5, maxFailuresPerAddress: 20)
        let calm = SignInThrottle.Recent(count: 4, oldestAgeSeconds: 100)
        #expect(throttle.check(login: calm, address: calm) == nil)
        let refusal = throttle.check(login: .init(count: 5, oldestAgeSeconds: 300), address: calm)
        #expect(refusal == HosoError("signin.throttled_login", ["minutes": "10"]))
        #expect(throttle.check(login: calm, address: .init(count: 20, oldestAgeSeconds: 899))?.code == "signin.throttled_address")
        #expect(throttle.check(login: calm, address: .init(count: 20, oldestAgeSeconds: 899))?.parameters["minutes"] == "1")
    }

    @Test func sessionsEndWhenIdleOrOld() {
        let lifetime = SessionLifetime(idleSeconds: 1800, absoluteSeconds: 43200)
        #expect(lifetime.isAlive(ageSeconds: 100, idleForSeconds: 10))
        #expect(!lifetime.isAlive(ageSeconds: 100, idleForSeconds: 1800))
        #expect(!lifetime.isAlive(ageSeconds: 43200, idleForSeconds: 0))
    }
}
