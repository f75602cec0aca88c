import Glibc
import NexusRuntime
import NexusSystem
import Synchronization
import Testing

@Suite("Waker")
struct WakerTests {
    @Test("many wakes from several threads coalesce into one eventfd write")
    func wakesCoalesce() throws {
        let waker = try Waker()
        #expect(waker.waitBlocking(timeoutMilliseconds: 0) == false)
        var threads: [NexusThread] = []
        for index in 0..<4 {
            threads.append(NexusThread.spawn(name: "waker-\(index)") {
                for _ in 0..<1000 { waker.wake() }
            })
        }
        for thread in threads { thread.join() }
        #expect(waker.waitBlocking(timeoutMilliseconds: 0))
        // The counter is 1: only the first of the 4,000 wakes wrote the eventfd.
        #expect(RuntimeEventFD.drain(waker.fd) == 1)
        #expect(waker.waitBlocking(timeoutMilliseconds: 0) == false)
        // Still pending, no acknowledge yet: further wakes stay silent.
        waker.wake()
        #expect(waker.waitBlocking(timeoutMilliseconds: 0) == false)
        // After acknowledge the next wake writes again.
        waker.acknowledge()
        waker.wake()
        waker.wake()
        #expect(waker.waitBlocking(timeoutMilliseconds: 0))
        waker.acknowledge()
        #expect(waker.waitBlocking(timeoutMilliseconds: 0) == false)
    }

    @Test("no wake is lost: producer/consumer ping-pong over two mailboxes")
    func pingPong() throws {
        let rounds = Stress.size(full: 100_000, reduced: 10_000)
        let toServer = try Mailbox<Int>(capacity: 16)
        let toClient = try Mailbox<Int>(capacity: 16)
        let serverTimedOut = Box(false)
        let server = NexusThread.spawn(name: "pingpong-server") {
            var last = -1
            while last < rounds - 1 {
                toServer.drain { value in
                    last = value
                    _ = toClient.post(value)
                }
                if last < rounds - 1 && !toServer.waker.waitBlocking(timeoutMilliseconds: 10_000) {
                    serverTimedOut.value = true
                    return
                }
            }
        }
        var clientTimedOut = false
        var mismatches = 0
        round: for round in 0..<rounds {
            #expect(toServer.post(round))
            var reply: Int?
            while reply == nil {
                toClient.drain { reply = $0 }
                if reply == nil && !toClient.waker.waitBlocking(timeoutMilliseconds: 10_000) {
                    clientTimedOut = true
                    break round
                }
            }
            if reply != round { mismatches += 1 }
        }
        if clientTimedOut { _ = toServer.post(rounds - 1) }
        server.join()
        #expect(!clientTimedOut)
        #expect(!serverTimedOut.value)
        #expect(mismatches == 0)
        #expect(toServer.dropped == 0 && toClient.dropped == 0)
    }

    @Test("no wake is lost: two producers, a consumer that sleeps whenever the mailbox looks empty")
    func producersAndSleepingConsumer() throws {
        let perProducer = Stress.size(full: 200_000, reduced: 20_000)
        let mailbox = try Mailbox<Int>(capacity: 64)
        let received = Box((count: 0, timedOut: false))
        let consumer = NexusThread.spawn(name: "wake-consumer") {
            var count = 0
            while count < 2 * perProducer {
                count += mailbox.drain { _ in }
                if count < 2 * perProducer && !mailbox.waker.waitBlocking(timeoutMilliseconds: 10_000) {
                    received.value = (count, true)
                    return
                }
            }
            received.value = (count, false)
        }
        var producers: [NexusThread] = []
        for index in 0..<2 {
            producers.append(NexusThread.spawn(name: "wake-producer-\(index)") {
                for value in 0..<perProducer {
                    while !mailbox.tryPost(value) { sched_yield() }
                }
            })
        }
        for producer in producers { producer.join() }
        consumer.join()
        #expect(received.value.timedOut == false)
        #expect(received.value.count == 2 * perProducer)
    }
}
