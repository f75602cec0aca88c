import NexusBytes

/// Fields a route removes from and adds to a forwarded message, checked once when the configuration loads.
///
/// Removal matches names ignoring case and applies to the fields passed through and to the optional ones the
/// forwarders write (Via, X-Forwarded-*, Forwarded, X-Request-Id); it never touches Host, the framing fields or
/// the Connection/Upgrade pair the forwarders write. Added fields come last, after everything else; adding a
/// name that is also passed through gives two lines (remove it as well to replace it).
public struct HeaderEdits: Sendable, Equatable {
    /// One added field line.
    public struct Field: Sendable, Equatable {
        public var name: [UInt8]
        public var value: [UInt8]
    }

    /// Names to remove, lowercase.
    public private(set) var remove: [[UInt8]] = []
    /// Fields to add, in order.
    public private(set) var add: [Field] = []

    /// No edits.
    public init() {}

    /// Edits from configuration; nil when a name is not a token, a value holds a CTL (CR, LF...), or an added
    /// name is one that frames the message or the connection (Host, Content-Length, Transfer-Encoding, and the
    /// hop-by-hop names), which the forwarders alone write.
    public init?(remove: [String], add: [(name: String, value: String)]) {
        for name in remove {
            let n = Array(name.utf8)
            guard !n.isEmpty, n.allSatisfy(ByteClass.isTokenChar) else { return nil }
            self.remove.append(n.map(ByteClass.lower))
        }
        for (name, value) in add {
            let n = Array(name.utf8), v = Array(value.utf8)
            guard !n.isEmpty, n.allSatisfy(ByteClass.isTokenChar), v.allSatisfy(ByteClass.isFieldValueChar) else {
                return nil
            }
            let reserved = n.withUnsafeBytes { p in
                HopByHop.isFixed(p, 0..<n.count) || ByteClass.equalsIgnoringCase(p, 0..<n.count, "host")
                    || ByteClass.equalsIgnoringCase(p, 0..<n.count, "content-length")
            }
            guard !reserved else { return nil }
            self.add.append(Field(name: n, value: v))
        }
    }

    /// True when the field name `p[name]` is to be removed.
    @inline(__always) func removes(_ p: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
        for r in remove where HopByHop.nameEquals(p, name, r) { return true }
        return false
    }

    /// True when `lowercase` is to be removed.
    func removes(_ lowercase: StaticString) -> Bool {
        if remove.isEmpty { return false }
        return lowercase.withUTF8Buffer { u in
            remove.contains { $0.elementsEqual(u) }
        }
    }

    /// Appends the added fields.
    func appendAdded(into b: ByteBuffer) {
        for f in add {
            b.append(f.name)
            b.append(": ")
            b.append(f.value)
            b.append("\r\n")
        }
    }
}
