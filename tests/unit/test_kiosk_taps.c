/* test_kiosk_taps.c — how many taps a guest who types nothing needs, on
 * the real kiosk (amends-kiosk --headless --script): report a category with
 * its impact, choose a fix, answer the offer and leave. The scripts' taps
 * are counted here, and the store is read to show the report arrived
 * complete. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/store.h"

#define KIOSK AM_BINARY_DIR "/bin/amends-kiosk"

/* The most taps the fastest path may take (issue 13). */
#define MAX_TAPS 6

typedef struct fixture {
    char dir[512];
    char script[600];
    char out[600];
    char err[600];
    char conf[600];
    char key[600];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    am_test_tmpdir(f->dir, sizeof f->dir, "kiosk-taps");
    snprintf(f->script, sizeof f->script, "%s/taps.script", f->dir);
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    snprintf(f->err, sizeof f->err, "%s/err", f->dir);
    am_test_kiosk_conf(f->dir, f->conf, sizeof f->conf, f->key, sizeof f->key);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    am_test_rmtree(f->dir);
    free(f);
    return 0;
}

/* Taps in a script: lines that start with "tap " or "tap-at ". */
static int count_taps(const char *script)
{
    int taps = 0;
    for (const char *line = script; *line;) {
        if (strncmp(line, "tap ", 4) == 0 || strncmp(line, "tap-at ", 7) == 0)
            taps++;
        const char *eol = strchr(line, '\n');
        if (!eol)
            break;
        line = eol + 1;
    }
    return taps;
}

static void run_kiosk(fixture *f, const char *text)
{
    FILE *s = fopen(f->script, "w");
    assert_non_null(s);
    fputs(text, s);
    assert_int_equal(fclose(s), 0);
    char data[600];
    snprintf(data, sizeof data, "%s/data", f->dir);
    char *argv[] = {KIOSK,        "--config", f->conf,   "--data-dir", data,
                    "--headless", "--script", f->script, NULL};
    int rc = am_test_run_program(argv, f->out, f->err);
    if (rc != 0) {
        char *e = am_test_read_file(f->err, NULL);
        fail_msg("kiosk exited %d:\n%s", rc, e ? e : "");
    }
}

typedef struct rows {
    int count;
    am_journey_row row[4];
} rows;

static int collect(const am_journey_row *row, void *ud)
{
    rows *r = ud;
    if (r->count < 4)
        r->row[r->count] = *row;
    r->count++;
    return 0;
}

static void load_rows(fixture *f, rows *r)
{
    char data[600], err[512];
    snprintf(data, sizeof data, "%s/data", f->dir);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    am_store *st = NULL;
    assert_int_equal(am_store_open(data, AM_STORE_READONLY, now, &st, err, sizeof err), AM_OK);
    memset(r, 0, sizeof *r);
    assert_int_equal(am_store_journeys_each(st, 0, collect, r), AM_OK);
    am_store_close(st);
}

/* Category on attract, impact, send, the fix (which moves on), the offer
 * answered in one tap, Finish: six taps, and the report is stored complete
 * with everything the guest chose. */
static void fastest_path_with_an_offer_is_six_taps(void **state)
{
    fixture *f = *state;
    static const char script[] = "expect attract\n"
                                 "tap category.room\n"
                                 "expect details\n"
                                 "tap impact.significant\n"
                                 "tap next\n"
                                 "expect apology\n"
                                 "tap resolution.replace\n"
                                 "expect offer\n"
                                 "tap offer.decline\n"
                                 "expect followup\n"
                                 "tap done\n"
                                 "expect thanks\n";
    int taps = count_taps(script);
    print_message("fastest path with an offer: %d taps\n", taps);
    assert_int_equal(taps, MAX_TAPS);
    run_kiosk(f, script);
    rows r;
    load_rows(f, &r);
    assert_int_equal(r.count, 1);
    const am_report *rep = &r.row[0].report;
    assert_int_equal(rep->outcome, AM_OUTCOME_COMPLETED);
    assert_string_equal(rep->category, "room");
    assert_int_equal(rep->severity, AM_SEVERITY_SIGNIFICANT);
    assert_string_equal(rep->resolution, "replace");
    assert_string_equal(rep->offer, "drink");
    assert_int_equal(rep->offer_state, AM_OFFER_DECLINED);
    assert_int_equal(rep->rating, 0);
    assert_string_equal(rep->contact, "");
}

/* Without an offer for the report (a minor one here) the same path is one
 * tap shorter; accepting the offer takes as many taps as declining it. */
