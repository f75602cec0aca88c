extension ConfigDecoder {
    static let routeKeys = ["path", "path_prefix", "methods", "handler", "status", "content_type", "body", "headers"]
    static let staticOnlyKeys = ["status", "content_type", "body", "headers"]
    /// Fields the server writes itself; a static route may not set them through `headers`.
    static let reservedHeaders = ["content-length", "transfer-encoding", "connection", "content-type"]

    /// Decodes `routes`, then refuses two routes with the same match and an overlapping method.
    mutating func decodeRoutes(_ node: YAMLNode, path: String) -> [RouteConfig] {
        guard let items = items(node, path: path, expected: "a sequence of routes") else { return [] }
        var routes: [RouteConfig] = []
        var earlier: [PathMatch: [RouteConfig]] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(path, index: index)
            guard let fields = fields(item, path: itemPath, allowed: Self.routeKeys),
                  let route = decodeRoute(fields) else { continue }
            for other in earlier[route.match, default: []] {
                if let method = Self.overlap(route.methods, other.methods) {
                    fail(fields.mark, itemPath,
                         "duplicates the route at line \(other.line): same \(route.match.kindName) '\(route.match.path)' and \(method)")
                    break
                }
            }
            earlier[route.match, default: []].append(route)
            routes.append(route)
        }
        return routes
    }

    /// A method both lists accept, described for a message; nil when they are disjoint. nil lists accept any.
    private static func overlap(_ a: [String]?, _ b: [String]?) -> String? {
        switch (a, b) {
        case (nil, nil): "any method"
        case (nil, let some?), (let some?, nil): "method \(some[0])"
        case (let a?, let b?): a.first(where: b.contains).map { "method \($0)" }
        }
    }

    private mutating func decodeRoute(_ fields: Fields) -> RouteConfig? {
        let errorCount = errors.count
        let match: PathMatch?
        switch (fields["path"], fields["path_prefix"]) {
        case (let exact?, nil):
            match = convert(exact, path: fields.path("path"), expected: "a path", ValueParsers.routePath).map(PathMatch.exact)
        case (nil, let prefix?):
            match = convert(prefix, path: fields.path("path_prefix"), expected: "a path", ValueParsers.routePath).map(PathMatch.prefix)
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
        switch required(fields, "handler", expected: "static or echo", Self.handlerName) {
        case "static":
            handler = decodeStatic(fields).map(HandlerConfig.static)
        case "echo":
            for key in Self.staticOnlyKeys {
                if let mark = fields.keyMark(key) {
                    fail(mark, fields.path(key), "'\(key)' applies only to handler: static")
                }
            }
            handler = .echo
        default:
            handler = nil
        }
        guard errors.count == errorCount, let match, let handler else { return nil }
        return RouteConfig(match: match, methods: methods, handler: handler, line: fields.mark.line)
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
        let headers = fields["headers"].map { decodeHeaders($0, path: fields.path("headers")) } ?? []
        return StaticResponseConfig(status: status, contentType: contentType, body: body, headers: headers)
    }

    private mutating func decodeHeaders(_ node: YAMLNode, path: String) -> [(String, String)] {
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
            guard !Self.reservedHeaders.contains(pair.key.lowercased()) else {
                fail(pair.keyMark, keyPath, "'\(pair.key)' is written by the server; set content_type for Content-Type")
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
        case .exact: "path"
        case .prefix: "path_prefix"
        }
    }
}
