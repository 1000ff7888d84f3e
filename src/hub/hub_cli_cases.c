/* hub_cli_cases.c — `amends-hub route ...`: each site's routing rules,
 * default team and deadlines, from the command line (hub_case.h). */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "hub_audit.h"
#include "hub_case.h"
#include "hub_db.h"

static const char usage_route[] =
    "usage: amends-hub [--config FILE] route add SITE --team TEAM [--category ID]\n"
    "           [--resolution ID] [--severity minor|significant|severe]\n"
    "           [--location GLOB] [--kiosk ID] [--priority urgent|normal]\n"
    "       amends-hub [--config FILE] route default SITE TEAM\n"
    "       amends-hub [--config FILE] route deadline SITE urgent|normal --ack MINUTES\n"
    "           --resolve MINUTES\n"
    "       amends-hub [--config FILE] route list\n"
    "\n"
    "A new case goes to the team of the first of its site's rules that matches\n"
    "it (in the order added), else to the site's default team. See docs/hub.md.\n";

/* The value after option `name` ("--name VALUE"), or NULL; *bad set when
 * an argument is no known option. */
static const char *opt(int argc, char **argv, int from, const char *name)
{
    for (int i = from; i + 1 < argc; i++) {
        if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, name))
            return argv[i + 1];
    }
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

static bool copy(const char *what, const char *key, const char *value, char *dst, size_t len,
                 bool id)
{
    if (!value)
        return true;
    if (strlen(value) >= len || (id && !am_proto_kiosk_id_valid(value))) {
        fprintf(stderr, "amends-hub: %s: --%s '%s' is not valid\n", what, key, value);
        return false;
    }
    snprintf(dst, len, "%s", value);
    return true;
}

