import NexusBytes
import NexusHTTP1

/// The state of one client connection, kept in a slot of the loop's preallocated table.
///
/// A slot is reused for the next connection once everything in flight on it has completed, so its buffers
/// are allocated once and kept (shrunk back after a large request). Owned by one event loop.
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
    }

    let slot: Int32
    var fd: Int32 = -1
    var generation: UInt32 = 0
    var phase: Phase = .free

    /// Bytes received and not yet parsed.
    let input = ByteBuffer(capacity: 4096)
    /// The head of the request being served (copied out of `input` so that the ranges stay valid while
    /// the body streams through `input`).
    let headBytes = ByteBuffer(capacity: 1024)
    /// The body, when the handler wants it whole (echo).
    let body = ByteBuffer(capacity: 256)
    /// Bytes being sent: the driver owns it while a send is in flight.
    var out = ByteBuffer(capacity: 4096)
    /// Responses the engine appends; moved to `out` by the driver when no send is in flight.
    var outbox = ByteBuffer(capacity: 4096)

    var scanner = HeadScanner()
    var head = RequestHead()
    var decoder: BodyDecoder?
    /// The route chosen for the request in progress.
    var target: RouteTarget = .notFound
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

    init(slot: Int32) { self.slot = slot }

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
    }

    /// Returns large buffers to the allocator once a connection is done with them.
    func trimBuffers() {
        input.shrinkIfEmpty(to: 4096)
        headBytes.shrinkIfEmpty(to: 1024)
        body.shrinkIfEmpty(to: 256)
        out.shrinkIfEmpty(to: 4096)
        outbox.shrinkIfEmpty(to: 4096)
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
