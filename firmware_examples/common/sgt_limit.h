/* sgt_limit: the firmware's own safety layer between decoded frames and the servos,
 * portable C99 with integer arithmetic only (no FPU needed), no allocation, no globals.
 *
 * Per channel: a range [lo, hi] in centi-units (centi-degrees, or per cent closed x 100 for
 * an eyelid), a neutral value, a speed limit (centi-units per second) and the pulse widths
 * at lo and at hi (swap them for an inverted servo). A frame only sets targets, clamped to
 * the range; SgtLimitStep moves every channel toward its target no faster than its speed
 * limit, so a corrupted frame that passed the CRC can move a servo by at most
 * max_vel x (time until the next good frame). When no frame arrived for watchdog_ms, the
 * targets become neutral (the head eases home at the same speed limit).
 *
 *   static const SgtLimitChannel kCh[] = {{-7000, 7000, 0, 18000, 500, 2500}, ...};
 *   SgtLimiter lim;
 *   SgtLimitInit(&lim, kCh, n, 500, millis());
 *   on a frame:       SgtLimitFrame(&lim, frame->centi, frame->count, millis());
 *   every few ms:     SgtLimitStep(&lim, millis());  then SgtLimitPulseUs(&lim, ch) per servo
 *
 * Times are any free-running millisecond counter (wrap-around is fine). */
#ifndef SGT_LIMIT_H_
#define SGT_LIMIT_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SGT_LIMIT_MAX_CHANNELS 16
#define SGT_LIMIT_MAX_DT_MS 20        /* a stalled loop never turns into one big step */

typedef struct {
  int16_t lo, hi;                     /* range, centi-units */
  int16_t neutral;                    /* within [lo, hi] */
  int32_t max_vel;                    /* centi-units per second, > 0 */
  uint16_t us_at_lo, us_at_hi;        /* pulse widths at lo and at hi */
} SgtLimitChannel;

typedef struct {
  const SgtLimitChannel* ch;          /* the caller's table; must outlive the limiter */
  uint8_t n;
  uint16_t watchdog_ms;
  uint8_t watchdog;                   /* 1 while easing to neutral for lack of frames */
  uint32_t last_frame_ms, last_step_ms;
  int32_t target[SGT_LIMIT_MAX_CHANNELS];
  int32_t current[SGT_LIMIT_MAX_CHANNELS];
  int32_t carry[SGT_LIMIT_MAX_CHANNELS];   /* sub-centi-unit remainder of the speed budget, x1000 */
  uint32_t clamped;                   /* frame values outside a channel's range */
} SgtLimiter;

/* Returns 0, or -1 for a bad table (n out of 1..16, lo >= hi, neutral outside, max_vel <= 0). */
int SgtLimitInit(SgtLimiter* lim, const SgtLimitChannel* ch, uint8_t n, uint16_t watchdog_ms, uint32_t now_ms);
/* Sets the targets of the first min(count, n) channels. */
void SgtLimitFrame(SgtLimiter* lim, const int16_t* centi, uint8_t count, uint32_t now_ms);
/* Advances every channel toward its target; returns 1 if the watchdog is easing to neutral. */
int SgtLimitStep(SgtLimiter* lim, uint32_t now_ms);
/* The pulse width for a channel's current position, always between us_at_lo and us_at_hi. */
uint16_t SgtLimitPulseUs(const SgtLimiter* lim, uint8_t ch);

#ifdef __cplusplus
}
#endif

#endif
