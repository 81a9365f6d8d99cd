/* Streaming MFCC + log-energy. See sgt_mfcc.h for the contract. */
#include "sgt_mfcc.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* On x86-64, GCC and clang build the frame computation twice, for AVX2 and for the baseline
 * (SSE2), and PopulateState picks one from the CPU. Both run the same operations in the same
 * order on every value (no FMA: AVX2 does not imply it, and -ffp-contract=off forbids
 * contraction), so their results are identical, which tests/audio/test_mfcc_c_core.py
 * checks. Define SGT_MFCC_NO_CLONES to build the baseline only. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute) && \
    !defined(SGT_MFCC_NO_CLONES) && !defined(__clang_analyzer__)
#if __has_attribute(target)
#define SGT_MFCC_AVX2 1
#endif
#endif
#ifndef SGT_MFCC_AVX2
#define SGT_MFCC_AVX2 0
#endif
/* the FFT helpers are inlined into each version, so each is built for its target */
#if defined(__GNUC__)
#define SGT_MFCC_INLINE static inline __attribute__((always_inline))
#else
#define SGT_MFCC_INLINE static
#endif

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

void SgtMfccFillConfigWithDefaults(SgtMfccConfig* config) {
  config->sample_rate = 16000;
  config->win_length = 400;
  config->hop_length = 160;
  config->n_fft = 512;
  config->preemph = 0.97f;
  config->n_mels = 40;
  config->fmin = 20.0f;
  config->fmax = 8000.0f;
  config->n_mfcc = 13;
  config->log_floor = 1e-10f;
}

/* Slaney's auditory-toolbox mel scale (librosa's default, htk=False). */
static double HzToMel(double hz) {
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0;
  const double min_log_mel = min_log_hz / f_sp, logstep = log(6.4) / 27.0;
  if (hz < min_log_hz) return hz / f_sp;
  return min_log_mel + log(hz / min_log_hz) / logstep;
}

static double MelToHz(double mel) {
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0;
  const double min_log_mel = min_log_hz / f_sp, logstep = log(6.4) / 27.0;
  if (mel < min_log_mel) return f_sp * mel;
  return min_log_hz * exp(logstep * (mel - min_log_mel));
}

static int IsPowerOfTwo(int n) { return n > 0 && (n & (n - 1)) == 0; }

/* Comparisons are written so that NaN fails them. */
SgtMfccStatus SgtMfccCheckConfig(const SgtMfccConfig* c) {
  if (c == NULL) return SGT_MFCC_ERR_NULL;
  if (c->sample_rate < SGT_MFCC_MIN_SAMPLE_RATE || c->sample_rate > SGT_MFCC_MAX_SAMPLE_RATE)
    return SGT_MFCC_ERR_SAMPLE_RATE;
  if (!IsPowerOfTwo(c->n_fft) || c->n_fft < SGT_MFCC_MIN_N_FFT || c->n_fft > SGT_MFCC_MAX_N_FFT)
    return SGT_MFCC_ERR_N_FFT;
  if (c->win_length <= 0 || c->win_length > c->n_fft) return SGT_MFCC_ERR_WIN_LENGTH;
  if (c->hop_length <= 0 || c->hop_length > c->win_length) return SGT_MFCC_ERR_HOP_LENGTH;
  if (!(c->preemph >= 0.0f && c->preemph < 1.0f)) return SGT_MFCC_ERR_PREEMPH;
  if (c->n_mels <= 0 || c->n_mels > SGT_MFCC_MAX_N_MELS) return SGT_MFCC_ERR_N_MELS;
  if (c->n_mfcc <= 0 || c->n_mfcc > c->n_mels) return SGT_MFCC_ERR_N_MFCC;
  if (!(c->fmax > 0.0f && c->fmax <= 0.5f * (float)c->sample_rate)) return SGT_MFCC_ERR_FMAX;
  if (!(c->fmin >= 0.0f && c->fmin < c->fmax)) return SGT_MFCC_ERR_FMIN;
  if (!(c->log_floor >= SGT_MFCC_MIN_LOG_FLOOR && c->log_floor <= SGT_MFCC_MAX_LOG_FLOOR))
    return SGT_MFCC_ERR_LOG_FLOOR;
  return SGT_MFCC_OK;
}

const char* SgtMfccStatusString(SgtMfccStatus status) {
  switch (status) {
    case SGT_MFCC_OK: return "ok";
    case SGT_MFCC_ERR_NULL: return "a NULL config or state pointer";
    case SGT_MFCC_ERR_NOMEM: return "out of memory while allocating the MFCC tables";
    case SGT_MFCC_ERR_SAMPLE_RATE: return "sample_rate must be an integer in [1000, 192000] Hz";
    case SGT_MFCC_ERR_N_FFT: return "n_fft must be a power of two in [4, 65536]";
    case SGT_MFCC_ERR_WIN_LENGTH: return "win_length must be an integer in [1, n_fft]";
    case SGT_MFCC_ERR_HOP_LENGTH: return "hop_length must be an integer in [1, win_length]";
    case SGT_MFCC_ERR_PREEMPH: return "preemph must be a number in [0, 1)";
    case SGT_MFCC_ERR_N_MELS: return "n_mels must be an integer in [1, 512]";
    case SGT_MFCC_ERR_N_MFCC: return "n_mfcc must be an integer in [1, n_mels]";
    case SGT_MFCC_ERR_FMIN: return "fmin must be a number >= 0 and < fmax";
    case SGT_MFCC_ERR_FMAX: return "fmax must be a number > 0 and <= sample_rate / 2";
    case SGT_MFCC_ERR_LOG_FLOOR: return "log_floor must be a number in [1e-30, 1]";
    case SGT_MFCC_ERR_SIZE: return "the MFCC tables for this config overflow size_t";
  }
  return "unknown SgtMfccStatus";
}

