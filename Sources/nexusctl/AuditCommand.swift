import ArgumentParser
import NexusAdminModel

/// `nexusctl audit`: the newest audit entries, filtered.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the newest audit log entries (admin actions, authentication failures).",
        discussion: """
            TIME is an age (15m, 2h, 7d: that long ago), seconds since the Unix epoch, or an RFC 3339 UTC time \
            (2026-11-27T10:00:00Z). ACTION is exact (keys.create) or a prefix ending in a dot (keys.).
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Entries at or after this time.", valueName: "TIME"))
    var since: TimeArgument?

    @Option(name: .long, help: ArgumentHelp("Entries at or before this time.", valueName: "TIME"))
    var until: TimeArgument?

    @Option(name: .long, help: ArgumentHelp("Only entries about this consumer.", valueName: "ID"))
    var consumer: String?

    @Option(name: .long, help: ArgumentHelp("Only this action, or actions starting with it if it ends in '.'.", valueName: "ACTION"))
    var action: String?

    @Option(name: [.customShort("n"), .long], help: "How many of the newest matching entries (1 to 10000).")
    var limit: Int = AuditQuery.defaultLimit

    func validate() throws {
        guard (1...AuditQuery.maxLimit).contains(limit) else { throw ValidationError("--limit must be 1 to \(AuditQuery.maxLimit).") }
        if let consumer, !ConsumerRules.isValidID(consumer) { throw ValidationError("--consumer must be a consumer id.") }
    }

    func run() throws {
        try perform { () throws(CLIError) in
            let q = AuditQuery(since: since?.unixSeconds, until: until?.unixSeconds, consumer: consumer, action: action, limit: limit)
            let r = try global.client.call(AdminAPI.audit.with(query: q.queryString), as: AuditList.self) { p in
                p.status == 400 ? CLIError(what: "cannot read the audit log", why: p.detail, hint: "see 'nexusctl audit --help'.") : nil
            }
            switch global.output {
            case .json: try Render.emit(r, .json) { [] }
            case .table:
                let cells = r.entries.map { e in
                    [e.time, e.action, e.outcome, e.uid.map { "uid=\($0)" } ?? e.remote.map { "token@\($0)" } ?? "-", e.consumer ?? "-", e.target ?? "-", e.detail ?? ""]
                }
                Console.out(Render.columns(["TIME", "ACTION", "OUTCOME", "BY", "CONSUMER", "TARGET", "DETAIL"], cells))
            }
        }
    }
}
