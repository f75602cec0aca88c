import ArgumentParser
import NexusAdminModel

/// `nexusctl workflows list|show|add|remove`.
struct WorkflowsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflows", abstract: "List, show, add and remove workflows at run time.",
        discussion: """
            Runtime workflows are layered over the configuration file's workflows by name and kept in nexusd's state: \
            one replaces the file's workflow of the same name (with --replace) or adds one; 'remove' drops a runtime \
            workflow. They are served at once over REST, MCP and OpenAPI. See docs/configuration.md, "Workflows".
            """,
        subcommands: [WorkflowsListCommand.self, WorkflowsShowCommand.self, WorkflowsAddCommand.self, WorkflowsRemoveCommand.self])

    static func rows(_ w: WorkflowInfo) -> [(String, [String])] {
        var rows: [(String, [String])] = [("name", [w.name]), ("source", [w.source]), ("active", [w.active ? "yes" : "no"])]
        if let p = w.problem { rows.append(("problem", [p])) }
        rows.append(("spec", [RoutesCommand.compact(w.spec)]))
        return rows
    }

    static func field(_ v: JSONValue, _ key: String) -> String {
        guard case .object(let o) = v, case .string(let s)? = o[key] else { return "-" }
        return s
    }

    static func refine(_ name: String, action: String) -> (ErrorResponse) -> CLIError? {
        { p in
            switch p.status {
            case 404 where p.detail == AdminAPI.noSuchWorkflowDetail:
                return CLIError(what: "no workflow '\(name)'", why: "", hint: "'nexusctl workflows list' shows the workflows.")
            case 400, 404, 409:
                return CLIError(what: "cannot \(action) workflow '\(name)'", why: p.detail, hint: "'nexusctl workflows show \(name)' shows it.")
            case 507:
                return CLIError(what: "cannot \(action) workflow '\(name)'", why: p.detail, hint: "free space on nexusd's state disk, then try again.")
            default: return nil
            }
        }
    }
}

struct WorkflowsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the workflows and where each comes from.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try perform { () throws(CLIError) in
            let r = try global.client.call(AdminAPI.workflowList, as: WorkflowList.self)
            switch global.output {
            case .json: try Render.emit(r, .json) { [] }
            case .table:
                let cells = r.workflows.map { [$0.name, $0.source, $0.active ? "yes" : "no", WorkflowsCommand.field($0.spec, "handler"),
                                               WorkflowsCommand.field($0.spec, "title")] }
                Console.out(Render.columns(["NAME", "SOURCE", "ACTIVE", "HANDLER", "TITLE"], cells))
            }
        }
    }
}

struct WorkflowsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one workflow.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The workflow's name.", valueName: "NAME"))
    var name: String

    func run() throws {
        try perform { () throws(CLIError) in
            let w = try global.client.call(AdminAPI.workflowGet.with(id: RouteNamePath.encode(name)), as: WorkflowInfo.self,
                                           refine: WorkflowsCommand.refine(name, action: "show"))
            try Render.emit(w, global.output) { WorkflowsCommand.rows(w) }
        }
    }
}

struct WorkflowsAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add (or with --replace, replace) a workflow at run time.",
        discussion: """
            --spec is the definition as JSON with the keys of a workflow in the configuration file, e.g. \
            --spec '{"handler": "echo", "description": "...", "input_schema": {"type": "object"}}'. It is checked like \
            the file's workflows (the schema is compiled); it is served and durable when the command returns.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The workflow's name: 1 to 64 characters of A-Z a-z 0-9 _ . -.", valueName: "NAME"))
    var name: String

    @Option(name: .long, help: ArgumentHelp("The whole definition as a JSON object.", valueName: "JSON"))
    var spec: String

    @Flag(name: .long, help: "Replace a workflow of this name (the file's or a runtime one).")
    var replace = false

    func run() throws {
        try perform { () throws(CLIError) in
            guard let v = try? AdminJSON.decode(JSONValue.self, from: Array(spec.utf8)), case .object = v else {
                throw CLIError(what: "cannot add workflow '\(name)'", why: "--spec is not a JSON object",
                               hint: #"write it like --spec '{"handler": "echo", "input_schema": {"type": "object"}}'."#)
            }
            let endpoint = AdminAPI.workflowPut.with(id: RouteNamePath.encode(name)).with(query: replace ? "replace=true" : "")
            let w = try global.client.call(endpoint, body: Array(spec.utf8), as: WorkflowInfo.self, refine: WorkflowsCommand.refine(name, action: "add"))
            try Render.emit(w, global.output) { WorkflowsCommand.rows(w) }
        }
    }
}

struct WorkflowsRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a runtime workflow.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The workflow's name.", valueName: "NAME"))
    var name: String

    func run() throws {
        try perform { () throws(CLIError) in
            let w = try global.client.call(AdminAPI.workflowDelete.with(id: RouteNamePath.encode(name)), as: WorkflowInfo.self,
                                           refine: WorkflowsCommand.refine(name, action: "remove"))
            try Render.emit(w, global.output) { WorkflowsCommand.rows(w) }
        }
    }
}
