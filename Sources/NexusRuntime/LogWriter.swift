// LogWriter: one thread owns the log descriptor; every other thread posts lines to it and never blocks on I/O.
import NexusSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A thread that owns a file descriptor (stderr by default) and writes the lines other threads post to it.
///
/// Posting is a `Mailbox` post: it never blocks and never does I/O, so an event loop can log on its hot path. When
/// the mailbox is full the line is dropped and counted (`dropped`), following the mailbox's full-ring policy; flush
/// and stop are control messages and are retried until accepted. The writer drains everything queued, concatenates
/// it into one buffer and issues one `write(2)` per drain (more only for partial writes or buffers over 64 KiB).
///
/// Lines whose write fails (EPIPE, EBADF, ENOSPC...) are counted in `dropped` too. The process should ignore or
/// block SIGPIPE (nexusd blocks it) if the descriptor is a pipe or socket.
public final class LogWriter: Sendable {
    /// What travels through the mailbox.
    private enum Message: Sendable {
        case line([UInt8])
        case flush(FlushSignal)
        /// Open `path` again (after logrotate renamed the file) and write there from now on.
        case reopen
        case stop
    }

    /// The descriptor the writer thread writes to (for a writer of a file: the first one it opened).
    public let fd: Int32
    /// The file a `reopen()` opens again; nil for a writer of a descriptor it was given.
    public let path: String?
    private let mailbox: Mailbox<Message>
    /// Lines refused because `stop()` had begun.
    private let refusedAfterStop = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let thread: NexusThread
    private let sharedFailures: FailureCounter

    /// Lines lost to failed writes; shared with the writer thread.
    private final class FailureCounter: Sendable {
        let count = Atomic<Int>(0)
    }

    /// Starts the writer thread.
    ///
    /// - Parameters:
    ///   - fd: the descriptor to write to; not closed by the writer.
    ///   - capacity: how many lines may wait before posts are dropped (rounded up to a power of two).
    ///   - threadName: the writer thread's name.
    public init(fd: Int32 = STDERR_FILENO, capacity: Int = 8192,
                threadName: String = "nexus-log") throws(RuntimeSyscallError) {
        self.fd = fd
        path = nil
        let mailbox = try Mailbox<Message>(capacity: capacity)
        let failures = FailureCounter()
        self.mailbox = mailbox
        self.sharedFailures = failures
        thread = NexusThread.spawn(name: threadName) {
            LogWriter.run(fd: fd, path: nil, mailbox: mailbox, failures: failures)
        }
    }

    /// Starts a writer thread appending to the file at `path` (created with `mode` if missing); `reopen()` opens
    /// the path again, as logrotate's postrotate expects. The writer closes the file when it stops.
    ///
    /// `batchMilliseconds` > 0: after each write the thread sleeps that long before it waits for more, so that a
    /// busy producer wakes it (an eventfd write, a context switch) about once per period instead of once per line.
    /// Lines then reach the file up to that much later; flush, reopen and stop wait as long at most.
    public init(path: String, mode: mode_t = 0o640, capacity: Int = 8192, threadName: String,
                batchMilliseconds: Int = 0) throws(RuntimeSyscallError) {
        let fd = Self.open(path, mode: mode)
        guard fd >= 0 else { throw RuntimeSyscallError(call: "open(\(path))", errno: errno) }
        self.fd = fd
        self.path = path
        let mailbox: Mailbox<Message>
        do { mailbox = try Mailbox<Message>(capacity: capacity) } catch {
            Glibc.close(fd)
            throw error
        }
        let failures = FailureCounter()
        self.mailbox = mailbox
        self.sharedFailures = failures
        thread = NexusThread.spawn(name: threadName) {
            LogWriter.run(fd: fd, path: path, mode: mode, batchMilliseconds: batchMilliseconds, mailbox: mailbox,
                          failures: failures)
        }
    }