/* count * size in *out, or 0 when it overflows size_t. */
static int MulSize(size_t count, size_t size, size_t* out) {
  if (size != 0 && count > (size_t)-1 / size) return 0;
  *out = count * size;
  return 1;
}

static void* AllocArray(size_t count, size_t size) {
  size_t bytes;
  if (!MulSize(count, size, &bytes)) return NULL;
  return calloc(count ? count : 1, size);
}

#define SGT_ALLOC(ptr, count)                                   \
  do {                                                          \
    (ptr) = AllocArray((size_t)(count), sizeof(*(ptr)));        \
    if ((ptr) == NULL) goto nomem;                              \
  } while (0)

/* n rounded up to a multiple of 4 (n >= 0 and far below INT_MAX here). */
static int Round4(int n) { return (n + 3) & ~3; }

/* Slaney-normalised triangle m at bin k (0 outside the triangle). */
static double MelWeight(const SgtMfccState* s, const double* hz, int m, int k) {
  const SgtMfccConfig* c = &s->config;
  const double lower_w = hz[m + 1] - hz[m], upper_w = hz[m + 2] - hz[m + 1];
  const double enorm = 2.0 / (hz[m + 2] - hz[m]);
  const double f = (double)k * c->sample_rate / c->n_fft;
  const double lower = (f - hz[m]) / lower_w;
  const double upper = (hz[m + 2] - f) / upper_w;
  double w = lower < upper ? lower : upper;
  if (w < 0.0) w = 0.0;
  return w * enorm;
}

/* Stores only each filter's non-zero run, padded with zeros to a multiple of 4 (the sums
 * then run in whole vectors): at most about 2 * n_bins + 4 * n_mels weights in all, where the
 * dense matrix would hold n_mels * n_bins. */
static SgtMfccStatus FillMelFilterbank(SgtMfccState* s) {
  const SgtMfccConfig* c = &s->config;
  const int n_pts = c->n_mels + 2;
  double* hz = malloc(sizeof(double) * (size_t)n_pts);
  const double mel_lo = HzToMel(c->fmin), mel_hi = HzToMel(c->fmax);
  size_t total = 0;
  int m, k, start = 0;
  if (hz == NULL) return SGT_MFCC_ERR_NOMEM;
  for (m = 0; m < n_pts; ++m)
    hz[m] = MelToHz(mel_lo + (mel_hi - mel_lo) * m / (double)(n_pts - 1));
  for (m = 0; m < c->n_mels; ++m) {
    /* filter m is non-zero exactly where hz[m] < f < hz[m + 2]: no bin below the previous
     * filter's first one, none from hz[m + 2] up, so the scan covers each bin about twice */
    int first = -1, last = 0;
    for (k = start; k < s->n_bins && (double)k * c->sample_rate / c->n_fft < hz[m + 2]; ++k) {
      if (MelWeight(s, hz, m, k) > 0.0) {
        if (first < 0) first = k;
        last = k + 1;
      }
    }
    if (first >= 0) start = first;
    s->mel_first[m] = first < 0 ? 0 : first;
    s->mel_last[m] = last;
    s->mel_offset[m] = total;
    if ((size_t)Round4(last - s->mel_first[m]) > (size_t)-1 - total) {
      free(hz);
      return SGT_MFCC_ERR_SIZE;
    }
    total += (size_t)Round4(last - s->mel_first[m]);
  }
  s->mel_weights = AllocArray(total, sizeof(sgt_real));
  if (s->mel_weights == NULL) {
    free(hz);
    return SGT_MFCC_ERR_NOMEM;
  }
  for (m = 0; m < c->n_mels; ++m)
    for (k = s->mel_first[m]; k < s->mel_last[m]; ++k)
      s->mel_weights[s->mel_offset[m] + (size_t)(k - s->mel_first[m])] =
          (sgt_real)MelWeight(s, hz, m, k);
  free(hz);
  return SGT_MFCC_OK;
}

/* Twiddles of the radix-4 steps of the p-point FFT (see Radix4), step after step: for a step
 * of length n, six arrays of n / 4 values (w1 re, w1 im, w2 re, w2 im, w3 re, w3 im), where
 * wr = exp(-2 pi i r q / n) for group q. Fewer than 2 p values in all. */
static void FillTwiddles(sgt_fft_real* tw, int p) {
  int n, q, r;
  for (n = p; n >= 4; n /= 4) {
    const int m = n / 4;
    for (r = 1; r <= 3; ++r)
      for (q = 0; q < m; ++q) {
        tw[(2 * r - 2) * m + q] = (sgt_fft_real)cos(2.0 * M_PI * r * q / n);
        tw[(2 * r - 1) * m + q] = (sgt_fft_real)-sin(2.0 * M_PI * r * q / n);
      }
    tw += 6 * m;
  }
}

