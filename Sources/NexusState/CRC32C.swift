// CRC32C: the Castagnoli checksum of every record and segment header, computed in C (SSE4.2 or tables).
import CNexusLinux

/// CRC-32C (Castagnoli), the checksum of the state log's records and segment headers.
///
/// The C shim uses the SSE4.2 `crc32` instruction when the CPU has it and slicing-by-8 tables otherwise; both give
/// the same values (`checksum("123456789") == 0xE3069283`).
public enum CRC32C {
    /// True if the CPU has SSE4.2, so `checksum` uses the instruction.
    public static var hardwareAvailable: Bool { nexus_crc32c_hardware_available() == 1 }

    /// The CRC-32C of `bytes`, continuing from `previous` (0 to start).
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return previous }
        return nexus_crc32c(previous, base, bytes.count)
    }

    /// The CRC-32C of `bytes`, continuing from `previous` (0 to start).
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing previous: UInt32 = 0) -> UInt32 {
        let array = Array(bytes)
        return array.withUnsafeBytes { checksum($0, continuing: previous) }
    }

    /// The table-driven path, whatever the CPU (for tests and comparisons).
    public static func softwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return previous }
        return nexus_crc32c_software(previous, base, bytes.count)
    }

    /// The SSE4.2 path, or `nil` if the CPU lacks SSE4.2.
    public static func hardwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32? {
        guard hardwareAvailable else { return nil }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return previous }
        return nexus_crc32c_hardware(previous, base, bytes.count)
    }
}
