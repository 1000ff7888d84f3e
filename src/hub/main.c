/* main.c — amends-hub: the server, and the operator commands that
 * provision kiosks, sites, teams and people against the same database.
 *
 *   amends-hub [--config FILE]                  run the hub
 *   amends-hub [--config FILE] kiosk add ID [--site SITE]   new kiosk: token, secret and
 *                                               voucher key, shown once
 *   amends-hub [--config FILE] kiosk voucher-key ID   voucher key for a kiosk added without one
 *   amends-hub [--config FILE] kiosk list       the fleet, as the manager API shows it
 *   amends-hub [--config FILE] kiosk rotate ID [--overlap HOURS]   new token and secret
 *   amends-hub [--config FILE] kiosk disable|enable|remove ID
 *   amends-hub [--config FILE] manager add NAME an admin with one API token, shown once
 *   amends-hub [--config FILE] site add|set|list    sites: name, time zone, currency
 *   amends-hub [--config FILE] team add SITE TEAM --name NAME
 *   amends-hub [--config FILE] person add NAME --role ROLE [--site SITE ...] [--team SITE/TEAM ...]
 *   amends-hub [--config FILE] person list
 *   amends-hub [--config FILE] person password-link NAME   a new set-password link
 *   amends-hub [--config FILE] person set NAME [--role ROLE] [--site ...] [--team ...]
 *   amends-hub [--config FILE] person remove NAME   end a person's access
 *   amends-hub [--config FILE] token add NAME    an API token for a person, shown once
 *   amends-hub [--config FILE] token list [NAME] | token revoke ID
 */
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "amends/proto.h"
#include "amends/version.h"
#include "amends/voucher.h"
#include "amends/webhook.h"
#include "hub_audit.h"
#include "hub_auth.h"
#include "hub_config.h"
#include "hub_case.h"
#include "hub_notify.h"
#include "hub_db.h"
#include "hub_server.h"
#include "hub_tz.h"

#define DEFAULT_CONFIG "/etc/amends/hub.conf"

static const char usage_main[] =
    "usage: amends-hub [--config FILE] [COMMAND ...]\n"
    "\n"
    "Without a command, runs the hub: HTTPS ingest for kiosks and the manager API,\n"
    "until SIGTERM or SIGINT (then it stops accepting, finishes requests in flight\n"
    "and exits 0).\n"
    "\n"
    "commands:\n"
    "  kiosk add ID [--site SITE]  provision a kiosk at a site (default: the site\n"
    "                    'default'); prints its token, signing secret and voucher key once\n"
    "  kiosk voucher-key ID  a voucher key for a kiosk provisioned before vouchers\n"
    "  kiosk list        list provisioned kiosks and their health\n"
    "  kiosk rotate ID [--overlap HOURS]  a new token and secret, shown once; the old\n"
    "                    ones are accepted for HOURS more (default 24)\n"
    "  kiosk disable ID  refuse the kiosk's requests (403 kiosk_disabled); its records wait\n"
    "  kiosk enable ID   accept them again\n"
    "  kiosk remove ID   forget a disabled kiosk's credentials; what it sent stays\n"
    "  manager add NAME  create a manager credential; prints its token once\n"
    "  site add ID --name NAME --timezone ZONE --currency CODE   a site (hotel, shop)\n"
    "  site set ID [--name NAME] [--timezone ZONE] [--currency CODE]\n"
    "  site list         the sites and their teams, as JSON\n"
    "  team add SITE TEAM --name NAME   a team of a site (housekeeping, front desk)\n"
    "  person add NAME --role admin|manager|staff|viewer [--site SITE ...]\n"
    "             [--team SITE/TEAM ...]   a named account with a role and its sites\n"
    "  person list       the people, their roles and scope, as JSON\n"
    "  person password-link NAME   a new one-time link (24 h) that sets NAME's password\n"
    "  person set NAME [--role ROLE] [--site SITE ...] [--team SITE/TEAM ...]\n"
    "                    change a person's role, sites or teams (each list replaced)\n"
    "  person remove NAME  end a person's access: tokens, sessions and password\n"
    "  token add NAME    an API token for a person (their role and scope); shown once\n"
    "  token list [NAME]   the API tokens (id, person, when made), as JSON; never one\n"
    "  token revoke ID   the token stops working at once\n"
    "  route add SITE --team TEAM [--category ID] [--resolution ID] [--severity S]\n"
    "            [--location GLOB] [--kiosk ID] [--priority P]   a routing rule for cases\n"
    "  route default SITE TEAM   the team of a site's cases no rule matches\n"
    "  route deadline SITE urgent|normal --ack MINUTES --resolve MINUTES\n"
    "  route list        the routing rules, default teams and deadlines, as JSON\n"
    "  destination add SITE --kind email|webhook|slack|teams --to ADDRESS_OR_URL\n"
    "             [--team TEAM] [--events EVENT,...]   where a site's notifications go;\n"
    "                    a webhook's secret is printed once\n"
    "  destination list [SITE] | remove ID | test ID   the destinations, as JSON; remove\n"
    "                    one; send one a test message and print its answer\n"
    "  destination site SITE [--normal-cases on|off] [--guest-text on|off]\n"
    "\n"
    "options:\n"
    "  --config FILE     hub configuration (default " DEFAULT_CONFIG ")\n"
    "  --help            this text (also after a command: amends-hub kiosk --help)\n"
    "  --version         print the version\n"
    "\n"
    "See docs/hub.md.\n";