/* Extra room in the sample buffer beyond one window, in samples: whole hops, about 4096. */
static int BlockSamples(int hop) { return hop * (1 + 4096 / hop); }

SgtMfccStatus SgtMfccPopulateState(const SgtMfccConfig* config, SgtMfccState* s) {
  int i, k, half, block;
  size_t n_dct, n_bytes;
  SgtMfccStatus status;
  if (s == NULL) return SGT_MFCC_ERR_NULL;
  memset(s, 0, sizeof(*s));
  status = SgtMfccCheckConfig(config);
  if (status != SGT_MFCC_OK) return status;
  s->config = *config;
  s->n_bins = config->n_fft / 2 + 1;
  half = config->n_fft / 2;
  block = BlockSamples(config->hop_length);
  /* the largest tables, in elements and in bytes: fail cleanly where size_t is small */
  if (!MulSize((size_t)Round4(config->n_mfcc), (size_t)config->n_mels, &n_dct) ||
      !MulSize(n_dct, sizeof(sgt_real), &n_bytes) ||
      block > INT_MAX - config->win_length ||
      !MulSize((size_t)config->win_length + (size_t)block, sizeof(float), &n_bytes)) {
    memset(s, 0, sizeof(*s));
    return SGT_MFCC_ERR_SIZE;
  }
  s->capacity = config->win_length + block;

  SGT_ALLOC(s->window, config->win_length);
  SGT_ALLOC(s->twiddles, 2 * half);
  SGT_ALLOC(s->post_cos, half);
  SGT_ALLOC(s->post_sin, half);
  SGT_ALLOC(s->fft_re[0], half);
  SGT_ALLOC(s->fft_im[0], half);
  SGT_ALLOC(s->fft_re[1], half);
  SGT_ALLOC(s->fft_im[1], half);
  SGT_ALLOC(s->power, s->n_bins + 3); /* + 3 zeros: the padded mel sums read them */
  SGT_ALLOC(s->mel_offset, config->n_mels);
  SGT_ALLOC(s->mel_first, config->n_mels);
  SGT_ALLOC(s->mel_last, config->n_mels);
  SGT_ALLOC(s->dct, n_dct);
  SGT_ALLOC(s->logmel, config->n_mels + 1);
  SGT_ALLOC(s->mfcc, Round4(config->n_mfcc));
  SGT_ALLOC(s->frame, s->capacity);
  SGT_ALLOC(s->raw, s->capacity);

  /* Periodic Hann, as scipy.signal.get_window("hann", N, fftbins=True). */
  for (i = 0; i < config->win_length; ++i)
    s->window[i] = (sgt_fft_real)(0.5 - 0.5 * cos(2.0 * M_PI * i / config->win_length));

  status = FillMelFilterbank(s);
  if (status != SGT_MFCC_OK) {
    SgtMfccFreeStateContents(s);
    return status;
  }

  for (k = 0; k < config->n_mfcc; ++k) {
    const double scale = k == 0 ? sqrt(1.0 / config->n_mels) : sqrt(2.0 / config->n_mels);
    for (i = 0; i < config->n_mels; ++i)
      s->dct[(size_t)i * (size_t)Round4(config->n_mfcc) + (size_t)k] =
          (sgt_real)(scale * cos(M_PI * k * (2.0 * i + 1.0) / (2.0 * config->n_mels)));
  }

  FillTwiddles(s->twiddles, half);
  for (i = 0; i < half; ++i) {
    s->post_cos[i] = (sgt_fft_real)cos(2.0 * M_PI * i / config->n_fft);
    s->post_sin[i] = (sgt_fft_real)sin(2.0 * M_PI * i / config->n_fft);
  }
#if SGT_MFCC_AVX2
  __builtin_cpu_init();
  s->simd = __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
  SgtMfccReset(s);
  return SGT_MFCC_OK;

nomem:
  SgtMfccFreeStateContents(s);
  return SGT_MFCC_ERR_NOMEM;
}

int SgtMfccFrameSize(const SgtMfccState* s) { return s->config.n_mfcc + 1; }

size_t SgtMfccMaxFrames(const SgtMfccState* s, size_t num_samples) {
  const size_t win = (size_t)s->config.win_length;
  const size_t filled = (size_t)s->filled;
  if (num_samples < win - filled) return 0;
  /* (filled + num_samples - win) without overflowing size_t */
  return (num_samples - (win - filled)) / (size_t)s->config.hop_length + 1;
}

/* The complex FFT of n_fft / 2 points is a Stockham (self-sorting) radix-4 one, with a
 * final radix-2 step when the size is 2 * 4^k: in natural order in and out, ping-ponging
 * between two split re/im buffers. The first step runs over the butterfly groups (its
 * four outputs interleave; the compiler vectorises that with shuffles); every later step
 * runs over contiguous blocks of 4, 16, 64... values that share one scalar twiddle. Each
 * value is computed by the same expression in the same order whatever the vector width,
 * so the results do not depend on it (and -ffp-contract=off keeps FMA out). */

/* The first radix-4 step (blocks of one value): group q takes x[q], x[q + m], x[q + 2m],
 * x[q + 3m] to y[4q .. 4q + 3], with the twiddles of group q in tw (see FillTwiddles). */
