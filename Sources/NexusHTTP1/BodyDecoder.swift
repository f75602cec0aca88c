/// Decodes a request body framed by Content-Length or by chunked coding (RFC 9112 7.1), fed split at any byte.
///
/// `decode` hands the body bytes to `sink` as slices of the input (no copy) and stops at the end of the body,
/// so bytes of a pipelined next request are left to the caller. After an error every call throws it again.
/// Allocation happens only for trailer fields.
public struct BodyDecoder: Sendable {
    @usableFromInline enum State: UInt8, Sendable {
        case fixed, data, done
        case size, sizeLF, dataCR, dataLF
        // The chunk-extension states, kept together: see `inExtension`.
        case sizeBWS, extNameStart, extName, extAfterName, extValueStart, extToken, extQuoted, extQuotedEscape
        case extAfterValue
        case trailerLineStart, trailerLine, trailerLineLF, finalLF

        @inline(__always) var inExtension: Bool {
            rawValue >= State.sizeBWS.rawValue && rawValue <= State.extAfterValue.rawValue
        }
    }

    @usableFromInline var state: State
    /// Bytes left: of the whole body (Content-Length) or of the current chunk.
    @usableFromInline var remaining: Int
    @usableFromInline var chunkSize = 0
    @usableFromInline var sizeDigits = 0
    @usableFromInline var extensionBytes = 0
    @usableFromInline var trailerBytes = 0
    @usableFromInline var trailerLine: [UInt8] = []
    @usableFromInline var failure: HTTPParseError?
    @usableFromInline let limits: HTTP1Limits

    /// Body bytes delivered to the sink so far (after chunked decoding).
    public private(set) var bodyBytes = 0
    /// Trailer fields, in order, available once the body is complete. Never merge them into the head blindly.
    public private(set) var trailers: [(name: String, value: String)] = []

    /// True once the whole body (and for chunked, the trailer section) has been read.
    @inlinable public var isComplete: Bool { state == .done }

    /// A decoder for a body of exactly `contentLength` bytes (a negative length counts as 0).
    ///
    /// The parser has already refused a Content-Length above `maxBodyBytes` (413).
    public init(contentLength: Int) {
        limits = HTTP1Limits()
        remaining = max(contentLength, 0)
        state = remaining == 0 ? .done : .fixed
    }

    /// A decoder for a chunked body, with `maxBodyBytes` (413), `maxTrailerBytes` (431), `maxHeaderCount`
    /// (trailer fields, 431) and `maxChunkExtensionBytes` (400) from `limits`.
    public init(chunkedWith limits: HTTP1Limits) {
        self.limits = limits
        remaining = 0
        state = .size
    }

    /// Consumes body bytes from `input`, passing the decoded body to `sink`; returns how many bytes were consumed.
    ///
    /// Returns less than `input.count` only when the body ended; the rest belongs to the next request.
    /// When it throws, body bytes before the faulty byte may already have reached `sink`: discard the request.
    public mutating func decode(_ input: UnsafeRawBufferPointer,
                                _ sink: (UnsafeRawBufferPointer) -> Void) throws(HTTPParseError) -> Int {
        if let failure { throw failure }
        let n = input.count
        guard n > 0, let base = input.baseAddress else { return 0 }
        var i = 0
        do throws(HTTPParseError) {
            while i < n {
                switch state {
                case .done:
                    return i
                case .fixed, .data:
                    let take = min(remaining, n &- i)
                    if take > 0 { sink(UnsafeRawBufferPointer(start: base + i, count: take)) }
                    i &+= take
                    remaining &-= take
                    bodyBytes &+= take
                    if remaining == 0 { state = state == .fixed ? .done : .dataCR }
                default:
                    let c = base.load(fromByteOffset: i, as: UInt8.self)
                    i &+= 1
                    try step(c)
                }
            }
        } catch {
            failure = error
            throw error
        }
        return i
    }