static const char usage_kiosk[] =
    "usage: amends-hub [--config FILE] kiosk add ID [--site SITE]\n"
    "       amends-hub [--config FILE] kiosk voucher-key ID\n"
    "       amends-hub [--config FILE] kiosk list\n"
    "       amends-hub [--config FILE] kiosk rotate ID [--overlap HOURS]\n"
    "       amends-hub [--config FILE] kiosk disable|enable|remove ID\n"
    "\n"
    "add: ID is 1 to 64 of A-Z a-z 0-9 . _ - and must match the kiosk's [kiosk] id;\n"
    "SITE (default: default) must exist (amends-hub site add).\n"
    "Prints the bearer token, the whsec_ signing secret and the voucher key exactly\n"
    "once: put the token and secret in the kiosk's sync token_file and secret_file,\n"
    "and the voucher key (base64) decoded into /etc/amends/voucher.key, mode 0600:\n"
    "  (umask 077; printf '%s' KEY | base64 -d > /etc/amends/voucher.key)\n"
    "The hub keeps only the token's hash; it keeps the secret and the voucher key,\n"
    "which it needs to check signatures and vouchers.\n"
    "voucher-key: makes and prints (once) a voucher key for a kiosk that has none;\n"
    "never replaces one.\n"
    "list: prints the fleet as JSON (last seen, pending, quarantined, errors).\n"
    "rotate: makes a new token and secret and prints them once; the current ones\n"
    "stay accepted for HOURS (0 to 720, default 24; 0 refuses them at once), so\n"
    "the kiosk's files can be changed meanwhile. A second rotation forgets the\n"
    "first one's old credentials.\n"
    "disable: the hub answers the kiosk 403 kiosk_disabled; the kiosk keeps its\n"
    "records waiting and says so in its sync log. enable undoes it.\n"
    "remove: only for a disabled kiosk; its token and secret are forgotten, its\n"
    "feedback, alerts, vouchers and voucher key stay.\n";

static const char usage_site[] =
    "usage: amends-hub [--config FILE] site add ID --name NAME --timezone ZONE --currency CODE\n"
    "       amends-hub [--config FILE] site set ID [--name NAME] [--timezone ZONE]\n"
    "                                              [--currency CODE]\n"
    "       amends-hub [--config FILE] site list\n"
    "\n"
    "ID is 1 to 64 of A-Z a-z 0-9 . _ -. ZONE is a tz database name such as\n"
    "Europe/London (times of the site are shown in it); CODE is the ISO 4217 code\n"
    "of the site's money, such as GBP (amounts in different currencies are never\n"
    "added up). Kiosks provisioned before sites existed are in the site 'default'\n"
    "(UTC, no currency): give it yours with 'site set default'.\n";

static const char usage_team[] =
    "usage: amends-hub [--config FILE] team add SITE TEAM --name NAME\n"
    "\n"
    "Adds a team to a site. TEAM is 1 to 64 of A-Z a-z 0-9 . _ -, unique within\n"
    "its site; NAME is what people read (\"Housekeeping\"). 'site list' shows the teams.\n";

static const char usage_person[] =
    "usage: amends-hub [--config FILE] person add NAME --role ROLE [--site SITE ...]\n"
    "                                  [--team SITE/TEAM ...]\n"
    "       amends-hub [--config FILE] person list\n"
    "       amends-hub [--config FILE] person password-link NAME\n"
    "       amends-hub [--config FILE] person set NAME [--role ROLE] [--site SITE ...]\n"
    "                                  [--team SITE/TEAM ...]\n"
    "       amends-hub [--config FILE] person remove NAME\n"
    "\n"
    "'person set' changes the role, and replaces the person's sites (with\n"
    "--site) and teams (with --team); what is not given stays. 'person remove'\n"
    "ends the person's access at once: their API tokens, sessions, password and\n"
    "set-password links are deleted; the name stays, with the role 'removed',\n"
    "so that the audit trail still names them. The last admin cannot be made\n"
    "something else or removed.\n"
    "\n"
    "'person add' prints a one-time link, good for 24 hours, where the person\n"
    "sets their password (at least 12 characters, not a common one); open it in\n"
    "a browser that reaches the hub. 'person password-link' makes a new one (a\n"
    "forgotten password, an expired link): it replaces the person's unused links.\n"
    "\n"
    "NAME is 1 to 64 of A-Z a-z 0-9 . _ -. ROLE is one of:\n"
    "  admin    everything, every site; people, sites, kiosks (no --site or --team)\n"
    "  manager  everything for their sites\n"
    "  staff    their teams' work at their sites; check and redeem vouchers; no\n"
    "           guests' personal data\n"
    "  viewer   read-only dashboards and trends of their sites; no personal data\n"
    "Every role but admin needs at least one --site or --team; a team's site is\n"
    "one of the person's sites. See docs/hub.md for the full table.\n";

static const char usage_token[] =
    "usage: amends-hub [--config FILE] token add NAME\n"
    "       amends-hub [--config FILE] token list [NAME]\n"
    "       amends-hub [--config FILE] token revoke ID\n"
    "\n"
    "'token add' makes an API token (amm_...) for the person NAME and prints it\n"
    "once; the hub keeps only its hash. The token carries the person's role and\n"
    "scope. 'token list' shows each token's id (the first 12 hex digits of its\n"
    "SHA-256), its person and when it was made, as JSON; never the token, and\n"
    "the hub does not record when a token was last used. 'token revoke ID'\n"
    "deletes the token: a request with it gets 401 from then on.\n";

static const char usage_manager[] =
    "usage: amends-hub [--config FILE] manager add NAME\n"
    "\n"
    "Creates an admin named NAME with one API token for the manager API\n"
    "(GET /v1/kiosks, /v1/feedback, ...): the same as 'person add NAME --role admin'\n"
    "then 'token add NAME'. NAME is 1 to 64 of A-Z a-z 0-9 . _ -. Prints the bearer\n"
    "token once; the hub keeps only its hash. Kiosk tokens never work for the\n"
    "manager API.\n";

/* A voucher key: 32 random bytes, standard base64 with padding (44
 * characters), so that `base64 -d` on the kiosk turns it into the key file. */
#define VOUCHER_KEY_B64                                                                            \
    sodium_base64_ENCODED_LEN(AM_VOUCHER_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)

static void voucher_key_new(char out[VOUCHER_KEY_B64])
{
    unsigned char key[AM_VOUCHER_KEY_LEN];
    randombytes_buf(key, sizeof key);
    sodium_bin2base64(out, VOUCHER_KEY_B64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof key);
}

