/* test_sync_kiosk.c — end to end: a guest's journey on the real
 * amends-kiosk (headless script) becomes a row at the real amends-hub; a
 * kiosk whose token the hub refuses keeps its records and says so in
 * amendsctl status. */
#include "kiosk_fixture.h"

static int setup(void **state)
{
    kx_open(state);
    return 0;
}

static void journey_on_the_kiosk_is_a_row_at_the_hub(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    if (kx_run_script(k, kx_full_journey) != 0)
        kx_fail_with_log(k, "the journey script failed");
    /* The kiosk exits once the hub has all three (the alert, the voucher
     * for the accepted offer, the feedback): nothing waits for a restart. */
    kx_store_open(k);
    am_store_status s = fx_status(fx);
    if (s.synced != 3)
        kx_fail_with_log(k, "the kiosk exited before the hub had its records");
    assert_int_equal(s.journeys, 1);
    assert_int_equal(s.alerts, 1);
    assert_int_equal(s.pending + s.inflight + s.quarantined, 0);
    assert_int_equal(s.synced, 3);

    char journey[AM_UUID_LEN + 1] = "";
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    char path[800];
    snprintf(path, sizeof path, "%s/%s", fx->data, AM_STORE_FILE);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM journeys", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    snprintf(journey, sizeof journey, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);

    /* The hub keeps what the guest said, under the kiosk's own id. */
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback", NULL), 1);
    assert_int_equal(
        fx_hub_int(fx,
                   "SELECT count(*) FROM feedback WHERE id = ?1 AND kiosk = 'k1' AND outcome = "
                   "'completed' AND category = 'room' AND severity = 'severe' AND description = "
                   "'The shower ran cold, all week.' AND first_name = 'Amira' AND resolution = "
                   "'replace' AND offer = 'drink' AND offer_value_minor = 600 AND offer_state = "
                   "'accepted' AND rating = 5 AND contact = 'room 214' AND "
                   "consent = 'yes'",
                   journey),
        1);
    /* Staff were alerted about that very report. */
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM alerts", NULL), 1);
    assert_int_equal(fx_hub_int(fx,
                                "SELECT count(*) FROM alerts WHERE kiosk = 'k1' AND journey = ?1 "
                                "AND category = 'room' AND severity = 'severe'",
                                journey),
                     1);
    /* The voucher the guest was given is on record at the hub. */
    assert_int_equal(fx_hub_int(fx,
                                "SELECT count(*) FROM vouchers WHERE kiosk = 'k1' AND journey = ?1 "
                                "AND serial = 1 AND offer = 'drink' AND value_minor = 600",
                                journey),
                     1);
    /* The kiosk was seen: its start-up heartbeat reached the fleet view. */
    assert_true(fx_hub_int(fx, "SELECT heartbeat_at FROM kiosks WHERE id = 'k1'", NULL) > 0);
}

static void sync_off_keeps_records_on_the_kiosk(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    kx_write_conf(k, NULL, fx->token_file, 7);
    if (kx_run_script(k, kx_left_on_apology) != 0)
        kx_fail_with_log(k, "the script failed");
    kx_store_open(k);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.pending, 2);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback", NULL), 0);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM ingest_log", NULL), 0);
}

/* Runs amendsctl status on the kiosk's store; returns its "sync auth" line
 * (the "last attempt" line may also mention the auth failure). */
static void ctl_auth_line(kiosk_fx *k, char *line, size_t linelen)
{
    char out[800], err[800];
    snprintf(out, sizeof out, "%s/ctl.out", k->fx->h->dir);
    snprintf(err, sizeof err, "%s/ctl.err", k->fx->h->dir);
    char *argv[] = {CTL_BIN, "--data-dir", k->fx->data, "status", NULL};
    int rc = am_test_run_program(argv, out, err);
    char *text = am_test_read_file(out, NULL);
    assert_non_null(text);
    if (rc != 0)
        fail_msg("amendsctl status exited %d:\n%s", rc, text);
    const char *p = strncmp(text, "sync auth ", 10) == 0 ? text : strstr(text, "\nsync auth ");
    p = p && *p == '\n' ? p + 1 : p;
    if (!p)
        fail_msg("amendsctl status has no sync auth line:\n%s", text);
    snprintf(line, linelen, "%.*s", (int)strcspn(p, "\n"), p);
    free(text);
}

