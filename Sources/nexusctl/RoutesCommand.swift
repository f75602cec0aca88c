import ArgumentParser
import NexusAdminModel

/// `nexusctl routes list|show|add|remove|reset`.
struct RoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "List, show, add, remove and reset routes at run time.",
        discussion: """
            Runtime routes are layered over the configuration file's routes by name and kept in nexusd's state: \
            a runtime route replaces the file's route of the same name or adds one; removing a file route leaves a \
            tombstone, so a reload does not bring it back; 'reset' drops the runtime change. See docs/configuration.md.
            """,
        subcommands: [RoutesListCommand.self, RoutesShowCommand.self, RoutesAddCommand.self, RoutesRemoveCommand.self,
                      RoutesResetCommand.self])

    static func rows(_ r: RouteInfo) -> [(String, [String])] {
        var rows: [(String, [String])] = [("name", [r.name]), ("source", [r.source]), ("active", [r.active ? "yes" : "no"])]
        if let p = r.problem { rows.append(("problem", [p])) }
        rows.append(("spec", [compact(r.spec)]))
        return rows
    }

    /// The definition on one line, keys sorted.
    static func compact(_ v: JSONValue) -> String {
        (try? AdminJSON.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "-"
    }

    /// What the route matches, for the list: `[host]path`, `*` for a prefix, methods.
    static func match(_ v: JSONValue) -> String {
        guard case .object(let o) = v else { return "-" }
        var s = ""
        if case .string(let h)? = o["host"] { s += h }
        if case .string(let p)? = o["path"] { s += p }
        if case .string(let p)? = o["path_prefix"] { s += p + "*" }
        if case .array(let m)? = o["methods"] {
            s += " " + m.compactMap { if case .string(let x) = $0 { x } else { nil } }.joined(separator: ",")
        }
        return s.isEmpty ? "-" : s
    }

    /// Where it goes: `upstream NAME`, `static STATUS`, `echo`.
    static func target(_ v: JSONValue) -> String {
        guard case .object(let o) = v else { return "-" }
        if case .string(let u)? = o["upstream"] { return "upstream " + u }
        if case .string(let h)? = o["handler"] {
            if h == "static" {
                if case .integer(let st)? = o["status"] { return "static \(st)" }
                return "static 200"
            }
            return h
        }
        return "-"
    }

    static func noRoute(_ name: String) -> CLIError {
        CLIError(what: "no route '\(name)'", why: "", hint: "'nexusctl routes list' shows the routes.")
    }

    static func refine(_ name: String, action: String) -> (ErrorResponse) -> CLIError? {
        { p in
            switch p.status {
            case 404 where p.detail == AdminAPI.noSuchRouteDetail: return noRoute(name)
            case 400, 404, 409: return CLIError(what: "cannot \(action) route '\(name)'", why: p.detail, hint: "'nexusctl routes show \(name)' shows it.")
            case 507: return CLIError(what: "cannot \(action) route '\(name)'", why: p.detail, hint: "free space on nexusd's state disk, then try again.")
            default: return nil
            }
        }
    }
}

struct RoutesListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the routes and where each comes from.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try perform { () throws(CLIError) in
            let r = try global.client.call(AdminAPI.routeList, as: RouteList.self)
            switch global.output {
            case .json: try Render.emit(r, .json) { [] }
            case .table:
                let cells = r.routes.map { [$0.name, $0.source, $0.active ? "yes" : "no", RoutesCommand.match($0.spec), RoutesCommand.target($0.spec)] }
                Console.out(Render.columns(["NAME", "SOURCE", "ACTIVE", "MATCH", "TARGET"], cells))
            }
        }
    }
}

struct RoutesShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one route.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The route's name.", valueName: "NAME"))
    var name: String

    func run() throws {
        try perform { () throws(CLIError) in
            let r = try global.client.call(AdminAPI.routeGet.with(id: RouteNamePath.encode(name)), as: RouteInfo.self,
                                           refine: RoutesCommand.refine(name, action: "show"))
            try Render.emit(r, global.output) { RoutesCommand.rows(r) }
        }
    }
}

