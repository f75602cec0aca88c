// StateError: everything that can go wrong opening, recovering, appending to or repairing a state folder.
import Glibc

/// An error from the state log; its description names the file (and offset) concerned.
public enum StateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed on `path`.
    case system(call: String, path: String, errno: Int32)
    /// The disk is full (ENOSPC from posix_fallocate): nothing was written; appending works again once space returns.
    case noSpace(path: String)
    /// Another process (or another open log in this process) holds the folder's lock.
    case locked(folder: String)
    /// A segment file does not start with "NXLOG".
    case badMagic(file: String)
    /// A segment or snapshot file was written by another format version.
    case unsupportedVersion(file: String, found: UInt32, supported: UInt32)
    /// A segment's header is damaged or inconsistent with its file name or the segment before it.
    case badSegmentHeader(file: String, reason: String)
    /// A record before the durable end of the log is damaged (checksum, length or sequence number).
    case corruptRecord(file: String, offset: Int, reason: String)
    /// A segment between the first and the last one is missing.
    case missingSegment(file: String)
    /// A snapshot (or backup) file is damaged or is not one; `offset` is where the check failed.
    case badSnapshot(file: String, offset: Int, reason: String)
    /// The log's first kept segment starts after sequence 1 and no usable snapshot covers the records before it.
    case missingSnapshot(firstSegment: String, firstSequence: UInt64)
    /// `installSnapshot` refused a snapshot whose sequence is not within `lowest...highest` (the current snapshot's
    /// sequence and the last sequence of the log).
    case snapshotOutOfRange(sequence: UInt64, lowest: UInt64, highest: UInt64)
    /// The payload does not fit in one segment.
    case recordTooLarge(size: Int, limit: Int)
    /// The writer's mailbox is full: the append was not queued (back-pressure; retry later).
    case queueFull
    /// The log was closed.
    case closed
    /// A sync failed earlier, so what reached the disk is unknown; the log refuses appends until it is reopened.
    case failed(reason: String)

    public var description: String {
        switch self {
        case .system(let call, let path, let errno):
            return "\(call) failed on '\(path)': \(String(cString: strerror(errno))) (errno \(errno))"
        case .noSpace(let path):
            return "no space left on device while reserving '\(path)' (ENOSPC); appends fail until space is freed"
        case .locked(let folder):
            return "state folder '\(folder)' is locked by another nexusd (or another open StateLog)"
        case .badMagic(let file):
            return "'\(file)' is not a Nexus log segment (no NXLOG magic)"
        case .unsupportedVersion(let file, let found, let supported):
            let kind = file.hasSuffix(".nxlog") ? "log" : "snapshot"
            return "'\(file)' has \(kind) format version \(found); this build reads version \(supported)"
        case .badSegmentHeader(let file, let reason):
            return "'\(file)': bad segment header: \(reason)"
        case .corruptRecord(let file, let offset, let reason):
            return "'\(file)' is damaged at offset \(offset): \(reason); run repair to truncate there"
        case .missingSegment(let file):
            return "segment '\(file)' is missing from the log"
        case .badSnapshot(let file, let offset, let reason):
            return "'\(file)' is not a usable snapshot (damaged at offset \(offset)): \(reason)"
        case .missingSnapshot(let firstSegment, let firstSequence):
            return "the log starts at sequence \(firstSequence) in '\(firstSegment)' but no usable snapshot covers "
                + "the records before it"
        case .snapshotOutOfRange(let sequence, let lowest, let highest):
            return "snapshot through sequence \(sequence) refused: it must lie between the current snapshot's "
                + "sequence \(lowest) and the log's last sequence \(highest)"
        case .recordTooLarge(let size, let limit):
            return "record of \(size) bytes exceeds the segment's limit of \(limit) bytes"
        case .queueFull:
            return "the state log's writer queue is full"
        case .closed:
            return "the state log is closed"
        case .failed(let reason):
            return "the state log stopped accepting appends after a failed sync: \(reason)"
        }
    }

    /// Wraps the errno of a failed call on `path`, mapping ENOSPC to `.noSpace`.
    static func fromErrno(_ call: String, path: String, errno code: Int32) -> StateError {
        code == ENOSPC ? .noSpace(path: path) : .system(call: call, path: path, errno: code)
    }
}
