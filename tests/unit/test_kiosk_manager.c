/* test_kiosk_manager.c — manager mode on the real kiosk, headless: the PIN
 * pad against a PIN hashed as `amendsctl pin set` stores it, growing waits
 * and a lockout that survives a restart, the manager screen's figures, and
 * its tools (export CSV, requeue, sync now, exit). */
#include "am_test.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "amends/store.h"

#define KIOSK AM_BINARY_DIR "/bin/amends-kiosk"
#define CTL   AM_BINARY_DIR "/bin/amendsctl"
#define PIN   "2468"

/* A fixed wall clock for the scripts (AMENDS_TEST_WALL_MS), so waits and
 * lockouts across runs do not depend on how fast the machine is. */
#define T0 INT64_C(1780000000000)

typedef struct fixture {
    char dir[512];
    char data[600];
    char usb[600];
    char conf[600];
    char script[600];
    char out[600];
    char err[600];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    am_test_tmpdir(f->dir, sizeof f->dir, "kiosk-manager");
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    snprintf(f->usb, sizeof f->usb, "%s/usb", f->dir);
    snprintf(f->conf, sizeof f->conf, "%s/site.conf", f->dir);
    snprintf(f->script, sizeof f->script, "%s/test.script", f->dir);
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    snprintf(f->err, sizeof f->err, "%s/err", f->dir);
    assert_int_equal(mkdir(f->data, 0700), 0);
    assert_int_equal(mkdir(f->usb, 0700), 0);
    FILE *c = fopen(f->conf, "w");
    assert_non_null(c);
    fprintf(c,
            "[kiosk]\nid = lobby-1\n"
            "[manager]\nmax_failures = 3\nlockout_minutes = 15\nexport_dir = %s\n",
            f->usb);
    assert_int_equal(fclose(c), 0);
    assert_true(sodium_init() >= 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    am_test_rmtree(f->dir);
    free(f);
    unsetenv("AMENDS_TEST_WALL_MS");
    return 0;
}

static am_store *open_store(fixture *f)
{
    am_store *st = NULL;
    char err[512];
    assert_int_equal(am_store_open(f->data, AM_STORE_READWRITE, T0, &st, err, sizeof err), AM_OK);
    return st;
}

/* The PIN as `amendsctl pin set` keeps it: an Argon2id string (at the
 * cheapest cost, so the test is quick; verify reads the cost from it). */
static void set_pin(fixture *f, const char *pin)
{
    char hash[crypto_pwhash_STRBYTES];
    assert_int_equal(crypto_pwhash_str_alg(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_MIN,
                                           crypto_pwhash_MEMLIMIT_MIN,
                                           crypto_pwhash_ALG_ARGON2ID13),
                     0);
    am_store *st = open_store(f);
    assert_int_equal(am_store_manager_pin_set(st, hash), AM_OK);
    am_store_close(st);
}

static am_pin_state pin_state(fixture *f)
{
    am_store *st = open_store(f);
    am_pin_state ps;
    assert_int_equal(am_store_pin_state_get(st, &ps), AM_OK);
    am_store_close(st);
    return ps;
}

/* Runs the kiosk on `text` at wall time T0 + at_ms. */
static int run_at(fixture *f, int64_t at_ms, const char *text)
{
    FILE *s = fopen(f->script, "w");
    assert_non_null(s);
    fputs(text, s);
    fclose(s);
    char wall[32];
    snprintf(wall, sizeof wall, "%lld", (long long)(T0 + at_ms));
    setenv("AMENDS_TEST_WALL_MS", wall, 1);
    char *argv[] = {KIOSK,        "--config", f->conf,   "--data-dir", f->data,
                    "--headless", "--script", f->script, NULL};
    return am_test_run_program(argv, f->out, f->err);
}

static void assert_err(fixture *f, const char *needle, bool present)
{
    char *e = am_test_read_file(f->err, NULL);
    assert_non_null(e);
    if ((strstr(e, needle) != NULL) != present)
        fail_msg("stderr %s \"%s\"; it was:\n%s", present ? "lacks" : "has", needle, e);
    free(e);
}

static void run_ok(fixture *f, int64_t at_ms, const char *text)
{
    if (run_at(f, at_ms, text) != 0) {
        char *e = am_test_read_file(f->err, NULL);
        fail_msg("kiosk failed:\n%s", e ? e : "");
    }
}

/* A guest who chose a category and walked away: one record pending. */
static const char *const abandoned = "tap start\n"
                                     "tap category.service\n"
                                     "wait 80\n"
                                     "expect attract\n";

#define OPEN_PAD  "tap manager\nexpect manager_pin\n"
#define RIGHT_PIN "tap pin.2\ntap pin.4\ntap pin.6\ntap pin.8\ntap pin.ok\n"

static void right_pin_opens_manager_with_counts(void **state)
{
    fixture *f = *state;
    set_pin(f, PIN);
    char script[2048];
    snprintf(script, sizeof script,
             "%s" OPEN_PAD "tap pin.1\ntap pin.del\ntap pin.3\nkey BackSpace\n" RIGHT_PIN
             "expect manager\n"
             "expect-text Pending 1\n"
             "expect-text Quarantined 0\n"
             "expect-text Sync is off: reports stay on this kiosk until [sync] url names the "
             "hub.\n"
             "expect-text No alert for staff is waiting on this kiosk.\n"
             "expect-text No sync attempts yet.\n"
             "shot %s/manager.png\n"
             "tap manager.sync_now\n"
             "expect-text Sync is off on this kiosk\n"
             "tap manager.requeue\n"
             "expect-text 0 quarantined record(s) back in the queue\n"
             "wait 119\n"
             "expect manager\n"
             "wait 2\n"
             "expect attract\n",
             abandoned, f->dir);
    run_ok(f, 0, script);
    am_pin_state ps = pin_state(f);
    assert_int_equal(ps.failures, 0);
    assert_int_equal(ps.locked_until_ms, 0);
    /* The PIN never reaches a log. */
    assert_err(f, PIN, false);
    assert_err(f, "manager mode opened", true);
}

static void no_pin_set_never_opens(void **state)
{
    fixture *f = *state;
    run_ok(f, 0, OPEN_PAD "expect-text set a PIN with amendsctl pin set\n");
    assert_int_equal(run_at(f, 0, OPEN_PAD "tap pin.1\n"), 1);
    assert_err(f, "no manager PIN is set: set one with amendsctl pin set", true);
    assert_int_equal(pin_state(f).failures, 0);
}

static void wrong_pins_wait_longer_then_lock_across_restarts(void **state)
{
    fixture *f = *state;
    set_pin(f, PIN);
    /* First wrong PIN: the pad waits 1 s, and says so. */
    run_ok(f, 0,
           OPEN_PAD "tap pin.1\ntap pin.ok\n"
                    "expect manager_pin\n"
                    "expect-text Wrong PIN. Try again in 1 s.\n"
                    "wait 1\n"
                    "tap pin.9\ntap pin.ok\n"
                    "expect-text Wrong PIN. Try again in 2 s.\n");
    am_pin_state ps = pin_state(f);
    assert_int_equal(ps.failures, 2);
    assert_int_equal(ps.locked_until_ms, 0);
    assert_err(f, "wrong manager PIN (2 of 3)", true);
    /* Input during the wait is refused, with the reason. */
    assert_int_equal(run_at(f, 1500, OPEN_PAD "tap pin.2\n"), 1);
    assert_err(f, "wrong PIN: wait before trying again", true);
    /* Even the right PIN is not checked then. */
    assert_int_equal(pin_state(f).failures, 2);

    /* The third wrong PIN locks the pad for 15 minutes. */
    run_ok(f, 60 * 1000,
           OPEN_PAD "tap pin.3\ntap pin.ok\n"
                    "expect-text Too many wrong PINs. The PIN pad is locked for 15 min.\n");
    ps = pin_state(f);
    assert_int_equal(ps.failures, 3);
    assert_int_equal(ps.locked_until_ms, T0 + 60 * 1000 + 15 * 60 * 1000);

    /* A restart does not lift it: the right PIN is refused too. */
    assert_int_equal(run_at(f, 10 * 60 * 1000, OPEN_PAD "expect-text locked for 6 min\n" RIGHT_PIN),
                     1);
    assert_err(f, "too many wrong PINs: the PIN pad is locked", true);
    assert_int_equal(pin_state(f).failures, 3);

    /* After the lockout the right PIN opens manager mode and clears it all. */
    run_ok(f, 17 * 60 * 1000, OPEN_PAD RIGHT_PIN "expect manager\n");
    ps = pin_state(f);
    assert_int_equal(ps.failures, 0);
    assert_int_equal(ps.locked_until_ms, 0);
    assert_err(f, PIN, false);
}

/* The only file in dir ending in .csv; fails unless exactly one. */
static void only_csv(const char *dir, char *path, size_t len)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        assert_true(n > 4 && strcmp(e->d_name + n - 4, ".csv") == 0); /* no .partial left */
        snprintf(path, len, "%s/%s", dir, e->d_name);
        found++;
    }
    closedir(d);
    assert_int_equal(found, 1);
}

