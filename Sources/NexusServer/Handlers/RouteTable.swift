import NexusConfig
import NexusHTTP1

/// Where a request goes.
enum RouteTarget {
    case fixed(StaticResponse)
    case echo
    case notFound
    /// The path matched, the method did not; the value is the Allow field.
    case methodNotAllowed(String)
}

/// The routes of the configuration, matched on the raw path and the method.
///
/// The rule: an exact path beats any prefix, a longer prefix beats a shorter one, and among the routes of the
/// chosen path the first whose method list includes the request's method (or that has none) wins. When the path
/// matches but no method does, the answer is 405 with an Allow field. Paths are compared as received, byte for
/// byte (no percent-decoding or dot-segment removal yet: the proxy issue brings the route trie).
final class RouteTable: Sendable {
    struct Entry: Sendable {
        let path: [UInt8]
        let isPrefix: Bool
        let methods: [[UInt8]]?
        let target: Target
    }

    enum Target: Sendable {
        case fixed(StaticResponse)
        case echo
    }

    /// Exact routes first, then prefixes from the longest.
    let entries: [Entry]

    init(_ routes: [RouteConfig]) {
        var list: [Entry] = []
        for r in routes {
            let target: Target
            switch r.handler {
            case .static(let s): target = .fixed(StaticResponse(s))
            case .echo: target = .echo
            }
            let (path, isPrefix): (String, Bool)
            switch r.match {
            case .exact(let p): (path, isPrefix) = (p, false)
            case .prefix(let p): (path, isPrefix) = (p, true)
            }
            list.append(Entry(path: Array(path.utf8), isPrefix: isPrefix,
                              methods: r.methods.map { $0.map { Array($0.utf8) } }, target: target))
        }
        // Stable: among equals the configuration order stays.
        entries = list.enumerated().sorted { a, b in
            if a.element.isPrefix != b.element.isPrefix { return !a.element.isPrefix }
            if a.element.path.count != b.element.path.count { return a.element.path.count > b.element.path.count }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Finds the target for `path` and `method` (both raw bytes of the request head).
    func resolve(path: UnsafeRawBufferPointer, method: UnsafeRawBufferPointer) -> RouteTarget {
        var matchedPath: [UInt8]? = nil
        var allow: [String] = []
        for e in entries {
            if let m = matchedPath {
                // Only other routes of the very same path (and kind) may still answer.
                if e.path != m { continue }
            } else if !Self.matches(e, path) {
                continue
            }
            matchedPath = e.path
            if let methods = e.methods {
                if methods.contains(where: { Self.equal($0, method) }) { return Self.target(e) }
                allow.append(contentsOf: methods.map { String(decoding: $0, as: UTF8.self) })
                // GET allows HEAD.
                if methods.contains(where: { $0 == Array("GET".utf8) }) && Self.equal(Array("HEAD".utf8), method) {
                    return Self.target(e)
                }
            } else {
                return Self.target(e)
            }
        }
        if matchedPath == nil { return .notFound }
        if allow.contains("GET") && !allow.contains("HEAD") { allow.append("HEAD") }
        return .methodNotAllowed(allow.joined(separator: ", "))
    }

    private static func target(_ e: Entry) -> RouteTarget {
        switch e.target {
        case .fixed(let s): return .fixed(s)
        case .echo: return .echo
        }
    }

    private static func matches(_ e: Entry, _ path: UnsafeRawBufferPointer) -> Bool {
        if e.isPrefix {
            guard path.count >= e.path.count else { return false }
            return e.path.withUnsafeBytes { memcmp($0.baseAddress!, path.baseAddress!, e.path.count) == 0 }
        }
        return equal(e.path, path)
    }

    private static func equal(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { memcmp($0.baseAddress!, b.baseAddress!, a.count) == 0 }
    }
}

import Glibc
