/* Fuzz target over the MFCC config *and* the samples (issue #10, defect 5): the first bytes
 * decode an SgtMfccConfig, the rest are float32 samples fed in chunks whose sizes come from the
 * data. Checks, on top of ASan/UBSan:
 *   - SgtMfccCheckConfig accepts exactly the configs an independent re-statement of the
 *     documented bounds accepts (the oracle below), and PopulateState agrees with it;
 *   - a refused config leaves a zeroed state; every status has a message;
 *   - a valid config streams: every sample is consumed, the frame count is SgtMfccMaxFrames,
 *     every feature is finite, and Reset mid-stream is harmless.
 * Byte 0 picks the decoding: raw (every field straight from 4 bytes: NaN, Inf, INT_MIN, ...) or
 * near-valid (fields spread over and just beyond their bounds, so most configs get built).
 * Configs whose tables exceed a budget are only checked, not built, to keep runs fast; the
 * largest valid config is built by tests/audio/c/mfcc_config.c.
 *
 * libFuzzer:  clang -g -O1 -fsanitize=fuzzer,address,undefined -I../sgt_lite/audio/csrc \
 *               ../sgt_lite/audio/csrc/sgt_mfcc.c fuzz_config.c -lm -o fuzz_config
 * gcc (CI):   add fuzz_main.c instead of -fsanitize=fuzzer (see tests/test_fuzz_short.py). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sgt_mfcc.h"

/* configs beyond these are only checked, not built (building is O(n_mels * (n_bins + n_mfcc))) */
#define MEL_BUDGET (1u << 15) /* n_mels * n_bins */
#define DCT_BUDGET (1u << 12) /* n_mels * n_mfcc */
#define MAX_WIN_BUILT 4096

typedef struct {
  const uint8_t* data;
  size_t size, pos;
} Reader;

static uint32_t U32(Reader* r) {
  uint32_t v = 0;
  size_t k;
  for (k = 0; k < 4; ++k) v = (v << 8) | (r->pos < r->size ? r->data[r->pos++] : 0u);
  return v;
}

static unsigned U8(Reader* r) { return r->pos < r->size ? r->data[r->pos++] : 0u; }

static float F32(Reader* r) {
  uint32_t bits = U32(r);
  float f;
  memcpy(&f, &bits, sizeof(f));
  return f;
}

static int I32(Reader* r) {
  uint32_t bits = U32(r);
  int32_t v;
  memcpy(&v, &bits, sizeof(v));
  return (int)v;
}

static void DecodeRaw(Reader* r, SgtMfccConfig* c) {
  c->sample_rate = I32(r);
  c->win_length = I32(r);
  c->hop_length = I32(r);
  c->n_fft = I32(r);
  c->preemph = F32(r);
  c->n_mels = I32(r);
  c->fmin = F32(r);
  c->fmax = F32(r);
  c->n_mfcc = I32(r);
  c->log_floor = F32(r);
}

/* Each field lands mostly inside its bounds and sometimes just outside them. */
static void DecodeNearValid(Reader* r, SgtMfccConfig* c) {
  static const int rates[] = {8000, 16000, 22050, 44100, 48000, 192000, 1000, 999, 192001, 0};
  const unsigned sr_pick = U8(r);
  uint32_t v;
  c->sample_rate = sr_pick < 200 ? rates[sr_pick % 10] : 900 + (int)(U32(r) % 200000u);
  c->n_fft = 1 << (U8(r) % 18); /* 1 .. 131072 */
  v = U32(r);
  c->win_length = (v & 0x80000000u) ? c->n_fft : (int)(v % ((uint32_t)c->n_fft + 2u));
  v = U32(r);
  c->hop_length = c->win_length > 0 ? (int)(v % ((uint32_t)c->win_length + 2u)) : (int)(v % 4u);
  c->preemph = (float)U8(r) / 250.0f - 0.01f; /* -0.01 .. 1.01 */
  v = U32(r); /* half of the time small enough to be built (see the budgets) */
  c->n_mels = (int)((v & 1u) ? (v >> 1) % 520u : (v >> 1) % 66u);
  v = U32(r);
  c->n_mfcc = (int)((v >> 1) % ((uint32_t)c->n_mels + 2u));
  if (!(v & 1u) && c->n_mfcc > 24) c->n_mfcc = (int)((v >> 1) % 25u);
  {
    const float nyq = 0.5f * (float)c->sample_rate;
    const float a = (float)(U32(r) % 100001u) / 100000.0f * 1.01f;
    const float b = (float)(U32(r) % 100001u) / 100000.0f * 1.01f;
    const unsigned special = U8(r);
    c->fmax = nyq * (a > b ? a : b);
    c->fmin = nyq * (a > b ? b : a) - (special == 1 ? 1.0f : 0.0f);
    if (special == 2) c->fmax = nextafterf(c->fmin, INFINITY);  /* a one-ulp band */
    if (special == 3) c->fmin = c->fmax;
    if (special == 4) c->fmax = (float)NAN;
  }
  c->log_floor = powf(10.0f, -(float)(U8(r) % 34)); /* 1 .. 1e-33 */
}

