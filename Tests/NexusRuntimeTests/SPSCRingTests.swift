import Glibc
import NexusRuntime
import Testing

@Suite("SPSCRing")
struct SPSCRingTests {
    @Test("capacity rounds up to a power of two")
    func capacityRounding() {
        #expect(SPSCRing<Int>(capacity: 1).capacity == 1)
        #expect(SPSCRing<Int>(capacity: 3).capacity == 4)
        #expect(SPSCRing<Int>(capacity: 1000).capacity == 1024)
        #expect(SPSCRing<Int>(capacity: 1024).capacity == 1024)
    }

    @Test("FIFO order; full returns false and does not store; wraps around")
    func orderAndCapacity() {
        let ring = SPSCRing<Int>(capacity: 4)
        for lap in 0..<3 {
            for i in 0..<4 { #expect(ring.push(lap * 10 + i)) }
            #expect(ring.push(99) == false)
            #expect(ring.approximateCount == 4)
            for i in 0..<4 { #expect(ring.pop() == lap * 10 + i) }
            #expect(ring.pop() == nil)
            #expect(ring.approximateCount == 0)
        }
    }

    @Test("deinit releases elements left in the ring")
    func deinitDrains() {
        final class Tracked: Sendable {
            let counter: Box<Int>
            init(_ counter: Box<Int>) { self.counter = counter }
            deinit { counter.value += 1 }
        }
        let released = Box(0)
        do {
            let ring = SPSCRing<Tracked>(capacity: 8)
            for _ in 0..<5 { #expect(ring.push(Tracked(released))) }
            _ = ring.pop()
            #expect(released.value == 1)
        }
        #expect(released.value == 5)
    }

    @Test("stress: values cross two threads in order")
    func twoThreadsInOrder() {
        let count = Stress.size(full: 10_000_000, reduced: 500_000)
        let ring = SPSCRing<Int>(capacity: 1024)
        let result = Box((received: 0, inOrder: true))
        let consumer = NexusThread.spawn(name: "spsc-consumer") {
            var expected = 0
            var inOrder = true
            while expected < count {
                if let value = ring.pop() {
                    if value != expected { inOrder = false }
                    expected += 1
                } else {
                    sched_yield()
                }
            }
            result.value = (expected, inOrder)
        }
        let producer = NexusThread.spawn(name: "spsc-producer") {
            var next = 0
            while next < count {
                if ring.push(next) { next += 1 } else { sched_yield() }
            }
        }
        producer.join()
        consumer.join()
        #expect(result.value.received == count)
        #expect(result.value.inOrder)
        // Not pop(): the consumer role belongs to the consumer thread (checked in debug builds).
        #expect(ring.approximateCount == 0)
    }
}
