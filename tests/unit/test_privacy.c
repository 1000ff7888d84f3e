/* test_privacy.c — personal data never reaches a log.
 *
 * Plants canary values in every personal field (first name, description,
 * "something else" text, comment, contact), runs journeys through the real
 * kiosk with debug logging on — completed, abandoned, and one whose script
 * fails while typing — then runs every amendsctl command, and searches all
 * log output (stderr) for the canaries. The export's standard output must
 * contain them: that proves the canaries really went through the system. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIOSK AM_BINARY_DIR "/bin/amends-kiosk"
#define CTL   AM_BINARY_DIR "/bin/amendsctl"

static const char *const canaries[] = {
    "CanaryName7Q", "CanaryDescr9X", "CanaryOther4K", "CanaryComment2M", "canary5z@example.org",
};

typedef struct fixture {
    char dir[400], data[1024], script[1024], out[1024], err[1024];
    char conf[1024], key[1024]; /* the test site with a voucher key */
    char *logs;                 /* every stderr seen, concatenated */
    size_t logs_len;
} fixture;

static void keep_log(fixture *f)
{
    size_t n = 0;
    char *e = am_test_read_file(f->err, &n);
    assert_non_null(e);
    char *grown = realloc(f->logs, f->logs_len + n + 1);
    assert_non_null(grown);
    f->logs = grown;
    memcpy(f->logs + f->logs_len, e, n + 1);
    f->logs_len += n;
    free(e);
}

static int kiosk(fixture *f, const char *script)
{
    FILE *s = fopen(f->script, "w");
    assert_non_null(s);
    fputs(script, s);
    fclose(s);
    char *argv[] = {KIOSK,        "--config", f->conf,   "--data-dir", f->data,
                    "--headless", "--script", f->script, "--verbose",  NULL};
    int rc = am_test_run_program(argv, f->out, f->err);
    keep_log(f);
    return rc;
}

static int ctl(fixture *f, const char *a1, const char *a2, const char *a3)
{
    char *argv[] = {CTL, "--data-dir", f->data, (char *)a1, (char *)a2, (char *)a3, NULL};
    int rc = am_test_run_program(argv, f->out, f->err);
    keep_log(f);
    return rc;
}

static void no_personal_data_in_any_log(void **state)
{
    (void)state;
    fixture fx = {0}, *f = &fx;
    am_test_tmpdir(f->dir, sizeof f->dir, "privacy");
    assert_true(snprintf(f->data, sizeof f->data, "%s/data", f->dir) < (int)sizeof f->data);
    assert_true(snprintf(f->script, sizeof f->script, "%s/p.script", f->dir) <
                (int)sizeof f->script);
    assert_true(snprintf(f->out, sizeof f->out, "%s/out", f->dir) < (int)sizeof f->out);
    assert_true(snprintf(f->err, sizeof f->err, "%s/err", f->dir) < (int)sizeof f->err);
    am_test_kiosk_conf(f->dir, f->conf, sizeof f->conf, f->key, sizeof f->key);

    char script[4096];
    snprintf(script, sizeof script,
             "tap start\ntap category.room\ntap impact.severe\ntap field.description\n"
             "type %s\ntap field.name\ntype %s\ntap next\ntap resolution.other\ntap "
             "field.other\ntype %s\ntap next\n"
             "tap offer.decline\ntap rating.2\ntap field.comment\ntype %s\n"
             "tap field.contact\ntype %s\ntap consent.yes\ntap done\nexpect thanks\n",
             canaries[1], canaries[0], canaries[2], canaries[3], canaries[4]);
    assert_int_equal(kiosk(f, script), 0);

    /* Abandoned with personal data on screen. */
    snprintf(script, sizeof script,
             "tap start\ntap category.noise\ntap impact.minor\ntap field.description\n"
             "type %s\ntap field.name\ntype %s\n"
             "wait 600\nexpect attract\n",
             canaries[1], canaries[0]);
    assert_int_equal(kiosk(f, script), 0);

    /* A script that fails while typing: the error names the step, never
     * the text. */
    snprintf(script, sizeof script, "tap start\ntype %s\n", canaries[1]);
    assert_int_equal(kiosk(f, script), 1);

    assert_int_equal(ctl(f, "status", NULL, NULL), 0);
    assert_int_equal(ctl(f, "sync-log", NULL, NULL), 0);
    assert_int_equal(ctl(f, "export", "--format", "csv"), 0);
    assert_int_equal(ctl(f, "export", "--format", "json"), 0);
    char *exported = am_test_read_file(f->out, NULL);
    assert_non_null(exported);
    for (size_t i = 0; i < sizeof canaries / sizeof canaries[0]; i++) {
        if (!strstr(exported, canaries[i]))
            fail_msg("canary %s never reached the store; the test proves nothing", canaries[i]);
    }
    free(exported);

    /* The logs are not empty: debug logging was on and journeys ran. */
    assert_non_null(strstr(f->logs, "committed"));
    for (size_t i = 0; i < sizeof canaries / sizeof canaries[0]; i++) {
        if (strstr(f->logs, canaries[i]))
            fail_msg("personal data '%s' found in log output:\n%s", canaries[i], f->logs);
    }
    free(f->logs);
    am_test_rmtree(f->dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(no_personal_data_in_any_log),
};

AM_TEST_MAIN(tests)
