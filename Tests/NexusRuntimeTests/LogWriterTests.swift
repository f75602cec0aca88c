import Glibc
import Logging
import NexusRuntime
import Testing

@Suite("LogWriter and RingLogHandler")
struct LogWriterTests {
    @Test("UTC timestamps without Foundation")
    func timestamps() {
        #expect(UTCTimestamp.format(seconds: 0, nanoseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.format(seconds: 1_795_736_462, nanoseconds: 123_999_999) == "2026-11-26T23:41:02.123Z")
        #expect(UTCTimestamp.format(seconds: 951_782_400, nanoseconds: 5_000_000) == "2000-02-29T00:00:00.005Z")
        #expect(UTCTimestamp.format(seconds: 1_709_208_000, nanoseconds: 0) == "2024-02-29T12:00:00.000Z")
        #expect(UTCTimestamp.format(seconds: -1, nanoseconds: 0) == "1969-12-31T23:59:59.000Z")
        #expect(UTCTimestamp.format(seconds: 253_402_300_799, nanoseconds: 999_000_000) == "9999-12-31T23:59:59.999Z")
        let now = UTCTimestamp.now()
        #expect(now.seconds > 1_700_000_000)
        #expect((0..<1_000_000_000).contains(now.nanoseconds))
    }

    @Test("line format: timestamp level label: message key=value sorted")
    func format() {
        let line = RingLogHandler.format(seconds: 1_795_736_462, nanoseconds: 123_000_000, level: .info,
                                         label: "nexusd", message: "listening",
                                         metadata: ["port": "8080", "address": "127.0.0.1", "n": .stringConvertible(3)])
        #expect(String(decoding: line, as: UTF8.self)
            == "2026-11-26T23:41:02.123Z info nexusd: listening address=127.0.0.1 n=3 port=8080")
    }

    @Test("writes every line to a pipe in order; stop() flushes; later writes are dropped and counted")
    func linesInOrder() throws {
        let count = 20_000
        let (readEnd, writeEnd) = makePipe()
        let collected = Box<[UInt8]>([])
        let reader = NexusThread.spawn(name: "pipe-reader") { collected.value = readAll(readEnd) }
        let writer = try LogWriter(fd: writeEnd, capacity: 65_536)
        for index in 0..<count {
            #expect(writer.write("line \(index)"))
        }
        writer.stop()
        #expect(writer.write("after stop") == false)
        #expect(writer.dropped == 1)
        close(writeEnd)
        reader.join()
        close(readEnd)
        let received = lines(collected.value)
        #expect(received.count == count)
        #expect(received == (0..<count).map { "line \($0)" })
    }

    @Test("flush() returns after queued lines were written")
    func flush() throws {
        let (readEnd, writeEnd) = makePipe()
        let writer = try LogWriter(fd: writeEnd)
        writer.write("one")
        writer.write(Array("two".utf8))
        writer.flush()
        // Everything is in the pipe now: a non-blocking read gets both lines.
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(readEnd, &buffer, buffer.count)
        #expect(n == 8)
        #expect(lines(Array(buffer[0..<max(n, 0)])) == ["one", "two"])
        writer.stop()
        writer.flush()
        close(writeEnd)
        close(readEnd)
    }

    @Test("a full writer mailbox drops lines and counts them")
    func drops() throws {
        let (readEnd, writeEnd) = makePipe()
        let collected = Box<[UInt8]>([])
        let reader = NexusThread.spawn(name: "pipe-reader") { collected.value = readAll(readEnd) }
        let writer = try LogWriter(fd: writeEnd, capacity: 4)
        var accepted = 0
        for index in 0..<10_000 where writer.write("line \(index)") { accepted += 1 }
        writer.stop()
        close(writeEnd)
        reader.join()
        close(readEnd)
        #expect(accepted + writer.dropped == 10_000)
        #expect(lines(collected.value).count == accepted)
    }

    @Test("a Logger with RingLogHandler writes formatted lines with merged metadata")
    func handler() throws {
        let (readEnd, writeEnd) = makePipe()
        let writer = try LogWriter(fd: writeEnd)
        var logger = Logger(label: "nexusd") { RingLogHandler(label: $0, writer: writer, logLevel: .info) }
        logger[metadataKey: "worker"] = "1"
        logger.debug("hidden")
        logger.info("request done", metadata: ["status": "200"])
        logger.warning("slow")
        writer.stop()
        close(writeEnd)
        let written = lines(readAll(readEnd))
        close(readEnd)
        #expect(written.count == 2)
        #expect(written.first?.hasSuffix("Z info nexusd: request done status=200 worker=1") == true)
        #expect(written.last?.hasSuffix("Z warning nexusd: slow worker=1") == true)
        #expect(written.first?.count == "2026-11-26T23:41:02.123Z info nexusd: request done status=200 worker=1".count)
    }
}
