// Segment: one open, mapped segment file of the log.

/// One segment file, open and mapped for its whole length; shared by the writer thread and readers.
///
/// The writer is the only thread that writes into the mapping, and only past the offset it has published to
/// readers; readers read only below it. The mapping is released when the last reference goes away.
final class Segment {
    let index: UInt64
    let firstSequence: UInt64
    let path: String
    let file: any StateFile
    let mapping: any StateMapping

    init(index: UInt64, firstSequence: UInt64, path: String, file: any StateFile, mapping: any StateMapping) {
        self.index = index
        self.firstSequence = firstSequence
        self.path = path
        self.file = file
        self.mapping = mapping
    }

    var capacity: Int { mapping.length }

    /// Creates segment `index` in `folder`: reserves `size` bytes, writes and syncs its header under a temporary
    /// name, then renames it into place and syncs the folder, so a segment under its real name always has a durable
    /// header. Throws `.noSpace` (leaving nothing behind) when the disk is full.
    static func create(folder: String, index: UInt64, firstSequence: UInt64, size: Int,
                       fileSystem: any StateFileSystem) throws(StateError) -> Segment {
        let name = SegmentFormat.fileName(index: index)
        let path = folder + "/" + name
        let temporary = path + ".tmp"
        let file = try fileSystem.openFile(temporary, create: true)
        do {
            try file.allocate(length: size)
        } catch {
            try? fileSystem.removeFile(temporary)
            throw error
        }
        let mapping = try file.map(length: size)
        SegmentFormat.writeHeader(.init(index: index, firstSequence: firstSequence,
                                        durableEnd: SegmentFormat.headerSize), to: mapping.base)
        try mapping.sync(offset: 0, count: SegmentFormat.headerSize)
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(folder)
        return Segment(index: index, firstSequence: firstSequence, path: path, file: file, mapping: mapping)
    }
}

// SAFETY: all stored properties are immutable; the mapped bytes are shared under the single-writer discipline
// described on the type (the writer publishes an offset with a lock before readers may read below it).
extension Segment: @unchecked Sendable {}
