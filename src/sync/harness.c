/* harness.c — amends-sync-harness: runs the sync worker against a store the
 * way amends-kiosk will, without a screen. It opens the store (which
 * repairs what a crash left), starts the worker, closes journeys and raises
 * alerts as a guest would (waking the worker after each commit), and exits
 * 0 once nothing is left to send. The kill test SIGKILLs it at random
 * moments; SIGTERM stops it in an orderly way.
 *
 *   amends-sync-harness --data DIR --kiosk ID --url URL --token-file F
 *       --secret-file F [--ca F] [--pin P] [--batch N] [--journeys N]
 *       [--alerts N] [--heartbeat S] [--backoff-ms BASE:MAX] [--timeout S]
 *       [--no-wait]
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/store.h"
#include "amends/sync.h"

static volatile sig_atomic_t g_stop;

static void on_term(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !g_stop)
        ;
}

static int usage(void)
{
    fprintf(stderr, "usage: amends-sync-harness --data DIR --kiosk ID --url URL --token-file F "
                    "--secret-file F [--ca F] [--pin P] [--batch N] [--journeys N] [--alerts N] "
                    "[--heartbeat S] [--backoff-ms BASE:MAX] [--timeout S] [--no-wait]\n");
    return 2;
}

/* A journey as a guest leaves it, with text that must arrive intact. */
static void fill_report(am_report *r, int n)
{
    memset(r, 0, sizeof *r);
    r->lang = 0;
    snprintf(r->category, sizeof r->category, "%s", n % 2 ? "room" : "noise");
    r->severity = (am_severity)(1 + n % 3);
    snprintf(r->description, sizeof r->description, "heater off \"again\" #%d — 🙁", n);
    snprintf(r->first_name, sizeof r->first_name, "Zoë");
    snprintf(r->resolution, sizeof r->resolution, "other");
    snprintf(r->resolution_text, sizeof r->resolution_text, "a quiet room");
    r->rating = 1 + n % 5;
    r->consent = AM_CONSENT_NO;
    r->outcome = AM_OUTCOME_COMPLETED;
}

int main(int argc, char **argv)
{
    am_sync_options opt;
    const char *backoff = NULL;
    int journeys = 0, alerts = 0, timeout_s = 60;
    bool wait = true;
    char err[512];
    int status = 1;
    am_store *st = NULL;
    am_sync *sync = NULL;

    memset(&opt, 0, sizeof opt);
    opt.batch = 100;
    opt.connect_timeout_s = 5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-wait")) {
            wait = false;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (!strcmp(a, "--data"))
            opt.data_dir = v;
        else if (!strcmp(a, "--kiosk"))
            opt.kiosk_id = v;
        else if (!strcmp(a, "--url"))
            opt.url = v;
        else if (!strcmp(a, "--token-file"))
            opt.token_file = v;
        else if (!strcmp(a, "--secret-file"))
            opt.secret_file = v;
        else if (!strcmp(a, "--ca"))
            opt.ca_file = v;
        else if (!strcmp(a, "--pin"))
            opt.pin = v;
        else if (!strcmp(a, "--batch"))
            opt.batch = atoi(v);
        else if (!strcmp(a, "--journeys"))
            journeys = atoi(v);
        else if (!strcmp(a, "--alerts"))
            alerts = atoi(v);
        else if (!strcmp(a, "--heartbeat"))
            opt.heartbeat_s = atoi(v);
        else if (!strcmp(a, "--backoff-ms"))
            backoff = v;
        else if (!strcmp(a, "--timeout"))
            timeout_s = atoi(v);
        else
            return usage();
    }
    if (!opt.data_dir || !opt.kiosk_id || !opt.url)
        return usage();
    if (backoff) {
        long long base = 0, max = 0;
        if (sscanf(backoff, "%lld:%lld", &base, &max) != 2)
            return usage();
        opt.backoff_base_ms = base;
        opt.backoff_max_ms = max;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);

    /* The kiosk's own connection first: it repairs what a kill left. */
    if (am_store_open(opt.data_dir, AM_STORE_READWRITE, wall_ms(), &st, err, sizeof err)) {
        fprintf(stderr, "amends-sync-harness: %s\n", err);
        return 1;
    }
    if (am_sync_start(&opt, &sync, err, sizeof err)) {
        fprintf(stderr, "amends-sync-harness: %s\n", err);
        goto out;
    }
    for (int n = 0; n < journeys + alerts && !g_stop; n++) {
        char uuid[AM_UUID_LEN + 1];
        am_report r;
        fill_report(&r, n);
        am_rc rc;
        if (n < alerts) {
            rc = am_store_alert_raise(st, opt.kiosk_id, NULL, AM_ALERT_STAFF_NOW, "room",
                                      AM_SEVERITY_SEVERE, wall_ms(), uuid);
        } else {
            rc = am_store_journey_open(st, opt.kiosk_id, &r, wall_ms(), uuid);
            if (rc == AM_OK)
                rc = am_store_journey_close(st, uuid, &r, AM_OUTCOME_COMPLETED, wall_ms());
        }
        if (rc) {
            fprintf(stderr, "amends-sync-harness: %s\n", am_store_errmsg(st));
            goto out;
        }
        am_sync_wake(sync);
        memset(&r, 0, sizeof r);
    }
    if (!wait) {
        status = 0;
        goto out;
    }
    int64_t deadline = wall_ms() + (int64_t)timeout_s * 1000;
    while (!g_stop && wall_ms() < deadline) {
        am_store_status ss;
        if (am_store_get_status(st, &ss) == AM_OK && ss.pending + ss.inflight == 0) {
            printf("drained: synced %lld quarantined %lld\n", (long long)ss.synced,
                   (long long)ss.quarantined);
            status = 0;
            break;
        }
        sleep_ms(20);
    }
    if (status)
        fprintf(stderr, "amends-sync-harness: not drained within %d s\n", timeout_s);
out:
    am_sync_stop(sync);
    am_store_close(st);
    return status;
}
