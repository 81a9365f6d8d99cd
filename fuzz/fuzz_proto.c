/* Fuzz target for firmware_examples/common/sgt_proto.c: any byte stream, split anywhere.
 * libFuzzer:  clang -g -O1 -fsanitize=fuzzer,address,undefined -I../firmware_examples/common \
 *               ../firmware_examples/common/sgt_proto.c fuzz_proto.c -o fuzz_proto
 * Standalone (gcc, no libFuzzer): add -DSGT_FUZZ_STANDALONE and fuzz_main.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sgt_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SgtProtoDecoder dec;
  size_t i;
  SgtProtoInit(&dec);
  for (i = 0; i < size; ++i) {
    if (SgtProtoFeed(&dec, data[i])) {
      if (dec.count == 0 || dec.count > SGT_PROTO_MAX_CHANNELS) abort();
    }
    if (dec.len > SGT_PROTO_MAX_FRAME) abort();
  }
  return 0;
}
