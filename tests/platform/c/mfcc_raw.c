/* Bit-exact harness for sgt_mfcc.c: float32 samples on stdin, streamed in chunks of argv[1]
 * samples; every frame goes to stdout as raw float32 (host byte order), so two builds can be
 * compared byte for byte. Exit status: 0 ok, 2 bad config, 4 out of memory. */
#include <stdio.h>
#include <stdlib.h>

#include "sgt_mfcc.h"

int main(int argc, char** argv) {
  SgtMfccConfig cfg;
  SgtMfccState st;
  size_t chunk = argc > 1 ? (size_t)atol(argv[1]) : 160, cap = 1 << 22, n, i;
  float* x = malloc(sizeof(float) * cap);
  float out[64 * 8];
  if (x == NULL || chunk == 0) return 4;
  SgtMfccFillConfigWithDefaults(&cfg);
  if (SgtMfccPopulateState(&cfg, &st) != SGT_MFCC_OK) return 2;
  n = fread(x, sizeof(float), cap, stdin);
  for (i = 0; i < n; i += chunk) {
    size_t len = n - i < chunk ? n - i : chunk, done = 0;
    while (done < len) {
      size_t used = 0;
      size_t frames = SgtMfccProcessSamples(&st, x + i + done, len - done, out, 8, &used);
      fwrite(out, sizeof(float) * (size_t)SgtMfccFrameSize(&st), frames, stdout);
      done += used;
    }
  }
  SgtMfccFreeStateContents(&st);
  free(x);
  return 0;
}
