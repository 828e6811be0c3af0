/*
 * Reflected CRC-64s with init and xorout all ones: CRC-64/XZ (COS x-cos-hash-crc64ecma, polynomial 0xC96C5795D7870F42
 * reflected) and CRC-64/NVME (S3 x-amz-checksum-crc64nvme, 0x9A6C9329AC4BC9B5 reflected).
 *
 * The server computes CRC-64/XZ over every uploaded byte on the main thread, next to MD5, so it must be much faster
 * than MD5. On x86-64 with PCLMULQDQ it folds 128 bytes per iteration with carry-less multiplies (the method of
 * Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", Gopal et al. 2009); elsewhere it uses
 * slicing-by-16 tables. All constants are derived from the polynomial at load time, so both CRCs share one code path.
 *
 * Notation for the folding maths. A message is a polynomial over GF(2), first bit = highest power. With zero init the
 * CRC register is rev64(M·x^64 mod P). Sixteen message bytes loaded little-endian into an xmm register R give
 * R = rev128(S) for the 128-bit polynomial S they hold, so R.lo = rev64(H) and R.hi = rev64(L) where S = H·x^64 + L.
 * PCLMULQDQ on reflected operands yields clmul(rev64 A, rev64 B) = rev128(A·B·x): the extra factor x is why the
 * constants below use exponents one lower than the textbook ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct crc64_model {
  uint64_t poly; /* reflected, without the x^64 term */
  uint64_t table[16][256];
  /* x2n[k] = x^(2^k) mod P, reflected, for crc64_combine: lengths up to 2^64 bytes = 2^67 bits. */
  uint64_t x2n[67];
#if defined(__x86_64__)
  /*
   * fold[i] moves a 128-bit accumulator N = 128·(i+1) bits further into the message:
   * S·x^N = H·x^(N+64) + L·x^N ≡ H·(x^(N+63) mod P)·x + L·(x^(N-1) mod P)·x, so
   * fold[i] = { rev64(x^(N+63) mod P), rev64(x^(N-1) mod P) }, multiplied with R.lo and R.hi respectively.
   */
  uint64_t fold[8][2];
  /* Barrett reduction of 128 bits to 64: mu = rev64(floor(x^128 / P) / x), poly_k = rev64(P / x). */
  uint64_t barrett[2];
#endif
} crc64_model;

static crc64_model xz_model;
static crc64_model nvme_model;
static int use_clmul;
static int force_generic;

static inline uint64_t load_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

/* a·b mod P, both reflected (bit 63 is x^0): zlib's multmodp widened to 64 bits. */
static uint64_t mulmod(uint64_t poly, uint64_t a, uint64_t b) {
  uint64_t p = 0;
  for (uint64_t m = (uint64_t)1 << 63; m != 0; m >>= 1) {
    if (a & m) p ^= b;
    b = (b & 1) ? (b >> 1) ^ poly : b >> 1;
  }
  return p;
}

#if defined(__x86_64__)
static uint64_t rev64(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; i++, v >>= 1) r = (r << 1) | (v & 1);
  return r;
}

/* x^n mod P in ordinary bit order (bit i is x^i); p_norm is P without its x^64 term. */
static uint64_t xpow_mod(uint64_t p_norm, unsigned n) {
  uint64_t r = 1;
  while (n--) r = (r << 1) ^ ((r >> 63) ? p_norm : 0);
  return r;
}

__extension__ typedef unsigned __int128 u128;

/* floor(floor(x^128 / P) / x) in ordinary bit order: the 65-bit Barrett quotient without its x^0 term. */
static uint64_t barrett_mu(uint64_t p_norm) {
  /* The x^64 quotient term is always 1: subtracting x^64·P from x^128 leaves p_norm·x^64. */
  u128 r = (u128)p_norm << 64;
  uint64_t q = 0;
  for (int d = 127; d >= 64; d--) {
    if ((uint64_t)(r >> d) & 1) {
      q |= (uint64_t)1 << (d - 64);
      r ^= ((u128)1 << d) ^ ((u128)p_norm << (d - 64));
    }
  }
  return ((uint64_t)1 << 63) | (q >> 1);
}
#endif

