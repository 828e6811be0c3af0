/*
 * AES-256-CTR applied in place, through the OpenSSL the Node.js binary carries (its EVP symbols are
 * exported for addons; node-gyp puts its headers on the include path). Node's Decipher.update()
 * always returns a new buffer: for a large GET that is an allocation, a zero-fill and a copy per
 * chunk on top of the cipher. Here the bytes read into the server's reused buffer are decrypted
 * where they lie. CTR makes encryption and decryption the same XOR with the key stream.
 *
 * The counter block of byte `offset` is the 128-bit big-endian block index offset / 16 (its high
 * 64 bits zero), as in packages/server/src/engine/seal.ts; the first offset % 16 bytes of that
 * block's key stream are skipped.
 */
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 0 on success, -1 if OpenSSL failed. */
int coffer_aes256ctr_xor(const uint8_t key[32], uint64_t offset, uint8_t *data, size_t length) {
  uint8_t counter[16] = {0};
  uint64_t block = offset / 16;
  for (int i = 0; i < 8; i++) counter[15 - i] = (uint8_t)(block >> (8 * i));
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx == NULL) return -1;
  int ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, key, counter) == 1;
  int out_length = 0;
  size_t skip = (size_t)(offset % 16);
  if (ok && skip > 0) {
    uint8_t scratch[16] = {0};
    ok = EVP_EncryptUpdate(ctx, scratch, &out_length, scratch, (int)skip) == 1;
  }
  /* EVP lengths are ints: feed at most 1 GiB per call. */
  while (ok && length > 0) {
    int n = length > (1u << 30) ? (1 << 30) : (int)length;
    ok = EVP_EncryptUpdate(ctx, data, &out_length, data, n) == 1;
    data += n;
    length -= (size_t)n;
  }
  EVP_CIPHER_CTX_free(ctx);
  return ok ? 0 : -1;
}
