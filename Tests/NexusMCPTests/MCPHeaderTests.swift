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
        #expect(MCPEndpoint.accepts("TEXT/*;Q=0.5", "text/event-stream"))
        #expect(!MCPEndpoint.accepts("*/*;q=0, text/html", "application/json"))
        #expect(!MCPEndpoint.accepts("application/jsonx, application/*x", "application/json"))
    }

    /// The byte scanner against the String-splitting implementation it replaced, on tricky values.
    @Test func acceptScannerMatchesTheStringImplementation() {
        func reference(_ accept: String, _ type: String) -> Bool {
            let major = type.split(separator: "/").first.map(String.init) ?? type
            for item in accept.lowercased().split(separator: ",") {
                let parts = item.split(separator: ";").map { String($0).trimmingSpaces }
                guard let range = parts.first else { continue }
                let q = parts.dropFirst().first(where: { $0.hasPrefix("q=") }).flatMap { Double($0.dropFirst(2)) } ?? 1
                if q > 0 && (range == type || range == major + "/*" || range == "*/*") { return true }
            }
            return false
        }
        let values = ["", " ", ",", ",,", ";", "application/json", "application/json, text/event-stream",
                      "text/event-stream", " text/event-stream ;q=1", "application/*", "text/*", "*/*", "*", "*/", "/*",
                      "application/json;q=0", "application/json; q=0", "application/json;Q=0.0", "application/json;q=abc",
                      "application/json;q=0;q=1", "application/json;charset=utf-8;q=0.001", ";application/json",
                      "; ;application/json", "application/json;", "\tapplication/json\t", "APPLICATION/JSON",
                      "Text/Event-Stream;Q=0", "application/json,text/event-stream;q=0", "*/*;q=0", "*/*;q=nan",
                      "application/jsonx", "applicationx/*", "text/event-streams", "text /event-stream", "q=1",
                      "application/json;q=-1, */*;q=0.1", "image/png, */*;q=0.8", "text/plain;format=flowed, text/*"]
        for v in values {
            for t in ["application/json", "text/event-stream"] {
                #expect(MCPEndpoint.accepts(v, t) == reference(v, t), "Accept '\(v)', \(t)")
            }
        }
        #expect(MCPEndpoint.isJSONMediaType("application/json"))
        #expect(MCPEndpoint.isJSONMediaType(" Application/JSON ; charset=utf-8"))
        #expect(!MCPEndpoint.isJSONMediaType("application/json-seq"))
        #expect(!MCPEndpoint.isJSONMediaType(""))
        #expect(!MCPEndpoint.isJSONMediaType(nil))
        #expect(!MCPEndpoint.isJSONMediaType("text/plain; x=application/json"))
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
