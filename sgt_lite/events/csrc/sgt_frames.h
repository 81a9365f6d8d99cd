/* The per-frame stages after the network, for one stream: voice activity on the stacked
 * frontend frames, eye events (saccades, fixations, microsaccades, blinks), head motion, the
 * style's pose offset and the output clamps. The same IEEE operations in the same order as the
 * Python reference (sgt_lite/audio/vad.py, sgt_lite/events/renderer.py, head_motion.py,
 * animator.py), so the frames are bit-identical; random draws come in from the caller. */
#ifndef SGT_FRAMES_H
#define SGT_FRAMES_H

#include <stdint.h>

#define SGT_VAD_FEATURES 9
#define SGT_VAD_PAIRS 19
#define SGT_VAD_TERMS (SGT_VAD_FEATURES + SGT_VAD_PAIRS)
#define SGT_VAD_HIST 256
#define SGT_MAX_CELLS 1024
#define SGT_MAX_QUANTILES 256
#define SGT_MAX_FRAME 64
#define SGT_UNIFORMS 16

typedef struct {
  /* voice activity */
  int block, frame_size, n_cep;
  double vad_mean[SGT_VAD_FEATURES], vad_inv_scale[SGT_VAD_FEATURES], vad_coef[SGT_VAD_TERMS], vad_intercept;
  int pairs[SGT_VAD_PAIRS][2];
  double k_energy, k_feat, k_fast, k_slow, k_mod, k_mod_long, k_smooth;
  int floor_n, snr_n, flux_n, onset, hang;
  double on_logit, off_logit, env_voice_max, env_penalty;
  /* output layout of the network */
  int size, i_saccade, i_blink, i_state, i_target, n_cells, noise_dim;
  /* head */
  double net_mean[3], net_std[3], k_smooth_head, attack, release, listen_level;
  /* eyes */
  double fps;
  int n_yaw, n_pitch;
  double yaw_deg, pitch_deg, cell_wy, cell_wp;
  unsigned char centre[SGT_MAX_CELLS];
  double saccade_intercept, saccade_slope, saccade_jitter, min_fixation, drift_return, micro_min, micro_max;
  double blink_close, blink_hold, blink_open_ratio, blink_jitter, blink_refractory, blink_saccade_deg,
      blink_saccade_prob;
  double drift_step, micro_p, blink_p_listen;
  /* listening prior */
  double prior_shift, prior_mu, prior_sigma, spread_yaw, spread_pitch;
  int n_quantiles;
  double amp[SGT_MAX_QUANTILES], levels[SGT_MAX_QUANTILES];
  /* network inputs: (stacked - feat_mean) / feat_std, then the noise, in rows of input_dim */
  float feat_mean[4096], feat_std[4096];
  int input_dim;
  /* output */
  double lo[6], hi[6], zero[6], pose_rate;
} SgtFramesConfig;

typedef struct {
  /* voice activity */
  int first, has_prev, speaking;
  double ema[9], prev_cep[32];
  double energy_hist[SGT_VAD_HIST], snr_hist[SGT_VAD_HIST], flux_hist[SGT_VAD_HIST];
  int hist_count, hist_pos[3];
  long run_on, run_off;
  double speech_prob;
  /* eyes */
  int64_t frame;
  double fix[2], anchor[2], drift[2], fix_start, next_saccade, next_micro, next_blink;
  int has_move, has_blink, gaze_state;
  double mv_y0, mv_p0, mv_dy, mv_dp, mv_t0, mv_dur, mv_end;
  double bl_t0, bl_close, bl_hold, bl_open, bl_end;
  long nonfinite;
  /* head */
  double lp1[3], lp2[3], r1[3], r2[3], engagement;
  double a1[3], a2[3], e[3];
  /* style */
  double offset[5], pose[5], hazard[2];
  int has_hazard, posing;
} SgtFramesState;

/* The scalar and fixed-size fields of SgtFramesConfig, for readers that fill it by name (the
 * CPython binding, the test harness): I(name) int, D(name) double, A(name, count) doubles. The
 * rest (pairs, centre, amp/levels with n_quantiles, feat_mean/feat_std) are read separately. */
#define SGT_FRAMES_FIELDS(I, D, A)                                                                          \
  I(block) I(frame_size) I(n_cep) A(vad_mean, SGT_VAD_FEATURES) A(vad_inv_scale, SGT_VAD_FEATURES)           \
  A(vad_coef, SGT_VAD_TERMS) D(vad_intercept) D(k_energy) D(k_feat) D(k_fast) D(k_slow) D(k_mod)             \
  D(k_mod_long) D(k_smooth) I(floor_n) I(snr_n) I(flux_n) I(onset) I(hang) D(on_logit) D(off_logit)          \
  D(env_voice_max) D(env_penalty) I(size) I(i_saccade) I(i_blink) I(i_state) I(i_target) I(n_cells)          \
  I(noise_dim) A(net_mean, 3) A(net_std, 3) D(k_smooth_head) D(attack) D(release) D(listen_level) D(fps)    \
  I(n_yaw) I(n_pitch) D(yaw_deg) D(pitch_deg) D(cell_wy) D(cell_wp) D(saccade_intercept) D(saccade_slope)   \
  D(saccade_jitter) D(min_fixation) D(drift_return) D(micro_min) D(micro_max) D(blink_close) D(blink_hold)  \
  D(blink_open_ratio) D(blink_jitter) D(blink_refractory) D(blink_saccade_deg) D(blink_saccade_prob)        \
  D(drift_step) D(micro_p) D(blink_p_listen) D(prior_shift) D(prior_mu) D(prior_sigma) D(spread_yaw)       \
  D(spread_pitch) A(lo, 6) A(hi, 6) A(zero, 6) D(pose_rate) I(input_dim)

/* Checks a config; returns NULL if usable, else a message naming the bad field. */
const char* sgt_frames_check(const SgtFramesConfig* cfg);

void sgt_frames_reset(const SgtFramesConfig* cfg, SgtFramesState* st);

/* The voice-activity decision (0/1) of one model frame from its stacked frontend frames
 * (block * frame_size float32). */
int sgt_frames_vad(const SgtFramesConfig* cfg, SgtFramesState* st, const float* stacked);

/* The network inputs of n frames: xs[f, :row] = (stacked - feat_mean) / feat_std (float32, as numpy
 * computes it), xs[f, row:row + noise_dim] = the first noise_dim draws of the frame. */
void sgt_frames_inputs(const SgtFramesConfig* cfg, int n, const float* stacked, const float* draws, int draw_stride,
                       float* xs);

/* n frames: stacked features (n, block * frame_size), network outputs (n, size), the head's
 * normals (n rows of `draw_stride` float32, normals at column noise_dim), the eye uniforms
 * (n, SGT_UNIFORMS) float64; writes out (n, 6) doubles and speaking (n) ints. */
void sgt_frames_run(const SgtFramesConfig* cfg, SgtFramesState* st, int n, const float* stacked,
                    const float* raw, const float* draws, int draw_stride, const double* uniforms,
                    double* out, int* speaking);

#endif
