/*
 * Tests for the shared association statistics (kernels/ws_assoc.c): the
 * one G2, chi2, PMI and NPMI every kernel uses. Expectations are computed
 * here from the textbook formulas written out cell by cell.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "ws_assoc.h"
#include "ws_k_trends.h"

static double close_to(double a, double b) { return fabs(a - b) <= 1e-12 * (1 + fabs(b)); }

Test(assoc, g2_of_the_issue_counts)
{
    /* a = 10 of c = 1000 against b = 5 of d = 2000: keyness (a term's
     * tokens) and trends --emerging (stories with a term) are the same
     * 2x2 table, so the same G2 (issue 13: they gave 6.93 and 6.97). */
    double a = 10, b = 5, c = 1000, d = 2000, n = c + d, k = a + b;
    double e11 = c * k / n, e12 = d * k / n, e21 = c * (n - k) / n, e22 = d * (n - k) / n;
    double want = 2 * (a * log(a / e11) + b * log(b / e12) + (c - a) * log((c - a) / e21) + (d - b) * log((d - b) / e22));
    const double o[4] = {a, b, c - a, d - b};
    cr_expect(close_to(ws_assoc_g2(o), want), "%.12g vs %.12g", ws_assoc_g2(o), want);
    cr_expect(close_to(ws_trends_g2(10, 1000, 5, 2000), want));
    char buf[32];
    snprintf(buf, sizeof buf, "%.10g", want);
    cr_expect_str_eq(buf, "6.969191932");
}

Test(assoc, chi2_matches_the_closed_form)
{
    double a = 7, b = 3, c = 50, d = 80, n = c + d;
    const double o[4] = {a, b, c - a, d - b};
    double x = a * (d - b) - b * (c - a);
    double want = n * x * x / ((a + b) * (n - a - b) * c * d);
    cr_expect(close_to(ws_assoc_chi2(o), want), "%.12g vs %.12g", ws_assoc_chi2(o), want);
}

Test(assoc, edges)
{
    const double same[4] = {5, 10, 45, 90}; /* a/c == b/d */
    cr_expect_eq(ws_assoc_g2(same) < 1e-12, 1);
    const double zero[4] = {0, 0, 0, 0};
    cr_expect_eq(ws_assoc_g2(zero), 0.0);
    cr_expect_eq(ws_assoc_chi2(zero), 0.0);
    cr_expect_eq(ws_assoc_npmi(1.0, 1.0, 1.0), 1.0);
    /* Never outside [-1, 1], even with probabilities that do not bound
     * each other (p(xy) > p(x) p(y) / p(xy)). */
    cr_expect_leq(ws_assoc_npmi(0.5, 0.4, 0.4), 1.0);
    cr_expect_geq(ws_assoc_npmi(1e-9, 0.9, 0.9), -1.0);
    cr_expect(close_to(ws_assoc_pmi(0.1, 0.2, 0.25), log2(2.0)));
}
