/* Harness for sgt_frames.c: a text config on stdin ("name count v1 .. vcount" per line, then a
 * "style" line with the 9 remainder coefficients, 5 pose offsets, 2 hazard shifts and a has-hazard
 * flag, then "end"), then binary chunks: int32 n, n stacked rows (float32), n network outputs
 * (float32), n draw rows (float32), n x 16 uniforms (float64); int32 -1 ends. Per frame it writes
 * the 6 output doubles and the int32 speaking state (host byte order), so two builds can be
 * compared byte for byte. Exit status: 0 ok, 2 bad config, 3 bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgt_frames.h"

static SgtFramesConfig cfg;
static SgtFramesState st;

typedef struct {
  const char* name;
  void* ptr;
  int count, is_int;
} Field;

#define I(f) {#f, &cfg.f, 1, 1},
#define D(f) {#f, &cfg.f, 1, 0},
#define A(f, n) {#f, cfg.f, n, 0},
static const Field FIELDS[] = {SGT_FRAMES_FIELDS(I, D, A){NULL, NULL, 0, 0}};
#undef I
#undef D
#undef A

static int read_values(double* v, int count) {
  for (int i = 0; i < count; i++)
    if (scanf("%lf", &v[i]) != 1) return 0;
  return 1;
}

static int read_config(void) {
  static double v[8192];
  char name[64];
  int count;
  while (scanf("%63s", name) == 1 && strcmp(name, "end") != 0) {
    if (scanf("%d", &count) != 1 || count < 0 || count > 8192 || !read_values(v, count)) return 0;
    const Field* f = FIELDS;
    while (f->name != NULL && strcmp(f->name, name) != 0) f++;
    if (f->name != NULL) {
      if (count != f->count) return 0;
      for (int i = 0; i < count; i++) {
        if (f->is_int)
          ((int*)f->ptr)[i] = (int)v[i];
        else
          ((double*)f->ptr)[i] = v[i];
      }
    } else if (strcmp(name, "pairs") == 0 && count == 2 * SGT_VAD_PAIRS) {
      for (int i = 0; i < count; i++) cfg.pairs[i / 2][i % 2] = (int)v[i];
    } else if (strcmp(name, "centre") == 0 && count <= SGT_MAX_CELLS) {
      for (int i = 0; i < count; i++) cfg.centre[i] = v[i] != 0.0;
    } else if ((strcmp(name, "amp") == 0 || strcmp(name, "levels") == 0) && count <= SGT_MAX_QUANTILES) {
      memcpy(name[0] == 'a' ? cfg.amp : cfg.levels, v, sizeof(double) * count);
      cfg.n_quantiles = count;
    } else if ((strcmp(name, "feat_mean") == 0 || strcmp(name, "feat_std") == 0) && count <= 4096) {
      float* dst = name[5] == 'm' ? cfg.feat_mean : cfg.feat_std;
      for (int i = 0; i < count; i++) dst[i] = (float)v[i];
    } else if (strcmp(name, "style") == 0 && count == 17) {
      for (int j = 0; j < 3; j++) st.a1[j] = v[3 * j], st.a2[j] = v[3 * j + 1], st.e[j] = v[3 * j + 2];
      memcpy(st.offset, v + 9, sizeof st.offset);
      memcpy(st.hazard, v + 14, sizeof st.hazard);
      st.has_hazard = v[16] != 0.0;
    } else {
      return 0;
    }
  }
  return sgt_frames_check(&cfg) == NULL;
}

int main(void) {
  if (!read_config()) return 2;
  sgt_frames_reset(&cfg, &st);
  getchar(); /* the newline after "end" */
  const int row = cfg.block * cfg.frame_size, stride = cfg.noise_dim + 3;
  int n;
  while (fread(&n, sizeof n, 1, stdin) == 1 && n >= 0) {
    if (n > 100000) return 3;
    float* stacked = malloc(sizeof(float) * ((size_t)n * row + 1));
    float* raw = malloc(sizeof(float) * ((size_t)n * cfg.size + 1));
    float* draws = malloc(sizeof(float) * ((size_t)n * stride + 1));
    double* u = malloc(sizeof(double) * ((size_t)n * SGT_UNIFORMS + 1));
    double* out = malloc(sizeof(double) * ((size_t)n * 6 + 1));
    int* spk = malloc(sizeof(int) * ((size_t)n + 1));
    if (!stacked || !raw || !draws || !u || !out || !spk) return 3;
    if (fread(stacked, sizeof(float), (size_t)n * row, stdin) != (size_t)n * row ||
        fread(raw, sizeof(float), (size_t)n * cfg.size, stdin) != (size_t)n * cfg.size ||
        fread(draws, sizeof(float), (size_t)n * stride, stdin) != (size_t)n * stride ||
        fread(u, sizeof(double), (size_t)n * SGT_UNIFORMS, stdin) != (size_t)n * SGT_UNIFORMS)
      return 3;
    sgt_frames_run(&cfg, &st, n, stacked, raw, draws, stride, u, out, spk);
    for (int f = 0; f < n; f++) {
      fwrite(out + 6 * f, sizeof(double), 6, stdout);
      fwrite(spk + f, sizeof(int), 1, stdout);
    }
    free(stacked), free(raw), free(draws), free(u), free(out), free(spk);
  }
  return 0;
}
