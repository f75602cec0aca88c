// RingLogHandler: a swift-log handler that formats one line and posts it to the LogWriter thread.
import Logging

/// A swift-log `LogHandler` that formats each record as one line and posts it to a `LogWriter`.
///
/// Format: `2026-11-26T23:41:02.123Z info nexusd: message key=value key2=value2`: a UTC timestamp with
/// milliseconds, the level, the logger's label, the message, then the metadata (handler metadata, then the metadata
/// provider's, then the record's, then `error=` if the record carries an error; later ones override earlier ones)
/// sorted by key. Values are printed as given:
/// keeping secrets out of metadata is the caller's job, and nothing is escaped (a value containing a newline
/// produces two physical lines).
///
/// Logging never blocks: if the writer's mailbox is full the line is dropped and counted in `LogWriter.dropped`.
public struct RingLogHandler: LogHandler {
    /// The logger's label, printed after the level.
    public let label: String
    /// The writer lines are posted to.
    public let writer: LogWriter
    /// The minimum level this handler emits.
    public var logLevel: Logger.Level
    /// Metadata attached to every record of this handler.
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata added to every record.
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler for the logger `label`, posting to `writer`.
    public init(label: String, writer: LogWriter, logLevel: Logger.Level = .info,
                metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.writer = writer
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    /// Gets or sets one metadata value of this handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Formats `event` and posts it to the writer.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let recordMetadata = event.metadata {
            merged.merge(recordMetadata) { _, new in new }
        }
        if let error = event.error {
            merged["error"] = .string("\(error)")
        }
        let now = UTCTimestamp.now()
        writer.write(Self.format(seconds: now.seconds, nanoseconds: now.nanoseconds, level: event.level,
                                 label: label, message: event.message.description, metadata: merged))
    }

    /// Formats one line (without its newline) as described on the type; exposed for tests and other sinks.
    public static func format(seconds: Int, nanoseconds: Int, level: Logger.Level, label: String, message: String,
                              metadata: Logger.Metadata) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(64 + message.utf8.count + metadata.count * 24)
        UTCTimestamp.append(seconds: seconds, nanoseconds: nanoseconds, to: &line)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: level.rawValue.utf8)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: label.utf8)
        line.append(contentsOf: ": ".utf8)
        line.append(contentsOf: message.utf8)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            line.append(contentsOf: value.description.utf8)
        }
        return line
    }
}

/// Installs `RingLogHandler` as the process-wide swift-log backend.
public enum LoggingSetup {
    /// Bootstraps swift-log so every `Logger` posts to `writer`, emitting records at `level` and above.
    ///
    /// swift-log allows one bootstrap per process (a second call traps), so nexusd calls this once at startup,
    /// after creating the writer, and calls `writer.stop()` before exiting so queued lines are written.
    /// `metadataProvider`, if given, adds contextual metadata to every record.
    public static func bootstrap(writer: LogWriter, level: Logger.Level = .info,
                                 metadataProvider: Logger.MetadataProvider? = nil) {
        LoggingSystem.bootstrap({ label, provider in
            RingLogHandler(label: label, writer: writer, logLevel: level, metadataProvider: provider)
        }, metadataProvider: metadataProvider)
    }
}
