import Glibc
import Logging
import NexusAdminModel
import NexusBytes
import NexusCrypto
import NexusSystem
import NexusTLS
import Synchronization

/// The admin API: HTTP/1.1 with JSON bodies on a local Unix socket, one request per connection, one at a time.
///
/// `init` creates the socket (so a busy path fails nexusd's start-up, not later); `start()` serves it on a thread
/// of its own, or call the blocking `run()` on a thread you made. `stop()` stops accepting, removes the socket
/// file and, after `start()`, waits for the thread. Every request is logged at info with the caller's uid, gid
/// and pid (SO_PEERCRED) as the audit trail; bodies are never logged.
///
///     curl --unix-socket /run/nexus/admin.sock http://localhost/v1/status
public final class AdminServer: Sendable {
    /// The socket's path (for the TCP listener: `tcp://HOST:PORT`).
    public let path: String
    private let router: AdminRouter
    private let logger: Logger
    private let timeoutMilliseconds: Int64
    private let kind: Kind
    private let state: Mutex<State>

    private enum Kind: Sendable {
        case unix(SocketFileIdentity)
        /// Every request must carry `Authorization: Bearer <token>`; TLS when a context is given.
        case tcp(token: [UInt8], tls: TLSServerContext?)
    }

    private struct State {
        /// The listening descriptor, -1 once closed.
        var fd: Int32
        var running = false
        var stopping = false
        var thread: AdminThread?
    }

    /// Creates the socket at `path` and listens on it.
    ///
    /// A socket file nobody answers on (left by a crash) is replaced; a live server there, or a file that is not
    /// a socket, is an error. The file gets `mode` (default 0660) and, when `group` is given, that owner group, so
    /// members of the group may use nexusctl without root.
    /// - Parameter timeout: how long one connection may take to send its request and read the answer.
    public init(path: String, mode: UInt32 = 0o660, group: UInt32? = nil, timeout: Duration = .seconds(5),
                handlers: AdminHandlers, logger: Logger) throws(AdminServerError) {
        let (fd, identity) = try UnixSocket.listen(path: path, mode: mode, group: group, backlog: 16)
        self.path = path
        self.router = AdminRouter(handlers: handlers)
        self.logger = logger
        let (seconds, attoseconds) = timeout.components
        self.timeoutMilliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        self.kind = .unix(identity)
        self.state = Mutex(State(fd: fd))
    }

    /// Listens on TCP `host:port`: every request must carry `Authorization: Bearer <token>` (compared in constant
    /// time), over TLS when `tls` is given. The caller is recorded by its address.
    public init(tcpHost host: String, port: UInt16, ipv6: Bool, token: [UInt8], tls: TLSServerContext?,
                timeout: Duration = .seconds(5), handlers: AdminHandlers, logger: Logger) throws(AdminServerError) {
        let fd: Int32
        do { fd = try Socket.listen(host: host, port: port, ipv6: ipv6, backlog: 16, reusePort: false) } catch {
            throw AdminServerError(what: "cannot listen on \(host):\(port)", why: "\(error)")
        }
        // The admin thread blocks in accept and reads with timeouts.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        path = "tcp://" + (ipv6 ? "[\(host)]" : host) + ":\(port)"
        router = AdminRouter(handlers: handlers)
        self.logger = logger
        let (seconds, attoseconds) = timeout.components
        timeoutMilliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        kind = .tcp(token: token, tls: tls)
        state = Mutex(State(fd: fd))
    }

    deinit {
        stop()
    }

    /// Serves on a new thread named "nexus-admin" until `stop()`.
    public func start() throws(AdminServerError) {
        let result = AdminThread.spawn(name: "nexus-admin") { [self] in run() }
        switch result {
        case .success(let thread): state.withLock { $0.thread = thread }
        case .failure(let e): throw AdminServerError(what: "cannot start the admin thread", why: SystemError.describe(e.errno))
        }
    }