static void model_init(crc64_model *m, uint64_t poly) {
  m->poly = poly;
  for (unsigned b = 0; b < 256; b++) {
    uint64_t c = b;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    m->table[0][b] = c;
  }
  for (int t = 1; t < 16; t++) {
    for (unsigned b = 0; b < 256; b++) {
      uint64_t c = m->table[t - 1][b];
      m->table[t][b] = m->table[0][c & 0xff] ^ (c >> 8);
    }
  }
  m->x2n[0] = (uint64_t)1 << 62; /* x^1 */
  for (int k = 1; k < 67; k++) m->x2n[k] = mulmod(poly, m->x2n[k - 1], m->x2n[k - 1]);
#if defined(__x86_64__)
  uint64_t p_norm = rev64(poly);
  for (unsigned i = 0; i < 8; i++) {
    unsigned n = 128 * (i + 1);
    m->fold[i][0] = rev64(xpow_mod(p_norm, n + 63));
    m->fold[i][1] = rev64(xpow_mod(p_norm, n - 1));
  }
  m->barrett[0] = rev64(barrett_mu(p_norm));
  /* P / x = x^63 + p_norm / x; reflected, that is poly shifted left with the x^63 term landing in bit 0. */
  m->barrett[1] = (poly << 1) | 1;
#endif
}

