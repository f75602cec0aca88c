import ArgumentParser
import NexusAdminModel

/// `nexusctl version`: nexusctl's version and, when the socket answers, nexusd's.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Show nexusctl's version and, if nexusd answers, nexusd's.")

    @OptionGroup var global: GlobalOptions

    /// The JSON form: `nexusd` is null when nexusd did not answer.
    struct Versions: Encodable {
        var nexusctl: String
        var nexusd: String?

        enum CodingKeys: String, CodingKey { case nexusctl, nexusd }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(nexusctl, forKey: .nexusctl)
            try c.encode(nexusd, forKey: .nexusd) // null, not absent, when unreachable
        }
    }

    func run() throws {
        try perform { () throws(CLIError) in
            var server: String?
            var unreachable = ""
            do throws(CLIError) { server = try global.client.call(AdminAPI.status, as: StatusResponse.self).version } catch {
                unreachable = "unreachable (\(error.what): \(error.why))"
            }
            try Render.emit(Versions(nexusctl: NexusctlVersion.string, nexusd: server), global.output) {
                [("nexusctl", [NexusctlVersion.string]), ("nexusd", [server ?? unreachable])]
            }
        }
    }
}