static void refused_token_shows_auth_failed_in_amendsctl(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    char line[256];
    /* With the hub's token: synced, auth ok. */
    if (kx_run_script(k, kx_left_on_apology) != 0)
        kx_fail_with_log(k, "the script failed");
    ctl_auth_line(k, line, sizeof line);
    if (!strstr(line, "ok") || strstr(line, "FAILED"))
        fail_msg("before the refusal: \"%s\"", line);
    if (fx_hub_int(fx, "SELECT count(*) FROM feedback", NULL) != 1)
        kx_fail_with_log(k, "the abandoned journey is not at the hub");

    /* A token the hub does not know: 401, sync stops, the records stay. */
    char bad[800];
    snprintf(bad, sizeof bad, "%s/bad-token", fx->h->dir);
    h_write_secret(bad, "not-a-token-the-hub-issued\n");
    kx_write_conf(k, fx->h->url, bad, 7);
    if (kx_run_script(k, kx_left_on_apology) != 0)
        kx_fail_with_log(k, "the script failed");
    ctl_auth_line(k, line, sizeof line);
    if (!strstr(line, "FAILED"))
        fail_msg("after the refusal amendsctl status says \"%s\"", line);
    /* The hub's own words, read from its JSON answer, whole. */
    if (!strstr(line, ": kiosk token not recognised (see sync-log)"))
        fail_msg("amendsctl status does not give the hub's reason: \"%s\"", line);
    /* The manager screen gives the same words, whole. */
    char sh[2400];
    snprintf(sh, sizeof sh, "printf '2468\\n2468\\n' | '%s' --config '%s' --data-dir '%s' pin set",
             CTL_BIN, k->conf, fx->data);
    assert_int_equal(h_sh(sh, NULL, NULL), 0);
    if (kx_run_script(k, "expect attract\n"
                         "tap manager\n"
                         "expect manager_pin\n"
                         "tap pin.2\ntap pin.4\ntap pin.6\ntap pin.8\ntap pin.ok\n"
                         "expect manager\n"
                         "expect-text The hub refused this kiosk's credentials: provision it "
                         "again.\n"
                         "expect-text The hub said: kiosk token not recognised\n"
                         "expect-text Alerts for staff not yet sent: 1. The oldest was raised \n"
                         "expect-text the hub refused this kiosk's credentials.\n") != 0)
        kx_fail_with_log(k, "the manager screen does not give the hub's reason");
    kx_store_open(k);
    am_store_status s = fx_status(fx);
    assert_true(s.auth_failed);
    assert_int_equal(s.pending, 2);
    assert_int_equal(s.synced, 2);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback", NULL), 1);
    assert_int_equal(fx_log_count(fx, "auth_failed", NULL, NULL) > 0, 1);
}

/* A TCP port on loopback that refuses connections for as long as the
 * socket stays open: bound, never listening. */
static int refusing_port(int *fd_out)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *fd_out = fd;
    return ntohs(a.sin_port);
}

/* A kiosk that cannot reach its hub: the manager screen puts the alert
 * still on the device first, says since when and why the hub is out of
 * reach with the next step, and shows each sync log line whole. */
