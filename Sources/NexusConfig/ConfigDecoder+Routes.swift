extension ConfigDecoder {
    static let routeKeys = ["name", "path", "path_prefix", "methods", "handler", "status", "content_type", "body", "headers",
                            "host", "upstream", "strip_prefix", "rewrite_prefix", "preserve_host", "request_headers",
                            "response_headers", "anonymous", "scopes", "rate_limits"]
    static let staticOnlyKeys = ["status", "content_type", "body", "headers"]
    static let proxyOnlyKeys = ["strip_prefix", "rewrite_prefix", "preserve_host", "request_headers", "response_headers"]
    /// Fields the server writes itself; a static route may not set them through `headers`.
    static let reservedHeaders = ["content-length", "transfer-encoding", "connection", "content-type"]
    /// Fields that frame the message or the connection: the proxy manages them, header edits may not touch them.
    static let proxyManagedHeaders = ["content-length", "transfer-encoding", "connection", "keep-alive",
                                      "proxy-connection", "te", "trailer", "upgrade"]

    /// What makes two routes the same for duplicate detection: host, match kind and path, with template
    /// parameters unnamed (`/users/{id}` and `/users/{uid}` match the same requests).
    private struct RouteKey: Hashable {
        var host: HostMatch?
        var match: PathMatch

        init(_ route: RouteConfig) {
            host = route.host
            guard case .template(let path) = route.match else {
                match = route.match
                return
            }
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            match = .template(segments.map { $0.hasPrefix("{") ? "{}" : $0 }.joined(separator: "/"))
        }
    }

    /// Decodes `routes`, then refuses two routes with the same host and match and an overlapping method.
    mutating func decodeRoutes(_ node: YAMLNode, path: String) -> [RouteConfig] {
        guard let items = items(node, path: path, expected: "a sequence of routes") else { return [] }
        var routes: [RouteConfig] = []
        var earlier: [RouteKey: [RouteConfig]] = [:]
        var names: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(path, index: index)
            guard let fields = fields(item, path: itemPath, allowed: Self.routeKeys),
                  let route = decodeRoute(fields) else { continue }
            if let clash = Self.duplicate(of: route, among: earlier[RouteKey(route), default: []]) {
                fail(fields.mark, itemPath, clash)
                continue
            }
            if let line = names[route.name] {
                fail(fields.keyMark("name") ?? fields.mark, fields.path("name"),
                     "the route at line \(line) has the name '\(route.name)' already; route names are unique")
                continue
            }
            names[route.name] = route.line
            earlier[RouteKey(route), default: []].append(route)
            routes.append(route)
        }
        return routes
    }

    /// Why `route` duplicates one of `others` (same host, same match, an overlapping method), or nil.
    private static func duplicate(of route: RouteConfig, among others: [RouteConfig]) -> String? {
        for other in others {
            if let method = overlap(route.methods, other.methods) {
                let host = route.host.map { "host '\($0.pattern)', " } ?? ""
                let alias = other.match.path == route.match.path ? "" : " (as '\(other.match.path)')"
                let at = other.line > 0 ? "at line \(other.line)" : "'\(other.name)'"
                return "duplicates the route \(at): same \(host)\(route.match.kindName) '\(route.match.path)'\(alias) and \(method)"
            }
        }
        return nil
    }

    /// The first route of `routes` that duplicates an earlier one, and why (for routes assembled outside a file,
    /// such as the configuration's routes with runtime routes layered on top).
    static func firstDuplicate(in routes: [RouteConfig]) -> (route: RouteConfig, reason: String)? {
        var earlier: [RouteKey: [RouteConfig]] = [:]
        var names: Set<String> = []
        for route in routes {
            if let clash = duplicate(of: route, among: earlier[RouteKey(route), default: []]) { return (route, clash) }
            if !names.insert(route.name).inserted { return (route, "another route has the name '\(route.name)'") }
            earlier[RouteKey(route), default: []].append(route)
        }
        return nil
    }

    /// A method both lists accept, described for a message; nil when they are disjoint. nil lists accept any.
    private static func overlap(_ a: [String]?, _ b: [String]?) -> String? {
        switch (a, b) {
        case (nil, nil): "any method"
        case (nil, let some?), (let some?, nil): "method \(some[0])"
        case (let a?, let b?): a.first(where: b.contains).map { "method \($0)" }
        }
    }

    mutating func decodeRoute(_ fields: Fields) -> RouteConfig? {
        let errorCount = errors.count
        let name = fields["name"].flatMap {
            convert($0, path: fields.path("name"), expected: "a route name") { text throws(InvalidValue) in
                guard RouteConfig.isValidName(text) else {
                    throw InvalidValue("a route name is 1 to 64 characters of A-Z a-z 0-9 _ . - and starts with a letter or digit")
                }
                return text
            }
        }
        let host = fields["host"].flatMap {
            convert($0, path: fields.path("host"), expected: "a host name", ValueParsers.hostMatch)
        }
        let match: PathMatch?
        switch (fields["path"], fields["path_prefix"]) {
        case (let exact?, nil):
            match = convert(exact, path: fields.path("path"), expected: "a path", ValueParsers.pathOrTemplate)
        case (nil, let prefix?):
            match = convert(prefix, path: fields.path("path_prefix"), expected: "a path") { text throws(InvalidValue) in
                try PathMatch.prefix(Self.plainPath(text, key: "path_prefix"))
            }
        case (_?, _?):
            fail(fields.keyMark("path_prefix") ?? fields.mark, fields.path("path_prefix"),
                 "a route has either 'path' (exact) or 'path_prefix', not both")
            match = nil
        case (nil, nil):
            fail(fields.mark, fields.path("path"), "missing required key 'path' (exact match) or 'path_prefix'")
            match = nil
        }
        let methods = fields["methods"].flatMap { decodeMethods($0, path: fields.path("methods")) }

        let handler: HandlerConfig?
        if fields["upstream"] != nil {
            if let mark = fields.keyMark("handler") {
                fail(mark, fields.path("handler"), "a route has either 'handler' or 'upstream' (proxy), not both")
            }
            refuse(Self.staticOnlyKeys, in: fields, "applies only to handler: static")
            handler = decodeProxy(fields).map(HandlerConfig.proxy)
        } else {
            switch required(fields, "handler", expected: "static or echo", Self.handlerName) {
            case "static":
                handler = decodeStatic(fields).map(HandlerConfig.static)
            case "echo":
                refuse(Self.staticOnlyKeys, in: fields, "applies only to handler: static")
                handler = .echo
            default:
                handler = nil
            }
            refuse(Self.proxyOnlyKeys, in: fields, "applies only to routes with 'upstream'")
        }
        guard errors.count == errorCount, let match, let handler else { return nil }
        var route = RouteConfig(host: host, match: match, methods: methods, handler: handler, line: fields.mark.line)
        if let name { route.name = name }
        decodeRouteAccess(fields, into: &route)
        return route
    }

    /// Reports each of `keys` present in `fields`: "'KEY' applies only to ...".
    private mutating func refuse(_ keys: [String], in fields: Fields, _ reason: String) {
        for key in keys {
            if let mark = fields.keyMark(key) {
                fail(mark, fields.path(key), "'\(key)' \(reason)")
            }
        }
    }

    /// A route path without template parameters (`path_prefix`, `rewrite_prefix`).
    static func plainPath(_ text: String, key: String) throws(InvalidValue) -> String {
        let path = try ValueParsers.routePath(text)
        guard !path.contains("{"), !path.contains("}") else {
            throw InvalidValue("'\(key)' cannot hold {parameters}; use 'path' for a template")
        }
        return path
    }

    /// The name of a pool of `upstreams`, with a suggestion when it is not one.
    mutating func upstreamName(_ node: YAMLNode, path: String) -> String? {
        convert(node, path: path, expected: "an upstream name") { [upstreamNames] text throws(InvalidValue) in
            guard upstreamNames.contains(text) else {
                var message = "unknown upstream '\(text)'"
                if upstreamNames.isEmpty {
                    message += ": no upstreams are defined (add them under 'upstreams')"
                } else if let suggestion = Self.closest(to: text, in: upstreamNames) {
                    message += " (did you mean '\(suggestion)'?)"
                } else {
                    message += " (defined: \(upstreamNames.joined(separator: ", ")))"
                }
                throw InvalidValue(message)
            }
            return text
        }
    }

    private mutating func decodeProxy(_ fields: Fields) -> ProxyTarget? {
        guard let node = fields["upstream"] else { return nil }
        let upstream = upstreamName(node, path: fields.path("upstream"))
        // With both `path` and `path_prefix` only that is reported.
        let isPrefix = fields["path_prefix"] != nil
        for key in ["strip_prefix", "rewrite_prefix"] where !isPrefix {
            if let mark = fields.keyMark(key) {
                fail(mark, fields.path(key), "'\(key)' needs 'path_prefix': only a matched prefix can be replaced")
            }
        }
        let stripPrefix = value(fields, "strip_prefix", default: false, expected: "true or false", ValueParsers.boolean)
        let rewritePrefix = fields["rewrite_prefix"].flatMap {
            convert($0, path: fields.path("rewrite_prefix"), expected: "a path") { text throws(InvalidValue) in
                try Self.plainPath(text, key: "rewrite_prefix")
            }
        }
        if stripPrefix, isPrefix, let mark = fields.keyMark("rewrite_prefix") {
            fail(mark, fields.path("rewrite_prefix"),
                 "a route has either 'strip_prefix: true' or 'rewrite_prefix', not both (rewrite_prefix: / strips)")
        }
        let preserveHost = value(fields, "preserve_host", default: true, expected: "true or false", ValueParsers.boolean)
        let requestHeaders = fields["request_headers"].map {
            decodeHeaderEdits($0, path: fields.path("request_headers"), isRequest: true)
        } ?? .none
        let responseHeaders = fields["response_headers"].map {
            decodeHeaderEdits($0, path: fields.path("response_headers"), isRequest: false)
        } ?? .none
        guard let upstream else { return nil }
        return ProxyTarget(upstream: upstream, stripPrefix: stripPrefix, rewritePrefix: rewritePrefix,
                           preserveHost: preserveHost, requestHeaders: requestHeaders, responseHeaders: responseHeaders)
    }

    /// `{add: {Name: value}, remove: [Name]}` of a proxy route.
    private mutating func decodeHeaderEdits(_ node: YAMLNode, path: String, isRequest: Bool) -> HeaderEdits {
        guard let fields = fields(node, path: path, allowed: ["add", "remove"]) else { return .none }
        let refusal = { (name: String) -> String? in
            let lower = name.lowercased()
            if isRequest && lower == "host" {
                return "'\(name)' is set by preserve_host"
            }
            return Self.proxyManagedHeaders.contains(lower) ? "'\(name)' is managed by the proxy" : nil
        }
        let add = fields["add"].map { decodeHeaders($0, path: fields.path("add"), refusal: refusal) } ?? []
        var remove: [String] = []
        if let node = fields["remove"], let items = items(node, path: fields.path("remove"), expected: "a sequence of field names") {
            for (index, item) in items.enumerated() {
                let itemPath = Self.join(fields.path("remove"), index: index)
                guard let name = convert(item, path: itemPath, expected: "a field name", { text throws(InvalidValue) in
                    guard ValueParsers.isToken(text) else {
                        throw InvalidValue("invalid header name '\(text)': names are tokens like X-Demo")
                    }
                    if let message = refusal(text) { throw InvalidValue(message) }
                    return text
                }) else { continue }
                if remove.contains(where: { $0.lowercased() == name.lowercased() }) {
                    fail(item.mark, itemPath, "'\(name)' is listed twice")
                } else {
                    remove.append(name)
                }
            }
        }
        return HeaderEdits(add: add, remove: remove)
    }

    private static func handlerName(_ text: String) throws(InvalidValue) -> String {
        guard text == "static" || text == "echo" else {
            throw InvalidValue("unknown handler '\(text)': expected static or echo")
        }
        return text
    }

    private mutating func decodeMethods(_ node: YAMLNode, path: String) -> [String]? {
        guard let items = items(node, path: path, expected: "a sequence of methods like [GET, POST]") else { return nil }
        guard !items.isEmpty else {
            fail(node.mark, path, "list at least one method, or leave out 'methods' to accept any")
            return nil
        }
        var methods: [String] = []
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(path, index: index)
            let method = convert(item, path: itemPath, expected: "a method") { text throws(InvalidValue) in
                guard ValueParsers.isToken(text) else {
                    throw InvalidValue("invalid method '\(text)': methods are tokens like GET")
                }
                guard text == text.uppercased() else {
                    throw InvalidValue("method '\(text)' must be uppercase: \(text.uppercased())")
                }
                return text
            }
            guard let method else { continue }
            if methods.contains(method) {
                fail(item.mark, itemPath, "method \(method) is listed twice")
            } else {
                methods.append(method)
            }
        }
        return methods
    }

    private mutating func decodeStatic(_ fields: Fields) -> StaticResponseConfig? {
        let status = value(fields, "status", default: 200, expected: "a status code") { text throws(InvalidValue) in
            try ValueParsers.integer(text, in: StaticResponseConfig.statusRange)
        }
        let contentType = value(fields, "content_type", default: StaticResponseConfig.defaultContentType,
                                expected: "a media type") { text throws(InvalidValue) in
            guard !text.isEmpty, ValueParsers.isFieldValue(text) else {
                throw InvalidValue("content_type must be non-empty and hold no control characters")
            }
            return text
        }
        let body = value(fields, "body", default: [UInt8](), expected: "a string") { text throws(InvalidValue) in
            let bytes = Array(text.utf8)
            guard bytes.count <= StaticResponseConfig.maxBodyBytes else {
                throw InvalidValue("body is \(bytes.count) bytes; a static body may be at most 1MiB")
            }
            return bytes
        }
        let headers = fields["headers"].map {
            decodeHeaders($0, path: fields.path("headers")) { name in
                Self.reservedHeaders.contains(name.lowercased())
                    ? "'\(name)' is written by the server; set content_type for Content-Type" : nil
            }
        } ?? []
        return StaticResponseConfig(status: status, contentType: contentType, body: body, headers: headers)
    }

    /// A mapping of field names to values; `refusal` gives the message for a name that may not be set.
    private mutating func decodeHeaders(_ node: YAMLNode, path: String,
                                        refusal: (String) -> String?) -> [(String, String)] {
        guard case .mapping(let pairs, _) = node else {
            fail(node.mark, path, "expected a mapping of field names to values, got \(node.kindDescription)")
            return []
        }
        var headers: [(String, String)] = []
        for pair in pairs {
            let keyPath = Self.join(path, pair.key)
            guard ValueParsers.isToken(pair.key) else {
                fail(pair.keyMark, keyPath, "invalid header name '\(pair.key)': names are tokens like X-Demo")
                continue
            }
            if let message = refusal(pair.key) {
                fail(pair.keyMark, keyPath, message)
                continue
            }
            // A header value is always text: `X-Count: 1` is the string "1", and an empty value is allowed.
            guard let value = text(pair.value, path: keyPath, expected: "a header value") else { continue }
            guard ValueParsers.isFieldValue(value) else {
                fail(pair.value.mark, keyPath, "header value must not contain CR, LF, NUL or other control characters")
                continue
            }
            headers.append((pair.key, value))
        }
        return headers
    }
}

extension PathMatch {
    /// The YAML key that produces this match, for messages.
    var kindName: String {
        switch self {
        case .exact, .template: "path"
        case .prefix: "path_prefix"
        }
    }
}
