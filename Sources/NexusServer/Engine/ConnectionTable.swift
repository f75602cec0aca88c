/// The connection slots of one event loop: made as connections arrive, up to `capacity` (so an idle server does not
/// hold `max_connections` connection objects), kept for reuse on a free list, and a dense list of the open ones for
/// the timer scan.
final class ConnectionTable {
    private(set) var slots: [Connection] = []
    private var free: [Int32] = []
    /// The open connections, in no order; `Connection.activeIndex` is each one's position.
    private(set) var active: [Connection] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        slots.reserveCapacity(min(capacity, 1024))
    }

    /// The number of open connections (including those being closed).
    var openCount: Int { active.count }

    /// Takes a free slot, or nil when every slot is in use.
    func acquire() -> Connection? {
        let c: Connection
        if let s = free.popLast() {
            c = slots[Int(s)]
        } else if slots.count < capacity {
            c = Connection(slot: Int32(slots.count))
            slots.append(c)
        } else {
            return nil
        }
        c.activeIndex = active.count
        active.append(c)
        return c
    }

    /// Returns a slot whose operations have all completed.
    func release(_ c: Connection) {
        precondition(c.activeIndex >= 0 && active[c.activeIndex] === c, "releasing a connection that is not open")
        let last = active.removeLast()
        if last !== c {
            active[c.activeIndex] = last
            last.activeIndex = c.activeIndex
        }
        c.activeIndex = -1
        c.phase = .free
        c.fd = -1
        c.trimBuffers()
        free.append(c.slot)
    }

    /// The connection of `slot` if its generation still matches.
    @inline(__always)
    func lookup(slot: Int32, generation: UInt32) -> Connection? {
        guard slot >= 0 && Int(slot) < slots.count else { return nil }
        let c = slots[Int(slot)]
        return c.generation & 0xFF_FFFF == generation && c.phase != .free ? c : nil
    }
}
