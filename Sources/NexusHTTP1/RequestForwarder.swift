import NexusBytes

/// What `RequestForwarder.writeHead` decided, for the rest of the exchange.
public struct ForwardedRequest: Sendable, Equatable {
    /// Where the X-Request-Id value lies in the buffer's readable bytes as they were when `writeHead` returned
    /// (for logs), or nil when none was written.
    public var requestID: Range<Int>?
    /// True when Upgrade was passed on: a 101 may follow (see `InterimResponse`).
    public var upgrade: Bool
}

/// Writes the head of a request to be forwarded to an upstream (RFC 9110 7.6): bytes in, bytes out, no I/O.
///
/// The head is: "METHOD target HTTP/1.1", Host, the client's fields without hop-by-hop ones, the framing written
/// from the parsed facts (never copied: a Connection field that names Content-Length cannot change it), the
/// Upgrade pair when tunnelling, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, Forwarded, X-Request-Id,
/// Via, then the route's added fields. No Connection: close: the upstream connection is kept alive. The request
/// body follows unchanged (chunked stays chunked: `BodyDecoder.passThrough`).
///
/// Forwarding fields from the client (X-Forwarded-*, Forwarded) are kept only when the peer is a trusted proxy:
/// then the client address is appended to X-Forwarded-For and Forwarded, and its X-Forwarded-Proto/-Host are
/// kept. From anyone else they are dropped and replaced, so a client cannot choose the address upstreams see.
public enum RequestForwarder {
    /// Appends the upstream request head for `request` (parsed from `headBytes`) to `b`.
    ///
    /// - `method`: a replacement method; nil (or `.other`) keeps the client's bytes.
    /// - `target`: the rewritten request target (path and query); 0x21-0x7E without '#', else a 500.
    /// - `clientIP`: the peer's address as text ("192.0.2.1", "2001:db8::1"); empty means unknown.
    /// - `isTLS`: the client connection's scheme, for X-Forwarded-Proto and Forwarded proto=.
    /// - `trustIncomingForwarded`: the peer is a trusted proxy (see the type's summary).
    /// - `requestIDs`: the loop's generator, used only when the client sent no valid X-Request-Id.
    @discardableResult
    public static func writeHead(request: RequestHead, headBytes p: UnsafeRawBufferPointer, method: HTTPMethod? = nil,
                                 target: UnsafeRawBufferPointer, clientIP: UnsafeRawBufferPointer, isTLS: Bool,
                                 trustIncomingForwarded trusted: Bool, options o: ForwardingOptions,
                                 requestIDs: inout RequestIDGenerator,
                                 into b: ByteBuffer) throws(HTTPParseError) -> ForwardedRequest {
        guard !target.isEmpty, target.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: "#") }) else {
            throw HTTPParseError(status: 500, detail: "invalid rewritten request target")
        }
        // Request line.
        if let m = method, let name = m.name { b.append(name) }
        else { b.append(UnsafeRawBufferPointer(rebasing: p[request.methodRange])) }
        b.append(byte: .sp)
        b.append(target)
        b.append(" HTTP/1.1\r\nHost: ")
        if o.preserveHost, let h = request.hostRange { b.append(UnsafeRawBufferPointer(rebasing: p[h])) }
        else { b.append(o.upstreamHost) }
        b.append("\r\n")

        // The client's fields, minus what is hop-by-hop or rewritten below.
        let hasConnection = request.fields.contains {
            $0.name.count == 10 && ByteClass.equalsIgnoringCase(p, $0.name, "connection")
        }
        for f in request.fields {
            if HopByHop.isFixed(p, f.name) || o.edits.removes(p, f.name) { continue }
            if hasConnection && HopByHop.isNominated(p, request.fields, f.name) { continue }
            switch Rewritten(p, f.name) {
            case .host, .contentLength, .xForwardedFor, .forwarded: continue
            case .xForwardedProto, .xForwardedHost: if !trusted { continue }
            case .requestID: if o.requestID { continue }
            case .other: break
            }
            HopByHop.appendField(p, f, into: b)
        }

        // Framing, from the parsed facts.
        if request.isChunked { b.append("Transfer-Encoding: chunked\r\n") }
        else if let n = request.contentLength {
            b.append("Content-Length: ")
            b.appendDecimal(n)
            b.append("\r\n")
        }
        let upgrade = o.allowUpgrade && request.hasUpgrade && HopByHop.connectionLists(p, request.fields, "upgrade")
        if upgrade {
            b.append("Connection: upgrade\r\n")
            for f in request.fields where f.name.count == 7 && ByteClass.equalsIgnoringCase(p, f.name, "upgrade") {
                HopByHop.appendField(p, f, into: b)
            }
        }

        // Forwarding fields.
        let edits = o.edits
        if !edits.removes("x-forwarded-for") {
            appendXForwardedFor(request, p, clientIP: clientIP, trusted: trusted, add: o.xForwarded, into: b)
        }
        if o.xForwarded {
            if !edits.removes("x-forwarded-proto") && !(trusted && has(request, p, .xForwardedProto)) {
                b.append(isTLS ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n")
            }
            if !edits.removes("x-forwarded-host"), let h = request.hostRange, !(trusted && has(request, p, .xForwardedHost)) {
                b.append("X-Forwarded-Host: ")
                b.append(UnsafeRawBufferPointer(rebasing: p[h]))
                b.append("\r\n")
            }
        }
        if !edits.removes("forwarded") {
            appendForwarded(request, p, clientIP: clientIP, isTLS: isTLS, trusted: trusted, add: o.forwarded, into: b)
        }
        var idRange: Range<Int>?
        if o.requestID && !edits.removes("x-request-id") {
            b.append("X-Request-Id: ")
            let start = b.readableBytes
            if let incoming = validIncomingRequestID(request, p) { b.append(UnsafeRawBufferPointer(rebasing: p[incoming])) }
            else { requestIDs.next(into: b) }
            idRange = start..<b.readableBytes
            b.append("\r\n")
        }
        if o.via && !edits.removes("via") {
            b.append(request.version == .http11 ? "Via: 1.1 nexus\r\n" : "Via: 1.0 nexus\r\n")
        }
        edits.appendAdded(into: b)
        b.append("\r\n")
        return ForwardedRequest(requestID: idRange, upgrade: upgrade)
    }

    /// The fields the forwarder writes itself (or keeps only from trusted peers).
    enum Rewritten {
        case host, contentLength, xForwardedFor, xForwardedProto, xForwardedHost, forwarded, requestID, other

        @inline(__always) init(_ p: UnsafeRawBufferPointer, _ n: Range<Int>) {
            switch n.count {
            case 4 where ByteClass.equalsIgnoringCase(p, n, "host"): self = .host
            case 9 where ByteClass.equalsIgnoringCase(p, n, "forwarded"): self = .forwarded
            case 12 where ByteClass.equalsIgnoringCase(p, n, "x-request-id"): self = .requestID
            case 14 where ByteClass.equalsIgnoringCase(p, n, "content-length"): self = .contentLength
            case 15 where ByteClass.equalsIgnoringCase(p, n, "x-forwarded-for"): self = .xForwardedFor
            case 16 where ByteClass.equalsIgnoringCase(p, n, "x-forwarded-host"): self = .xForwardedHost
            case 17 where ByteClass.equalsIgnoringCase(p, n, "x-forwarded-proto"): self = .xForwardedProto
            default: self = .other
            }
        }
    }

    /// True when the client sent a field of `kind` that a Connection field does not name (named ones are hop-by-hop).
    static func has(_ r: RequestHead, _ p: UnsafeRawBufferPointer, _ kind: Rewritten) -> Bool {
        r.fields.contains { Rewritten(p, $0.name) == kind && !HopByHop.isNominated(p, r.fields, $0.name) }
    }

    /// X-Forwarded-For: the trusted peer's list, then the client address (when `add`).
    static func appendXForwardedFor(_ r: RequestHead, _ p: UnsafeRawBufferPointer, clientIP: UnsafeRawBufferPointer,
                                    trusted: Bool, add: Bool, into b: ByteBuffer) {
        var started = false
        @inline(__always) func separate() {
            b.append(started ? ", " : "X-Forwarded-For: ")
            started = true
        }
        if trusted {
            for f in r.fields where !f.value.isEmpty && Rewritten(p, f.name) == .xForwardedFor
                && !HopByHop.isNominated(p, r.fields, f.name) {
                separate()
                b.append(UnsafeRawBufferPointer(rebasing: p[f.value]))
            }
        }
        if add {
            separate()
            if clientIP.isEmpty { b.append("unknown") } else { ResponseWriter.appendFieldValue(clientIP, into: b) }
        }
        if started { b.append("\r\n") }
    }

    /// Forwarded (RFC 7239): the trusted peer's elements, then "for=...;proto=...;host=..." (when `add`).
    static func appendForwarded(_ r: RequestHead, _ p: UnsafeRawBufferPointer, clientIP: UnsafeRawBufferPointer,
                                isTLS: Bool, trusted: Bool, add: Bool, into b: ByteBuffer) {
        var started = false
        if trusted {
            for f in r.fields where !f.value.isEmpty && Rewritten(p, f.name) == .forwarded
                && !HopByHop.isNominated(p, r.fields, f.name) {
                b.append(started ? ", " : "Forwarded: ")
                started = true
                b.append(UnsafeRawBufferPointer(rebasing: p[f.value]))
            }
        }
        if add {
            b.append(started ? ", for=" : "Forwarded: for=")
            started = true
            appendNode(clientIP, into: b)
            b.append(isTLS ? ";proto=https" : ";proto=http")
            if let h = r.hostRange {
                b.append(";host=")
                appendTokenOrQuoted(UnsafeRawBufferPointer(rebasing: p[h]), into: b)
            }
        }
        if started { b.append("\r\n") }
    }

    /// node (RFC 7239 6): an IPv4 address as a token, an IPv6 address as "[v6]" in quotes, else "unknown".
    static func appendNode(_ ip: UnsafeRawBufferPointer, into b: ByteBuffer) {
        if ip.isEmpty { b.append("unknown"); return }
        if ip.contains(UInt8(ascii: ":")) {
            let bracketed = ip.first == UInt8(ascii: "[")
            b.append(bracketed ? "\"" : "\"[")
            appendQuotedText(ip, into: b)
            b.append(bracketed ? "\"" : "]\"")
        } else {
            appendTokenOrQuoted(ip, into: b)
        }
    }

    /// value = token / quoted-string (RFC 7239 4): quoted when it holds a non-token byte (':' of a port, '[').
    static func appendTokenOrQuoted(_ v: UnsafeRawBufferPointer, into b: ByteBuffer) {
        if !v.isEmpty && v.allSatisfy(ByteClass.isTokenChar) { b.append(v); return }
        b.append(byte: UInt8(ascii: "\""))
        appendQuotedText(v, into: b)
        b.append(byte: UInt8(ascii: "\""))
    }

    /// The inside of a quoted-string: '"' and '\' escaped, CTLs written as SP.
    static func appendQuotedText(_ v: UnsafeRawBufferPointer, into b: ByteBuffer) {
        for c in v {
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { b.append(byte: UInt8(ascii: "\\")) }
            b.append(byte: ByteClass.isFieldValueChar(c) && c != .htab ? c : .sp)
        }
    }

    /// The client's X-Request-Id when the first one is 1...200 bytes of visible ASCII; else nil.
    static func validIncomingRequestID(_ r: RequestHead, _ p: UnsafeRawBufferPointer) -> Range<Int>? {
        guard let f = r.fields.first(where: {
            Rewritten(p, $0.name) == .requestID && !HopByHop.isNominated(p, r.fields, $0.name)
        }) else { return nil }
        let v = f.value
        guard v.count >= 1 && v.count <= 200 else { return nil }
        for k in v where !(p[k] >= 0x21 && p[k] <= 0x7E) { return nil }
        return v
    }
}