static int open_db(const char *config_path, hub_config *cfg, int connections, hub_db **db)
{
    char err[1024];
    if (hub_config_load(config_path, cfg, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: %s\n", err);
        return 2;
    }
    am_log_set_level(cfg->log_level);
    if (hub_db_open(cfg, connections, db, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: database: %s\n", err);
        return 1;
    }
    return 0;
}

/* The audit entry of a change made from the command line, which the
 * database writes in the change's own transaction. The operator is named
 * by the Unix account that ran the command (as `id -un` prints it, into
 * who), via "cli", from the address "local". */
#define CLI_WHO_MAX 64
static hub_audit_entry cli_entry(char who[CLI_WHO_MAX], const char *action, const char *site,
                                 const char *target, const char *before, const char *after)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name)
        snprintf(who, CLI_WHO_MAX, "%s", pw->pw_name);
    else
        snprintf(who, CLI_WHO_MAX, "uid %ld", (long)geteuid());
    hub_audit_entry e = {.at_ms = am_wall_ms(),
                         .actor = who,
                         .via = "cli",
                         .address = "local",
                         .action = action,
                         .site = site,
                         .target = target,
                         .before = before,
                         .after = after};
    return e;
}

/* Appends to out (cap outlen) at *n; cut at the end of the buffer. */
static void append(char *out, size_t outlen, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *out, size_t outlen, size_t *n, const char *fmt, ...)
{
    if (*n >= outlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(out + *n, outlen - *n, fmt, ap);
    va_end(ap);
    *n = w < 0 ? outlen : *n + (size_t)w;
}

/* "name=N; timezone=Z; currency=C" of a site (its values NULL: left out). */
static void site_values(char *out, size_t outlen, const char *name, const char *zone,
                        const char *currency)
{
    snprintf(out, outlen, "%s%s%s%s%s%s%s%s", name ? "name=" : "", name ? name : "",
             name && (zone || currency) ? "; " : "", zone ? "timezone=" : "", zone ? zone : "",
             zone && currency ? "; " : "", currency ? "currency=" : "", currency ? currency : "");
}

/* The site `id` as it is now, for the "before" of a change, and as it
 * will be with name, zone and currency (NULL: kept) for the "after". */
static void site_now(hub_db *db, const char *id, const char *name, const char *zone,
                     const char *currency, char *before, char *after, size_t len)
{
    cJSON *sites = NULL, *s;
    before[0] = after[0] = '\0';
    if (hub_db_sites(db, &sites) != AM_OK)
        return;
    cJSON_ArrayForEach(s, sites)
    {
        const char *sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "id"));
        if (!sid || strcmp(sid, id) != 0)
            continue;
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "name"));
        const char *z = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "timezone"));
        const char *c = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "currency"));
        site_values(before, len, n, z, c);
        site_values(after, len, name ? name : n, zone ? zone : z, currency ? currency : c);
    }
    cJSON_Delete(sites);
}

/* "enabled" or "disabled": a kiosk's state now, for the "before" of a
 * change; NULL for an unknown kiosk. */
static const char *kiosk_now(hub_db *db, const char *id)
{
    cJSON *kiosks = NULL, *k;
    const char *state = NULL;
    if (hub_db_kiosks(db, &kiosks) != AM_OK)
        return NULL;
    cJSON_ArrayForEach(k, kiosks)
    {
        const char *kid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "id"));
        if (kid && !strcmp(kid, id))
            state = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(k, "disabled_at")) ? "disabled"
                                                                                       : "enabled";
    }
    cJSON_Delete(kiosks);
    return state;
}

/* A command's words: `npos` positional arguments, then "--name value"
 * pairs from `opts` (a name marked `many` may be given up to CLI_MANY
 * times). Prints what is wrong and returns false on any other word. */
#define CLI_MANY 16
typedef struct cli_opt {
    const char *name; /* without the dashes */
    bool many;
    const char *values[CLI_MANY];
    int count;
} cli_opt;

static bool cli_parse(const char *what, int argc, char **argv, int npos, const char **pos,
                      cli_opt *opts, size_t nopts)
{
    int i = 0;
    for (; i < npos; i++) {
        if (i >= argc || !strncmp(argv[i], "--", 2)) {
            fprintf(stderr, "amends-hub: %s: %d argument%s needed before the options\n", what, npos,
                    npos == 1 ? "" : "s");
            return false;
        }
        pos[i] = argv[i];
    }
    for (; i < argc; i += 2) {
        cli_opt *o = NULL;
        for (size_t j = 0; j < nopts && !o; j++) {
            if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, opts[j].name))
                o = &opts[j];
        }
        if (!o) {
            fprintf(stderr, "amends-hub: %s: unknown option or extra argument '%s'\n", what,
                    argv[i]);
            return false;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "amends-hub: %s: --%s needs a value\n", what, o->name);
            return false;
        }
        if (o->count >= (o->many ? CLI_MANY : 1)) {
            fprintf(stderr, "amends-hub: %s: --%s given %s\n", what, o->name,
                    o->many ? "too often" : "twice");
            return false;
        }
        o->values[o->count++] = argv[i + 1];
    }
    return true;
}

static bool cli_help(int argc, char **argv, const char *usage)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return true;
        }
    }
    return false;
}

static bool id_ok(const char *what, const char *kind, const char *id)
{
    if (am_proto_kiosk_id_valid(id))
        return true;
    fprintf(stderr, "amends-hub: %s: '%s' is not a valid %s (1 to 64 of A-Z a-z 0-9 . _ -)\n", what,
            id, kind);
    return false;
}

/* A display name: 1 to 200 bytes of printable UTF-8 text (no control
 * characters). */
static bool name_ok(const char *what, const char *name)
{
    size_t n = strlen(name);
    bool ok = n > 0 && n <= 200;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)name[i] >= 0x20 && name[i] != 0x7f;
    if (!ok)
        fprintf(stderr,
                "amends-hub: %s: --name must be 1 to 200 characters, no control "
                "characters\n",
                what);
    return ok;
}

