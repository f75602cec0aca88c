import Foundation // tests only: JSONSerialization as an independent JSON validator
import NexusBytes
import Testing
@testable import NexusHTTP1

@Suite struct ResponseTests {
    @Test(arguments: [
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
        (Int.max, "Fri, 31 Dec 9999 23:59:59 GMT"),   // clamped
        (-62_135_596_800, "Mon, 01 Jan 0001 00:00:00 GMT"),
        (Int.min, "Mon, 01 Jan 0001 00:00:00 GMT"),
    ])
    func httpDate(_ seconds: Int, _ expected: String) {
        let d = HTTPDate(unixSeconds: seconds)
        #expect(d.string == expected)
        #expect(d.bytes.count == 29)
    }

    @Test func httpDateAgreesWithFoundationOverManyDays() {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        var g = SplitMix(seed: 7)
        for _ in 0..<2000 {
            let t = Int(g.next() % 4_102_444_800) // 1970 ... 2100
            #expect(HTTPDate(unixSeconds: t).string == f.string(from: Date(timeIntervalSince1970: Double(t))))
        }
    }

    static func json(_ bytes: [UInt8]) -> String {
        let b = ByteBuffer()
        bytes.withUnsafeBytes { JSONString.append($0, to: b) }
        #expect(bytes.withUnsafeBytes { JSONString.encodedCount($0) } == b.readableBytes)
        return b.string
    }

    @Test func jsonStringEscaping() {
        #expect(Self.json(Array("plain".utf8)) == "\"plain\"")
        #expect(Self.json(Array("a\"b\\c/d".utf8)) == #""a\"b\\c/d""#)
        #expect(Self.json([0x00, 0x01, 0x0A, 0x0D, 0x09, 0x1F, 0x7F]) == #""\u0000\u0001\u000a\u000d\u0009\u001f\u007f""#)
        #expect(Self.json(Array("é€😀".utf8)) == "\"é€😀\"")
        #expect(Self.json([]) == "\"\"")
    }

    @Test func jsonStringInvalidUTF8() {
        #expect(Self.json([0x61, 0xFF, 0x62]) == #""a\ufffdb""#)
        #expect(Self.json([0xE2, 0x82]) == #""\ufffd""#)                 // truncated: one replacement
        #expect(Self.json([0xE2, 0x82, 0x41]) == #""\ufffdA""#)
        #expect(Self.json([0xC0, 0x80]) == #""\ufffd\ufffd""#)            // overlong
        #expect(Self.json([0xED, 0xA0, 0x80]) == #""\ufffd\ufffd\ufffd""#) // surrogate
        #expect(Self.json([0xF4, 0x90, 0x80, 0x80]) == #""\ufffd\ufffd\ufffd\ufffd""#) // above U+10FFFF
        #expect(Self.json([0xF0, 0x9F, 0x98]) == #""\ufffd""#)
        #expect(Self.json([0x80]) == #""\ufffd""#)
    }

    @Test func jsonStringIsAlwaysValidJSON() throws {
        var g = SplitMix(seed: 42)
        for _ in 0..<500 {
            let bytes = (0..<Int(g.next() % 40)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            let text = Self.json(bytes)
            let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect(value is String)
        }
    }

    @Test func problemResponse() throws {
        let b = ByteBuffer()
        Problem.write(status: 413, detail: "too \"big\"\n\u{1}", keepAlive: false,
                      date: HTTPDate(unixSeconds: 784_111_777), into: b)
        let text = b.string
        let parts = text.components(separatedBy: "\r\n\r\n")
        #expect(parts.count == 2)
        let head = parts[0].components(separatedBy: "\r\n")
        #expect(head == ["HTTP/1.1 413 Content Too Large", "Date: Sun, 06 Nov 1994 08:49:37 GMT",
                         "Content-Type: application/problem+json", "Content-Length: \(parts[1].utf8.count)",
                         "Connection: close"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any])
        #expect(object["type"] as? String == "about:blank")
        #expect(object["title"] as? String == "Content Too Large")
        #expect(object["status"] as? Int == 413)
        #expect(object["detail"] as? String == "too \"big\"\n\u{1}")

        let k = ByteBuffer()
        Problem.write(status: 400, detail: "bad", keepAlive: true, date: nil, into: k)
        #expect(k.string == "HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: 72\r\n\r\n"
                + #"{"type":"about:blank","title":"Bad Request","status":400,"detail":"bad"}"#)
        #expect(#"{"type":"about:blank","title":"Bad Request","status":400,"detail":"bad"}"#.utf8.count == 72)
    }

    @Test func problemForEveryParseError() throws {
        for status in [400, 413, 414, 417, 431, 501, 505] {
            let b = ByteBuffer()
            Problem.write(status: status, detail: "x", keepAlive: false, date: nil, into: b)
            let body = try #require(b.string.components(separatedBy: "\r\n\r\n").last)
            #expect(try JSONSerialization.jsonObject(with: Data(body.utf8)) is [String: Any])
            #expect(ResponseWriter.reason(status).description != "Unknown")
        }
    }

    @Test func responseWriter() {
        let b = ByteBuffer()
        ResponseWriter.head(status: 200, into: b)
        ResponseWriter.header("Content-Length", 42, into: b)
        ResponseWriter.header("Server", "nexus" as StaticString, into: b)
        ResponseWriter.header("X-Echo", "a\r\nSet-Cookie: evil", into: b) // no response splitting
        ResponseWriter.endHead(into: b)
        #expect(b.string == "HTTP/1.1 200 OK\r\nContent-Length: 42\r\nServer: nexus\r\nX-Echo: a  Set-Cookie: evil\r\n\r\n")
        let c = ByteBuffer()
        ResponseWriter.head(status: 799, into: c)
        ResponseWriter.head(status: 42, into: c)
        #expect(c.string == "HTTP/1.1 799 Unknown\r\nHTTP/1.1 500 Internal Server Error\r\n")
    }
}
