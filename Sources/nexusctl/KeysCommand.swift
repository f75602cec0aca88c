import Glibc
import ArgumentParser
import NexusAdminModel

/// `nexusctl keys list|create|show|revoke|rotate`.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list, show, revoke and rotate API keys.",
        discussion: "A key's secret is printed once, when it is created or rotated: nexusd keeps only its SHA-256.",
        subcommands: [KeysListCommand.self, KeysCreateCommand.self, KeysImportCommand.self, KeysShowCommand.self,
                      KeysRevokeCommand.self, KeysRotateCommand.self])

    static func rows(_ k: ApiKey) -> [(String, [String])] {
        [("id", [k.id]), ("consumer", [k.consumer]), ("name", k.name.isEmpty ? [] : [k.name]), ("scopes", k.scopes),
         ("prefix", [k.prefix]), ("status", [k.status]), ("created_at", ["\(k.createdAt)"]),
         ("expires_at", k.expiresAt.map { ["\($0)"] } ?? []), ("revoked_at", k.revokedAt.map { ["\($0)"] } ?? [])]
    }

    /// The rows of a new key: the secret first, then the key.
    static func createdRows(_ c: CreatedKey) -> [(String, [String])] {
        var rows = [("secret", [c.secret])] + rows(c.key)
        if let p = c.previous {
            rows.append(("previous", [p.id]))
            rows.append(("previous_stops_at", p.revokedAt.map { ["\($0)"] } ?? []))
        }
        return rows
    }

    static func noKey(_ id: String) -> CLIError {
        CLIError(what: "no key '\(id)'", why: "", hint: "'nexusctl keys list' shows the keys.")
    }

    static func endpoint(_ template: AdminEndpoint, _ id: String) throws(CLIError) -> AdminEndpoint {
        guard KeyRules.isValidID(id) else { throw noKey(id) }
        return template.with(id: id)
    }

    static func refine(_ id: String, action: String) -> (ErrorResponse) -> CLIError? {
        { p in
            if p.status == 404 && p.detail == AdminAPI.noSuchKeyDetail { return noKey(id) }
            if p.status == 400 { return CLIError(what: "cannot \(action) key '\(id)'", why: p.detail, hint: "see 'nexusctl keys \(action) --help'.") }
            if p.status == 409 { return CLIError(what: "cannot \(action) key '\(id)'", why: p.detail, hint: "'nexusctl keys show \(id)' shows its status.") }
            if p.status == 507 { return CLIError(what: "cannot \(action) key '\(id)'", why: p.detail, hint: "free space on nexusd's state disk, then try again.") }
            return nil
        }
    }
}

/// Prints a new key: the secret once, with a warning on stderr in table form.
private func emitCreated(_ c: CreatedKey, _ output: OutputFormat) throws(CLIError) {
    try Render.emit(c, output) { KeysCommand.createdRows(c) }
    if output == .table { Console.err("Note: the secret is shown only now; store it safely.\n") }
}

struct KeysListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the keys, of one consumer or all.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Only this consumer's keys.", valueName: "ID"))
    var consumer: String?

    func run() throws {
        try perform { () throws(CLIError) in
            if let consumer, !ConsumerRules.isValidID(consumer) { throw ConsumersCommand.noConsumer(consumer) }
            let r = try global.client.call(AdminAPI.keyList.with(query: AdminQuery.encode([("consumer", consumer)])), as: KeyList.self)
            switch global.output {
            case .json: try Render.emit(r, .json) { [] }
            case .table:
                let cells = r.keys.map { [$0.id, $0.consumer, $0.name.isEmpty ? "-" : $0.name, $0.prefix + "...", $0.status] }
                Console.out(Render.columns(["ID", "CONSUMER", "NAME", "PREFIX", "STATUS"], cells))
            }
        }
    }
}

struct KeysCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a key for a consumer and print its secret (once).",
        discussion: "Scopes narrow the consumer's; none means all of the consumer's scopes.")

    @OptionGroup var global: GlobalOptions

    @OptionGroup var key: KeyOptions

    func run() throws {
        try perform { () throws(CLIError) in
            let request = CreateKeyRequest(consumer: key.consumer, name: key.name, scopes: key.scopes, expiresIn: key.expiresIn?.seconds)
            let body = (try? AdminJSON.encode(request)) ?? []
            let c = try global.client.call(AdminAPI.keyCreate, body: body, as: CreatedKey.self) { p in
                let hint: String
                switch p.status {
                case 400: hint = "see 'nexusctl keys create --help'."
                case 404: hint = "'nexusctl consumers list' shows the consumers."
                case 507: hint = "nexusd's state disk is full; free space there, then try again."
                default: return nil
                }
                return CLIError(what: "cannot create the key", why: "\(p.status) \(p.title): \(p.detail)", hint: hint)
            }
            try emitCreated(c, global.output)
        }
    }
}

