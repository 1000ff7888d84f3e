/* csv.h — the one CSV writer: RFC 4180 cells with the formula defence.
 *
 * Every CSV that amends writes goes through here: amendsctl's export, the
 * kiosk's USB export and the hub's /v1/feedback and /v1/followups. A cell
 * that a spreadsheet could run as a formula is written as text: quoted,
 * with an apostrophe in front, the usual defence against CSV formula
 * injection (OWASP). The starts that count as dangerous:
 *   = + - @                  a formula
 *   ＝ ＋ － ＠ (full width)   taken for their ASCII forms by some spreadsheets
 *   space, tab, CR, LF       skipped by spreadsheets before the formula
 *   " followed by any of these, as in "=1+2
 * Pure C, no I/O but the FILE given.
 */
#ifndef AMENDS_CSV_H
#define AMENDS_CSV_H

#include <stdbool.h>
#include <stdio.h>

typedef enum am_csv_quoting {
    AM_CSV_QUOTE_NEEDED = 0, /* quote a cell only when it must be (comma, quote, CR, LF) */
    AM_CSV_QUOTE_ALL,        /* quote every cell */
} am_csv_quoting;

/* True when a spreadsheet could take text starting like s for a formula. */
bool am_csv_formula_risk(const char *s);

/* Writes one cell (without a separator). Quotes are doubled. Returns 0, or
 * -1 when writing failed (ferror). */
int am_csv_cell(FILE *to, const char *s, am_csv_quoting quoting);

/* Writes a row of n cells separated by commas, ended by CRLF. 0 or -1. */
int am_csv_row(FILE *to, const char *const *cells, int n, am_csv_quoting quoting);

#endif
