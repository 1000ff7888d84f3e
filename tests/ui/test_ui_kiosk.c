/* test_ui_kiosk.c — the kiosk binary with its screen, headless: the store
 * failing for real (a file-size limit the kernel enforces even for root,
 * so SQLite's write fails with "database or disk is full") puts the kiosk
 * out of order and keeps no report; tap-at goes through hit testing;
 * expect-text reads the screen; shot writes a PNG. */
#include "am_test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "amends/config_file.h"
#include "amends/store.h"
#include "amends/ui.h"
#include "golden.h"

#define KIOSK     AM_BINARY_DIR "/bin/amends-kiosk"
#define TEST_CONF AM_SOURCE_DIR "/tests/fixtures/kiosk-test.conf"

typedef struct fixture {
    char dir[512], data[600], script[600], out[600], err[600];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    am_test_tmpdir(f->dir, sizeof f->dir, "ui-kiosk");
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
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

static void write_script(fixture *f, const char *text)
{
    FILE *s = fopen(f->script, "w");
    assert_non_null(s);
    fputs(text, s);
    fclose(s);
}

/* Runs the kiosk on the script; with fsize_limit > 0 the process may not
 * write files past that many bytes. */
static int run_kiosk(fixture *f, const char *text, long fsize_limit)
{
    write_script(f, text);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY),
            out = open(f->out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
            err = open(f->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        if (fsize_limit > 0) {
            /* Past the limit write() fails with EFBIG instead of killing. */
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {(rlim_t)fsize_limit, (rlim_t)fsize_limit};
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        execl(KIOSK, KIOSK, "--config", TEST_CONF, "--data-dir", f->data, "--headless", "--script",
              f->script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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

static int count_journeys(const am_journey_row *row, void *ud)
{
    (void)row;
    (*(int *)ud)++;
    return 0;
}

/* The store cannot grow: the first report cannot be kept, so the guest
 * sees the out-of-order screen instead of an apology for a report that was
 * never saved, and nothing half-kept is in the store. */
static void store_failure_shows_out_of_order(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_kiosk(f, "expect attract\n", 0), 0);

    /* Fill the write-ahead log well past the shared-memory index's 32 KiB
     * (and past the size of the screenshot), and keep it un-checkpointed by
     * holding a connection open, so the kiosk's next commit must append
     * past the limit. */
    char err[512], wal[700];
    am_store *holder;
    assert_int_equal(
        am_store_open(f->data, AM_STORE_READWRITE, wall_ms(), &holder, err, sizeof err), AM_OK);
    char filler[3000];
    memset(filler, 'x', sizeof filler - 1);
    filler[sizeof filler - 1] = '\0';
    snprintf(wal, sizeof wal, "%s/%s-wal", f->data, AM_STORE_FILE);
    struct stat st = {0};
    for (int i = 0; i < 2000 && (stat(wal, &st) != 0 || st.st_size < 300000); i++) {
        char key[32];
        snprintf(key, sizeof key, "test.filler.%d", i);
        assert_int_equal(am_store_meta_set(holder, key, filler), AM_OK);
    }
    assert_int_equal(stat(wal, &st), 0);
    assert_true(st.st_size >= 300000);

    char shot[700], script[2048];
    snprintf(shot, sizeof shot, "%s/out_of_order.png", f->dir);
    snprintf(script, sizeof script,
             "expect attract\n"
             "tap start\n"
             "tap category.room\n"
             "tap impact.minor\n"
             "tap field.description\n"
             "type The lift was broken\n"
             "tap next\n"
             "expect out_of_order\n"
             "expect-text Please speak to a member of our team\n"
             "shot %s\n",
             shot);
    int rc = run_kiosk(f, script, (long)st.st_size + 64);
    if (rc != 0) {
        char *e = err_text(f);
        fail_msg("kiosk exited %d:\n%s", rc, e);
    }
    /* The log names why (and no guest words). */
    assert_err_contains(f, "cannot keep the report");
    assert_err_contains(f, "out of order");
    char *log = err_text(f);
    assert_null(strstr(log, "lift"));
    free(log);
    am_store_close(holder);

    am_store *check;
    assert_int_equal(am_store_open(f->data, AM_STORE_READONLY, wall_ms(), &check, err, sizeof err),
                     AM_OK);
    int journeys = 0;
    assert_int_equal(am_store_journeys_each(check, 0, count_journeys, &journeys), AM_OK);
    am_store_close(check);
    assert_int_equal(journeys, 0);

    const char *why = golden_compare(shot, "out_of_order-en-1280x800");
    if (why)
        fail_msg("%s", why);
}

/* tap-at is a real touch: the centre of the start button starts a report;
 * a touch on empty space does nothing. */
static void tap_at_goes_through_hit_testing(void **state)
{
    fixture *f = *state;
    am_config *cfg = NULL;
    char err[512];
    assert_int_equal(am_config_load(TEST_CONF, &cfg, err, sizeof err), AM_OK);
    am_ui_options o = {
        .assets_dir = AM_SOURCE_DIR "/assets", .width = 1280, .height = 800, .headless = true};
    am_ui *ui = NULL;
    if (am_ui_open(&o, cfg, &ui, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    am_journey *j = am_journey_new(cfg, 0);
    const am_layout *l = am_ui_layout(ui, j, 0);
    const am_widget *start = am_layout_find(l, "start");
    assert_non_null(start);
    char script[256];
    snprintf(script, sizeof script, "tap-at 5 400\nexpect attract\ntap-at %d %d\nexpect category\n",
             start->rect.x + start->rect.w / 2, start->rect.y + start->rect.h / 2);
    am_journey_free(j);
    am_ui_close(ui);
    am_config_free(cfg);
    assert_int_equal(run_kiosk(f, script, 0), 0);
    assert_int_equal(run_kiosk(f, "tap-at 1280 10\n", 0), 1);
    assert_err_contains(f, ":1: tap-at 1280 10: outside the 1280x800 screen");
}

/* expect-text reads what is laid out on the current screen, in the
 * current language. */
static void expect_text_reads_the_screen(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_kiosk(f,
                               "expect-text Did something go wrong?\n"
                               "tap lang.ar\n"
                               "expect-text هل حدث ما لم يُرضِك؟\n"
                               "tap start\n"
                               "expect-text الغرفة\n",
                               0),
                     0);
    assert_int_equal(run_kiosk(f, "tap start\nexpect-text Did something go wrong?\n", 0), 1);
    char want[700];
    snprintf(want, sizeof want,
             "%s:2: expected text \"Did something go wrong?\" on category, but it is not drawn",
             f->script);
    assert_err_contains(f, want);
}

/* After "still there?" runs out, the guest's words are gone from the
 * screen as well as from the journey. */
static void idle_reset_clears_the_screen(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_kiosk(f,
                               "tap start\n"
                               "tap category.room\n"
                               "tap field.description\n"
                               "type CanaryWords\n"
                               "expect-text CanaryWords\n"
                               "wait 31\n"
                               "expect-text Are you still there?\n"
                               "wait 10\n"
                               "expect attract\n"
                               "tap start\n"
                               "tap category.room\n"
                               "expect-text CanaryWords\n",
                               0),
                     1);
    assert_err_contains(f, ":12: expected text \"CanaryWords\" on details, but it is not drawn");
}

/* shot writes a real PNG of the frame's size; a bad path is a clear
 * error naming the line. */
static void shot_writes_the_frame(void **state)
{
    fixture *f = *state;
    char script[800], png[700];
    snprintf(png, sizeof png, "%s/attract.png", f->dir);
    snprintf(script, sizeof script, "shot %s\n", png);
    assert_int_equal(run_kiosk(f, script, 0), 0);
    SDL_Surface *s = IMG_Load(png);
    assert_non_null(s);
    assert_int_equal(s->w, 1280);
    assert_int_equal(s->h, 800);
    SDL_FreeSurface(s);
    snprintf(script, sizeof script, "shot %s/no/such/dir/x.png\n", f->dir);
    assert_int_equal(run_kiosk(f, script, 0), 1);
    assert_err_contains(f, ":1: shot: ");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(store_failure_shows_out_of_order, setup, teardown),
    cmocka_unit_test_setup_teardown(tap_at_goes_through_hit_testing, setup, teardown),
    cmocka_unit_test_setup_teardown(expect_text_reads_the_screen, setup, teardown),
    cmocka_unit_test_setup_teardown(idle_reset_clears_the_screen, setup, teardown),
    cmocka_unit_test_setup_teardown(shot_writes_the_frame, setup, teardown),
};

AM_TEST_MAIN(tests)
