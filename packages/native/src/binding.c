/*
 * Node-API glue for the checksum kernels in crc64.c and crc32c.c. Argument checks mirror the JavaScript fallbacks in
 * @coffer/protocol, so code behaves the same whether or not the addon loaded:
 * CRC-64 seeds and CRCs are taken mod 2^64 (BigInt.asUintN), lengths must be safe integers.
 */
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <pthread.h>
#endif

/*
 * Declared here rather than in a header because package.json "files" ships only the .c sources.
 * Keep in step with the definitions.
 */
void coffer_crc64_init(void);
const char *coffer_crc64_implementation(void);
void coffer_crc64_force_generic(int on);
uint64_t coffer_crc64_xz(uint64_t crc, const uint8_t *p, size_t n);
uint64_t coffer_crc64_xz_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b);
uint64_t coffer_crc64_nvme(uint64_t crc, const uint8_t *p, size_t n);
void coffer_crc32c_init(void);
const char *coffer_crc32c_implementation(void);
void coffer_crc32c_force_generic(int on);
uint32_t coffer_crc32c(uint32_t crc, const uint8_t *p, size_t n);
int coffer_aes256ctr_xor(const uint8_t key[32], uint64_t offset, uint8_t *data, size_t length);

#define MAX_SAFE_INTEGER 9007199254740991.0

static bool throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return false;
}

static bool throw_range(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return false;
}

/* A Uint8Array (Buffer included): the only input the JS fallback reads correctly. */
static bool get_bytes(napi_env env, napi_value value, const uint8_t **data, size_t *length) {
  bool is_typedarray = false;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray) {
    return throw_type(env, "data must be a Uint8Array");
  }
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &ptr, NULL, NULL) != napi_ok) {
    return throw_type(env, "data must be a Uint8Array");
  }
  if (type != napi_uint8_array && type != napi_uint8_clamped_array) return throw_type(env, "data must be a Uint8Array");
  *data = ptr;
  return true;
}

static bool is_undefined(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_undefined;
}

/* Any bigint, taken mod 2^64 like BigInt.asUintN(64, v). */
static bool get_u64(napi_env env, napi_value value, const char *message, uint64_t *out) {
  bool lossless;
  if (napi_get_value_bigint_uint64(env, value, out, &lossless) != napi_ok) return throw_type(env, message);
  return true;
}

static bool get_length(napi_env env, napi_value value, uint64_t *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok || !(d >= 0 && d <= MAX_SAFE_INTEGER) || d != (double)(uint64_t)d) {
    return throw_range(env, "lengthB must be a non-negative safe integer");
  }
  *out = (uint64_t)d;
  return true;
}

static napi_value make_u64(napi_env env, uint64_t v) {
  napi_value result;
  if (napi_create_bigint_uint64(env, v, &result) != napi_ok) return NULL;
  return result;
}

typedef uint64_t (*crc64_fn)(uint64_t crc, const uint8_t *p, size_t n);

static napi_value call_crc64(napi_env env, napi_callback_info info, crc64_fn fn) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  const uint8_t *data;
  size_t length;
  uint64_t prev = 0;
  if (argc < 1) {
    throw_type(env, "data must be a Uint8Array");
    return NULL;
  }
  if (!get_bytes(env, argv[0], &data, &length)) return NULL;
  if (argc >= 2 && !is_undefined(env, argv[1]) && !get_u64(env, argv[1], "prev must be a bigint", &prev)) return NULL;
  return make_u64(env, fn(prev, data, length));
}

static napi_value js_crc64(napi_env env, napi_callback_info info) {
  return call_crc64(env, info, coffer_crc64_xz);
}

static napi_value js_crc64nvme(napi_env env, napi_callback_info info) {
  return call_crc64(env, info, coffer_crc64_nvme);
}

static napi_value js_crc64_combine(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3) {
    throw_type(env, "crc64Combine(crcA, crcB, lengthB) takes three arguments");
    return NULL;
  }
  uint64_t a, b, length;
  if (!get_u64(env, argv[0], "crcA must be a bigint", &a) || !get_u64(env, argv[1], "crcB must be a bigint", &b) ||
      !get_length(env, argv[2], &length)) {
    return NULL;
  }
  return make_u64(env, coffer_crc64_xz_combine(a, b, length));
}

