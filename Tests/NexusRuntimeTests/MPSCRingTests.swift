import Glibc
import NexusRuntime
import Testing

@Suite("MPSCRing")
struct MPSCRingTests {
    @Test("FIFO order; full returns false and does not store; wraps around")
    func orderAndCapacity() {
        let ring = MPSCRing<Int>(capacity: 3)
        #expect(ring.capacity == 4)
        for lap in 0..<3 {
            for i in 0..<4 { #expect(ring.push(lap * 10 + i)) }
            #expect(ring.push(99) == false)
            #expect(ring.approximateCount == 4)
            for i in 0..<4 { #expect(ring.pop() == lap * 10 + i) }
            #expect(ring.pop() == nil)
        }
        #expect(ring.push(7))
        #expect(ring.pop() == 7)
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
            let ring = MPSCRing<Tracked>(capacity: 8)
            for _ in 0..<8 { #expect(ring.push(Tracked(released))) }
            _ = ring.pop()
            _ = ring.pop()
            #expect(released.value == 2)
        }
        #expect(released.value == 8)
    }

    @Test("stress: 4 producers into capacity 1024, every value exactly once, per-producer order kept")
    func fourProducers() {
        let producers = 4
        let perProducer = Stress.size(full: 1_000_000, reduced: 50_000)
        let ring = MPSCRing<Int>(capacity: 1024)
        let result = Box((count: 0, sum: 0, ordered: true))
        let consumer = NexusThread.spawn(name: "mpsc-consumer") {
            var next = [Int](repeating: 0, count: producers)
            var count = 0
            var sum = 0
            var ordered = true
            while count < producers * perProducer {
                guard let value = ring.pop() else {
                    sched_yield()
                    continue
                }
                let producer = value >> 32
                let sequence = value & 0xFFFF_FFFF
                // Exactly once and in order: each producer's next value is exactly the one after the last.
                if sequence != next[producer] { ordered = false }
                next[producer] = sequence + 1
                count += 1
                sum &+= sequence
            }
            result.value = (count, sum, ordered)
        }
        var threads: [NexusThread] = []
        for producer in 0..<producers {
            threads.append(NexusThread.spawn(name: "mpsc-producer-\(producer)") {
                for sequence in 0..<perProducer {
                    while !ring.push(producer << 32 | sequence) { sched_yield() }
                }
            })
        }
        for thread in threads { thread.join() }
        consumer.join()
        #expect(result.value.count == producers * perProducer)
        #expect(result.value.sum == producers * (perProducer * (perProducer - 1) / 2))
        #expect(result.value.ordered)
        // Not pop(): the consumer role belongs to the consumer thread (checked in debug builds).
        #expect(ring.approximateCount == 0)
    }
}
