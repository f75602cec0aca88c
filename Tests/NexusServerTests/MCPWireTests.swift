import NexusSchema
@testable import NexusServer
import Testing

@Suite struct MCPWireTests {
    @Test func eventStreamsSplitOnEveryLineEnding() {
        let crlf = Array("event: message\r\ndata: {\"a\":1}\r\n\r\nevent: message\r\ndata: [1,\r\ndata: 2]\r\n\r\n".utf8)
        #expect(MCPWire.events(crlf).map { String(decoding: $0, as: UTF8.self) } == [#"{"a":1}"#, "[1,\n2]"])
        let lf = Array(": comment\ndata:{\"b\":2}\n\ndata: {\"c\":3}".utf8)
        #expect(MCPWire.events(lf).map { String(decoding: $0, as: UTF8.self) } == [#"{"b":2}"#, #"{"c":3}"#])
        #expect(MCPWire.events(Array("data: x\r\rdata: y\r\r".utf8)).count == 2)
    }

    @Test func theResponseIsFoundByItsID() {
        let sse = Array(("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n"
                         + "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"ok\":true}}\n\n").utf8)
        #expect(MCPWire.answer(contentType: "text/event-stream", body: sse, id: 7) == .result(["ok": true]))
        #expect(MCPWire.answer(contentType: "text/event-stream", body: sse, id: 8) == .invalid("no response to the request"))
        let error = Array(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool: x"}}"#.utf8)
        #expect(MCPWire.answer(contentType: "application/json", body: error, id: 1) == .error(code: -32602, message: "Unknown tool: x", data: nil))
        let batch = Array(#"[{"jsonrpc":"2.0","id":2,"result":{}},{"jsonrpc":"2.0","id":1,"result":{"x":1}}]"#.utf8)
        #expect(MCPWire.answer(contentType: "application/json; charset=utf-8", body: batch, id: 1) == .result(["x": 1]))
        #expect(MCPWire.answer(contentType: "application/json", body: Array("<html>".utf8), id: 1) == .invalid("the answer is not JSON"))
        #expect(MCPWire.answer(contentType: "application/json", body: Array(#"{"jsonrpc":"2.0","id":1,"result":3}"#.utf8), id: 1)
                == .invalid("the result is not an object"))
    }

    @Test func httpAnswersAreParsed() throws {
        let raw = Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nMcp-Session-Id: abc\r\nContent-Length: 3\r\n\r\nxyzTRAILING".utf8)
        let a = try MCPServerClient.parse(raw).get()
        #expect(a.status == 200 && a.contentType == "text/event-stream" && a.sessionID == "abc" && Array(a.body) == Array("xyz".utf8))
        #expect(throws: MCPServerClient.Failure.self) { try MCPServerClient.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc".utf8)).get() }
        #expect(throws: MCPServerClient.Failure.self) { try MCPServerClient.parse(Array("garbage".utf8)).get() }
        // An HTTP/1.0 request cannot be answered chunked; an answer past the limit is refused.
        #expect(throws: MCPServerClient.Failure.self) {
            try MCPServerClient.parse(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".utf8)).get()
        }
        #expect(throws: MCPServerClient.Failure.self) { try MCPServerClient.parse(Array("HTTP/1.1 200 OK\r\n\r\nabcdef".utf8), limit: 4).get() }
    }
}
