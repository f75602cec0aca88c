import Glibc
import NexusAdminModel

/// A tiny blocking HTTP/1.1 client for the admin socket: one request per connection, read until close.
struct AdminClient {
    /// The socket path.
    var path: String
    /// How long to wait for the answer; a reload answers only when it is done.
    var timeoutSeconds = 30
    /// The TCP listener to use instead of the socket.
    var remote: Remote?

    struct Remote {
        var url: String
        var tokenFile: String?
        var caFile: String?
    }

    /// A response: status and body (the head's other fields are not needed).
    struct Response {
        var status: Int
        var body: [UInt8]
    }

    /// Calls `endpoint` and decodes a 2xx body as `T`; any other answer becomes a `CLIError`: `refine`'s, if it
    /// gives one for the problem, else one made from the problem.
    func call<T: Decodable>(_ endpoint: AdminEndpoint, body: [UInt8] = [], as type: T.Type, contentType: String = "application/json",
                            refine: (ErrorResponse) -> CLIError? = { _ in nil }) throws(CLIError) -> T {
        let response = try send(endpoint, body, contentType: contentType)
        try check(endpoint, response, refine: refine)
        do { return try AdminJSON.decode(T.self, from: response.body) } catch {
            throw CLIError(what: "cannot read the answer to \(endpoint)", why: "it is not the expected JSON",
                           hint: "nexusd may be a different version; compare with 'nexusctl version'.")
        }
    }

    /// Calls `endpoint` and ignores a 2xx body (e.g. a 204); errors as `call`.
    func call(_ endpoint: AdminEndpoint, body: [UInt8] = [],
              refine: (ErrorResponse) -> CLIError? = { _ in nil }) throws(CLIError) {
        try check(endpoint, send(endpoint, body), refine: refine)
    }

    /// Throws unless the status is 2xx.
    private func check(_ endpoint: AdminEndpoint, _ response: Response,
                       refine: (ErrorResponse) -> CLIError?) throws(CLIError) {
        guard !(200..<300).contains(response.status) else { return }
        let detail: String
        if let p = try? AdminJSON.decode(ErrorResponse.self, from: response.body) {
            if let refined = refine(p) { throw refined }
            detail = "\(p.status) \(p.title): \(p.detail)"
        } else {
            detail = "HTTP status \(response.status)"
        }
        throw CLIError(what: "\(endpoint) failed", why: detail,
                       hint: response.status == 404 || response.status == 405
                           ? "nexusd may be older than nexusctl; compare with 'nexusctl version'."
                           : "see nexusd's log for details.")
    }

    /// Calls `endpoint` with a binary body (or none) and returns a 2xx body as bytes; errors as `call`.
    func callBinary(_ endpoint: AdminEndpoint, body: [UInt8] = [],
                    refine: (ErrorResponse) -> CLIError? = { _ in nil }) throws(CLIError) -> [UInt8] {
        let response = try send(endpoint, body, contentType: "application/octet-stream")
        try check(endpoint, response, refine: refine)
        return response.body
    }

    /// Connects, sends the request, reads the whole response.
    func send(_ endpoint: AdminEndpoint, _ body: [UInt8], contentType: String = "application/json") throws(CLIError) -> Response {
        if let remote { return try RemoteAdmin.send(remote, endpoint, body, contentType: contentType, timeoutSeconds: timeoutSeconds, client: self) }
        let fd = try connect()
        defer { close(fd) }
        var request = "\(endpoint.method) \(endpoint.path) HTTP/1.1\r\nHost: localhost\r\nUser-Agent: nexusctl/\(NexusctlVersion.string)\r\n"
        request += "Accept: application/json\r\nConnection: close\r\n"
        if !body.isEmpty || endpoint.method == "POST" {
            request += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        }
        request += "\r\n"
        let bytes = Array(request.utf8) + body
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            throw failure("cannot send to \(path)", errno)
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received.append(contentsOf: chunk[0..<n])
                if received.count > 257 << 20 {
                    throw CLIError(what: "cannot read the answer from \(path)", why: "it is larger than 257 MiB", hint: nil)
                }
                continue
            }
            if n == 0 { break }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw CLIError(what: "no answer from \(path)", why: "nothing within \(timeoutSeconds) seconds",
                               hint: "nexusd may be busy or stuck; see its log.")
            }
            throw failure("cannot read from \(path)", errno)
        }
        return try parse(received)
    }

    private func connect() throws(CLIError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard !pathBytes.isEmpty, pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw CLIError(what: "cannot connect to \(path)", why: "the path is empty or longer than 107 bytes",
                           hint: "use a shorter --socket PATH.")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("cannot create a socket", errno) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw failure("cannot connect to \(path)", e)
        }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// A syscall failure with the hint that fits its errno.
    private func failure(_ what: String, _ code: Int32) -> CLIError {
        let why = strerror(code).map { String(cString: $0) } ?? "errno \(code)"
        let hint: String
        switch code {
        case EACCES, EPERM:
            hint = "the socket is for root and its group; run as root or join the group (see docs/cli.md)."
        case ENOENT, ECONNREFUSED:
            hint = "is nexusd running? Use --socket PATH or \(AdminAPI.socketEnvironmentVariable)."
        default:
            hint = "see nexusd's log for details."
        }
        return CLIError(what: what, why: why, hint: hint)
    }

    /// Splits "HTTP/1.1 200 OK\r\n...\r\n\r\nbody" into status and body (Content-Length when given, else to close).
    func parse(_ bytes: [UInt8]) throws(CLIError) -> Response {
        let bad = CLIError(what: "cannot read the answer from \(path)", why: "it is not an HTTP/1.1 response",
                           hint: "is \(path) nexusd's admin socket?")
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { throw bad }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines[0].split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else { throw bad }
        var body = Array(bytes[(headEnd + 4)...])
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == "content-length" {
                guard let n = Int(line[line.index(after: colon)...].trimmingSpaces), n >= 0 else { throw bad }
                guard body.count >= n else {
                    throw CLIError(what: "cannot read the answer from \(path)", why: "it was cut short",
                                   hint: "nexusd may have stopped; see its log.")
                }
                body = Array(body[..<n])
            }
        }
        return Response(status: status, body: body)
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
