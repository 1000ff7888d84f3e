/* test_kiosk_voucher.c — goodwill vouchers through the real amends-kiosk:
 * a guest accepts an offer and reads a code on `thanks` that the real
 * amendsctl verifies; a kiosk without its voucher key escalates instead;
 * the daily budget starts again at local midnight. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "amends/store.h"
#include "amends/voucher.h"

#define KIOSK   AM_BINARY_DIR "/bin/amends-kiosk"
#define CTL     AM_BINARY_DIR "/bin/amendsctl"
#define DAY_MS  INT64_C(86400000)
#define HOUR_MS INT64_C(3600000)

typedef struct fixture {
    char dir[512];
    char data[600], script[600], out[600], err[600], shot[600];
    char conf[600], key[600];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    am_test_tmpdir(f->dir, sizeof f->dir, "kvoucher");
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    snprintf(f->script, sizeof f->script, "%s/test.script", f->dir);
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    snprintf(f->err, sizeof f->err, "%s/err", f->dir);
    snprintf(f->shot, sizeof f->shot, "%s/thanks.png", f->dir);
    am_test_kiosk_conf(f->dir, f->conf, sizeof f->conf, f->key, sizeof f->key);
    /* Midnight is local midnight: pin the zone the kiosk runs in. */
    setenv("TZ", "UTC", 1);
    unsetenv("AMENDS_TEST_WALL_MS");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unsetenv("AMENDS_TEST_WALL_MS");
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

static int run_script(fixture *f, const char *text)
{
    FILE *s = fopen(f->script, "w");
    assert_non_null(s);
    fputs(text, s);
    fclose(s);
    char *argv[] = {KIOSK,        "--config", f->conf,   "--data-dir", f->data,
                    "--headless", "--script", f->script, NULL};
    return am_test_run_program(argv, f->out, f->err);
}

/* Runs a script that must complete; shows the kiosk's stderr if not. */
static void run_ok(fixture *f, const char *text)
{
    int rc = run_script(f, text);
    if (rc != 0) {
        char *e = am_test_read_file(f->err, NULL);
        fail_msg("script failed (%d):\n%s", rc, e ? e : "");
    }
}

static void assert_file_contains(const char *path, const char *needle)
{
    char *text = am_test_read_file(path, NULL);
    assert_non_null(text);
    if (!strstr(text, needle))
        fail_msg("%s lacks \"%s\"; it was:\n%s", path, needle, text);
    free(text);
}

/* The code the kiosk must issue for its serial-th voucher, made here from
 * the same key file. */
static void expected_code(fixture *f, int64_t serial, char code[AM_VOUCHER_CODE_SIZE])
{
    am_voucher_key key;
    char err[512];
    assert_int_equal(am_voucher_key_load(f->key, &key, err, sizeof err), AM_OK);
    assert_int_equal(am_voucher_encode(&key, "test-kiosk", serial, code), AM_OK);
    am_voucher_key_wipe(&key);
}

/* The journeys in the store, oldest first. */
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
    char err[512];
    am_store *st;
    assert_int_equal(am_store_open(f->data, AM_STORE_READONLY, wall_ms(), &st, err, sizeof err),
                     AM_OK);
    memset(r, 0, sizeof *r);
    assert_int_equal(am_store_journeys_each(st, 0, collect, r), AM_OK);
    if (status)
        assert_int_equal(am_store_get_status(st, status), AM_OK);
    am_store_close(st);
}

/* Up to the offer of the test site's "room" category (6.00 a drink). */
#define TO_OFFER                                                                                   \
    "tap start\n"                                                                                  \
    "tap category.room\n"                                                                          \
    "tap impact.significant\n"                                                                     \
    "tap next\n"                                                                                   \
    "tap resolution.replace\n"                                                                     \
    "expect offer\n"

static const char accept_to_thanks[] = TO_OFFER "tap offer.accept\n"
                                                "expect followup\n"
                                                "tap skip\n"
                                                "expect thanks\n";

