/* See sgt_frames.h. Each function mirrors a Python method named in its comment; keep them in
 * step (tests/runtime/test_lean_path.py compares the two bit for bit). */
#include "sgt_frames.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846 /* the double Python's math.pi is */
#endif

enum { FIXATION = 0, AVERSION = 1, RETURN = 2 };

/* Python's min(a, b) / max(a, b): the first argument unless the second is strictly beyond it. */
static double pmin(double a, double b) { return b < a ? b : a; }
static double pmax(double a, double b) { return b > a ? b : a; }

const char* sgt_frames_check(const SgtFramesConfig* c) {
  if (c->block < 1 || c->frame_size < 2 || c->frame_size > SGT_MAX_FRAME || c->n_cep < 2 || c->n_cep > 32 ||
      c->n_cep > c->frame_size || c->block > 4096 / c->frame_size)
    return "vad: block, frame_size or n_cep out of range";
  if (c->floor_n < 1 || c->floor_n > SGT_VAD_HIST || c->snr_n < 1 || c->snr_n > SGT_VAD_HIST || c->flux_n < 1 ||
      c->flux_n > SGT_VAD_HIST)
    return "vad: history lengths must be 1..256 blocks";
  for (int i = 0; i < SGT_VAD_PAIRS; i++)
    if (c->pairs[i][0] < 0 || c->pairs[i][0] >= SGT_VAD_FEATURES || c->pairs[i][1] < 0 ||
        c->pairs[i][1] >= SGT_VAD_FEATURES)
      return "vad: a term pair index is out of range";
  if (c->n_cells < 1 || c->n_cells > SGT_MAX_CELLS || c->n_cells != c->n_yaw * c->n_pitch)
    return "eyes: n_cells must equal n_yaw * n_pitch (at most 1024)";
  if (c->size < 8 + c->n_cells || c->size > SGT_MAX_CELLS + 16 || c->i_saccade < 3 || c->i_saccade >= c->size ||
      c->i_blink < 3 || c->i_blink >= c->size || c->i_state < 3 || c->i_target < 3 ||
      c->i_target + c->n_cells > c->size || c->i_state + 3 > c->size)
    return "layout: output indices out of range";
  if (c->input_dim < c->block * c->frame_size + c->noise_dim) return "input_dim is smaller than features + noise";
  if (c->n_quantiles < 2 || c->n_quantiles > SGT_MAX_QUANTILES) return "prior: 2..256 shift quantiles";
  if (!(c->fps > 0) || !(c->cell_wy > 0) || !(c->cell_wp > 0) || !(c->prior_sigma > 0) || c->noise_dim < 0)
    return "fps, cell sizes and prior sigma must be > 0";
  return NULL;
}

void sgt_frames_reset(const SgtFramesConfig* c, SgtFramesState* st) {
  double offset[5], hazard[2], a1[3], a2[3], e[3];
  int has_hazard = st->has_hazard;
  memcpy(offset, st->offset, sizeof offset);
  memcpy(hazard, st->hazard, sizeof hazard);
  memcpy(a1, st->a1, sizeof a1);
  memcpy(a2, st->a2, sizeof a2);
  memcpy(e, st->e, sizeof e);
  memset(st, 0, sizeof *st);
  memcpy(st->offset, offset, sizeof offset);
  memcpy(st->hazard, hazard, sizeof hazard);
  memcpy(st->a1, a1, sizeof a1);
  memcpy(st->a2, a2, sizeof a2);
  memcpy(st->e, e, sizeof e);
  st->has_hazard = has_hazard;
  st->first = 1;
  st->gaze_state = FIXATION;
  for (int j = 0; j < 3; j++) st->lp1[j] = st->lp2[j] = c->net_mean[j];
  st->engagement = c->listen_level;
  memcpy(st->pose, st->offset, sizeof st->pose);     /* a new stream starts in its style's pose */
  st->posing = 0;
  for (int j = 0; j < 5; j++) st->posing |= st->pose[j] != 0.0;
}

/* ---- voice activity: VoiceActivity._block_features, _logit, _decide_means ------------------ */
static void hist_push(double* h, int* pos, int cap, double v) {
  h[*pos] = v;
  *pos = (*pos + 1) % cap;
}