static void stopped_sync_explained_on_the_manager_screen(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    int fd = -1;
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", refusing_port(&fd));
    kx_write_conf(k, url, fx->token_file, 7);
    /* A severe report left on apology: a journey and an alert, neither
     * sent. The kiosk tries, is refused, and keeps them. */
    if (kx_run_script(k, kx_left_on_apology) != 0)
        kx_fail_with_log(k, "the script failed");
    kx_store_open(k);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.pending + s.inflight, 2);
    assert_int_equal(s.alerts_waiting, 1);
    assert_true(s.failing_since_ms > 0);
    am_store_close(fx->st);
    fx->st = NULL;

    /* Since when, as the kiosk shows it: its own local time. */
    char since[16];
    time_t t = (time_t)(s.failing_since_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(since, sizeof since, "%H:%M", &tm);
    char sh[2400];
    snprintf(sh, sizeof sh, "printf '2468\\n2468\\n' | '%s' --config '%s' --data-dir '%s' pin set",
             CTL_BIN, k->conf, fx->data);
    assert_int_equal(h_sh(sh, NULL, NULL), 0);
    char script[3000];
    snprintf(script, sizeof script,
             "expect attract\n"
             "tap manager\n"
             "expect manager_pin\n"
             "tap pin.2\ntap pin.4\ntap pin.6\ntap pin.8\ntap pin.ok\n"
             "expect manager\n"
             "expect-text Alerts for staff not yet sent: 1. The oldest was raised \n"
             "expect-text Cannot reach the hub since %s (connection refused). Check the network "
             "cable or Wi-Fi; reports are safe on this kiosk.\n"
             "expect-text Pending 2\n"
             /* A log line whole, its fields apart: the retry's wait, then
              * the transport's reason. */
             "expect-text record(s)  retry in \n"
             "expect-text  ms; cannot connect to the hub: connection refused: \n"
             "shot %s/manager-stopped.png\n",
             since, fx->h->dir);
    int rc = kx_run_script(k, script);
    close(fd);
    if (rc != 0)
        kx_fail_with_log(k, "the manager screen does not explain the stopped sync");
}

/* An urgent report (severe, and staff asked for now) up to the "please
 * wait here" screen. The wording there is checked by the caller's lines. */
#define URGENT_JOURNEY                                                                             \
    "expect attract\n"                                                                             \
    "tap start\n"                                                                                  \
    "tap category.room\n"                                                                          \
    "tap impact.severe\n"                                                                          \
    "tap next\n"                                                                                   \
    "expect apology\n"                                                                             \
    "tap resolution.staff_now\n"                                                                   \
    "expect offer\n"                                                                               \
    "tap offer.decline\n"                                                                          \
    "expect staff_wait\n"

/* What the wait screen says about an urgent report in each state of its
 * delivery: who is called, and whether they have the call. */
#define SAYS_SENDING                                                                               \
    "expect-text Please wait here.\n"                                                              \
    "expect-text We are calling\n"                                                                 \
    "expect-text Manager on duty\n"                                                                \
    "expect-text Your report is on its way to our staff.\n"
#define SAYS_CONFIRMED                                                                             \
    "expect-text We have called\n"                                                                 \
    "expect-text Manager on duty\n"                                                                \
    "expect-text We are calling the manager on duty to come to you here.\n"
#define SAYS_GO_TO_DESK                                                                            \
    "expect-text We could not confirm that our staff have your report. Please go to the front "    \
    "desk or speak to a member of staff now.\n"
#define SAYS_SYNC_OFF                                                                              \
    "expect-text This kiosk cannot pass your request to our team right now. Please tell a "        \
    "member of staff, or ask at the desk.\n"

/* The real hub stores both alerts: only then does the wait screen say staff have
 * it. The script's clock stands still while it waits for the hub, so the
 * ten seconds cannot run out meanwhile. */
static void urgent_report_confirmed_by_the_hub(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    if (kx_run_script(k, URGENT_JOURNEY SAYS_SENDING "await-sync\n" SAYS_CONFIRMED "tap done\n"
                                                     "expect attract\n") != 0)
        kx_fail_with_log(k, "the wait screen did not say staff have it once the hub did");
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM alerts WHERE kiosk = 'k1'", NULL), 2);
    assert_int_equal(
        fx_hub_int(fx, "SELECT count(*) FROM alerts WHERE reason IN ('staff_now', 'severe')", NULL),
        2);
}

