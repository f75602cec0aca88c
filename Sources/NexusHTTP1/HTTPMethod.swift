/// The request method; methods outside the common set are `.other` (read the bytes from `RequestHead.methodRange`).
///
/// Methods are case-sensitive (RFC 9110 9.1): "get" is `.other`.
public enum HTTPMethod: UInt8, Sendable, Equatable {
    case get, head, post, put, delete, options, patch, trace, connect, other

    /// The method's name, or nil for `.other`.
    public var name: StaticString? {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .patch: "PATCH"
        case .trace: "TRACE"
        case .connect: "CONNECT"
        case .other: nil
        }
    }

    /// Recognises a method token (already checked to be a token).
    @inlinable static func recognise(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> HTTPMethod {
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            guard s.utf8CodeUnitCount == r.count else { return false }
            let u = s.utf8Start
            for k in 0..<r.count where u[k] != p[r.lowerBound + k] { return false }
            return true
        }
        switch r.count {
        case 3: return eq("GET") ? .get : eq("PUT") ? .put : .other
        case 4: return eq("POST") ? .post : eq("HEAD") ? .head : .other
        case 5: return eq("PATCH") ? .patch : eq("TRACE") ? .trace : .other
        case 6: return eq("DELETE") ? .delete : .other
        case 7: return eq("OPTIONS") ? .options : eq("CONNECT") ? .connect : .other
        default: return .other
        }
    }
}

/// The protocol version of a request.
public enum HTTPVersion: Sendable, Equatable {
    case http10, http11
}