    /// Advances the chunked-coding state machine by one byte outside chunk data.
    @usableFromInline mutating func step(_ c: UInt8) throws(HTTPParseError) {
        let isWS = c == .sp || c == .htab
        if c != .cr && (state.inExtension || state == .size && ByteClass.hexValue(c) == nil) {
            try countExtension() // every byte of the extension text, from ';' or BWS up to CR
        }
        switch state {
        case .size:
            if let h = ByteClass.hexValue(c) {
                guard chunkSize >> 58 == 0 else { throw .bad("chunk size too large") }
                chunkSize = chunkSize << 4 | h
                sizeDigits &+= 1
                return
            }
            guard sizeDigits > 0 else { throw .bad("invalid chunk size") }
            if c == UInt8(ascii: ";") { state = .extNameStart }
            else if isWS { state = .sizeBWS }
            else if c == .cr { state = .sizeLF }
            else { throw .bad("invalid chunk size") }
        case .sizeBWS:
            if c == UInt8(ascii: ";") { state = .extNameStart }
            else if !isWS { throw .bad("invalid chunk extension") }
        case .extNameStart:
            if ByteClass.isTokenChar(c) { state = .extName }
            else if !isWS { throw .bad("invalid chunk extension") }
        case .extName:
            if ByteClass.isTokenChar(c) { return }
            if isWS { state = .extAfterName }
            else if c == UInt8(ascii: "=") { state = .extValueStart }
            else if c == UInt8(ascii: ";") { state = .extNameStart }
            else if c == .cr { state = .sizeLF }
            else { throw .bad("invalid chunk extension") }
        case .extAfterName:
            if c == UInt8(ascii: "=") { state = .extValueStart }
            else if c == UInt8(ascii: ";") { state = .extNameStart }
            else if !isWS { throw .bad("invalid chunk extension") }
        case .extValueStart:
            if c == UInt8(ascii: "\"") { state = .extQuoted }
            else if ByteClass.isTokenChar(c) { state = .extToken }
            else if !isWS { throw .bad("invalid chunk extension") }
        case .extToken:
            if ByteClass.isTokenChar(c) { return }
            if c == UInt8(ascii: ";") { state = .extNameStart }
            else if isWS { state = .sizeBWS }
            else if c == .cr { state = .sizeLF }
            else { throw .bad("invalid chunk extension") }
        case .extQuoted:
            if c == UInt8(ascii: "\"") { state = .extAfterValue }
            else if c == UInt8(ascii: "\\") { state = .extQuotedEscape }
            else if !(ByteClass.isFieldValueChar(c)) { throw .bad("invalid chunk extension") }
        case .extQuotedEscape:
            guard ByteClass.isFieldValueChar(c) else { throw .bad("invalid chunk extension") }
            state = .extQuoted
        case .extAfterValue:
            if c == UInt8(ascii: ";") { state = .extNameStart }
            else if isWS { state = .sizeBWS }
            else if c == .cr { state = .sizeLF }
            else { throw .bad("invalid chunk extension") }
        case .sizeLF:
            guard c == .lf else { throw .bad("chunk size line not ended by CRLF") }
            let size = chunkSize
            chunkSize = 0
            sizeDigits = 0
            extensionBytes = 0
            if size == 0 {
                state = .trailerLineStart
            } else {
                guard size <= limits.maxBodyBytes &- bodyBytes else {
                    throw HTTPParseError(status: 413, detail: "request body too large")
                }
                remaining = size
                state = .data
            }
        case .dataCR:
            guard c == .cr else { throw .bad("chunk data not followed by CRLF") }
            state = .dataLF
        case .dataLF:
            guard c == .lf else { throw .bad("chunk data not followed by CRLF") }
            state = .size
        case .trailerLineStart:
            try countTrailer()
            if c == .cr { state = .finalLF; return }
            if isWS { throw .bad("obsolete line folding in trailer") }
            if c == .lf { throw .bad("bare LF in trailer") }
            trailerLine.append(c)
            state = .trailerLine
        case .trailerLine:
            try countTrailer()
            if c == .cr { state = .trailerLineLF; return }
            if c == .lf { throw .bad("bare LF in trailer") }
            trailerLine.append(c)
        case .trailerLineLF:
            try countTrailer()
            guard c == .lf else { throw .bad("bare CR in trailer") }
            try addTrailer()
            trailerLine.removeAll(keepingCapacity: true)
            state = .trailerLineStart
        case .finalLF:
            try countTrailer()
            guard c == .lf else { throw .bad("bare CR in trailer") }
            state = .done
        case .fixed, .data, .done:
            preconditionFailure("BodyDecoder.step called outside the chunk framing states")
        }
    }

    @inline(__always) mutating func countExtension() throws(HTTPParseError) {
        extensionBytes &+= 1
        if extensionBytes > limits.maxChunkExtensionBytes { throw .bad("chunk extension too long") }
    }

    @inline(__always) mutating func countTrailer() throws(HTTPParseError) {
        trailerBytes &+= 1
        if trailerBytes > limits.maxTrailerBytes {
            throw HTTPParseError(status: 431, detail: "trailer section too large")
        }
    }

    /// Validates the trailer field line in `trailerLine` like a header field line and records it.
    mutating func addTrailer() throws(HTTPParseError) {
        guard trailers.count < limits.maxHeaderCount else {
            throw HTTPParseError(status: 431, detail: "too many trailer fields")
        }
        let field: (name: String, value: String) = try trailerLine.withUnsafeBufferPointer {
            (p) throws(HTTPParseError) -> (name: String, value: String) in
            var j = 0
            while j < p.count && ByteClass.isTokenChar(p[j]) { j &+= 1 }
            guard j < p.count, p[j] == UInt8(ascii: ":") else {
                if j < p.count && (p[j] == .sp || p[j] == .htab) { throw .bad("whitespace before colon in trailer") }
                throw .bad("invalid trailer field name")
            }
            guard j > 0 else { throw .bad("empty trailer field name") }
            let v = HeadParser.trimOWS(p, (j &+ 1)..<p.count)
            for k in v where !ByteClass.isFieldValueChar(p[k]) { throw .bad("invalid character in trailer value") }
            return (String(decoding: UnsafeBufferPointer(rebasing: p[0..<j]), as: UTF8.self),
                    String(decoding: UnsafeBufferPointer(rebasing: p[v]), as: UTF8.self))
        }
        trailers.append(field)
    }
}
