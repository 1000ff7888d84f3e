/* hub_cli_notify.c — `amends-hub destination ...`: where each site's
 * notifications go, from the command line (hub_notify.h). */
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "hub_audit.h"
#include "hub_db.h"
#include "hub_notify.h"

static const char usage_destination[] =
    "usage: amends-hub [--config FILE] destination add SITE --kind email|webhook|slack|teams\n"
    "           --to ADDRESS_OR_URL [--team TEAM] [--events EVENT,...]\n"
    "       amends-hub [--config FILE] destination list [SITE]\n"
    "       amends-hub [--config FILE] destination remove ID\n"
    "       amends-hub [--config FILE] destination test ID\n"
    "       amends-hub [--config FILE] destination site SITE [--normal-cases on|off]\n"
    "           [--guest-text on|off]\n"
    "\n"
    "A webhook's secret is printed once, by add, as 'secret: whsec_...'.\n"
    "Events: case.opened, case.overdue, case.reopened, case.resolved (default:\n"
    "all). See docs/hub.md#notifications.\n";

/* The value after "--name", or NULL. */
static const char *opt(int argc, char **argv, int from, const char *name)
{
    for (int i = from; i + 1 < argc; i++)
        if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, name))
            return argv[i + 1];
    return NULL;
}

static bool opts_known(const char *what, int argc, char **argv, int from, const char *const *names)
{
    for (int i = from; i < argc; i += 2) {
        bool known = false;
        for (const char *const *n = names; *n && !known; n++)
            known = !strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, *n);
        if (!known || i + 1 >= argc) {
            fprintf(stderr, "amends-hub: %s: %s '%s'\n", what,
                    known ? "no value after" : "unknown argument", argv[i]);
            return false;
        }
    }
    return true;
}

