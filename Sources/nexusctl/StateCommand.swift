import ArgumentParser
import Glibc
import NexusAdminModel
import NexusState

/// `nexusctl state verify|repair`.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Verify and repair nexusd's durable state.",
        subcommands: [StateVerifyCommand.self, StateRepairCommand.self])

    /// The folder and, if present, its audit log folder.
    static func logFolders(_ folder: String) -> [String] {
        var st = stat()
        let audit = folder + "/audit"
        return stat(audit, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR ? [folder, audit] : [folder]
    }

    /// Throws unless `folder` is a folder holding a state log (a typo must not pass as an empty, healthy log).
    static func checkFolder(_ folder: String) throws(CLIError) {
        var st = stat()
        guard stat(folder, &st) == 0 else {
            throw CLIError(what: "cannot open \(folder)", why: String(cString: strerror(errno)), hint: "give the state folder (state.folder in the configuration).")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw CLIError(what: "cannot open \(folder)", why: "it is not a folder", hint: "give the state folder (state.folder in the configuration).")
        }
        guard let dir = opendir(folder) else {
            throw CLIError(what: "cannot open \(folder)", why: String(cString: strerror(errno)), hint: nil)
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name.hasPrefix("segment-") || name.hasPrefix("snapshot-") { return }
        }
        throw CLIError(what: "\(folder) holds no state log", why: "", hint: "give the state folder (state.folder in the configuration).")
    }

    static func locked(_ folder: String) -> CLIError {
        CLIError(what: "cannot open \(folder)", why: "a running nexusd holds it",
                 hint: "stop nexusd first, or use 'nexusctl state verify' without --folder to ask the running one.")
    }
}

/// One log folder's offline check, for --output json.
struct FolderReport: Codable {
    var folder: String
    var ok: Bool
    var segments: Int
    var records: Int
    var snapshot: String?
    var problems: [String]
}

/// `nexusctl state verify`: online (the running nexusd re-reads every record through its checksum) or, with
/// `--folder`, offline on a stopped nexusd's folder (every header, snapshot, record and tail).
struct StateVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify the durable state's checksums (exit 1 if a problem is found).",
        discussion: "Without --folder, asks the running nexusd. With --folder DIR, checks a stopped nexusd's state folder itself.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Check this state folder offline (nexusd stopped).", valueName: "DIR"))
    var folder: String?

    func run() throws {
        try perform { () throws(CLIError) in
            if let folder { return try offline(folder) }
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

    private func offline(_ folder: String) throws(CLIError) {
        try StateCommand.checkFolder(folder)
        var reports: [FolderReport] = []
        for f in StateCommand.logFolders(folder) {
            let r: VerifyReport
            do throws(StateError) { r = try StateLog.verify(folder: f) } catch {
                if case .locked = error { throw StateCommand.locked(f) }
                throw CLIError(what: "cannot verify \(f)", why: "\(error)", hint: nil)
            }
            var problems: [String] = []
            if let d = r.damage { problems.append("damaged: \(d)") }
            if let t = r.tornTail { problems.append("torn tail: \(t.byteCount) byte(s) at offset \(t.offset) of '\(t.file)' (cut at the next start)") }
            for d in r.damagedSnapshots { problems.append("damaged snapshot: \(d)") }
            reports.append(FolderReport(folder: f, ok: r.damage == nil && r.damagedSnapshots.isEmpty, segments: r.segmentCount,
                                        records: r.recordCount, snapshot: r.snapshotFile, problems: problems))
        }
        switch global.output {
        case .json: try Render.emit(reports, .json) { [] }
        case .table:
            for r in reports {
                Console.out(Render.table([("folder", [r.folder]), ("ok", ["\(r.ok)"]), ("segments", ["\(r.segments)"]),
                                          ("records", ["\(r.records)"]), ("snapshot", r.snapshot.map { [$0] } ?? []), ("problems", r.problems)]))
            }
        }
        let bad = reports.filter { !$0.ok }
        guard bad.isEmpty else {
            throw CLIError(what: "the durable state has problems", why: bad.map(\.folder).joined(separator: ", "),
                           hint: "copy the folder somewhere safe, then run 'nexusctl state repair --folder \(folder) --yes'.")
        }
    }
}

/// `nexusctl state repair --folder DIR --yes`: offline; cuts each log at its first damage.
struct StateRepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair", abstract: "Repair a stopped nexusd's state folder (needs --yes).",
        discussion: """
            Cuts each log (the state and the audit log) at its first damaged record, keeping every good record \
            before it, and removes damaged snapshots and the segments after the damage; prints what it dropped. \
            nexusd must be stopped. Copy the folder first: what is dropped is gone.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The state folder (state.folder in the configuration).", valueName: "DIR"))
    var folder: String

    @Flag(name: .long, help: "Confirm that damaged records may be dropped.")
    var yes = false

    func run() throws {
        try perform { () throws(CLIError) in
            guard yes else {
                throw CLIError(what: "not repairing", why: "a repair drops every record from the first damage on",
                               hint: "run 'nexusctl state verify --folder \(folder)' to see the damage, copy the folder, then add --yes.")
            }
            try StateCommand.checkFolder(folder)
            var lines: [(String, [String])] = []
            var json: [[String: String]] = []
            for f in StateCommand.logFolders(folder) {
                let r: RepairReport
                do throws(StateError) { r = try StateLog.repair(folder: f) } catch {
                    if case .locked = error { throw StateCommand.locked(f) }
                    throw CLIError(what: "cannot repair \(f)", why: "\(error)", hint: "this damage needs a restore from a backup (nexusctl restore).")
                }
                lines.append((f, r.description.split(separator: "\n").map(String.init)))
                json.append(["folder": f, "result": r.description])
            }
            switch global.output {
            case .json: try Render.emit(json, .json) { [] }
            case .table: Console.out(Render.table(lines))
            }
        }
    }
}
