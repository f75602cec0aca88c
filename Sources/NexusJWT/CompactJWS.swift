// CompactJWS: a JWS in compact serialization (RFC 7515 §7.1), parsed strictly, and its signature check.

/// A parsed JWS compact serialization: `BASE64URL(header) . BASE64URL(payload) . BASE64URL(signature)`.
///
/// Parsing checks the shape (exactly three non-empty parts of canonical base64url, within a size limit) and the
/// header (a JSON object with a supported `alg`, a string `kid` if any, no `crit`); it does not check the signature
/// (`KeySet.verifySignature(of:)`) or parse the payload.
public struct CompactJWS: Sendable {
    /// The header's `alg`.
    public let algorithm: JWSAlgorithm
    /// The header's `kid`, if any.
    public let keyID: String?
    /// The header's `typ`, if any.
    public let type: String?
    /// All header members.
    public let header: [String: JSONValue]
    /// The decoded signature.
    public let signature: [UInt8]
    /// The decoded payload (not yet trusted: check the signature first).
    public let payload: [UInt8]
    /// The token's bytes; the signing input is its first `signingInputCount` bytes (header and payload parts).
    private let token: [UInt8]
    private let signingInputCount: Int

    /// Parses `token`, which must not exceed `maxBytes`.
    public init(_ token: [UInt8], maxBytes: Int) throws(JWTError) {
        guard token.count <= maxBytes else { throw .tooLarge }
        let dot = UInt8(ascii: ".")
        guard let first = token.firstIndex(of: dot), let second = token[(first + 1)...].firstIndex(of: dot),
              token[(second + 1)...].firstIndex(of: dot) == nil, first > 0
        else { throw .malformed(.parts) }
        guard let headerBytes = StrictBase64URL.decode(token[..<first]) else { throw .malformed(.base64) }
        guard let header = JSONObject.decode(headerBytes), let alg = header["alg"]?.stringValue else {
            throw .malformed(.header)
        }
        // "none" and anything unknown end here: there is no JWSAlgorithm for them.
        guard let algorithm = JWSAlgorithm(rawValue: alg) else { throw .unsupportedAlgorithm }
        // RFC 7515 §4.1.11: a recipient that does not understand a listed extension must reject the JWS; this one
        // understands none (b64 of RFC 7797 included), so any `crit` is refused, even an empty or malformed one.
        if header["crit"] != nil { throw .criticalHeader }
        var keyID: String?
        if let kid = header["kid"] {
            guard let s = kid.stringValue else { throw .malformed(.header) }
            keyID = s
        }
        var type: String?
        if let typ = header["typ"] {
            guard let s = typ.stringValue else { throw .malformed(.header) }
            type = s
        }
        // An empty payload or signature is checked only now, so that `alg: none` (whose signature is empty) is
        // reported as the unsupported algorithm it is.
        guard second > first + 1, second < token.count - 1 else { throw .malformed(.parts) }
        guard let payload = StrictBase64URL.decode(token[(first + 1)..<second]),
              let signature = StrictBase64URL.decode(token[(second + 1)...])
        else { throw .malformed(.base64) }
        self.algorithm = algorithm
        self.keyID = keyID
        self.type = type
        self.header = header
        self.signature = signature
        self.payload = payload
        self.token = token
        self.signingInputCount = second
    }

    /// Parses the UTF-8 bytes of `token`.
    public init(_ token: some StringProtocol, maxBytes: Int) throws(JWTError) {
        guard token.utf8.count <= maxBytes else { throw .tooLarge }
        try self.init(Array(token.utf8), maxBytes: maxBytes)
    }

    /// Whether the signature verifies under `key`, which must allow the token's algorithm.
    func isSigned(by key: VerificationKey) -> Bool {
        guard key.allows(algorithm) else { return false }
        // SAFETY: the signing input is borrowed from `token` for the duration of the check.
        return token.withUnsafeBytes { all in
            key.verify(signature: signature, signingInput: UnsafeRawBufferPointer(rebasing: all[..<signingInputCount]), alg: algorithm)
        }
    }
}

extension KeySet {
    /// Checks the signature of `jws` with the key its `kid` and `alg` select, and returns that key.
    public func verifySignature(of jws: CompactJWS) throws(JWTError) -> VerificationKey {
        guard let key = key(forKid: jws.keyID, alg: jws.algorithm) else { throw .unknownKey }
        guard jws.isSigned(by: key) else { throw .badSignature }
        return key
    }
}
