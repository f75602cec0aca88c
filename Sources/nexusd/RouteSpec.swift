import NexusAdminModel
import NexusConfig

/// A route of the configuration as the JSON the admin API shows: the keys of an item of `routes`.
enum RouteSpec {
    static func json(_ r: RouteConfig) -> JSONValue {
        var o: [String: JSONValue] = [:]
        if let host = r.host { o["host"] = .string(host.pattern) }
        switch r.match {
        case .exact(let p), .template(let p): o["path"] = .string(p)
        case .prefix(let p): o["path_prefix"] = .string(p)
        }
        if let methods = r.methods { o["methods"] = .array(methods.map(JSONValue.string)) }
        switch r.handler {
        case .echo:
            o["handler"] = .string("echo")
        case .static(let s):
            o["handler"] = .string("static")
            o["status"] = .integer(s.status)
            o["content_type"] = .string(s.contentType)
            o["body"] = .string(String(decoding: s.body, as: UTF8.self))
            if !s.headers.isEmpty { o["headers"] = .object(Dictionary(s.headers.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { $1 })) }
        case .proxy(let p):
            o["upstream"] = .string(p.upstream)
            if p.stripPrefix { o["strip_prefix"] = .bool(true) }
            if let rw = p.rewritePrefix { o["rewrite_prefix"] = .string(rw) }
            if !p.preserveHost { o["preserve_host"] = .bool(false) }
            if !p.requestHeaders.isEmpty { o["request_headers"] = edits(p.requestHeaders) }
            if !p.responseHeaders.isEmpty { o["response_headers"] = edits(p.responseHeaders) }
        }
        return .object(o)
    }

    private static func edits(_ e: HeaderEdits) -> JSONValue {
        var o: [String: JSONValue] = [:]
        if !e.add.isEmpty { o["add"] = .object(Dictionary(e.add.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { $1 })) }
        if !e.remove.isEmpty { o["remove"] = .array(e.remove.map(JSONValue.string)) }
        return .object(o)
    }

    /// Stored JSON text back to a value (it was checked when stored).
    static func json(text: String) -> JSONValue {
        (try? AdminJSON.decode(JSONValue.self, from: Array(text.utf8))) ?? .null
    }
}
