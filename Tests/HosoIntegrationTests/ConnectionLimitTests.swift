import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Slow and idle clients against `hoso serve` as a process of its own (the connection cap is set
/// on the listening socket, which only a real server has), with second-long settings so that
/// each test runs in a few seconds.
@Suite struct ConnectionLimitTests {
    /// A server of a world of its own with these `HOSO_HTTP_*` settings; short unless given.
    func server(_ settings: [String: String]) async throws -> ServerProcess {
        let world = try await TestWorld.make(importing: ["demo"])
        let defaults = ["HOSO_HTTP_HEADER_TIMEOUT_SECONDS": "30", "HOSO_HTTP_IDLE_TIMEOUT_SECONDS": "30",
                        "HOSO_HTTP_BODY_TIMEOUT_SECONDS": "30", "HOSO_HTTP_MAX_CONNECTIONS": "100"]
        let server = try ServerProcess(world: world, settings: defaults.merging(settings) { $1 })
        try server.start()
        return server
    }

    @Test func aHeaderDribbledALineAtATimeIsCutOffAtTheHeaderTimeout() async throws {
        // setup
        let server = try await server(["HOSO_HTTP_HEADER_TIMEOUT_SECONDS": "1"])
        let socket = try RawHTTP.dial(port: server.port)
        defer { close(socket) }

        // act: a header line every 300 ms, for ever
        try RawHTTP.sendAll(socket, Array("GET /api/v1/openapi.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8))
        let closed = SlowClient.waitForClose(socket, within: 10, sending: Array("X-Slow: 1\r\n".utf8))

        // verify
        let seconds = try #require(closed.seconds, "the connection was still open after 10 s")
        #expect(seconds >= 0.7 && seconds < 6, "closed after \(seconds) s")
        #expect(closed.received.isEmpty, "no answer to a header that never ended")
        withExtendedLifetime(server) {}
    }

    @Test func anIdleConnectionIsClosedAtTheIdleTimeout() async throws {
        // setup
        let server = try await server(["HOSO_HTTP_IDLE_TIMEOUT_SECONDS": "1"])
        let silent = try RawHTTP.dial(port: server.port)
        defer { close(silent) }
        let keptAlive = try RawHTTP.dial(port: server.port)
        defer { close(keptAlive) }

        // act: one connection says nothing; the other asks once and keeps the connection
        try RawHTTP.sendAll(keptAlive, Array("GET /api/v1/openapi.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        let answered = SlowClient.waitForClose(keptAlive, within: 10, sending: nil)
        let quiet = SlowClient.waitForClose(silent, within: 10, sending: nil)

        // verify
        #expect(String(decoding: answered.received.prefix(12), as: UTF8.self) == "HTTP/1.1 200")
        let seconds = try #require(answered.seconds, "the kept-alive connection was still open after 10 s")
        #expect(seconds >= 0.7 && seconds < 6, "closed after \(seconds) s")
        #expect(quiet.seconds != nil, "the silent connection was still open")
        withExtendedLifetime(server) {}
    }

    @Test func aBodyDribbledAByteAtATimeIsCutOffAtTheBodyTimeout() async throws {
        // setup
        let server = try await server(["HOSO_HTTP_BODY_TIMEOUT_SECONDS": "1"])
        let socket = try RawHTTP.dial(port: server.port)
        defer { close(socket) }

        // act: a sign-in whose 100-byte body comes a byte every 300 ms
        try RawHTTP.sendAll(socket, Array("""
            POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n
            """.utf8))
        let closed = SlowClient.waitForClose(socket, within: 10, sending: Array("{".utf8))

        // verify
        let seconds = try #require(closed.seconds, "the connection was still open after 10 s")
        #expect(seconds >= 0.7 && seconds < 6, "closed after \(seconds) s")
        withExtendedLifetime(server) {}
    }

    @Test func connectionsOverTheCapWaitUntilOneCloses() async throws {
        // setup: two connections that the server has answered once and keeps alive (the cap:
        // proven held by their answers, not assumed after a pause), then a third that asks
        let server = try await server(["HOSO_HTTP_MAX_CONNECTIONS": "2"])
        let ask = Array("GET /api/v1/openapi.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        var held: [Int32] = []
        defer { for socket in held { close(socket) } }
        for _ in 0..<2 {
            // A connection of `start()`'s health checks may still hold a slot for a moment: the
            // answer may wait for it, so the patience is long.
            let socket = try RawHTTP.dial(port: server.port)
            held.append(socket)
            try RawHTTP.sendAll(socket, ask)
            let answer = SlowClient.readResponse(socket, within: 20)
            try #require(String(decoding: answer.prefix(12), as: UTF8.self) == "HTTP/1.1 200", "a held connection was answered")
        }
        let third = try RawHTTP.dial(port: server.port)
        defer { close(third) }

        // act
        try RawHTTP.sendAll(third, Array("GET /api/v1/openapi.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        let waiting = SlowClient.waitForClose(third, within: 1.5, sending: nil)
        close(held.removeFirst())
        let served = SlowClient.waitForClose(third, within: 20, sending: nil)

        // verify
        #expect(waiting.received.isEmpty, "the third connection was served while two others were open")
        #expect(String(decoding: served.received.prefix(12), as: UTF8.self) == "HTTP/1.1 200", "served once one closed")
        withExtendedLifetime(server) {}
    }
}

/// A client that takes its time.
enum SlowClient {
    struct Outcome {
        /// Seconds until the server closed the connection; nil if it did not within the limit.
        var seconds: Double?
        var received: [UInt8] = []
    }

    /// Reads one whole response (its header and `Content-Length` bytes of body) on a connection
    /// the server keeps open, or what came within `limit` seconds.
    static func readResponse(_ fd: Int32, within limit: Double) -> [UInt8] {
        var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let end = Array("\r\n\r\n".utf8)
        while Date().timeIntervalSince(start) < limit {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count > 0 { received += buffer[0..<count] }
            guard let headerEnd = received.firstRange(of: end) else { continue }
            let header = String(decoding: received[..<headerEnd.lowerBound], as: UTF8.self).lowercased()
            let length = header.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.count >= headerEnd.upperBound + length { break }
        }
        return received
    }

    /// Reads until the server closes `fd` or `limit` seconds pass, sending `trickle` (if any)
    /// every 300 ms meanwhile.
    static func waitForClose(_ fd: Int32, within limit: Double, sending trickle: [UInt8]?) -> Outcome {
        var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var outcome = Outcome()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(start) < limit {
            if let trickle, (try? RawHTTP.sendAll(fd, trickle)) == nil {
                outcome.seconds = Date().timeIntervalSince(start)
                return outcome
            }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                outcome.received += buffer[0..<count]
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                outcome.seconds = Date().timeIntervalSince(start)
                return outcome
            }
        }
        return outcome
    }
}
