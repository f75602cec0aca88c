/// One route: which requests it takes and what answers them.
///
/// YAML: an item of `routes`. The list keeps file order; the router decides precedence between routes.
/// Two routes with the same match and an overlapping method are refused as duplicates.
public struct RouteConfig: Sendable, Equatable {
    /// The path the route matches. YAML: exactly one of `path` (exact) or `path_prefix`.
    public var match: PathMatch
    /// The methods accepted, uppercase tokens, no repeats; nil (the default) accepts any. YAML: `methods`.
    public var methods: [String]?
    /// What answers. YAML: `handler` (required) and, for `static`, `status`, `content_type`, `body`, `headers`.
    public var handler: HandlerConfig
    /// The line of the route in its file, for logs and messages; 0 when built in code.
    public var line: Int

    public init(match: PathMatch, methods: [String]? = nil, handler: HandlerConfig, line: Int = 0) {
        self.match = match
        self.methods = methods
        self.handler = handler
        self.line = line
    }
}

/// How a route matches the request path (the part before `?`). Paths start with `/`.
public enum PathMatch: Sendable, Hashable {
    /// The path equals this string. YAML: `path`.
    case exact(String)
    /// The path starts with this string (byte-wise; `/echo/` does not match `/echo`). YAML: `path_prefix`.
    case prefix(String)

    /// The path text, whichever the kind.
    public var path: String {
        switch self {
        case .exact(let path), .prefix(let path): path
        }
    }
}

/// The built-in handlers.
public enum HandlerConfig: Sendable, Equatable {
    /// A fixed response. YAML: `handler: static`.
    case `static`(StaticResponseConfig)
    /// Answers with the request echoed back. YAML: `handler: echo`.
    case echo
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
