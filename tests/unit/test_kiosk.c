/* test_kiosk.c — amends-kiosk run as a site would run it: the real binary,
 * a real store, automation scripts; checks what reaches the store and what
 * a person sees when something is wrong. */
#include "am_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "amends/store.h"

#define KIOSK     AM_BINARY_DIR "/bin/amends-kiosk"
#define TEST_CONF AM_SOURCE_DIR "/tests/fixtures/kiosk-test.conf"

typedef struct fixture {
    char dir[512];
    char script[600];
    char out[600];
    char err[600];
    char conf[600]; /* the test site with a voucher key, for offers */
    char key[600];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    am_test_tmpdir(f->dir, sizeof f->dir, "kiosk");
    snprintf(f->script, sizeof f->script, "%s/test.script", f->dir);
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    snprintf(f->err, sizeof f->err, "%s/err", f->dir);
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

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes `text` as the script and runs the kiosk on it with the test site
 * config (or the built-in defaults when conf is NULL). */
static int run_script(fixture *f, const char *conf, const char *text)
{
    FILE *s = fopen(f->script, "w");
    assert_non_null(s);
    fputs(text, s);
    fclose(s);
    char data[600];
    snprintf(data, sizeof data, "%s/data", f->dir);
    char *argv[10];
    int i = 0;
    argv[i++] = KIOSK;
    if (conf) {
        argv[i++] = "--config";
        argv[i++] = (char *)conf;
    }
    argv[i++] = "--data-dir";
    argv[i++] = data;
    argv[i++] = "--headless";
    argv[i++] = "--script";
    argv[i++] = f->script;
    argv[i] = NULL;
    return am_test_run_program(argv, f->out, f->err);
}

static char *err_text(fixture *f)
{
    char *s = am_test_read_file(f->err, NULL);
    assert_non_null(s);
    return s;
}

static void assert_err_contains(fixture *f, const char *needle)
{
    char *e = err_text(f);
    if (!strstr(e, needle))
        fail_msg("stderr lacks \"%s\"; it was:\n%s", needle, e);
    free(e);
}

typedef struct rows {
    int count;
    am_journey_row row[8];
} rows;

static int collect(const am_journey_row *row, void *ud)
{
    rows *r = ud;
    if (r->count < 8)
        r->row[r->count] = *row;
    r->count++;
    return 0;
}

static void load_rows(fixture *f, rows *r, am_store_status *status)
{
    char data[600], err[512];
    snprintf(data, sizeof data, "%s/data", f->dir);
    am_store *st;
    assert_int_equal(am_store_open(data, AM_STORE_READONLY, wall_ms(), &st, err, sizeof err),
                     AM_OK);
    memset(r, 0, sizeof *r);
    assert_int_equal(am_store_journeys_each(st, 0, collect, r), AM_OK);
    if (status)
        assert_int_equal(am_store_get_status(st, status), AM_OK);
    am_store_close(st);
}

static const char *const full_journey = "expect attract\n"
                                        "tap start\n"
                                        "tap category.room\n"
                                        "tap impact.severe\n"
                                        "tap field.description\n"
                                        "type The shower ran cold, all week.\n"
                                        "tap field.name\n"
                                        "type Amira\n"
                                        "tap next\n"
                                        "expect apology\n"
                                        "tap resolution.replace\n"
                                        "expect offer\n"
                                        "tap offer.accept\n"
                                        "expect followup\n"
                                        "tap rating.5\n"
                                        "tap field.comment\n"
                                        "type Quick and kind.\n"
                                        "tap field.contact\n"
                                        "type room 214\n"
                                        "tap consent.yes\n"
                                        "tap done\n"
                                        "expect thanks\n"
                                        /* A voucher keeps thanks up for
                                         * [journey] voucher_seconds (60),
                                         * not [idle] thanks (15). */
                                        "wait 15\n"
                                        "expect thanks\n"
                                        "wait 45\n"
                                        "expect attract\n";

static void full_journey_reaches_the_store(void **state)
{
    fixture *f = *state;
    am_test_kiosk_conf(f->dir, f->conf, sizeof f->conf, f->key, sizeof f->key);
    assert_int_equal(run_script(f, f->conf, full_journey), 0);
    rows r;
    am_store_status st;
    load_rows(f, &r, &st);
    assert_int_equal(r.count, 1);
    const am_report *rep = &r.row[0].report;
    assert_string_equal(r.row[0].kiosk, "test-kiosk");
    assert_int_equal(rep->outcome, AM_OUTCOME_COMPLETED);
    assert_string_equal(rep->category, "room");
    assert_int_equal(rep->severity, AM_SEVERITY_SEVERE);
    assert_string_equal(rep->description, "The shower ran cold, all week.");
    assert_string_equal(rep->first_name, "Amira");
    assert_string_equal(rep->resolution, "replace");
    assert_string_equal(rep->offer, "drink");
    assert_int_equal(rep->offer_value_minor, 600);
    assert_int_equal(rep->offer_state, AM_OFFER_ACCEPTED);
    assert_int_equal(strlen(rep->voucher), 19); /* XXXX-XXXX-XXXX-XXXX */
    {
        /* The offer's own validity (valid_days = 3), not [budget] voucher_days. */
        char data[600], err[512];
        snprintf(data, sizeof data, "%s/data", f->dir);
        am_store *vst;
        am_voucher_row v;
        assert_int_equal(am_store_open(data, AM_STORE_READONLY, wall_ms(), &vst, err, sizeof err),
                         AM_OK);
        assert_int_equal(am_store_voucher_get(vst, rep->voucher, &v), AM_OK);
        am_store_close(vst);
        assert_true(v.expires_ms - v.created_ms >= INT64_C(3) * 86400000 - 1000 &&
                    v.expires_ms - v.created_ms <= INT64_C(3) * 86400000 + 1000);
    }
    assert_int_equal(rep->rating, 5);
    assert_string_equal(rep->comment, "Quick and kind.");
    assert_string_equal(rep->contact, "room 214");
    assert_int_equal(rep->consent, AM_CONSENT_YES);
    assert_int_equal(r.row[0].sync_state, AM_SYNC_PENDING);
    /* A severe report alerts staff at once; the alert waits in the outbox
     * ahead of the feedback, and so does the voucher's record for the hub
     * (issued on acceptance, before the journey closed). */
    assert_int_equal(st.alerts, 1);
    assert_int_equal(st.pending, 3);
}

static void budget_spent_escalates_across_restarts(void **state)
{
    fixture *f = *state;
    /* 10.00 a day, 6.00 an offer: the first run gives one, the second run
     * (a new process, so the spend comes from the store) must escalate. */
    am_test_kiosk_conf(f->dir, f->conf, sizeof f->conf, f->key, sizeof f->key);
    assert_int_equal(run_script(f, f->conf, full_journey), 0);
    const char *second = "tap start\n"
                         "tap category.room\n"
                         "tap impact.significant\n"
                         "tap next\n"
                         "tap resolution.replace\n"
                         "expect offer\n"
                         "tap offer.accept\n";
    assert_int_equal(run_script(f, f->conf, second), 1);
    assert_err_contains(f, "tap offer.accept: not possible on offer");
    rows r;
    am_store_status st;
    load_rows(f, &r, &st);
    /* The escalation raised an over-budget alert; the first journey's
     * severe alert is the other one. */
    assert_int_equal(st.alerts, 2);
    assert_int_equal(r.row[1].report.offer_state, AM_OFFER_ESCALATED);
}

static void demo_script_runs_on_builtin_defaults(void **state)
{
    fixture *f = *state;
    char *demo = am_test_read_file(AM_SOURCE_DIR "/assets/demo/journey.script", NULL);
    assert_non_null(demo);
    int rc = run_script(f, NULL, demo);
    free(demo);
    if (rc != 0) {
        char *e = err_text(f);
        fail_msg("demo script failed (%d):\n%s", rc, e);
    }
    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.row[0].report.outcome, AM_OUTCOME_COMPLETED);
}

