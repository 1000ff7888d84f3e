/* app.c — the journey engine wired to the store (see app.h). */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "amends/text.h"
#include "amends/voucher.h"
#include "amends/voucher_store.h"
#include "amends/export.h"

struct am_app {
    const am_config *cfg;
    am_store *store;
    am_sync *sync; /* borrowed; NULL when sync is off */
    am_journey *journey;
    char journey_uuid[AM_UUID_LEN + 1]; /* "" until the report is committed */
    char case_code[AM_CASE_CODE_MAX];   /* made with the report, told the journey on commit */
    bool guest_waiting;                 /* staff_wait shows: the worker was told */
    int64_t mono_base_ms;
    int64_t wall_base_ms;
    char store_error[256];
    unsigned wipes; /* AM_FX_WIPE seen: the screen drops its copies too */
    am_voucher_key voucher_key;
    bool voucher_key_ok; /* false: every offer escalates to a manager */
    bool quit;           /* a manager chose "exit" */
    /* What the manager's last button did, for the screen to say. */
    am_manager_msg manager_msg;
    int64_t manager_msg_n;
    char manager_msg_text[300];
    /* This journey's urgent alerts, until the hub has stored each one:
     * thanks says staff have the report only then. */
    char urgent[AM_ALERT_REASON_COUNT][AM_UUID_LEN + 1];
    int urgent_count;
};

static void say(am_app *app, am_manager_msg msg, int64_t n, const char *text)
{
    app->manager_msg = msg;
    app->manager_msg_n = n;
    /* A path or error longer than the screen's room is cut; the log has it whole. */
    _Static_assert(sizeof app->manager_msg_text == 300, "the precision below");
    snprintf(app->manager_msg_text, sizeof app->manager_msg_text, "%.299s", text ? text : "");
}

/* Wall time of a moment on the app's clock: scripts advance a virtual
 * clock, and their records should show that time passing. */
static int64_t wall_at(const am_app *app, int64_t mono_ms)
{
    return app->wall_base_ms + (mono_ms - app->mono_base_ms);
}

am_rc am_app_open(const am_config *cfg, const char *data_dir, int64_t mono_ms, am_app **out,
                  char *err, size_t errlen)
{
    am_rc rc;
    *out = NULL;
    am_app *app = calloc(1, sizeof *app);
    if (!app) {
        snprintf(err, errlen, "out of memory");
        return AM_ERR_NOMEM;
    }
    app->cfg = cfg;
    app->mono_base_ms = mono_ms;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium cannot start");
        rc = AM_ERR_IO;
        goto out;
    }
    app->wall_base_ms = am_wall_ms();
    rc = am_store_open(data_dir, AM_STORE_READWRITE, app->wall_base_ms, &app->store, err, errlen);
    if (rc)
        goto out;
    int interrupted = am_store_interrupted_at_open(app->store);
    if (interrupted > 0)
        am_log_warn("store", "closed %d journey(s) left open by the last stop as interrupted",
                    interrupted);
    /* Read once: a kiosk that cannot issue a voucher must not offer one. */
    char key_err[512];
    if (am_voucher_key_load(cfg->budget.voucher_key_file, &app->voucher_key, key_err,
                            sizeof key_err) == AM_OK)
        app->voucher_key_ok = true;
    else
        am_log_warn("budget", "no vouchers: %s; every offer goes to a manager instead", key_err);
    app->journey = am_journey_new(cfg, mono_ms);
    if (!app->journey) {
        snprintf(err, errlen, "out of memory");
        rc = AM_ERR_NOMEM;
        goto out;
    }
    *out = app;
    app = NULL;
out:
    am_app_close(app);
    return rc;
}

void am_app_close(am_app *app)
{
    if (!app)
        return;
    am_journey_free(app->journey);
    am_store_close(app->store);
    am_voucher_key_wipe(&app->voucher_key);
    free(app);
}

const am_journey *am_app_journey(const am_app *app)
{
    return app->journey;
}

am_store *am_app_store(am_app *app)
{
    return app->store;
}

