/// One route: which requests it takes and what answers them.
///
/// YAML: an item of `routes`. The list keeps file order; the router decides precedence between routes.
/// Two routes with the same host, the same match and an overlapping method are refused as duplicates.
public struct RouteConfig: Sendable, Equatable {
    /// The route's name: unique among routes, used by runtime routes (which replace or remove a route by name),
    /// usage counters and logs. YAML: `name`, 1 to 64 characters of `A-Z a-z 0-9 _ . -` starting with a letter or
    /// digit. Default: derived from the match, `[host]path` (`*` appended for `path_prefix`) and, with `methods`,
    /// a colon and the methods joined by commas: `api.example.com/orders/*:GET,POST`.
    public var name: String
    /// The Host the route answers for, lowercase and without port; nil (the default) is any host. YAML: `host`.
    public var host: HostMatch?
    /// The path the route matches. YAML: exactly one of `path` (exact, or a template with `{name}` segments)
    /// or `path_prefix`.
    public var match: PathMatch
    /// The methods accepted, uppercase tokens, no repeats; nil (the default) accepts any. YAML: `methods`.
    public var methods: [String]?
    /// What answers. YAML: exactly one of `handler` (with, for `static`, `status`, `content_type`, `body`,
    /// `headers`) or `upstream` (with `strip_prefix`, `rewrite_prefix`, `preserve_host`, `request_headers`,
    /// `response_headers`).
    public var handler: HandlerConfig
    /// The line of the route in its file, for logs and messages; 0 when built in code.
    public var line: Int
    /// With `auth` configured: true lets requests in without credentials. Default false. YAML: `anonymous`.
    public var anonymous = false
    /// Scopes a caller must hold (all of them); 403 otherwise. Default none. YAML: `scopes`.
    public var scopes: [String] = []
    /// Rate limits on this route (the order of every check is in docs/configuration.md, "Authentication and
    /// limits"). Default none.
    /// YAML: `rate_limits`.
    public var rateLimits: [RouteRateLimit] = []

    public init(host: HostMatch? = nil, match: PathMatch, methods: [String]? = nil, handler: HandlerConfig,
                line: Int = 0) {
        self.host = host
        self.match = match
        self.methods = methods
        self.handler = handler
        self.line = line
        self.name = Self.defaultName(host: host, match: match, methods: methods)
    }

    /// The name a route without `name` gets.
    public static func defaultName(host: HostMatch?, match: PathMatch, methods: [String]?) -> String {
        var name = (host?.pattern ?? "") + match.path
        if case .prefix = match { name += "*" }
        if let methods { name += ":" + methods.joined(separator: ",") }
        return name
    }

