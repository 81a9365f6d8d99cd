/* Config validation of sgt_mfcc.c with no Python (issue #10, defect 5): every bad field value
 * gets its own status code and leaves nothing allocated; edge configs that are valid work and
 * give finite frames. Built with ASan + UBSan where the compiler has them.
 * Prints one line per check that failed; exits 0 when all passed. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgt_mfcc.h"

static int failures = 0;


static void ExpectStatus(const SgtMfccConfig* cfg, SgtMfccStatus want, const char* what) {
  SgtMfccState st;
  SgtMfccStatus got = SgtMfccCheckConfig(cfg);
  size_t i;
  if (got != want) {
    printf("FAIL %s: check gave %d (%s), want %d\n", what, (int)got, SgtMfccStatusString(got), (int)want);
    ++failures;
  }
  memset(&st, 0xAB, sizeof(st));
  got = SgtMfccPopulateState(cfg, &st);
  if (got != want) {
    printf("FAIL %s: populate gave %d (%s), want %d\n", what, (int)got, SgtMfccStatusString(got), (int)want);
    ++failures;
  }
  if (got == SGT_MFCC_OK) {
    SgtMfccFreeStateContents(&st);
    return;
  }
  for (i = 0; i < sizeof(st); ++i) {
    if (((unsigned char*)&st)[i] != 0) {
      printf("FAIL %s: state not zeroed after an error\n", what);
      ++failures;
      return;
    }
  }
}

/* a valid config: populate, stream noise, every value finite, frame count right */
static void ExpectWorks(const SgtMfccConfig* cfg, const char* what) {
  SgtMfccState st;
  SgtMfccStatus status = SgtMfccPopulateState(cfg, &st);
  size_t n = (size_t)cfg->win_length + 3 * (size_t)cfg->hop_length, i, frames, n_read, want;
  float* x;
  float* out;
  if (status != SGT_MFCC_OK) {
    printf("FAIL %s: valid config rejected: %s\n", what, SgtMfccStatusString(status));
    ++failures;
    return;
  }
  want = SgtMfccMaxFrames(&st, n);
  x = malloc(n * sizeof(float));
  out = malloc((want + 1) * (size_t)SgtMfccFrameSize(&st) * sizeof(float));
  srand(3);
  for (i = 0; i < n; ++i) x[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
  frames = SgtMfccProcessSamples(&st, x, n, out, want, &n_read);
  if (frames != 4 || want != 4 || n_read != n) {
    printf("FAIL %s: %zu frames (max %zu), %zu of %zu read\n", what, frames, want, n_read, n);
    ++failures;
  }
  for (i = 0; i < frames * (size_t)SgtMfccFrameSize(&st); ++i) {
    if (!isfinite(out[i])) {
      printf("FAIL %s: non-finite feature %zu\n", what, i);
      ++failures;
      break;
    }
  }
  free(x);
  free(out);
  SgtMfccFreeStateContents(&st);
}

int main(void) {
  SgtMfccConfig cfg;
  SgtMfccState st;
  int code;
  const float nan_ = (float)NAN, inf_ = (float)INFINITY;

#define BAD(stmt, want)                      \
  do {                                       \
    SgtMfccFillConfigWithDefaults(&cfg);     \
    stmt;                                    \
    ExpectStatus(&cfg, want, #stmt);         \
  } while (0)

  /* the reproduction from the issue: n_mels * n_bins overflowed an int */
  BAD((cfg.n_fft = 131072, cfg.n_mels = 65536), SGT_MFCC_ERR_N_FFT);
  BAD((cfg.n_fft = 65536, cfg.win_length = 65536, cfg.n_mels = 65536), SGT_MFCC_ERR_N_MELS);
  BAD(cfg.sample_rate = 0, SGT_MFCC_ERR_SAMPLE_RATE);
  BAD(cfg.sample_rate = 999, SGT_MFCC_ERR_SAMPLE_RATE);
  BAD(cfg.sample_rate = 192001, SGT_MFCC_ERR_SAMPLE_RATE);
  BAD(cfg.sample_rate = INT_MIN, SGT_MFCC_ERR_SAMPLE_RATE);
  BAD(cfg.n_fft = 500, SGT_MFCC_ERR_N_FFT);
  BAD(cfg.n_fft = 2, SGT_MFCC_ERR_N_FFT);
  BAD(cfg.n_fft = 0, SGT_MFCC_ERR_N_FFT);
  BAD(cfg.n_fft = INT_MIN, SGT_MFCC_ERR_N_FFT);
  BAD(cfg.n_fft = INT_MAX, SGT_MFCC_ERR_N_FFT);
  BAD(cfg.n_fft = 1 << 30, SGT_MFCC_ERR_N_FFT);
  BAD(cfg.win_length = 0, SGT_MFCC_ERR_WIN_LENGTH);
  BAD(cfg.win_length = 513, SGT_MFCC_ERR_WIN_LENGTH);
  BAD(cfg.win_length = INT_MAX, SGT_MFCC_ERR_WIN_LENGTH);
  BAD(cfg.hop_length = 0, SGT_MFCC_ERR_HOP_LENGTH);
  BAD(cfg.hop_length = 401, SGT_MFCC_ERR_HOP_LENGTH);
  BAD(cfg.hop_length = INT_MIN, SGT_MFCC_ERR_HOP_LENGTH);
  BAD(cfg.preemph = -0.1f, SGT_MFCC_ERR_PREEMPH);
  BAD(cfg.preemph = 1.0f, SGT_MFCC_ERR_PREEMPH);
  BAD(cfg.preemph = nan_, SGT_MFCC_ERR_PREEMPH);
  BAD(cfg.preemph = -inf_, SGT_MFCC_ERR_PREEMPH);
  BAD(cfg.n_mels = 0, SGT_MFCC_ERR_N_MELS);
  BAD(cfg.n_mels = 513, SGT_MFCC_ERR_N_MELS);
  BAD(cfg.n_mels = INT_MAX, SGT_MFCC_ERR_N_MELS);
  BAD(cfg.n_mfcc = 0, SGT_MFCC_ERR_N_MFCC);
  BAD(cfg.n_mfcc = 41, SGT_MFCC_ERR_N_MFCC);
  BAD(cfg.fmax = 8000.5f, SGT_MFCC_ERR_FMAX);
  BAD(cfg.fmax = 0.0f, SGT_MFCC_ERR_FMAX);
  BAD(cfg.fmax = nan_, SGT_MFCC_ERR_FMAX);
  BAD(cfg.fmax = inf_, SGT_MFCC_ERR_FMAX);
  BAD(cfg.fmin = -1.0f, SGT_MFCC_ERR_FMIN);
  BAD(cfg.fmin = 8000.0f, SGT_MFCC_ERR_FMIN);
  BAD(cfg.fmin = nan_, SGT_MFCC_ERR_FMIN);
  BAD(cfg.log_floor = 0.0f, SGT_MFCC_ERR_LOG_FLOOR);
  BAD(cfg.log_floor = 1e-31f, SGT_MFCC_ERR_LOG_FLOOR);
  BAD(cfg.log_floor = 2.0f, SGT_MFCC_ERR_LOG_FLOOR);
  BAD(cfg.log_floor = nan_, SGT_MFCC_ERR_LOG_FLOOR);
  BAD(cfg.log_floor = inf_, SGT_MFCC_ERR_LOG_FLOOR);

  if (SgtMfccCheckConfig(NULL) != SGT_MFCC_ERR_NULL || SgtMfccPopulateState(NULL, &st) != SGT_MFCC_ERR_NULL) {
    printf("FAIL NULL config accepted\n");
    ++failures;
  }
  SgtMfccFillConfigWithDefaults(&cfg);
  if (SgtMfccPopulateState(&cfg, NULL) != SGT_MFCC_ERR_NULL) {
    printf("FAIL NULL state accepted\n");
    ++failures;
  }
  SgtMfccFreeStateContents(NULL);
  for (code = 0; code <= SGT_MFCC_ERR_SIZE + 1; ++code) {
    const char* text = SgtMfccStatusString((SgtMfccStatus)code);
    if (text == NULL || text[0] == '\0') {
      printf("FAIL no status string for %d\n", code);
      ++failures;
    }
  }

  /* edges of the valid range */
  SgtMfccFillConfigWithDefaults(&cfg);
  ExpectWorks(&cfg, "defaults");
  cfg.n_fft = 4; cfg.win_length = 1; cfg.hop_length = 1; cfg.n_mels = 1; cfg.n_mfcc = 1;
  ExpectWorks(&cfg, "smallest");
  SgtMfccFillConfigWithDefaults(&cfg);
  cfg.sample_rate = 1000; cfg.fmin = 0.0f; cfg.fmax = 500.0f; cfg.n_mels = 512; cfg.n_mfcc = 512;
  cfg.preemph = 0.99999994f; cfg.log_floor = 1e-30f;
  ExpectWorks(&cfg, "many mels at a low rate");
  SgtMfccFillConfigWithDefaults(&cfg);
  cfg.fmin = 4000.0f; cfg.fmax = nextafterf(4000.0f, 8000.0f); cfg.log_floor = 1.0f;
  ExpectWorks(&cfg, "one-ulp mel band");
  SgtMfccFillConfigWithDefaults(&cfg);
  cfg.sample_rate = 192000; cfg.n_fft = 65536; cfg.win_length = 65536; cfg.hop_length = 65536;
  cfg.n_mels = 512; cfg.n_mfcc = 512; cfg.fmax = 96000.0f;
  ExpectWorks(&cfg, "largest");

  if (failures == 0) printf("all config checks passed\n");
  return failures == 0 ? 0 : 1;
}