/* min (want_max = 0) or max of the last min(count, cap) values, oldest first (deque order) */
static double hist_extreme(const double* h, int pos, int count, int cap, int want_max) {
  int n = count < cap ? count : cap;
  int i0 = ((pos - n) % cap + cap) % cap;
  double best = h[i0];
  for (int k = 1; k < n; k++) {
    double v = h[(i0 + k) % cap];
    best = want_max ? pmax(best, v) : pmin(best, v);
  }
  return best;
}

int sgt_frames_vad(const SgtFramesConfig* c, SgtFramesState* st, const float* stacked) {
  const int b = c->block, fs = c->frame_size;
  const double inv = 1.0 / b;
  double mean[SGT_MAX_FRAME], f[SGT_VAD_FEATURES], z[SGT_VAD_FEATURES];
  for (int j = 0; j < fs; j++) {
    double s = 0.0;
    for (int i = 0; i < b; i++) {
      double v = (double)stacked[i * fs + j];
      s += isfinite(v) ? v : 0.0;
    }
    mean[j] = s * inv;
  }
  const double e = mean[fs - 1];
  const double* cep = mean + 1; /* c1 .. c(n_cep - 1) */
  const int nc = c->n_cep - 1;
  double env = 0.0, flux = 0.0;
  for (int j = 1; j < nc; j++) env += cep[j] * cep[j];
  env = sqrt(env);
  if (st->has_prev) {
    for (int j = 0; j < nc; j++) {
      double d = cep[j] - st->prev_cep[j];
      flux += d * d;
    }
    flux = sqrt(flux);
  }
  memcpy(st->prev_cep, cep, sizeof(double) * nc);
  st->has_prev = 1;
  double* m = st->ema;
  if (st->first) {
    m[0] = e, m[1] = env, m[2] = flux, m[3] = cep[0], m[4] = e, m[5] = e;
    st->first = 0;
  }
  double k = c->k_energy;
  m[0] = k * m[0] + (1.0 - k) * e;
  k = c->k_feat;
  m[1] = k * m[1] + (1.0 - k) * env;
  m[2] = k * m[2] + (1.0 - k) * flux;
  m[3] = k * m[3] + (1.0 - k) * cep[0];
  m[4] = c->k_fast * m[4] + (1.0 - c->k_fast) * e;
  m[5] = c->k_slow * m[5] + (1.0 - c->k_slow) * e;
  double swing = fabs(m[4] - m[5]);
  m[6] = c->k_mod * m[6] + (1.0 - c->k_mod) * swing;
  m[7] = c->k_mod_long * m[7] + (1.0 - c->k_mod_long) * swing;
  st->hist_count++;
  hist_push(st->energy_hist, &st->hist_pos[0], c->floor_n, m[0]);
  double snr = pmin(m[0] - hist_extreme(st->energy_hist, st->hist_pos[0], st->hist_count, c->floor_n, 0), 40.0);
  hist_push(st->snr_hist, &st->hist_pos[1], c->snr_n, snr);
  hist_push(st->flux_hist, &st->hist_pos[2], c->flux_n, flux);
  f[0] = snr;
  f[1] = hist_extreme(st->snr_hist, st->hist_pos[1], st->hist_count, c->snr_n, 1);
  f[2] = pmin(pmax(m[0], -60.0), 40.0);
  f[3] = m[1];
  f[4] = m[2];
  f[5] = m[3];
  f[6] = m[6] / (m[6] + 2.0);
  f[7] = m[7] / (m[7] + 2.0);
  f[8] = hist_extreme(st->flux_hist, st->hist_pos[2], st->hist_count, c->flux_n, 0);
  for (int i = 0; i < SGT_VAD_FEATURES; i++) z[i] = (f[i] - c->vad_mean[i]) * c->vad_inv_scale[i];
  double out = c->vad_intercept - c->env_penalty * pmax(f[3] - c->env_voice_max, 0.0);
  for (int i = 0; i < SGT_VAD_FEATURES; i++) out += c->vad_coef[i] * z[i];
  for (int i = 0; i < SGT_VAD_PAIRS; i++)
    out += c->vad_coef[SGT_VAD_FEATURES + i] * z[c->pairs[i][0]] * z[c->pairs[i][1]];
  const double ks = c->k_smooth;
  m[8] = ks * m[8] + (1.0 - ks) * out;
  const double zs = m[8];
  st->run_on = zs >= c->on_logit ? st->run_on + 1 : 0;
  st->run_off = zs < c->off_logit ? st->run_off + 1 : 0;
  if (st->run_on >= c->onset)
    st->speaking = 1;
  else if (st->run_off >= c->hang)
    st->speaking = 0;
  st->speech_prob = 1.0 / (1.0 + exp(-pmin(pmax(zs, -30.0), 30.0)));
  return st->speaking;
}

