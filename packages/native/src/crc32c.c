/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the S3 x-amz-checksum-crc32c.
 *
 * SSE4.2 has an instruction for exactly this CRC. It has a latency of 3 cycles and a throughput of 1 per cycle, so
 * large inputs run three independent streams and stitch them together with a multiply by x^(8·len) mod P.
 * Without SSE4.2 (or off x86-64) it falls back to slicing-by-8 tables.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define POLY 0x82F63B78u

/* Bytes per stream in the three-stream loop: long enough that the two stitching multiplies are noise. */
#define STREAM_BYTES 4096

static uint32_t table[8][256];
static int use_sse42;
static int force_generic;

static inline uint32_t load_le32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

/* Slicing-by-8 on the raw (already inverted) register. */
static uint32_t crc32c_generic(uint32_t crc, const uint8_t *p, size_t n) {
  while (n >= 8) {
    uint32_t a = crc ^ load_le32(p);
    uint32_t b = load_le32(p + 4);
    crc = table[7][a & 0xff] ^ table[6][(a >> 8) & 0xff] ^ table[5][(a >> 16) & 0xff] ^ table[4][a >> 24] ^
          table[3][b & 0xff] ^ table[2][(b >> 8) & 0xff] ^ table[1][(b >> 16) & 0xff] ^ table[0][b >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
static uint32_t shift_stream;      /* x^(8·STREAM_BYTES) mod P, reflected */
static uint32_t shift_two_streams; /* x^(16·STREAM_BYTES) mod P, reflected */

/* a·b mod P, both reflected (bit 31 is x^0): zlib's multmodp. */
static uint32_t mulmod(uint32_t a, uint32_t b) {
  uint32_t p = 0;
  for (uint32_t m = (uint32_t)1 << 31; m != 0; m >>= 1) {
    if (a & m) p ^= b;
    b = (b & 1) ? (b >> 1) ^ POLY : b >> 1;
  }
  return p;
}

/* x^(8·bytes) mod P, reflected. */
static uint32_t shift_for(size_t bytes) {
  uint32_t p = (uint32_t)1 << 31;
  for (size_t i = 0; i < 8 * bytes; i++) p = (p & 1) ? (p >> 1) ^ POLY : p >> 1;
  return p;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n) {
  uint64_t c = crc;
  while (n >= 3 * STREAM_BYTES) {
    /* raw(A‖B‖C, c) = raw(A, c)·x^(16·S) + raw(B, 0)·x^(8·S) + raw(C, 0), S = STREAM_BYTES. */
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    const uint8_t *end = p + STREAM_BYTES;
    for (; p < end; p += 8) {
      uint64_t a, b, d;
      memcpy(&a, p, 8);
      memcpy(&b, p + STREAM_BYTES, 8);
      memcpy(&d, p + 2 * STREAM_BYTES, 8);
      c = _mm_crc32_u64(c, a);
      c1 = _mm_crc32_u64(c1, b);
      c2 = _mm_crc32_u64(c2, d);
    }
    c = mulmod((uint32_t)c, shift_two_streams) ^ mulmod((uint32_t)c1, shift_stream) ^ (uint32_t)c2;
    p += 2 * STREAM_BYTES;
    n -= 3 * STREAM_BYTES;
  }
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
  }
  while (n--) c = _mm_crc32_u8((uint32_t)c, *p++);
  return (uint32_t)c;
}
#endif

void coffer_crc32c_init(void) {
  for (unsigned b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
    table[0][b] = c;
  }
  for (int t = 1; t < 8; t++) {
    for (unsigned b = 0; b < 256; b++) table[t][b] = table[0][table[t - 1][b] & 0xff] ^ (table[t - 1][b] >> 8);
  }
#if defined(__x86_64__)
  shift_stream = shift_for(STREAM_BYTES);
  shift_two_streams = shift_for(2 * STREAM_BYTES);
  __builtin_cpu_init();
  use_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

const char *coffer_crc32c_implementation(void) {
  return use_sse42 && !force_generic ? "sse4.2" : "table";
}

/* Test hook: exercise the table path on machines that have SSE4.2. Not thread-safe; tests only. */
void coffer_crc32c_force_generic(int on) {
  force_generic = on;
}

uint32_t coffer_crc32c(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
#if defined(__x86_64__)
  if (use_sse42 && !force_generic) return ~crc32c_sse42(crc, p, n);
#endif
  return ~crc32c_generic(crc, p, n);
}