void am_app_backdate(am_app *app, int64_t ms)
{
    app->wall_base_ms -= ms;
}

void am_app_set_wall_clock(am_app *app, int64_t wall_ms, int64_t mono_ms)
{
    app->wall_base_ms = wall_ms;
    app->mono_base_ms = mono_ms;
}

bool am_app_vouchers_on(const am_app *app)
{
    return app->voucher_key_ok;
}

void am_app_set_sync(am_app *app, am_sync *sync)
{
    app->sync = sync;
}

const char *am_app_store_error(const am_app *app)
{
    return app->store_error;
}

unsigned am_app_wipes(const am_app *app)
{
    return app->wipes;
}

/* Tells the engine what the budget has already given, from the store, so
 * the offer policy holds across restarts. */
static void load_spend(am_app *app, int64_t wall_ms)
{
    int64_t spent = 0;
    int offers = 0;
    am_rc rc = am_store_spend(app->store, am_local_day_start_ms(wall_ms), wall_ms - 3600 * 1000,
                              &spent, &offers);
    if (rc) {
        /* Unknown spend: assume the budget is used up, so the kiosk
         * escalates to a manager rather than over-giving. */
        am_log_warn("budget", "cannot read offer spend (%s); offers paused for this journey",
                    am_store_errmsg(app->store));
        spent = INT64_MAX / 2;
        offers = app->cfg->budget.hourly_offers;
    }
    if (!app->voucher_key_ok) {
        /* No key, no voucher: the policy sees no budget left, so an offer
         * due escalates to a manager (with an alert) instead of being
         * shown. The reason was logged once at start. */
        spent = INT64_MAX / 2;
        offers = app->cfg->budget.hourly_offers;
    }
    am_journey_set_spend(app->journey, spent, offers);
}

/* An accepted offer's voucher: issued and written into the journey row in
 * the step's transaction, so the code on `thanks` is always on record (the
 * engine's next save_report comes only after the rating). */
static am_rc issue_voucher(am_app *app, const char *uuid, int64_t wall_ms)
{
    const am_report *r = am_journey_report(app->journey);
    char code[AM_VOUCHER_CODE_SIZE];
    char err[256];
    if (!app->voucher_key_ok) {
        /* Not reached: without a key no offer is shown. */
        snprintf(app->store_error, sizeof app->store_error, "no voucher key");
        return AM_ERR_CONFIG;
    }
    /* The offer's own validity: "breakfast tomorrow" is not valid for 90 days. */
    int days = am_config_offer_valid_days(app->cfg, am_journey_offer(app->journey));
    am_rc rc = am_voucher_issue(app->store, &app->voucher_key, app->cfg->kiosk.id, uuid, r->offer,
                                r->offer_value_minor, wall_ms, days, code, err, sizeof err);
    if (rc) {
        snprintf(app->store_error, sizeof app->store_error, "issuing a voucher: %.200s", err);
        return rc;
    }
    am_journey_set_voucher(app->journey, code);
    am_journey_set_voucher_expiry(app->journey, am_voucher_expiry(wall_ms, days));
    rc = am_store_journey_save(app->store, uuid, am_journey_report(app->journey), wall_ms);
    if (rc == AM_OK)
        am_log_info("voucher", "voucher issued for offer %s, report %s", r->offer, uuid);
    return rc;
}

