import ArgumentParser
import Glibc
import NexusAdminModel

/// `--output`: `table` for people, `json` for scripts (stable keys, sorted, pretty-printed).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// The options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The admin socket (default: $\(AdminAPI.socketEnvironmentVariable), else \(AdminAPI.defaultSocketPath)).",
        valueName: "PATH"))
    var socket: String?

    @Option(name: .long, help: "Output format: table or json.")
    var output: OutputFormat = .table

    /// --socket, else $NEXUS_ADMIN_SOCKET when set and not empty, else /run/nexus/admin.sock.
    var socketPath: String {
        if let socket { return socket }
        if let env = getenv(AdminAPI.socketEnvironmentVariable), env.pointee != 0 { return String(cString: env) }
        return AdminAPI.defaultSocketPath
    }

    @Option(name: .long, help: ArgumentHelp(
        "The admin API's TCP listener instead of the socket: https://HOST:PORT (or http:// on loopback); default $NEXUS_ADMIN_URL.",
        valueName: "URL"))
    var url: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("With --url: a file holding the admin token (default $NEXUS_ADMIN_TOKEN_FILE).",
                                                               valueName: "FILE"))
    var tokenFile: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("With an https --url: the CA certificates to verify nexusd against (default: the system's).",
                                                            valueName: "FILE"))
    var caFile: String?

    var client: AdminClient {
        var c = AdminClient(path: socketPath)
        let env = { (name: String) -> String? in getenv(name).flatMap { $0.pointee != 0 ? String(cString: $0) : nil } }
        if let u = url ?? env("NEXUS_ADMIN_URL") {
            c.remote = AdminClient.Remote(url: u, tokenFile: tokenFile ?? env("NEXUS_ADMIN_TOKEN_FILE"), caFile: caFile ?? env("NEXUS_ADMIN_CA_FILE"))
        }
        return c
    }
}

/// Renders command results.
enum Render {
    /// Aligned `key  value` lines; a list value takes one line per item under the first.
    static func table(_ rows: [(String, [String])]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        var s = ""
        for (key, values) in rows {
            let pad = String(repeating: " ", count: width - key.count + 2)
            let items = values.isEmpty ? ["-"] : values
            s += key + pad + items[0] + "\n"
            for item in items.dropFirst() { s += String(repeating: " ", count: width + 2) + item + "\n" }
        }
        return s
    }

    /// A header row and data rows in columns two spaces apart; the last column is not padded.
    static func columns(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        var s = ""
        for row in all {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += cell
                if i < row.count - 1 { line += String(repeating: " ", count: widths[i] - cell.count + 2) }
            }
            while line.last == " " { line.removeLast() }
            s += line + "\n"
        }
        return s
    }

    /// Prints `value` as JSON or `rows` as a table on stdout.
    static func emit(_ value: some Encodable, _ format: OutputFormat, rows: () -> [(String, [String])]) throws(CLIError) {
        switch format {
        case .json:
            do { Console.out(try AdminJSON.encodePretty(value)) } catch {
                throw CLIError(what: "cannot encode the answer as JSON", why: "\(error)", hint: nil)
            }
        case .table:
            Console.out(table(rows()))
        }
    }

    /// A rate with two decimals, without Foundation's formatter.
    static func decimal(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        let hundredths = Int((x * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let m = abs(hundredths)
        let frac = m % 100
        return "\(sign)\(m / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// "1 error", "2 errors".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}

/// Runs a command body: a `CLIError` is printed as `Error: ...` and a hint on stderr, then exit 1.
func perform(_ body: () throws(CLIError) -> Void) throws(ExitCode) {
    do { try body() } catch {
        Console.err(error.message)
        throw ExitCode.failure
    }
}
