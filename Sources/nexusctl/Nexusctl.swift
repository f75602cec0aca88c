import ArgumentParser

/// nexusctl's own version.
enum NexusctlVersion {
    static let string = "0.1.0"
}

/// `nexusctl`: the Nexus admin CLI. It talks to nexusd's admin socket (HTTP/1.1 and JSON, docs/admin-api.yaml).
@main
struct Nexusctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nexusctl",
        abstract: "Control a running nexusd through its admin socket.",
        discussion: """
            Exit status: 0 success, 1 the operation failed, 64 usage error. Data goes to standard output, \
            messages to standard error. See docs/cli.md.
            """,
        version: NexusctlVersion.string,
        subcommands: [StatusCommand.self, ConfigCommand.self, StateCommand.self, ConsumersCommand.self, KeysCommand.self,
                      RoutesCommand.self, WorkflowsCommand.self, RunCommand.self, UsageCommand.self, AuditCommand.self, BackupCommand.self, RestoreCommand.self,
                      VersionCommand.self,
                      CompletionCommand.self])

    /// Lets `--socket` and `--output` come before the command too (`nexusctl --output json status`).
    @OptionGroup var global: GlobalOptions
}
