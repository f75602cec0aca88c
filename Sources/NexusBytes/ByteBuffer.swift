/// A growable byte buffer with a reader and a writer index over one heap allocation.
///
/// It is the unit of I/O between the event loops and the HTTP codec: bytes received are appended and consumed
/// from the front; responses are appended and handed to `send`. The base address is stable until the buffer
/// grows, so an in-flight send may point into it as long as nobody appends meanwhile (the connection keeps a
/// second buffer for that). Not thread-safe: a buffer belongs to one event loop.
public final class ByteBuffer {
    @usableFromInline var base: UnsafeMutableRawPointer
    @usableFromInline var cap: Int
    /// Offset of the first readable byte.
    @usableFromInline var reader: Int = 0
    /// Offset one past the last readable byte.
    @usableFromInline var writer: Int = 0

    /// Creates an empty buffer with room for `capacity` bytes (at least 16; the first growth jumps to 1 KiB, so a
    /// buffer made small and grown on demand reallocates once or twice, not eight times).
    public init(capacity: Int = 4096) {
        cap = max(capacity, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 16)
    }

    deinit { base.deallocate() }

    /// The number of bytes that can be read.
    @inlinable public var readableBytes: Int { writer - reader }

    /// True when nothing is left to read.
    @inlinable public var isEmpty: Bool { writer == reader }

    /// The bytes allocated.
    @inlinable public var capacity: Int { cap }

    /// The readable bytes. Valid until the next mutation of the buffer.
    @inlinable public var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + reader, count: writer - reader)
    }

    /// The readable byte at `index` (0 is the first readable byte).
    @inlinable public subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < writer - reader, "ByteBuffer index out of range")
        return base.load(fromByteOffset: reader + index, as: UInt8.self)
    }

    /// Drops `count` bytes from the front. When everything was read, both indexes return to 0.
    @inlinable public func consume(_ count: Int) {
        precondition(count >= 0 && count <= writer - reader, "ByteBuffer consume past the end")
        reader += count
        if reader == writer { reader = 0; writer = 0 }
    }

    /// Forgets every byte.
    @inlinable public func clear() { reader = 0; writer = 0 }

    /// Moves the readable bytes to the front, making room at the end without growing.
    public func compact() {
        guard reader > 0 else { return }
        let n = writer - reader
        if n > 0 { (base).copyMemory(from: base + reader, byteCount: n) }
        reader = 0
        writer = n
    }

    /// Makes room for at least `count` more bytes at the end, compacting first and growing only if needed.
    @inlinable public func reserveWritable(_ count: Int) {
        if cap - writer >= count { return }
        grow(count)
    }

    @usableFromInline func grow(_ count: Int) {
        let n = writer - reader
        if reader > 0 && cap - n >= count {
            compact()
            return
        }
        var newCap = max(cap * 2, 1024)
        while newCap - n < count { newCap *= 2 }
        let nb = UnsafeMutableRawPointer.allocate(byteCount: newCap, alignment: 16)
        if n > 0 { nb.copyMemory(from: base + reader, byteCount: n) }
        base.deallocate()
        base = nb
        cap = newCap
        reader = 0
        writer = n
    }

    /// Releases memory above `capacity` when the buffer is empty (after a large request on a keep-alive connection).
    public func shrinkIfEmpty(to capacity: Int) {
        guard reader == writer, cap > capacity else { return }
        base.deallocate()
        cap = max(capacity, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 16)
        reader = 0
        writer = 0
    }

    /// The free space at the end, to be filled by a read; call `commitWritten` with what was written.
    @inlinable public var writable: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base + writer, count: cap - writer)
    }

    /// Declares that `count` bytes were written into `writable`.
    @inlinable public func commitWritten(_ count: Int) {
        precondition(count >= 0 && count <= cap - writer, "ByteBuffer commit past capacity")
        writer += count
    }

    /// Appends raw bytes.
    @inlinable public func append(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        guard n > 0 else { return }
        reserveWritable(n)
        (base + writer).copyMemory(from: bytes.baseAddress!, byteCount: n)
        writer += n
    }

    /// Appends the readable bytes of another buffer.
    @inlinable public func append(_ other: ByteBuffer) { append(other.readable) }

    /// Appends one byte.
    @inlinable public func append(byte: UInt8) {
        reserveWritable(1)
        base.storeBytes(of: byte, toByteOffset: writer, as: UInt8.self)
        writer += 1
    }

    /// Appends the UTF-8 bytes of a static string (no allocation).
    @inlinable public func append(_ s: StaticString) {
        s.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
    }

    /// Appends the UTF-8 bytes of a string.
    @inlinable public func append(_ s: String) {
        var s = s
        s.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Appends a byte array.
    @inlinable public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Appends `value` in decimal ASCII.
    public func appendDecimal(_ value: Int) {
        if value == 0 { append(byte: UInt8(ascii: "0")); return }
        var v = value.magnitude
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: enough for 20 digits and a sign
        withUnsafeMutableBytes(of: &tmp) { digits in
            var i = digits.count
            while v > 0 {
                i -= 1
                digits[i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
                v /= 10
            }
            if value < 0 { i -= 1; digits[i] = UInt8(ascii: "-") }
            append(UnsafeRawBufferPointer(rebasing: digits[i...]))
        }
    }

    /// Appends `value` in lowercase hexadecimal ASCII (chunk sizes).
    public func appendHex(_ value: Int) {
        precondition(value >= 0, "appendHex of a negative value")
        if value == 0 { append(byte: UInt8(ascii: "0")); return }
        var v = UInt64(value)
        var tmp: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &tmp) { digits in
            var i = digits.count
            while v > 0 {
                i -= 1
                let d = UInt8(truncatingIfNeeded: v & 0xF)
                digits[i] = d < 10 ? d &+ 48 : d &+ 87
                v >>= 4
            }
            append(UnsafeRawBufferPointer(rebasing: digits[i...]))
        }
    }

    /// A copy of the readable bytes as an array (tests, slow paths).
    public var bytes: [UInt8] { Array(readable) }

    /// The readable bytes decoded as UTF-8 (tests, slow paths).
    public var string: String { String(decoding: readable, as: UTF8.self) }
}
