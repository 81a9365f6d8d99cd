/* Host test harness for firmware_examples/common/sgt_proto.c: decodes a byte stream from
 * stdin and prints "seq v0 v1 ..." (centi-units) per delivered frame, then a summary.
 * "max_per_byte" is the most frames one byte completed. */
#include <stdio.h>

#include "sgt_proto.h"

static void Print(void* ctx, const SgtProtoFrame* f) {
  int i;
  (void)ctx;
  printf("%u", f->seq);
  for (i = 0; i < f->count; ++i) printf(" %d", f->centi[i]);
  printf("\n");
}

int main(void) {
  SgtProtoDecoder dec;
  int c, got, max_per_byte = 0;
  SgtProtoInit(&dec);
  while ((c = getchar()) != EOF) {
    got = SgtProtoFeed(&dec, (uint8_t)c, Print, NULL);
    if (got > max_per_byte) max_per_byte = got;
  }
  printf("frames %lu crc_errors %lu seq_rejects %lu max_per_byte %d\n", (unsigned long)dec.frames,
         (unsigned long)dec.crc_errors, (unsigned long)dec.seq_rejects, max_per_byte);
  return 0;
}
