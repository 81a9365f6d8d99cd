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
 *   SgtMfccStatus err = SgtMfccPopulateState(&cfg, &st);
 *   if (err != SGT_MFCC_OK) { puts(SgtMfccStatusString(err)); ... }
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
 *   - Strings from SgtMfccStatusString are static; never free them.
 *
 * Errors: PopulateState (and SgtMfccCheckConfig, which allocates nothing)
 * return one SgtMfccStatus per problem: a code per config field, so a caller
 * can name the field (SgtMfccStatusString gives the rule it broke), NOMEM
 * when an allocation fails. Every size is computed in size_t with overflow
 * checks, and each field is bounded (SGT_MFCC_MIN_* / SGT_MFCC_MAX_* below),
 * so no config can make the tables overflow: the largest valid one
 * (n_fft 65536, win 65536, n_mels 512, n_mfcc 512) needs about 6 MB (the mel
 * filterbank keeps only each filter's non-zero run; the DCT matrix is the
 * largest table).
 *
 * Threads: a state is not thread-safe. Functions may run concurrently on
 * different states; calls on one state must not overlap (the Python binding
 * holds a per-object lock for this).
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

/* Arithmetic precision: SGT_MFCC_REAL for the tables, mel sums, logs, DCT and frame
 * energy, SGT_MFCC_FFT_REAL for the FFT and the power spectrum. Both are double on the
 * host. A microcontroller build may define either as float to halve memory and double
 * the SIMD lanes, at a cost in parity: a float FFT moves features by up to 2e-4 dB on
 * speech and 3e-3 dB on a pure tone (bands near the log floor) against the double
 * numpy reference, beyond the 1e-4 the host build keeps. */
#ifndef SGT_MFCC_REAL
#define SGT_MFCC_REAL double
#endif
#ifndef SGT_MFCC_FFT_REAL
#define SGT_MFCC_FFT_REAL double
#endif
typedef SGT_MFCC_REAL sgt_real;
typedef SGT_MFCC_FFT_REAL sgt_fft_real;

/* Input samples are expected in [-1, 1]; anything beyond this magnitude is clamped. */
#define SGT_MFCC_MAX_ABS 1.0e6f

/* Bounds of the config fields. sgt_lite/audio/frontend_config.py uses the same
 * numbers (tests/audio/test_frontend_config.py compares them). */
#define SGT_MFCC_MIN_SAMPLE_RATE 1000
#define SGT_MFCC_MAX_SAMPLE_RATE 192000
#define SGT_MFCC_MIN_N_FFT 4
#define SGT_MFCC_MAX_N_FFT 65536
#define SGT_MFCC_MAX_N_MELS 512
#define SGT_MFCC_MIN_LOG_FLOOR 1e-30f
#define SGT_MFCC_MAX_LOG_FLOOR 1.0f

typedef enum {
  SGT_MFCC_OK = 0,
  SGT_MFCC_ERR_NULL = 1,         /* a NULL config or state pointer */
  SGT_MFCC_ERR_NOMEM = 2,        /* allocation failed */
  /* config errors, one per field (SGT_MFCC_IS_CONFIG_ERROR): */
  SGT_MFCC_ERR_SAMPLE_RATE = 10, /* outside [MIN_SAMPLE_RATE, MAX_SAMPLE_RATE] */
  SGT_MFCC_ERR_N_FFT = 11,       /* not a power of two in [MIN_N_FFT, MAX_N_FFT] */
  SGT_MFCC_ERR_WIN_LENGTH = 12,  /* outside [1, n_fft] */
  SGT_MFCC_ERR_HOP_LENGTH = 13,  /* outside [1, win_length] */
  SGT_MFCC_ERR_PREEMPH = 14,     /* NaN or outside [0, 1) */
  SGT_MFCC_ERR_N_MELS = 15,      /* outside [1, MAX_N_MELS] */
  SGT_MFCC_ERR_N_MFCC = 16,      /* outside [1, n_mels] */
  SGT_MFCC_ERR_FMIN = 17,        /* NaN, < 0 or >= fmax */
  SGT_MFCC_ERR_FMAX = 18,        /* NaN, <= 0 or > sample_rate / 2 */
  SGT_MFCC_ERR_LOG_FLOOR = 19,   /* NaN or outside [MIN_LOG_FLOOR, MAX_LOG_FLOOR] */
  SGT_MFCC_ERR_SIZE = 20         /* a table size overflows size_t (small size_t targets) */
} SgtMfccStatus;

