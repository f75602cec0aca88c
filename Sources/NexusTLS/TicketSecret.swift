import COpenSSL

/// The secret session-ticket keys are derived from (32 random bytes). One per process, kept across reloads so
/// that a reload does not invalidate the tickets clients hold; a restart does. Never logged.
public struct TicketSecret: Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// A fresh secret from OpenSSL's CSPRNG.
    public init() {
        var b = [UInt8](repeating: 0, count: 32)
        let ok = b.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 32) }
        precondition(ok == 1, "RAND_bytes failed: no randomness for session-ticket keys")
        bytes = b
    }

    public var description: String { "TicketSecret(<redacted>)" }
}