/* Slicing-by-16 on the raw (already inverted) register. */
static uint64_t crc64_generic(const crc64_model *m, uint64_t crc, const uint8_t *p, size_t n) {
  const uint64_t(*t)[256] = m->table;
  while (n >= 16) {
    uint64_t a = crc ^ load_le64(p);
    uint64_t b = load_le64(p + 8);
    crc = t[15][a & 0xff] ^ t[14][(a >> 8) & 0xff] ^ t[13][(a >> 16) & 0xff] ^ t[12][(a >> 24) & 0xff] ^
          t[11][(a >> 32) & 0xff] ^ t[10][(a >> 40) & 0xff] ^ t[9][(a >> 48) & 0xff] ^ t[8][a >> 56] ^
          t[7][b & 0xff] ^ t[6][(b >> 8) & 0xff] ^ t[5][(b >> 16) & 0xff] ^ t[4][(b >> 24) & 0xff] ^
          t[3][(b >> 32) & 0xff] ^ t[2][(b >> 40) & 0xff] ^ t[1][(b >> 48) & 0xff] ^ t[0][b >> 56];
    p += 16;
    n -= 16;
  }
  while (n--) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

CLMUL_TARGET static inline __m128i load128(const void *p) {
  return _mm_loadu_si128((const __m128i *)p);
}

/* S·x^N mod P, kept at 128 bits (see crc64_model.fold). */
CLMUL_TARGET static inline __m128i fold(__m128i x, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/* Raw (already inverted) register over n >= 16 bytes. */
CLMUL_TARGET static uint64_t crc64_clmul(const crc64_model *m, uint64_t crc, const uint8_t *p, size_t n) {
  /* Starting from register c is the same as starting from zero with c XORed into the first 8 message bytes. */
  __m128i acc;
  if (n >= 256) {
    const __m128i k1024 = load128(m->fold[7]);
    __m128i x0 = _mm_xor_si128(load128(p), _mm_cvtsi64_si128((long long)crc));
    __m128i x1 = load128(p + 16);
    __m128i x2 = load128(p + 32);
    __m128i x3 = load128(p + 48);
    __m128i x4 = load128(p + 64);
    __m128i x5 = load128(p + 80);
    __m128i x6 = load128(p + 96);
    __m128i x7 = load128(p + 112);
    p += 128;
    n -= 128;
    /* Eight independent accumulators hide the multiply latency. */
    while (n >= 128) {
      x0 = _mm_xor_si128(fold(x0, k1024), load128(p));
      x1 = _mm_xor_si128(fold(x1, k1024), load128(p + 16));
      x2 = _mm_xor_si128(fold(x2, k1024), load128(p + 32));
      x3 = _mm_xor_si128(fold(x3, k1024), load128(p + 48));
      x4 = _mm_xor_si128(fold(x4, k1024), load128(p + 64));
      x5 = _mm_xor_si128(fold(x5, k1024), load128(p + 80));
      x6 = _mm_xor_si128(fold(x6, k1024), load128(p + 96));
      x7 = _mm_xor_si128(fold(x7, k1024), load128(p + 112));
      p += 128;
      n -= 128;
    }
    /* Lane i sits 7 - i blocks before lane 7: fold each the rest of the way. */
    acc = _mm_xor_si128(x7, fold(x6, load128(m->fold[0])));
    acc = _mm_xor_si128(acc, fold(x5, load128(m->fold[1])));
    acc = _mm_xor_si128(acc, fold(x4, load128(m->fold[2])));
    acc = _mm_xor_si128(acc, fold(x3, load128(m->fold[3])));
    acc = _mm_xor_si128(acc, fold(x2, load128(m->fold[4])));
    acc = _mm_xor_si128(acc, fold(x1, load128(m->fold[5])));
    acc = _mm_xor_si128(acc, fold(x0, load128(m->fold[6])));
  } else {
    acc = _mm_xor_si128(load128(p), _mm_cvtsi64_si128((long long)crc));
    p += 16;
    n -= 16;
  }
  const __m128i k128 = load128(m->fold[0]);
  while (n >= 16) {
    acc = _mm_xor_si128(fold(acc, k128), load128(p));
    p += 16;
    n -= 16;
  }
  /*
   * The register wanted is rev64(S·x^64 mod P), S·x^64 = H·x^128 + L·x^64. H·x^128 ≡ H·(x^127 mod P)·x is
   * acc.lo × fold[0][1]; L·x^64 is acc.hi moved to the low half. T = A·x^64 + B, 128 bits, remains.
   */
  __m128i t = _mm_xor_si128(_mm_clmulepi64_si128(acc, k128, 0x10), _mm_srli_si128(acc, 8));
  /*
   * Barrett: q = floor(A·mu / x^64) with mu = floor(x^128 / P); then A·x^64 mod P = (q·P) mod x^64.
   * t.lo × rev64(mu / x) gives rev128(A·(mu / x)·x), whose low half is rev64(q) (the dropped mu term cannot reach
   * x^64). q.lo × rev64(P / x) gives rev128(q·(P + 1)) whose high half is rev64((q·P + q) mod x^64), so q is XORed
   * back in. B is t.hi.
   */
  const __m128i kb = load128(m->barrett);
  __m128i q = _mm_clmulepi64_si128(t, kb, 0x00);
  __m128i w = _mm_clmulepi64_si128(q, kb, 0x10);
  crc = (uint64_t)_mm_extract_epi64(_mm_xor_si128(t, w), 1) ^ (uint64_t)_mm_cvtsi128_si64(q);
  return crc64_generic(m, crc, p, n);
}
#endif

static uint64_t update(const crc64_model *m, uint64_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
#if defined(__x86_64__)
  /* Below ~64 bytes the two Barrett multiplies cost more than the table lookups they replace. */
  if (use_clmul && !force_generic && n >= 64) return ~crc64_clmul(m, crc, p, n);
#endif
  return ~crc64_generic(m, crc, p, n);
}

/* crc(A‖B) = crc(A)·x^(8·len_b) + crc(B) mod P; the all-ones init and xorout cancel out (zlib crc32_combine). */
static uint64_t combine(const crc64_model *m, uint64_t crc_a, uint64_t crc_b, uint64_t len_b) {
  uint64_t p = (uint64_t)1 << 63; /* x^0 */
  for (int k = 3; len_b != 0; len_b >>= 1, k++) {
    if (len_b & 1) p = mulmod(m->poly, m->x2n[k], p);
  }
  return mulmod(m->poly, crc_a, p) ^ crc_b;
}

void coffer_crc64_init(void) {
  model_init(&xz_model, 0xC96C5795D7870F42ULL);
  model_init(&nvme_model, 0x9A6C9329AC4BC9B5ULL);
#if defined(__x86_64__)
  __builtin_cpu_init();
  use_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif
}

const char *coffer_crc64_implementation(void) {
  return use_clmul && !force_generic ? "pclmul" : "table";
}

/* Test hook: exercise the table path on machines that have PCLMULQDQ. Not thread-safe; tests only. */
void coffer_crc64_force_generic(int on) {
  force_generic = on;
}

uint64_t coffer_crc64_xz(uint64_t crc, const uint8_t *p, size_t n) {
  return update(&xz_model, crc, p, n);
}

uint64_t coffer_crc64_xz_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b) {
  return combine(&xz_model, crc_a, crc_b, len_b);
}

uint64_t coffer_crc64_nvme(uint64_t crc, const uint8_t *p, size_t n) {
  return update(&nvme_model, crc, p, n);
}

uint64_t coffer_crc64_nvme_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b) {
  return combine(&nvme_model, crc_a, crc_b, len_b);
}
