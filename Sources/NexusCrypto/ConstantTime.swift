// ConstantTime: comparisons whose duration does not depend on where two secrets differ.
import COpenSSL

public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths (CRYPTO_memcmp).
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) } } == 0
    }
}
