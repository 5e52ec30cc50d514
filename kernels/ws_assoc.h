/*
 * Association statistics, one definition each, shared by every kernel
 * (keyness, trends --emerging, cooc, ngrams --phrases), so the same counts
 * give the same numbers everywhere. docs/stats.md gives the formulas.
 *
 * A 2x2 contingency table is o[0] = O11, o[1] = O12, o[2] = O21,
 * o[3] = O22: for keyness, a term's occurrences in the target and the
 * reference (first row) and the other tokens of each (second row); for a
 * pair of terms, contexts with both, with the first only, the second only,
 * neither.
 */
#ifndef WS_ASSOC_H
#define WS_ASSOC_H

/* Dunning's log-likelihood G2 = 2 sum O ln(O / E) over the four cells
 * (0 ln 0 = 0), with E from the given expected cells; never negative. */
double ws_assoc_g2_oe(const double o[4], const double e[4]);
/* Pearson's chi-squared sum (O - E)^2 / E (no Yates correction; a cell
 * with E = 0 adds nothing). */
double ws_assoc_chi2_oe(const double o[4], const double e[4]);
/* The expected cells of table o under independence, from its margins. */
void ws_assoc_expected(const double o[4], double e[4]);
/* G2 and chi2 of a 2x2 table from its margins. */
double ws_assoc_g2(const double o[4]);
double ws_assoc_chi2(const double o[4]);

/* Pointwise mutual information log2(p(xy) / (p(x) p(y))) and its
 * normalised form PMI / -log2 p(xy), from probabilities; NPMI is 1 when
 * p(xy) = 1 (its limit), and is clamped to [-1, 1] against rounding. */
double ws_assoc_pmi(double pxy, double px, double py);
double ws_assoc_npmi(double pxy, double px, double py);

#endif