SGT_MFCC_INLINE void Radix4First(const sgt_fft_real* restrict xr, const sgt_fft_real* restrict xi,
                                 sgt_fft_real* restrict yr, sgt_fft_real* restrict yi, int m,
                                 const sgt_fft_real* restrict tw) {
  int q;
  for (q = 0; q < m; ++q) {
    const sgt_fft_real w1r = tw[q], w1i = tw[m + q], w2r = tw[2 * m + q];
    const sgt_fft_real w2i = tw[3 * m + q], w3r = tw[4 * m + q], w3i = tw[5 * m + q];
    const sgt_fft_real pr = xr[q] + xr[q + 2 * m], pi = xi[q] + xi[q + 2 * m];
    const sgt_fft_real mr = xr[q] - xr[q + 2 * m], mi = xi[q] - xi[q + 2 * m];
    const sgt_fft_real sr = xr[q + m] + xr[q + 3 * m], si = xi[q + m] + xi[q + 3 * m];
    const sgt_fft_real jr = -(xi[q + m] - xi[q + 3 * m]), ji = xr[q + m] - xr[q + 3 * m];
    const sgt_fft_real u1r = mr - jr, u1i = mi - ji;
    const sgt_fft_real u2r = pr - sr, u2i = pi - si;
    const sgt_fft_real u3r = mr + jr, u3i = mi + ji;
    yr[4 * q] = pr + sr;
    yi[4 * q] = pi + si;
    yr[4 * q + 1] = w1r * u1r - w1i * u1i;
    yi[4 * q + 1] = w1r * u1i + w1i * u1r;
    yr[4 * q + 2] = w2r * u2r - w2i * u2i;
    yi[4 * q + 2] = w2r * u2i + w2i * u2r;
    yr[4 * q + 3] = w3r * u3r - w3i * u3i;
    yi[4 * q + 3] = w3r * u3i + w3i * u3r;
  }
}

/* GCC and clang vector extensions: plain element-wise IEEE arithmetic on 2 or 4 values at a
 * time (the AVX2 version uses 4, the baseline 2: SSE2 and NEON registers). GCC does not
 * vectorise the short row loops of the FFT well by itself (4 values with AVX2 stay scalar).
 * Other compilers use the plain loops. Macros, not functions: a vector argument or return
 * value would change the calling ABI. */
#if defined(__GNUC__) && !defined(SGT_MFCC_NO_VECTOR_EXT)
#define SGT_MFCC_VEC 1
typedef sgt_fft_real sgt_v2 __attribute__((vector_size(2 * sizeof(sgt_fft_real))));
typedef sgt_fft_real sgt_v4 __attribute__((vector_size(4 * sizeof(sgt_fft_real))));
#define SGT_SPLAT2(x) {x, x}
#define SGT_SPLAT4(x) {x, x, x, x}
/* one radix-4 butterfly row loop on vectors of type VT (W values, SPLAT broadcasts); TW 0 for
 * the group whose twiddles are all 1 */
#define SGT_BUTTERFLY4_VEC(VT, W, SPLAT, TW)                                      \
  do {                                                                          \
    const VT v1r = SPLAT(w1r), v1i = SPLAT(w1i), v2r = SPLAT(w2r);              \
    const VT v2i = SPLAT(w2i), v3r = SPLAT(w3r), v3i = SPLAT(w3i);              \
    for (r = 0; r < span; r += (W)) {                                           \
      VT a_r, a_i, b_r, b_i, c_r, c_i, d_r, d_i, pr, pi, mr, mi, sr, si, jr, ji; \
      VT u1r, u1i, u2r, u2i, u3r, u3i, t;                                       \
      memcpy(&a_r, ar + r, sizeof a_r);                                         \
      memcpy(&a_i, ai + r, sizeof a_i);                                         \
      memcpy(&b_r, br + r, sizeof b_r);                                         \
      memcpy(&b_i, bi + r, sizeof b_i);                                         \
      memcpy(&c_r, cr + r, sizeof c_r);                                         \
      memcpy(&c_i, ci + r, sizeof c_i);                                         \
      memcpy(&d_r, dr + r, sizeof d_r);                                         \
      memcpy(&d_i, di + r, sizeof d_i);                                         \
      pr = a_r + c_r;                                                           \
      pi = a_i + c_i;                                                           \
      mr = a_r - c_r;                                                           \
      mi = a_i - c_i;                                                           \
      sr = b_r + d_r;                                                           \
      si = b_i + d_i;                                                           \
      jr = -(b_i - d_i);                                                        \
      ji = b_r - d_r;                                                           \
      u1r = mr - jr;                                                            \
      u1i = mi - ji;                                                            \
      u2r = pr - sr;                                                            \
      u2i = pi - si;                                                            \
      u3r = mr + jr;                                                            \
      u3i = mi + ji;                                                            \
      t = pr + sr;                                                              \
      memcpy(y0r + r, &t, sizeof t);                                            \
      t = pi + si;                                                              \
      memcpy(y0i + r, &t, sizeof t);                                            \
      if (TW) {                                                                 \
        t = v1r * u1r - v1i * u1i;                                              \
        u1i = v1r * u1i + v1i * u1r;                                            \
        u1r = t;                                                                \
        t = v2r * u2r - v2i * u2i;                                              \
        u2i = v2r * u2i + v2i * u2r;                                            \
        u2r = t;                                                                \
        t = v3r * u3r - v3i * u3i;                                              \
        u3i = v3r * u3i + v3i * u3r;                                            \
        u3r = t;                                                                \
      }                                                                         \
      memcpy(y1r + r, &u1r, sizeof u1r);                                        \
      memcpy(y1i + r, &u1i, sizeof u1i);                                        \
      memcpy(y2r + r, &u2r, sizeof u2r);                                        \
      memcpy(y2i + r, &u2i, sizeof u2i);                                        \
      memcpy(y3r + r, &u3r, sizeof u3r);                                        \
      memcpy(y3i + r, &u3i, sizeof u3i);                                        \
    }                                                                           \
  } while (0)
