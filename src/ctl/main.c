/* main.c — amendsctl: the manager's view of the local store, from a shell.
 *
 * Opens the store read-only, so it works while the kiosk runs and can never
 * damage what the kiosk has committed. Only requeue, purge and pin set
 * (src/ctl/manage.c) open it read-write, for one short transaction each.
 * Exit status: 0 ok, 1 failure, 2 usage error (voucher verify adds 3-6). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "amends/config.h"
#include "amends/config_file.h"
#include "amends/clock.h"
#include "amends/log.h"
#include "amends/store.h"
#include "amends/version.h"
#include "amends/export.h"
#include "manage.h"
#include "voucher.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Read when no --config is given, if it exists ($AMENDS_CONFIG names
 * another). */
#define DEFAULT_CONFIG "/etc/amends/amends.conf"

typedef struct ctl {
    const char *data_dir;
    am_config *cfg;
} ctl;

static void usage(FILE *to)
{
    fprintf(to, "Usage: amendsctl [--data-dir DIR] [--config FILE] COMMAND [OPTION]...\n"
                "Looks after the amends kiosk's local store; safe while the kiosk runs.\n"
                "\n"
                "Commands (read-only):\n"
                "  status      journeys kept, outbox counts, last sync result, auth state\n"
                "  export      journeys as CSV or JSON (--format csv|json, --since 24h)\n"
                "  sync-log    the most recent sync attempts\n"
                "  voucher     verify a voucher code offline ('amendsctl voucher --help')\n"
                "Commands that change the store (run as the store's owner):\n"
                "  requeue     quarantined records back to pending\n"
                "  purge       personal data of journeys synced longer ago than the\n"
                "              retention ([store] retention_days); --dry-run lists them\n"
                "  pin set     the manager PIN for the kiosk's manager mode\n"
                "\n"
                "Options:\n"
                "  -d, --data-dir DIR   the kiosk's data directory (default: [kiosk] data_dir\n"
                "                       of --config, else /var/lib/amends)\n"
                "  -c, --config FILE    site configuration (default: $AMENDS_CONFIG, else\n"
                "                       /etc/amends/amends.conf if it exists, else the\n"
                "                       built-in defaults)\n"
                "  -h, --help           show this help ('amendsctl COMMAND --help' for a command)\n"
                "  -V, --version        show the version\n"
                "\n"
                "Commands that print data take --format json for scripts.\n"
                "\n"
                "Exit status: 0 ok, 1 failure (no store, unreadable store, write error),\n"
                "2 usage error; voucher verify adds 3 expired, 4 tampered, 5 unknown,\n"
                "6 malformed.\n");
}

