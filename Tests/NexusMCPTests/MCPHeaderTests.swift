import Testing
@testable import NexusMCP

@Suite struct MCPHeaderTests {
    @Test func base64SentinelValues() {
        #expect(MCPEndpoint.decodeSentinel("get_weather") == "get_weather")
        #expect(MCPEndpoint.decodeSentinel("=?base64?SGVsbG8sIOS4lueVjA==?=") == "Hello, 世界")
        #expect(MCPEndpoint.decodeSentinel("=?base64?IHBhZGRlZCA=?=") == " padded ")
        #expect(MCPEndpoint.decodeSentinel("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=") == "=?base64?literal?=")
        #expect(MCPEndpoint.decodeSentinel("=?base64?!!!?=") == nil)
        #expect(MCPEndpoint.decodeSentinel("=?base64?/w==?=") == nil) // not UTF-8
        #expect(Base64.decode(Array("YQ".utf8)) == [0x61])
        #expect(Base64.decode(Array("Y".utf8)) == nil)
        #expect(Base64.decode(Array("YQ==YQ".utf8)) == nil)
    }

    @Test func acceptRanges() {
        #expect(MCPEndpoint.accepts("application/json, text/event-stream", "application/json"))
        #expect(MCPEndpoint.accepts("text/*", "text/event-stream"))
        #expect(MCPEndpoint.accepts("*/*", "application/json"))
        #expect(!MCPEndpoint.accepts("application/json;q=0", "application/json"))
        #expect(!MCPEndpoint.accepts("text/html", "application/json"))
        #expect(MCPEndpoint.accepts("Application/JSON; charset=utf-8", "application/json"))
    }

    @Test func sessionIdsAreHexTokens() {
        let s = MCPSessions(capacity: 64)
        let id = s.open(.v2025_03_26)
        #expect(id.utf8.count == 16 && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
        #expect(s.lookup(id) == .v2025_03_26)
        if id != id.uppercased() { #expect(s.lookup(id.uppercased()) == nil) }
        #expect(MCPSessions.parse("0000000000000001") == nil) // low bits carry the revision: never an id
    }
}