/* The alerts waiting in the store, oldest first (claims them: the kiosk
 * has exited, so nothing else will). */
static int load_alerts(fixture *f, am_alert_row *out, int max)
{
    char data[600], err[512];
    snprintf(data, sizeof data, "%s/data", f->dir);
    am_store *st;
    assert_int_equal(am_store_open(data, AM_STORE_READWRITE, wall_ms(), &st, err, sizeof err),
                     AM_OK);
    am_outbox_item items[8];
    int n = 0, count = 0;
    assert_int_equal(am_store_outbox_claim(st, INT64_MAX / 2, 8, items, &n), AM_OK);
    for (int i = 0; i < n; i++) {
        if (items[i].kind == AM_RECORD_ALERT && count < max)
            assert_int_equal(am_store_alert_get(st, items[i].uuid, &out[count++]), AM_OK);
    }
    am_store_close(st);
    return count;
}

static void idle_after_commit_closes_as_abandoned(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_script(f, TEST_CONF,
                                "tap start\n"
                                "tap category.noise\n"
                                "tap impact.minor\n"
                                "tap field.description\n"
                                "type Music until 3am\n"
                                "tap next\n"
                                "expect apology\n"
                                "wait 29\n"
                                "expect apology\n"
                                "wait 12\n"
                                "expect attract\n"),
                     0);
    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.row[0].report.outcome, AM_OUTCOME_ABANDONED);
    assert_string_equal(r.row[0].report.description, "Music until 3am");
    assert_int_equal(r.row[0].sync_state, AM_SYNC_PENDING);
}

