/* test_log.c — the logging module: levels, one line per event. */
#include "am_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amends/log.h"

/* Runs fn with stderr sent to a temporary file and returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
    char dir[512], path[600];
    am_test_tmpdir(dir, sizeof dir, "log");
    snprintf(path, sizeof path, "%s/stderr", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    int saved = dup(2);
    dup2(fd, 2);
    close(fd);
    fn();
    dup2(saved, 2);
    close(saved);
    char *out = am_test_read_file(path, NULL);
    assert_non_null(out);
    am_test_rmtree(dir);
    return out;
}

static void emit_levels(void)
{
    am_log_set_ident("amends-test");
    am_log_set_level(AM_LOG_WARN);
    am_log_info("store", "dropped %d", 1);
    am_log_warn("store", "kept %d", 2);
    am_log_error("sync", "also kept");
    am_log_set_level(AM_LOG_INFO);
}

static void levels_filter_and_format(void **state)
{
    (void)state;
    char *out = capture_stderr(emit_levels);
    assert_string_equal(out,
                        "amends-test: warn: store: kept 2\namends-test: error: sync: also kept\n");
    free(out);
}

static void emit_multiline(void)
{
    am_log_set_ident("amends-test");
    am_log_info("ui", "first\nsecond\rthird");
}

static void one_event_is_one_line(void **state)
{
    (void)state;
    char *out = capture_stderr(emit_multiline);
    assert_string_equal(out, "amends-test: info: ui: first second third\n");
    free(out);
}

static void parse_level_names(void **state)
{
    (void)state;
    am_log_level lvl;
    assert_int_equal(am_log_parse_level("debug", &lvl), AM_OK);
    assert_int_equal(lvl, AM_LOG_DEBUG);
    assert_int_equal(am_log_parse_level("error", &lvl), AM_OK);
    assert_int_equal(lvl, AM_LOG_ERROR);
    assert_int_equal(am_log_parse_level("loud", &lvl), AM_ERR_INVALID);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(levels_filter_and_format),
    cmocka_unit_test(one_event_is_one_line),
    cmocka_unit_test(parse_level_names),
};

AM_TEST_MAIN(tests)
