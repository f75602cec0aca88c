import ArgumentParser
import NexusAdminModel
import NexusRuntime

extension UsageQuery.Period: ExpressibleByArgument {}

/// `nexusctl usage`: request counts by route and consumer, per hour, day or in total.
struct UsageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage", abstract: "Show request counts by route and consumer, per hour, day or in total.",
        discussion: """
            nexusd writes the loops' counts every state.usage_flush (default 5 s), so the newest seconds may not show \
            yet. TIME is an age (15m, 2h, 7d), seconds since the Unix epoch, or an RFC 3339 UTC time.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Only this consumer.", valueName: "ID"))
    var consumer: String?

    @Option(name: .long, help: ArgumentHelp("Only this route.", valueName: "NAME"))
    var route: String?

    @Option(name: .long, help: ArgumentHelp("From this time.", valueName: "TIME"))
    var since: TimeArgument?

    @Option(name: .long, help: ArgumentHelp("Up to this time.", valueName: "TIME"))
    var until: TimeArgument?

    @Option(name: .long, help: "Sum per hour, day or total.")
    var by: UsageQuery.Period = .day

    func validate() throws {
        if let consumer, !ConsumerRules.isValidID(consumer) { throw ValidationError("--consumer must be a consumer id.") }
    }

    func run() throws {
        try perform { () throws(CLIError) in
            let q = UsageQuery(consumer: consumer, route: route, since: since?.unixSeconds, until: until?.unixSeconds, period: by)
            let r = try global.client.call(AdminAPI.usage.with(query: q.queryString), as: UsageList.self) { p in
                p.status == 400 ? CLIError(what: "cannot read the usage", why: p.detail, hint: "see 'nexusctl usage --help'.") : nil
            }
            switch global.output {
            case .json: try Render.emit(r, .json) { [] }
            case .table:
                let cells = r.rows.map { row in
                    [row.periodStart.map { Self.period($0, by) } ?? "total", row.route, row.consumer ?? "-", "\(row.requests)",
                     "\(row.clientErrors)", "\(row.serverErrors)"]
                }
                Console.out(Render.columns(["PERIOD", "ROUTE", "CONSUMER", "REQUESTS", "4XX", "5XX"], cells))
            }
        }
    }

    /// `2026-11-27T10Z` for an hour, `2026-11-27` for a day.
    static func period(_ start: Int, _ by: UsageQuery.Period) -> String {
        let t = CivilTime(unixSeconds: start)
        let date = "\(t.year)-\(t.month < 10 ? "0" : "")\(t.month)-\(t.day < 10 ? "0" : "")\(t.day)"
        return by == .hour ? date + "T\(t.hour < 10 ? "0" : "")\(t.hour)Z" : date
    }
}

/// A UTC calendar date and hour from seconds since the epoch.
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int

    init(unixSeconds s: Int) {
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        hour = (s - days * 86_400) / 3600
        (year, month, day) = UTCTimestamp.civil(fromDays: days)
    }
}