static int open_db(const char *config_path, hub_config *cfg, hub_db **db)
{
    char err[1024];
    if (hub_config_load(config_path, cfg, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: %s\n", err);
        return 2;
    }
    am_log_set_level(cfg->log_level);
    if (hub_db_open(cfg, 1, db, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: database: %s\n", err);
        return 1;
    }
    return 0;
}

static hub_audit_entry entry(char who[64], const char *action, const char *site, const char *target,
                             const char *after)
{
    struct passwd *pw = getpwuid(geteuid());
    snprintf(who, 64, "%s", pw && pw->pw_name ? pw->pw_name : "?");
    hub_audit_entry e = {.at_ms = am_wall_ms(),
                         .actor = who,
                         .via = "cli",
                         .address = "local",
                         .action = action,
                         .site = site,
                         .target = target,
                         .after = after};
    return e;
}

static int add(const char *config_path, int argc, char **argv)
{
    static const char *const names[] = {"kind", "to", "team", "events", NULL};
    hub_config cfg;
    hub_db *db = NULL;
    hub_destination d;
    char err[1200], who[64], after[600];
    memset(&d, 0, sizeof d);
    if (argc < 2 || !opts_known("destination add", argc, argv, 2, names))
        return 2;
    const char *kind = opt(argc, argv, 2, "kind"), *to = opt(argc, argv, 2, "to");
    const char *team = opt(argc, argv, 2, "team");
    if (!kind || !to) {
        fprintf(stderr, "amends-hub: destination add: --kind and --to are needed\n");
        return 2;
    }
    if (!am_proto_kiosk_id_valid(argv[1]) || (team && !am_proto_kiosk_id_valid(team))) {
        fprintf(stderr, "amends-hub: destination add: SITE and --team must be ids\n");
        return 2;
    }
    int status = open_db(config_path, &cfg, &db);
    if (status)
        return status;
    if (hub_notify_target_check(kind, to, cfg.notify_allow_plain_loopback, err, sizeof err) ||
        hub_notify_events_parse(opt(argc, argv, 2, "events"), d.events, sizeof d.events, err,
                                sizeof err)) {
        fprintf(stderr, "amends-hub: destination add: %s\n", err);
        hub_db_close(db);
        return 2;
    }
    snprintf(d.site, sizeof d.site, "%s", argv[1]);
    snprintf(d.kind, sizeof d.kind, "%s", kind);
    snprintf(d.target, sizeof d.target, "%s", to);
    snprintf(d.team, sizeof d.team, "%s", team ? team : "");
    /* The audit entry names the destination, never its secret; the id is
     * made by the add, so the target is the kind and the team. */
    snprintf(after, sizeof after, "kind=%s team=%s events=%s", d.kind, d.team[0] ? d.team : "*",
             d.events);
    hub_audit_entry e = entry(who, "destination.add", d.site, d.kind, after);
    if (hub_db_destination_add(db, &d, am_wall_ms(), &e, err, sizeof err)) {
        fprintf(stderr, "amends-hub: destination add: %s\n", err);
        status = 1;
    } else {
        printf("destination: %s\n", d.id);
        if (d.secret[0])
            printf("secret: %s\n", d.secret);
    }
    hub_db_close(db);
    return status;
}

static int list(const char *config_path, const char *site)
{
    hub_config cfg;
    hub_db *db = NULL;
    cJSON *out = NULL;
    int status = open_db(config_path, &cfg, &db);
    if (status)
        return status;
    if (hub_db_destinations(db, site, &out) != AM_OK) {
        fprintf(stderr, "amends-hub: destination list: reading the database failed\n");
        status = 1;
    } else {
        char *text = cJSON_Print(out);
        printf("%s\n", text ? text : "");
        free(text);
    }
    cJSON_Delete(out);
    hub_db_close(db);
    return status;
}

static int remove_one(const char *config_path, const char *id)
{
    hub_config cfg;
    hub_db *db = NULL;
    hub_destination d;
    char err[512], who[64];
    int status = open_db(config_path, &cfg, &db);
    if (status)
        return status;
    am_rc rc = hub_db_destination_get(db, id, &d);
    if (rc) {
        fprintf(stderr, "amends-hub: destination remove: %s\n",
                rc == AM_ERR_NOTFOUND ? "no such destination" : "reading the database failed");
        hub_db_close(db);
        return 1;
    }
    hub_audit_entry e = entry(who, "destination.remove", d.site, d.id, NULL);
    if (hub_db_destination_remove(db, id, &e, err, sizeof err)) {
        fprintf(stderr, "amends-hub: destination remove: %s\n", err);
        status = 1;
    } else {
        printf("removed: %s\n", id);
    }
    hub_db_close(db);
    return status;
}

/* Sends a test event now, outside the outbox, and prints the answer. */
static int test_one(const char *config_path, const char *id)
{
    hub_config cfg;
    hub_db *db = NULL;
    hub_destination d;
    int status = open_db(config_path, &cfg, &db);
    if (status)
        return status;
    am_rc rc = hub_db_destination_get(db, id, &d);
    hub_db_close(db);
    if (rc) {
        fprintf(stderr, "amends-hub: destination test: %s\n",
                rc == AM_ERR_NOTFOUND ? "no such destination" : "reading the database failed");
        return 1;
    }
    char msg[HUB_MSG_ID_MAX], payload[512];
    snprintf(msg, sizeof msg, "test_%08x%08x", randombytes_random(), randombytes_random());
    snprintf(payload, sizeof payload,
             "{\"type\":\"test\",\"timestamp\":\"%lld\",\"data\":{\"site\":\"%s\"}}",
             (long long)(am_wall_ms() / 1000), d.site);
    hub_send_result res;
    hub_notify_send(&cfg, &d, msg, "test", payload, &res);
    if (res.status)
        printf("answer: %ld %s\n", res.status, res.answer);
    if (res.verdict != HUB_SENT) {
        fprintf(stderr, "amends-hub: destination test: %s\n", res.error);
        return 1;
    }
    printf("sent: %s\n", msg);
    return 0;
}

static bool on_off(const char *what, const char *v, bool *out)
{
    if (!v)
        return true;
    if (!strcmp(v, "on") || !strcmp(v, "off")) {
        *out = !strcmp(v, "on");
        return true;
    }
    fprintf(stderr, "amends-hub: destination site: --%s must be on or off\n", what);
    return false;
}

static int site_set(const char *config_path, int argc, char **argv)
{
    static const char *const names[] = {"normal-cases", "guest-text", NULL};
    hub_config cfg;
    hub_db *db = NULL;
    char err[512], who[64], after[96];
    bool normal = true, guest = false;
    if (argc < 2 || !opts_known("destination site", argc, argv, 2, names))
        return 2;
    const char *nv = opt(argc, argv, 2, "normal-cases"), *gv = opt(argc, argv, 2, "guest-text");
    if (!on_off("normal-cases", nv, &normal) || !on_off("guest-text", gv, &guest))
        return 2;
    int status = open_db(config_path, &cfg, &db);
    if (status)
        return status;
    snprintf(after, sizeof after, "normal_cases=%s guest_text=%s", nv ? nv : "(as it was)",
             gv ? gv : "(as it was)");
    hub_audit_entry e = entry(who, "destination.site", argv[1], argv[1], after);
    if (hub_db_notify_site_set(db, argv[1], nv ? &normal : NULL, gv ? &guest : NULL, &e, err,
                               sizeof err)) {
        fprintf(stderr, "amends-hub: destination site: %s\n", err);
        status = 1;
    } else {
        printf("site: %s %s\n", argv[1], after);
    }
    hub_db_close(db);
    return status;
}

int hub_cli_destination(const char *config_path, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(usage_destination, stdout);
            return 0;
        }
    }
    const char *sub = argc >= 1 ? argv[0] : "";
    if (!strcmp(sub, "add"))
        return add(config_path, argc, argv);
    if (!strcmp(sub, "list") && argc <= 2)
        return list(config_path, argc == 2 ? argv[1] : NULL);
    if (!strcmp(sub, "remove") && argc == 2)
        return remove_one(config_path, argv[1]);
    if (!strcmp(sub, "test") && argc == 2)
        return test_one(config_path, argv[1]);
    if (!strcmp(sub, "site"))
        return site_set(config_path, argc, argv);
    fputs(usage_destination, stderr);
    return 2;
}