struct RoutesAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add (or with --replace, replace) a route at run time.",
        discussion: """
            Give the definition with flags, or whole with --spec as JSON with the keys of a route in the configuration \
            file, e.g. --spec '{"path_prefix": "/v2/", "upstream": "api", "strip_prefix": true}'. The route is checked \
            like the file's routes; it is in force and durable when the command returns.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The route's name: 1 to 64 characters of A-Z a-z 0-9 _ . -.", valueName: "NAME"))
    var name: String

    @Option(name: .long, help: ArgumentHelp("The whole definition as a JSON object.", valueName: "JSON"))
    var spec: String?

    @Option(name: .long, help: ArgumentHelp("Match this path exactly (or a template with {name} segments).", valueName: "PATH"))
    var path: String?

    @Option(name: .customLong("path-prefix"), help: ArgumentHelp("Match paths starting with this.", valueName: "PATH"))
    var pathPrefix: String?

    @Option(name: .long, help: ArgumentHelp("Match this Host (or *.suffix).", valueName: "HOST"))
    var host: String?

    @Option(name: .customLong("method"), help: ArgumentHelp("Match this method (repeat for more).", valueName: "METHOD"))
    var methods: [String] = []

    @Option(name: .long, help: ArgumentHelp("Proxy to this upstream.", valueName: "NAME"))
    var upstream: String?

    @Flag(name: .customLong("strip-prefix"), help: "With --path-prefix and --upstream: remove the prefix upstream.")
    var stripPrefix = false

    @Option(name: .customLong("static"), help: ArgumentHelp("Answer with this status and --body.", valueName: "STATUS"))
    var staticStatus: Int?

    @Option(name: .long, help: ArgumentHelp("The body of a --static answer.", valueName: "TEXT"))
    var body: String?

    @Flag(name: .long, help: "Answer with the request echoed back.")
    var echo = false

    @Flag(name: .long, help: "Replace a route of this name (the file's or a runtime one).")
    var replace = false

    func validate() throws {
        let flags = path != nil || pathPrefix != nil || host != nil || !methods.isEmpty || upstream != nil || staticStatus != nil || echo
        if spec != nil && flags { throw ValidationError("give --spec or the route flags, not both.") }
        if spec == nil && (path == nil) == (pathPrefix == nil) { throw ValidationError("give --path or --path-prefix (or --spec).") }
        if spec == nil && [upstream != nil, staticStatus != nil, echo].filter({ $0 }).count != 1 {
            throw ValidationError("give one of --upstream, --static or --echo (or --spec).")
        }
    }

    /// The definition from the flags.
    var definition: JSONValue {
        var o: [String: JSONValue] = [:]
        if let path { o["path"] = .string(path) }
        if let pathPrefix { o["path_prefix"] = .string(pathPrefix) }
        if let host { o["host"] = .string(host) }
        if !methods.isEmpty { o["methods"] = .array(methods.map(JSONValue.string)) }
        if let upstream { o["upstream"] = .string(upstream) }
        if stripPrefix { o["strip_prefix"] = .bool(true) }
        if let staticStatus {
            o["handler"] = .string("static")
            o["status"] = .integer(staticStatus)
        }
        if let body { o["body"] = .string(body) }
        if echo { o["handler"] = .string("echo") }
        return .object(o)
    }

    func run() throws {
        try perform { () throws(CLIError) in
            let bytes: [UInt8]
            if let spec {
                guard let v = try? AdminJSON.decode(JSONValue.self, from: Array(spec.utf8)), case .object = v else {
                    throw CLIError(what: "cannot add route '\(name)'", why: "--spec is not a JSON object",
                                   hint: #"write it like --spec '{"path_prefix": "/v2/", "upstream": "api"}'."#)
                }
                bytes = Array(spec.utf8)
            } else {
                bytes = (try? AdminJSON.encode(definition)) ?? []
            }
            let endpoint = AdminAPI.routePut.with(id: RouteNamePath.encode(name)).with(query: replace ? "replace=true" : "")
            let r = try global.client.call(endpoint, body: bytes, as: RouteInfo.self, refine: RoutesCommand.refine(name, action: "add"))
            try Render.emit(r, global.output) { RoutesCommand.rows(r) }
        }
    }
}

struct RoutesRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a route (a file route gets a tombstone until 'routes reset').")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The route's name.", valueName: "NAME"))
    var name: String

    func run() throws {
        try perform { () throws(CLIError) in
            let r = try global.client.call(AdminAPI.routeDelete.with(id: RouteNamePath.encode(name)), as: RouteInfo.self,
                                           refine: RoutesCommand.refine(name, action: "remove"))
            try Render.emit(r, global.output) { RoutesCommand.rows(r) }
        }
    }
}

struct RoutesResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset", abstract: "Drop the runtime change to a file route (override or tombstone).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The route's name.", valueName: "NAME"))
    var name: String

    func run() throws {
        try perform { () throws(CLIError) in
            let r = try global.client.call(AdminAPI.routeReset.with(id: RouteNamePath.encode(name)), as: RouteInfo.self,
                                           refine: RoutesCommand.refine(name, action: "reset"))
            try Render.emit(r, global.output) { RoutesCommand.rows(r) }
        }
    }
}
