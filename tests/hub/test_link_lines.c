/* test_link_lines.c — which of the project's libraries each program links
 * (tests/CMakeLists.txt writes them, walking every library's own links):
 * the hub checks vouchers with amends_voucher but links neither the
 * kiosk's store nor the library that issues vouchers into it, nor the
 * kiosk's ui or sync worker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_test.h"

/* The libraries `program` links, as one line " lib lib ... " (spaces at
 * both ends, so " name " finds a whole name). */
static char *libs_of(const char *program, char *line, size_t linelen)
{
    char *text = am_test_read_file(AM_BINARY_DIR "/tests/link-closure.txt", NULL);
    assert_non_null(text);
    char want[64];
    snprintf(want, sizeof want, "%s:", program);
    char *p = strstr(text, want);
    assert_non_null(p);
    p += strlen(want);
    size_t n = strcspn(p, "\n");
    assert_true(n + 2 < linelen);
    snprintf(line, linelen, "%.*s ", (int)n, p);
    free(text);
    return line;
}

static void hub_links_no_kiosk_store(void **state)
{
    (void)state;
    char line[1024];
    libs_of("amends-hub", line, sizeof line);
    assert_non_null(strstr(line, " amends_hub "));
    assert_non_null(strstr(line, " amends_voucher "));
    assert_null(strstr(line, " amends_store "));
    assert_null(strstr(line, " amends_voucher_store "));
    assert_null(strstr(line, " amends_ui "));
    assert_null(strstr(line, " amends_sync "));
}

/* The walk sees links through other libraries: amendsctl gets the store
 * through amends_voucher_store as well as directly. */
static void kiosk_programs_link_voucher_store(void **state)
{
    (void)state;
    char line[1024];
    libs_of("amendsctl", line, sizeof line);
    assert_non_null(strstr(line, " amends_voucher_store "));
    assert_non_null(strstr(line, " amends_voucher "));
    assert_non_null(strstr(line, " amends_store "));
    libs_of("amends-kiosk", line, sizeof line);
    assert_non_null(strstr(line, " amends_voucher_store "));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(hub_links_no_kiosk_store),
    cmocka_unit_test(kiosk_programs_link_voucher_store),
};

AM_TEST_MAIN(tests)