static void accepted_offer_shows_a_code_that_verifies(void **state)
{
    fixture *f = *state;
    char code[AM_VOUCHER_CODE_SIZE];
    expected_code(f, 1, code);
    char script[2048], at[32];
    /* The code, what it is for and its last day as a date: the offer's own
     * valid_days (3), not [budget] voucher_days (30). The kiosk starts at
     * noon UTC of today or yesterday (TZ is UTC here), so the date is
     * certain and the code is still valid now. */
    int64_t day = INT64_C(86400000);
    int64_t now = (int64_t)time(NULL) * 1000;
    int64_t wall = now / day * day + day / 2;
    if (wall > now)
        wall -= day;
    snprintf(at, sizeof at, "%lld", (long long)wall);
    setenv("AMENDS_TEST_WALL_MS", at, 1);
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    time_t last = (time_t)((wall + 3 * day - 1) / 1000);
    struct tm tm;
    assert_non_null(gmtime_r(&last, &tm));
    snprintf(script, sizeof script,
             "%sexpect-text Your voucher code\nexpect-text %s\n"
             "expect-text A drink at the bar, on us\n"
             "expect-text Show this code to our team. Valid until %d %s %d.\nshot %s\n",
             accept_to_thanks, code, tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, f->shot);
    run_ok(f, script);
    unsetenv("AMENDS_TEST_WALL_MS");

    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.row[0].report.voucher, code);

    /* Staff check the code the guest read off the screen. */
    char *verify[] = {CTL, "--data-dir", f->data, "voucher", "verify", code, "--key", f->key, NULL};
    assert_int_equal(am_test_run_program(verify, f->out, f->err), 0);
    assert_file_contains(f->out, "VALID");
    assert_file_contains(f->out, "drink");
    assert_file_contains(f->out, "6.00 EUR");
    assert_file_contains(f->out, "test-kiosk, serial 1");
    /* ...and the same tool refuses it with another kiosk's key. */
    char other[600];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    char *keygen[] = {CTL, "voucher", "keygen", "--key", other, NULL};
    assert_int_equal(am_test_run_program(keygen, NULL, NULL), 0);
    verify[7] = other;
    assert_int_equal(am_test_run_program(verify, f->out, f->err), 4);
    assert_file_contains(f->out, "TAMPERED");
}

/* The QR code on `thanks` holds the same text (read by zbarimg, from
 * Debian's zbar-tools, which packaging/install-deps.sh installs). */
static void thanks_qr_code_scans_to_the_code(void **state)
{
    fixture *f = *state;
    if (access("/usr/bin/zbarimg", X_OK) != 0)
        skip();
    char code[AM_VOUCHER_CODE_SIZE];
    expected_code(f, 1, code);
    char script[2048];
    snprintf(script, sizeof script, "%sshot %s\n", accept_to_thanks, f->shot);
    run_ok(f, script);
    char *zbar[] = {"/usr/bin/zbarimg", "--quiet", "--raw", f->shot, NULL};
    assert_int_equal(am_test_run_program(zbar, f->out, NULL), 0);
    char *scanned = am_test_read_file(f->out, NULL);
    assert_non_null(scanned);
    scanned[strcspn(scanned, "\r\n")] = '\0';
    assert_string_equal(scanned, code);
    free(scanned);
}

/* The code is in the journey row from the acceptance on, not only once the
 * guest gets past the rating: a kiosk that stops there still has it. */
static void code_is_stored_with_the_acceptance(void **state)
{
    fixture *f = *state;
    char code[AM_VOUCHER_CODE_SIZE];
    expected_code(f, 1, code);
    run_ok(f, TO_OFFER "tap offer.accept\nexpect followup\n");
    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.row[0].report.offer_state, AM_OFFER_ACCEPTED);
    assert_string_equal(r.row[0].report.voucher, code);
}

/* Without its key the kiosk cannot issue a voucher, so it shows none: the
 * offer goes to a manager (with sync off, as here, the guest is sent to
 * staff), and the log says which file and why. */
