import ArgumentParser
import NexusAdminModel

/// `nexusctl status`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show nexusd's version, uptime, I/O back end, loops, connections and request rate.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try perform { () throws(CLIError) in
            let s = try global.client.call(AdminAPI.status, as: StatusResponse.self)
            try Render.emit(s, global.output) {
                [("version", [s.version]), ("uptime_seconds", ["\(s.uptimeSeconds)"]), ("io_backend", [s.ioBackend]),
                 ("loops", ["\(s.loops)"]), ("connections", ["\(s.connections)"]),
                 ("requests_total", ["\(s.requestsTotal)"]),
                 ("requests_per_second", [Render.decimal(s.requestsPerSecond)]), ("pid", ["\(s.pid)"])]
            }
        }
    }
}