#else
#define SGT_MFCC_VEC 0
#endif

/* One radix-4 butterfly group on rows of `span` values. Every row is its own restrict
 * pointer: GCC cannot otherwise prove that rows of one array do not overlap, and gives
 * up vectorising. q0 marks the group whose twiddles are all 1. */
SGT_MFCC_INLINE void Butterfly4(const sgt_fft_real* restrict ar, const sgt_fft_real* restrict ai,
                       const sgt_fft_real* restrict br, const sgt_fft_real* restrict bi,
                       const sgt_fft_real* restrict cr, const sgt_fft_real* restrict ci,
                       const sgt_fft_real* restrict dr, const sgt_fft_real* restrict di,
                       sgt_fft_real* restrict y0r, sgt_fft_real* restrict y0i,
                       sgt_fft_real* restrict y1r, sgt_fft_real* restrict y1i,
                       sgt_fft_real* restrict y2r, sgt_fft_real* restrict y2i,
                       sgt_fft_real* restrict y3r, sgt_fft_real* restrict y3i, int span,
                       const sgt_fft_real* restrict tw, int q0, int vw) {
  const sgt_fft_real w1r = tw[0], w1i = tw[1], w2r = tw[2], w2i = tw[3], w3r = tw[4], w3i = tw[5];
  int r;
#if SGT_MFCC_VEC
  if (vw == 4 && span % 4 == 0) {
    if (q0)
      SGT_BUTTERFLY4_VEC(sgt_v4, 4, SGT_SPLAT4, 0);
    else
      SGT_BUTTERFLY4_VEC(sgt_v4, 4, SGT_SPLAT4, 1);
    return;
  }
  if (vw == 2 && span % 2 == 0) {
    if (q0)
      SGT_BUTTERFLY4_VEC(sgt_v2, 2, SGT_SPLAT2, 0);
    else
      SGT_BUTTERFLY4_VEC(sgt_v2, 2, SGT_SPLAT2, 1);
    return;
  }
#else
  (void)vw;
#endif
  if (q0) {
    for (r = 0; r < span; ++r) {
      const sgt_fft_real pr = ar[r] + cr[r], pi = ai[r] + ci[r];
      const sgt_fft_real mr = ar[r] - cr[r], mi = ai[r] - ci[r];
      const sgt_fft_real sr = br[r] + dr[r], si = bi[r] + di[r];
      const sgt_fft_real jr = -(bi[r] - di[r]), ji = br[r] - dr[r]; /* i (b - d) */
      y0r[r] = pr + sr;
      y0i[r] = pi + si;
      y1r[r] = mr - jr;
      y1i[r] = mi - ji;
      y2r[r] = pr - sr;
      y2i[r] = pi - si;
      y3r[r] = mr + jr;
      y3i[r] = mi + ji;
    }
    return;
  }
  for (r = 0; r < span; ++r) {
    const sgt_fft_real pr = ar[r] + cr[r], pi = ai[r] + ci[r];
    const sgt_fft_real mr = ar[r] - cr[r], mi = ai[r] - ci[r];
    const sgt_fft_real sr = br[r] + dr[r], si = bi[r] + di[r];
    const sgt_fft_real jr = -(bi[r] - di[r]), ji = br[r] - dr[r];
    const sgt_fft_real u1r = mr - jr, u1i = mi - ji;
    const sgt_fft_real u2r = pr - sr, u2i = pi - si;
    const sgt_fft_real u3r = mr + jr, u3i = mi + ji;
    y0r[r] = pr + sr;
    y0i[r] = pi + si;
    y1r[r] = w1r * u1r - w1i * u1i;
    y1i[r] = w1r * u1i + w1i * u1r;
    y2r[r] = w2r * u2r - w2i * u2i;
    y2i[r] = w2r * u2i + w2i * u2r;
    y3r[r] = w3r * u3r - w3i * u3i;
    y3i[r] = w3r * u3i + w3i * u3r;
  }
}

/* One radix-4 step of a Stockham FFT: m groups of four input row blocks of `span` values. */
SGT_MFCC_INLINE void Radix4Span(const sgt_fft_real* xr, const sgt_fft_real* xi, sgt_fft_real* yr,
                                sgt_fft_real* yi, int m, int span, const sgt_fft_real* tw, int vw) {
  const size_t b = (size_t)m * (size_t)span, sp = (size_t)span;
  int q;
  for (q = 0; q < m; ++q) {
    const size_t a = (size_t)q * sp, y = 4 * a;
    const sgt_fft_real w[6] = {tw[q], tw[m + q], tw[2 * m + q], tw[3 * m + q], tw[4 * m + q],
                               tw[5 * m + q]};
    Butterfly4(xr + a, xi + a, xr + a + b, xi + a + b, xr + a + 2 * b, xi + a + 2 * b,
               xr + a + 3 * b, xi + a + 3 * b, yr + y, yi + y, yr + y + sp, yi + y + sp,
               yr + y + 2 * sp, yi + y + 2 * sp, yr + y + 3 * sp, yi + y + 3 * sp, span, w,
               q == 0, vw);
  }
}