    /// Accepts and answers connections on the calling thread until `stop()`; returns at once if already stopped.
    public func run() {
        let fd: Int32? = state.withLock { s in
            guard !s.stopping, !s.running, s.fd >= 0 else { return nil }
            s.running = true
            return s.fd
        }
        guard let fd else { return }
        logger.info("admin API listening", metadata: ["socket": "\(path)"])
        while true {
            let connection = UnixSocket.accept(fd)
            if state.withLock({ $0.stopping }) {
                if connection >= 0 { Socket.close(connection) }
                break
            }
            if connection >= 0 {
                serve(connection)
                continue
            }
            switch -connection {
            case EINTR, ECONNABORTED, EPROTO:
                continue
            default:
                // EMFILE and friends: wait a little rather than spin; the next accept may succeed.
                logger.error("admin accept failed", metadata: ["error": "\(SystemError.describe(-connection))"])
                usleep(100_000)
            }
        }
        state.withLock { s in
            Socket.close(s.fd)
            s.fd = -1
            s.running = false
        }
    }

    /// Stops serving: no new connections, the socket file removed. Idempotent.
    ///
    /// A request being answered finishes first. After `start()`, waits for the admin thread (unless called on it).
    public func stop() {
        let thread: AdminThread? = state.withLock { s in
            if !s.stopping {
                s.stopping = true
                if case .unix(let identity) = kind { UnixSocket.unlinkIfOurs(path, identity) }
                if s.running {
                    // Wakes the accept in run(), which closes the descriptor on its way out.
                    Socket.shutdown(s.fd, write: true, read: true)
                } else if s.fd >= 0 {
                    Socket.close(s.fd)
                    s.fd = -1
                }
            }
            let t = s.thread
            s.thread = nil
            return t
        }
        if let thread, !thread.isCurrent { thread.join() }
    }

    /// Whether `authorization` is `Bearer <token>` (constant-time on the token).
    static func bearerMatches(_ authorization: String?, _ token: [UInt8]) -> Bool {
        guard let a = authorization, a.count > 7, a.prefix(7).lowercased() == "bearer " else { return false }
        return ConstantTime.equal(Array(a.dropFirst(7).drop(while: { $0 == " " }).utf8), token)
    }

    /// Answers one connection and closes it.
    private func serve(_ fd: Int32) {
        let started = Clock.monotonicMilliseconds()
        defer { Socket.close(fd) }
        UnixSocket.setTimeouts(fd, milliseconds: timeoutMilliseconds)
        let caller: AdminCaller
        let transport: any AdminTransport
        var token: [UInt8]?
        switch kind {
        case .unix:
            // SO_PEERCRED cannot fail on a connected Unix socket; nobody (65534) is only a safe stand-in.
            caller = UnixSocket.peer(fd) ?? AdminCaller(uid: 65534, gid: 65534, pid: 0)
            transport = PlainTransport(fd: fd)
        case .tcp(let t, let tls):
            caller = AdminCaller(uid: 65534, gid: 65534, pid: 0, remote: Socket.peerAddress(fd)?.ipString ?? "?")
            token = t
            if let tls {
                guard let stream = TLSTransport(fd: fd, context: tls) else { return }
                transport = stream
            } else {
                transport = PlainTransport(fd: fd)
            }
        }
        let response: AdminResponse
        var method = "-", path = "-"
        switch AdminRequestReader.read(transport, deadline: started + timeoutMilliseconds) {
        case .gone:
            logger.debug("admin connection closed before a whole request", metadata: ["caller": "\(caller)"])
            return
        case .refused(let status, let detail):
            response = .problem(status, detail)
        case .request(let request):
            method = request.method
            path = request.path
            if let token, !Self.bearerMatches(request.authorization, token) {
                response = .problem(401, "this listener needs the admin token: Authorization: Bearer TOKEN",
                                    wwwAuthenticate: "Bearer realm=\"nexus-admin\"")
            } else {
                response = router.respond(method: request.method, path: request.path, body: request.body, caller: caller)
            }
        }
        let out = ByteBuffer(capacity: 512 + response.body.count)
        response.write(into: out)
        let sent = transport.send(out.readable)
        transport.finish()
        // The audit line: who asked what, and the answer. Never the bodies (a future endpoint may carry secrets).
        logger.info("admin request", metadata: [
            "method": "\(method)", "path": "\(path)", "status": "\(response.status)",
            "caller": "\(caller)",
            "ms": "\(Clock.monotonicMilliseconds() - started)", "sent": "\(sent)",
        ])
    }
}