static void export_writes_the_same_csv_as_amendsctl(void **state)
{
    fixture *f = *state;
    set_pin(f, PIN);
    char script[2048];
    snprintf(script, sizeof script,
             "%s" OPEN_PAD RIGHT_PIN "expect manager\n"
             "tap manager.export\n"
             "expect-text Exported 1 journeys to %s/amends-lobby-1-\n",
             abandoned, f->usb);
    run_ok(f, 0, script);
    char csv[1200];
    only_csv(f->usb, csv, sizeof csv);
    size_t len = 0;
    char *kiosk_csv = am_test_read_file(csv, &len);
    assert_non_null(kiosk_csv);
    assert_non_null(strstr(kiosk_csv, "id,kiosk,created_at,"));
    assert_non_null(strstr(kiosk_csv, ",service,"));
    assert_non_null(strstr(kiosk_csv, ",abandoned,"));

    /* Byte for byte what amendsctl writes from the same store. */
    char ctl_out[700];
    snprintf(ctl_out, sizeof ctl_out, "%s/ctl.csv", f->dir);
    char *argv[] = {CTL, "--data-dir", f->data, "export", "--format", "csv", NULL};
    assert_int_equal(am_test_run_program(argv, ctl_out, f->err), 0);
    size_t ctl_len = 0;
    char *ctl_csv = am_test_read_file(ctl_out, &ctl_len);
    assert_non_null(ctl_csv);
    assert_int_equal(ctl_len, len);
    assert_memory_equal(ctl_csv, kiosk_csv, len);
    free(ctl_csv);
    free(kiosk_csv);

    /* An export directory that is not there (no stick) says so. */
    FILE *c = fopen(f->conf, "w");
    assert_non_null(c);
    fprintf(c, "[kiosk]\nid = lobby-1\n[manager]\nexport_dir = %s/no-stick\n", f->dir);
    assert_int_equal(fclose(c), 0);
    run_ok(f, 0,
           OPEN_PAD RIGHT_PIN "tap manager.export\n"
                              "expect-text Export failed\n");
}

