import ArgumentParser
import NexusAdminModel

/// `nexusctl consumers list|create|show|delete`.
struct ConsumersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumers", abstract: "List, create, show and delete API consumers.",
        subcommands: [ConsumersListCommand.self, ConsumersCreateCommand.self, ConsumersShowCommand.self,
                      ConsumersDeleteCommand.self])

    /// A consumer as `key  value` rows; scopes one per line.
    static func rows(_ c: Consumer) -> [(String, [String])] {
        var rows = [("id", [c.id]), ("name", [c.name]), ("scopes", c.scopes)]
        if let plan = c.plan { rows.append(("plan", [plan])) }
        rows.append(("created_at", ["\(c.createdAt)"]))
        return rows
    }

    /// `Error: no consumer 'ID'.` for nexusd's 404 about the id (not for a 404 about the endpoint).
    static func noConsumer(_ id: String) -> CLIError {
        CLIError(what: "no consumer '\(id)'", why: "", hint: "'nexusctl consumers list' shows the consumers.")
    }

    /// The endpoint for `id`, or `noConsumer` when the id cannot be one (and must not go into a request line).
    static func endpoint(_ template: AdminEndpoint, _ id: String) throws(CLIError) -> AdminEndpoint {
        guard ConsumerRules.isValidID(id) else { throw noConsumer(id) }
        return template.with(id: id)
    }

    static func refine(_ id: String) -> (ErrorResponse) -> CLIError? {
        { p in p.status == 404 && p.detail == AdminAPI.noSuchConsumerDetail ? noConsumer(id) : nil }
    }
}

/// `nexusctl consumers list`.
struct ConsumersListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the consumers.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try perform { () throws(CLIError) in
            let r = try global.client.call(AdminAPI.consumerList, as: ConsumerList.self)
            switch global.output {
            case .json:
                try Render.emit(r, .json) { [] }
            case .table:
                let cells = r.consumers.map { [$0.id, $0.name, $0.scopes.isEmpty ? "-" : $0.scopes.joined(separator: ",")] }
                Console.out(Render.columns(["ID", "NAME", "SCOPES"], cells))
            }
        }
    }
}

/// `nexusctl consumers create NAME [--scope S]...`.
struct ConsumersCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a consumer and print it.",
        discussion: """
            NAME: 1 to 128 bytes, no control characters, unique. Each scope: 1 to 64 characters of A-Z a-z 0-9 _ . : -.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The consumer's name.", valueName: "NAME"))
    var name: String

    @Option(name: .customLong("scope"), help: ArgumentHelp("A scope to grant (repeat for more).", valueName: "S"))
    var scopes: [String] = []

    @Option(name: .long, help: ArgumentHelp("Its plan (rate and quotas), from 'plans' in the configuration.", valueName: "PLAN"))
    var plan: String?

    func run() throws {
        try perform { () throws(CLIError) in
            let body = (try? AdminJSON.encode(CreateConsumerRequest(name: name, scopes: scopes, plan: plan))) ?? []
            let c = try global.client.call(AdminAPI.consumerCreate, body: body, as: Consumer.self) { p in
                let hint: String
                switch p.status {
                case 400: hint = "see 'nexusctl consumers create --help' for what names and scopes may be."
                case 409: hint = "'nexusctl consumers list' shows the consumers and their names."
                case 507: hint = "nexusd's state disk is full; free space there, then try again."
                default: return nil
                }
                return CLIError(what: "cannot create the consumer", why: "\(p.status) \(p.title): \(p.detail)", hint: hint)
            }
            try Render.emit(c, global.output) { ConsumersCommand.rows(c) }
        }
    }
}

/// `nexusctl consumers show ID`.
struct ConsumersShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one consumer.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The consumer's id.", valueName: "ID"))
    var id: String

    func run() throws {
        try perform { () throws(CLIError) in
            let endpoint = try ConsumersCommand.endpoint(AdminAPI.consumerGet, id)
            let c = try global.client.call(endpoint, as: Consumer.self, refine: ConsumersCommand.refine(id))
            try Render.emit(c, global.output) { ConsumersCommand.rows(c) }
        }
    }
}

/// `nexusctl consumers delete ID`: prints nothing (table) or `{}` (json) on success.
struct ConsumersDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a consumer (prints nothing, or {} with --output json).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The consumer's id.", valueName: "ID"))
    var id: String

    func run() throws {
        try perform { () throws(CLIError) in
            let endpoint = try ConsumersCommand.endpoint(AdminAPI.consumerDelete, id)
            try global.client.call(endpoint, refine: ConsumersCommand.refine(id))
            if global.output == .json { Console.out("{}\n") }
        }
    }
}
