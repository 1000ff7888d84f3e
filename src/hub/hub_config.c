/* hub_config.c — reading and checking hub.conf.
 *
 * inih's handler is not told the line number, so lines are fed to it
 * through our own reader, which counts them; the handler runs right after
 * its line is read, so the count names the line of the key at hand.
 */
#include "hub_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *ctx = user;
    hub_config *cfg = ctx->cfg;
    long v;
    char why[160];
    if (ctx->failed)
        return 0;
    if (!strcmp(section, "hub")) {
        if (!strcmp(name, "listen")) {
            if (!parse_listen(cfg, value, why, sizeof why))
                fail(ctx, name, "%s", why);
        } else if (!strcmp(name, "tls")) {
            if (!parse_bool(value, &cfg->tls))
                fail(ctx, name, "must be on or off");
            ctx->tls_set = true;
        } else if (!strcmp(name, "cert")) {
            set_path(ctx, name, value, cfg->cert);
        } else if (!strcmp(name, "key")) {
            set_path(ctx, name, value, cfg->key);
        } else if (!strcmp(name, "threads")) {
            if (!parse_int(value, 1, 64, &v))
                fail(ctx, name, "must be a whole number from 1 to 64");
            cfg->threads = (int)v;
        } else if (!strcmp(name, "max_body_kb")) {
            if (!parse_int(value, 1, 65536, &v))
                fail(ctx, name, "must be a whole number from 1 to 65536");
            cfg->max_body_bytes = (size_t)v * 1024;
        } else if (!strcmp(name, "rate_per_minute")) {
            if (!parse_int(value, 0, 1000000, &v))
                fail(ctx, name, "must be a whole number from 0 (off) to 1000000");
            cfg->rate_per_minute = (int)v;
        } else if (!strcmp(name, "rate_burst")) {
            if (!parse_int(value, 1, 1000000, &v))
                fail(ctx, name, "must be a whole number from 1 to 1000000");
            cfg->rate_burst = (int)v;
        } else if (!strcmp(name, "voucher_fail_per_minute")) {
            if (!parse_int(value, 1, 1000000, &v))
                fail(ctx, name, "must be a whole number from 1 to 1000000");
            cfg->voucher_fail_per_minute = (int)v;
        } else if (!strcmp(name, "voucher_fail_burst")) {
            if (!parse_int(value, 1, 1000000, &v))
                fail(ctx, name, "must be a whole number from 1 to 1000000");
            cfg->voucher_fail_burst = (int)v;
        } else if (!strcmp(name, "drain_timeout_s")) {
            if (!parse_int(value, 1, 3600, &v))
                fail(ctx, name, "must be a whole number of seconds from 1 to 3600");
            cfg->drain_timeout_s = (int)v;
        } else if (!strcmp(name, "log_level")) {
            if (am_log_parse_level(value, &cfg->log_level) != AM_OK)
                fail(ctx, name, "must be debug, info, warn, error or off");
        } else {
            fail(ctx, name, "unknown key in [hub]");
        }
    } else if (!strcmp(section, "dashboard")) {
        if (!strcmp(name, "silent_after_min")) {
            if (!parse_int(value, 1, 10080, &v))
                fail(ctx, name, "must be a whole number of minutes from 1 to 10080");
            cfg->silent_after_min = (int)v;
        } else if (!strcmp(name, "session_hours")) {
            if (!parse_int(value, 1, 720, &v))
                fail(ctx, name, "must be a whole number of hours from 1 to 720");
            cfg->session_hours = (int)v;
        } else if (!strcmp(name, "chart_days")) {
            if (!parse_int(value, 1, 90, &v))
                fail(ctx, name, "must be a whole number of days from 1 to 90");
            cfg->chart_days = (int)v;
        } else if (!strcmp(name, "login_fail_per_minute")) {
            if (!parse_int(value, 1, 1000, &v))
                fail(ctx, name, "must be a whole number from 1 to 1000");
            cfg->login_fail_per_minute = (int)v;
        } else if (!strcmp(name, "login_fail_burst")) {
            if (!parse_int(value, 1, 1000, &v))
                fail(ctx, name, "must be a whole number from 1 to 1000");
            cfg->login_fail_burst = (int)v;
        } else {
            fail(ctx, name, "unknown key in [dashboard]");
        }
    } else if (!strcmp(section, "db")) {
        if (!strcmp(name, "backend")) {
            if (!strcmp(value, "sqlite"))
                cfg->backend = HUB_DB_SQLITE;
            else if (!strcmp(value, "postgresql"))
                cfg->backend = HUB_DB_POSTGRESQL;
            else
                fail(ctx, name, "must be sqlite or postgresql");
        } else if (!strcmp(name, "path")) {
            set_path(ctx, name, value, cfg->db_path);
        } else if (!strcmp(name, "conninfo")) {
            if (snprintf(cfg->conninfo, sizeof cfg->conninfo, "%s", value) >=
                (int)sizeof cfg->conninfo)
                fail(ctx, name, "longer than %zu bytes", sizeof cfg->conninfo - 1);
        } else {
            fail(ctx, name, "unknown key in [db]");
        }
    } else {
        fail(ctx, section, "unknown section (expected [hub], [dashboard] or [db])");
    }
    return ctx->failed ? 0 : 1;
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
    cfg->log_level = AM_LOG_INFO;
    cfg->backend = HUB_DB_SQLITE;
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
    }
    return ctx.failed ? AM_ERR_CONFIG : AM_OK;
}
