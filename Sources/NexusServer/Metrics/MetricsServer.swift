import Glibc
import NexusRuntime
import NexusSystem
import Synchronization

/// The metrics listener: `GET /metrics`, `/healthz` and `/readyz` over plain HTTP/1.1 on a thread of its own
/// (`nexus-metrics`), one short connection at a time, never on an event loop.
///
/// Each connection gets 2 s to send its request head (at most 8 KiB) and read the answer; the answer closes the
/// connection. Scrapers ask a few times a minute, so one thread and blocking calls are the simple right size.
public final class MetricsServer: Sendable {
    /// The address bound (port 0 resolved): `host:port`.
    public let address: String
    private let fd: Int32
    private let pages: MetricsPages
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<NexusThread?>(nil)

    /// What the listener answers: the metrics page, liveness and readiness.
    public struct MetricsPages: Sendable {
        public var metrics: @Sendable () -> String
        /// nil: ready; else the reason it is not (503).
        public var notReady: @Sendable () -> String?

        public init(metrics: @escaping @Sendable () -> String, notReady: @escaping @Sendable () -> String?) {
            self.metrics = metrics
            self.notReady = notReady
        }
    }

    /// Binds the listener (so that a busy port stops nexusd's start-up).
    public init(host: String, port: UInt16, ipv6: Bool, pages: MetricsPages) throws(ServerError) {
        let fd: Int32
        do { fd = try Socket.listen(host: host, port: port, ipv6: ipv6, backlog: 16, reusePort: false) } catch {
            throw ServerError("cannot listen for metrics on \(ipv6 ? "[\(host)]" : host):\(port): \(error)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) // this thread blocks in accept
        self.fd = fd
        let bound = Socket.localPort(fd) ?? port
        address = (ipv6 ? "[\(host)]" : host) + ":\(bound)"
        self.pages = pages
    }

    /// Serves on the thread `nexus-metrics` until `stop()`.
    public func start() {
        let t = NexusThread.spawn(name: "nexus-metrics") { [self] in run() }
        thread.withLock { $0 = t }
    }

    /// Stops accepting and waits for the thread (a connection being answered finishes first).
    public func stop() {
        // Acquiring-and-releasing: one caller wins; the join below orders the rest.
        if stopping.exchange(true, ordering: .acquiringAndReleasing) { return }
        Socket.shutdown(fd, write: true, read: true) // wakes the accept
        let t = thread.withLock { t in defer { t = nil }; return t }
        t?.join()
        Socket.close(fd)
    }

    private func run() {
        while true {
            let c = accept(fd, nil, nil)
            // Relaxed: stop() shuts the socket down before the flag is read here; it orders nothing else.
            if stopping.load(ordering: .relaxed) {
                if c >= 0 { Socket.close(c) }
                return
            }
            if c < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                usleep(100_000) // EMFILE and friends: do not spin
                continue
            }
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            serve(c)
            Socket.close(c)
        }
    }

    private func serve(_ c: Int32) {
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while request.count < 8192 {
            let n = chunk.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            request.append(contentsOf: chunk[0..<n])
            if Self.headEnd(request) { break }
        }
        let (status, type, body) = answer(request)
        var out = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n"
        out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
        out += body
        var bytes = Array(out.utf8)
        if Self.isHead(request) { bytes = Array(bytes[0..<(out.utf8.count - body.utf8.count)]) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(c, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            sent += n
        }
        Socket.shutdown(c, write: true, read: false)
    }

    /// The status line's text, the content type and the body for a request.
    func answer(_ request: [UInt8]) -> (String, String, String) {
        let line = request.prefix { $0 != 0x0D && $0 != 0x0A }
        let parts = line.split(separator: 0x20)
        guard parts.count == 3, let method = String(validating: parts[0], as: UTF8.self),
              let target = String(validating: parts[1], as: UTF8.self) else {
            return ("400 Bad Request", "text/plain; charset=utf-8", "bad request\n")
        }
        guard method == "GET" || method == "HEAD" else {
            return ("405 Method Not Allowed", "text/plain; charset=utf-8", "GET or HEAD\n")
        }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        switch path {
        case "/metrics":
            return ("200 OK", PrometheusText.contentType, pages.metrics())
        case "/healthz":
            return ("200 OK", "text/plain; charset=utf-8", "ok\n")
        case "/readyz":
            if let why = pages.notReady() { return ("503 Service Unavailable", "text/plain; charset=utf-8", "not ready: \(why)\n") }
            return ("200 OK", "text/plain; charset=utf-8", "ready\n")
        default:
            return ("404 Not Found", "text/plain; charset=utf-8", "not found: try /metrics, /healthz or /readyz\n")
        }
    }

    private static func headEnd(_ b: [UInt8]) -> Bool {
        guard b.count >= 4 else { return b.count >= 2 && b.suffix(2) == [0x0A, 0x0A] }
        return b.suffix(4) == [0x0D, 0x0A, 0x0D, 0x0A] || b.suffix(2) == [0x0A, 0x0A]
            || b.indices.dropLast(3).contains { b[$0] == 0x0D && b[$0 + 1] == 0x0A && b[$0 + 2] == 0x0D && b[$0 + 3] == 0x0A }
    }

    private static func isHead(_ b: [UInt8]) -> Bool { b.starts(with: Array("HEAD ".utf8)) }
}
