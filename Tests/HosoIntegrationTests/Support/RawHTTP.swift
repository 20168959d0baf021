import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 request over a plain socket, for what the test clients will not send (a chosen
/// `Host` header). Returns the status code and the body.
enum RawHTTP {
    struct Failed: Error {}

    /// Runs a blocking call on a thread of its own and awaits it. Against the test's own live
    /// server, a blocking read on a thread of the cooperative pool (two threads on a two-core
    /// machine) can starve the server that must answer it: two such reads at once stalled a run.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    static func get(port: Int, path: String, host: String, cookie: String? = nil) async throws -> (status: Int, body: String) {
        try await offPool { try get(port: port, path: path, host: host, cookie: cookie) as (Int, String) }
    }

    static func request(port: Int, _ method: String, _ path: String, host: String? = nil, headers: [(String, String)] = [],
                        body: [UInt8] = []) async throws -> (status: Int, headers: [(String, String)], body: String) {
        try await offPool { try request(port: port, method, path, host: host, headers: headers, body: body) as (Int, [(String, String)], String) }
    }

    static func get(port: Int, path: String, host: String, cookie: String? = nil) throws -> (status: Int, body: String) {
        let fd = try dial(port: port)
        defer { close(fd) }
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        if let cookie { request += "Cookie: \(cookie)\r\n" }
        request += "\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }
}

extension RawHTTP {
    /// A connected socket to 127.0.0.1:port.
    static func dial(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw Failed() }
        return fd
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failed() }
            offset += sent
        }
    }

    /// One whole request; returns the status, the headers (lower-cased names) and the body.
    /// `host`: the Host header (a tenant's host name); 127.0.0.1:port when nil.
    static func request(port: Int, _ method: String, _ path: String, host: String? = nil, headers: [(String, String)] = [],
                        body: [UInt8] = []) throws -> (status: Int, headers: [(String, String)], body: String) {
        let fd = try dial(port: port)
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        try sendAll(fd, Array((head + "\r\n").utf8) + body)
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        let text = String(decoding: data, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let lines = (parts.first ?? "").components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        let fields = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return (status, fields, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