    /// 1 to 64 characters of `A-Z a-z 0-9 _ . -`, the first a letter or digit.
    public static func isValidName(_ name: some StringProtocol) -> Bool {
        let u = Array(name.utf8)
        func ok(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
        }
        return (1...64).contains(u.count) && ok(u[0])
            && u.allSatisfy { ok($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }
}

/// Which Host a route answers for. The request's Host is compared lowercase and without its port.
public enum HostMatch: Sendable, Hashable {
    /// The host equals this name (lowercase). YAML: `host: api.example.com`.
    case exact(String)
    /// The host ends with `suffix`, which starts with a dot: `*.example.com` gives `.example.com`, matching
    /// `a.example.com` and `a.b.example.com` but not `example.com`. YAML: `host: "*.example.com"`.
    case wildcard(suffix: String)

    /// The host as written in YAML (lowercase): `api.example.com` or `*.example.com`.
    public var pattern: String {
        switch self {
        case .exact(let name): name
        case .wildcard(let suffix): "*" + suffix
        }
    }
}

/// How a route matches the request path (the part before `?`). Paths start with `/`.
public enum PathMatch: Sendable, Hashable {
    /// The path equals this string. YAML: `path` without `{`.
    case exact(String)
    /// The path starts with this string (byte-wise; `/echo/` does not match `/echo`). YAML: `path_prefix`.
    case prefix(String)
    /// A path with parameter segments, such as `/users/{id}/posts/{post}`: each `{name}` is a whole segment
    /// and matches one non-empty segment; the other segments match exactly. Names are `[A-Za-z_][A-Za-z0-9_]*`,
    /// unique in the path. YAML: `path` containing `{`.
    case template(String)

    /// The path text, whichever the kind.
    public var path: String {
        switch self {
        case .exact(let path), .prefix(let path), .template(let path): path
        }
    }
}

/// What answers a route: a built-in handler or a proxied upstream.
public enum HandlerConfig: Sendable, Equatable {
    /// A fixed response. YAML: `handler: static`.
    case `static`(StaticResponseConfig)
    /// Answers with the request echoed back. YAML: `handler: echo`.
    case echo
    /// Forwards the request to an upstream. YAML: `upstream: NAME`.
    case proxy(ProxyTarget)
}

/// Where and how a proxy route forwards requests.
public struct ProxyTarget: Sendable, Equatable {
    /// The name of an upstream in `upstreams`. YAML: `upstream`.
    public var upstream: String
    /// Removes the matched `path_prefix` from the path sent upstream, keeping a leading `/` (`/api/` on
    /// `/api/users` sends `/users`; on `/api/` it sends `/`). Only with `path_prefix`. Default false.
    /// YAML: `strip_prefix`.
    public var stripPrefix: Bool
    /// Replaces the matched `path_prefix` with this path (`/v2/` for `/api/` sends `/api/users` as `/v2/users`).
    /// Only with `path_prefix`, not with `strip_prefix: true`. Default nil. YAML: `rewrite_prefix`.
    public var rewritePrefix: String?
    /// Sends the client's Host field upstream; false sends the backend's `host:port`. Default true.
    /// YAML: `preserve_host`.
    public var preserveHost: Bool
    /// Changes to the request before it goes upstream. YAML: `request_headers`.
    public var requestHeaders: HeaderEdits
    /// Changes to the response before it goes to the client. YAML: `response_headers`.
    public var responseHeaders: HeaderEdits

    public init(upstream: String, stripPrefix: Bool = false, rewritePrefix: String? = nil, preserveHost: Bool = true,
                requestHeaders: HeaderEdits = .none, responseHeaders: HeaderEdits = .none) {
        self.upstream = upstream
        self.stripPrefix = stripPrefix
        self.rewritePrefix = rewritePrefix
        self.preserveHost = preserveHost
        self.requestHeaders = requestHeaders
        self.responseHeaders = responseHeaders
    }
}

/// Header fields a proxy route removes and adds. `remove` is applied first, so a name in both replaces the field.
/// Names are tokens (compared case-insensitively when removing); values hold no control characters but tab.
/// The fields that frame the message or the connection (`Content-Length`, `Transfer-Encoding`, `Connection`,
/// `Keep-Alive`, `Proxy-Connection`, `TE`, `Trailer`, `Upgrade`, and `Host` for requests: see `preserve_host`)
/// are refused: the proxy manages them.
public struct HeaderEdits: Sendable, Equatable {
    /// Fields appended, in file order. YAML: `add`, a mapping of names to values.
    public var add: [(String, String)]
    /// Field names removed, each once. YAML: `remove`, a sequence of names.
    public var remove: [String]

    public static let none = HeaderEdits()

    public init(add: [(String, String)] = [], remove: [String] = []) {
        self.add = add
        self.remove = remove
    }

    public var isEmpty: Bool { add.isEmpty && remove.isEmpty }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.remove == rhs.remove && lhs.add.elementsEqual(rhs.add, by: { $0 == $1 })
    }
}

/// A fixed response served by `handler: static`.
public struct StaticResponseConfig: Sendable, Equatable {
    /// The status code, 200...599. Default 200. YAML: `status`.
    public var status: Int
    /// The Content-Type field. Default `text/plain; charset=utf-8`. YAML: `content_type`.
    public var contentType: String
    /// The body, the UTF-8 bytes of the YAML string, at most 1 MiB. Default empty. YAML: `body`.
    public var body: [UInt8]
    /// Extra response fields in file order. Names are tokens; values hold no control characters but tab.
    /// Content-Length, Transfer-Encoding, Connection and Content-Type are refused: the server writes them.
    /// Default none. YAML: `headers`, a mapping.
    public var headers: [(String, String)]

    public static let defaultContentType = "text/plain; charset=utf-8"
    public static let statusRange = 200...599
    public static let maxBodyBytes = 1 << 20

    public init(status: Int = 200, contentType: String = Self.defaultContentType, body: [UInt8] = [],
                headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
    }
}
