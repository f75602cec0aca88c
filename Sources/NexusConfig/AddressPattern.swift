#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address, or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`), matched against addresses as bytes.
public struct AddressPattern: Sendable, Hashable {
    /// 4 or 16 bytes, host bits cleared.
    public let network: [UInt8]
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = Self.parse(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...bits).contains(p) else { return nil }
            prefix = p
        }
        prefixLength = prefix
        network = Self.mask(bytes, prefix)
    }

    /// Whether `address` (4 or 16 bytes) is in the block. An IPv4-mapped IPv6 address matches IPv4 blocks.
    public func matches(_ address: [UInt8]) -> Bool {
        var a = address
        if a.count == 16 && network.count == 4 && a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xff && a[11] == 0xff {
            a = Array(a[12...])
        }
        guard a.count == network.count else { return false }
        return Self.mask(a, prefixLength) == network
    }

    /// The bytes of a numeric IPv4 or IPv6 address, or nil.
    public static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func mask(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { i, b in
            let keep = max(0, min(8, prefix - i * 8))
            return keep == 8 ? b : b & ~(0xFF >> keep)
        }
    }
}