static void exit_closes_the_kiosk_in_order(void **state)
{
    fixture *f = *state;
    set_pin(f, PIN);
    run_ok(f, 0, OPEN_PAD RIGHT_PIN "tap manager.exit\nexpect attract\n");
    assert_err(f, "a manager closed the kiosk", true);
    assert_err(f, "command(s) not run", true);
}

static void gesture_opens_the_pad_only_on_attract(void **state)
{
    fixture *f = *state;
    set_pin(f, PIN);
    assert_int_equal(run_at(f, 0, "tap start\ntap manager\n"), 1);
    assert_err(f, "tap manager: not possible on category", true);
    /* A tap on the hidden corner does nothing: it takes a held press. */
    run_ok(f, 0, "tap-at 1275 5\nexpect attract\n");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(right_pin_opens_manager_with_counts, setup, teardown),
    cmocka_unit_test_setup_teardown(no_pin_set_never_opens, setup, teardown),
    cmocka_unit_test_setup_teardown(wrong_pins_wait_longer_then_lock_across_restarts, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(export_writes_the_same_csv_as_amendsctl, setup, teardown),
    cmocka_unit_test_setup_teardown(exit_closes_the_kiosk_in_order, setup, teardown),
    cmocka_unit_test_setup_teardown(gesture_opens_the_pad_only_on_attract, setup, teardown),
};

AM_TEST_MAIN(tests)
