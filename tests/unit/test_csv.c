/* test_csv.c — the one CSV writer (amends/csv.h): RFC 4180 quoting and the
 * formula defence for every dangerous start. */
#include "am_test.h"

#include <stdlib.h>
#include <string.h>

#include "amends/csv.h"

/* The cell as written, in a buffer the caller frees. */
static char *cell(const char *s, am_csv_quoting q)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *to = open_memstream(&buf, &len);
    assert_non_null(to);
    assert_int_equal(am_csv_cell(to, s, q), 0);
    assert_int_equal(fclose(to), 0);
    return buf;
}

static void assert_cell(const char *s, am_csv_quoting q, const char *want)
{
    char *got = cell(s, q);
    if (strcmp(got, want) != 0)
        fail_msg("cell of [%s]: got [%s], want [%s]", s, got, want);
    free(got);
}

static void every_dangerous_start_is_defused(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"=1+2", "\"'=1+2\""},
        {"+1", "\"'+1\""},
        {"-1", "\"'-1\""},
        {"@SUM(A1)", "\"'@SUM(A1)\""},
        {" =1+2", "\"' =1+2\""},
        {"\t=1", "\"'\t=1\""},
        {"\r=1", "\"'\r=1\""},
        {"\n=1", "\"'\n=1\""},
        {"\xef\xbc\x9d"
         "1+2",
         "\"'\xef\xbc\x9d"
         "1+2\""}, /* full-width = */
        {"\xef\xbc\x8b"
         "1",
         "\"'\xef\xbc\x8b"
         "1\""}, /* full-width + */
        {"\xef\xbc\x8d"
         "1",
         "\"'\xef\xbc\x8d"
         "1\""}, /* full-width - */
        {"\xef\xbc\xa0"
         "A1",
         "\"'\xef\xbc\xa0"
         "A1\""}, /* full-width @ */
        {"\"=1+2", "\"'\"\"=1+2\""},
        {"\"\"@x", "\"'\"\"\"\"@x\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(am_csv_formula_risk(cases[i].in));
        assert_cell(cases[i].in, AM_CSV_QUOTE_NEEDED, cases[i].out);
        assert_cell(cases[i].in, AM_CSV_QUOTE_ALL, cases[i].out);
    }
}

static void plain_text_is_kept_and_quoted_only_when_needed(void **state)
{
    (void)state;
    static const char *const safe[] = {"room", "1764650000000",   "a=b",
                                       "x-1",  "\"quoted\" text", "Zo\xc3\xab",
                                       "",     "\xef\xbc\xa1" /* full-width A */};
    for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++)
        assert_false(am_csv_formula_risk(safe[i]));
    assert_cell("room", AM_CSV_QUOTE_NEEDED, "room");
    assert_cell("room", AM_CSV_QUOTE_ALL, "\"room\"");
    assert_cell("", AM_CSV_QUOTE_NEEDED, "");
    assert_cell("", AM_CSV_QUOTE_ALL, "\"\"");
    assert_cell("a,b", AM_CSV_QUOTE_NEEDED, "\"a,b\"");
    assert_cell("say \"hi\"", AM_CSV_QUOTE_NEEDED, "\"say \"\"hi\"\"\"");
    assert_cell("line\r\nnext", AM_CSV_QUOTE_NEEDED, "\"line\r\nnext\"");
    assert_cell(NULL, AM_CSV_QUOTE_NEEDED, "");
}

static void a_row_ends_in_crlf(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *to = open_memstream(&buf, &len);
    assert_non_null(to);
    const char *cells[] = {"id", "=cmd", "a,b"};
    assert_int_equal(am_csv_row(to, cells, 3, AM_CSV_QUOTE_NEEDED), 0);
    assert_int_equal(fclose(to), 0);
    assert_string_equal(buf, "id,\"'=cmd\",\"a,b\"\r\n");
    free(buf);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_dangerous_start_is_defused),
        cmocka_unit_test(plain_text_is_kept_and_quoted_only_when_needed),
        cmocka_unit_test(a_row_ends_in_crlf),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
