import NexusBytes
import NexusSystem

/// A blocking request/response exchange over TLS for background work (health checks of TLS pools, and later
/// anything fetched over HTTPS): the same `TLSStream` and client context as the proxy path, over a
/// `DeadlineSocket`. Never call it on an event loop.
public enum TLSExchange {
    /// Connects, handshakes (verifying as the context says), sends `request`, and reads until the peer closes,
    /// `limit` bytes of plaintext arrive, or the time is up. Returns the plaintext or why it failed.
    public static func run(address: SocketAddress, request: [UInt8], timeoutMilliseconds: Int, context: TLSClientContext,
                    host: String, isIPAddress: Bool, limit: Int = 4096) -> Result<[UInt8], TLSExchangeError> {
        let socket: DeadlineSocket
        switch DeadlineSocket.connect(to: address, timeoutMilliseconds: timeoutMilliseconds) {
        case .success(let s): socket = s
        case .failure(let e): return .failure(TLSExchangeError(description: "\(e)"))
        }
        guard let tls = TLSStream(client: context, host: host, isIPAddress: isIPAddress) else {
            return .failure(TLSExchangeError(description: "out of memory"))
        }
        let wire = ByteBuffer(capacity: 16 * 1024)
        let plaintext = ByteBuffer(capacity: 4096)
        let pending = ByteBuffer(capacity: request.count)
        pending.append(request)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        _ = tls.handshake()
        while true {
            wire.clear()
            if tls.handshakeComplete && !pending.isEmpty { tls.write(pending, into: wire) }
            if let failure = tls.failure { return .failure(TLSExchangeError(description: failure)) }
            tls.drain(into: wire)
            if !wire.isEmpty, let e = socket.send(wire.readable) { return .failure(TLSExchangeError(description: "\(e)")) }
            if plaintext.readableBytes >= limit { break }
            let n = buffer.withUnsafeMutableBytes { socket.receive(into: $0) }
            if n == 0 { break }
            if n < 0 {
                if plaintext.isEmpty { return .failure(TLSExchangeError(description: SystemError.describe(Int32(-n)))) }
                break
            }
            let outcome = buffer.withUnsafeBytes { tls.receive(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: plaintext) }
            if outcome == .closed { break }
            if outcome == .failed { return .failure(TLSExchangeError(description: tls.failure ?? "TLS failed")) }
        }
        return .success(Array(plaintext.readable))
    }
}

/// Why a TLS exchange failed, for the log.
public struct TLSExchangeError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
