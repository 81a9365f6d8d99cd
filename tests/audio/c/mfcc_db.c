/* The libm-free 10*log10 of sgt_mfcc.c (Decibels) against libm's log10, over the whole range
 * the features can take (log_floor 1e-30 up to powers far beyond full scale), powers of ten,
 * values around 1 and around the sqrt(2) split. Exit status 0 when the relative error stays
 * within 4e-16 (a few ulp) and the absolute error within 1e-13 dB; 1 otherwise. */
#include <math.h>
#include <stdio.h>

#include "sgt_mfcc.c"

#define N 200000

int main(void) {
  static double v[N], ref[N];
  double worst_rel = 0.0, worst_abs = 0.0;
  unsigned long long state = 88172645463325252ULL;
  int i;
  for (i = 0; i < N; ++i) {
    double u;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    u = (double)(state >> 11) * (1.0 / 9007199254740992.0);
    if (i < 61) {
      v[i] = pow(10.0, i - 30);                                   /* 1e-30 .. 1e30 */
    } else if (i < 2061) {
      v[i] = 1.0 + (i - 1061) * 1e-16 * 8;                        /* around 1: log near 0 */
    } else if (i < 4061) {
      v[i] = ldexp(1.41421356237309504880 + (i - 3061) * 2.3e-16, (i % 40) - 20); /* sqrt(2) */
    } else {
      v[i] = pow(10.0, -30.0 + 60.0 * u);
    }
    ref[i] = 10.0 * log10(v[i]);
  }
  Decibels(v, N);
  for (i = 0; i < N; ++i) {
    const double d = fabs(v[i] - ref[i]);
    if (d > worst_abs) worst_abs = d;
    if (ref[i] != 0.0 && d / fabs(ref[i]) > worst_rel) worst_rel = d / fabs(ref[i]);
    if (!(d <= 1e-13) || (ref[i] != 0.0 && !(d / fabs(ref[i]) <= 4e-16 || d <= 1e-15))) {
      printf("FAIL at %.17g: %.17g, libm %.17g\n", ref[i] == 0.0 ? 1.0 : pow(10.0, ref[i] / 10.0),
             v[i], ref[i]);
      return 1;
    }
  }
  printf("ok: max relative error %.3g, max absolute %.3g dB\n", worst_rel, worst_abs);
  return 0;
}
