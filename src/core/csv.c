/* csv.c — the one CSV writer (see amends/csv.h). */
#include "amends/csv.h"

#include <string.h>

/* The full-width forms of = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20) in
 * UTF-8. */
static const char *const fullwidth[] = {"\xef\xbc\x9d", "\xef\xbc\x8b", "\xef\xbc\x8d",
                                        "\xef\xbc\xa0"};

bool am_csv_formula_risk(const char *s)
{
    if (!s)
        return false;
    /* A quote in front hides nothing: "=1+2 is still a formula. */
    while (*s == '"')
        s++;
    if (*s && strchr("=+-@ \t\r\n", *s))
        return true;
    for (size_t i = 0; i < sizeof fullwidth / sizeof fullwidth[0]; i++) {
        if (strncmp(s, fullwidth[i], strlen(fullwidth[i])) == 0)
            return true;
    }
    return false;
}

int am_csv_cell(FILE *to, const char *s, am_csv_quoting quoting)
{
    if (!s)
        s = "";
    bool formula = am_csv_formula_risk(s);
    bool quote = quoting == AM_CSV_QUOTE_ALL || formula || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        fputs(s, to);
        return ferror(to) ? -1 : 0;
    }
    fputc('"', to);
    if (formula)
        fputc('\'', to);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', to);
        fputc(*s, to);
    }
    fputc('"', to);
    return ferror(to) ? -1 : 0;
}

int am_csv_row(FILE *to, const char *const *cells, int n, am_csv_quoting quoting)
{
    for (int i = 0; i < n; i++) {
        if (i)
            fputc(',', to);
        am_csv_cell(to, cells[i], quoting);
    }
    fputs("\r\n", to);
    return ferror(to) ? -1 : 0;
}
