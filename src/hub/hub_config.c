/* hub_config.c — reading and checking hub.conf.
 *
 * inih's handler is not told the line number, so lines are fed to it
 * through our own reader, which counts them; the handler runs right after
 * its line is read, so the count names the line of the key at hand.
 */
#include "hub_config.h"

#include "amends/private_file.h"
#include "hub_mail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct load_ctx {
    hub_config *cfg;
    FILE *file;
    int line;
    char dir[HUB_PATH_MAX]; /* the config file's directory, for relative paths */
    char *err;
    size_t errlen;
    bool failed;
    bool tls_set;
} load_ctx;

static void fail(load_ctx *ctx, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(load_ctx *ctx, const char *key, const char *fmt, ...)
{
    if (ctx->failed)
        return;
    ctx->failed = true;
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    snprintf(ctx->err, ctx->errlen, "%s:%d: %s: %s", ctx->cfg->source, ctx->line, key, reason);
}

static char *read_line(char *str, int num, void *stream)
{
    load_ctx *ctx = stream;
    if (!fgets(str, num, ctx->file))
        return NULL;
    ctx->line++;
    return str;
}

static bool parse_int(const char *value, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *value, bool *out)
{
    if (!strcmp(value, "on") || !strcmp(value, "true") || !strcmp(value, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(value, "off") || !strcmp(value, "false") || !strcmp(value, "no")) {
        *out = false;
        return true;
    }
    return false;
}

static bool set_path(load_ctx *ctx, const char *key, const char *value, char *dst)
{
    int n;
    if (value[0] == '\0') {
        fail(ctx, key, "empty path");
        return false;
    }
    if (value[0] == '/')
        n = snprintf(dst, HUB_PATH_MAX, "%s", value);
    else
        n = snprintf(dst, HUB_PATH_MAX, "%s/%s", ctx->dir, value);
    if (n < 0 || n >= HUB_PATH_MAX) {
        fail(ctx, key, "path longer than %d bytes", HUB_PATH_MAX - 1);
        return false;
    }
    return true;
}

/* "HOST:PORT" with a numeric IPv4 host, or "[IPv6]:PORT". Names are not
 * resolved: a hub binds where it is told, not where DNS points today. */
static bool parse_listen(hub_config *cfg, const char *value, char *why, size_t whylen)
{
    char host[64];
    const char *colon;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (!close || close[1] != ':') {
            snprintf(why, whylen, "expected [IPv6]:PORT");
            return false;
        }
        size_t n = (size_t)(close - value - 1);
        if (n == 0 || n >= sizeof host) {
            snprintf(why, whylen, "bad IPv6 address");
            return false;
        }
        memcpy(host, value + 1, n);
        host[n] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(value, ':');
        if (!colon || colon == value || (size_t)(colon - value) >= sizeof host) {
            snprintf(why, whylen, "expected ADDRESS:PORT, e.g. 0.0.0.0:8443");
            return false;
        }
        memcpy(host, value, (size_t)(colon - value));
        host[colon - value] = '\0';
    }
    long port;
    if (!parse_int(colon + 1, 0, 65535, &port)) {
        snprintf(why, whylen, "port must be 0 to 65535");
        return false;
    }
    memset(&cfg->addr, 0, sizeof cfg->addr);
    struct sockaddr_in *in4 = (struct sockaddr_in *)&cfg->addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&cfg->addr;
    if (value[0] != '[' && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        cfg->addr_len = sizeof *in4;
        cfg->loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
    } else if (value[0] == '[' && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        cfg->addr_len = sizeof *in6;
        cfg->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    } else {
        snprintf(why, whylen, "'%s' is not a numeric IPv4 or [IPv6] address", host);
        return false;
    }
    snprintf(cfg->listen, sizeof cfg->listen, "%s", value);
    return true;
}

/* --- the key table ---------------------------------------------------------------------- */

typedef struct hub_key hub_key;
/* Parses value into cfg's field for key k; on a bad value calls fail(). */
typedef void (*key_parser)(load_ctx *ctx, const hub_key *k, const char *value, void *field);

struct hub_key {
    const char *section;
    const char *name;
    key_parser parse;
    size_t offset;    /* of the field in hub_config */
    long min, max;    /* whole numbers: the range */
    const char *unit; /* whole numbers: " of seconds" and so on, or "" */
};

static void parse_whole(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    long v;
    if (!parse_int(value, k->min, k->max, &v)) {
        fail(ctx, k->name, "must be a whole number%s from %ld%s to %ld", k->unit, k->min,
             k->min == 0 ? " (off)" : "", k->max);
        return;
    }
    *(int *)field = (int)v;
}

static void parse_kib(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    long v;
    if (!parse_int(value, k->min, k->max, &v)) {
        fail(ctx, k->name, "must be a whole number%s from %ld to %ld", k->unit, k->min, k->max);
        return;
    }
    *(size_t *)field = (size_t)v * 1024;
}

static void parse_tls(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    if (!parse_bool(value, field))
        fail(ctx, k->name, "must be on or off");
    ctx->tls_set = true;
}

static void parse_path(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    set_path(ctx, k->name, value, field);
}

static void parse_listen_key(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    char why[160];
    (void)field;
    if (!parse_listen(ctx->cfg, value, why, sizeof why))
        fail(ctx, k->name, "%s", why);
}

static void parse_level(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    if (am_log_parse_level(value, field) != AM_OK)
        fail(ctx, k->name, "must be debug, info, warn, error or off");
}

static void parse_backend(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    hub_backend *backend = field;
    if (!strcmp(value, "sqlite"))
        *backend = HUB_DB_SQLITE;
    else if (!strcmp(value, "postgresql"))
        *backend = HUB_DB_POSTGRESQL;
    else
        fail(ctx, k->name, "must be sqlite or postgresql");
}

static void parse_conninfo(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    size_t cap = sizeof ctx->cfg->conninfo;
    if (snprintf(field, cap, "%s", value) >= (int)cap)
        fail(ctx, k->name, "longer than %zu bytes", cap - 1);
}

/* A list of ids (a-z 0-9 _, 1 to 32 each), separated by commas and
 * spaces; kept as "a,b,c". */
static void parse_id_list(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    char *out = field;
    size_t len = 0, count = 0;
    const char *p = value;
    out[0] = '\0';
    while (*p) {
        p += strspn(p, ", ");
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        if (n > 32 || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_") < n) {
            fail(ctx, k->name, "'%.*s' is not an id (1 to 32 of a-z 0-9 _)", (int)(n > 40 ? 40 : n),
                 p);
            return;
        }
        if (len + n + 2 > (size_t)k->max || ++count > 32) {
            fail(ctx, k->name, "too many entries (at most 32, %ld bytes)", k->max - 1);
            return;
        }
        len +=
            (size_t)snprintf(out + len, (size_t)k->max - len, "%s%.*s", len ? "," : "", (int)n, p);
        p += n;
    }
    if (!count)
        fail(ctx, k->name, "must name at least one");
}

/* [smtp] ------------------------------------------------------------------------------- */

static void parse_smtp_url(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    char why[160];
    if (snprintf(field, (size_t)k->max, "%s", value) >= (int)k->max)
        fail(ctx, k->name, "longer than %ld bytes", k->max - 1);
    else if (!hub_mail_url_check(value, why, sizeof why))
        fail(ctx, k->name, "'%s' %s", value, why);
}

static void parse_smtp_user(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    bool control = false;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        control = control || *p < 0x20 || *p == 0x7f;
    if (!value[0] || control)
        fail(ctx, k->name, "must be a user name (no control characters)");
    else if (snprintf(field, (size_t)k->max, "%s", value) >= (int)k->max)
        fail(ctx, k->name, "longer than %ld bytes", k->max - 1);
}

static void parse_smtp_from(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    char why[160];
    if (!hub_mail_address_check(value, why, sizeof why))
        fail(ctx, k->name, "'%s' %s", value, why);
    else if (snprintf(field, (size_t)k->max, "%s", value) >= (int)k->max)
        fail(ctx, k->name, "longer than %ld bytes", k->max - 1);
}

/* The password is read here, with the one check every secret file gets
 * (private_file.h): a file others may read stops the hub at this line. */
static void parse_smtp_password_file(load_ctx *ctx, const hub_key *k, const char *value,
                                     void *field)
{
    hub_config *cfg = ctx->cfg;
    char why[HUB_PATH_MAX + 256];
    size_t got = 0;
    if (!set_path(ctx, k->name, value, field))
        return;
    if (am_secret_read(field, "[smtp] password_file", cfg->smtp_password, sizeof cfg->smtp_password,
                       &got, why, sizeof why) != AM_OK) {
        fail(ctx, k->name, "%s", why);
        return;
    }
    /* One line: the newline an editor adds is not part of the password. */
    while (got > 0 && (cfg->smtp_password[got - 1] == '\n' || cfg->smtp_password[got - 1] == '\r'))
        cfg->smtp_password[--got] = '\0';
    if (!got || strpbrk(cfg->smtp_password, "\r\n"))
        fail(ctx, k->name, "%s: must hold the password on one line", (char *)field);
}

static void parse_readable_file(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    struct stat sb;
    if (!set_path(ctx, k->name, value, field))
        return;
    if (stat(field, &sb) != 0)
        fail(ctx, k->name, "%s: %s", (char *)field, strerror(errno));
    else if (!S_ISREG(sb.st_mode) || access(field, R_OK) != 0)
        fail(ctx, k->name, "%s: not a file this user can read", (char *)field);
}

static void parse_bool_key(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    if (!parse_bool(value, field))
        fail(ctx, k->name, "must be on or off");
}

/* An https:// address without spaces or quotes (http:// only on loopback,
 * for tests); kept without a trailing slash. */
static void parse_public_url(load_ctx *ctx, const hub_key *k, const char *value, void *field)
{
    size_t cap = sizeof ctx->cfg->notify_public_url, n = strlen(value);
    if (strncmp(value, "https://", 8) && strncmp(value, "http://127.0.0.1", 16)) {
        fail(ctx, k->name, "must start with https://");
        return;
    }
    if (n >= cap || strcspn(value, " \t\"'<>") != n) {
        fail(ctx, k->name, "must be an address of at most %zu bytes without spaces or quotes",
             cap - 1);
        return;
    }
    while (n > 0 && value[n - 1] == '/')
        n--;
    snprintf(field, cap, "%.*s", (int)n, value);
}

#define AT(f) offsetof(hub_config, f)

/* Every key hub.conf may hold. docs/hub.md documents each one (a
 * "### `section.key`" heading) and config/hub.conf shows it;
 * test_hub_config fails when either is missing. */
static const hub_key keys[] = {
    {"hub", "listen", parse_listen_key, AT(listen), 0, 0, ""},
    {"hub", "tls", parse_tls, AT(tls), 0, 0, ""},
    {"hub", "cert", parse_path, AT(cert), 0, 0, ""},
    {"hub", "key", parse_path, AT(key), 0, 0, ""},
    {"hub", "threads", parse_whole, AT(threads), 1, 64, ""},
    {"hub", "max_body_kb", parse_kib, AT(max_body_bytes), 1, 65536, ""},
    {"hub", "rate_per_minute", parse_whole, AT(rate_per_minute), 0, 1000000, ""},
    {"hub", "rate_burst", parse_whole, AT(rate_burst), 1, 1000000, ""},
    {"hub", "voucher_fail_per_minute", parse_whole, AT(voucher_fail_per_minute), 1, 1000000, ""},
    {"hub", "voucher_fail_burst", parse_whole, AT(voucher_fail_burst), 1, 1000000, ""},
    {"hub", "drain_timeout_s", parse_whole, AT(drain_timeout_s), 1, 3600, " of seconds"},
    {"hub", "log_level", parse_level, AT(log_level), 0, 0, ""},
    {"dashboard", "silent_after_min", parse_whole, AT(silent_after_min), 1, 10080, " of minutes"},
    {"dashboard", "session_hours", parse_whole, AT(session_hours), 1, 720, " of hours"},
    {"dashboard", "chart_days", parse_whole, AT(chart_days), 1, 90, " of days"},
    {"dashboard", "login_fail_per_minute", parse_whole, AT(login_fail_per_minute), 1, 1000, ""},
    {"dashboard", "login_fail_burst", parse_whole, AT(login_fail_burst), 1, 1000, ""},
    {"dashboard", "lockout_failures", parse_whole, AT(lockout_failures), 1, 1000, ""},
    {"dashboard", "lockout_address_failures", parse_whole, AT(lockout_address_failures), 1, 100000,
     ""},
    {"dashboard", "lockout_minutes", parse_whole, AT(lockout_minutes), 1, 10080, " of minutes"},
    {"audit", "retention_days", parse_whole, AT(audit_retention_days), 1, 36500, " of days"},
    {"cases", "low_rating", parse_whole, AT(case_low_rating), 0, 5, ""},
    {"cases", "root_causes", parse_id_list, AT(case_root_causes), 0,
     sizeof(((hub_config *)0)->case_root_causes), ""},
    {"cases", "escalate_every_s", parse_whole, AT(case_escalate_every_s), 1, 3600, " of seconds"},
    {"smtp", "url", parse_smtp_url, AT(smtp_url), 0, sizeof(((hub_config *)0)->smtp_url), ""},
    {"smtp", "user", parse_smtp_user, AT(smtp_user), 0, sizeof(((hub_config *)0)->smtp_user), ""},
    {"smtp", "password_file", parse_smtp_password_file, AT(smtp_password_file), 0, 0, ""},
    {"smtp", "from", parse_smtp_from, AT(smtp_from), 0, sizeof(((hub_config *)0)->smtp_from), ""},
    {"smtp", "ca_file", parse_readable_file, AT(smtp_ca_file), 0, 0, ""},
    {"notify", "public_url", parse_public_url, AT(notify_public_url), 0, 0, ""},
    {"notify", "allow_plain_loopback", parse_bool_key, AT(notify_allow_plain_loopback), 0, 0, ""},
    {"notify", "max_attempts", parse_whole, AT(notify_max_attempts), 1, 1000, ""},
    {"notify", "retry_base_ms", parse_whole, AT(notify_retry_base_ms), 10, 3600000,
     " of milliseconds"},
    {"notify", "retry_cap_s", parse_whole, AT(notify_retry_cap_s), 1, 86400, " of seconds"},
    {"notify", "poll_ms", parse_whole, AT(notify_poll_ms), 10, 60000, " of milliseconds"},
    {"notify", "lease_s", parse_whole, AT(notify_lease_s), 1, 3600, " of seconds"},
    {"notify", "timeout_s", parse_whole, AT(notify_timeout_s), 1, 300, " of seconds"},
    {"db", "backend", parse_backend, AT(backend), 0, 0, ""},
    {"db", "path", parse_path, AT(db_path), 0, 0, ""},
    {"db", "conninfo", parse_conninfo, AT(conninfo), 0, 0, ""},
};
#define KEY_COUNT (sizeof keys / sizeof keys[0])

static const char *const sections[] = {"hub",  "dashboard", "audit", "cases",
                                       "smtp", "notify",    "db"};

bool hub_config_key_at(size_t i, const char **section, const char **key)
{
    if (i >= KEY_COUNT)
        return false;
    *section = keys[i].section;
    *key = keys[i].name;
    return true;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *ctx = user;
    bool known_section = false;
    if (ctx->failed)
        return 0;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        known_section = known_section || !strcmp(section, sections[i]);
    if (!known_section) {
        fail(ctx, section,
             "unknown section (expected [hub], [dashboard], [audit], [cases], [smtp], [notify] "
             "or [db])");
        return 0;
    }
    for (size_t i = 0; i < KEY_COUNT; i++) {
        if (!strcmp(section, keys[i].section) && !strcmp(name, keys[i].name)) {
            keys[i].parse(ctx, &keys[i], value, (char *)ctx->cfg + keys[i].offset);
            return ctx->failed ? 0 : 1;
        }
    }
    fail(ctx, name, "unknown key in [%s]", section);
    return 0;
}

static void set_defaults(hub_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    char why[64];
    parse_listen(cfg, "127.0.0.1:8443", why, sizeof why);
    cfg->tls = true;
    cfg->threads = 4;
    cfg->max_body_bytes = 4096 * 1024;
    cfg->rate_per_minute = 120;
    cfg->rate_burst = 30;
    cfg->voucher_fail_per_minute = 10;
    cfg->voucher_fail_burst = 10;
    cfg->drain_timeout_s = 30;
    cfg->silent_after_min = 60;
    cfg->session_hours = 12;
    cfg->chart_days = 14;
    cfg->login_fail_per_minute = 5;
    cfg->login_fail_burst = 5;
    cfg->lockout_failures = 10;
    cfg->lockout_address_failures = 50;
    cfg->lockout_minutes = 15;
    cfg->audit_retention_days = 400;
    cfg->case_low_rating = 2;
    cfg->case_escalate_every_s = 30;
    cfg->notify_max_attempts = 10;
    cfg->notify_retry_base_ms = 1000;
    cfg->notify_retry_cap_s = 3600;
    cfg->notify_poll_ms = 250;
    cfg->notify_lease_s = 60;
    cfg->notify_timeout_s = 10;
    snprintf(cfg->case_root_causes, sizeof cfg->case_root_causes, "%s",
             "process,staffing,equipment,supplier,communication,guest_expectation");
    cfg->log_level = AM_LOG_INFO;
    cfg->backend = HUB_DB_SQLITE;
}

/* [smtp] as a whole: nothing, or a server and a sender; a user and a
 * password go together. */
static void check_smtp(load_ctx *ctx)
{
    const hub_config *cfg = ctx->cfg;
    bool any = cfg->smtp_user[0] || cfg->smtp_password_file[0] || cfg->smtp_from[0] ||
               cfg->smtp_ca_file[0];
    if (!cfg->smtp_url[0] && any)
        fail(ctx, "url", "[smtp] has settings but no url (smtp://HOST:587 or smtps://HOST:465)");
    else if (cfg->smtp_url[0] && !cfg->smtp_from[0])
        fail(ctx, "from", "[smtp] url is set and needs from (the sender address)");
    else if (cfg->smtp_user[0] && !cfg->smtp_password_file[0])
        fail(ctx, "password_file", "[smtp] user is set and needs password_file");
    else if (!cfg->smtp_user[0] && cfg->smtp_password_file[0])
        fail(ctx, "user", "[smtp] password_file is set and needs user");
}

am_rc hub_config_load(const char *path, hub_config *cfg, char *err, size_t errlen)
{
    load_ctx ctx = {.cfg = cfg, .err = err, .errlen = errlen};
    set_defaults(cfg);
    snprintf(cfg->source, sizeof cfg->source, "%s", path);
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(ctx.dir, sizeof ctx.dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(ctx.dir, sizeof ctx.dir, ".");
    if (slash == path)
        snprintf(ctx.dir, sizeof ctx.dir, "/");
    ctx.file = fopen(path, "r");
    if (!ctx.file) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return AM_ERR_CONFIG;
    }
    int rc = ini_parse_stream(read_line, &ctx, on_key, &ctx);
    fclose(ctx.file);
    if (ctx.failed)
        return AM_ERR_CONFIG;
    if (rc != 0) {
        snprintf(err, errlen, "%s:%d: not an INI line (expected [section] or key = value)", path,
                 rc > 0 ? rc : ctx.line);
        return AM_ERR_CONFIG;
    }
    /* Whole-file rules, reported at the end of the file. */
    ctx.line = ctx.line > 0 ? ctx.line : 1;
    if (cfg->tls && (!cfg->cert[0] || !cfg->key[0])) {
        fail(&ctx, cfg->cert[0] ? "key" : "cert",
             "TLS is on (the default) and needs both cert and key in [hub]");
    } else if (!cfg->tls && !cfg->loopback) {
        fail(&ctx, "tls",
             "plain HTTP is allowed only on a loopback address; %s is not one: turn tls on",
             cfg->listen);
    } else if (cfg->backend == HUB_DB_SQLITE && !cfg->db_path[0]) {
        fail(&ctx, "path", "[db] backend sqlite needs path (the database file)");
    } else if (cfg->backend == HUB_DB_POSTGRESQL && !cfg->conninfo[0]) {
        fail(&ctx, "conninfo", "[db] backend postgresql needs conninfo");
    } else {
        check_smtp(&ctx);
    }
    return ctx.failed ? AM_ERR_CONFIG : AM_OK;
}