/* Carries out one effect inside the step's transaction. */
static am_rc apply_effect(am_app *app, const am_effect *fx, int64_t wall_ms)
{
    const am_report *r = am_journey_report(app->journey);
    const char *uuid = app->journey_uuid[0] ? app->journey_uuid : NULL;
    switch (fx->type) {
    case AM_FX_OPEN_REPORT: {
        char prefix[AM_CASE_PREFIX_MAX + 1];
        am_config_case_prefix(app->cfg, prefix, sizeof prefix);
        am_rc rc = am_store_journey_open_coded(app->store, app->cfg->kiosk.id, prefix, r, wall_ms,
                                               app->journey_uuid, app->case_code);
        if (rc == AM_OK)
            am_log_info("journey", "report %s committed: category=%s severity=%s case=%s",
                        app->journey_uuid, r->category, am_severity_name(r->severity),
                        app->case_code);
        return rc;
    }
    case AM_FX_SAVE_REPORT:
        if (!uuid)
            return AM_ERR_NOTFOUND;
        return am_store_journey_save(app->store, uuid, r, wall_ms);
    case AM_FX_RAISE_ALERT: {
        char alert_uuid[AM_UUID_LEN + 1];
        am_rc rc =
            am_store_alert_raise(app->store, app->cfg->kiosk.id, uuid, (am_alert_reason)fx->value,
                                 r->category, r->severity, wall_ms, alert_uuid);
        if (rc != AM_OK)
            return rc;
        am_log_info("alert", "alert %s raised: %s for report %s", alert_uuid,
                    am_alert_reason_name((am_alert_reason)fx->value), uuid ? uuid : "-");
        /* Kept only once the step commits (see apply_store_effects). */
        if (am_journey_alert_urgent(app->journey, (am_alert_reason)fx->value) &&
            app->urgent_count < AM_ALERT_REASON_COUNT)
            memcpy(app->urgent[app->urgent_count++], alert_uuid, sizeof alert_uuid);
        return rc;
    }
    case AM_FX_RECORD_OFFER: {
        if (!uuid)
            return AM_ERR_NOTFOUND;
        am_rc rc = am_store_offer_record(app->store, uuid, r->offer, r->offer_value_minor,
                                         (am_offer_state)fx->value, wall_ms);
        if (rc || fx->value != AM_OFFER_ACCEPTED)
            return rc;
        return issue_voucher(app, uuid, wall_ms);
    }
    case AM_FX_CLOSE_JOURNEY: {
        if (!uuid)
            return AM_ERR_NOTFOUND;
        am_rc rc = am_store_journey_close(app->store, uuid, r, (am_outcome)fx->value, wall_ms);
        if (rc == AM_OK)
            am_log_info("journey", "journey %s closed: %s", uuid,
                        am_outcome_name((am_outcome)fx->value));
        return rc;
    }
    case AM_FX_WIPE:
    case AM_FX_CHECK_PIN: /* answered by manager_effects, never stored */
    case AM_FX_MANAGER_ACTION:
    case AM_FX_TYPE_COUNT:
        break;
    }
    return AM_OK;
}

/* Runs all store effects of one step in one transaction. Once it has
 * committed a closed journey or an alert, the sync worker is told: the
 * record is in the outbox and an alert must go at once. */
static am_rc apply_store_effects(am_app *app, const am_effects *fx, int64_t wall_ms)
{
    bool outbox = false;
    bool had_voucher = am_journey_report(app->journey)->voucher[0] != '\0';
    int had_urgent = app->urgent_count;
    app->store_error[0] = '\0';
    am_rc rc = am_store_begin(app->store);
    if (rc)
        return rc;
    for (int i = 0; i < fx->count; i++) {
        rc = apply_effect(app, &fx->items[i], wall_ms);
        if (rc) {
            am_store_rollback(app->store);
            /* A code issued in this step never reached the store: nobody
             * is thanked for it. */
            if (!had_voucher)
                am_journey_set_voucher(app->journey, "");
            app->urgent_count = had_urgent;
            app->case_code[0] = '\0';
            return rc;
        }
        outbox |=
            fx->items[i].type == AM_FX_CLOSE_JOURNEY || fx->items[i].type == AM_FX_RAISE_ALERT;
    }
    rc = am_store_commit(app->store);
    if (rc != AM_OK)
        app->urgent_count = had_urgent;
    /* The case code exists once its report does. */
    if (rc == AM_OK && app->case_code[0])
        am_journey_set_case_code(app->journey, app->case_code);
    app->case_code[0] = '\0';
    if (rc == AM_OK && outbox)
        am_sync_wake(app->sync);
    return rc;
}

