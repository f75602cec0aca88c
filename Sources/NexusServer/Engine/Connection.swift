import NexusAuth
import Glibc
import NexusBytes
import NexusHTTP1
import NexusTLS

/// The state of one client connection, kept in a slot of the loop's preallocated table.
///
/// A slot is reused for the next connection once everything in flight on it has completed. Its buffers grow
/// on demand and keep their capacity across the keep-alive requests of a connection; they are released when
/// the connection closes. Owned by one event loop.
final class Connection {
    /// What the connection is doing.
    enum Phase: UInt8 {
        /// The slot is free.
        case free
        /// Waiting for (the rest of) a request head.
        case head
        /// Reading a request body.
        case body
        /// The last response is out and the write side shut: reading and discarding until the peer closes
        /// or the linger time ends, so that unread bytes do not turn the close into a reset that could
        /// destroy the response in the client's receive queue (as nginx's lingering close).
        case linger
        /// Client side of a proxied exchange: the request head went upstream; the body (if any) streams while
        /// `decoder` is set; pipelined requests wait in `input` until the response is complete.
        case proxy
        /// Upstream side: a connection to a backend, in an exchange (`peer` set) or idle in its pool.
        case upstream
        /// Client side after a 101 from the backend: bytes are copied both ways until either side closes.
        case tunnel
    }

    /// Which side of the gateway the socket is on.
    enum Role: UInt8 { case client, upstream }

    let slot: Int32
    var fd: Int32 = -1
    var generation: UInt32 = 0
    var phase: Phase = .free

    /// Bytes received and not yet parsed.
    let input = ByteBuffer(capacity: 16)
    /// The head of the request being served (copied out of `input` so that the ranges stay valid while
    /// the body streams through `input`).
    let headBytes = ByteBuffer(capacity: 16)
    /// The body, when the handler wants it whole (echo).
    let body = ByteBuffer(capacity: 16)
    /// Bytes being sent: the driver owns it while a send is in flight.
    var out = ByteBuffer(capacity: 16)
    /// Responses the engine appends; moved to `out` by the driver when no send is in flight.
    var outbox = ByteBuffer(capacity: 16)

    var scanner = HeadScanner()
    var head = RequestHead()
    var decoder: BodyDecoder?
    /// The route chosen for the request in progress.
    var target: RouteTarget = .notFound
    /// The usage slot of the route that took the current request (-1: none).
    var routeSlot = -1
    /// The status of the final response to the current proxied request (0 until known).
    var responseStatus = 0
    /// When the current request's first byte arrived (the engine's batch clock, monotonic µs): latency and the
    /// access log's duration.
    var requestStart: Int64 = 0
    /// Bytes of the current proxied response queued for the client so far (head and body).
    var responseBytes = 0
    /// The backend that answered the current proxied request (for the access log), and the X-Request-Id sent
    /// with it (kept only while an access log is on).
    var upstreamName: String?
    var requestID: String?
    /// Who sent the current request (nil: anonymous).
    var principal: Principal?
    /// RateLimit-Policy and RateLimit fields for the current response.
    var rateLimitFields: [(String, String)] = []
    /// The peer's address bytes, once read.
    var clientAddress: [UInt8]?
    var keepBody = false

    /// A byte of the current request has arrived (so a timeout is a 408, not an idle close).
    var requestStarted = false
    /// At least one response was completed on this connection (the idle keep-alive timer applies, not the header timer).
    var servedAny = false
    /// The response that is queued is the last: shut the write side once it is sent.
    var closeAfterFlush = false
    /// Close at once, dropping what is unsent.
    var abort = false
    /// The peer shut its write side (EOF).
    var peerClosed = false
    /// The engine asks the driver to stop reading (too much unparsed input while output is backed up).
    var wantReadPaused = false

    // Driver state.
    var sendInFlight = false
    var readPaused = false
    /// io_uring: the multishot receive is armed.
    var receiveArmed = false
    /// io_uring: operations submitted and not yet completed on this slot (the slot is freed at 0).
    var pendingOperations = 0
    /// Being closed: waiting for `pendingOperations` to drain.
    var closing = false
    /// epoll: EPOLLOUT is in the interest set.
    var wantsWritable = false
    /// The interest currently registered with epoll (EPOLLIN/EPOLLOUT bits).
    var registeredEvents: UInt32 = 0
    /// Listed in the loop's set of connections to settle after this batch of events.
    var dirty = false

    /// When the phase timer fires (monotonic ms).
    var deadline: Int64 = .max
    var timer: TimerKind = .none
    /// When an unfinished send is declared stuck (monotonic ms); .max when nothing is being sent.
    var sendDeadline: Int64 = .max
    /// The monotonic ms of the last completed response (for the drain grace).
    var lastActivity: Int64 = 0
    /// Index in the loop's dense list of open connections.
    var activeIndex = -1

    // TLS.
    /// The TLS state when the connection is encrypted (a TLS listener, or a pool with `tls`): `input` and `outbox`
    /// hold plaintext, `out` ciphertext. Nil for plain connections.
    var tls: TLSStream?
    /// The listener (by position) the connection was accepted on; -1 for an upstream connection.
    var listener = -1
    /// The peer's close_notify was passed on as the end of its stream (the TCP close that follows is ignored).
    var tlsEOF = false