/* The hub is down: the wait screen says the report is on its way, never that staff
 * have it, and after [sync] urgent_confirm_seconds (10) sends the guest to
 * the front desk. The alerts stay on the kiosk for later. */
static void urgent_report_with_the_hub_stopped(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    assert_int_equal(h_hub_stop(&fx->h->hub, 10000), 0);
    if (kx_run_script(k, URGENT_JOURNEY SAYS_SENDING "wait 9.9\n" SAYS_SENDING
                                                     "wait 0.1\n" SAYS_GO_TO_DESK "tap done\n"
                                                     "expect attract\n") != 0)
        kx_fail_with_log(k, "the wait screen did not send the guest to staff");
    kx_store_open(k);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.alerts, 2);
    assert_int_equal(s.synced, 0);
    assert_int_equal(s.pending + s.inflight, 3);
}

/* Sync off: nothing will carry the alert anywhere, and the wait screen says so at
 * once. */
static void urgent_report_with_sync_off(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    kx_write_conf(k, NULL, fx->token_file, 7);
    if (kx_run_script(k, URGENT_JOURNEY SAYS_SYNC_OFF) != 0)
        kx_fail_with_log(k, "the wait screen did not send the guest to staff with sync off");
}

static int first_code(const am_journey_row *row, void *ud)
{
    snprintf(ud, AM_CASE_CODE_MAX, "%s", row->case_code);
    return 1;
}

/* A severe report opens a case: thanks shows "Your reference" and the code
 * the kiosk made when the report was committed (prefix K1, from the kiosk
 * id k1), and the real hub, once the records arrive, finds the case by
 * exactly that code. */
static void reference_on_thanks_is_the_case_at_the_hub(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    const char *thanks = strstr(kx_full_journey, "expect thanks\n");
    assert_non_null(thanks);
    size_t head = (size_t)(thanks - kx_full_journey) + strlen("expect thanks\n");
    char script[3000];
    snprintf(script, sizeof script,
             "%.*sexpect-text Your reference\nexpect-text K1-\nshot %s/thanks-reference.png\n"
             "await-sync\ntap done\nexpect attract\nawait-sync\n",
             (int)head, kx_full_journey, fx->h->dir);
    if (kx_run_script(k, script) != 0)
        kx_fail_with_log(k, "thanks did not show the case's reference");
    kx_store_open(k);
    char code[AM_CASE_CODE_MAX] = "";
    assert_int_equal(am_store_journeys_each(fx->st, 0, first_code, code), AM_OK);
    assert_true(am_case_code_valid(code));
    assert_memory_equal(code, "K1-", 3);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM cases WHERE code = ?1", code), 1);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM cases", NULL), 1);
    /* For a person to look at: AMENDS_SHOT_DIR keeps the screen. */
    const char *keep = getenv("AMENDS_SHOT_DIR");
    if (keep) {
        char sh[1600];
        snprintf(sh, sizeof sh, "cp '%s/thanks-reference.png' '%s/'", fx->h->dir, keep);
        assert_int_equal(h_sh(sh, NULL, NULL), 0);
    }
}

/* What the acknowledging thread did. */
typedef struct acker {
    kiosk_fx *k;
    char token[128];
    int rc; /* 0: acknowledged */
    char why[128];
} acker;

/* The hub's count for sql, or -1, without cmocka (another thread). */
static long long hub_count(sync_fx *fx, const char *sql)
{
    char path[700];
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long long v = -1;
    snprintf(path, sizeof path, "%s/hub.db", fx->h->dir);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW)
            v = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return v;
}

/* Staff at the desk: as soon as the guest's case is at the hub, Sam
 * acknowledges it through the API, as a person would from a phone. Waits
 * on the event (the case's row), at most 20 s. */