/* ---- eyes: EyeRenderer.run and the events it starts ---------------------------------------- */
static double min_jerk(double tau) {
  if (tau <= 0.0) return 0.0;
  if (tau >= 1.0) return 1.0;
  double t3 = tau * tau * tau;
  return t3 * (10.0 + tau * (-15.0 + 6.0 * tau));
}

static double lid_closure(double t, double close, double hold, double open) {
  if (t <= 0.0) return 0.0;
  if (t < close) return min_jerk(t / close);
  t -= close;
  if (t <= hold) return 1.0;
  return 1.0 - min_jerk((t - hold) / open);
}

static double sigmoid(double x) {
  if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
  double e = exp(x);
  return e / (1.0 + e);
}

/* Python's round(x, 12): the nearest double to the decimal rounded to 12 places */
static double round12(double x) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.12f", x);
  return strtod(buf, NULL);
}

static int cell_of(const SgtFramesConfig* c, double yaw, double pitch) {
  double fy = floor((yaw + c->yaw_deg) / c->cell_wy), fp = floor((pitch + c->pitch_deg) / c->cell_wp);
  long iy = fy > 1e9 ? 1000000000L : (fy >= -1e9 ? (long)fy : -1000000000L); /* NaN: the lowest cell */
  long ip = fp > 1e9 ? 1000000000L : (fp >= -1e9 ? (long)fp : -1000000000L);
  iy = iy < 0 ? 0 : (iy > c->n_yaw - 1 ? c->n_yaw - 1 : iy);
  ip = ip < 0 ? 0 : (ip > c->n_pitch - 1 ? c->n_pitch - 1 : ip);
  return (int)(ip * c->n_yaw + iy);
}

static void start_blink(const SgtFramesConfig* c, SgtFramesState* st, double onset, double u_dur) {
  double f = 1.0 + c->blink_jitter * (2.0 * u_dur - 1.0);
  double close = c->blink_close * f;
  double open = close * c->blink_open_ratio;
  st->has_blink = 1;
  st->bl_t0 = onset, st->bl_close = close, st->bl_hold = c->blink_hold, st->bl_open = open;
  st->bl_end = round12(onset + close + c->blink_hold + open);
  st->next_blink = st->bl_end + c->blink_refractory;
}

static void set_move(SgtFramesState* st, double y0, double p0, double y1, double p1, double t0, double dur) {
  st->has_move = 1;
  st->mv_y0 = y0, st->mv_p0 = p0, st->mv_dy = y1 - y0, st->mv_dp = p1 - p0;
  st->mv_t0 = t0, st->mv_dur = dur, st->mv_end = t0 + dur;
}

/* GazePrior.fixation_survival / saccade_prob / shift_size / shift_target */
static double survival(const SgtFramesConfig* c, double age) {
  double a = age - c->prior_shift;
  if (a <= 0.0) return 1.0;
  return 0.5 * erfc((log(a) - c->prior_mu) / (c->prior_sigma * sqrt(2.0)));
}

static double prior_saccade_prob(const SgtFramesConfig* c, double age0, double age1) {
  double s0 = survival(c, age0);
  if (s0 <= 1e-12) return 1.0;
  return pmin(pmax(1.0 - survival(c, age1) / s0, 0.0), 1.0);
}

static double shift_size(const SgtFramesConfig* c, double u) {
  const double* xp = c->levels;
  const double* fp = c->amp;
  int n = c->n_quantiles;
  if (u <= xp[0]) return fp[0];
  if (u >= xp[n - 1]) return fp[n - 1];
  int j = 0;
  while (j + 2 < n && u >= xp[j + 1]) j++;
  double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  return slope * (u - xp[j]) + fp[j];
}

