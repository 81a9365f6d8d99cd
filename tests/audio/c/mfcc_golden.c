/* Host-side C test of sgt_mfcc.c with no Python: reads float32 samples on
 * stdin, streams them in chunks of argv[1] samples, prints one frame per line. */
#include <stdio.h>
#include <stdlib.h>

#include "sgt_mfcc.h"

int main(int argc, char** argv) {
  SgtMfccConfig cfg;
  SgtMfccState st;
  size_t chunk = argc > 1 ? (size_t)atol(argv[1]) : 160, cap = 1 << 20, n = 0, i;
  float* x = malloc(sizeof(float) * cap);
  float out[64 * 8];
  SgtMfccFillConfigWithDefaults(&cfg);
  if (SgtMfccPopulateState(&cfg, &st) != SGT_MFCC_OK) return 2;
  n = fread(x, sizeof(float), cap, stdin);
  for (i = 0; i < n; i += chunk) {
    size_t len = n - i < chunk ? n - i : chunk, done = 0;
    while (done < len) {
      size_t used = 0, f, k;
      size_t frames = SgtMfccProcessSamples(&st, x + i + done, len - done, out, 8, &used);
      for (f = 0; f < frames; ++f) {
        for (k = 0; k < (size_t)SgtMfccFrameSize(&st); ++k)
          printf(k ? " %.6f" : "%.6f", out[f * SgtMfccFrameSize(&st) + k]);
        printf("\n");
      }
      done += used;
    }
  }
  SgtMfccFreeStateContents(&st);
  SgtMfccFreeStateContents(&st); /* documented as safe */
  cfg.n_fft = 500;
  if (SgtMfccPopulateState(&cfg, &st) != SGT_MFCC_ERR_N_FFT) return 3;
  free(x);
  return 0;
}