struct KeysShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one key (never its secret).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The key's id.", valueName: "ID"))
    var id: String

    func run() throws {
        try perform { () throws(CLIError) in
            let k = try global.client.call(try KeysCommand.endpoint(AdminAPI.keyGet, id), as: ApiKey.self,
                                           refine: KeysCommand.refine(id, action: "show"))
            try Render.emit(k, global.output) { KeysCommand.rows(k) }
        }
    }
}

struct KeysRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key now.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The key's id.", valueName: "ID"))
    var id: String

    func run() throws {
        try perform { () throws(CLIError) in
            let k = try global.client.call(try KeysCommand.endpoint(AdminAPI.keyRevoke, id), as: ApiKey.self,
                                           refine: KeysCommand.refine(id, action: "revoke"))
            try Render.emit(k, global.output) { KeysCommand.rows(k) }
        }
    }
}

struct KeysRotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate", abstract: "Replace a key with a new one and print the new secret (once).",
        discussion: "The new key has the old one's consumer, name, scopes and expiry; the old one keeps working for --grace.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The key's id.", valueName: "ID"))
    var id: String

    @Option(name: .long, help: ArgumentHelp("How long the old key keeps working: 0 (default), 90s, 15m, 12h, 30d.", valueName: "DURATION"))
    var grace: DurationArgument?

    func run() throws {
        try perform { () throws(CLIError) in
            let body = (try? AdminJSON.encode(RotateKeyRequest(grace: grace?.seconds ?? 0))) ?? []
            let c = try global.client.call(try KeysCommand.endpoint(AdminAPI.keyRotate, id), body: body, as: CreatedKey.self,
                                           refine: KeysCommand.refine(id, action: "rotate"))
            try emitCreated(c, global.output)
        }
    }
}

/// `nexusctl keys import --consumer ID`: a key issued elsewhere, read from standard input (never from the command
/// line, where other users could see it in the process list).
struct KeysImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a key issued elsewhere (read from standard input) for a consumer.",
        discussion: "nexusd keeps only its HMAC under the server secret, like the keys it makes.")

    @OptionGroup var global: GlobalOptions

    @OptionGroup var key: KeyOptions

    func run() throws {
        try perform { () throws(CLIError) in
            var input = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 4096)
            while input.count <= 4096 {
                let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                input += chunk[0..<n]
            }
            var key = Substring(String(decoding: input, as: UTF8.self))
            while let f = key.first, f.isWhitespace { key.removeFirst() }
            while let l = key.last, l.isWhitespace { key.removeLast() }
            guard !key.isEmpty else {
                throw CLIError(what: "cannot import the key", why: "standard input holds no key", hint: "pipe it in: nexusctl keys import --consumer ID < key.txt")
            }
            let request = CreateKeyRequest(consumer: self.key.consumer, name: self.key.name, scopes: self.key.scopes, expiresIn: self.key.expiresIn?.seconds, key: String(key))
            let body = (try? AdminJSON.encode(request)) ?? []
            let c = try global.client.call(AdminAPI.keyCreate, body: body, as: CreatedKey.self) { p in
                switch p.status {
                case 400, 404, 409: return CLIError(what: "cannot import the key", why: "\(p.status) \(p.title): \(p.detail)", hint: "see 'nexusctl keys import --help'.")
                case 507: return CLIError(what: "cannot import the key", why: p.detail, hint: "free space on nexusd's state disk, then try again.")
                default: return nil
                }
            }
            try Render.emit(c.key, global.output) { KeysCommand.rows(c.key) }
        }
    }
}

/// What `keys create` and `keys import` share: whose key, its label, its scopes, its lifetime.
struct KeyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The consumer's id.", valueName: "ID"))
    var consumer: String

    @Option(name: .long, help: ArgumentHelp("A label for people.", valueName: "NAME"))
    var name: String = ""

    @Option(name: .customLong("scope"), help: ArgumentHelp("A scope the key grants (repeat for more).", valueName: "S"))
    var scopes: [String] = []

    @Option(name: .customLong("expires-in"), help: ArgumentHelp("When the key expires: 90s, 15m, 12h, 30d.", valueName: "DURATION"))
    var expiresIn: DurationArgument?
}