/* The documented bounds (sgt_mfcc.h), restated independently of SgtMfccCheckConfig. */
static int Valid(const SgtMfccConfig* c) {
  const double nyq = c->sample_rate / 2.0;
  int pow2 = 0, n;
  for (n = 4; n <= 65536; n *= 2) pow2 |= c->n_fft == n;
  return c->sample_rate >= 1000 && c->sample_rate <= 192000 && pow2 && c->win_length >= 1 &&
         c->win_length <= c->n_fft && c->hop_length >= 1 && c->hop_length <= c->win_length &&
         isfinite(c->preemph) && c->preemph >= 0.0f && c->preemph < 1.0f && c->n_mels >= 1 &&
         c->n_mels <= 512 && c->n_mfcc >= 1 && c->n_mfcc <= c->n_mels && isfinite(c->fmax) &&
         c->fmax > 0.0f && (double)c->fmax <= nyq && isfinite(c->fmin) && c->fmin >= 0.0f &&
         c->fmin < c->fmax && isfinite(c->log_floor) && c->log_floor >= 1e-30f &&
         c->log_floor <= 1.0f;
}

static int AllZero(const void* p, size_t n) {
  const unsigned char* b = (const unsigned char*)p;
  size_t i;
  for (i = 0; i < n; ++i)
    if (b[i]) return 0;
  return 1;
}

static void Stream(const SgtMfccConfig* cfg, Reader* r) {
  SgtMfccState st;
  float samples[256];
  float* out;
  const size_t frame_size = (size_t)cfg->n_mfcc + 1;
  const unsigned repeats = 1 + U8(r) % 8;
  const unsigned reset_at = U8(r);
  const size_t start = r->pos;
  unsigned rep, step = 0;
  if (SgtMfccPopulateState(cfg, &st) != SGT_MFCC_OK) abort(); /* valid and small: must build */
  if (SgtMfccFrameSize(&st) != (int)frame_size) abort();
  out = malloc(sizeof(float) * frame_size * 300);
  if (out == NULL) abort();
  for (rep = 0; rep < repeats; ++rep) {
    r->pos = start;
    while (r->pos + 4 <= r->size) {
      size_t n = 1 + U8(r) % 256, bytes = n * 4, max_frames, frames, n_read, k;
      if (r->pos + bytes > r->size) bytes = (r->size - r->pos) / 4 * 4;
      n = bytes / 4;
      memcpy(samples, r->data + r->pos, bytes);
      r->pos += bytes;
      max_frames = SgtMfccMaxFrames(&st, n);
      if (max_frames > 300) abort(); /* 256 samples never complete more than 256 frames */
      frames = SgtMfccProcessSamples(&st, samples, n, out, max_frames, &n_read);
      if (frames != max_frames || n_read != n) abort();
      if (st.filled < 0 || st.filled >= cfg->win_length) abort();
      for (k = 0; k < frames * frame_size; ++k)
        if (!isfinite(out[k])) abort();
      if (++step == reset_at) SgtMfccReset(&st);
    }
  }
  free(out);
  SgtMfccFreeStateContents(&st);
  SgtMfccFreeStateContents(&st); /* documented as safe */
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r = {data, size, 0};
  SgtMfccConfig cfg;
  SgtMfccState st;
  SgtMfccStatus status;
  const unsigned mode = U8(&r);
  SgtMfccFillConfigWithDefaults(&cfg);
  if (mode % 4 == 0)
    DecodeRaw(&r, &cfg);
  else if (mode % 4 != 3) /* mode 3 keeps the defaults: all the bytes go to the samples */
    DecodeNearValid(&r, &cfg);
  status = SgtMfccCheckConfig(&cfg);
  if (SgtMfccStatusString(status) == NULL) abort();
  if ((status == SGT_MFCC_OK) != Valid(&cfg)) abort();
  if (status != SGT_MFCC_OK) {
    if (!SGT_MFCC_IS_CONFIG_ERROR(status)) abort();
    memset(&st, 0x5A, sizeof(st));
    if (SgtMfccPopulateState(&cfg, &st) != status || !AllZero(&st, sizeof(st))) abort();
    SgtMfccFreeStateContents(&st); /* safe on the zeroed state */
    return 0;
  }
  if ((size_t)cfg.n_mels * (size_t)(cfg.n_fft / 2 + 1) > MEL_BUDGET ||
      (size_t)cfg.n_mels * (size_t)cfg.n_mfcc > DCT_BUDGET || cfg.win_length > MAX_WIN_BUILT)
    return 0;
  Stream(&cfg, &r);
  return 0;
}