static void after_wipe(am_app *app)
{
    app->wipes++;
    am_wipe(app->journey_uuid, sizeof app->journey_uuid);
    memset(app->urgent, 0, sizeof app->urgent);
    app->urgent_count = 0;
}

/* While the journey waits for the hub to confirm its urgent alerts: reads
 * their state in the store (the sync worker settles them as the hub
 * answers) and tells the engine once the hub has stored every one. */
static void poll_urgent(am_app *app, int64_t mono_ms)
{
    if (am_journey_urgent(app->journey) != AM_URGENT_SENDING || app->urgent_count == 0)
        return;
    for (int i = 0; i < app->urgent_count; i++) {
        am_alert_row row;
        if (am_store_alert_get(app->store, app->urgent[i], &row) != AM_OK ||
            row.sync_state != AM_SYNC_SYNCED)
            return;
    }
    am_log_info("alert", "the hub has stored this report's %d urgent alert(s)", app->urgent_count);
    am_event ev = {.type = AM_EV_URGENT_STORED, .now_ms = mono_ms};
    am_effects none;
    am_journey_handle(app->journey, &ev, &none);
}

/* While staff_wait shows: tells the worker a guest waits (it then asks
 * the hub often), and reads what the hub last said of this journey's case
 * (the worker keeps it in the store's meta "hub_cases"): once someone
 * acknowledged or took it, the screen names them. */
static void poll_taken(am_app *app)
{
    bool waiting =
        am_journey_screen(app->journey) == AM_SCREEN_STAFF_WAIT && app->journey_uuid[0] != '\0';
    if (waiting != app->guest_waiting) {
        app->guest_waiting = waiting;
        am_sync_set_waiting(app->sync, waiting);
    }
    if (!waiting || am_journey_taken_by(app->journey, NULL))
        return;
    char text[2048];
    if (am_store_meta_get(app->store, "hub_cases", text, sizeof text) != AM_OK)
        return;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        char *f[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4 && f[i - 1]; i++) {
            char *tab = strchr(f[i - 1], '\t');
            if (tab) {
                *tab = '\0';
                f[i] = tab + 1;
            }
        }
        if (f[3] && !strcmp(f[0], app->journey_uuid) && f[2][0] &&
            (!strcmp(f[1], "acknowledged") || !strcmp(f[1], "in_progress"))) {
            am_journey_set_taken(app->journey, f[2], f[3]);
            am_log_info("alert", "the hub says someone took report %s's call", app->journey_uuid);
            return;
        }
        if (!end)
            break;
        line = end + 1;
    }
}

bool am_app_urgent_waiting(const am_app *app)
{
    /* A guest waiting for staff: the screen looks for who took the call. */
    if (app->guest_waiting && !am_journey_taken_by(app->journey, NULL))
        return true;
    return am_journey_urgent(app->journey) == AM_URGENT_SENDING;
}

/* ---- manager mode ----------------------------------------------------------- */

/* The wait after the n-th wrong PIN in a row: 1 s, 2 s, 4 s, ... at most
 * five minutes. */
static int pin_delay_s(int failures)
{
    if (failures <= 0)
        return 0;
    if (failures > 9)
        return 300;
    int s = 1 << (failures - 1);
    return s > 300 ? 300 : s;
}

static int seconds_until(int64_t until_ms, int64_t wall_ms)
{
    int64_t left = until_ms - wall_ms;
    if (left <= 0)
        return 0;
    return (int)((left + 999) / 1000);
}

/* What the pad must say on showing, from the store: no PIN set, locked, or
 * still waiting after a wrong PIN (the wait holds across a restart).
 * Returns false when the pad is simply ready. */
