import ArgumentParser
import Glibc
import NexusAdminModel

/// `nexusctl run NAME`: runs a workflow through nexusd's own public path (admission, validation, usage).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a workflow and print its result.",
        discussion: """
            The input is --input JSON, or -p key=value pairs (a value that reads as JSON, such as 2, true or "x", \
            is taken as such; anything else is a string), or a JSON object on stdin. --as CONSUMER (an id or a name) \
            or --key KEY chooses whose scopes, limits and quotas apply; with neither, the caller is anonymous. The run \
            takes the same path as a REST or MCP call and is counted in the same usage. Exit 1 with the problem \
            (every violation of the input schema with its JSON pointer) when the workflow refuses or fails.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The workflow's name.", valueName: "NAME"))
    var name: String

    @Option(name: .long, help: ArgumentHelp("The input as a JSON object.", valueName: "JSON"))
    var input: String?

    @Option(name: .customShort("p"), help: ArgumentHelp("One input member (repeat for more).", valueName: "KEY=VALUE"))
    var parameters: [String] = []

    @Option(name: .customLong("as"), help: ArgumentHelp("Run as this consumer (id or name).", valueName: "CONSUMER"))
    var consumer: String?

    @Option(name: .long, help: ArgumentHelp("Run with this API key.", valueName: "KEY"))
    var key: String?

    func validate() throws {
        if input != nil && !parameters.isEmpty { throw ValidationError("give --input or -p pairs, not both.") }
        if consumer != nil && key != nil { throw ValidationError("give --as or --key, not both.") }
        for p in parameters where !p.contains("=") || p.hasPrefix("=") {
            throw ValidationError("-p takes KEY=VALUE, got '\(p)'.")
        }
    }

    /// The input object from --input, -p pairs or stdin.
    func readInput() throws(CLIError) -> JSONValue {
        if !parameters.isEmpty {
            var o: [String: JSONValue] = [:]
            for p in parameters {
                let parts = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let text = String(parts[1])
                o[String(parts[0])] = (try? AdminJSON.decode(JSONValue.self, from: Array(text.utf8))) ?? .string(text)
            }
            return .object(o)
        }
        var bytes: [UInt8]
        if let input {
            bytes = Array(input.utf8)
        } else {
            bytes = []
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buf.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes.append(contentsOf: buf[0..<n])
            }
        }
        guard let v = try? AdminJSON.decode(JSONValue.self, from: bytes) else {
            throw CLIError(what: "cannot run workflow '\(name)'", why: "the input is not JSON",
                           hint: #"give it like --input '{"a": 2, "b": 3}' or -p a=2 -p b=3."#)
        }
        return v
    }

    func run() throws {
        try perform { () throws(CLIError) in
            let request = RunWorkflowRequest(input: try readInput(), as: consumer, key: key)
            let body = (try? AdminJSON.encode(request)) ?? []
            let r = try global.client.call(AdminAPI.workflowRun.with(id: RouteNamePath.encode(name)), body: body, as: RunWorkflowResponse.self,
                                           refine: WorkflowsCommand.refine(name, action: "run"))
            guard r.status == 200 else { throw Self.failure(name, r) }
            switch global.output {
            case .json: try Render.emit(r.body, .json) { [] }
            case .table:
                if case .object(let o) = r.body {
                    Console.out(Render.table(o.keys.sorted().map { ($0, [RoutesCommand.compact(o[$0]!)]) }))
                } else {
                    Console.out(RoutesCommand.compact(r.body) + "\n")
                }
            }
        }
    }

    /// The problem of a refused or failed run, with every violation.
    static func failure(_ name: String, _ r: RunWorkflowResponse) -> CLIError {
        guard case .object(let o) = r.body else {
            return CLIError(what: "workflow '\(name)' failed", why: "status \(r.status)", hint: nil)
        }
        var why = "\(r.status)"
        if case .string(let t)? = o["title"] { why += " \(t)" }
        if case .string(let d)? = o["detail"] { why += ": \(d)" }
        if case .array(let vs)? = o["violations"] {
            for v in vs {
                guard case .object(let m) = v else { continue }
                let at = { if case .string(let s)? = m["instanceLocation"] { s.isEmpty ? "(root)" : s } else { "?" } }()
                let msg = { if case .string(let s)? = m["message"] { s } else { "" } }()
                why += "\n  \(at): \(msg)"
            }
        }
        let hint: String? = switch r.status {
        case 400: "'nexusctl workflows show \(name)' shows its input schema."
        case 401, 403: "give --as CONSUMER or --key KEY of a caller allowed to run it."
        case 429: "a rate limit or quota is reached; try again later."
        default: nil
        }
        return CLIError(what: "workflow '\(name)' refused the run", why: why, hint: hint)
    }
}
