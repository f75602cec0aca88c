import NexusBytes

/// The fields that describe one connection rather than the message (RFC 9110 7.6.1), and field-name helpers
/// shared by `RequestForwarder` and `ResponseForwarder`.
///
/// A proxy removes, in both directions: Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade,
/// Trailer, Proxy-Authenticate and Proxy-Authorization (credentials or challenges for this proxy must not travel
/// on), and every field a Connection field names. The forwarders write framing, Connection and Upgrade anew.
enum HopByHop {
    /// True when the field name `p[name]` is one of the fixed hop-by-hop names.
    static func isFixed(_ p: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
        switch name.count {
        case 2: return ByteClass.equalsIgnoringCase(p, name, "te")
        case 7: return ByteClass.equalsIgnoringCase(p, name, "upgrade") || ByteClass.equalsIgnoringCase(p, name, "trailer")
        case 10: return ByteClass.equalsIgnoringCase(p, name, "connection")
            || ByteClass.equalsIgnoringCase(p, name, "keep-alive")
        case 16: return ByteClass.equalsIgnoringCase(p, name, "proxy-connection")
        case 17: return ByteClass.equalsIgnoringCase(p, name, "transfer-encoding")
        case 18: return ByteClass.equalsIgnoringCase(p, name, "proxy-authenticate")
        case 19: return ByteClass.equalsIgnoringCase(p, name, "proxy-authorization")
        default: return false
        }
    }

    /// True when `p[a]` and `p[b]` are the same name ignoring ASCII case.
    @inline(__always)
    static func namesEqual(_ p: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        var k = 0
        while k < a.count {
            if ByteClass.lower(p[a.lowerBound &+ k]) != ByteClass.lower(p[b.lowerBound &+ k]) { return false }
            k &+= 1
        }
        return true
    }

    /// True when `p[a]` equals `lowercase` (already lowercase) ignoring ASCII case.
    @inline(__always)
    static func nameEquals(_ p: UnsafeRawBufferPointer, _ a: Range<Int>, _ lowercase: [UInt8]) -> Bool {
        guard a.count == lowercase.count else { return false }
        var k = 0
        while k < a.count {
            if ByteClass.lower(p[a.lowerBound &+ k]) != lowercase[k] { return false }
            k &+= 1
        }
        return true
    }

    /// Calls `body` with each non-empty element of the comma list `p[value]` (OWS trimmed); stops when it returns true.
    @inline(__always)
    static func firstListElement(_ p: UnsafeRawBufferPointer, _ value: Range<Int>,
                                 where body: (Range<Int>) -> Bool) -> Bool {
        var k = value.lowerBound
        while k < value.upperBound {
            var end = k
            while end < value.upperBound && p[end] != UInt8(ascii: ",") { end &+= 1 }
            var a = k, z = end
            while a < z && (p[a] == .sp || p[a] == .htab) { a &+= 1 }
            while z > a && (p[z &- 1] == .sp || p[z &- 1] == .htab) { z &-= 1 }
            if a < z && body(a..<z) { return true }
            k = end &+ 1
        }
        return false
    }

    /// True when a Connection field among `fields` lists the name `p[name]`.
    static func isNominated(_ p: UnsafeRawBufferPointer, _ fields: [HeaderField], _ name: Range<Int>) -> Bool {
        for f in fields where f.name.count == 10 && ByteClass.equalsIgnoringCase(p, f.name, "connection") {
            if firstListElement(p, f.value, where: { namesEqual(p, $0, name) }) { return true }
        }
        return false
    }

    /// True when a Connection field among `fields` lists `token` (lowercase).
    static func connectionLists(_ p: UnsafeRawBufferPointer, _ fields: [HeaderField], _ token: StaticString) -> Bool {
        for f in fields where f.name.count == 10 && ByteClass.equalsIgnoringCase(p, f.name, "connection") {
            if firstListElement(p, f.value, where: { ByteClass.equalsIgnoringCase(p, $0, token) }) { return true }
        }
        return false
    }

    /// Appends "name: value\r\n" for a field of the parsed head `p` (already validated: copied as it is).
    @inline(__always)
    static func appendField(_ p: UnsafeRawBufferPointer, _ f: HeaderField, into b: ByteBuffer) {
        b.append(UnsafeRawBufferPointer(rebasing: p[f.name]))
        b.append(": ")
        b.append(UnsafeRawBufferPointer(rebasing: p[f.value]))
        b.append("\r\n")
    }
}