static bool pin_precheck(am_app *app, int64_t wall_ms, am_event *answer)
{
    memset(answer, 0, sizeof *answer);
    char hash[AM_PIN_HASH_MAX];
    am_rc rc = am_store_manager_pin_get(app->store, hash, sizeof hash);
    am_wipe(hash, sizeof hash);
    if (rc) {
        if (rc != AM_ERR_NOTFOUND)
            am_log_error("manager", "cannot read the manager PIN: %s", am_store_errmsg(app->store));
        answer->type = AM_EV_PIN_UNSET;
        return true;
    }
    am_pin_state ps;
    if (am_store_pin_state_get(app->store, &ps) != AM_OK) {
        am_log_error("manager", "cannot read the PIN failure count: %s",
                     am_store_errmsg(app->store));
        return false;
    }
    if (ps.locked_until_ms > wall_ms) {
        answer->type = AM_EV_PIN_LOCKED;
        answer->value = seconds_until(ps.locked_until_ms, wall_ms);
        return true;
    }
    if (ps.locked_until_ms == 0 && ps.failures > 0) {
        int left =
            seconds_until(ps.last_failure_ms + (int64_t)pin_delay_s(ps.failures) * 1000, wall_ms);
        if (left > 0) {
            answer->type = AM_EV_PIN_REJECTED;
            answer->value = left;
            return true;
        }
    }
    return false;
}

/* Checks the digits on the pad. The failure count goes to the store
 * BEFORE the check, so pulling the plug mid-check counts as a wrong PIN;
 * only a right PIN clears it. */
static am_event check_pin(am_app *app, int64_t wall_ms)
{
    am_event answer = {.type = AM_EV_PIN_REJECTED, .value = 1};
    const am_config *cfg = app->cfg;
    char hash[AM_PIN_HASH_MAX];
    am_pin_state ps;
    if (am_store_pin_state_get(app->store, &ps) != AM_OK) {
        am_log_error("manager", "cannot read the PIN failure count (%s); PIN not checked",
                     am_store_errmsg(app->store));
        return answer;
    }
    if (ps.locked_until_ms != 0 && ps.locked_until_ms <= wall_ms)
        memset(&ps, 0, sizeof ps); /* the lockout is over: a fresh start */
    if (ps.locked_until_ms > wall_ms) {
        answer.type = AM_EV_PIN_LOCKED;
        answer.value = seconds_until(ps.locked_until_ms, wall_ms);
        return answer;
    }
    if (ps.failures > 0) {
        int left =
            seconds_until(ps.last_failure_ms + (int64_t)pin_delay_s(ps.failures) * 1000, wall_ms);
        if (left > 0) {
            answer.value = left;
            return answer;
        }
    }
    am_rc rc = am_store_manager_pin_get(app->store, hash, sizeof hash);
    if (rc) {
        if (rc != AM_ERR_NOTFOUND)
            am_log_error("manager", "cannot read the manager PIN: %s", am_store_errmsg(app->store));
        answer.type = AM_EV_PIN_UNSET;
        answer.value = 0;
        return answer;
    }
    am_pin_state next = ps;
    next.failures++;
    next.last_failure_ms = wall_ms;
    next.locked_until_ms = next.failures >= cfg->manager.max_failures
                               ? wall_ms + (int64_t)cfg->manager.lockout_minutes * 60 * 1000
                               : 0;
    if (am_store_pin_state_set(app->store, &next) != AM_OK) {
        am_log_error("manager", "cannot record the PIN attempt (%s); PIN not checked",
                     am_store_errmsg(app->store));
        am_wipe(hash, sizeof hash);
        return answer;
    }
    const char *pin = am_journey_pin(app->journey);
    bool right = crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0;
    am_wipe(hash, sizeof hash);
    if (right) {
        am_pin_state clear = {0};
        if (am_store_pin_state_set(app->store, &clear) != AM_OK)
            am_log_warn("manager", "cannot clear the PIN failure count: %s",
                        am_store_errmsg(app->store));
        am_log_info("manager", "manager mode opened");
        answer.type = AM_EV_PIN_ACCEPTED;
        answer.value = 0;
        return answer;
    }
    if (next.locked_until_ms) {
        am_log_warn("manager", "wrong manager PIN (%d in a row): PIN pad locked for %d min",
                    next.failures, cfg->manager.lockout_minutes);
        answer.type = AM_EV_PIN_LOCKED;
        answer.value = cfg->manager.lockout_minutes * 60;
    } else {
        answer.value = pin_delay_s(next.failures);
        am_log_warn("manager", "wrong manager PIN (%d of %d); the pad waits %d s", next.failures,
                    cfg->manager.max_failures, answer.value);
    }
    return answer;
}

