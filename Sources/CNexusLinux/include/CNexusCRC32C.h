// CNexusCRC32C: CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78) for the state log's records.
#ifndef C_NEXUS_CRC32C_H
#define C_NEXUS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// CRC-32C of `length` bytes at `data`, continuing from `crc` (0 to start; pass a previous result to extend it).
/// Uses the SSE4.2 `crc32` instruction when the CPU has it (checked once with __builtin_cpu_supports), else a table.
/// nexus_crc32c(0, "123456789", 9) == 0xE3069283.
uint32_t nexus_crc32c(uint32_t crc, const void *data, size_t length);

/// The table-driven (slicing-by-8) path, whatever the CPU; same contract as nexus_crc32c.
uint32_t nexus_crc32c_software(uint32_t crc, const void *data, size_t length);

/// The SSE4.2 path; same contract as nexus_crc32c. Call only if nexus_crc32c_hardware_available() returns 1.
uint32_t nexus_crc32c_hardware(uint32_t crc, const void *data, size_t length);

/// 1 if the CPU has SSE4.2 (so nexus_crc32c_hardware may be called), 0 if not.
int nexus_crc32c_hardware_available(void);

#endif
