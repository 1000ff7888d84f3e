/* app.c — the journey engine wired to the store (see app.h). */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/log.h"
#include "amends/text.h"
#include "amends/voucher.h"

struct am_app {
    const am_config *cfg;
    am_store *store;
    am_sync *sync; /* borrowed; NULL when sync is off */
    am_journey *journey;
    char journey_uuid[AM_UUID_LEN + 1]; /* "" until the report is committed */
    int64_t mono_base_ms;
    int64_t wall_base_ms;
    char store_error[256];
    unsigned wipes; /* AM_FX_WIPE seen: the screen drops its copies too */
    am_voucher_key voucher_key;
    bool voucher_key_ok; /* false: every offer escalates to a manager */
};

static int64_t wall_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    app->wall_base_ms = wall_now_ms();
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

int64_t am_app_day_start_ms(int64_t wall_ms)
{
    time_t t = (time_t)(wall_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

/* Tells the engine what the budget has already given, from the store, so
 * the offer policy holds across restarts. */
static void load_spend(am_app *app, int64_t wall_ms)
{
    int64_t spent = 0;
    int offers = 0;
    am_rc rc = am_store_spend(app->store, am_app_day_start_ms(wall_ms), wall_ms - 3600 * 1000,
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
    am_rc rc = am_voucher_issue(app->store, &app->voucher_key, app->cfg->kiosk.id, uuid, r->offer,
                                r->offer_value_minor, wall_ms, app->cfg->budget.offer_days, code,
                                err, sizeof err);
    if (rc) {
        snprintf(app->store_error, sizeof app->store_error, "issuing a voucher: %.200s", err);
        return rc;
    }
    am_journey_set_voucher(app->journey, code);
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
        am_rc rc =
            am_store_journey_open(app->store, app->cfg->kiosk.id, r, wall_ms, app->journey_uuid);
        if (rc == AM_OK)
            am_log_info("journey", "report %s committed: category=%s severity=%s",
                        app->journey_uuid, r->category, am_severity_name(r->severity));
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
        if (rc == AM_OK)
            am_log_info("alert", "alert %s raised: %s for report %s", alert_uuid,
                        am_alert_reason_name((am_alert_reason)fx->value), uuid ? uuid : "-");
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
            return rc;
        }
        outbox |=
            fx->items[i].type == AM_FX_CLOSE_JOURNEY || fx->items[i].type == AM_FX_RAISE_ALERT;
    }
    rc = am_store_commit(app->store);
    if (rc == AM_OK && outbox)
        am_sync_wake(app->sync);
    return rc;
}

static void after_wipe(am_app *app)
{
    app->wipes++;
    am_wipe(app->journey_uuid, sizeof app->journey_uuid);
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
    if (after != before)
        am_log_debug("journey", "screen %s -> %s", am_screen_id(before), am_screen_id(after));
    return AM_STEP_OK;
}

void am_app_advance(am_app *app, int64_t mono_ms)
{
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
