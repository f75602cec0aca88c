import NexusSystem
import NexusTLS

/// A blocking HTTPS GET for background work (a JWK Set of an identity provider, say): resolves the host, connects
/// with a deadline, verifies the server as `context` says (the same TLS client as the proxy path), sends an
/// HTTP/1.0 request (so the answer is never chunked) and reads the answer. Never call it on an event loop.
public enum HTTPSFetch {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// The header fields, names lowercased, values trimmed, in order.
        public var fields: [(name: String, value: String)] = []

        /// The first value of the field `name` (lowercase).
        public func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// `url` is `https://host[:port]/path`; the body may be at most `limit` bytes.
    public static func get(_ url: String, context: TLSClientContext, timeoutMilliseconds: Int = 5000,
                           limit: Int = 1 << 20) -> Result<Response, Failure> {
        guard url.hasPrefix("https://") else { return .failure(Failure(description: "only https:// URLs are fetched")) }
        let rest = url.dropFirst("https://".count)
        let authority = rest.prefix(while: { $0 != "/" })
        let path = rest.dropFirst(authority.count)
        var host = String(authority), port: UInt16 = 443
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(Failure(description: "bad IPv6 host in \(url)")) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { guard let p = UInt16(after.dropFirst()) else { return .failure(Failure(description: "bad port in \(url)")) }; port = p }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let p = UInt16(authority[authority.index(after: colon)...]) else { return .failure(Failure(description: "bad port in \(url)")) }
            port = p
        }
        guard !host.isEmpty else { return .failure(Failure(description: "no host in \(url)")) }
        let addresses: [SocketAddress]
        do { addresses = try SocketAddress.resolve(host: host, port: port) } catch {
            return .failure(Failure(description: "cannot resolve \(host): \(error)"))
        }
        guard let address = addresses.first else { return .failure(Failure(description: "\(host) has no address")) }
        let request = Array("GET \(path.isEmpty ? "/" : String(path)) HTTP/1.0\r\nHost: \(authority)\r\nAccept: application/json\r\nUser-Agent: nexusd\r\n\r\n".utf8)
        let isIP = SocketAddress(numericHost: host, port: port) != nil
        switch TLSExchange.run(address: address, request: request, timeoutMilliseconds: timeoutMilliseconds, context: context,
                               host: host, isIPAddress: isIP, limit: limit + 16 * 1024) {
        case .failure(let e): return .failure(Failure(description: "\(url): \(e)"))
        case .success(let bytes): return parse(bytes, url: url, limit: limit)
        }
    }

    /// Status, header fields and body of an HTTP/1.x answer to an HTTP/1.0 request (Content-Length when given, else
    /// everything after the head; a chunked answer is refused: an HTTP/1.0 client cannot be sent one).
    static func parse(_ bytes: [UInt8], url: String, limit: Int) -> Result<Response, Failure> {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            return .failure(Failure(description: "\(url): not an HTTP answer"))
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
        let status = head.first.flatMap { line in line.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
        guard let status, head.first?.hasPrefix("HTTP/1.") == true else { return .failure(Failure(description: "\(url): not an HTTP answer")) }
        var response = Response(status: status, body: Array(bytes[(end + 4)...]))
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: " \t")
            response.fields.append((name, value))
            if name == "content-length" {
                guard let n = Int(value), n >= 0, n <= response.body.count else {
                    return .failure(Failure(description: "\(url): the answer was cut short"))
                }
                response.body = Array(response.body[..<n])
            } else if name == "transfer-encoding" {
                return .failure(Failure(description: "\(url): a chunked answer to an HTTP/1.0 request"))
            }
        }
        guard response.body.count <= limit else { return .failure(Failure(description: "\(url): the answer is larger than \(limit) bytes")) }
        return .success(response)
    }
}