static void audit(hub_db *db, const char *action, const char *site, const char *after)
{
    char who[64];
    struct passwd *pw = getpwuid(geteuid());
    snprintf(who, sizeof who, "%s", pw && pw->pw_name ? pw->pw_name : "?");
    hub_audit_entry e = {.at_ms = am_wall_ms(),
                         .actor = who,
                         .via = "cli",
                         .address = "local",
                         .action = action,
                         .site = site,
                         .target = site,
                         .after = after};
    hub_audit(db, &e);
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

static bool minutes(const char *what, const char *key, const char *text, int64_t *ms)
{
    char *end = NULL;
    long v = text ? strtol(text, &end, 10) : 0;
    if (!text || *end || v < 1 || v > 525600) {
        fprintf(stderr, "amends-hub: %s: --%s must be whole minutes from 1 to 525600\n", what, key);
        return false;
    }
    *ms = (int64_t)v * 60000;
    return true;
}

int hub_cli_route(const char *config_path, int argc, char **argv)
{
    static const char *const add_opts[] = {"team",     "category", "resolution", "severity",
                                           "location", "kiosk",    "priority",   NULL};
    static const char *const deadline_opts[] = {"ack", "resolve", NULL};
    hub_config cfg;
    hub_db *db = NULL;
    char err[512], after[512];
    int status = 2;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(usage_route, stdout);
            return 0;
        }
    }
    const char *sub = argc >= 1 ? argv[0] : "";
    if (!strcmp(sub, "list") && argc == 1) {
        cJSON *out = NULL;
        status = open_db(config_path, &cfg, &db);
        if (status)
            return status;
        if (hub_db_routes(db, &out) != AM_OK) {
            fprintf(stderr, "amends-hub: route list: reading the database failed\n");
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
    if (!strcmp(sub, "add") && argc >= 2 && opts_known("route add", argc, argv, 2, add_opts)) {
        hub_case_route r;
        memset(&r, 0, sizeof r);
        const char *site = argv[1];
        const char *sev = opt(argc, argv, 2, "severity"), *pri = opt(argc, argv, 2, "priority");
        if (!opt(argc, argv, 2, "team")) {
            fprintf(stderr, "amends-hub: route add: --team is needed\n");
            return 2;
        }
        if ((sev && strcmp(sev, "minor") && strcmp(sev, "significant") && strcmp(sev, "severe")) ||
            (pri && strcmp(pri, "urgent") && strcmp(pri, "normal"))) {
            fprintf(stderr, "amends-hub: route add: --severity must be minor, significant or "
                            "severe; --priority urgent or normal\n");
            return 2;
        }
        if (!am_proto_kiosk_id_valid(site) ||
            !copy("route add", "team", opt(argc, argv, 2, "team"), r.team, sizeof r.team, true) ||
            !copy("route add", "category", opt(argc, argv, 2, "category"), r.category,
                  sizeof r.category, true) ||
            !copy("route add", "resolution", opt(argc, argv, 2, "resolution"), r.resolution,
                  sizeof r.resolution, true) ||
            !copy("route add", "severity", sev, r.severity, sizeof r.severity, false) ||
            !copy("route add", "location", opt(argc, argv, 2, "location"), r.location,
                  sizeof r.location, false) ||
            !copy("route add", "kiosk", opt(argc, argv, 2, "kiosk"), r.kiosk, sizeof r.kiosk,
                  true) ||
            !copy("route add", "priority", pri, r.priority, sizeof r.priority, false))
            return 2;
        status = open_db(config_path, &cfg, &db);
        if (status)
            return status;
        int position = 0;
        if (hub_db_route_add(db, site, &r, am_wall_ms(), &position, err, sizeof err)) {
            fprintf(stderr, "amends-hub: route add: %s\n", err);
            status = 1;
        } else {
            snprintf(after, sizeof after,
                     "rule %d: category=%s resolution=%s severity=%s location=%s kiosk=%s -> "
                     "team=%s priority=%s",
                     position, r.category, r.resolution, r.severity, r.location, r.kiosk, r.team,
                     r.priority);
            audit(db, "case_route.add", site, after);
            printf("route: %s %d\n", site, position);
        }
        hub_db_close(db);
        return status;
    }
    if (!strcmp(sub, "default") && argc == 3) {
        if (!am_proto_kiosk_id_valid(argv[1]) || !am_proto_kiosk_id_valid(argv[2])) {
            fprintf(stderr, "amends-hub: route default: SITE and TEAM must be ids\n");
            return 2;
        }
        status = open_db(config_path, &cfg, &db);
        if (status)
            return status;
        if (hub_db_route_default(db, argv[1], argv[2], err, sizeof err)) {
            fprintf(stderr, "amends-hub: route default: %s\n", err);
            status = 1;
        } else {
            snprintf(after, sizeof after, "default team %s", argv[2]);
            audit(db, "case_route.default", argv[1], after);
            printf("default_team: %s/%s\n", argv[1], argv[2]);
        }
        hub_db_close(db);
        return status;
    }
    if (!strcmp(sub, "deadline") && argc >= 3 &&
        opts_known("route deadline", argc, argv, 3, deadline_opts)) {
        int64_t ack = 0, resolve = 0;
        const char *pri = argv[2];
        if (strcmp(pri, "urgent") && strcmp(pri, "normal")) {
            fprintf(stderr, "amends-hub: route deadline: the priority is urgent or normal\n");
            return 2;
        }
        if (!am_proto_kiosk_id_valid(argv[1]) ||
            !minutes("route deadline", "ack", opt(argc, argv, 3, "ack"), &ack) ||
            !minutes("route deadline", "resolve", opt(argc, argv, 3, "resolve"), &resolve))
            return 2;
        if (resolve < ack) {
            fprintf(stderr, "amends-hub: route deadline: --resolve must not be before --ack\n");
            return 2;
        }
        status = open_db(config_path, &cfg, &db);
        if (status)
            return status;
        if (hub_db_route_deadline(db, argv[1], pri, ack, resolve, err, sizeof err)) {
            fprintf(stderr, "amends-hub: route deadline: %s\n", err);
            status = 1;
        } else {
            snprintf(after, sizeof after, "%s: ack %lld min, resolve %lld min", pri,
                     (long long)(ack / 60000), (long long)(resolve / 60000));
            audit(db, "case_route.deadline", argv[1], after);
            printf("deadline: %s %s ack=%lldmin resolve=%lldmin\n", argv[1], pri,
                   (long long)(ack / 60000), (long long)(resolve / 60000));
        }
        hub_db_close(db);
        return status;
    }
    fputs(usage_route, stderr);
    return 2;
}
