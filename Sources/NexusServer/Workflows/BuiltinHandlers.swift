import NexusConfig
import NexusSchema

/// The built-in workflow handlers: pure functions of the validated input, answered on the event loop.
enum BuiltinHandlers {
    /// The result object, or a failure message (a tool execution error).
    static func run(_ builtin: BuiltinWorkflow, input: JSONValue) -> Result<JSONValue, WorkflowFailure> {
        switch builtin {
        case .echo:
            return .success(input)
        case .add:
            guard case .number(let a)? = input["a"], case .number(let b)? = input["b"] else {
                return .failure(WorkflowFailure("add needs numbers 'a' and 'b'"))
            }
            if a.isInteger, b.isInteger, let x = Int(a.literal), let y = Int(b.literal) {
                let (s, overflow) = x.addingReportingOverflow(y)
                if !overflow { return .success(["sum": .number(JSONNumber(s))]) }
            }
            let sum = a.double + b.double
            guard sum.isFinite else { return .failure(WorkflowFailure("the sum is out of range")) }
            return .success(["sum": .number(JSONNumber(sum))])
        }
    }
}

/// Why a run failed after its input was accepted, and the HTTP status a REST caller gets (502 unless an upstream's
/// 4xx is passed on, or 504 for a timeout).
struct WorkflowFailure: Error {
    let message: String
    let status: Int
    init(_ message: String, status: Int = 502) {
        self.message = message
        self.status = status
    }
}