static void shift_target(const SgtFramesConfig* c, double yaw, double pitch, double u_size, double u_dir,
                         double* out) {
  const double hy = 0.0, hp = 0.0;
  double ry = (yaw - hy) / c->spread_yaw, rp = (pitch - hp) / c->spread_pitch;
  double dist = sqrt(ry * ry + rp * rp);
  if (dist > 1.0) {
    double f = u_size / dist;
    out[0] = hy + f * (yaw - hy), out[1] = hp + f * (pitch - hp);
    return;
  }
  double a = shift_size(c, u_size);
  double th = 2.0 * M_PI * u_dir;
  double cy = a * cos(th), cp = a * sin(th);
  for (int sgn = 0; sgn < 2; sgn++) {
    double sy = sgn ? -cy : cy, sp = sgn ? -cp : cp;
    double ty = yaw + sy, tp = pitch + sp;
    if (pow((ty - hy) / c->spread_yaw, 2.0) + pow((tp - hp) / c->spread_pitch, 2.0) <= 1.0) {
      out[0] = ty, out[1] = tp;
      return;
    }
  }
  double dy = hy - yaw, dp = hp - pitch;
  double d = sqrt(dy * dy + dp * dp);
  if (d < 1e-9) {
    out[0] = yaw, out[1] = pitch;
    return;
  }
  double f = pmin(a, d) / d;
  out[0] = yaw + f * dy, out[1] = pitch + f * dp;
}

/* EyeRenderer._choose_target */
static void choose_target(const SgtFramesConfig* c, SgtFramesState* st, const double* logits, const double* states,
                          const double* u, double* out) {
  const int nc = c->n_cells;
  double s[3], w[SGT_MAX_CELLS], lg[SGT_MAX_CELLS];
  int finite = 1;
  for (int i = 0; i < 3; i++) finite &= isfinite(states[i]) != 0;
  for (int i = 0; i < nc; i++) finite &= isfinite(logits[i]) != 0;
  for (int i = 0; i < 3; i++) s[i] = states[i];
  if (!finite) {
    st->nonfinite++;
    for (int i = 0; i < 3; i++) s[i] = isfinite(states[i]) ? states[i] : -INFINITY;
  }
  double m = pmax(pmax(s[0], s[1]), s[2]);
  int away = 0;
  if (m != -INFINITY) {
    double w0 = exp(s[0] - m), w1 = exp(s[1] - m), w2 = exp(s[2] - m);
    double total = w0 + w1 + w2;
    away = u[2] * total >= w0 && u[2] * total < w0 + w1;
  }
  int any = 0;
  for (int i = 0; i < nc; i++) {
    int in_zone = away ? !c->centre[i] : c->centre[i];
    lg[i] = isfinite(logits[i]) && in_zone ? logits[i] : -INFINITY;
    any |= isfinite(lg[i]) != 0;
  }
  if (!any) {
    for (int i = 0; i < nc; i++) {
      lg[i] = isfinite(logits[i]) ? logits[i] : -INFINITY;
      any |= isfinite(lg[i]) != 0;
    }
    if (!any)
      for (int i = 0; i < nc; i++) lg[i] = c->centre[i] ? 0.0 : -INFINITY;
  }
  double top = lg[0];
  for (int i = 1; i < nc; i++) top = pmax(top, lg[i]);
  double total = 0.0, cum[SGT_MAX_CELLS];
  for (int i = 0; i < nc; i++) {
    w[i] = exp(lg[i] - top);
    total += w[i];
    cum[i] = total;
  }
  double v = u[3] * cum[nc - 1];
  int cell = 0;
  while (cell < nc && !(cum[cell] > v)) cell++;
  if (cell > nc - 1) cell = nc - 1;
  while (w[cell] == 0.0 && cell > 0) cell--;
  double y0 = -c->yaw_deg + (cell % c->n_yaw) * c->cell_wy;
  double p0 = -c->pitch_deg + (cell / c->n_yaw) * c->cell_wp;
  out[0] = y0 + u[4] * c->cell_wy;
  out[1] = p0 + u[5] * c->cell_wp;
}

