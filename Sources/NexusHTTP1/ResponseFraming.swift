/// Where an upstream response's body ends (RFC 9112 6.3).
public enum ResponseFraming: Sendable, Equatable {
    /// No body, whatever the fields say: the response to HEAD, 1xx, 204 and 304.
    case none
    /// Exactly this many bytes (Content-Length).
    case length(Int)
    /// Chunked coding: the body ends with the last chunk and the trailer section.
    case chunked
    /// No length at all: the body ends when the upstream closes the connection, which cannot be reused.
    case untilClose

    /// The framing of `response`, an answer to a request with `requestMethod`, in the order of RFC 9112 6.3.
    ///
    /// The parser has already refused what 6.3 calls faulty framing (Content-Length with Transfer-Encoding,
    /// an invalid or repeated Content-Length, a coding other than chunked), so this cannot fail. A 2xx answer to
    /// CONNECT (rule 2) is `.none` here: the bytes after it are a tunnel, which the caller must set up itself;
    /// the gateway does not forward CONNECT. For 1xx see `InterimResponse`.
    public static func framing(of response: ResponseHead, requestMethod: HTTPMethod) -> ResponseFraming {
        let s = response.status
        if requestMethod == .head || s < 200 || s == 204 || s == 304 { return .none }   // rule 1
        if requestMethod == .connect && s < 300 { return .none }                          // rule 2
        if response.isChunked { return .chunked }                                        // rule 4
        if let n = response.contentLength { return .length(n) }                          // rule 6
        return .untilClose                                                               // rule 8
    }

    /// A decoder that finds the end of a body with this framing, for `BodyDecoder.passThrough`.
    ///
    /// Give it upstream limits with `maxBodyBytes` large enough for what the route may return (`Int.max`: no
    /// limit); its errors are the request-side statuses (400, 413, 431) and mean 502 here. For `.none` it is
    /// complete at once; for `.untilClose` it never completes (see `BodyDecoder.untilClose()`).
    public func bodyDecoder(limits: HTTP1Limits) -> BodyDecoder {
        switch self {
        case .none: BodyDecoder(contentLength: 0)
        case .length(let n): BodyDecoder(contentLength: n)
        case .chunked: BodyDecoder(chunkedWith: limits)
        case .untilClose: BodyDecoder.untilClose()
        }
    }
}

/// What a proxy does with a 1xx response head, which comes before the final one (RFC 9110 15.2).
public enum InterimResponse: Sendable, Equatable {
    /// Not 1xx: the final response.
    case final
    /// 100 Continue, 102, 103 Early Hints and other 1xx: write it to the client with `ResponseForwarder`, then
    /// reset the scanner and parse the next head from the bytes after this one (same request, no body between).
    case forwardAndReadNext
    /// The client speaks HTTP/1.0, to which no 1xx may be sent: drop the head and parse the next one.
    case dropAndReadNext
    /// 101 Switching Protocols to a request that asked to upgrade: forward the head, then both connections are a
    /// raw tunnel (the bytes after the head already belong to the new protocol).
    case switchProtocols
    /// 101 without an upgrade request (or with Upgrade refused): the upstream is broken, answer 502.
    case invalid

    /// Classifies `response` for a client of `clientVersion` whose request was forwarded with an Upgrade
    /// (`upgradeRequested`: true only when `RequestForwarder` passed the Upgrade on).
    public static func classify(_ response: ResponseHead, clientVersion: HTTPVersion,
                                upgradeRequested: Bool) -> InterimResponse {
        guard response.isInformational else { return .final }
        if response.status == 101 {
            return upgradeRequested && response.hasUpgrade ? .switchProtocols : .invalid
        }
        return clientVersion == .http10 ? .dropAndReadNext : .forwardAndReadNext
    }
}
