import Glibc
import NexusSystem

/// Tells systemd how nexusd is doing, with the sd_notify(3) protocol: one datagram of `KEY=VALUE` lines per message
/// to the AF_UNIX socket named by `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace).
///
/// Without `$NOTIFY_SOCKET` (not started by systemd with Type=notify) every call does nothing. The environment is
/// read once, before any thread starts (`SystemdNotify.shared` is first touched at the top of `Nexusd.run`), and
/// `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` are then removed from it, as sd_notify's `unset_environment`
/// does, so that no child inherits them.
///
/// Messages sent: `READY=1` once the listeners are open and every loop runs; `RELOADING=1` with `MONOTONIC_USEC` at
/// the start of a reload and `READY=1` at its end (`Reloader.reload`); `STOPPING=1` when the drain begins;
/// `WATCHDOG=1` from the main thread while every loop ticks (`Watchdog`).
final class SystemdNotify: Sendable {
    /// The process's notifier.
    static let shared = SystemdNotify(environment: ProcessEnvironment.takeSystemdVariables())

    /// The socket address, as sendto(2) takes it; nil when there is no notify socket.
    private let address: [UInt8]?
    /// A datagram socket, opened at start and kept for the life of the process (sendto is safe from any thread).
    private let fd: Int32
    /// The watchdog period asked for by systemd (`$WATCHDOG_USEC`, when `$WATCHDOG_PID` is unset or ours), in
    /// microseconds; nil: no watchdog.
    let watchdogMicroseconds: Int64?
    /// What was wrong with the environment, for the log once the logger exists (nil: nothing).
    let problems: [String]

    /// Whether systemd is listening (`$NOTIFY_SOCKET` was set and valid).
    var isEnabled: Bool { address != nil && fd >= 0 }

    convenience init(environment env: SystemdEnvironment) {
        var problems: [String] = []
        var address: [UInt8]? = nil
        var fd: Int32 = -1
        if let socket = env.notifySocket {
            switch Self.socketAddress(socket) {
            case .success(let a):
                fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                if fd < 0 {
                    problems.append("cannot open a socket for NOTIFY_SOCKET: \(SystemError.describe(errno)); systemd will not hear from nexusd")
                } else {
                    address = a
                }
            case .failure(let why):
                problems.append("NOTIFY_SOCKET is not usable: \(why.description); systemd will not hear from nexusd")
            }
        }
        let (watchdog, watchdogProblem) = Self.watchdogPeriod(env)
        if let watchdogProblem { problems.append(watchdogProblem) }
        self.init(address: address, fd: fd, watchdog: watchdog, problems: problems)
    }

    /// The watchdog period in microseconds from `$WATCHDOG_USEC`, when `$WATCHDOG_PID` is unset or names this
    /// process (else the variables are meant for another process: no watchdog, no complaint); or why it is off.
    static func watchdogPeriod(_ env: SystemdEnvironment) -> (Int64?, String?) {
        guard let usec = env.watchdogMicroseconds else { return (nil, nil) }
        if let pid = env.watchdogPID {
            guard let p = Int32(pid), p > 0 else {
                return (nil, "WATCHDOG_PID is not a process id ('\(pid.prefix(32))'); the watchdog is off")
            }
            if p != getpid() { return (nil, nil) }
        }
        guard let n = Int64(usec), n > 0 else {
            return (nil, "WATCHDOG_USEC is not a positive number of microseconds ('\(usec.prefix(32))'); the watchdog is off")
        }
        return (n, nil)
    }

    private init(address: [UInt8]?, fd: Int32, watchdog: Int64?, problems: [String]) {
        self.address = address
        self.fd = fd
        self.watchdogMicroseconds = address == nil ? nil : watchdog
        self.problems = problems
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Why a `$NOTIFY_SOCKET` value cannot be used.
    struct AddressError: Error, CustomStringConvertible {
        var description: String
    }

    /// The bytes of a `sockaddr_un` for `$NOTIFY_SOCKET`: an absolute path, or `@name` for the abstract namespace
    /// (sun_path starts with a NUL byte and the name is not NUL-terminated: its length is in the address length).
    static func socketAddress(_ value: String) -> Result<[UInt8], AddressError> {
        let bytes = Array(value.utf8)
        guard let first = bytes.first else { return .failure(AddressError(description: "it is empty")) }
        guard first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else {
            return .failure(AddressError(description: "'\(value.prefix(64))' is neither an absolute path nor @name"))
        }
        guard !bytes.contains(0) else { return .failure(AddressError(description: "it contains a NUL byte")) }
        let pathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        let family = UInt16(AF_UNIX)
        var out = withUnsafeBytes(of: family) { Array($0) }
        if first == UInt8(ascii: "@") {
            guard bytes.count >= 2 else { return .failure(AddressError(description: "'@' names no abstract socket")) }
            guard bytes.count <= pathCapacity else {
                return .failure(AddressError(description: "the name is longer than \(pathCapacity - 1) bytes"))
            }
            out.append(0)
            out.append(contentsOf: bytes.dropFirst())
        } else {
            guard bytes.count < pathCapacity else {
                return .failure(AddressError(description: "the path is longer than \(pathCapacity - 1) bytes"))
            }
            out.append(contentsOf: bytes)
            out.append(0)
        }
        return .success(out)
    }

    /// Sends one message (`KEY=VALUE` lines joined by newlines). Returns nil when sent (or when there is no notify
    /// socket), else errno's description. Wraps sendto(2) with MSG_NOSIGNAL.
    @discardableResult
    func send(_ message: String) -> String? {
        guard let address, fd >= 0 else { return nil }
        var message = message
        let rc = message.withUTF8 { text in
            address.withUnsafeBytes { raw in
                raw.withMemoryRebound(to: sockaddr.self) { sa in
                    Glibc.sendto(fd, text.baseAddress, text.count, Int32(MSG_NOSIGNAL), sa.baseAddress, socklen_t(raw.count))
                }
            }
        }
        return rc < 0 ? SystemError.describe(errno) : nil
    }

    /// `READY=1`: start-up or a reload is complete.
    @discardableResult
    func ready(status: String? = nil) -> String? {
        send(status.map { "READY=1\nSTATUS=\($0)" } ?? "READY=1")
    }

    /// `RELOADING=1` with the CLOCK_MONOTONIC time in microseconds (systemd 253+ requires it with
    /// Type=notify-reload; 252 ignores it).
    @discardableResult
    func reloading() -> String? {
        send("RELOADING=1\nMONOTONIC_USEC=\(Clock.monotonicNanoseconds() / 1000)")
    }

    /// `STOPPING=1`: the drain has begun.
    @discardableResult
    func stopping() -> String? { send("STOPPING=1\nSTATUS=draining") }

    /// `WATCHDOG=1`: nexusd is alive.
    @discardableResult
    func watchdog() -> String? { send("WATCHDOG=1") }
}

/// The systemd variables of the environment.
struct SystemdEnvironment {
    var notifySocket: String?
    var watchdogMicroseconds: String?
    var watchdogPID: String?
}

enum ProcessEnvironment {
    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`, then removes them (getenv/unsetenv: call before
    /// other threads start).
    static func takeSystemdVariables() -> SystemdEnvironment {
        func take(_ name: String) -> String? {
            guard let v = getenv(name) else { return nil }
            let s = String(cString: v)
            unsetenv(name)
            return s
        }
        return SystemdEnvironment(notifySocket: take("NOTIFY_SOCKET"), watchdogMicroseconds: take("WATCHDOG_USEC"),
                                  watchdogPID: take("WATCHDOG_PID"))
    }
}
