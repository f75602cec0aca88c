/// Pass-through use of `BodyDecoder`: a proxy forwards a body's bytes unchanged and only needs to know where the
/// message ends.
///
/// `decode` already returns how many input bytes belong to the body (chunk-size lines, extensions, CRLFs and the
/// trailer section included) and stops exactly at its end, so the proxy forwards `input[0..<consumed]` as they
/// came: already-chunked bytes stay chunked, and any bytes after the end (a pipelined response, or garbage) are
/// left to it. A body decoded this way is validated as strictly as a request body.
extension BodyDecoder {
    /// A decoder for a body that ends when the connection closes (`ResponseFraming.untilClose`).
    ///
    /// It consumes every byte it is given and never becomes complete: the caller ends the body at a clean EOF
    /// from the upstream (after TLS close_notify, when TLS is used). `bodyBytes` counts what went by.
    public static func untilClose() -> BodyDecoder { BodyDecoder(contentLength: Int.max) }

    /// Consumes body bytes from `input` without handing them anywhere; returns how many belong to the body.
    ///
    /// Forward `input[0..<consumed]` raw. Returns less than `input.count` only when the body ended. An EOF before
    /// `isComplete` (for `.length` and `.chunked`) is a truncated body: close the client connection without
    /// finishing the response, so the client sees the truncation too.
    @inlinable public mutating func passThrough(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> Int {
        try decode(input) { _ in }
    }
}