    // Proxying.
    var role: Role = .client
    /// The other side of a proxied exchange: the upstream connection of a client, the client of an upstream.
    var peer: Connection?
    /// Client: the route's proxy target for the request in progress.
    var proxyRoute: ProxyRoute?
    /// Client: the request head as sent upstream, kept until a response byte arrives (for a retry).
    let forwardHead = ByteBuffer(capacity: 16)
    /// Client: the request target for the upstream (path rewritten, query kept).
    let upstreamTarget = ByteBuffer(capacity: 16)
    /// Client: body bytes have been forwarded (a retry would lose them).
    var bodyForwarded = false
    /// Client: the request (head and body) is entirely with the upstream connection.
    var requestForwarded = false
    /// Client: the response head went out to the client.
    var responseHeadSent = false
    /// Client: backends tried for this request.
    var attempts = 0
    /// Client: the Upgrade field went upstream (a 101 may follow).
    var upgradeRequested = false
    /// Shut the write side once the output is sent, and keep reading (a tunnel whose other side ended).
    var halfCloseAfterFlush = false
    /// The write side was shut.
    var writeShut = false
    /// Client: a workflow run waiting for its upstream (the connection is in the proxy phase meanwhile).
    var workflowCall: WorkflowCall?
    /// Client: the address of the peer as text (for X-Forwarded-For), computed once per connection.
    var clientIP: [UInt8]?
    /// Upstream: the pool state and backend index it belongs to.
    var upstreamState: LoopUpstreams.PoolState?
    var backendIndex = 0
    /// Upstream: parked in its pool's idle list.
    var inIdlePool = false
    /// Upstream: connect in progress.
    var connecting = false
    /// Upstream: the address being connected to (stable memory for the io_uring connect).
    let remote: UnsafeMutablePointer<sockaddr_storage> = {
        let p = UnsafeMutablePointer<sockaddr_storage>.allocate(capacity: 1)
        p.initialize(to: sockaddr_storage())
        return p
    }()
    var remoteLength: socklen_t = 0
    /// Upstream: the response being read.
    var responseScanner = HeadScanner()
    var response = ResponseHead()
    var responseParsed = false
    var responseDecoder: BodyDecoder?
    /// Upstream: how the response body goes to the client.
    var bodyPlan: ResponsePlan.Body = .none
    /// Upstream: the response body ends when the backend closes.
    var closeDelimited = false
    /// Upstream: an event stream or a tunnel: the pool's idle timeout replaces the read and total timeouts.
    var streaming = false
    /// Upstream: a byte of the response arrived (no retry after that).
    var responseStarted = false
    /// Upstream: when the exchange started (total timeout) and the timeouts of its pool.
    var exchangeStart: Int64 = 0
    /// Per-socket send timeout (client: timeouts.send; upstream: the pool's write timeout).
    var sendTimeout: Int64 = 0

    init(slot: Int32) { self.slot = slot }

    deinit { remote.deallocate() }

    /// The verified subject (RFC 2253) of the client's certificate on a listener with `client_ca`; nil without
    /// one. For the auth policies (consumers identified by certificate).
    var clientCertificateSubject: String? { role == .client ? tls?.peerSubject : nil }

    /// Whether anything waits to be sent.
    var hasOutput: Bool { !out.isEmpty || !outbox.isEmpty }

    /// Readies a free slot for a newly accepted descriptor.
    func open(fd: Int32, now: Int64) {
        self.fd = fd
        generation &+= 1
        phase = .head
        input.clear(); headBytes.clear(); body.clear(); out.clear(); outbox.clear()
        scanner.reset(); head.reset(); decoder = nil; target = .notFound; keepBody = false
        requestStarted = false; servedAny = false; closeAfterFlush = false; abort = false; peerClosed = false
        wantReadPaused = false; sendInFlight = false; readPaused = false; receiveArmed = false
        pendingOperations = 0; closing = false; wantsWritable = false; registeredEvents = 0; dirty = false
        deadline = .max; timer = .none; sendDeadline = .max; lastActivity = now
        role = .client; peer = nil; proxyRoute = nil; workflowCall = nil; forwardHead.clear(); bodyForwarded = false
        requestForwarded = false; responseHeadSent = false; attempts = 0; clientIP = nil
        clientAddress = nil; principal = nil; rateLimitFields.removeAll()
        upstreamState = nil; backendIndex = 0; inIdlePool = false; connecting = false; remoteLength = 0
        responseScanner.reset(); response.reset(); responseParsed = false; responseDecoder = nil; bodyPlan = .none; closeDelimited = false
        responseStarted = false; exchangeStart = 0
        requestStart = 0; responseBytes = 0; upstreamName = nil; requestID = nil
        tls = nil; tlsEOF = false
    }

    /// Returns the buffers' memory to the allocator when the slot is freed: slots are preallocated for
    /// `max_connections`, their buffers only while a connection uses them (about 10 KiB for a typical one).
    func trimBuffers() {
        tls = nil // SSL_free: the TLS state lives no longer than the connection
        workflowCall = nil // a run cut short by a close: its buffer and answer channel go with the connection
        for b in [input, headBytes, body, out, outbox, forwardHead, upstreamTarget] {
            b.clear()
            b.shrinkIfEmpty(to: 16)
        }
    }
}

/// Which phase timer is running on a connection.
enum TimerKind: UInt8 {
    case none
    /// Waiting for the first request on a new connection, or for the rest of a started head.
    case header
    /// Keep-alive: waiting for the next request.
    case idle
    /// Waiting for more of a request body.
    case body
    /// Lingering close.
    case linger
}
