/* A libFuzzer-free driver for gcc builds (CI): random inputs of random lengths, seeded.
 *   gcc -fsanitize=address,undefined ... fuzz_proto.c fuzz_main.c && ./a.out ITERATIONS SEED */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

static uint64_t rng_state;
static uint32_t Next(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33);
}

int main(int argc, char** argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 100000;
  long i;
  uint8_t buf[4096];
  rng_state = argc > 2 ? (uint64_t)atoll(argv[2]) : 1;
  for (i = 0; i < iterations; ++i) {
    size_t n = Next() % sizeof(buf), k;
    int mode = (int)(Next() % 3);
    for (k = 0; k < n; ++k) {
      uint32_t r = Next();
      /* mode 1 sprinkles sync bytes, mode 2 writes plausible float32 audio patterns */
      buf[k] = (uint8_t)(mode == 1 && (r & 7) == 0 ? 0xA5 : (mode == 2 && (k & 3) == 3 ? ((r & 1) ? 0x3F : 0x7F) : r));
    }
    LLVMFuzzerTestOneInput(buf, n);
  }
  printf("%ld executions, no crash\n", iterations);
  return 0;
}