static void idle_before_commit_keeps_what_was_given(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_script(f, TEST_CONF,
                                "tap start\n"
                                "tap category.room\n"
                                "tap impact.significant\n"
                                "wait 60\n"
                                "expect attract\n"),
                     0);
    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.row[0].report.outcome, AM_OUTCOME_ABANDONED);
    assert_string_equal(r.row[0].report.category, "room");
    assert_int_equal(r.row[0].report.severity, AM_SEVERITY_SIGNIFICANT);
    am_alert_row alerts[4];
    assert_int_equal(load_alerts(f, alerts, 4), 0);
}

/* "Very much", then gone before sending: the journey is kept as abandoned
 * and staff are told, marked as not sent by the guest. */
static void severe_left_unsent_alerts_staff(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_script(f, TEST_CONF,
                                "tap start\n"
                                "tap category.room\n"
                                "tap impact.severe\n"
                                "wait 60\n"
                                "expect attract\n"),
                     0);
    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.row[0].report.outcome, AM_OUTCOME_ABANDONED);
    assert_int_equal(r.row[0].report.severity, AM_SEVERITY_SEVERE);
    am_alert_row alerts[4];
    assert_int_equal(load_alerts(f, alerts, 4), 1);
    assert_int_equal(alerts[0].reason, AM_ALERT_SEVERE_UNSENT);
    assert_string_equal(alerts[0].journey, r.row[0].id);
    assert_string_equal(alerts[0].category, "room");
}

static void journey_left_open_is_closed_as_interrupted(void **state)
{
    fixture *f = *state;
    char data[600], err[512];
    snprintf(data, sizeof data, "%s/data", f->dir);
    assert_int_equal(mkdir(data, 0700), 0);
    am_store *st;
    assert_int_equal(am_store_open(data, AM_STORE_READWRITE, wall_ms(), &st, err, sizeof err),
                     AM_OK);
    am_report rep = {0};
    snprintf(rep.category, sizeof rep.category, "room");
    rep.severity = AM_SEVERITY_MINOR;
    char uuid[AM_UUID_LEN + 1];
    assert_int_equal(am_store_journey_open(st, "test-kiosk", &rep, wall_ms(), uuid), AM_OK);
    am_store_close(st);
    assert_int_equal(run_script(f, TEST_CONF, "expect attract\n"), 0);
    assert_err_contains(f, "closed 1 journey(s) left open by the last stop as interrupted");
    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.row[0].id, uuid);
    assert_int_equal(r.row[0].report.outcome, AM_OUTCOME_INTERRUPTED);
    assert_int_equal(r.row[0].sync_state, AM_SYNC_PENDING);
}

static void script_syntax_error_names_file_and_line(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_script(f, TEST_CONF, "tap start\n\njump\n"), 2);
    char want[700];
    snprintf(want, sizeof want, "%s:3: unknown command 'jump'", f->script);
    assert_err_contains(f, want);
}

static void failed_expect_names_line_and_screen(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_script(f, TEST_CONF, "tap start\nexpect details\n"), 1);
    char want[700];
    snprintf(want, sizeof want, "%s:2: expected screen details, but category is showing",
             f->script);
    assert_err_contains(f, want);
}

static void unknown_widget_is_reported(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_script(f, TEST_CONF, "tap start\ntap category.spa\n"), 1);
    char want[700];
    snprintf(want, sizeof want, "%s:2: tap category.spa: no such widget on category", f->script);
    assert_err_contains(f, want);
}

static void refused_step_says_why(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_script(f, TEST_CONF, "tap start\ntap category.room\ntap next\n"), 1);
    char want[700];
    snprintf(want, sizeof want, "%s:3: tap next: not possible on details: ", f->script);
    assert_err_contains(f, want);
    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 0);
}

/* The test site with `extra` added to its [kiosk] section. */
static void write_conf_with(fixture *f, const char *extra)
{
    am_test_kiosk_conf(f->dir, f->conf, sizeof f->conf, f->key, sizeof f->key);
    char *text = am_test_read_file(f->conf, NULL);
    assert_non_null(text);
    char *kiosk = strstr(text, "[kiosk]\n");
    assert_non_null(kiosk);
    kiosk += strlen("[kiosk]\n");
    FILE *c = fopen(f->conf, "w");
    assert_non_null(c);
    fprintf(c, "%.*s%s\n%s", (int)(kiosk - text), text, extra, kiosk);
    assert_int_equal(fclose(c), 0);
    free(text);
}

/* Where it happened: the site's label over the field, in the guest's
 * language; what the guest types is stored with the report. */
