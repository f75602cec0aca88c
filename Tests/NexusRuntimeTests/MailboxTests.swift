import NexusRuntime
import Testing

@Suite("Mailbox")
struct MailboxTests {
    @Test("a full mailbox drops and counts posts; tryPost is not counted")
    func dropCounting() throws {
        let mailbox = try Mailbox<Int>(capacity: 4)
        for value in 0..<4 { #expect(mailbox.post(value)) }
        #expect(mailbox.post(4) == false)
        #expect(mailbox.post(5) == false)
        #expect(mailbox.dropped == 2)
        #expect(mailbox.tryPost(6) == false)
        #expect(mailbox.dropped == 2)
        var drained: [Int] = []
        #expect(mailbox.drain { drained.append($0) } == 4)
        #expect(drained == [0, 1, 2, 3])
        #expect(mailbox.post(7))
        #expect(mailbox.dropped == 2)
    }

    @Test("posting makes fd readable; drain acknowledges")
    func wakeOnPost() throws {
        let mailbox = try Mailbox<Int>(capacity: 8)
        #expect(mailbox.waker.waitBlocking(timeoutMilliseconds: 0) == false)
        mailbox.post(1)
        mailbox.post(2)
        #expect(mailbox.waker.waitBlocking(timeoutMilliseconds: 0))
        #expect(mailbox.drain { _ in } == 2)
        #expect(mailbox.waker.waitBlocking(timeoutMilliseconds: 0) == false)
    }

    @Test("drain with a limit leaves the rest and keeps fd readable")
    func drainLimit() throws {
        let mailbox = try Mailbox<Int>(capacity: 8)
        for value in 0..<5 { mailbox.post(value) }
        var drained: [Int] = []
        #expect(mailbox.drain(limit: 3) { drained.append($0) } == 3)
        #expect(mailbox.waker.waitBlocking(timeoutMilliseconds: 0))
        #expect(mailbox.drain { drained.append($0) } == 2)
        #expect(drained == [0, 1, 2, 3, 4])
        #expect(mailbox.waker.waitBlocking(timeoutMilliseconds: 0) == false)
    }
}
