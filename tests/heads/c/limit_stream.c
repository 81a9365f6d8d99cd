/* Host test harness for firmware_examples/common/sgt_limit.c. Reads from stdin:
 *   n watchdog_ms t0                     then n lines: lo hi neutral max_vel us_at_lo us_at_hi
 *   F t count v0 v1 ...                  a frame at time t
 *   S t                                  a step at time t: prints "watchdog cur0.. pulse0.."
 * Prints "init -1" for a table SgtLimitInit refuses. */
#include <stdio.h>

#include "sgt_limit.h"

int main(void) {
  SgtLimitChannel ch[SGT_LIMIT_MAX_CHANNELS];
  SgtLimiter lim;
  unsigned n, wd, i;
  unsigned long t;
  long lo, hi, neutral, vel, ulo, uhi;
  char op;
  if (scanf("%u %u %lu", &n, &wd, &t) != 3 || n > SGT_LIMIT_MAX_CHANNELS) return 2;
  for (i = 0; i < n; ++i) {
    if (scanf("%ld %ld %ld %ld %ld %ld", &lo, &hi, &neutral, &vel, &ulo, &uhi) != 6) return 2;
    ch[i].lo = (int16_t)lo;
    ch[i].hi = (int16_t)hi;
    ch[i].neutral = (int16_t)neutral;
    ch[i].max_vel = (int32_t)vel;
    ch[i].us_at_lo = (uint16_t)ulo;
    ch[i].us_at_hi = (uint16_t)uhi;
  }
  if (SgtLimitInit(&lim, ch, (uint8_t)n, (uint16_t)wd, (uint32_t)t) != 0) {
    printf("init -1\n");
    return 0;
  }
  while (scanf(" %c %lu", &op, &t) == 2) {
    if (op == 'F') {
      int16_t v[SGT_LIMIT_MAX_CHANNELS];
      unsigned count;
      long x;
      if (scanf("%u", &count) != 1 || count > SGT_LIMIT_MAX_CHANNELS) return 2;
      for (i = 0; i < count; ++i) {
        if (scanf("%ld", &x) != 1) return 2;
        v[i] = (int16_t)x;
      }
      SgtLimitFrame(&lim, v, (uint8_t)count, (uint32_t)t);
    } else {
      printf("%d", SgtLimitStep(&lim, (uint32_t)t));
      for (i = 0; i < n; ++i) printf(" %ld", (long)lim.current[i]);
      for (i = 0; i < n; ++i) printf(" %u", (unsigned)SgtLimitPulseUs(&lim, (uint8_t)i));
      printf("\n");
    }
  }
  printf("clamped %lu\n", (unsigned long)lim.clamped);
  return 0;
}