/* Writes every journey as CSV (the export library amendsctl uses too) into the export
 * directory. The file appears under its final name only once complete. */
static void export_csv(am_app *app, int64_t wall_ms)
{
    const char *dir = app->cfg->manager.export_dir;
    char path[AM_PATH_MAX + 96], partial[AM_PATH_MAX + 112];
    time_t t = (time_t)(wall_ms / 1000);
    struct tm tm;
    char stamp[32];
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    int n = snprintf(path, sizeof path, "%s/amends-%s-%s.csv", dir, app->cfg->kiosk.id, stamp);
    if (n < 0 || (size_t)n >= sizeof path ||
        (size_t)snprintf(partial, sizeof partial, "%s.partial", path) >= sizeof partial) {
        say(app, AM_MSG_EXPORT_FAILED, 0, "the path is too long");
        return;
    }
    long count = 0;
    int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        char why[300];
        snprintf(why, sizeof why, "%.180s: %.100s", dir, strerror(errno));
        say(app, AM_MSG_EXPORT_FAILED, 0, why);
        if (fd >= 0)
            close(fd);
        am_log_error("manager", "export to %s failed: %s", dir, strerror(errno));
        return;
    }
    am_rc rc = am_export_journeys(app->store, 0, AM_EXPORT_CSV, f, &count);
    if (rc == AM_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        rc = AM_ERR_IO;
    if (fclose(f) != 0 && rc == AM_OK)
        rc = AM_ERR_IO;
    if (rc == AM_OK && rename(partial, path) != 0)
        rc = AM_ERR_IO;
    if (rc) {
        unlink(partial);
        say(app, AM_MSG_EXPORT_FAILED, 0,
            rc == AM_ERR_IO ? strerror(errno) : am_store_errmsg(app->store));
        am_log_error("manager", "export to %s failed: %s", dir, am_rc_str(rc));
        return;
    }
    say(app, AM_MSG_EXPORTED, count, path);
    am_log_info("manager", "exported %ld journeys to %s", count, path);
}

static void manager_action(am_app *app, am_manager_action action, int64_t wall_ms)
{
    switch (action) {
    case AM_MGR_SYNC_NOW: {
        if (!app->sync) {
            say(app, AM_MSG_SYNC_OFF, 0, NULL);
            break;
        }
        am_sync_now(app->sync);
        am_store_status st;
        if (am_store_get_status(app->store, &st) == AM_OK && st.pending + st.inflight > 0)
            say(app, AM_MSG_SENDING, st.pending + st.inflight, NULL);
        else
            say(app, AM_MSG_NOTHING_WAITING, 0, NULL);
        am_log_info("manager", "sync now");
        break;
    }
    case AM_MGR_REQUEUE: {
        int requeued = 0;
        if (am_store_outbox_requeue(app->store, &requeued) != AM_OK) {
            say(app, AM_MSG_REQUEUE_FAILED, 0, am_store_errmsg(app->store));
            break;
        }
        say(app, AM_MSG_REQUEUED, requeued, NULL);
        am_log_info("manager", "requeued %d quarantined record(s)", requeued);
        if (requeued > 0)
            am_sync_wake(app->sync);
        break;
    }
    case AM_MGR_EXPORT:
        export_csv(app, wall_ms);
        break;
    case AM_MGR_EXIT:
        am_log_info("manager", "a manager closed the kiosk");
        app->quit = true;
        break;
    case AM_MGR_ACTION_COUNT:
        break;
    }
}

/* The effects the app answers or carries out itself, outside the store's
 * transactions. Returns true when the step's effects were of that kind. */
