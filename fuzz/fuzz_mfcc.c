/* Fuzz target for the C MFCC core (the entry the Python binding calls): the input bytes
 * are float32 samples (NaN, Inf, denormals and huge values included) fed in chunks whose
 * sizes come from the data; every output must be finite.
 * libFuzzer:  clang -g -O1 -fsanitize=fuzzer,address,undefined -I../sgt_lite/audio/csrc \
 *               ../sgt_lite/audio/csrc/sgt_mfcc.c fuzz_mfcc.c -lm -o fuzz_mfcc */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sgt_mfcc.h"

static SgtMfccState* State(void) {
  static SgtMfccState state;
  static int ready = 0;
  if (!ready) {
    SgtMfccConfig cfg;
    SgtMfccFillConfigWithDefaults(&cfg);
    if (SgtMfccPopulateState(&cfg, &state) != SGT_MFCC_OK) abort();
    ready = 1;
  }
  return &state;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SgtMfccState* st = State();
  float out[14 * 64];
  size_t pos = 1, n_read, frames, k;
  SgtMfccReset(st);
  if (size < 1) return 0;
  while (pos + 4 <= size) {
    size_t chunk = 1 + data[pos - 1] % 200, bytes = chunk * 4, n;
    float samples[200];
    if (pos + bytes > size) bytes = (size - pos) / 4 * 4;
    n = bytes / 4;
    memcpy(samples, data + pos, bytes);
    frames = SgtMfccProcessSamples(st, samples, n, out, 64, &n_read);
    if (n_read != n) abort();
    for (k = 0; k < frames * 14; ++k)
      if (!isfinite(out[k])) abort();
    pos += bytes + 1;
  }
  return 0;
}
