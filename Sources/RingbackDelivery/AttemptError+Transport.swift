import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import RingbackCore

extension AttemptError {
    /// The code of a transport failure, decided from the error's type (never from its text).
    static func transport(_ error: any Error) -> AttemptError {
        if let error = error as? AttemptError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .tlsHandshakeTimeout,
                 .getConnectionFromPoolTimeout, .cancelled:
                return .timeout()
            case .remoteConnectionClosed:
                return .connectionReset
            default:
                return .invalidResponse("\(error)")
            }
        }
        if let error = error as? IOError { return errno(error.errnoCode, "\(error)") }
        if let error = error as? NIOConnectionError {
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty { return .dnsFailure }
            if let first = error.connectionErrors.first?.error { return transport(first) }
            return .connectFailed("no address could be reached")
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return .timeout()
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed: return .connectionReset
            default: return .connectFailed("\(error)")
            }
        }
        if error is HTTPParserError { return .invalidResponse("\(error)") }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return .tls("\(error)") }
        if error is CancellationError { return .timeout() }
        return .connectionReset
    }

    private static func errno(_ code: Int32, _ text: String) -> AttemptError {
        switch code {
        case ECONNREFUSED: .connectionRefused
        case ECONNRESET, EPIPE, ECONNABORTED: .connectionReset
        case ETIMEDOUT: .timeout()
        case EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL: .connectFailed(text)
        default: .connectionReset
        }
    }
}