static bool manager_effects(am_app *app, const am_effects *fx, int64_t now_ms)
{
    for (int i = 0; i < fx->count; i++) {
        if (fx->items[i].type == AM_FX_CHECK_PIN) {
            am_event answer = check_pin(app, wall_at(app, now_ms));
            answer.now_ms = now_ms;
            am_effects none;
            am_journey_handle(app->journey, &answer, &none);
            return true;
        }
        if (fx->items[i].type == AM_FX_MANAGER_ACTION) {
            manager_action(app, (am_manager_action)fx->items[i].value, wall_at(app, now_ms));
            return true;
        }
    }
    return false;
}

static int add_log_line(const am_sync_log_entry *e, void *ud)
{
    am_manager_info *out = ud;
    if (out->log_count >= AM_MANAGER_LOG_LINES)
        return 1;
    am_manager_log *l = &out->log[out->log_count++];
    l->at_ms = e->at_ms;
    snprintf(l->outcome, sizeof l->outcome, "%s", e->outcome);
    l->records = e->batch_size;
    l->http_status = e->http_status;
    snprintf(l->text, sizeof l->text, "%s%s%s", e->detail,
             e->detail[0] && e->transport[0] ? "; " : "", e->transport);
    return 0;
}
_Static_assert(sizeof((am_manager_log *)0)->text >= sizeof((am_sync_log_entry *)0)->detail +
                                                        sizeof((am_sync_log_entry *)0)->transport,
               "a sync log line is shown whole");

/* Why the hub could not be reached, from the transport's words. */
static am_hub_why classify(int http_status, const char *error)
{
    if (http_status)
        return AM_WHY_HTTP;
    if (strstr(error, "connection refused"))
        return AM_WHY_CONN_REFUSED;
    if (strstr(error, "no route to it") || strncmp(error, "cannot connect", 14) == 0)
        return AM_WHY_NO_ROUTE;
    if (strstr(error, "timed out"))
        return AM_WHY_TIMEOUT;
    if (strstr(error, "hub name not found"))
        return AM_WHY_NAME;
    if (strncmp(error, "TLS", 3) == 0)
        return AM_WHY_TLS;
    return AM_WHY_OTHER;
}

/* The state toward the hub, from the newest attempt: one answer, so the
 * screen never says "ok" beside an error. */
static void hub_state(am_app *app, const am_store_status *st, am_manager_info *out)
{
    bool refused = st->auth_failed;
    if (app->sync) {
        am_sync_status ss;
        am_sync_get_status(app->sync, &ss);
        refused |= ss.phase == AM_SYNC_AUTH_FAILED;
    }
    if (!app->sync) {
        out->hub = AM_HUB_SYNC_OFF;
    } else if (refused) {
        out->hub = AM_HUB_REFUSED;
        out->since_ms = st->failing_since_ms;
        if (am_store_meta_get(app->store, AM_META_SYNC_AUTH_REASON, out->hub_reason,
                              sizeof out->hub_reason) != AM_OK)
            out->hub_reason[0] = '\0';
    } else if (st->last_attempt_ms == 0) {
        out->hub = AM_HUB_NEVER;
    } else if (st->failing_since_ms == 0 || !st->last_error[0]) {
        /* The newest attempt went well, or failed for a reason of this
         * kiosk's own (a stop, a record quarantined): the hub answers. */
        out->hub = st->last_success_ms ? AM_HUB_OK : AM_HUB_NEVER;
        out->since_ms = st->last_success_ms;
    } else {
        out->hub = st->last_http_status ? AM_HUB_FAILING : AM_HUB_UNREACHABLE;
        out->since_ms = st->failing_since_ms;
        out->why = classify(st->last_http_status, st->last_error);
        out->why_http = st->last_http_status;
        snprintf(out->why_text, sizeof out->why_text, "%s", st->last_error);
    }
}
_Static_assert(sizeof((am_manager_info *)0)->hub_reason >= AM_SYNC_REASON_MAX,
               "the manager screen has room for the hub's whole reason");

