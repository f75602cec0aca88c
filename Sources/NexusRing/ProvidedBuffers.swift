import CNexusLinux
import Glibc
import NexusSystem

/// A provided-buffer ring (io_uring_register_buf_ring, kernel 5.19): the kernel picks a buffer for each
/// multishot receive completion, and the loop hands it back with `recycle` once the bytes are copied out.
public struct ProvidedBuffers: ~Copyable {
    /// The buffer group id receives name.
    public let group: UInt16
    /// Bytes per buffer.
    public let bufferSize: Int
    /// Number of buffers (a power of two).
    public let count: Int
    @usableFromInline let ring: UnsafeMutablePointer<io_uring_buf_ring>
    @usableFromInline let ringBytes: Int
    @usableFromInline let storage: UnsafeMutableRawPointer
    @usableFromInline let mask: Int32
    @usableFromInline var pendingAdds: Int32 = 0
    @usableFromInline let uring: UnsafeMutablePointer<io_uring>

    /// Registers `count` buffers of `bufferSize` bytes with `ring` as group `group`.
    public init(ring: borrowing Ring, group: UInt16, count: Int, bufferSize: Int) throws(SystemError) {
        precondition(count > 0 && count & (count - 1) == 0 && count <= 32768, "buffer count must be a power of two")
        let bytes = count * MemoryLayout<io_uring_buf>.stride
        let mem = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0)
        guard let mem, mem != MAP_FAILED else { throw .last("mmap(buffer ring)") }
        let br = mem.bindMemory(to: io_uring_buf_ring.self, capacity: 1)
        io_uring_buf_ring_init(br)
        var reg = io_uring_buf_reg()
        reg.ring_addr = UInt64(UInt(bitPattern: mem))
        reg.ring_entries = UInt32(count)
        reg.bgid = group
        let rc = io_uring_register_buf_ring(ring.raw, &reg, 0)
        guard rc == 0 else {
            munmap(mem, bytes)
            throw SystemError("io_uring_register_buf_ring", errno: -rc)
        }
        let store = UnsafeMutableRawPointer.allocate(byteCount: count * bufferSize, alignment: 4096)
        let m = io_uring_buf_ring_mask(UInt32(count))
        for i in 0..<count {
            io_uring_buf_ring_add(br, store + i * bufferSize, UInt32(bufferSize), UInt16(i), m, Int32(i))
        }
        io_uring_buf_ring_advance(br, Int32(count))
        self.group = group
        self.bufferSize = bufferSize
        self.count = count
        self.uring = ring.raw
        self.ringBytes = bytes
        self.ring = br
        self.storage = store
        self.mask = m
    }

    deinit {
        _ = io_uring_unregister_buf_ring(uring, Int32(group))
        munmap(UnsafeMutableRawPointer(ring), ringBytes)
        storage.deallocate()
    }

    /// The memory of buffer `id`.
    @inlinable public func buffer(_ id: UInt16) -> UnsafeMutableRawPointer {
        storage + Int(id) * bufferSize
    }

    /// Gives buffer `id` back to the kernel; published by the next `publish()`.
    @inlinable public mutating func recycle(_ id: UInt16) {
        io_uring_buf_ring_add(ring, storage + Int(id) * bufferSize, UInt32(bufferSize), id, mask, pendingAdds)
        pendingAdds += 1
    }

    /// Makes the recycled buffers visible to the kernel (one release store for the batch).
    @inlinable public mutating func publish() {
        guard pendingAdds > 0 else { return }
        io_uring_buf_ring_advance(ring, pendingAdds)
        pendingAdds = 0
    }
}