    private static func open(_ path: String, mode: mode_t) -> Int32 {
        Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode)
    }

    /// Asks the writer to open its path again (lines queued before go to the old file); no-op without a path.
    /// Any thread; returns at once.
    public func reopen() {
        guard path != nil, !stopping.load(ordering: .relaxed) else { return }
        postControl(.reopen)
    }

    deinit {
        stop()
    }

    /// Lines dropped because the mailbox was full, after `stop()`, or because their write failed.
    public var dropped: Int {
        // Relaxed: statistics; they pair with nothing.
        mailbox.dropped + sharedFailures.count.load(ordering: .relaxed) + refusedAfterStop.load(ordering: .relaxed)
    }

    /// Queues `line` (without its trailing newline; the writer adds one); any thread, never blocks.
    ///
    /// - Returns: `false` if the line was dropped (mailbox full, or the writer stopped) and counted in `dropped`.
    @discardableResult
    public func write(_ line: [UInt8]) -> Bool {
        // Relaxed: a best-effort early refusal; a line racing with `stop()` may still be queued and lost (see stop).
        if stopping.load(ordering: .relaxed) {
            refusedAfterStop.add(1, ordering: .relaxed)
            return false
        }
        return mailbox.post(.line(line))
    }

    /// Queues `line` as UTF-8 (see `write(_: [UInt8])`).
    @discardableResult
    public func write(_ line: String) -> Bool {
        write(Array(line.utf8))
    }

    /// Returns once every line this thread queued before the call has been handed to `write(2)`.
    ///
    /// Lines queued by other threads before they synchronized with this one are covered too. Returns at once after
    /// `stop()`. Must not be called from the writer thread (it never is: that thread runs only the writer loop).
    public func flush() {
        // Relaxed: see `write`.
        if stopping.load(ordering: .relaxed) { return }
        let done = FlushSignal()
        postControl(.flush(done))
        done.wait()
    }

    /// Writes everything queued, then ends and joins the writer thread; later writes are dropped and counted.
    ///
    /// Lines queued before `stop()` by this thread (or by threads that synchronized with it) are written. A line
    /// posted concurrently with `stop()` may be neither written nor counted. Only the first call does anything.
    public func stop() {
        // Acquiring-and-releasing: only one caller wins; the flag orders no data (the mailbox does).
        if stopping.exchange(true, ordering: .acquiringAndReleasing) { return }
        postControl(.stop)
        thread.join()
    }

    /// Posts a control message, retrying while the mailbox is full: control messages are never dropped.
    private func postControl(_ message: Message) {
        while !mailbox.tryPost(message) {
            sched_yield()
        }
    }

    /// The writer thread's loop: wait, drain into one buffer, write, signal flushes; until `.stop`.
    private static func run(fd initial: Int32, path: String?, mode: mode_t = 0o640, batchMilliseconds: Int = 0,
                            mailbox: Mailbox<Message>, failures: FailureCounter) {
        var fd = initial
        defer { if path != nil { Glibc.close(fd) } }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var linesInBuffer = 0
        var flushes: [FlushSignal] = []
        var stopRequested = false
        func writeBuffer() {
            if !buffer.isEmpty && !writeAll(fd: fd, bytes: buffer) {
                // Relaxed: a statistic.
                failures.count.add(linesInBuffer, ordering: .relaxed)
            }
            buffer.removeAll(keepingCapacity: true)
            linesInBuffer = 0
        }
        while true {
            mailbox.drain { message in
                switch message {
                case .line(let line):
                    buffer.append(contentsOf: line)
                    buffer.append(UInt8(ascii: "\n"))
                    linesInBuffer += 1
                    if buffer.count >= 1 << 16 { writeBuffer() }
                case .flush(let signal):
                    flushes.append(signal)
                case .reopen:
                    writeBuffer()
                    // A file that cannot be opened (full disk, permissions) keeps the old descriptor: lines keep
                    // going to the renamed file rather than nowhere.
                    if let path {
                        let new = open(path, mode: mode)
                        if new >= 0 {
                            Glibc.close(fd)
                            fd = new
                        }
                    }
                case .stop:
                    stopRequested = true
                }
            }
            writeBuffer()
            for signal in flushes { signal.signal() }
            flushes.removeAll(keepingCapacity: true)
            if stopRequested { return }
            // Batching: posts made while this thread sleeps wake it once (the first sets the waker's flag).
            if batchMilliseconds > 0 { usleep(UInt32(batchMilliseconds) * 1000) }
            _ = mailbox.waker.waitBlocking(timeoutMilliseconds: -1)
        }
    }

    /// Writes all of `bytes` to `fd`, retrying on EINTR and partial writes and waiting for POLLOUT on EAGAIN.
    /// Returns `false` on any other error.
    private static func writeAll(fd: Int32, bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 {
                    offset += n
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno == EAGAIN {
                    var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&descriptor, 1, -1)
                    continue
                }
                return false
            }
            return true
        }
    }
}
