/* Fuzz target for firmware_examples/common/sgt_proto.c: any byte stream, one byte at a time.
 * Checks that every delivered frame is whole, that the count returned by SgtProtoFeed equals
 * the callbacks made, that the buffer stays in bounds and that delivered seq values advance.
 * libFuzzer:  clang -g -O1 -fsanitize=fuzzer,address,undefined -I../firmware_examples/common \
 *               ../firmware_examples/common/sgt_proto.c fuzz_proto.c -o fuzz_proto
 * Standalone (gcc, no libFuzzer): add -DSGT_FUZZ_STANDALONE and fuzz_main.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sgt_proto.h"

typedef struct {
  int calls;
  int have_last;
  uint8_t last;
} Seen;

static void OnFrame(void* ctx, const SgtProtoFrame* f) {
  Seen* seen = (Seen*)ctx;
  uint8_t ahead = (uint8_t)(f->seq - seen->last);
  if (f->count == 0 || f->count > SGT_PROTO_MAX_CHANNELS) abort();
  /* a duplicate is never delivered; a jump beyond the window only as a resync */
  if (seen->have_last && ahead == 0) abort();
  seen->have_last = 1;
  seen->last = f->seq;
  seen->calls++;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SgtProtoDecoder dec;
  Seen seen = {0, 0, 0};
  size_t i;
  uint32_t delivered = 0;
  SgtProtoInit(&dec);
  for (i = 0; i < size; ++i) {
    int before = seen.calls, got;
    if (size > 8 && i == size / 2 && (data[0] & 1)) {   /* a watchdog fired: any seq is fine next */
      SgtProtoForgetSeq(&dec);
      seen.have_last = 0;
    }
    got = SgtProtoFeed(&dec, data[i], OnFrame, &seen);
    if (got != seen.calls - before || got < 0) abort();
    delivered += (uint32_t)got;
    if (dec.len >= SGT_PROTO_MAX_FRAME) abort();
  }
  if (delivered != dec.frames) abort();
  return 0;
}
