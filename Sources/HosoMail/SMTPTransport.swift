import CCurl
import HosoCore
import Logging
import NIOPosix

/// Where and how messages are handed over: an SMTP server (`smtp://host:port`, or `smtps://` for TLS
/// from the first byte), STARTTLS required unless switched off (a local test sink), and the
/// account to authenticate as, if any. The password only ever comes from the environment.
public struct SMTPSettings: Sendable, Equatable {
    public let url: String
    public let from: MailAddress
    public let username: String?
    public let password: String?
    public let startTLS: Bool
    public let timeoutSeconds: Int

    public init(url: String, from: MailAddress, username: String?, password: String?, startTLS: Bool, timeoutSeconds: Int = 30) {
        self.url = url
        self.from = from
        self.username = username
        self.password = password
        self.startTLS = startTLS
        self.timeoutSeconds = timeoutSeconds
    }

    public static func == (a: SMTPSettings, b: SMTPSettings) -> Bool {
        a.url == b.url && a.from == b.from && a.username == b.username && a.startTLS == b.startTLS && a.timeoutSeconds == b.timeoutSeconds
    }
}

/// Hands one message at a time to the SMTP server through libcurl (Debian's `libcurl4-openssl-dev`:
/// the protocol, STARTTLS and authentication are libcurl's, nothing here speaks SMTP itself).
/// libcurl blocks, so each transfer runs on a thread pool of its own.
public struct SMTPTransport: Sendable {
    let logger: Logger
    let threadPool: NIOThreadPool

    public static let sharedThreadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    public init(logger: Logger, threadPool: NIOThreadPool = SMTPTransport.sharedThreadPool) {
        self.logger = logger
        self.threadPool = threadPool
        _ = Self.initialized
    }

    static let initialized: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    /// Sends `message` to its recipient; the outcome says whether to retry.
    public func send(_ message: MailMessage, settings: SMTPSettings) async -> DeliveryOutcome {
        let bytes = message.rendered(boundary: "hoso-" + String(message.messageID.hashValue.magnitude, radix: 36))
        do {
            return try await threadPool.runIfActive { Self.transfer(bytes, from: message.from.address, to: message.to.address, settings: settings) }
        } catch {
            return .retry(answer: "the sending thread is not running")
        }
    }

    /// The message's bytes, read by libcurl in pieces.
    final class Reader {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    static func transfer(_ bytes: [UInt8], from: String, to: String, settings: SMTPSettings) -> DeliveryOutcome {
        // libcurl may write its message until curl_easy_cleanup, so the buffer is released after
        // that: defers run in reverse order, and this one is declared first.
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        guard let curl = curl_easy_init() else { return .retry(answer: "libcurl could not start a transfer") }
        defer { curl_easy_cleanup(curl) }
        let recipients = curl_slist_append(nil, "<\(to)>")
        defer { curl_slist_free_all(recipients) }
        let reader = Reader(bytes)
        let context = Unmanaged.passRetained(reader)
        defer { context.release() }
        let code: CURLcode = {
            _ = hoso_curl_set_string(curl, CURLOPT_URL, settings.url)
            _ = hoso_curl_set_string(curl, CURLOPT_MAIL_FROM, "<\(from)>")
            _ = hoso_curl_set_list(curl, CURLOPT_MAIL_RCPT, recipients)
            _ = hoso_curl_set_long(curl, CURLOPT_UPLOAD, 1)
            _ = hoso_curl_set_long(curl, CURLOPT_INFILESIZE_LARGE, Int(bytes.count))
            _ = hoso_curl_set_reader(curl) { buffer, size, count, context in
                guard let buffer, let context else { return 0 }
                let reader = Unmanaged<Reader>.fromOpaque(context).takeUnretainedValue()
                let room = size * count
                let left = reader.bytes.count - reader.offset
                let n = min(room, left)
                if n > 0 {
                    reader.bytes.withUnsafeBufferPointer { source in
                        UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + reader.offset, byteCount: n)
                    }
                    reader.offset += n
                }
                return n
            }
            _ = hoso_curl_set_pointer(curl, CURLOPT_READDATA, context.toOpaque())
            _ = hoso_curl_set_long(curl, CURLOPT_USE_SSL, settings.startTLS ? hoso_curl_use_ssl_all() : hoso_curl_use_ssl_none())
            if let username = settings.username, !username.isEmpty {
                _ = hoso_curl_set_string(curl, CURLOPT_USERNAME, username)
                _ = hoso_curl_set_string(curl, CURLOPT_PASSWORD, settings.password ?? "")
            }
            _ = hoso_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT, 10)
            _ = hoso_curl_set_long(curl, CURLOPT_TIMEOUT, settings.timeoutSeconds)
            _ = hoso_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
            _ = hoso_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer)
            return curl_easy_perform(curl)
        }()
        if code == CURLE_OK { return .sent }
        let reply = hoso_curl_response_code(curl)
        let text = String(cString: errorBuffer)
        let message = text.isEmpty ? String(cString: curl_easy_strerror(code)) : text
        return DeliveryOutcome.of(replyCode: reply, error: message)
    }
}