static bool site_values_ok(const char *what, const char *zone, const char *currency)
{
    if (zone && !hub_tz_valid(zone)) {
        fprintf(stderr,
                "amends-hub: %s: --timezone '%s' is not a time zone of the tz database "
                "(such as Europe/London; see /usr/share/zoneinfo)\n",
                what, zone);
        return false;
    }
    if (currency && !hub_currency_valid(currency)) {
        fprintf(stderr, "amends-hub: %s: --currency '%s' is not an ISO 4217 code (such as GBP)\n",
                what, currency);
        return false;
    }
    return true;
}

/* "kiosk list", "site list", "person list": what `read` returns, as JSON. */
static int print_list(const char *config_path, const char *what,
                      am_rc (*read)(hub_db *db, cJSON **out))
{
    hub_config cfg;
    hub_db *db = NULL;
    cJSON *list = NULL;
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    if (read(db, &list) != AM_OK) {
        fprintf(stderr, "amends-hub: %s: reading the database failed\n", what);
        status = 1;
    } else {
        char *text = cJSON_Print(list);
        if (text)
            printf("%s\n", text);
        free(text);
    }
    cJSON_Delete(list);
    hub_db_close(db);
    return status;
}

static int cmd_site(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512];
    const char *id = NULL;
    cli_opt opts[] = {{.name = "name"}, {.name = "timezone"}, {.name = "currency"}};
    if (cli_help(argc, argv, usage_site))
        return 0;
    if (argc >= 1 && !strcmp(argv[0], "list")) {
        if (argc != 1) {
            fputs(usage_site, stderr);
            return 2;
        }
        return print_list(config_path, "site list", hub_db_sites);
    }
    bool add = argc >= 1 && !strcmp(argv[0], "add");
    bool set = argc >= 1 && !strcmp(argv[0], "set");
    if (!add && !set) {
        fputs(usage_site, stderr);
        return 2;
    }
    const char *what = add ? "site add" : "site set";
    if (!cli_parse(what, argc - 1, argv + 1, 1, &id, opts, 3) || !id_ok(what, "site id", id))
        return 2;
    const char *name = opts[0].count ? opts[0].values[0] : NULL;
    const char *zone = opts[1].count ? opts[1].values[0] : NULL;
    const char *currency = opts[2].count ? opts[2].values[0] : NULL;
    if (add && (!name || !zone || !currency)) {
        fprintf(stderr, "amends-hub: site add: --name, --timezone and --currency are all "
                        "needed\n");
        return 2;
    }
    if (set && !name && !zone && !currency) {
        fprintf(stderr, "amends-hub: site set: nothing to change (--name, --timezone, "
                        "--currency)\n");
        return 2;
    }
    if ((name && !name_ok(what, name)) || !site_values_ok(what, zone, currency))
        return 2;
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    char before[512], after[512], who[CLI_WHO_MAX];
    if (set)
        site_now(db, id, name, zone, currency, before, after, sizeof after);
    else
        site_values(after, sizeof after, name, zone, currency);
    hub_audit_entry e =
        cli_entry(who, add ? "site.add" : "site.set", id, id, set ? before : NULL, after);
    am_rc rc =
        add ? hub_db_site_add(db, id, name, zone, currency, am_wall_ms(), &e, err, sizeof err)
            : hub_db_site_set(db, id, name, zone, currency, &e, err, sizeof err);
    if (rc) {
        fprintf(stderr, "amends-hub: %s: %s\n", what, err);
        status = 1;
    } else {
        printf("site: %s\n", id);
    }
    hub_db_close(db);
    return status;
}

static int cmd_team(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512];
    const char *pos[2];
    cli_opt opts[] = {{.name = "name"}};
    if (cli_help(argc, argv, usage_team))
        return 0;
    if (argc < 1 || strcmp(argv[0], "add") != 0) {
        fputs(usage_team, stderr);
        return 2;
    }
    if (!cli_parse("team add", argc - 1, argv + 1, 2, pos, opts, 1) ||
        !id_ok("team add", "site id", pos[0]) || !id_ok("team add", "team id", pos[1]))
        return 2;
    if (!opts[0].count) {
        fprintf(stderr, "amends-hub: team add: --name is needed\n");
        return 2;
    }
    if (!name_ok("team add", opts[0].values[0]))
        return 2;
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    char target[160], after[256], who[CLI_WHO_MAX];
    snprintf(target, sizeof target, "%s/%s", pos[0], pos[1]);
    snprintf(after, sizeof after, "name=%s", opts[0].values[0]);
    hub_audit_entry e = cli_entry(who, "team.add", pos[0], target, NULL, after);
    if (hub_db_team_add(db, pos[0], pos[1], opts[0].values[0], am_wall_ms(), &e, err, sizeof err)) {
        fprintf(stderr, "amends-hub: team add: %s\n", err);
        status = 1;
    } else {
        printf("team: %s/%s\n", pos[0], pos[1]);
    }
    hub_db_close(db);
    return status;
}

/* The address a browser opens links at: the hub's listen address, with the
 * host's name for a wildcard one; "" when the port is chosen at start. */
static void link_base(const hub_config *cfg, char *out, size_t outlen)
{
    const char *colon = strrchr(cfg->listen, ':');
    char host[256];
    out[0] = '\0';
    if (!colon || !strcmp(colon, ":0"))
        return;
    snprintf(host, sizeof host, "%.*s", (int)(colon - cfg->listen), cfg->listen);
    if (!strcmp(host, "0.0.0.0") || !strcmp(host, "[::]") || !host[0]) {
        if (gethostname(host, sizeof host) != 0)
            snprintf(host, sizeof host, "HUB");
        host[sizeof host - 1] = '\0';
    }
    snprintf(out, outlen, "%s://%s%s", cfg->tls ? "https" : "http", host, colon);
}

/* Makes and prints a set-password link for `name`: 0, or 1 (err printed).
 * The audit entry says when it expires, never the link. */
