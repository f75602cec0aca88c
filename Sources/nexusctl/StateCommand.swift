import ArgumentParser
import NexusAdminModel

/// `nexusctl state verify`.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Inspect nexusd's durable state.", subcommands: [StateVerifyCommand.self])
}

/// `nexusctl state verify`: nexusd re-reads every segment and checks every record's checksum.
struct StateVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify the durable state's checksums (exit 1 if a problem is found).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try perform { () throws(CLIError) in
            let r = try global.client.call(AdminAPI.stateVerify, as: StateVerifyResponse.self)
            try Render.emit(r, global.output) {
                [("ok", ["\(r.ok)"]), ("segments", ["\(r.segments)"]), ("records", ["\(r.records)"]), ("problems", r.problems)]
            }
            guard r.ok else {
                throw CLIError(what: "the durable state has problems", why: Render.count(r.problems.count, "problem"),
                               hint: "see docs/cli.md (state verify) before restarting nexusd.")
            }
        }
    }
}
