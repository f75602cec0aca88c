// CRC-32C (Castagnoli): the SSE4.2 instruction where the CPU has it, slicing-by-8 tables elsewhere.
#include "CNexusCRC32C.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#define NEXUS_CRC32C_POLY 0x82F63B78u

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_table_once = PTHREAD_ONCE_INIT;

static void crc32c_build_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int k = 0; k < 8; k++) {
            crc = (crc & 1) ? (crc >> 1) ^ NEXUS_CRC32C_POLY : crc >> 1;
        }
        crc32c_table[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = crc32c_table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = crc32c_table[0][crc & 0xff] ^ (crc >> 8);
            crc32c_table[k][n] = crc;
        }
    }
}

uint32_t nexus_crc32c_software(uint32_t crc, const void *data, size_t length) {
    pthread_once(&crc32c_table_once, crc32c_build_table);
    const unsigned char *p = data;
    uint32_t c = ~crc;
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        c = crc32c_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        length--;
    }
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);  // little-endian hosts only (x86_64, aarch64 Linux)
        word ^= c;
        c = crc32c_table[7][word & 0xff] ^ crc32c_table[6][(word >> 8) & 0xff] ^
            crc32c_table[5][(word >> 16) & 0xff] ^ crc32c_table[4][(word >> 24) & 0xff] ^
            crc32c_table[3][(word >> 32) & 0xff] ^ crc32c_table[2][(word >> 40) & 0xff] ^
            crc32c_table[1][(word >> 48) & 0xff] ^ crc32c_table[0][word >> 56];
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        c = crc32c_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        length--;
    }
    return ~c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
uint32_t nexus_crc32c_hardware(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = data;
    uint64_t c = ~crc;
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = _mm_crc32_u64(c, word);
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }
    return ~(uint32_t)c;
}

int nexus_crc32c_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}
#else
uint32_t nexus_crc32c_hardware(uint32_t crc, const void *data, size_t length) {
    return nexus_crc32c_software(crc, data, length);
}

int nexus_crc32c_hardware_available(void) { return 0; }
#endif

// -1 until the first call decides, then 0 (tables) or 1 (SSE4.2). Racing first calls decide the same thing, and
// relaxed atomics make the race well-defined.
static int crc32c_use_hardware = -1;

uint32_t nexus_crc32c(uint32_t crc, const void *data, size_t length) {
    int use = __atomic_load_n(&crc32c_use_hardware, __ATOMIC_RELAXED);
    if (use < 0) {
        use = nexus_crc32c_hardware_available();
        __atomic_store_n(&crc32c_use_hardware, use, __ATOMIC_RELAXED);
    }
    return use ? nexus_crc32c_hardware(crc, data, length) : nexus_crc32c_software(crc, data, length);
}
