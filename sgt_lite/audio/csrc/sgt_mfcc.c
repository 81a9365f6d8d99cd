/* Streaming MFCC + log-energy. See sgt_mfcc.h for the contract. */
#include "sgt_mfcc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static int FillMelFilterbank(SgtMfccState* s) {
  const SgtMfccConfig* c = &s->config;
  const int n_pts = c->n_mels + 2;
  double* hz = malloc(sizeof(double) * (size_t)n_pts);
  const double mel_lo = HzToMel(c->fmin), mel_hi = HzToMel(c->fmax);
  int m, k;
  if (hz == NULL) return 0;
  for (m = 0; m < n_pts; ++m)
    hz[m] = MelToHz(mel_lo + (mel_hi - mel_lo) * m / (double)(n_pts - 1));
  for (m = 0; m < c->n_mels; ++m) {
    const double lower_w = hz[m + 1] - hz[m], upper_w = hz[m + 2] - hz[m + 1];
    const double enorm = 2.0 / (hz[m + 2] - hz[m]);
    int first = -1, last = 0;
    for (k = 0; k < s->n_bins; ++k) {
      const double f = (double)k * c->sample_rate / c->n_fft;
      const double lower = (f - hz[m]) / lower_w;
      const double upper = (hz[m + 2] - f) / upper_w;
      double w = lower < upper ? lower : upper;
      if (w < 0.0) w = 0.0;
      s->mel_weights[(size_t)m * (size_t)s->n_bins + (size_t)k] = (sgt_real)(w * enorm);
      if (w > 0.0) {
        if (first < 0) first = k;
        last = k + 1;
      }
    }
    s->mel_first[m] = first < 0 ? 0 : first;
    s->mel_last[m] = last;
  }
  free(hz);
  return 1;
}

