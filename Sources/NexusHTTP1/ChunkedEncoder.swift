import NexusBytes

/// Writes chunked coding (RFC 9112 7.1): to re-frame a close-delimited upstream body for an HTTP/1.1 client.
///
/// `appendChunk` copies the data; to send it from where it lies (a vectored write), use `appendChunkHeader`, then
/// the data, then `appendChunkEnd`. An empty chunk is never written: it would end the body.
public enum ChunkedEncoder {
    /// Appends one chunk holding `bytes`: "size-in-hex CRLF bytes CRLF". Nothing for empty `bytes`.
    public static func appendChunk(_ bytes: UnsafeRawBufferPointer, into b: ByteBuffer) {
        guard bytes.count > 0 else { return }
        appendChunkHeader(count: bytes.count, into: b)
        b.append(bytes)
        appendChunkEnd(into: b)
    }

    /// Appends the chunk-size line for `count` (> 0) data bytes.
    public static func appendChunkHeader(count: Int, into b: ByteBuffer) {
        precondition(count > 0, "a chunk of 0 bytes would end the body")
        b.appendHex(count)
        b.append("\r\n")
    }

    /// Appends the CRLF after a chunk's data.
    public static func appendChunkEnd(into b: ByteBuffer) { b.append("\r\n") }

    /// Appends the last chunk and an empty trailer section: "0 CRLF CRLF".
    public static func appendLastChunk(into b: ByteBuffer) { b.append("0\r\n\r\n") }
}
