import NexusBytes
import NexusConfig
import NexusHTTP1
import NexusSchema
@testable import NexusServer
import Testing

@Suite struct UpstreamWorkflowTests {
    private func target(_ method: String, _ path: String) throws -> WorkflowUpstream {
        try WorkflowUpstream(pool: "p", method: method, path: path)
    }

    @Test func pathVariablesAreFilledAndEncoded() throws {
        let t = try target("GET", "/cities/{city}/days/{n}")
        let input: JSONValue = ["city": "São Paulo/2", "n": 3, "units": "metric", "flag": true, "tags": ["a&b", "c"], "skip": .null]
        #expect(UpstreamWorkflow.requestTarget(t, input: input)
                == "/cities/S%C3%A3o%20Paulo%2F2/days/3?units=metric&flag=true&tags=a%26b&tags=c")
        let q = try target("DELETE", "/x?fixed=1")
        #expect(UpstreamWorkflow.requestTarget(q, input: ["o": ["k": 1]]) == "/x?fixed=1&o=%7B%22k%22%3A1%7D")
        // A body method keeps the query out: the input is the body.
        #expect(UpstreamWorkflow.requestTarget(try target("POST", "/u/{id}"), input: ["id": 7, "x": 1]) == "/u/7")
    }

    @Test func answersMapToResults() throws {
        func result(_ status: Int, _ body: String) -> Result<JSONValue, WorkflowFailure> {
            Array(body.utf8).withUnsafeBytes { UpstreamWorkflow.result(status: status, body: $0) }
        }
        #expect(try result(200, #"{"a":1}"#).get() == ["a": 1])
        #expect(try result(201, "[1]").get() == ["result": [1]])
        #expect(try result(204, "").get() == .object(JSONObject()))
        for (status, body, expected, says) in [(404, "no city", 404, "no city"), (500, "secret", 502, "answered 500"),
                                               (403, "bad token", 502, "answered 403"), (200, "<html>", 502, "not JSON")] {
            guard case .failure(let f) = result(status, body) else { Issue.record("\(status) succeeded"); continue }
            #expect(f.status == expected)
            #expect(f.message.contains(says))
            if expected == 502 { #expect(!f.message.contains(body)) }
        }
    }
}