static void missing_key_escalates_instead_of_offering(void **state)
{
    fixture *f = *state;
    assert_int_equal(unlink(f->key), 0);
    assert_int_equal(run_script(f, TO_OFFER "expect-text Please ask a member of staff.\n"
                                            "tap offer.accept\n"),
                     1);
    assert_file_contains(f->err, f->key);
    assert_file_contains(f->err, "every offer goes to a manager");
    assert_file_contains(f->err, "tap offer.accept: not possible on offer");
    rows r;
    am_store_status st;
    load_rows(f, &r, &st);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.row[0].report.offer_state, AM_OFFER_ESCALATED);
    assert_string_equal(r.row[0].report.voucher, "");
    assert_int_equal(st.alerts, 1); /* a manager is told */
}

static void key_readable_by_others_escalates(void **state)
{
    fixture *f = *state;
    assert_int_equal(chmod(f->key, 0644), 0);
    run_ok(f, TO_OFFER "expect-text Please ask a member of staff.\n"
                       "tap next\n"
                       "expect followup\n");
    assert_file_contains(f->err, f->key);
    assert_file_contains(f->err, "0644");
    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.row[0].report.offer_state, AM_OFFER_ESCALATED);
}

static void run_at(fixture *f, int64_t at_ms, const char *text, int want)
{
    char at[32];
    snprintf(at, sizeof at, "%lld", (long long)at_ms);
    setenv("AMENDS_TEST_WALL_MS", at, 1);
    int rc = run_script(f, text);
    if (rc != want) {
        char *e = am_test_read_file(f->err, NULL);
        fail_msg("script at %s ended %d, not %d:\n%s", at, rc, want, e ? e : "");
    }
}

/* 10.00 a day, 6.00 an offer. Yesterday's spend does not count today; an
 * offer later the same day does. Each run is a new process, so the spend
 * always comes from the store. */
static void budget_starts_again_at_midnight(void **state)
{
    fixture *f = *state;
    /* A midnight in the past, so no record is stamped in the future. */
    int64_t midnight = (wall_ms() / DAY_MS - 2) * DAY_MS;
    static const char accept[] = TO_OFFER "tap offer.accept\nexpect followup\n";

    run_at(f, midnight - HOUR_MS, accept, 0);        /* 23:00 */
    run_at(f, midnight - 10 * 60 * 1000, accept, 1); /* 23:50 */
    assert_file_contains(f->err, "tap offer.accept: not possible on offer");
    run_at(f, midnight + 10 * 60 * 1000, accept, 0); /* 00:10 */
    run_at(f, midnight + 20 * 60 * 1000, accept, 1); /* 00:20 */

    rows r;
    load_rows(f, &r, NULL);
    assert_int_equal(r.count, 4);
    assert_int_equal(r.row[0].report.offer_state, AM_OFFER_ACCEPTED);
    assert_int_equal(r.row[1].report.offer_state, AM_OFFER_ESCALATED);
    assert_int_equal(r.row[2].report.offer_state, AM_OFFER_ACCEPTED);
    assert_int_equal(r.row[3].report.offer_state, AM_OFFER_ESCALATED);
    /* The new day's voucher is the kiosk's second: serials go on across
     * restarts, and the code verifies. */
    char code[AM_VOUCHER_CODE_SIZE];
    expected_code(f, 2, code);
    assert_string_equal(r.row[2].report.voucher, code);
    char *verify[] = {CTL, "--data-dir", f->data, "voucher", "verify", code, "--key", f->key, NULL};
    assert_int_equal(am_test_run_program(verify, f->out, f->err), 0);
    assert_file_contains(f->out, "serial 2");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accepted_offer_shows_a_code_that_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(thanks_qr_code_scans_to_the_code, setup, teardown),
        cmocka_unit_test_setup_teardown(code_is_stored_with_the_acceptance, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_key_escalates_instead_of_offering, setup, teardown),
        cmocka_unit_test_setup_teardown(key_readable_by_others_escalates, setup, teardown),
        cmocka_unit_test_setup_teardown(budget_starts_again_at_midnight, setup, teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