#define SGT_MFCC_IS_CONFIG_ERROR(status) ((status) >= SGT_MFCC_ERR_SAMPLE_RATE)

typedef struct {
  int sample_rate;      /* Hz, SGT_MFCC_MIN_SAMPLE_RATE .. SGT_MFCC_MAX_SAMPLE_RATE */
  int win_length;       /* samples, 1 .. n_fft */
  int hop_length;       /* samples, 1 .. win_length */
  int n_fft;            /* power of two, SGT_MFCC_MIN_N_FFT .. SGT_MFCC_MAX_N_FFT */
  float preemph;        /* y[n] = x[n] - preemph * x[n-1], 0 disables; [0, 1) */
  int n_mels;           /* 1 .. SGT_MFCC_MAX_N_MELS */
  float fmin;           /* Hz, 0 <= fmin < fmax */
  float fmax;           /* Hz, <= sample_rate / 2 */
  int n_mfcc;           /* 1 .. n_mels */
  float log_floor;      /* power floor before log10, SGT_MFCC_MIN/MAX_LOG_FLOOR */
} SgtMfccConfig;

typedef struct {
  SgtMfccConfig config;
  int n_bins;           /* n_fft / 2 + 1 */
  sgt_fft_real* window;   /* [win_length] periodic Hann */
  sgt_fft_real* twiddles; /* [n_fft] radix-4 step twiddles of the n_fft / 2-point FFT */
  sgt_fft_real* post_cos; /* [n_fft / 2] real-FFT split twiddles */
  sgt_fft_real* post_sin;
  sgt_fft_real* fft_re[2];/* [n_fft / 2] ping-pong scratch */
  sgt_fft_real* fft_im[2];
  sgt_fft_real* power;    /* [n_bins + 3] scratch */
  sgt_real* mel_weights;/* each filter's non-zero run, zero-padded to a multiple of 4 */
  size_t* mel_offset;   /* [n_mels] where filter m's weights start in mel_weights */
  int* mel_first;       /* [n_mels] first non-zero bin of each filter */
  int* mel_last;        /* [n_mels] one past the last non-zero bin */
  sgt_real* dct;        /* [n_mels][n_mfcc rounded up to 4] orthonormal DCT-II, transposed */
  double* logmel;       /* [n_mels + 1] scratch: the mel powers and the energy, then in dB */
  sgt_real* mfcc;       /* [n_mfcc rounded up to 4] scratch */
  float* frame;         /* [capacity] pre-emphasised samples; the pending ones at the front */
  float* raw;           /* [capacity] scratch: clamped input before pre-emphasis */
  int capacity;         /* win_length + a block of whole hops */
  int filled;           /* pending samples at the front of `frame` (between calls) */
  float prev_sample;    /* last raw input sample, for pre-emphasis */
  size_t nonfinite;     /* NaN/Inf input samples replaced by 0 since PopulateState */
  int simd;             /* 1: the CPU has AVX2 and the frames use that build (x86-64) */
} SgtMfccState;

void SgtMfccFillConfigWithDefaults(SgtMfccConfig* config);

/* The first problem of `config` (SGT_MFCC_OK if none); allocates nothing. */
SgtMfccStatus SgtMfccCheckConfig(const SgtMfccConfig* config);

/* A static, human-readable rule for a status, e.g. "n_mels must be in [1, 512]". */
const char* SgtMfccStatusString(SgtMfccStatus status);

/* Validates `config` (as SgtMfccCheckConfig) and allocates the state. On error
 * nothing is left allocated, the state is zeroed and must not be used. */
SgtMfccStatus SgtMfccPopulateState(const SgtMfccConfig* config, SgtMfccState* state);

/* Values per output frame: n_mfcc + 1. */
int SgtMfccFrameSize(const SgtMfccState* state);

/* Consumes samples until all are used or `max_frames` frames are written to
 * `out`: every hop the samples complete is computed in this one call (a 20 ms
 * chunk gives two frames, a whole clip all of them), in blocks of about 4096
 * samples of internal buffer, whatever the chunk size. Returns the number of frames written; *num_read receives the number
 * of samples consumed (all of them unless `max_frames` was reached).
 * `samples` may be NULL only with num_samples 0, `out` only with max_frames 0
 * (otherwise nothing is consumed). */
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