/* Blocks of 4 and 16 values (the second and third steps of the 256-point FFT) get a copy
 * with the block size as a constant: the row loop unrolls into whole vectors. */
SGT_MFCC_INLINE void Radix4(const sgt_fft_real* xr, const sgt_fft_real* xi, sgt_fft_real* yr,
                            sgt_fft_real* yi, int m, int span, const sgt_fft_real* tw, int vw) {
  if (span == 4)
    Radix4Span(xr, xi, yr, yi, m, 4, tw, vw);
  else if (span == 16)
    Radix4Span(xr, xi, yr, yi, m, 16, tw, vw);
  else
    Radix4Span(xr, xi, yr, yi, m, span, tw, vw);
}

SGT_MFCC_INLINE void Butterfly2(const sgt_fft_real* restrict ar, const sgt_fft_real* restrict ai,
                       const sgt_fft_real* restrict br, const sgt_fft_real* restrict bi,
                       sgt_fft_real* restrict y0r, sgt_fft_real* restrict y0i,
                       sgt_fft_real* restrict y1r, sgt_fft_real* restrict y1i, int span) {
  int r;
  for (r = 0; r < span; ++r) {
    y0r[r] = ar[r] + br[r];
    y0i[r] = ai[r] + bi[r];
    y1r[r] = ar[r] - br[r];
    y1i[r] = ai[r] - bi[r];
  }
}

/* The last step of an FFT whose size is 2 * 4^k: butterflies with twiddle 1. */
SGT_MFCC_INLINE void Radix2(const sgt_fft_real* xr, const sgt_fft_real* xi, sgt_fft_real* yr,
                   sgt_fft_real* yi, int span) {
  Butterfly2(xr, xi, xr + span, xi + span, yr, yi, yr + span, yi + span, span);
}

/* The p-point FFT of buffer *cur of the state; *cur becomes the buffer with the result. */
SGT_MFCC_INLINE void Fft(SgtMfccState* s, int* cur, int p, int vw) {
  const sgt_fft_real* tw = s->twiddles;
  int n = p, span = 1;
  while (n >= 4) {
    if (span == 1)
      Radix4First(s->fft_re[*cur], s->fft_im[*cur], s->fft_re[!*cur], s->fft_im[!*cur], n / 4, tw);
    else
      Radix4(s->fft_re[*cur], s->fft_im[*cur], s->fft_re[!*cur], s->fft_im[!*cur], n / 4, span, tw,
             vw);
    tw += 6 * (n / 4);
    *cur = !*cur;
    n /= 4;
    span *= 4;
  }
  if (n == 2) {
    Radix2(s->fft_re[*cur], s->fft_im[*cur], s->fft_re[!*cur], s->fft_im[!*cur], span);
    *cur = !*cur;
  }
}

/* The power spectrum of the real frame from the FFT X of its even/odd samples as one complex
 * signal. Bins k and half - k come from the same two points X[k], X[half - k]; their twiddles
 * are (c, s) and (-c, s). `top` is power + half, a pointer of its own so that the stores
 * going down do not look like they could overlap the ones going up. */
SGT_MFCC_INLINE void RealSplit(const sgt_fft_real* restrict re, const sgt_fft_real* restrict im,
                      const sgt_fft_real* restrict pc, const sgt_fft_real* restrict ps,
                      sgt_fft_real* restrict power, sgt_fft_real* restrict top, int half) {
  const sgt_fft_real h = 0.5;
  int k;
  power[0] = (re[0] + im[0]) * (re[0] + im[0]);
  top[0] = (re[0] - im[0]) * (re[0] - im[0]);
  for (k = 1; k < (half + 1) / 2; ++k) {
    const sgt_fft_real fer = h * (re[k] + re[half - k]);
    const sgt_fft_real fei = h * (im[k] - im[half - k]);
    const sgt_fft_real for_ = h * (im[k] + im[half - k]);
    const sgt_fft_real foi = -h * (re[k] - re[half - k]);
    const sgt_fft_real a = pc[k] * for_, b = ps[k] * foi, c = pc[k] * foi, d = ps[k] * for_;
    const sgt_fft_real xr = fer + a + b, xi = fei + c - d;
    const sgt_fft_real yr = fer - a - b, yi = c - d - fei;
    power[k] = xr * xr + xi * xi;
    top[-k] = yr * yr + yi * yi;
  }
  if (half % 2 == 0 && half >= 2) { /* the middle bin pairs with itself */
    const sgt_fft_real fer = re[k], foi = 0, for_ = im[k];
    const sgt_fft_real xr = fer + pc[k] * for_ + ps[k] * foi, xi = pc[k] * foi - ps[k] * for_;
    power[k] = xr * xr + xi * xi;
  }
}