static void *sam_acknowledges(void *arg)
{
    acker *a = arg;
    sync_fx *fx = a->k->fx;
    harness *h = fx->h;
    long long id = -1;
    for (int i = 0; i < 1000 && id <= 0; i++) {
        id = hub_count(fx, "SELECT id FROM cases WHERE kiosk = 'k1'");
        if (id <= 0)
            usleep(20000);
    }
    if (id <= 0) {
        snprintf(a->why, sizeof a->why, "no case at the hub");
        a->rc = 1;
        return NULL;
    }
    char sh[4096];
    snprintf(sh, sizeof sh,
             "test \"$(curl -sS --proto =https --cacert '%s' -X POST -H 'Authorization: Bearer "
             "%s' -H 'Content-Type: application/json' -d '{\"type\":\"ack\"}' -o /dev/null -w "
             "'%%{http_code}' '%s/v1/cases/%lld/events')\" = 200",
             h->ca, a->token, h->url, id);
    a->rc = system(sh);
    if (a->rc)
        snprintf(a->why, sizeof a->why, "the acknowledgement was refused");
    return NULL;
}

/* Closing the loop: the guest waits on staff_wait; Sam of Front Desk
 * acknowledges the case at the real hub; the kiosk, asking the hub often
 * while a guest waits, names them on the screen within seconds. */
static void staff_wait_names_who_took_the_call(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    harness *h = fx->h;
    char out[1024];
    const char *team[] = {"team", "add", "default", "frontdesk", "--name", "Front Desk", NULL};
    const char *route[] = {"route", "default", "default", "frontdesk", NULL};
    const char *add[] = {"person", "add", "Sam", "--role", "staff", "--team", "default/frontdesk",
                         NULL};
    const char *tok[] = {"token", "add", "Sam", NULL};
    assert_int_equal(h_hub_cmd(h, team, out, sizeof out), 0);
    assert_int_equal(h_hub_cmd(h, route, out, sizeof out), 0);
    assert_int_equal(h_hub_cmd(h, add, out, sizeof out), 0);
    assert_int_equal(h_hub_cmd(h, tok, out, sizeof out), 0);
    acker a = {.k = k};
    h_field(out, "token: ", a.token, sizeof a.token);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sam_acknowledges, &a), 0);
    char script[3000];
    snprintf(script, sizeof script,
             URGENT_JOURNEY SAYS_SENDING "await-sync\n" SAYS_CONFIRMED
                                         "await-text Sam from Front Desk is on the way.\n"
                                         "shot %s/staff-wait-taken.png\n"
                                         "tap done\nexpect attract\n",
             h->dir);
    int rc = kx_run_script(k, script);
    pthread_join(t, NULL);
    if (a.rc)
        fail_msg("Sam: %s", a.why);
    if (rc != 0)
        kx_fail_with_log(k, "the wait screen did not name who took the call");
    const char *keep = getenv("AMENDS_SHOT_DIR");
    if (keep) {
        char sh[1600];
        snprintf(sh, sizeof sh, "cp '%s/staff-wait-taken.png' '%s/'", h->dir, keep);
        assert_int_equal(h_sh(sh, NULL, NULL), 0);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(journey_on_the_kiosk_is_a_row_at_the_hub, setup,
                                        kx_teardown),
        cmocka_unit_test_setup_teardown(sync_off_keeps_records_on_the_kiosk, setup, kx_teardown),
        cmocka_unit_test_setup_teardown(refused_token_shows_auth_failed_in_amendsctl, setup,
                                        kx_teardown),
        cmocka_unit_test_setup_teardown(stopped_sync_explained_on_the_manager_screen, setup,
                                        kx_teardown),
        cmocka_unit_test_setup_teardown(urgent_report_confirmed_by_the_hub, setup, kx_teardown),
        cmocka_unit_test_setup_teardown(urgent_report_with_the_hub_stopped, setup, kx_teardown),
        cmocka_unit_test_setup_teardown(urgent_report_with_sync_off, setup, kx_teardown),
        cmocka_unit_test_setup_teardown(reference_on_thanks_is_the_case_at_the_hub, setup,
                                        kx_teardown),
        cmocka_unit_test_setup_teardown(staff_wait_names_who_took_the_call, setup, kx_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