static void format_local(int64_t ms, char *buf, size_t len)
{
    if (ms <= 0) {
        snprintf(buf, len, "never");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Opens the kiosk's store read-only; on failure prints why. */
static int open_store(const ctl *c, am_store **st)
{
    char err[1024];
    if (am_store_open(c->data_dir, AM_STORE_READONLY, am_wall_ms(), st, err, sizeof err)) {
        fprintf(stderr, "amendsctl: %s\n", err);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* --since: a duration back from now ("90s", "30m", "24h", "7d") or a UTC
 * date ("2026-11-01" or "2026-11-01T08:00:00Z"). */
static int parse_since(const char *s, int64_t now, int64_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (!errno && end != s && n >= 0 && end[0] && !end[1]) {
        int64_t unit = 0;
        switch (end[0]) {
        case 's':
            unit = 1000;
            break;
        case 'm':
            unit = 60 * 1000;
            break;
        case 'h':
            unit = 3600 * 1000;
            break;
        case 'd':
            unit = 86400 * 1000;
            break;
        }
        if (unit && n <= 36500LL * 86400) {
            *out = now - (int64_t)n * unit;
            return 0;
        }
    }
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%d", &tm);
    if (rest && (*rest == '\0' || (rest = strptime(rest, "T%H:%M:%SZ", &tm)) != NULL) &&
        *rest == '\0') {
        *out = (int64_t)timegm(&tm) * 1000;
        return 0;
    }
    return -1;
}

static int parse_format(const char *cmd, const char *s, bool allow_csv, bool *json)
{
    if (strcmp(s, "json") == 0) {
        *json = true;
        return 0;
    }
    if (strcmp(s, allow_csv ? "csv" : "text") == 0) {
        *json = false;
        return 0;
    }
    fprintf(stderr, "amendsctl %s: --format must be %s or json, not '%s'\n", cmd,
            allow_csv ? "csv" : "text", s);
    return -1;
}

/* ---- status ------------------------------------------------------------ */

static int cmd_status(ctl *c, int argc, char **argv)
{
    bool json = false;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
        if (o == 'h') {
            printf("Usage: amendsctl status [--format text|json]\n"
                   "Journeys kept, outbox counts (pending, inflight, synced, quarantined),\n"
                   "the oldest pending record, the last sync result, whether the hub\n"
                   "refused this kiosk's credentials, and offers given today against the\n"
                   "budget in the site configuration (--config, else the default file).\n");
            return EXIT_OK;
        }
        if (o != 'f' || parse_format("status", optarg, false, &json))
            return EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "amendsctl status: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    am_store *st;
    if (open_store(c, &st))
        return EXIT_FAIL;
    am_store_status s;
    int64_t now = am_wall_ms();
    int64_t spent_today = 0;
    int offers_hour = 0, offers_today = 0;
    am_rc rc = am_store_get_status(st, &s);
    if (!rc)
        rc = am_store_spend(st, am_local_day_start_ms(now), now - 3600 * 1000, &spent_today,
                            &offers_hour);
    if (!rc) {
        int64_t unused;
        rc = am_store_spend(st, am_local_day_start_ms(now), am_local_day_start_ms(now), &unused,
                            &offers_today);
    }
    /* The hub's own words for refusing the credentials, kept whole. */
    char auth_reason[AM_SYNC_REASON_MAX] = "";
    if (!rc && s.auth_failed) {
        am_rc mrc =
            am_store_meta_get(st, AM_META_SYNC_AUTH_REASON, auth_reason, sizeof auth_reason);
        if (mrc == AM_ERR_NOTFOUND)
            auth_reason[0] = '\0'; /* refused before the reason was kept */
        else
            rc = mrc;
    }
    if (rc) {
        fprintf(stderr, "amendsctl: %s\n", am_store_errmsg(st));
        am_store_close(st);
        return EXIT_FAIL;
    }
    am_store_close(st);
    const char *currency = c->cfg->budget.currency;
    char spent[32], budget[32];
    am_money_format(spent_today, spent, sizeof spent);
    am_money_format(c->cfg->budget.daily_value_minor, budget, sizeof budget);
    if (json) {
        char last_success[40], oldest[40], last_attempt[40];
        am_format_utc(s.last_success_ms, last_success, sizeof last_success);
        am_format_utc(s.oldest_pending_ms, oldest, sizeof oldest);
        am_format_utc(s.last_attempt_ms, last_attempt, sizeof last_attempt);
        cJSON *o2 = cJSON_CreateObject();
        cJSON_AddStringToObject(o2, "data_dir", c->data_dir);
        cJSON_AddNumberToObject(o2, "schema_version", s.schema_version);
        cJSON_AddNumberToObject(o2, "journeys", (double)s.journeys);
        cJSON_AddNumberToObject(o2, "open_journeys", (double)s.open_journeys);
        cJSON_AddNumberToObject(o2, "alerts", (double)s.alerts);
        cJSON_AddNumberToObject(o2, "pending", (double)s.pending);
        cJSON_AddNumberToObject(o2, "inflight", (double)s.inflight);
        cJSON_AddNumberToObject(o2, "synced", (double)s.synced);
        cJSON_AddNumberToObject(o2, "quarantined", (double)s.quarantined);
        cJSON_AddItemToObject(o2, "oldest_pending",
                              oldest[0] ? cJSON_CreateString(oldest) : cJSON_CreateNull());
        cJSON_AddItemToObject(o2, "last_attempt",
                              last_attempt[0] ? cJSON_CreateString(last_attempt)
                                              : cJSON_CreateNull());
        cJSON_AddItemToObject(o2, "last_success",
                              last_success[0] ? cJSON_CreateString(last_success)
                                              : cJSON_CreateNull());
        cJSON_AddStringToObject(o2, "last_outcome", s.last_outcome);
        cJSON_AddStringToObject(o2, "last_error", s.last_error);
        cJSON_AddStringToObject(o2, "auth", s.auth_failed ? "failed" : "ok");
        cJSON_AddItemToObject(o2, "auth_reason",
                              s.auth_failed ? cJSON_CreateString(auth_reason) : cJSON_CreateNull());
        cJSON *b = cJSON_AddObjectToObject(o2, "budget");
        cJSON_AddStringToObject(b, "currency", currency);
        cJSON_AddNumberToObject(b, "spent_today", (double)spent_today / 100.0);
        cJSON_AddNumberToObject(b, "daily_value", (double)c->cfg->budget.daily_value_minor / 100.0);
        cJSON_AddNumberToObject(b, "offers_today", offers_today);
        cJSON_AddNumberToObject(b, "offers_last_hour", offers_hour);
        cJSON_AddNumberToObject(b, "hourly_offers", c->cfg->budget.hourly_offers);
        char *text = cJSON_Print(o2);
        cJSON_Delete(o2);
        if (!text)
            return EXIT_FAIL;
        printf("%s\n", text);
        free(text);
        return ferror(stdout) ? EXIT_FAIL : EXIT_OK;
    }
    char when[40], ago[40];
    printf("store         %s/%s (schema %d)\n", c->data_dir, AM_STORE_FILE, s.schema_version);
    printf("journeys      %lld kept, %lld in progress\n", (long long)s.journeys,
           (long long)s.open_journeys);
    printf("alerts        %lld raised\n", (long long)s.alerts);
    printf("outbox        %lld pending, %lld inflight, %lld synced, %lld quarantined\n",
           (long long)s.pending, (long long)s.inflight, (long long)s.synced,
           (long long)s.quarantined);
    if (s.oldest_pending_ms > 0) {
        format_local(s.oldest_pending_ms, when, sizeof when);
        am_format_ago(s.oldest_pending_ms, now, ago, sizeof ago);
        printf("oldest        %s (%s)\n", when, ago);
    }
    format_local(s.last_success_ms, when, sizeof when);
    if (s.last_success_ms > 0) {
        am_format_ago(s.last_success_ms, now, ago, sizeof ago);
        printf("last success  %s (%s)\n", when, ago);
    } else {
        printf("last success  never\n");
    }
    if (s.last_attempt_ms > 0) {
        format_local(s.last_attempt_ms, when, sizeof when);
        printf("last attempt  %s: %s%s%s\n", when, s.last_outcome, s.last_error[0] ? ": " : "",
               s.last_error);
    }
    printf("offers today  %d given, %s of %s %s budget; %d of %d in the last hour\n", offers_today,
           spent, budget, currency, offers_hour, c->cfg->budget.hourly_offers);
    if (s.auth_failed)
        printf(
            "sync auth     FAILED: the hub refused this kiosk's credentials: %s (see sync-log)\n",
            auth_reason[0] ? auth_reason : "no reason kept");
    else
        printf("sync auth     ok\n");
    if (s.quarantined > 0)
        printf("note          %lld record(s) quarantined: the hub refused them; see sync-log\n",
               (long long)s.quarantined);
    return ferror(stdout) ? EXIT_FAIL : EXIT_OK;
}

/* ---- export ------------------------------------------------------------ */

static int cmd_export(ctl *c, int argc, char **argv)
{
    bool json = false, have_format = false;
    int64_t since = 0;
    const char *output = NULL;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"since", required_argument, NULL, 's'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "f:s:o:h", opts, NULL)) != -1) {
        switch (o) {
        case 'h':
            printf("Usage: amendsctl export --format csv|json [--since WHEN] [--output FILE]\n"
                   "Every journey kept on this kiosk, oldest first, with what the guest gave\n"
                   "and its sync state. CSV follows RFC 4180 (CRLF, a header row); JSON is an\n"
                   "array of objects. WHEN is a duration back from now (90s, 30m, 24h, 7d) or\n"
                   "a UTC date (2026-11-01 or 2026-11-01T08:00:00Z). Without --output the\n"
                   "export goes to standard output. The export holds personal data: keep it\n"
                   "safe and delete it when done.\n");
            return EXIT_OK;
        case 'f':
            if (parse_format("export", optarg, true, &json))
                return EXIT_USAGE;
            have_format = true;
            break;
        case 's':
            if (parse_since(optarg, am_wall_ms(), &since)) {
                fprintf(stderr,
                        "amendsctl export: --since '%s' is not a duration (24h, 7d, 30m, 90s) "
                        "or a date (2026-11-01)\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o':
            output = optarg;
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "amendsctl export: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (!have_format) {
        fprintf(stderr, "amendsctl export: --format csv or --format json is required\n");
        return EXIT_USAGE;
    }
    am_store *st;
    if (open_store(c, &st))
        return EXIT_FAIL;
    FILE *to = stdout;
    if (output) {
        to = fopen(output, "wx");
        if (!to) {
            fprintf(stderr, "amendsctl export: %s: cannot create: %s\n", output, strerror(errno));
            am_store_close(st);
            return EXIT_FAIL;
        }
    }
    long count = 0;
    am_rc rc = am_export_journeys(st, since, json ? AM_EXPORT_JSON : AM_EXPORT_CSV, to, &count);
    int status = EXIT_OK;
    if (rc == AM_ERR_IO) {
        fprintf(stderr, "amendsctl export: %s: write failed: %s\n",
                output ? output : "standard output", strerror(errno));
        status = EXIT_FAIL;
    } else if (rc) {
        fprintf(stderr, "amendsctl export: %s\n", am_store_errmsg(st));
        status = EXIT_FAIL;
    }
    if (output && fclose(to) != 0 && status == EXIT_OK) {
        fprintf(stderr, "amendsctl export: %s: write failed: %s\n", output, strerror(errno));
        status = EXIT_FAIL;
    }
    if (output && status == EXIT_OK)
        fprintf(stderr, "amendsctl: exported %ld journey(s) to %s\n", count, output);
    am_store_close(st);
    return status;
}

/* ---- sync-log ---------------------------------------------------------- */

struct log_ctx {
    bool json;
    cJSON *array;
    long rows;
};

static int print_log_entry(const am_sync_log_entry *e, void *ud)
{
    struct log_ctx *lc = ud;
    lc->rows++;
    if (lc->json) {
        char at[40];
        am_format_utc(e->at_ms, at, sizeof at);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "at", at);
        cJSON_AddNumberToObject(o, "batch_size", e->batch_size);
        if (e->http_status)
            cJSON_AddNumberToObject(o, "http_status", e->http_status);
        else
            cJSON_AddNullToObject(o, "http_status");
        cJSON_AddStringToObject(o, "transport_error", e->transport);
        cJSON_AddNumberToObject(o, "latency_ms", (double)e->latency_ms);
        cJSON_AddStringToObject(o, "outcome", e->outcome);
        cJSON_AddStringToObject(o, "detail", e->detail);
        cJSON_AddItemToArray(lc->array, o);
        return 0;
    }
    char when[40], status[16];
    format_local(e->at_ms, when, sizeof when);
    if (e->http_status)
        snprintf(status, sizeof status, "%d", e->http_status);
    else
        snprintf(status, sizeof status, "-");
    printf("%-19s  %5d  %4s  %6lld ms  %-12s %s%s%s\n", when, e->batch_size, status,
           (long long)e->latency_ms, e->outcome, e->transport,
           e->transport[0] && e->detail[0] ? "; " : "", e->detail);
    return 0;
}

static int cmd_sync_log(ctl *c, int argc, char **argv)
{
    bool json = false;
    int limit = 50;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"limit", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "f:n:h", opts, NULL)) != -1) {
        switch (o) {
        case 'h':
            printf("Usage: amendsctl sync-log [--limit N] [--format text|json]\n"
                   "The most recent sync attempts, newest first (default 50): when, batch\n"
                   "size, HTTP status (- when no answer came), latency, outcome and reason.\n");
            return EXIT_OK;
        case 'f':
            if (parse_format("sync-log", optarg, false, &json))
                return EXIT_USAGE;
            break;
        case 'n': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 100000) {
                fprintf(stderr, "amendsctl sync-log: --limit must be 1..100000, not '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            limit = (int)n;
            break;
        }
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "amendsctl sync-log: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    am_store *st;
    if (open_store(c, &st))
        return EXIT_FAIL;
    struct log_ctx lc = {.json = json};
    if (json)
        lc.array = cJSON_CreateArray();
    else
        printf("%-19s  %5s  %4s  %9s  %-12s %s\n", "when", "batch", "http", "latency", "outcome",
               "reason");
    am_rc rc = am_store_sync_log_each(st, limit, print_log_entry, &lc);
    if (rc) {
        fprintf(stderr, "amendsctl: %s\n", am_store_errmsg(st));
        cJSON_Delete(lc.array);
        am_store_close(st);
        return EXIT_FAIL;
    }
    am_store_close(st);
    if (json) {
        char *text = cJSON_Print(lc.array);
        cJSON_Delete(lc.array);
        if (!text)
            return EXIT_FAIL;
        printf("%s\n", text);
        free(text);
    } else if (lc.rows == 0) {
        printf("(no sync attempts yet)\n");
    }
    return ferror(stdout) ? EXIT_FAIL : EXIT_OK;
}

/* ---- voucher (src/ctl/voucher.c) --------------------------------------- */

static int cmd_voucher(ctl *c, int argc, char **argv)
{
    return am_ctl_voucher(c->data_dir, c->cfg, argc, argv);
}

/* ---- requeue, purge, pin (src/ctl/manage.c) ----------------------------- */

static int cmd_requeue(ctl *c, int argc, char **argv)
{
    return am_ctl_requeue(c->data_dir, c->cfg, argc, argv);
}

static int cmd_purge(ctl *c, int argc, char **argv)
{
    return am_ctl_purge(c->data_dir, c->cfg, argc, argv);
}

static int cmd_pin(ctl *c, int argc, char **argv)
{
    return am_ctl_pin(c->data_dir, c->cfg, argc, argv);
}

static const struct {
    const char *name;
    int (*run)(ctl *c, int argc, char **argv);
} commands[] = {
    {"status", cmd_status},   {"export", cmd_export},   {"sync-log", cmd_sync_log},
    {"voucher", cmd_voucher}, {"requeue", cmd_requeue}, {"purge", cmd_purge},
    {"pin", cmd_pin},
};

int main(int argc, char **argv)
{
    ctl c = {0};
    const char *config_path = NULL;
    static const struct option opts[] = {{"data-dir", required_argument, NULL, 'd'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    int o;
    am_log_set_ident("amendsctl");
    /* '+': stop at the command name; its options are its own. */
    while ((o = getopt_long(argc, argv, "+d:c:hV", opts, NULL)) != -1) {
        switch (o) {
        case 'd':
            c.data_dir = optarg;
            break;
        case 'c':
            config_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'V':
            printf("amendsctl %s\n", AM_VERSION);
            return EXIT_OK;
        default:
            fprintf(stderr, "Try 'amendsctl --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    size_t i;
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) == 0)
            break;
    }
    if (i == sizeof commands / sizeof commands[0]) {
        fprintf(stderr, "amendsctl: unknown command '%s'\nTry 'amendsctl --help'.\n", name);
        return EXIT_USAGE;
    }
    char err[1024];
    /* The site's file when none is named: a kiosk without one runs on the
     * built-in defaults, and so does amendsctl; a file that is there but
     * wrong is an error, as with --config. */
    if (!config_path) {
        const char *env = getenv("AMENDS_CONFIG");
        const char *fallback = env && *env ? env : DEFAULT_CONFIG;
        struct stat sb;
        if (stat(fallback, &sb) == 0 || errno != ENOENT)
            config_path = fallback;
    }
    if (am_config_load(config_path, &c.cfg, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return EXIT_FAIL;
    }
    if (!c.data_dir)
        c.data_dir = c.cfg->kiosk.data_dir;
    int status = commands[i].run(&c, argc - optind, argv + optind);
    am_config_free(c.cfg);
    return status;
}