static int print_password_link(const hub_config *cfg, hub_db *db, const char *what,
                               const char *name)
{
    char path[128], base[300], err[256], when[32], after[64], who[CLI_WHO_MAX];
    int64_t now = am_wall_ms(), expires = now + HUB_PASSWORD_LINK_MS;
    am_format_utc(expires, when, sizeof when);
    snprintf(after, sizeof after, "a link good until %s", when);
    hub_audit_entry e = cli_entry(who, "password_link.add", NULL, name, NULL, after);
    e.person_sites = name; /* filed under each of the person's sites */
    e.detail = !strcmp(what, "person add") ? "for a new person" : "a new link";
    if (hub_db_password_link_new(db, name, now, path, sizeof path, &expires, &e, err, sizeof err) !=
        AM_OK) {
        fprintf(stderr, "amends-hub: %s: %s\n", what, err);
        return 1;
    }
    link_base(cfg, base, sizeof base);
    printf("password_link: %s%s\npassword_link_expires: %s\n", base, path, when);
    sodium_memzero(path, sizeof path);
    return 0;
}

static int cmd_password_link(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    if (argc != 2) {
        fputs(usage_person, stderr);
        return 2;
    }
    if (!id_ok("person password-link", "name", argv[1]))
        return 2;
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    status = print_password_link(&cfg, db, "person password-link", argv[1]);
    if (!status)
        printf("person: %s\n", argv[1]);
    hub_db_close(db);
    return status;
}

/* `person set NAME [--role R] [--site S ...] [--team S/T ...]`. */
static int cmd_person_set(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512], who[CLI_WHO_MAX];
    const char *name = NULL;
    cli_opt opts[] = {
        {.name = "role"}, {.name = "site", .many = true}, {.name = "team", .many = true}};
    hub_person_set set = {0};
    if (!cli_parse("person set", argc - 1, argv + 1, 1, &name, opts, 3) ||
        !id_ok("person set", "name", name))
        return 2;
    if (opts[0].count && hub_role_parse(opts[0].values[0], &set.role) != 0) {
        fprintf(stderr, "amends-hub: person set: --role must be admin, manager, staff or viewer\n");
        return 2;
    }
    if (!opts[0].count && !opts[1].count && !opts[2].count) {
        fprintf(stderr,
                "amends-hub: person set: nothing to change: give --role, --site or --team\n");
        return 2;
    }
    set.name = name;
    set.has_role = opts[0].count > 0;
    set.has_sites = opts[1].count > 0;
    set.has_teams = opts[2].count > 0;
    set.sites = opts[1].values;
    set.nsites = (size_t)opts[1].count;
    set.teams = opts[2].values;
    set.nteams = (size_t)opts[2].count;
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    bool changed = false;
    hub_audit_entry e = cli_entry(who, "person.set", NULL, name, NULL, NULL);
    if (hub_db_person_set(db, &set, &e, &changed, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: person set: %s\n", err);
        status = 1;
    } else {
        printf("person: %s\n%s\n", name, changed ? "changed" : "unchanged");
    }
    hub_db_close(db);
    return status;
}

/* `person remove NAME`. */
static int cmd_person_remove(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512], who[CLI_WHO_MAX];
    if (argc != 2) {
        fputs(usage_person, stderr);
        return 2;
    }
    if (!id_ok("person remove", "name", argv[1]))
        return 2;
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    hub_audit_entry e = cli_entry(who, "person.remove", NULL, argv[1], NULL, NULL);
    if (hub_db_person_remove(db, argv[1], &e, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: person remove: %s\n", err);
        status = 1;
    } else {
        printf("person: %s\nremoved\n", argv[1]);
    }
    hub_db_close(db);
    return status;
}

static int cmd_person(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512];
    const char *name = NULL;
    cli_opt opts[] = {
        {.name = "role"}, {.name = "site", .many = true}, {.name = "team", .many = true}};
    hub_role role;
    if (cli_help(argc, argv, usage_person))
        return 0;
    if (argc == 1 && !strcmp(argv[0], "list"))
        return print_list(config_path, "person list", hub_db_people);
    if (argc >= 1 && !strcmp(argv[0], "password-link"))
        return cmd_password_link(config_path, argc, argv);
    if (argc >= 1 && !strcmp(argv[0], "set"))
        return cmd_person_set(config_path, argc, argv);
    if (argc >= 1 && !strcmp(argv[0], "remove"))
        return cmd_person_remove(config_path, argc, argv);
    if (argc < 1 || strcmp(argv[0], "add") != 0) {
        fputs(usage_person, stderr);
        return 2;
    }
    if (!cli_parse("person add", argc - 1, argv + 1, 1, &name, opts, 3) ||
        !id_ok("person add", "name", name))
        return 2;
    if (!opts[0].count || hub_role_parse(opts[0].values[0], &role) != 0) {
        fprintf(stderr, "amends-hub: person add: --role must be admin, manager, staff or viewer\n");
        return 2;
    }
    if (role == HUB_ROLE_ADMIN && (opts[1].count || opts[2].count)) {
        fprintf(stderr, "amends-hub: person add: an admin has every site: no --site or --team\n");
        return 2;
    }
    if (role != HUB_ROLE_ADMIN && !opts[1].count && !opts[2].count) {
        fprintf(stderr, "amends-hub: person add: a %s needs at least one --site or --team\n",
                hub_role_name(role));
        return 2;
    }
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    /* The site of the entry: the person's first site (a manager of it
     * reads the entry); none for an admin. */
    char after[1024], site[AM_KIOSK_ID_MAX] = "", who[CLI_WHO_MAX];
    if (opts[1].count)
        snprintf(site, sizeof site, "%s", opts[1].values[0]);
    else if (opts[2].count)
        snprintf(site, sizeof site, "%.*s", (int)strcspn(opts[2].values[0], "/"),
                 opts[2].values[0]);
    size_t n = 0;
    append(after, sizeof after, &n, "role=%s", hub_role_name(role));
    for (int j = 0; j < opts[1].count; j++)
        append(after, sizeof after, &n, "%s%s", j ? "," : "; sites=", opts[1].values[j]);
    for (int j = 0; j < opts[2].count; j++)
        append(after, sizeof after, &n, "%s%s", j ? "," : "; teams=", opts[2].values[j]);
    hub_audit_entry e = cli_entry(who, "person.add", site[0] ? site : NULL, name, NULL, after);
    e.person_sites = name; /* and under each of the person's sites */
    if (hub_db_person_add(db, name, role, opts[1].values, (size_t)opts[1].count, opts[2].values,
                          (size_t)opts[2].count, am_wall_ms(), &e, err, sizeof err)) {
        fprintf(stderr, "amends-hub: person add: %s\n", err);
        status = 1;
    } else {
        printf("person: %s\nrole: %s\n", name, hub_role_name(role));
        status = print_password_link(&cfg, db, "person add", name);
    }
    hub_db_close(db);
    return status;
}

