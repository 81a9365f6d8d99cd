/* Measures how often line noise forms a frame that passes the CRC: feeds N pseudo-random bytes
 * (xorshift64, seeded) through sgt_proto.c and counts the frames delivered; the sequence check
 * is reset after each, so every CRC-valid frame counts. Also counts how many of those a
 * receiver in the middle of a stream would apply (seq 1..SGT_PROTO_SEQ_WINDOW ahead of a
 * random last seq).
 *   cc -O2 -I firmware_examples/common firmware_examples/common/sgt_proto.c tests/heads/c/noise_rate.c
 *   ./a.out LOG2_BYTES SEED */
#include <stdio.h>
#include <stdlib.h>

#include "sgt_proto.h"

static uint64_t state;
static uint64_t Next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

typedef struct {
  unsigned long crc_valid, would_apply;
} Count;

static void OnFrame(void* ctx, const SgtProtoFrame* f) {
  Count* c = (Count*)ctx;
  uint8_t ahead = (uint8_t)(f->seq - (uint8_t)Next());
  c->crc_valid++;
  if (ahead >= 1 && ahead <= SGT_PROTO_SEQ_WINDOW) c->would_apply++;
}

int main(int argc, char** argv) {
  int log2_bytes = argc > 1 ? atoi(argv[1]) : 30;
  unsigned long long n = 1ULL << log2_bytes, i;
  SgtProtoDecoder dec;
  Count c = {0, 0};
  state = 0x9E3779B97F4A7C15ULL ^ (uint64_t)(argc > 2 ? atoll(argv[2]) : 1);
  SgtProtoInit(&dec);
  for (i = 0; i < n; i += 8) {
    uint64_t r = Next();
    int k;
    for (k = 0; k < 8; ++k) {
      if (SgtProtoFeed(&dec, (uint8_t)(r >> (8 * k)), OnFrame, &c)) SgtProtoForgetSeq(&dec);
    }
  }
  printf("bytes %llu crc_valid_frames %lu would_apply %lu bytes_per_frame %.3g hours_at_115200 %.3g\n", n,
         c.crc_valid, c.would_apply, c.crc_valid ? (double)n / c.crc_valid : 0.0,
         c.crc_valid ? (double)n / c.crc_valid / 11520.0 / 3600.0 : 0.0);
  return 0;
}
