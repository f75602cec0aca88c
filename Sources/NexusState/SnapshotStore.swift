// SnapshotStore: reading and durably writing snapshot files through the StateFileSystem seam.

/// Reads and writes snapshot files in a state folder.
enum SnapshotStore {
    /// Reads and decodes the snapshot file `path` (see `SnapshotFile.decode` for the checks).
    static func read(path: String, fileSystem: any StateFileSystem) throws(StateError) -> Snapshot {
        let file = try fileSystem.openFile(path, create: false)
        let size = try file.size()
        guard size > 0 else { return try SnapshotFile.decode([], file: path) }
        let mapping = try file.map(length: size)
        return try SnapshotFile.decode(UnsafeRawBufferPointer(start: mapping.base, count: size), file: path)
    }

    /// Writes `snapshot` as `<folder>/snapshot-<S>.nxsnap`: into a temporary file reserved with posix_fallocate,
    /// synced, renamed into place, then the folder synced; so a snapshot under its real name is always complete.
    /// A failure before the rename removes the temporary file and leaves the folder as it was.
    ///
    /// - Returns: the snapshot's path.
    static func write(_ snapshot: Snapshot, folder: String,
                      fileSystem: any StateFileSystem) throws(StateError) -> String {
        let bytes = SnapshotFile.encode(snapshot)
        let path = folder + "/" + SnapshotFile.fileName(sequence: snapshot.sequence)
        let temporary = path + ".tmp"
        // A leftover temporary file could be longer than this snapshot: start from an empty file.
        try fileSystem.removeFile(temporary)
        let file = try fileSystem.openFile(temporary, create: true)
        do {
            try file.allocate(length: bytes.count)
            let mapping = try file.map(length: bytes.count)
            bytes.withUnsafeBytes { raw in
                mapping.base.copyMemory(from: raw.baseAddress!, byteCount: raw.count)
            }
            // fdatasync writes back the mapping's dirty pages and the size that posix_fallocate set.
            try file.sync()
        } catch {
            try? fileSystem.removeFile(temporary)
            throw error
        }
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(folder)
        return path
    }
}