/* `token add NAME` and `manager add NAME` differ only in these: each makes
 * an API token, stores its hash and prints the token once. */
typedef struct token_cmd {
    const char *what;   /* "token add" */
    const char *usage;  /* its --help */
    const char *label;  /* the key of the first line printed: "person" */
    const char *action; /* what the audit trail calls it */
    /* Stores the token's hash for NAME (for a manager, the admin first)
     * and the audit entry. */
    am_rc (*store)(hub_db *db, const char *name, const char *token_hash, int64_t now_ms,
                   const hub_audit_entry *audit, char *err, size_t errlen);
} token_cmd;

static int cmd_add_token(const char *config_path, const token_cmd *tc, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512];
    if (cli_help(argc, argv, tc->usage))
        return 0;
    if (argc != 2 || strcmp(argv[0], "add") != 0) {
        fputs(tc->usage, stderr);
        return 2;
    }
    if (!id_ok(tc->what, "name", argv[1]))
        return 2;
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    char token[HUB_TOKEN_MAX], hash[HUB_HASH_HEX];
    hub_token_new(HUB_MANAGER_TOKEN_PREFIX, token);
    hub_token_hash(token, hash);
    /* Filed under each of the person's sites (none for an admin). */
    char who[CLI_WHO_MAX];
    hub_audit_entry e = cli_entry(who, tc->action, NULL, argv[1], NULL,
                                  !strcmp(tc->action, "manager.add") ? "role=admin; one API token"
                                                                     : "an API token");
    e.person_sites = argv[1];
    if (tc->store(db, argv[1], hash, am_wall_ms(), &e, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: %s: %s\n", tc->what, err);
        status = 1;
    } else {
        printf("%s: %s\ntoken: %s\n", tc->label, argv[1], token);
        fprintf(stderr, "amends-hub: shown once; the hub keeps only its hash\n");
    }
    sodium_memzero(token, sizeof token);
    hub_db_close(db);
    return status;
}

static am_rc tokens_of_all(hub_db *db, cJSON **out)
{
    return hub_db_tokens(db, NULL, out);
}

/* `token list [NAME]`: the tokens' ids, owners and ages, never a token. */
static int cmd_token_list(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    cJSON *list = NULL;
    if (argc > 2) {
        fputs(usage_token, stderr);
        return 2;
    }
    if (argc == 1)
        return print_list(config_path, "token list", tokens_of_all);
    if (!id_ok("token list", "name", argv[1]))
        return 2;
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    if (hub_db_tokens(db, argv[1], &list) != AM_OK) {
        fprintf(stderr, "amends-hub: token list: reading the database failed\n");
        status = 1;
    } else {
        char *text = cJSON_Print(list);
        if (text)
            printf("%s\n", text);
        free(text);
    }
    cJSON_Delete(list);
    hub_db_close(db);
    return status;
}

/* `token revoke ID`, ID as `token list` shows it: 12 lower-case hex digits. */
static int cmd_token_revoke(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512], who[CLI_WHO_MAX], owner[HUB_NAME_MAX];
    if (argc != 2) {
        fputs(usage_token, stderr);
        return 2;
    }
    if (strlen(argv[1]) != HUB_TOKEN_ID_LEN ||
        strspn(argv[1], "0123456789abcdef") != HUB_TOKEN_ID_LEN) {
        fprintf(stderr,
                "amends-hub: token revoke: '%s' is not a token id (12 hex digits, as 'token "
                "list' shows)\n",
                argv[1]);
        return 2;
    }
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    hub_audit_entry e = cli_entry(who, "token.revoke", NULL, NULL, NULL, NULL);
    if (hub_db_token_revoke(db, argv[1], &e, owner, sizeof owner, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: token revoke: %s\n", err);
        status = 1;
    } else {
        printf("token: %s\nperson: %s\nrevoked\n", argv[1], owner);
    }
    hub_db_close(db);
    return status;
}

static int cmd_token(const char *config_path, int argc, char **argv)
{
    static const token_cmd tc = {"token add", usage_token, "person", "token.add", hub_db_token_add};
    if (cli_help(argc, argv, usage_token))
        return 0;
    if (argc >= 1 && !strcmp(argv[0], "list"))
        return cmd_token_list(config_path, argc, argv);
    if (argc >= 1 && !strcmp(argv[0], "revoke"))
        return cmd_token_revoke(config_path, argc, argv);
    return cmd_add_token(config_path, &tc, argc, argv);
}

/* An admin with one token: person add NAME --role admin, then token add. */
static int cmd_manager(const char *config_path, int argc, char **argv)
{
    static const token_cmd tc = {"manager add", usage_manager, "manager", "manager.add",
                                 hub_db_manager_add};
    return cmd_add_token(config_path, &tc, argc, argv);
}

#define OVERLAP_DEFAULT_H 24
#define OVERLAP_MAX_H     720 /* 30 days */

