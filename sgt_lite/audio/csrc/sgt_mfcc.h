/*
 * sgt_mfcc: streaming MFCC + log-energy frontend. Plain C99, no globals,
 * no Python.h, no external libraries; the same file builds for a host,
 * a Raspberry Pi or a microcontroller.
 *
 * Lifecycle (after the tflite-micro audio frontend):
 *
 *   SgtMfccConfig cfg;
 *   SgtMfccFillConfigWithDefaults(&cfg);          // 16 kHz, 25/10 ms, 512 FFT
 *   SgtMfccState st;
 *   if (SgtMfccPopulateState(&cfg, &st) != SGT_MFCC_OK) { ... }
 *   size_t n_read, n_frames;
 *   n_frames = SgtMfccProcessSamples(&st, x, n, out, max_frames, &n_read);
 *   SgtMfccReset(&st);                             // new utterance, same config
 *   SgtMfccFreeStateContents(&st);
 *
 * Ownership:
 *   - The config is copied into the state; the caller may discard it after
 *     PopulateState.
 *   - The state owns every internal buffer (window, filterbank, FFT tables,
 *     the partial-frame buffer). They are allocated by PopulateState, stay
 *     valid until FreeStateContents, and are never exposed to the caller.
 *   - `samples` is only read during the call and never retained.
 *   - `out` belongs to the caller. ProcessSamples writes at most `max_frames`
 *     rows of SgtMfccFrameSize(&st) floats each and keeps no pointer to it.
 *     Samples that do not yet complete a frame are copied into the state, so
 *     the caller may reuse `samples` immediately.
 *
 * Each output frame is [c0 .. c(n_mfcc-1), log_energy], all in dB units:
 *   mel   = slaney-normalised mel filterbank (40 bands) of |FFT|^2
 *   c_k   = DCT-II (orthonormal) of 10*log10(max(mel, log_floor))
 *   log_e = 10*log10(max(sum of pre-emphasised frame^2, log_floor))
 * Frames are causal: frame k covers input samples [k*hop, k*hop + win).
 * NaN and +-Inf input samples are replaced by 0 and counted in
 * state.nonfinite, and samples beyond +-SGT_MFCC_MAX_ABS are clamped to it, so
 * no non-finite value ever reaches a feature.
 */
#ifndef SGT_MFCC_H_
#define SGT_MFCC_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Internal arithmetic precision. A microcontroller build may define
 * SGT_MFCC_REAL as float to halve memory; the host build uses double. */
#ifndef SGT_MFCC_REAL
#define SGT_MFCC_REAL double
#endif
typedef SGT_MFCC_REAL sgt_real;

/* Input samples are expected in [-1, 1]; anything beyond this magnitude is clamped. */
#define SGT_MFCC_MAX_ABS 1.0e6f

typedef enum {
  SGT_MFCC_OK = 0,
  SGT_MFCC_ERR_CONFIG = 1, /* a config value is out of range */
  SGT_MFCC_ERR_NOMEM = 2   /* allocation failed */
} SgtMfccStatus;

typedef struct {
  int sample_rate;      /* Hz */
  int win_length;       /* samples, <= n_fft */
  int hop_length;       /* samples, <= win_length */
  int n_fft;            /* power of two, >= 4 */
  float preemph;        /* y[n] = x[n] - preemph * x[n-1], 0 disables */
  int n_mels;           /* >= 1 */
  float fmin;           /* Hz, >= 0 */
  float fmax;           /* Hz, <= sample_rate / 2 */
  int n_mfcc;           /* 1 .. n_mels */
  float log_floor;      /* > 0, power floor before log10 */
} SgtMfccConfig;

typedef struct {
  SgtMfccConfig config;
  int n_bins;           /* n_fft / 2 + 1 */
  sgt_real* window;     /* [win_length] periodic Hann */
  sgt_real* mel_weights;/* [n_mels * n_bins], row-major */
  int* mel_first;       /* [n_mels] first non-zero bin of each filter */
  int* mel_last;        /* [n_mels] one past the last non-zero bin */
  sgt_real* dct;        /* [n_mels * n_mfcc] orthonormal DCT-II, transposed */
  sgt_real* cos_tab;    /* [n_fft / 2] per-stage twiddles (re, im) of the half-size FFT */
  sgt_real* sin_tab;
  sgt_real* post_cos;   /* [n_fft / 2] real-FFT split twiddles */
  sgt_real* post_sin;
  int* bitrev;          /* [n_fft / 2] */
  sgt_real* fft_re;     /* [n_fft / 2] scratch */
  sgt_real* fft_im;
  sgt_real* power;      /* [n_bins] scratch */
  sgt_real* logmel;     /* [n_mels] scratch */
  sgt_real* mfcc;       /* [n_mfcc] scratch */
  float* frame;         /* [win_length] pre-emphasised samples of the frame being filled */
  int filled;           /* valid samples in `frame` */
  float prev_sample;    /* last raw input sample, for pre-emphasis */
  size_t nonfinite;     /* NaN/Inf input samples replaced by 0 since PopulateState */
} SgtMfccState;

void SgtMfccFillConfigWithDefaults(SgtMfccConfig* config);

/* Validates `config` and allocates the state. On error nothing is left
 * allocated and the state must not be used. */
SgtMfccStatus SgtMfccPopulateState(const SgtMfccConfig* config, SgtMfccState* state);

/* Values per output frame: n_mfcc + 1. */
int SgtMfccFrameSize(const SgtMfccState* state);

/* Consumes samples until all are used or `max_frames` frames are written to
 * `out`. Returns the number of frames written; *num_read receives the number
 * of samples consumed (all of them unless `max_frames` was reached). */
size_t SgtMfccProcessSamples(SgtMfccState* state, const float* samples,
                             size_t num_samples, float* out, size_t max_frames,
                             size_t* num_read);

/* Upper bound of frames that `num_samples` more samples can complete. */
size_t SgtMfccMaxFrames(const SgtMfccState* state, size_t num_samples);

/* Forgets buffered audio and the pre-emphasis memory; keeps the tables. */
void SgtMfccReset(SgtMfccState* state);

/* Frees everything PopulateState allocated. Safe on a zeroed state and safe
 * to call twice. */
void SgtMfccFreeStateContents(SgtMfccState* state);

#ifdef __cplusplus
}
#endif

#endif /* SGT_MFCC_H_ */