/* EyeRenderer._saccade: returns whether a blink starts with it */
static int saccade(const SgtFramesConfig* c, SgtFramesState* st, double lo, double t1, const double* u, int listen,
                   const double* targets, const double* states) {
  double onset = lo + u[1] * (t1 - lo);
  double sy = st->fix[0] + st->drift[0], sp = st->fix[1] + st->drift[1];
  double tg[2];
  if (listen)
    shift_target(c, st->anchor[0], st->anchor[1], u[4], u[5], tg);
  else
    choose_target(c, st, targets, states, u, tg);
  tg[0] = pmin(pmax(tg[0], -c->yaw_deg), c->yaw_deg);
  tg[1] = pmin(pmax(tg[1], -c->pitch_deg), c->pitch_deg);
  double dy = tg[0] - sy, dp = tg[1] - sp;
  double amp = sqrt(dy * dy + dp * dp);
  double dur = (c->saccade_intercept + c->saccade_slope * amp) * (1.0 + c->saccade_jitter * (2.0 * u[14] - 1.0));
  set_move(st, sy, sp, tg[0], tg[1], onset, dur);
  st->fix[0] = st->anchor[0] = tg[0];
  st->fix[1] = st->anchor[1] = tg[1];
  st->drift[0] = st->drift[1] = 0.0;
  st->fix_start = onset + dur;
  st->next_saccade = st->next_micro = onset + dur + c->min_fixation;
  if (!c->centre[cell_of(c, tg[0], tg[1])])
    st->gaze_state = AVERSION;
  else
    st->gaze_state = !c->centre[cell_of(c, sy, sp)] ? RETURN : FIXATION;
  if (amp >= c->blink_saccade_deg && u[8] < c->blink_saccade_prob && onset >= st->next_blink) {
    start_blink(c, st, onset, u[15]);
    return 1;
  }
  return 0;
}

/* EyeRenderer._micro */
static void micro(const SgtFramesConfig* c, SgtFramesState* st, double t, double t1, const double* u) {
  double lo = pmax(t, st->next_micro);
  double onset = lo + u[1] * (t1 - lo);
  double sy = st->fix[0] + st->drift[0], sp = st->fix[1] + st->drift[1];
  double a = c->micro_min + (c->micro_max - c->micro_min) * u[11];
  double cy = st->anchor[0] - sy, cp = st->anchor[1] - sp;
  double th;
  if (sqrt(cy * cy + cp * cp) > 0.05)
    th = atan2(cp, cy) + (u[10] - 0.5) * M_PI;
  else
    th = 2.0 * M_PI * u[10];
  double ey = sy + a * cos(th), ep = sp + a * sin(th);
  double dur = c->saccade_intercept + c->saccade_slope * a;
  set_move(st, sy, sp, ey, ep, onset, dur);
  st->fix[0] = ey, st->fix[1] = ep;
  st->drift[0] = st->drift[1] = 0.0;
  st->next_micro = onset + dur + c->min_fixation;
  st->next_saccade = pmax(st->next_saccade, onset + dur);
}

/* one frame of EyeRenderer.run; gaze yaw, pitch and lid into g */
static void eye_frame(const SgtFramesConfig* c, SgtFramesState* st, const double* u, int listen, double s_logit,
                      double b_logit, const double* targets, const double* states, double* g) {
  const double fps = c->fps, dt = 1.0 / fps;
  const double t = (double)st->frame / fps, t1 = (double)(st->frame + 1) / fps;
  int moving;
  if (st->has_move && t < st->mv_end) {
    double s = min_jerk((t - st->mv_t0) / st->mv_dur);
    g[0] = st->mv_y0 + s * st->mv_dy, g[1] = st->mv_p0 + s * st->mv_dp;
    moving = 1;
  } else {
    g[0] = st->fix[0] + st->drift[0], g[1] = st->fix[1] + st->drift[1];
    moving = 0;
  }
  g[2] = 0.0;
  if (st->has_blink && t < st->bl_end) g[2] = lid_closure(t - st->bl_t0, st->bl_close, st->bl_hold, st->bl_open);
  int started = 0, blink_start = 0;
  if (t1 > st->next_saccade) {
    double lo = pmax(t, st->next_saccade), p_s;
    if (listen) {
      p_s = prior_saccade_prob(c, lo - st->fix_start, t1 - st->fix_start);
    } else if (isfinite(s_logit)) {
      p_s = sigmoid(s_logit) * (t1 - lo) * fps;
    } else {
      p_s = 0.0;
      st->nonfinite++;
    }
    if (u[0] < p_s) {
      started = 1;
      blink_start = saccade(c, st, lo, t1, u, listen, targets, states);
    }
  }
  if (!started && t1 > st->next_micro && u[9] < c->micro_p * (t1 - pmax(t, st->next_micro)) * fps) {
    micro(c, st, t, t1, u);
    moving = 1;
  }
  if (!blink_start && t1 > st->next_blink) {
    double lo = pmax(t, st->next_blink), p_b;
    if (listen) {
      p_b = c->blink_p_listen;
    } else if (isfinite(b_logit)) {
      p_b = sigmoid(b_logit);
    } else {
      p_b = 0.0;
      st->nonfinite++;
    }
    if (u[6] < p_b * (t1 - lo) * fps) start_blink(c, st, lo + u[7] * (t1 - lo), u[15]);
  }
  if (!started && !(moving && st->mv_end > t1)) {
    double r = sqrt(-2.0 * log(1.0 - u[12])) * c->drift_step;
    double th = 2.0 * M_PI * u[13];
    double keep = 1.0 - c->drift_return * dt;
    st->drift[0] = st->drift[0] * keep + r * cos(th);
    st->drift[1] = st->drift[1] * keep + r * sin(th);
  }
  st->frame++;
}