/* "kiosk rotate ID [--overlap HOURS]". */
static int kiosk_rotate(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512];
    const char *id = NULL;
    cli_opt opts[] = {{.name = "overlap"}};
    long hours = OVERLAP_DEFAULT_H;
    if (!cli_parse("kiosk rotate", argc, argv, 1, &id, opts, 1) ||
        !id_ok("kiosk rotate", "kiosk id", id))
        return 2;
    if (opts[0].count) {
        char *end = NULL;
        hours = strtol(opts[0].values[0], &end, 10);
        if (!*opts[0].values[0] || *end || hours < 0 || hours > OVERLAP_MAX_H) {
            fprintf(stderr,
                    "amends-hub: kiosk rotate: --overlap '%s' must be a whole number of "
                    "hours from 0 to %d\n",
                    opts[0].values[0], OVERLAP_MAX_H);
            return 2;
        }
    }
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    char token[HUB_TOKEN_MAX], hash[HUB_HASH_HEX], secret[AM_WEBHOOK_SECRET_MAX];
    hub_token_new(HUB_KIOSK_TOKEN_PREFIX, token);
    hub_token_hash(token, hash);
    am_webhook_secret_new(secret);
    int64_t until = am_wall_ms() + (int64_t)hours * 3600 * 1000;
    char when[32], after[128], site[AM_KIOSK_ID_MAX], who[CLI_WHO_MAX];
    am_format_utc(until, when, sizeof when);
    snprintf(after, sizeof after, "new token and secret; the old ones accepted until %s", when);
    bool sited = hub_db_kiosk_site(db, id, site, sizeof site) == AM_OK;
    hub_audit_entry e = cli_entry(who, "kiosk.rotate", sited ? site : NULL, id, NULL, after);
    if (hub_db_kiosk_rotate(db, id, hash, secret, until, &e, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: kiosk rotate: %s\n", err);
        status = 1;
    } else {
        printf("kiosk: %s\ntoken: %s\nsecret: %s\n", id, token, secret);
        fprintf(stderr,
                "amends-hub: shown once: put the token in the kiosk's token_file and the secret "
                "in its secret_file; the old ones are accepted until %s (%ld h)\n",
                when, hours);
    }
    sodium_memzero(token, sizeof token);
    sodium_memzero(secret, sizeof secret);
    hub_db_close(db);
    return status;
}

/* "kiosk disable|enable|remove ID". */
static int kiosk_state(const char *config_path, const char *verb, const char *id)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512], what[32];
    snprintf(what, sizeof what, "kiosk %s", verb);
    if (!id_ok(what, "kiosk id", id))
        return 2;
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    char site[AM_KIOSK_ID_MAX], action[32], who[CLI_WHO_MAX];
    bool sited = hub_db_kiosk_site(db, id, site, sizeof site) == AM_OK;
    const char *before = kiosk_now(db, id);
    snprintf(action, sizeof action, "kiosk.%s", verb);
    hub_audit_entry e = cli_entry(who, action, sited ? site : NULL, id, before,
                                  !strcmp(verb, "remove")    ? "removed"
                                  : !strcmp(verb, "disable") ? "disabled"
                                                             : "enabled");
    am_rc rc;
    if (!strcmp(verb, "remove"))
        rc = hub_db_kiosk_remove(db, id, &e, err, sizeof err);
    else
        rc = hub_db_kiosk_disable(db, id, !strcmp(verb, "disable"), am_wall_ms(), &e, err,
                                  sizeof err);
    if (rc) {
        fprintf(stderr, "amends-hub: %s: %s\n", what, err);
        status = 1;
    } else {
        printf("kiosk: %s\nstate: %s\n", id,
               !strcmp(verb, "remove")    ? "removed"
               : !strcmp(verb, "disable") ? "disabled"
                                          : "enabled");
    }
    hub_db_close(db);
    return status;
}

static int cmd_kiosk(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512];
    int status = 2;
    if (argc >= 1 && !strcmp(argv[0], "--help")) {
        fputs(usage_kiosk, stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[0], "add")) {
        const char *id = NULL;
        cli_opt opts[] = {{.name = "site"}};
        if (cli_help(argc, argv, usage_kiosk))
            return 0;
        if (!cli_parse("kiosk add", argc - 1, argv + 1, 1, &id, opts, 1))
            return 2;
        if (!am_proto_kiosk_id_valid(id)) {
            fprintf(stderr,
                    "amends-hub: kiosk add: '%s' is not a kiosk id (1 to 64 of "
                    "A-Z a-z 0-9 . _ -)\n",
                    id);
            return 2;
        }
        const char *site = opts[0].count ? opts[0].values[0] : "default";
        if (!id_ok("kiosk add", "site id", site))
            return 2;
        status = open_db(config_path, &cfg, 1, &db);
        if (status)
            return status;
        char token[HUB_TOKEN_MAX], hash[HUB_HASH_HEX], secret[AM_WEBHOOK_SECRET_MAX];
        char vkey[VOUCHER_KEY_B64];
        hub_token_new(HUB_KIOSK_TOKEN_PREFIX, token);
        hub_token_hash(token, hash);
        am_webhook_secret_new(secret);
        voucher_key_new(vkey);
        char after[128], who[CLI_WHO_MAX];
        snprintf(after, sizeof after, "site=%s; token, secret and voucher key made", site);
        hub_audit_entry e = cli_entry(who, "kiosk.add", site, id, NULL, after);
        if (hub_db_kiosk_add(db, id, site, hash, secret, vkey, am_wall_ms(), &e, err, sizeof err) !=
            AM_OK) {
            fprintf(stderr, "amends-hub: kiosk add: %s\n", err);
            status = 1;
        } else {
            printf("kiosk: %s\ntoken: %s\nsecret: %s\nvoucher_key: %s\n", argv[1], token, secret,
                   vkey);
            fprintf(stderr, "amends-hub: shown once: put the token in the kiosk's token_file, "
                            "the secret in its secret_file and the voucher key, base64-decoded, "
                            "in /etc/amends/voucher.key (mode 0600); see docs/vouchers.md\n");
            status = 0;
        }
        sodium_memzero(token, sizeof token);
        sodium_memzero(secret, sizeof secret);
        sodium_memzero(vkey, sizeof vkey);
        hub_db_close(db);
        return status;
    }
    if (argc == 2 && !strcmp(argv[0], "voucher-key")) {
        if (!am_proto_kiosk_id_valid(argv[1])) {
            fprintf(stderr, "amends-hub: kiosk voucher-key: '%s' is not a kiosk id\n", argv[1]);
            return 2;
        }
        status = open_db(config_path, &cfg, 1, &db);
        if (status)
            return status;
        char vkey[VOUCHER_KEY_B64], site[AM_KIOSK_ID_MAX], who[CLI_WHO_MAX];
        voucher_key_new(vkey);
        bool sited = hub_db_kiosk_site(db, argv[1], site, sizeof site) == AM_OK;
        hub_audit_entry e = cli_entry(who, "kiosk.voucher_key", sited ? site : NULL, argv[1], NULL,
                                      "voucher key made");
        if (hub_db_voucher_key_add(db, argv[1], vkey, am_wall_ms(), &e, err, sizeof err) != AM_OK) {
            fprintf(stderr, "amends-hub: kiosk voucher-key: %s\n", err);
            status = 1;
        } else {
            printf("kiosk: %s\nvoucher_key: %s\n", argv[1], vkey);
            fprintf(stderr, "amends-hub: shown once: put the voucher key, base64-decoded, in "
                            "/etc/amends/voucher.key (mode 0600); see docs/vouchers.md\n");
            status = 0;
        }
        sodium_memzero(vkey, sizeof vkey);
        hub_db_close(db);
        return status;
    }
    if (argc == 1 && !strcmp(argv[0], "list"))
        return print_list(config_path, "kiosk list", hub_db_kiosks);
    if (argc >= 2 && !strcmp(argv[0], "rotate"))
        return kiosk_rotate(config_path, argc - 1, argv + 1);
    if (argc == 2 &&
        (!strcmp(argv[0], "disable") || !strcmp(argv[0], "enable") || !strcmp(argv[0], "remove")))
        return kiosk_state(config_path, argv[0], argv[1]);
    fputs(usage_kiosk, stderr);
    return 2;
}

