/// A workflow as the admin API shows it: its name, where it comes from and its definition (the keys of an item of
/// the configuration's `workflows`).
public struct WorkflowInfo: Codable, Sendable, Equatable {
    public var name: String
    /// `config` (from the file), `runtime` (added at run time) or `override` (a runtime workflow replacing the
    /// file's workflow of that name).
    public var source: String
    /// Whether it is served (false when a runtime workflow no longer fits the file: see `problem`).
    public var active: Bool
    /// The definition, e.g. `{"handler": "add", "input_schema": {...}}`.
    public var spec: JSONValue
    /// Why a runtime workflow is not in force; nil when all is well.
    public var problem: String?

    public init(name: String, source: String, active: Bool, spec: JSONValue, problem: String? = nil) {
        self.name = name
        self.source = source
        self.active = active
        self.spec = spec
        self.problem = problem
    }
}

/// `GET /v1/workflows`: every workflow, in name order.
public struct WorkflowList: Codable, Sendable, Equatable {
    public var workflows: [WorkflowInfo]

    public init(workflows: [WorkflowInfo]) { self.workflows = workflows }
}

/// `POST /v1/workflows/{name}/run`: the input, and whose scopes and limits apply (at most one of `as`, a consumer
/// id or name, and `key`, an API key; neither: an anonymous caller).
public struct RunWorkflowRequest: Codable, Sendable, Equatable {
    public var input: JSONValue
    public var `as`: String?
    public var key: String?

    public init(input: JSONValue, as consumer: String? = nil, key: String? = nil) {
        self.input = input
        self.as = consumer
        self.key = key
    }
}

/// The answer of a run: the HTTP status the workflow endpoint gave and its body (the result, or a problem with
/// `violations`), exactly as a REST or MCP caller would have had them.
public struct RunWorkflowResponse: Codable, Sendable, Equatable {
    public var status: Int
    public var body: JSONValue

    public init(status: Int, body: JSONValue) {
        self.status = status
        self.body = body
    }
}
