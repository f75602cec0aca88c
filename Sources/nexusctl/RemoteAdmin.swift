import Glibc
import NexusAdminModel
import NexusConfig
import NexusSystem
import NexusTLS

/// The admin API over its TCP listener: `Authorization: Bearer <token>`, TLS verified against the system's CAs or
/// `--ca-file` (plain HTTP only for an http:// URL, which nexusd allows on loopback addresses only).
enum RemoteAdmin {
    static func send(_ r: AdminClient.Remote, _ endpoint: AdminEndpoint, _ body: [UInt8], contentType: String,
                     timeoutSeconds: Int, client: AdminClient) throws(CLIError) -> AdminClient.Response {
        let secure: Bool
        var rest: Substring
        if r.url.hasPrefix("https://") { secure = true; rest = r.url.dropFirst(8) } else if r.url.hasPrefix("http://") { secure = false; rest = r.url.dropFirst(7) } else {
            throw CLIError(what: "cannot use --url \(r.url)", why: "it is not an https:// or http:// URL", hint: "write it like https://gw1.example.com:9443.")
        }
        while rest.hasSuffix("/") { rest.removeLast() }
        var host = String(rest), port: UInt16 = secure ? 443 : 80
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            host = String(rest[..<colon])
            guard let p = UInt16(rest[rest.index(after: colon)...]) else { throw CLIError(what: "cannot use --url \(r.url)", why: "bad port", hint: nil) }
            port = p
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let tokenFile = r.tokenFile else {
            throw CLIError(what: "cannot call \(r.url)", why: "no admin token", hint: "give --token-file FILE (or NEXUS_ADMIN_TOKEN_FILE).")
        }
        let token = try readToken(tokenFile)
        var request = "\(endpoint.method) \(endpoint.path) HTTP/1.1\r\nHost: \(rest)\r\nUser-Agent: nexusctl/\(NexusctlVersion.string)\r\n"
        request += "Accept: application/json\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\n"
        if !body.isEmpty || endpoint.method == "POST" || endpoint.method == "PUT" {
            request += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        }
        request += "\r\n"
        let bytes = Array(request.utf8) + body
        let address: SocketAddress
        do {
            guard let a = try SocketAddress.resolve(host: host, port: port).first else { throw SystemError("resolve", errno: ENOENT) }
            address = a
        } catch {
            throw CLIError(what: "cannot reach \(r.url)", why: "\(error)", hint: "check the host name.")
        }
        let answer: [UInt8]
        if secure {
            let context: TLSClientContext
            do { context = try TLSClientContext(UpstreamTLSConfig(verify: true, ca: r.caFile.map { FileSetting($0) })) } catch {
                throw CLIError(what: "cannot use the CA file", why: "\(error)", hint: nil)
            }
            let isIP = SocketAddress(numericHost: host, port: port) != nil
            switch TLSExchange.run(address: address, request: bytes, timeoutMilliseconds: timeoutSeconds * 1000, context: context,
                                   host: host, isIPAddress: isIP, limit: 257 << 20) {
            case .success(let b): answer = b
            case .failure(let e): throw CLIError(what: "cannot call \(r.url)", why: e.description, hint: "is nexusd's admin TCP listener there, with a certificate for that name?")
            }
        } else {
            switch Socket.exchange(with: address, request: bytes, timeoutMilliseconds: timeoutSeconds * 1000, limit: 257 << 20) {
            case .success(let b): answer = b
            case .failure(let e): throw CLIError(what: "cannot call \(r.url)", why: "\(e)", hint: "is nexusd's admin TCP listener there?")
            }
        }
        let response = try client.parse(answer)
        if response.status == 401 {
            throw CLIError(what: "\(endpoint) failed", why: "401: the admin token was refused", hint: "check --token-file.")
        }
        return response
    }

    private static func readToken(_ path: String) throws(CLIError) -> String {
        let bytes = try LocalFile.read(path)
        var token = String(decoding: bytes, as: UTF8.self)
        while let l = token.last, l.isWhitespace { token.removeLast() }
        guard !token.isEmpty else { throw CLIError(what: "cannot read the admin token", why: "\(path) is empty", hint: nil) }
        return token
    }
}
