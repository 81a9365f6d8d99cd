#include "sgt_limit.h"

#include <string.h>

#ifndef SGT_LIMIT_MIN_US
#define SGT_LIMIT_MIN_US 500          /* the safe pulse range most hobby servos accept */
#endif
#ifndef SGT_LIMIT_MAX_US
#define SGT_LIMIT_MAX_US 2500
#endif
#define MAX_VEL_LIMIT 10000000L       /* keeps max_vel * SGT_LIMIT_MAX_DT_MS inside int32 */

int SgtLimitInit(SgtLimiter* lim, const SgtLimitChannel* ch, uint8_t n, uint16_t watchdog_ms, uint32_t now_ms) {
  uint8_t i;
  memset(lim, 0, sizeof(*lim));
  if (ch == 0 || n == 0 || n > SGT_LIMIT_MAX_CHANNELS) return -1;
  for (i = 0; i < n; ++i) {
    const SgtLimitChannel* c = &ch[i];
    if (c->lo >= c->hi || c->neutral < c->lo || c->neutral > c->hi) return -1;
    if (c->max_vel <= 0 || c->max_vel > MAX_VEL_LIMIT) return -1;
    if (c->us_at_lo < SGT_LIMIT_MIN_US || c->us_at_lo > SGT_LIMIT_MAX_US) return -1;
    if (c->us_at_hi < SGT_LIMIT_MIN_US || c->us_at_hi > SGT_LIMIT_MAX_US) return -1;
  }
  lim->ch = ch;
  lim->n = n;
  lim->watchdog_ms = watchdog_ms;
  lim->last_frame_ms = lim->last_step_ms = now_ms;
  for (i = 0; i < n; ++i) lim->target[i] = lim->current[i] = ch[i].neutral;
  return 0;
}

void SgtLimitFrame(SgtLimiter* lim, const int16_t* centi, uint8_t count, uint32_t now_ms) {
  uint8_t i;
  for (i = 0; i < count && i < lim->n; ++i) {
    int32_t v = centi[i];
    if (v < lim->ch[i].lo || v > lim->ch[i].hi) {
      lim->clamped++;
      v = v < lim->ch[i].lo ? lim->ch[i].lo : lim->ch[i].hi;
    }
    lim->target[i] = v;
  }
  lim->last_frame_ms = now_ms;
  lim->watchdog = 0;
}

int SgtLimitStep(SgtLimiter* lim, uint32_t now_ms) {
  uint32_t dt = now_ms - lim->last_step_ms;
  uint8_t i;
  if (dt > SGT_LIMIT_MAX_DT_MS) dt = SGT_LIMIT_MAX_DT_MS;
  lim->last_step_ms = now_ms;
  if (!lim->watchdog && now_ms - lim->last_frame_ms > lim->watchdog_ms) {
    lim->watchdog = 1;
    for (i = 0; i < lim->n; ++i) lim->target[i] = lim->ch[i].neutral;
  }
  for (i = 0; i < lim->n; ++i) {
    int32_t budget = lim->ch[i].max_vel * (int32_t)dt + lim->carry[i];
    int32_t step = budget / 1000, d = lim->target[i] - lim->current[i];
    if (d <= step && d >= -step) {
      lim->current[i] = lim->target[i];
      lim->carry[i] = 0;
    } else {
      lim->current[i] += d > 0 ? step : -step;
      lim->carry[i] = budget % 1000;
    }
  }
  return lim->watchdog;
}

/* num / den rounded half away from zero, den > 0 (the MicroPython example does the same). */
static int32_t DivRound(int32_t num, int32_t den) {
  return num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
}

uint16_t SgtLimitPulseUs(const SgtLimiter* lim, uint8_t ch) {
  const SgtLimitChannel* c;
  if (ch >= lim->n) return 0;
  c = &lim->ch[ch];
  return (uint16_t)(c->us_at_lo + DivRound((lim->current[ch] - c->lo) * ((int32_t)c->us_at_hi - c->us_at_lo),
                                           (int32_t)c->hi - c->lo));
}