static void location_is_asked_under_the_sites_label(void **state)
{
    fixture *f = *state;
    write_conf_with(f, "location_label = Room number\nlocation_label.ar = رقم الغرفة");
    assert_int_equal(run_script(f, f->conf,
                                "expect attract\n"
                                "tap lang.ar\n"
                                "tap start\n"
                                "tap category.room\n"
                                "expect details\n"
                                "expect-text رقم الغرفة\n"
                                "tap impact.minor\n"
                                "tap field.location\n"
                                "type 214\n"
                                "tap next\n"
                                "expect apology\n"),
                     0);
    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.row[0].report.location, "214");
}

/* A site that leaves the label empty gets no field: a tap on it is a tap
 * on nothing, and the script says so. */
static void location_hidden_when_the_label_is_empty(void **state)
{
    fixture *f = *state;
    write_conf_with(f, "location_label =");
    assert_int_equal(run_script(f, f->conf,
                                "expect attract\n"
                                "tap start\n"
                                "tap category.room\n"
                                "expect details\n"
                                "tap field.location\n"),
                     1);
    assert_err_contains(f, "field.location");
}

static void second_kiosk_on_same_data_dir_is_refused(void **state)
{
    fixture *f = *state;
    char data[600], lock[700];
    snprintf(data, sizeof data, "%s/data", f->dir);
    assert_int_equal(run_script(f, TEST_CONF, "expect attract\n"), 0);
    snprintf(lock, sizeof lock, "%s/kiosk.lock", data);
    int fd = open(lock, O_RDWR);
    assert_true(fd >= 0);
    struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    assert_int_equal(fcntl(fd, F_SETLK, &whole), 0); /* the kiosk's own kind of lock */
    assert_int_equal(run_script(f, TEST_CONF, "expect attract\n"), 1);
    char want[700];
    snprintf(want, sizeof want, "another amends-kiosk is already running on %s", data);
    assert_err_contains(f, want);
    close(fd);
}

static void bad_config_stops_with_file_and_line(void **state)
{
    fixture *f = *state;
    char conf[600];
    snprintf(conf, sizeof conf, "%s/bad.conf", f->dir);
    FILE *c = fopen(conf, "w");
    assert_non_null(c);
    fputs("[kiosk]\nid = lobby\n\n[idle]\ntimout = 30\n", c);
    fclose(c);
    assert_int_equal(run_script(f, conf, "expect attract\n"), 1);
    char want[700];
    snprintf(want, sizeof want, "%s:5: idle.timout:", conf);
    assert_err_contains(f, want);
}

static void help_and_version(void **state)
{
    fixture *f = *state;
    char *argv[] = {KIOSK, "--help", NULL};
    assert_int_equal(am_test_run_program(argv, f->out, f->err), 0);
    char *s = am_test_read_file(f->out, NULL);
    assert_non_null(strstr(s, "Usage: amends-kiosk"));
    free(s);
    char *argv2[] = {KIOSK, "--version", NULL};
    assert_int_equal(am_test_run_program(argv2, f->out, f->err), 0);
    s = am_test_read_file(f->out, NULL);
    assert_non_null(strstr(s, "amends-kiosk 0."));
    free(s);
    char *argv3[] = {KIOSK, "--bogus", NULL};
    assert_int_equal(am_test_run_program(argv3, f->out, f->err), 2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(full_journey_reaches_the_store, setup, teardown),
    cmocka_unit_test_setup_teardown(budget_spent_escalates_across_restarts, setup, teardown),
    cmocka_unit_test_setup_teardown(demo_script_runs_on_builtin_defaults, setup, teardown),
    cmocka_unit_test_setup_teardown(idle_after_commit_closes_as_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(idle_before_commit_keeps_what_was_given, setup, teardown),
    cmocka_unit_test_setup_teardown(severe_left_unsent_alerts_staff, setup, teardown),
    cmocka_unit_test_setup_teardown(journey_left_open_is_closed_as_interrupted, setup, teardown),
    cmocka_unit_test_setup_teardown(script_syntax_error_names_file_and_line, setup, teardown),
    cmocka_unit_test_setup_teardown(failed_expect_names_line_and_screen, setup, teardown),
    cmocka_unit_test_setup_teardown(unknown_widget_is_reported, setup, teardown),
    cmocka_unit_test_setup_teardown(refused_step_says_why, setup, teardown),
    cmocka_unit_test_setup_teardown(second_kiosk_on_same_data_dir_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(location_is_asked_under_the_sites_label, setup, teardown),
    cmocka_unit_test_setup_teardown(location_hidden_when_the_label_is_empty, setup, teardown),
    cmocka_unit_test_setup_teardown(bad_config_stops_with_file_and_line, setup, teardown),
    cmocka_unit_test_setup_teardown(help_and_version, setup, teardown),
};

AM_TEST_MAIN(tests)