void sgt_frames_inputs(const SgtFramesConfig* c, int n, const float* stacked, const float* draws, int draw_stride,
                       float* xs) {
  const int row = c->block * c->frame_size;
  for (int f = 0; f < n; f++) {
    const float* x = stacked + (long)f * row;
    float* o = xs + (long)f * c->input_dim;
    for (int i = 0; i < row; i++) o[i] = (x[i] - c->feat_mean[i]) / c->feat_std[i];
    memcpy(o + row, draws + (long)f * draw_stride, sizeof(float) * c->noise_dim);
  }
}

/* ---- the chunk: MotionRenderer.render_rows + _Stream.finish ---------------------------------- */
void sgt_frames_run(const SgtFramesConfig* c, SgtFramesState* st, int n, const float* stacked, const float* raw,
                    const float* draws, int draw_stride, const double* uniforms, double* out, int* speaking) {
  const int row = c->block * c->frame_size;
  const double k = c->k_smooth_head, k1 = 1 - k, lvl = c->listen_level;
  const int posing = st->posing;
  double r[SGT_MAX_CELLS + 16];
  for (int f = 0; f < n; f++) {
    const float* x = raw + (long)f * c->size;
    double* o = out + 6L * f;
    int spk = sgt_frames_vad(c, st, stacked + (long)f * row);
    speaking[f] = spk;
    for (int i = 0; i < c->size; i++) r[i] = (double)x[i];
    if (st->has_hazard) {
      r[c->i_saccade] += st->hazard[0];
      r[c->i_blink] += st->hazard[1];
    }
    double g[3];
    eye_frame(c, st, uniforms + (long)SGT_UNIFORMS * f, !spk, r[c->i_saccade], r[c->i_blink], r + c->i_target,
              r + c->i_state, g);
    /* head: HeadMotion.run */
    const float* z = draws + (long)f * draw_stride + c->noise_dim;
    const double sp = spk ? 1.0 : 0.0;
    double target = lvl + (1.0 - lvl) * pmin(pmax(sp, 0.0), 1.0);
    double rate = target > st->engagement ? c->attack : c->release;
    double eng = pmin(pmax(st->engagement + (target - st->engagement) * rate, 0.0), 1.0);
    st->engagement = eng;
    for (int j = 0; j < 3; j++) {
      double net = r[j] * c->net_std[j] + c->net_mean[j];
      double p = k * st->lp1[j] + k1 * net;
      double q = k * st->lp2[j] + k1 * p;
      double nj = st->a1[j] * st->r1[j] + st->a2[j] * st->r2[j] + st->e[j] * (double)z[j];
      st->lp1[j] = p, st->lp2[j] = q, st->r2[j] = st->r1[j], st->r1[j] = nj;
      o[j] = c->net_mean[j] + eng * ((q - c->net_mean[j]) + nj);
    }
    for (int j = 0; j < 3; j++) {
      volatile float gj = (float)g[j]; /* the Python path hands gaze and lid on as float32 */
      o[3 + j] = (double)gj;
    }
    if (posing)
      for (int j = 0; j < 5; j++) {
        double p = st->pose[j] = st->pose[j] + (st->offset[j] - st->pose[j]) * c->pose_rate;
        o[j] += p;
      }
    for (int j = 0; j < 6; j++) {
      double v = o[j];
      if (!(c->lo[j] <= v && v <= c->hi[j])) o[j] = isfinite(v) ? (v > c->hi[j] ? c->hi[j] : c->lo[j]) : c->zero[j];
    }
  }
  if (posing) {
    int any = 0;
    for (int j = 0; j < 5; j++) any |= st->offset[j] != 0.0 || st->pose[j] != 0.0;
    st->posing = any;
  }
}
