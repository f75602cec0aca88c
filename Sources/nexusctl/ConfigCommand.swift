import ArgumentParser
import Glibc
import NexusAdminModel

/// `nexusctl config check|reload`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check or reload nexusd's configuration.",
        subcommands: [ConfigCheckCommand.self, ConfigReloadCommand.self])
}

/// `nexusctl config check [FILE]`: nexusd loads FILE (default: its own) as it would on reload, and reports.
struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a configuration file with the running nexusd's rules (exit 1 if it is not valid).",
        discussion: "nexusd reads FILE itself, so it must be readable by nexusd's user; a relative FILE is made absolute here.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The file to check (default: the file nexusd runs on).", valueName: "FILE"))
    var file: String?

    func run() throws {
        try perform { () throws(CLIError) in
            var body: [UInt8] = []
            if let file {
                body = (try? AdminJSON.encode(ConfigCheckRequest(path: Self.absolute(file)))) ?? []
            }
            let r = try global.client.call(AdminAPI.configCheck, body: body, as: ConfigCheckResponse.self)
            try Render.emit(r, global.output) { [("ok", ["\(r.ok)"]), ("errors", r.errors)] }
            guard r.ok else {
                throw CLIError(what: "the configuration is not valid", why: Render.count(r.errors.count, "error"),
                               hint: "fix the errors listed, then check again; the running configuration is unchanged.")
            }
        }
    }

    /// `file` made absolute against the current directory (nexusd's is another).
    static func absolute(_ file: String) -> String {
        if file.hasPrefix("/") { return file }
        guard let cwd = getcwd(nil, 0) else { return file }
        defer { free(cwd) }
        let dir = String(cString: cwd)
        return (dir.hasSuffix("/") ? dir : dir + "/") + file
    }
}

/// `nexusctl config reload`: asks nexusd to re-read its configuration file and waits for the outcome.
struct ConfigReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload nexusd's configuration file and wait for the outcome (exit 1 if it was refused).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try perform { () throws(CLIError) in
            let r = try global.client.call(AdminAPI.configReload, as: ReloadResponse.self)
            try Render.emit(r, global.output) { [("ok", ["\(r.ok)"]), ("message", [r.message]), ("errors", r.errors)] }
            guard r.ok else {
                throw CLIError(what: "the reload was refused", why: r.message.isEmpty ? Render.count(r.errors.count, "error") : r.message,
                               hint: "the running configuration stays in effect; fix the errors and reload again.")
            }
        }
    }
}
