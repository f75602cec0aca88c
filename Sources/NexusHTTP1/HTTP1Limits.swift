/// Size and count limits applied while reading one request.
///
/// Every limit is checked as bytes arrive, so an oversized request is refused before it is read in full.
public struct HTTP1Limits: Sendable, Equatable {
    /// Longest request line, without its CRLF (longer: 414).
    public var maxRequestLineBytes: Int
    /// Longest head: leading empty lines, request line, field lines and the final empty line (longer: 431).
    public var maxHeaderBytes: Int
    /// Most field lines in the head, and most trailer fields (more: 431).
    public var maxHeaderCount: Int
    /// Largest body, after chunked decoding (larger: 413).
    public var maxBodyBytes: Int
    /// Longest trailer section, CRLFs included (longer: 431).
    public var maxTrailerBytes: Int
    /// Longest chunk-extension text on one chunk-size line (longer: 400).
    public var maxChunkExtensionBytes: Int

    /// Creates limits; every argument has a default fit for an edge gateway.
    public init(maxRequestLineBytes: Int = 8192, maxHeaderBytes: Int = 32768, maxHeaderCount: Int = 100,
                maxBodyBytes: Int = 1 << 20, maxTrailerBytes: Int = 8192, maxChunkExtensionBytes: Int = 1024) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxTrailerBytes = maxTrailerBytes
        self.maxChunkExtensionBytes = maxChunkExtensionBytes
    }
}
