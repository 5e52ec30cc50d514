/* Association statistics (see ws_assoc.h and docs/stats.md). */
#include "ws_assoc.h"

#include <math.h>

static double xlx(double o, double e) { return o > 0 && e > 0 ? o * log(o / e) : 0.0; }

double ws_assoc_g2_oe(const double o[4], const double e[4])
{
    double g = 2.0 * (xlx(o[0], e[0]) + xlx(o[1], e[1]) + xlx(o[2], e[2]) + xlx(o[3], e[3]));
    return g > 0 ? g : 0.0; /* rounding when O = E */
}

double ws_assoc_chi2_oe(const double o[4], const double e[4])
{
    double x = 0;
    for (int i = 0; i < 4; i++)
        if (e[i] > 0) x += (o[i] - e[i]) * (o[i] - e[i]) / e[i];
    return x;
}

void ws_assoc_expected(const double o[4], double e[4])
{
    double r1 = o[0] + o[1], r2 = o[2] + o[3], c1 = o[0] + o[2], c2 = o[1] + o[3], n = r1 + r2;
    if (n <= 0) {
        e[0] = e[1] = e[2] = e[3] = 0;
        return;
    }
    e[0] = r1 * c1 / n;
    e[1] = r1 * c2 / n;
    e[2] = r2 * c1 / n;
    e[3] = r2 * c2 / n;
}

double ws_assoc_g2(const double o[4])
{
    double e[4];
    ws_assoc_expected(o, e);
    return ws_assoc_g2_oe(o, e);
}

double ws_assoc_chi2(const double o[4])
{
    double e[4];
    ws_assoc_expected(o, e);
    return ws_assoc_chi2_oe(o, e);
}

double ws_assoc_pmi(double pxy, double px, double py) { return log2(pxy / (px * py)); }

double ws_assoc_npmi(double pxy, double px, double py)
{
    if (pxy >= 1.0) return 1.0;
    double v = ws_assoc_pmi(pxy, px, py) / -log2(pxy);
    return v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v;
}