static void no_offer_is_five_taps_and_accepting_is_six(void **state)
{
    fixture *f = *state;
    static const char no_offer[] = "expect attract\n"
                                   "tap category.noise\n"
                                   "tap impact.minor\n"
                                   "tap next\n"
                                   "tap resolution.replace\n"
                                   "expect followup\n"
                                   "tap done\n"
                                   "expect thanks\n"
                                   "tap done\n"
                                   "expect attract\n"
                                   "tap category.room\n"
                                   "tap impact.severe\n"
                                   "tap next\n"
                                   "tap resolution.replace\n"
                                   "expect offer\n"
                                   "tap offer.accept\n"
                                   "expect followup\n"
                                   "tap done\n"
                                   "expect thanks\n";
    /* Two guests: the first to thanks in 5 taps, then Done on thanks (a
     * tap a guest need not make: thanks goes back by itself), then 6. */
    assert_int_equal(count_taps(no_offer), 5 + 1 + MAX_TAPS);
    run_kiosk(f, no_offer);
    rows r;
    load_rows(f, &r);
    assert_int_equal(r.count, 2);
    int accepted = 0, none = 0;
    for (int i = 0; i < 2; i++) {
        const am_report *rep = &r.row[i].report;
        assert_int_equal(rep->outcome, AM_OUTCOME_COMPLETED);
        assert_string_equal(rep->resolution, "replace");
        if (rep->offer_state == AM_OFFER_ACCEPTED) {
            accepted++;
            assert_string_equal(rep->category, "room");
            assert_true(rep->voucher[0] != '\0');
        } else if (rep->offer_state == AM_OFFER_NONE) {
            none++;
            assert_string_equal(rep->category, "noise");
        }
    }
    assert_int_equal(accepted, 1);
    assert_int_equal(none, 1);
}

/* A guest with a USB keypad or a switch: the whole journey with keys
 * alone, no tap. Tab and the arrows move a focus ring in reading order
 * (checked at each step with expect-focus), Space and Return do what a
 * tap would; the report arrives complete. */
static void journey_with_keys_alone(void **state)
{
    fixture *f = *state;
    static const char script[] = "expect attract\n"
                                 "key Tab\n"
                                 "expect-focus mode.contrast\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "expect-focus category.room\n"
                                 "key Right\n"
                                 "expect-focus category.noise\n"
                                 "key Left\n"
                                 "expect-focus category.room\n"
                                 "key Return\n"
                                 "expect details\n"
                                 "key Tab\n"
                                 "expect-focus impact.minor\n"
                                 "key Down\n"
                                 "expect-focus impact.significant\n"
                                 "key Space\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "expect-focus field.description\n"
                                 "key Return\n"
                                 "type The shower ran cold.\n"
                                 "key Return\n"
                                 "expect apology\n"
                                 "key Tab\n"
                                 "expect-focus resolution.replace\n"
                                 "key Return\n"
                                 "expect offer\n"
                                 "key Tab\n"
                                 "expect-focus offer.accept\n"
                                 "key Space\n"
                                 "expect followup\n"
                                 "key Tab\n"
                                 "expect-focus rating.1\n"
                                 "key Right\n"
                                 "key Right\n"
                                 "key Right\n"
                                 "key Right\n"
                                 "expect-focus rating.5\n"
                                 "key Space\n"
                                 "key BackTab\n"
                                 "expect-focus rating.4\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "expect-focus skip\n"
                                 "key Tab\n"
                                 "expect-focus done\n"
                                 "key Return\n"
                                 "expect thanks\n"
                                 "key Return\n"
                                 "expect attract\n";
    assert_int_equal(count_taps(script), 0);
    run_kiosk(f, script);
    rows r;
    load_rows(f, &r);
    assert_int_equal(r.count, 1);
    const am_report *rep = &r.row[0].report;
    assert_int_equal(rep->outcome, AM_OUTCOME_COMPLETED);
    assert_string_equal(rep->category, "room");
    assert_int_equal(rep->severity, AM_SEVERITY_SIGNIFICANT);
    assert_string_equal(rep->description, "The shower ran cold.");
    assert_string_equal(rep->resolution, "replace");
    assert_int_equal(rep->offer_state, AM_OFFER_ACCEPTED);
    assert_int_equal(rep->rating, 5);
}

/* In Arabic the reading order runs right to left: the first category is
 * the rightmost, Left moves on to the next and Right back. */
static void keys_follow_arabic_reading_order(void **state)
{
    fixture *f = *state;
    static const char script[] = "expect attract\n"
                                 "tap lang.ar\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "key Tab\n"
                                 "expect-focus category.room\n"
                                 "key Left\n"
                                 "expect-focus category.noise\n"
                                 "key Right\n"
                                 "expect-focus category.room\n"
                                 "key Return\n"
                                 "expect details\n";
    run_kiosk(f, script);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(journey_with_keys_alone, setup, teardown),
    cmocka_unit_test_setup_teardown(keys_follow_arabic_reading_order, setup, teardown),
    cmocka_unit_test_setup_teardown(fastest_path_with_an_offer_is_six_taps, setup, teardown),
    cmocka_unit_test_setup_teardown(no_offer_is_five_taps_and_accepting_is_six, setup, teardown),
};

AM_TEST_MAIN(tests)
