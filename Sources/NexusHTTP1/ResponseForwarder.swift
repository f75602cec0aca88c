import NexusBytes

/// How the body of a forwarded response goes to the client, and whether the client connection ends after it.
public struct ResponsePlan: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        /// No body: the head is the whole response (HEAD, 1xx, 204, 304).
        case none
        /// Forward the bytes `BodyDecoder.passThrough` consumed, unchanged (length, chunked to HTTP/1.1, or
        /// close-delimited to HTTP/1.0).
        case raw
        /// A close-delimited upstream body to an HTTP/1.1 client: wrap each piece with `ChunkedEncoder.appendChunk`
        /// and write `appendLastChunk` at the upstream's clean EOF (at an unclean one, close without it).
        case chunkEncode
        /// A chunked upstream body to an HTTP/1.0 client, which cannot read chunked coding: forward what
        /// `BodyDecoder.decode` hands its sink (trailers are dropped), then close.
        case decoded
        /// 101 Switching Protocols: after the head, copy bytes both ways until either side closes.
        case tunnel
    }

    public var body: Body
    /// Close the client connection after this response (`Connection: close` was written).
    public var closeClient: Bool
}

/// Writes the head of an upstream response to be forwarded to the client: bytes in, bytes out, no I/O.
///
/// The head is: "HTTP/1.1 status reason" (the upstream's code and reason), the upstream's fields without hop-by-hop
/// ones, the framing for the client, `Connection: close` / `keep-alive` / `upgrade`, Via, then the route's added
/// fields. A close-delimited body is re-framed as chunked for an HTTP/1.1 client, rather than closing the client
/// connection: the connection stays reusable, and the client can tell a complete body (last chunk) from an
/// upstream that died mid-body (no last chunk), which close-delimiting cannot.
public enum ResponseForwarder {
    /// Appends the client-side head for `response` (parsed from `headBytes`, framed as `framing`) to `b`.
    ///
    /// `keepAliveToClient` is the caller's decision (client keep-alive, server draining); the plan may still close
    /// (an HTTP/1.0 client with no length to give it). Interim 1xx heads get no framing and no Connection field;
    /// see `InterimResponse` for which to forward.
    @discardableResult
    public static func writeHead(response r: ResponseHead, headBytes p: UnsafeRawBufferPointer,
                                 framing: ResponseFraming, options o: ResponseForwardingOptions,
                                 keepAliveToClient: Bool, clientVersion: HTTPVersion,
                                 extraFields: [(String, String)] = [],
                                 into b: ByteBuffer) -> ResponsePlan {
        b.append("HTTP/1.1 ")
        b.appendDecimal(r.status)
        b.append(byte: .sp)
        b.append(UnsafeRawBufferPointer(rebasing: p[r.reasonRange]))
        b.append("\r\n")

        let tokens = r.connectionTokens
        for f in r.fields {
            if HopByHop.isFixed(p, f.name) || o.edits.removes(p, f.name) { continue }
            if f.name.count == 14 && ByteClass.equalsIgnoringCase(p, f.name, "content-length") { continue }
            if !tokens.isEmpty && tokens.contains(where: { HopByHop.namesEqual(p, $0, f.name) }) { continue }
            HopByHop.appendField(p, f, into: b)
        }

        let plan: ResponsePlan
        if r.status == 101 {
            b.append("Connection: upgrade\r\n")
            for f in r.fields where f.name.count == 7 && ByteClass.equalsIgnoringCase(p, f.name, "upgrade") {
                HopByHop.appendField(p, f, into: b)
            }
            plan = ResponsePlan(body: .tunnel, closeClient: true)
        } else if r.isInformational {
            plan = ResponsePlan(body: .none, closeClient: false)
        } else {
            let http11 = clientVersion == .http11
            switch framing {
            case .none:
                // HEAD and 304 carry the length of the representation; 204 must not have one (RFC 9110 8.6).
                if r.status != 204, let n = r.contentLength { appendContentLength(n, into: b) }
                plan = ResponsePlan(body: .none, closeClient: !keepAliveToClient)
            case .length(let n):
                appendContentLength(n, into: b)
                plan = ResponsePlan(body: .raw, closeClient: !keepAliveToClient)
            case .chunked where http11:
                b.append("Transfer-Encoding: chunked\r\n")
                plan = ResponsePlan(body: .raw, closeClient: !keepAliveToClient)
            case .chunked:
                plan = ResponsePlan(body: .decoded, closeClient: true)
            case .untilClose where http11:
                b.append("Transfer-Encoding: chunked\r\n")
                plan = ResponsePlan(body: .chunkEncode, closeClient: !keepAliveToClient)
            case .untilClose:
                plan = ResponsePlan(body: .raw, closeClient: true)
            }
            if plan.closeClient { b.append("Connection: close\r\n") }
            else if !http11 { b.append("Connection: keep-alive\r\n") }
        }

        if o.via && !o.edits.removes("via") {
            b.append(r.version == .http11 ? "Via: 1.1 nexus\r\n" : "Via: 1.0 nexus\r\n")
        }
        o.edits.appendAdded(into: b)
        for (name, value) in extraFields where !r.isInformational {
            b.append(name); b.append(": "); b.append(value); b.append("\r\n")
        }
        b.append("\r\n")
        return plan
    }

    @inline(__always) static func appendContentLength(_ n: Int, into b: ByteBuffer) {
        b.append("Content-Length: ")
        b.appendDecimal(n)
        b.append("\r\n")
    }
}
