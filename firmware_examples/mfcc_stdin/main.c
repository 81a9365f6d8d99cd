/* Host or embedded-Linux example of the portable MFCC core (no Python):
 *   cc -O2 -I../../sgt_lite/audio/csrc ../../sgt_lite/audio/csrc/sgt_mfcc.c main.c -lm -o mfcc_stdin
 *   arecord -f S16_LE -r 16000 -c 1 -t raw | ./mfcc_stdin
 * Reads raw 16-bit mono 16 kHz PCM on stdin and prints one frame per line:
 * 13 MFCCs then the log-energy, 100 lines per second. */
#include <stdint.h>
#include <stdio.h>

#include "sgt_mfcc.h"

int main(void) {
  SgtMfccConfig config;
  SgtMfccState state;
  int16_t pcm[160];
  float samples[160], out[14 * 2];
  size_t n, i, k, frames, used;
  SgtMfccFillConfigWithDefaults(&config);
  if (SgtMfccPopulateState(&config, &state) != SGT_MFCC_OK) return 1;
  while ((n = fread(pcm, sizeof(int16_t), 160, stdin)) > 0) {
    for (i = 0; i < n; ++i) samples[i] = pcm[i] / 32768.0f;
    frames = SgtMfccProcessSamples(&state, samples, n, out, 2, &used);
    for (i = 0; i < frames; ++i) {
      for (k = 0; k < (size_t)SgtMfccFrameSize(&state); ++k)
        printf(k ? " %.3f" : "%.3f", out[i * SgtMfccFrameSize(&state) + k]);
      printf("\n");
    }
  }
  SgtMfccFreeStateContents(&state);
  return 0;
}