/* Power spectrum of the windowed real frame via one complex FFT of half the size. */
SGT_MFCC_INLINE void PowerSpectrum(SgtMfccState* s, const float* restrict frame, int vw) {
  const int half = s->config.n_fft / 2, win = s->config.win_length;
  const sgt_fft_real* restrict w = s->window;
  int cur = 0, n;
  {
    sgt_fft_real* restrict re = s->fft_re[0];
    sgt_fft_real* restrict im = s->fft_im[0];
    for (n = 0; n < win / 2; ++n) {
      re[n] = (sgt_fft_real)frame[2 * n] * w[2 * n];
      im[n] = (sgt_fft_real)frame[2 * n + 1] * w[2 * n + 1];
    }
    if (win % 2) {
      re[n] = (sgt_fft_real)frame[win - 1] * w[win - 1];
      im[n] = 0;
      ++n;
    }
    for (; n < half; ++n) re[n] = im[n] = 0;
  }
  Fft(s, &cur, half, vw);
  RealSplit(s->fft_re[cur], s->fft_im[cur], s->post_cos, s->post_sin, s->power, s->power + half,
            half);
}

/* v[i] = 10 * log10(v[i]) for positive, normal, finite v[i] (the floor keeps them so).
 * With v = m 2^e, m in [sqrt(1/2), sqrt(2)): ln m = 2 atanh(t) = 2 t (1 + t^2/3 + t^4/5 ...),
 * t = (m - 1) / (m + 1), |t| <= 0.1716, so eleven terms reach double precision (a few ulp
 * from libm's log10). Only +, -, *, / and bit moves: the loop vectorises (libm's log10 is
 * one call per value) and gives the same bits on every IEEE machine, whatever its libm. */
SGT_MFCC_INLINE void Decibels(double* restrict v, int n) {
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  const double db_per_neper = 4.34294481903251827651; /* 10 / ln(10) */
  int i;
  for (i = 0; i < n; ++i) {
    uint64_t bits, mbits, ebits, big;
    double m, e, t, t2, p;
    memcpy(&bits, &v[i], sizeof bits);
    mbits = (bits & UINT64_C(0x000FFFFFFFFFFFFF)) | UINT64_C(0x3FF0000000000000); /* [1, 2) */
    big = mbits > UINT64_C(0x3FF6A09E667F3BCD); /* m > sqrt(2), compared as integers: no branch */
    mbits -= big << 52;                         /* m / 2 */
    ebits = (UINT64_C(0x4330000000000000) | (bits >> 52)) + big; /* 2^52 + biased e (+ 1) */
    memcpy(&m, &mbits, sizeof m);
    memcpy(&e, &ebits, sizeof e);
    e = e - 4503599627370496.0 - 1023.0;
    t = (m - 1.0) / (m + 1.0);
    t2 = t * t;
    p = 1.0 / 21.0;
    p = p * t2 + 1.0 / 19.0;
    p = p * t2 + 1.0 / 17.0;
    p = p * t2 + 1.0 / 15.0;
    p = p * t2 + 1.0 / 13.0;
    p = p * t2 + 1.0 / 11.0;
    p = p * t2 + 1.0 / 9.0;
    p = p * t2 + 1.0 / 7.0;
    p = p * t2 + 1.0 / 5.0;
    p = p * t2 + 1.0 / 3.0;
    p = p * t2 + 1.0;
    v[i] = (e * ln2_hi + (e * ln2_lo + 2.0 * t * p)) * db_per_neper;
  }
}

/* vw: the vector width of the FFT rows, 4 (AVX2), 2 (other GNU C builds) or 1 (plain loops) */
SGT_MFCC_INLINE void ComputeFrameWith(SgtMfccState* s, const float* restrict frame, float* out,
                                      int vw) {
  const SgtMfccConfig* c = &s->config;
  const sgt_real floor_ = c->log_floor;
  sgt_real e4[4] = {0, 0, 0, 0}, energy;
  sgt_real* restrict mfcc = s->mfcc;
  const sgt_fft_real* restrict power = s->power;
  const int n_mfcc4 = Round4(c->n_mfcc);
  int i, m, k;
  for (i = 0; i + 3 < c->win_length; i += 4) {
    e4[0] += (sgt_real)frame[i] * frame[i];
    e4[1] += (sgt_real)frame[i + 1] * frame[i + 1];
    e4[2] += (sgt_real)frame[i + 2] * frame[i + 2];
    e4[3] += (sgt_real)frame[i + 3] * frame[i + 3];
  }
  for (; i < c->win_length; ++i) e4[0] += (sgt_real)frame[i] * frame[i];
  energy = (e4[0] + e4[1]) + (e4[2] + e4[3]);
  PowerSpectrum(s, frame, vw);
  for (m = 0; m < c->n_mels; ++m) {
    const int first = s->mel_first[m], n = Round4(s->mel_last[m] - first);
    const sgt_real* restrict w = s->mel_weights + s->mel_offset[m];
    const sgt_fft_real* restrict p = power + first;
    sgt_real a4[4] = {0, 0, 0, 0}, acc;
    /* four partial sums over the zero-padded run: whole vectors, and the adds of one
     * filter no longer wait on each other (0 * p adds +0, which changes no sum) */
    for (k = 0; k < n; k += 4) {
      a4[0] += w[k] * (sgt_real)p[k];
      a4[1] += w[k + 1] * (sgt_real)p[k + 1];
      a4[2] += w[k + 2] * (sgt_real)p[k + 2];
      a4[3] += w[k + 3] * (sgt_real)p[k + 3];
    }
    acc = (a4[0] + a4[1]) + (a4[2] + a4[3]);
    s->logmel[m] = acc > floor_ ? acc : floor_;
  }
  s->logmel[c->n_mels] = energy > floor_ ? energy : floor_;
  Decibels(s->logmel, c->n_mels + 1);
  for (k = 0; k < n_mfcc4; ++k) mfcc[k] = 0;
  for (m = 0; m < c->n_mels; ++m) {
    const sgt_real* restrict d = s->dct + (size_t)m * (size_t)n_mfcc4;
    const sgt_real v = s->logmel[m];
    for (k = 0; k < n_mfcc4; ++k) mfcc[k] += d[k] * v;
  }
  for (k = 0; k < c->n_mfcc; ++k) out[k] = (float)mfcc[k];
  out[c->n_mfcc] = (float)s->logmel[c->n_mels];
}