SgtMfccStatus SgtMfccPopulateState(const SgtMfccConfig* config, SgtMfccState* s) {
  int i, k, bits;
  int half;
  size_t n_weights, n_dct, n_bytes;
  SgtMfccStatus status;
  if (s == NULL) return SGT_MFCC_ERR_NULL;
  memset(s, 0, sizeof(*s));
  status = SgtMfccCheckConfig(config);
  if (status != SGT_MFCC_OK) return status;
  s->config = *config;
  s->n_bins = config->n_fft / 2 + 1;
  half = config->n_fft / 2;
  /* the largest tables, in elements and in bytes: fail cleanly where size_t is small */
  if (!MulSize((size_t)config->n_mels, (size_t)s->n_bins, &n_weights) ||
      !MulSize(n_weights, sizeof(sgt_real), &n_bytes) ||
      !MulSize((size_t)config->n_mfcc, (size_t)config->n_mels, &n_dct) ||
      !MulSize(n_dct, sizeof(sgt_real), &n_bytes)) {
    memset(s, 0, sizeof(*s));
    return SGT_MFCC_ERR_SIZE;
  }

  SGT_ALLOC(s->window, config->win_length);
  SGT_ALLOC(s->mel_weights, n_weights);
  SGT_ALLOC(s->mel_first, config->n_mels);
  SGT_ALLOC(s->mel_last, config->n_mels);
  SGT_ALLOC(s->dct, n_dct);
  SGT_ALLOC(s->cos_tab, half);
  SGT_ALLOC(s->sin_tab, half);
  SGT_ALLOC(s->post_cos, half);
  SGT_ALLOC(s->post_sin, half);
  SGT_ALLOC(s->bitrev, half);
  SGT_ALLOC(s->fft_re, half);
  SGT_ALLOC(s->fft_im, half);
  SGT_ALLOC(s->power, s->n_bins);
  SGT_ALLOC(s->logmel, config->n_mels);
  SGT_ALLOC(s->mfcc, config->n_mfcc);
  SGT_ALLOC(s->frame, config->win_length);

  /* Periodic Hann, as scipy.signal.get_window("hann", N, fftbins=True). */
  for (i = 0; i < config->win_length; ++i)
    s->window[i] = (sgt_real)(0.5 - 0.5 * cos(2.0 * M_PI * i / config->win_length));

  if (!FillMelFilterbank(s)) goto nomem;

  for (k = 0; k < config->n_mfcc; ++k) {
    const double scale = k == 0 ? sqrt(1.0 / config->n_mels) : sqrt(2.0 / config->n_mels);
    for (i = 0; i < config->n_mels; ++i)
      s->dct[(size_t)i * (size_t)config->n_mfcc + (size_t)k] =
          (sgt_real)(scale * cos(M_PI * k * (2.0 * i + 1.0) / (2.0 * config->n_mels)));
  }

  for (k = 2; k <= half; k *= 2) {
    for (i = 0; i < k / 2; ++i) {
      s->cos_tab[k / 2 - 1 + i] = (sgt_real)cos(2.0 * M_PI * i / k);
      s->sin_tab[k / 2 - 1 + i] = (sgt_real)-sin(2.0 * M_PI * i / k);
    }
  }
  for (i = 0; i < half; ++i) {
    s->post_cos[i] = (sgt_real)cos(2.0 * M_PI * i / config->n_fft);
    s->post_sin[i] = (sgt_real)sin(2.0 * M_PI * i / config->n_fft);
  }
  for (bits = 0; (1 << bits) < half; ++bits) {
  }
  for (i = 0; i < half; ++i) {
    int r = 0, b;
    for (b = 0; b < bits; ++b)
      if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    s->bitrev[i] = r;
  }
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

/* One radix-2 stage of `size`-point butterflies with contiguous twiddles. */
static void FftStage(sgt_real* restrict re, sgt_real* restrict im, int n, int size,
                     const sgt_real* restrict wr, const sgt_real* restrict wi) {
  const int h = size / 2;
  int start, j;
  for (start = 0; start < n; start += size) {
    sgt_real* restrict ar = re + start;
    sgt_real* restrict ai = im + start;
    sgt_real* restrict br = re + start + h;
    sgt_real* restrict bi = im + start + h;
    for (j = 0; j < h; ++j) {
      const sgt_real tr = wr[j] * br[j] - wi[j] * bi[j];
      const sgt_real ti = wr[j] * bi[j] + wi[j] * br[j];
      br[j] = ar[j] - tr;
      bi[j] = ai[j] - ti;
      ar[j] += tr;
      ai[j] += ti;
    }
  }
}

/* Two radix-2 stages at once (sizes 2h and 4h): each point is loaded and
 * stored once instead of twice, and the second stage's odd twiddle is the
 * first one times -i, which costs no multiply. */
static void FftStagePair(sgt_real* restrict re, sgt_real* restrict im, int n, int h,
                         const sgt_real* restrict w1r, const sgt_real* restrict w1i,
                         const sgt_real* restrict w2r, const sgt_real* restrict w2i) {
  int start, j;
  for (start = 0; start < n; start += 4 * h) {
    sgt_real* restrict ar = re + start;
    sgt_real* restrict ai = im + start;
    sgt_real* restrict br = re + start + h;
    sgt_real* restrict bi = im + start + h;
    sgt_real* restrict cr = re + start + 2 * h;
    sgt_real* restrict ci = im + start + 2 * h;
    sgt_real* restrict dr = re + start + 3 * h;
    sgt_real* restrict di = im + start + 3 * h;
    for (j = 0; j < h; ++j) {
      const sgt_real tbr = w1r[j] * br[j] - w1i[j] * bi[j];
      const sgt_real tbi = w1r[j] * bi[j] + w1i[j] * br[j];
      const sgt_real tdr = w1r[j] * dr[j] - w1i[j] * di[j];
      const sgt_real tdi = w1r[j] * di[j] + w1i[j] * dr[j];
      const sgt_real a1r = ar[j] + tbr, a1i = ai[j] + tbi;
      const sgt_real b1r = ar[j] - tbr, b1i = ai[j] - tbi;
      const sgt_real c1r = cr[j] + tdr, c1i = ci[j] + tdi;
      const sgt_real d1r = cr[j] - tdr, d1i = ci[j] - tdi;
      const sgt_real tcr = w2r[j] * c1r - w2i[j] * c1i;
      const sgt_real tci = w2r[j] * c1i + w2i[j] * c1r;
      /* (w2 * d1) * (-i) */
      const sgt_real tur = w2r[j] * d1i + w2i[j] * d1r;
      const sgt_real tui = -(w2r[j] * d1r - w2i[j] * d1i);
      ar[j] = a1r + tcr;
      ai[j] = a1i + tci;
      cr[j] = a1r - tcr;
      ci[j] = a1i - tci;
      br[j] = b1r + tur;
      bi[j] = b1i + tui;
      dr[j] = b1r - tur;
      di[j] = b1i - tui;
    }
  }
}

/* Power spectrum of the real frame via one complex FFT of half the size. */
static void PowerSpectrum(SgtMfccState* s) {
  const int n_fft = s->config.n_fft, half = n_fft / 2, win = s->config.win_length;
  sgt_real* re = s->fft_re;
  sgt_real* im = s->fft_im;
  int n, size, k;
  for (n = 0; n < half; ++n) {
    const int i0 = 2 * n, i1 = 2 * n + 1;
    const int dst = s->bitrev[n];
    re[dst] = i0 < win ? (sgt_real)s->frame[i0] * s->window[i0] : 0;
    im[dst] = i1 < win ? (sgt_real)s->frame[i1] * s->window[i1] : 0;
  }
  if (half >= 4) {
    /* sizes 2 and 4 together: their twiddles are 1 and -i */
    for (n = 0; n < half; n += 4) {
      const sgt_real a1r = re[n] + re[n + 1], a1i = im[n] + im[n + 1];
      const sgt_real b1r = re[n] - re[n + 1], b1i = im[n] - im[n + 1];
      const sgt_real c1r = re[n + 2] + re[n + 3], c1i = im[n + 2] + im[n + 3];
      const sgt_real d1r = re[n + 2] - re[n + 3], d1i = im[n + 2] - im[n + 3];
      re[n] = a1r + c1r;
      im[n] = a1i + c1i;
      re[n + 2] = a1r - c1r;
      im[n + 2] = a1i - c1i;
      re[n + 1] = b1r + d1i;
      im[n + 1] = b1i - d1r;
      re[n + 3] = b1r - d1i;
      im[n + 3] = b1i + d1r;
    }
    size = 8;
  } else {
    FftStage(re, im, half, 2, s->cos_tab, s->sin_tab); /* n_fft == 4: one stage, twiddle 1 */
    size = 4;
  }
  /* the twiddles of stage `size` sit at [size/2 - 1, size - 1) of the tables */
  for (; 2 * size <= half; size *= 4)
    FftStagePair(re, im, half, size / 2, s->cos_tab + size / 2 - 1, s->sin_tab + size / 2 - 1,
                 s->cos_tab + size - 1, s->sin_tab + size - 1);
  if (size <= half)
    FftStage(re, im, half, size, s->cos_tab + size / 2 - 1, s->sin_tab + size / 2 - 1);
  s->power[0] = (re[0] + im[0]) * (re[0] + im[0]);
  s->power[half] = (re[0] - im[0]) * (re[0] - im[0]);
  for (k = 1; k < half; ++k) {
    const sgt_real fer = 0.5 * (re[k] + re[half - k]);
    const sgt_real fei = 0.5 * (im[k] - im[half - k]);
    const sgt_real for_ = 0.5 * (im[k] + im[half - k]);
    const sgt_real foi = -0.5 * (re[k] - re[half - k]);
    const sgt_real c = s->post_cos[k], sn = s->post_sin[k];
    const sgt_real xr = fer + c * for_ + sn * foi;
    const sgt_real xi = fei + c * foi - sn * for_;
    s->power[k] = xr * xr + xi * xi;
  }
}

static void ComputeFrame(SgtMfccState* s, float* out) {
  const SgtMfccConfig* c = &s->config;
  const sgt_real floor_ = c->log_floor;
  sgt_real e4[4] = {0, 0, 0, 0}, energy;
  sgt_real* restrict mfcc = s->mfcc;
  int i, m, k;
  for (i = 0; i + 3 < c->win_length; i += 4) {
    e4[0] += (sgt_real)s->frame[i] * s->frame[i];
    e4[1] += (sgt_real)s->frame[i + 1] * s->frame[i + 1];
    e4[2] += (sgt_real)s->frame[i + 2] * s->frame[i + 2];
    e4[3] += (sgt_real)s->frame[i + 3] * s->frame[i + 3];
  }
  for (; i < c->win_length; ++i) e4[0] += (sgt_real)s->frame[i] * s->frame[i];
  energy = (e4[0] + e4[1]) + (e4[2] + e4[3]);
  PowerSpectrum(s);
  for (m = 0; m < c->n_mels; ++m) {
    const sgt_real* w = s->mel_weights + (size_t)m * (size_t)s->n_bins;
    sgt_real acc = 0;
    for (k = s->mel_first[m]; k < s->mel_last[m]; ++k) acc += w[k] * s->power[k];
    s->logmel[m] = 10.0 * log10(acc > floor_ ? acc : floor_);
  }
  for (k = 0; k < c->n_mfcc; ++k) mfcc[k] = 0;
  for (m = 0; m < c->n_mels; ++m) {
    const sgt_real* restrict d = s->dct + (size_t)m * (size_t)c->n_mfcc;
    const sgt_real v = s->logmel[m];
    for (k = 0; k < c->n_mfcc; ++k) mfcc[k] += d[k] * v;
  }
  for (k = 0; k < c->n_mfcc; ++k) out[k] = (float)mfcc[k];
  out[c->n_mfcc] = (float)(10.0 * log10(energy > floor_ ? energy : floor_));
}

size_t SgtMfccProcessSamples(SgtMfccState* s, const float* samples, size_t num_samples,
                             float* out, size_t max_frames, size_t* num_read) {
  const int win = s->config.win_length, hop = s->config.hop_length;
  const int frame_size = SgtMfccFrameSize(s);
  const float preemph = s->config.preemph;
  size_t i = 0, frames = 0;
  if ((samples == NULL && num_samples > 0) || (out == NULL && max_frames > 0)) {
    if (num_read != NULL) *num_read = 0;
    return 0;
  }
  for (;;) {
    if (s->filled == win) {
      if (frames == max_frames) break;
      ComputeFrame(s, out + frames * (size_t)frame_size);
      ++frames;
      memmove(s->frame, s->frame + hop, sizeof(float) * (size_t)(win - hop));
      s->filled = win - hop;
      continue;
    }
    if (i == num_samples) break;
    {
      size_t take = (size_t)(win - s->filled);
      float prev = s->prev_sample;
      float* dst = s->frame + s->filled;
      size_t j;
      if (take > num_samples - i) take = num_samples - i;
      for (j = 0; j < take; ++j) {
        float x = samples[i + j];
        if (!isfinite(x)) {
          x = 0.0f;
          ++s->nonfinite;
        } else if (x > SGT_MFCC_MAX_ABS) {
          x = SGT_MFCC_MAX_ABS;      /* keeps every power finite, even in float builds */
        } else if (x < -SGT_MFCC_MAX_ABS) {
          x = -SGT_MFCC_MAX_ABS;
        }
        dst[j] = x - preemph * prev;
        prev = x;
      }
      s->prev_sample = prev;
      s->filled += (int)take;
      i += take;
    }
  }
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
  free(s->mel_weights);
  free(s->mel_first);
  free(s->mel_last);
  free(s->dct);
  free(s->cos_tab);
  free(s->sin_tab);
  free(s->post_cos);
  free(s->post_sin);
  free(s->bitrev);
  free(s->fft_re);
  free(s->fft_im);
  free(s->power);
  free(s->logmel);
  free(s->mfcc);
  free(s->frame);
  memset(s, 0, sizeof(*s));
}