void am_app_manager_info(am_app *app, int64_t now_ms, am_manager_info *out)
{
    memset(out, 0, sizeof *out);
    out->now_ms = wall_at(app, now_ms);
    am_store_status st;
    if (am_store_get_status(app->store, &st) != AM_OK) {
        out->hub = AM_HUB_UNKNOWN;
        snprintf(out->why_text, sizeof out->why_text, "%s", am_store_errmsg(app->store));
    } else {
        out->pending = st.pending + st.inflight;
        out->synced = st.synced;
        out->quarantined = st.quarantined;
        out->alerts_waiting = st.alerts_waiting;
        out->oldest_alert_ms = st.oldest_alert_ms;
        out->oldest_alert_refused = st.oldest_alert_state == AM_SYNC_QUARANTINED;
        snprintf(out->oldest_alert_error, sizeof out->oldest_alert_error, "%s",
                 st.oldest_alert_error);
        hub_state(app, &st, out);
        am_store_sync_log_each(app->store, AM_MANAGER_LOG_LINES, add_log_line, out);
    }
    out->msg = app->manager_msg;
    out->msg_n = app->manager_msg_n;
    snprintf(out->msg_text, sizeof out->msg_text, "%s", app->manager_msg_text);
}

bool am_app_quit_requested(const am_app *app)
{
    return app->quit;
}

am_step am_app_event(am_app *app, const am_event *ev)
{
    am_screen before = am_journey_screen(app->journey);
    if (ev->type == AM_EV_START)
        load_spend(app, wall_at(app, ev->now_ms));

    am_effects fx;
    am_step step = am_journey_handle(app->journey, ev, &fx);
    if (step != AM_STEP_OK)
        return step;
    if (manager_effects(app, &fx, ev->now_ms))
        return AM_STEP_OK;

    /* A step's effects may ask for another answer (never more than a few
     * rounds: each answer completes a pending transition). */
    for (int round = 0; round < 4 && fx.count > 0; round++) {
        bool wiped = false;
        for (int i = 0; i < fx.count; i++)
            wiped |= fx.items[i].type == AM_FX_WIPE;
        if (!am_effects_need_store(&fx)) {
            if (wiped)
                after_wipe(app);
            break;
        }
        int64_t wall_ms = wall_at(app, ev->now_ms);
        am_rc rc = apply_store_effects(app, &fx, wall_ms);
        am_event answer = {.type = rc ? AM_EV_STORE_FAILED : AM_EV_STORED, .now_ms = ev->now_ms};
        if (rc) {
            if (!app->store_error[0])
                snprintf(app->store_error, sizeof app->store_error, "%s",
                         am_store_errmsg(app->store));
            am_log_error("store", "cannot keep the report (%s): %s; out of order", am_rc_str(rc),
                         app->store_error);
        }
        am_effects more;
        am_journey_handle(app->journey, &answer, &more);
        if (wiped || rc)
            after_wipe(app);
        fx = more;
    }
    am_screen after = am_journey_screen(app->journey);
    if (after == AM_SCREEN_MANAGER_PIN && before != AM_SCREEN_MANAGER_PIN) {
        /* The pad says at once when it cannot open, and a wait or lockout
         * from before a restart still holds. */
        am_event answer;
        if (pin_precheck(app, wall_at(app, ev->now_ms), &answer)) {
            answer.now_ms = ev->now_ms;
            am_effects none;
            am_journey_handle(app->journey, &answer, &none);
        }
        say(app, AM_MSG_NONE, 0, NULL);
    }
    if (after != before)
        am_log_debug("journey", "screen %s -> %s", am_screen_id(before), am_screen_id(after));
    return AM_STEP_OK;
}

void am_app_advance(am_app *app, int64_t mono_ms)
{
    poll_urgent(app, mono_ms);
    poll_taken(app);
    /* Bounded: each tick fires at least one timer or ends the loop. */
    for (int guard = 0; guard < 1000; guard++) {
        int64_t due = am_journey_deadline(app->journey);
        if (due > mono_ms)
            break;
        am_event tick = {.type = AM_EV_TICK, .now_ms = due};
        am_app_event(app, &tick);
        if (am_journey_deadline(app->journey) == due)
            break;
    }
    am_event tick = {.type = AM_EV_TICK, .now_ms = mono_ms};
    am_app_event(app, &tick);
}
