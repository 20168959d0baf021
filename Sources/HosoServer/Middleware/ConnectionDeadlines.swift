import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

// Deadlines on slow clients, below the router: a connection that dribbles a header line every few
// seconds, or a body a byte at a time, would otherwise hold its socket (and a slot of the
// connection cap) for ever. Hummingbird closes idle connections itself (`HTTP1Channel`'s
// `idleTimeout`) and caps connections (`MaximumAvailableConnections`); what it lacks is a limit
// on the time a request's header and body may take, which these two handlers add.

extension HTTPServerBuilder {
    /// HTTP/1.1 with the idle timeout, the header and body deadlines of `limits`.
    static func http1(limits: ConnectionLimits) -> HTTPServerBuilder {
        .init { responder in
            GuardedHTTP1Channel(
                base: HTTP1Channel(
                    responder: responder,
                    configuration: .init(additionalChannelHandlers: [RequestProgressHandler()],
                                         idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds)))
                ),
                limits: limits
            )
        }
    }
}

/// `HTTP1Channel` with `ConnectionDeadlineHandler` first in the pipeline, where it sees the bytes
/// before the HTTP decoder does (a header still arriving produces no HTTP part to see).
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel
    let limits: ConnectionLimits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limits = limits
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ConnectionDeadlineHandler(limits: limits, logger: logger))
        }.flatMap { [base] _ in
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Closes the connection when a request's header is not complete `headerTimeoutSeconds` after
/// its first byte, or its body `bodyTimeoutSeconds` after its header. Time the server spends on
/// a response is not the client's: no deadline runs then.
final class ConnectionDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// Requests whose header was read and whose response has not ended.
    private var unanswered = 0
    private var readingBody = false
    private var deadline: Scheduled<Void>?

    init(limits: ConnectionLimits, logger: Logger) {
        headerTimeout = .seconds(Int64(limits.headerTimeoutSeconds))
        bodyTimeout = .seconds(Int64(limits.bodyTimeoutSeconds))
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The first bytes of a request: its header must be complete in time.
        if unanswered == 0, !readingBody, deadline == nil { arm(headerTimeout, "header") }
        context.fireChannelRead(data)
    }

    func requestHeadRead() {
        cancel()
        unanswered += 1
        readingBody = true
        arm(bodyTimeout, "body")
    }

    func requestEndRead() {
        readingBody = false
        cancel()
    }

    func responseEnded() { unanswered = max(0, unanswered - 1) }

    private func arm(_ amount: TimeAmount, _ what: String) {
        guard let context else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: amount) { [weak self] in
            guard let self, let context = self.context else { return }
            self.deadline = nil
            self.logger.debug("connection closed: request \(what) too slow")
            context.close(promise: nil)
        }
    }

    private func cancel() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Tells the `ConnectionDeadlineHandler` of this connection where each request stands.
final class RequestProgressHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var deadlines: ConnectionDeadlineHandler?

    func handlerAdded(context: ChannelHandlerContext) {
        deadlines = try? context.pipeline.syncOperations.handler(type: ConnectionDeadlineHandler.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) { deadlines = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: deadlines?.requestHeadRead()
        case .body: break
        case .end: deadlines?.requestEndRead()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { deadlines?.responseEnded() }
        context.write(data, promise: promise)
    }
}
