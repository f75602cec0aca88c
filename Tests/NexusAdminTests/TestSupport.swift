import Glibc
import Logging
import NexusAdmin
import NexusAdminModel
import Synchronization

/// A socket path of its own for each test, short enough for sun_path.
func temporarySocketPath() -> String {
    let n = socketCounter.add(1, ordering: .relaxed).newValue
    return "/tmp/nxadm-\(getpid())-\(n).sock"
}
private let socketCounter = Atomic<Int>(0)

let quietLogger = Logger(label: "nexus.admin.test", factory: { _ in SwiftLogNoOpLogHandler() })

let sampleStatus = StatusResponse(version: "9.9.9", uptimeSeconds: 42, ioBackend: "io_uring", loops: 2,
                                  connections: 3, requestsTotal: 1000, requestsPerSecond: 12.5, pid: 4242)

/// What the fake handlers saw.
final class Seen: Sendable {
    let callers = Mutex<[AdminCaller]>([])
    let checkedPaths = Mutex<[String?]>([])
}

/// An in-memory consumer store behind fake `ConsumerHandlers`: ids c_1, c_2, ...; created_at 1700000000 + n.
/// A duplicate name is a 409; the name "full-disk" a 507; the name "teapot" a failure with status 200 (a bug).
final class FakeConsumers: Sendable {
    let store = Mutex<(next: Int, consumers: [Consumer])>((1, []))
    let createdRequests = Mutex<[CreateConsumerRequest]>([])

    var handlers: ConsumerHandlers {
        ConsumerHandlers(
            list: { _ in self.store.withLock { $0.consumers } },
            create: { request, _ in
                self.createdRequests.withLock { $0.append(request) }
                if request.name == "full-disk" { return .failure(AdminFailure(status: 507, detail: "the state disk is full")) }
                if request.name == "teapot" { return .failure(AdminFailure(status: 200, detail: "not a failure status")) }
                return self.store.withLock { s in
                    if s.consumers.contains(where: { $0.name == request.name }) {
                        return .failure(AdminFailure(status: 409, detail: "a consumer has this name"))
                    }
                    let c = Consumer(id: "c_\(s.next)", name: request.name, scopes: request.scopes, createdAt: 1_700_000_000 + s.next)
                    s.next += 1
                    s.consumers.append(c)
                    return .success(c)
                }
            },
            get: { id, _ in self.store.withLock { $0.consumers.first { $0.id == id } } },
            delete: { id, _ in
                self.store.withLock { s in
                    guard let i = s.consumers.firstIndex(where: { $0.id == id }) else {
                        return .failure(AdminFailure(status: 404, detail: AdminAPI.noSuchConsumerDetail))
                    }
                    s.consumers.remove(at: i)
                    return .success(())
                }
            })
    }
}

func fakeHandlers(_ seen: Seen = Seen(), reloadOK: Bool = true, state: Bool = true,
                  consumers: FakeConsumers? = FakeConsumers()) -> AdminHandlers {
    let reloadAnswer = reloadOK
        ? ReloadResponse(ok: true, message: "configuration reloaded: 3 routes")
        : ReloadResponse(ok: false, message: "the configuration is not valid",
                         errors: ["/etc/nexus/nexus.yaml:4:3: routes[0].path: must start with /"])
    var handlers = AdminHandlers(
        status: { (caller: AdminCaller) -> StatusResponse in
            seen.callers.withLock { $0.append(caller) }
            return sampleStatus
        },
        reload: { (_: AdminCaller) -> ReloadResponse in reloadAnswer },
        configCheck: { (path: String?, _: AdminCaller) -> ConfigCheckResponse in
            seen.checkedPaths.withLock { $0.append(path) }
            if path == "/bad.yaml" { return ConfigCheckResponse(ok: false, errors: ["/bad.yaml:1:1: listeners: required"]) }
            return ConfigCheckResponse(ok: true)
        })
    handlers.consumers = consumers?.handlers
    if state {
        handlers.stateVerify = { (_: AdminCaller) -> StateVerifyResponse in StateVerifyResponse(ok: true, segments: 2, records: 17) }
    }
    return handlers
}

/// Starts a server on a fresh path with its own thread; the caller stops it.
func startServer(_ handlers: AdminHandlers = fakeHandlers(), timeout: Duration = .seconds(5)) throws -> AdminServer {
    let server = try AdminServer(path: temporarySocketPath(), timeout: timeout, handlers: handlers, logger: quietLogger)
    try server.start()
    return server
}

/// A raw HTTP exchange over a Unix socket, for the tests (nexusctl has its own client).
struct RawResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

func connectUnix(_ path: String) -> Int32 {
    var a = sockaddr_un()
    a.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &a.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    let rc = withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    if rc != 0 { close(fd); return -1 }
    return fd
}

func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { return }
        off += n
    }
}

func readToEnd(_ fd: Int32) -> [UInt8] {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { return out }
        out += chunk[0..<n]
    }
}

func parseResponse(_ bytes: [UInt8]) -> RawResponse? {
    let sep: [UInt8] = [13, 10, 13, 10]
    guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: sep) }) else { return nil }
    let lines = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
    guard let first = lines.first, let status = Int(first.split(separator: " ")[1]) else { return nil }
    var headers: [String: String] = [:]
    for l in lines.dropFirst() {
        let parts = l.split(separator: ":", maxSplits: 1)
        headers[parts[0].lowercased()] = parts.count > 1 ? String(parts[1].drop(while: { $0 == " " })) : ""
    }
    return RawResponse(status: status, headers: headers, body: Array(bytes[(end + 4)...]))
}

/// Sends `raw` as is and reads the answer.
func exchange(_ path: String, _ raw: String) -> RawResponse? {
    let fd = connectUnix(path)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    sendAll(fd, Array(raw.utf8))
    return parseResponse(readToEnd(fd))
}

func request(_ path: String, _ method: String, _ target: String, body: String? = nil) -> RawResponse? {
    var raw = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\n"
    if let body { raw += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
    raw += "\r\n" + (body ?? "")
    return exchange(path, raw)
}

/// The file's mode bits and type (lstat), or nil when it is missing.
func fileMode(_ path: String) -> UInt32? {
    var st = stat()
    guard lstat(path, &st) == 0 else { return nil }
    return UInt32(st.st_mode)
}
