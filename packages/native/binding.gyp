{
  "targets": [
    {
      "target_name": "coffer_native",
      "sources": ["src/binding.c", "src/crc64.c", "src/crc32c.c", "src/aes-ctr.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=gnu11"],
      "cflags": ["-O3", "-Wall", "-Wextra"],
      "cflags!": ["-O2", "-Os"],
      "xcode_settings": {
        "GCC_OPTIMIZATION_LEVEL": "3",
        "OTHER_CFLAGS": ["-std=gnu11"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "Optimization": 2 }
      }
    }
  ]
}
