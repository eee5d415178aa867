import NIOCore
import NIOPosix

/// A TCP server on loopback that misbehaves below HTTP: for the peers no HTTP library would
/// ever be (a connection reset, bytes that are not HTTP, a silent peer).
public final class RawServer: Sendable {
    public enum Behavior: Sendable {
        /// Reads the request, then closes the connection without answering.
        case close
        /// Answers these bytes, then closes.
        case answer([UInt8])
        /// Accepts and never answers.
        case silent
    }

    private let channel: any Channel
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Runs a server for the duration of `body`.
    public static func run<T: Sendable>(_ behavior: Behavior, _ body: (RawServer) async throws -> T) async throws -> T {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler(behavior: behavior)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = RawServer(channel: channel)
        do {
            let result = try await body(server)
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let behavior: Behavior

        init(behavior: Behavior) {
            self.behavior = behavior
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch behavior {
            case .close:
                context.close(promise: nil)
            case .answer(let bytes):
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
                context.close(promise: nil)
            case .silent:
                break
            }
        }
    }
}
