/* Host test harness for firmware_examples/common/sgt_proto.c: decodes a byte stream
 * from stdin and prints "seq v0 v1 ..." (centi-degrees) per valid frame, then a summary. */
#include <stdio.h>

#include "sgt_proto.h"

int main(void) {
  SgtProtoDecoder dec;
  int c, i;
  SgtProtoInit(&dec);
  while ((c = getchar()) != EOF) {
    if (SgtProtoFeed(&dec, (uint8_t)c)) {
      printf("%u", dec.seq);
      for (i = 0; i < dec.count; ++i) printf(" %d", dec.centideg[i]);
      printf("\n");
    }
  }
  printf("frames %lu crc_errors %lu\n", (unsigned long)dec.frames, (unsigned long)dec.crc_errors);
  return 0;
}