static void ComputeFrameBaseline(SgtMfccState* s, const float* restrict frame, float* out) {
  ComputeFrameWith(s, frame, out, SGT_MFCC_VEC ? 2 : 1);
}

#if SGT_MFCC_AVX2
__attribute__((target("avx2"))) static void ComputeFrameAvx2(SgtMfccState* s,
                                                             const float* restrict frame,
                                                             float* out) {
  ComputeFrameWith(s, frame, out, 4);
}
#endif

static void ComputeFrame(SgtMfccState* s, const float* restrict frame, float* out) {
#if SGT_MFCC_AVX2
  if (s->simd) {
    ComputeFrameAvx2(s, frame, out);
    return;
  }
#endif
  ComputeFrameBaseline(s, frame, out);
}

/* Copies n input samples to `out`, NaN/Inf replaced by 0 and magnitudes clamped to
 * SGT_MFCC_MAX_ABS (keeps every power finite, even in float builds); returns how many
 * were NaN/Inf. Branch-free, so it vectorises. */
static unsigned Sanitize(const float* restrict in, float* restrict out, int n) {
  unsigned bad = 0;
  int j;
  for (j = 0; j < n; ++j) {
    float x = in[j];
    const int finite = x - x == 0.0f; /* NaN for NaN and +-Inf */
    x = finite ? x : 0.0f;
    x = x > SGT_MFCC_MAX_ABS ? SGT_MFCC_MAX_ABS : x;
    x = x < -SGT_MFCC_MAX_ABS ? -SGT_MFCC_MAX_ABS : x;
    out[j] = x;
    bad += (unsigned)!finite;
  }
  return bad;
}

size_t SgtMfccProcessSamples(SgtMfccState* s, const float* samples, size_t num_samples,
                             float* out, size_t max_frames, size_t* num_read) {
  const int win = s->config.win_length, hop = s->config.hop_length;
  const size_t frame_size = (size_t)SgtMfccFrameSize(s);
  const size_t cap = (size_t)s->capacity;
  const float preemph = s->config.preemph;
  float* restrict buf = s->frame;
  size_t i = 0, frames = 0, pos = 0, filled = (size_t)s->filled;
  if ((samples == NULL && num_samples > 0) || (out == NULL && max_frames > 0)) {
    if (num_read != NULL) *num_read = 0;
    return 0;
  }
  for (;;) {
    size_t take, need, j, rest;
    float* restrict dst;
    const float* restrict raw = s->raw;
    while (filled - pos >= (size_t)win) {
      if (frames == max_frames) goto done;
      ComputeFrame(s, buf + pos, out + frames * frame_size);
      ++frames;
      pos += (size_t)hop;
    }
    if (i == num_samples) break;
    if (filled == cap) { /* pos > 0 here: the loop above consumed whole hops */
      memmove(buf, buf + pos, sizeof(float) * (filled - pos));
      filled -= pos;
      pos = 0;
    }
    /* read no further than the frame after the last one `out` can take, as one sample at a
     * time would: samples beyond it stay with the caller */
    take = cap - filled;
    rest = max_frames - frames;
    if (rest <= cap / (size_t)hop) {
      need = (size_t)win + rest * (size_t)hop - (filled - pos);
      if (take > need) take = need;
    }
    if (take > num_samples - i) take = num_samples - i;
    s->nonfinite += Sanitize(samples + i, s->raw, (int)take);
    dst = buf + filled;
    dst[0] = raw[0] - preemph * s->prev_sample;
    for (j = 1; j < take; ++j) dst[j] = raw[j] - preemph * raw[j - 1];
    s->prev_sample = raw[take - 1];
    filled += take;
    i += take;
  }
done:
  if (pos > 0) memmove(buf, buf + pos, sizeof(float) * (filled - pos));
  s->filled = (int)(filled - pos);
  if (num_read != NULL) *num_read = i;
  return frames;
}

void SgtMfccReset(SgtMfccState* s) {
  s->filled = 0;
  s->prev_sample = 0.0f;
}

void SgtMfccFreeStateContents(SgtMfccState* s) {
  if (s == NULL) return;
  free(s->window);
  free(s->twiddles);
  free(s->post_cos);
  free(s->post_sin);
  free(s->fft_re[0]);
  free(s->fft_im[0]);
  free(s->fft_re[1]);
  free(s->fft_im[1]);
  free(s->power);
  free(s->mel_weights);
  free(s->mel_offset);
  free(s->mel_first);
  free(s->mel_last);
  free(s->dct);
  free(s->logmel);
  free(s->mfcc);
  free(s->frame);
  free(s->raw);
  memset(s, 0, sizeof(*s));
}