static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  const uint8_t *data;
  size_t length;
  uint32_t prev = 0;
  if (argc < 1) {
    throw_type(env, "data must be a Uint8Array");
    return NULL;
  }
  if (!get_bytes(env, argv[0], &data, &length)) return NULL;
  if (argc >= 2 && !is_undefined(env, argv[1]) && napi_get_value_uint32(env, argv[1], &prev) != napi_ok) {
    throw_type(env, "prev must be a number");
    return NULL;
  }
  napi_value result;
  if (napi_create_uint32(env, coffer_crc32c(prev, data, length), &result) != napi_ok) return NULL;
  return result;
}

/* _forceGeneric(on): test hook that routes every call to the table code. Not thread-safe. */
static napi_value js_force_generic(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool on = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1 && napi_get_value_bool(env, argv[0], &on) != napi_ok) {
    throw_type(env, "_forceGeneric takes a boolean");
    return NULL;
  }
  coffer_crc64_force_generic(on);
  coffer_crc32c_force_generic(on);
  return NULL;
}

static napi_value js_implementation(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, crc64, crc32c;
  if (napi_create_object(env, &result) != napi_ok ||
      napi_create_string_utf8(env, coffer_crc64_implementation(), NAPI_AUTO_LENGTH, &crc64) != napi_ok ||
      napi_create_string_utf8(env, coffer_crc32c_implementation(), NAPI_AUTO_LENGTH, &crc32c) != napi_ok ||
      napi_set_named_property(env, result, "crc64", crc64) != napi_ok ||
      napi_set_named_property(env, result, "crc32c", crc32c) != napi_ok) {
    return NULL;
  }
  return result;
}

static void init_tables(void) {
  coffer_crc64_init();
  coffer_crc32c_init();
}

/* Worker threads load the addon again; the tables are process-wide and must be built exactly once. */
#if defined(_WIN32)
static INIT_ONCE tables_once = INIT_ONCE_STATIC_INIT;
static BOOL CALLBACK init_tables_win(PINIT_ONCE once, PVOID param, PVOID *context) {
  (void)once;
  (void)param;
  (void)context;
  init_tables();
  return TRUE;
}
#else
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
#endif

/* aes256CtrXor(key: 32-byte Uint8Array, offset: safe integer >= 0, data: Uint8Array): data is XORed in place. */
static napi_value js_aes256ctr_xor(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3) {
    throw_type(env, "aes256CtrXor(key, offset, data)");
    return NULL;
  }
  const uint8_t *key = NULL;
  size_t key_length = 0;
  if (!get_bytes(env, argv[0], &key, &key_length)) return NULL;
  if (key_length != 32) {
    throw_range(env, "key must be 32 bytes");
    return NULL;
  }
  double offset = 0;
  if (napi_get_value_double(env, argv[1], &offset) != napi_ok || !(offset >= 0) || offset > MAX_SAFE_INTEGER ||
      offset != (double)(uint64_t)offset) {
    throw_range(env, "offset must be a non-negative safe integer");
    return NULL;
  }
  const uint8_t *data = NULL;
  size_t length = 0;
  if (!get_bytes(env, argv[2], &data, &length)) return NULL;
  if (coffer_aes256ctr_xor(key, (uint64_t)offset, (uint8_t *)data, length) != 0) {
    napi_throw_error(env, NULL, "AES-256-CTR failed");
    return NULL;
  }
  return NULL;
}

NAPI_MODULE_INIT() {
#if defined(_WIN32)
  InitOnceExecuteOnce(&tables_once, init_tables_win, NULL, NULL);
#else
  pthread_once(&tables_once, init_tables);
#endif
  napi_property_descriptor properties[] = {
      {"crc64", NULL, js_crc64, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc64Combine", NULL, js_crc64_combine, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc64nvme", NULL, js_crc64nvme, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32c", NULL, js_crc32c, NULL, NULL, NULL, napi_enumerable, NULL},
      {"implementation", NULL, js_implementation, NULL, NULL, NULL, napi_enumerable, NULL},
      {"_forceGeneric", NULL, js_force_generic, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aes256CtrXor", NULL, js_aes256ctr_xor, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return NULL;
  }
  return exports;
}
