import NexusConfig
import NexusHTTP1
import NexusSystem

/// The client's address for limits and the lockout: the peer, or, when the peer is a trusted proxy, the last
/// X-Forwarded-For entry that is not itself a trusted proxy (the entries before it could be forged by the client).
enum ClientAddress {
    /// The peer's address bytes (4 or 16), read once per connection.
    static func peer(_ c: Connection) -> [UInt8] {
        if let known = c.clientAddress { return known }
        let text = c.clientIP.map { String(decoding: $0, as: UTF8.self) } ?? (Socket.peerAddress(c.fd)?.ipString ?? "")
        if c.clientIP == nil { c.clientIP = Array(text.utf8) }
        let bytes = AddressPattern.parse(text) ?? []
        c.clientAddress = bytes
        return bytes
    }

    /// The client address of the request in `c`.
    static func of(_ c: Connection, trusted: [AddressPattern], headBytes: UnsafeRawBufferPointer) -> [UInt8] {
        let peer = peer(c)
        guard !trusted.isEmpty, trusted.contains(where: { $0.matches(peer) }),
              let range = c.head.value(of: "x-forwarded-for", in: headBytes) else { return peer }
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: headBytes[range]), as: UTF8.self)
        for entry in value.split(separator: ",").reversed() {
            let text = entry.trimmingCharacters(in: " \t")
            guard let address = AddressPattern.parse(String(text)) else { return peer }
            if !trusted.contains(where: { $0.matches(address) }) { return address }
        }
        return peer
    }

    /// FNV-1a, 64 bits, of an address (with a seed per use, so a key's cells differ between tables).
    static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        // Final mix, so that the low bits (the cell index) depend on every byte.
        h ^= h >> 33; h &*= 0xff51_afd7_ed55_8ccd; h ^= h >> 33
        return h
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}