static int serve(const char *config_path)
{
    hub_config cfg;
    hub_db *db = NULL;
    hub_server *server = NULL;
    char err[1024];
    int status;
    sigset_t stop;

    /* Block the stop signals before any thread starts, so that every
     * thread inherits the mask and only sigwait below sees them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (hub_config_load(config_path, &cfg, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: %s\n", err);
        return 2;
    }
    am_log_set_level(cfg.log_level);
    status = open_db(config_path, &cfg, cfg.threads, &db);
    if (status)
        return status;
    if (hub_server_start(&cfg, db, &server, err, sizeof err) != AM_OK) {
        am_log_error("hub", "%s", err);
        hub_db_close(db);
        return 1;
    }
    /* Overdue cases escalate whether or not anyone is looking. */
    hub_case_timer *timer = NULL;
    if (hub_case_timer_start(db, cfg.case_escalate_every_s, &timer) != AM_OK)
        am_log_error("hub", "the escalation timer did not start: overdue cases will not escalate");
    /* The outbox is delivered by every hub; a claim keeps each message to one. */
    hub_notifier *notifier = NULL;
    if (hub_notifier_start(db, &cfg, &notifier) != AM_OK)
        am_log_error("hub", "the notification dispatcher did not start: nothing will be sent");
    /* "ready: URL" is the line service managers wait for. The URL also
     * goes alone on a line to stdout: with port 0 in `listen` that is how
     * whoever started the hub (a test) learns the port (docs/hub.md). */
    char host[sizeof cfg.listen], url[sizeof cfg.listen + 16];
    memcpy(host, cfg.listen, sizeof host);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    snprintf(url, sizeof url, "%s://%s:%u", cfg.tls ? "https" : "http", host,
             hub_server_port(server));
    am_log_info("hub", "amends-hub %s (%s database, %d connections) ready: %s", AM_VERSION,
                cfg.backend == HUB_DB_POSTGRESQL ? "postgresql" : "sqlite", cfg.threads, url);
    printf("%s\n", url);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    am_log_info("hub", "%s: no new connections; finishing requests in flight",
                sig == SIGTERM ? "SIGTERM" : "SIGINT");
    int left = hub_server_stop(server, cfg.drain_timeout_s);
    hub_case_timer_stop(timer);
    hub_notifier_stop(notifier);
    hub_db_close(db);
    am_log_info("hub", "stopped%s", left ? " with requests unfinished" : " cleanly");
    return left ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *config_path = DEFAULT_CONFIG;
    int i = 1;
    am_log_set_ident("amends-hub");
    /* Before any thread: hub_tz switches TZ under its lock and puts UTC back. */
    setenv("TZ", "UTC", 1);
    tzset();
    if (sodium_init() < 0) {
        fprintf(stderr, "amends-hub: libsodium failed to initialise\n");
        return 1;
    }
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_main, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("amends-hub %s\n", AM_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "amends-hub: --config needs a FILE\n");
                return 2;
            }
            config_path = argv[++i];
            continue;
        }
        break;
    }
    if (i == argc)
        return serve(config_path);
    if (!strcmp(argv[i], "kiosk"))
        return cmd_kiosk(config_path, argc - i - 1, argv + i + 1);
    if (!strcmp(argv[i], "manager"))
        return cmd_manager(config_path, argc - i - 1, argv + i + 1);
    if (!strcmp(argv[i], "site"))
        return cmd_site(config_path, argc - i - 1, argv + i + 1);
    if (!strcmp(argv[i], "team"))
        return cmd_team(config_path, argc - i - 1, argv + i + 1);
    if (!strcmp(argv[i], "route"))
        return hub_cli_route(config_path, argc - i - 1, argv + i + 1);
    if (!strcmp(argv[i], "destination"))
        return hub_cli_destination(config_path, argc - i - 1, argv + i + 1);
    if (!strcmp(argv[i], "person"))
        return cmd_person(config_path, argc - i - 1, argv + i + 1);
    if (!strcmp(argv[i], "token"))
        return cmd_token(config_path, argc - i - 1, argv + i + 1);
    fprintf(stderr, "amends-hub: unknown command or option '%s'\n\n%s", argv[i], usage_main);
    return 2;
}
