/* script.c — parser for automation scripts (see script.h). */
#include "amends/script.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/journey.h"
#include "amends/text.h"

static const char *const op_names[] = {"tap",        "tap-at",     "type",        "key",
                                       "wait",       "expect",     "expect-text", "shot",
                                       "await-sync", "await-text", "expect-focus"};
static const char *const key_names[] = {"Return", "Escape", "BackSpace", "Tab",  "BackTab",
                                        "Left",   "Right",  "Up",        "Down", "Space"};

const char *am_script_op_name(am_script_op op)
{
    return (unsigned)op < sizeof op_names / sizeof op_names[0] ? op_names[op] : "?";
}

static am_rc fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static am_rc fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
    if (err && errlen) {
        int n = snprintf(err, errlen, "%s:%d: ", name, line);
        if (n >= 0 && (size_t)n < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return AM_ERR_INVALID;
}

void am_script_free(am_script *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++) {
        if (s->cmds[i].arg) {
            am_wipe(s->cmds[i].arg, strlen(s->cmds[i].arg));
            free(s->cmds[i].arg);
        }
    }
    free(s->cmds);
    free(s->name);
    free(s);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses a whole decimal integer in [lo, hi]. */
static bool parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
        return false;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

/* Parses seconds as a plain decimal ("2", "0.5", "30.25") into ms. */
static bool parse_seconds(const char *s, int64_t *ms_out)
{
    int64_t whole = 0, frac = 0, scale = 1000;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > AM_SCRIPT_MAX_WAIT_S)
            return false;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
        }
    }
    if (*p)
        return false;
    *ms_out = whole * 1000 + frac;
    return true;
}

/* Undoes the escapes of `type` text in place. Returns false on a bad one. */
static bool unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        r++;
        switch (*r) {
        case 'n':
            *w++ = '\n';
            break;
        case 't':
            *w++ = '\t';
            break;
        case '\\':
            *w++ = '\\';
            break;
        default:
            return false;
        }
    }
    *w = '\0';
    return true;
}

static bool valid_id(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Parses one non-empty, non-comment line (trimmed, writable) into cmd. */
static am_rc parse_line(const char *name, int lineno, char *line, am_script_cmd *cmd, char *err,
                        size_t errlen)
{
    char *verb = line;
    char *rest = line;
    while (*rest && !is_space(*rest))
        rest++;
    if (*rest) {
        *rest++ = '\0';
        while (is_space(*rest))
            rest++;
    }
    size_t op;
    for (op = 0; op < sizeof op_names / sizeof op_names[0]; op++) {
        if (strcmp(verb, op_names[op]) == 0)
            break;
    }
    if (op == sizeof op_names / sizeof op_names[0])
        return fail(err, errlen, name, lineno,
                    "unknown command '%.40s' (expected tap, tap-at, type, key, wait, expect, "
                    "expect-text, expect-focus, shot, await-sync or await-text)",
                    verb);
    cmd->op = (am_script_op)op;
    cmd->line = lineno;
    const char *opname = op_names[op];

    switch (cmd->op) {
    case AM_OP_TAP:
        if (!*rest)
            return fail(err, errlen, name, lineno, "tap needs a widget id");
        if (!valid_id(rest))
            return fail(err, errlen, name, lineno, "tap: '%.60s' is not a widget id", rest);
        break;
    case AM_OP_TAP_AT: {
        char *ys = rest;
        while (*ys && !is_space(*ys))
            ys++;
        if (*ys)
            *ys++ = '\0';
        while (is_space(*ys))
            ys++;
        if (!parse_int(rest, 0, 100000, &cmd->x) || !parse_int(ys, 0, 100000, &cmd->y))
            return fail(err, errlen, name, lineno,
                        "tap-at needs two pixel coordinates X Y (whole numbers, 0 or more)");
        return AM_OK;
    }
    case AM_OP_TYPE:
        if (!*rest)
            return fail(err, errlen, name, lineno, "type needs text");
        if (!unescape(rest))
            return fail(err, errlen, name, lineno, "type: unknown escape (use \\n, \\t or \\\\)");
        break;
    case AM_OP_KEY: {
        size_t k;
        for (k = 0; k < sizeof key_names / sizeof key_names[0]; k++) {
            if (strcmp(rest, key_names[k]) == 0)
                break;
        }
        if (k == sizeof key_names / sizeof key_names[0])
            return fail(
                err, errlen, name, lineno,
                "key: '%.40s' is not a key (expected Return, Escape, BackSpace, Tab, BackTab, "
                "Left, Right, Up, Down or Space)",
                rest);
        cmd->key = (am_script_key)k;
        return AM_OK;
    }
    case AM_OP_WAIT:
        if (!parse_seconds(rest, &cmd->wait_ms))
            return fail(err, errlen, name, lineno,
                        "wait: '%.40s' is not a number of seconds (0 to %d, e.g. 2 or 0.5)", rest,
                        AM_SCRIPT_MAX_WAIT_S);
        return AM_OK;
    case AM_OP_EXPECT: {
        am_screen screen;
        if (!*rest)
            return fail(err, errlen, name, lineno, "expect needs a screen id");
        if (am_screen_parse(rest, &screen) != AM_OK)
            return fail(err, errlen, name, lineno, "expect: '%.40s' is not a screen id", rest);
        break;
    }
    case AM_OP_EXPECT_TEXT:
        if (!*rest)
            return fail(err, errlen, name, lineno, "expect-text needs text");
        break;
    case AM_OP_AWAIT_TEXT:
        if (!*rest)
            return fail(err, errlen, name, lineno, "await-text needs text");
        break;
    case AM_OP_EXPECT_FOCUS:
        if (!*rest)
            return fail(err, errlen, name, lineno, "expect-focus needs a widget id");
        if (!valid_id(rest))
            return fail(err, errlen, name, lineno, "expect-focus: '%.60s' is not a widget id",
                        rest);
        break;
    case AM_OP_AWAIT_SYNC:
        if (*rest)
            return fail(err, errlen, name, lineno, "await-sync takes nothing after it");
        return AM_OK;
    case AM_OP_SHOT: {
        size_t len = strlen(rest);
        if (len < 5 || strcmp(rest + len - 4, ".png") != 0)
            return fail(err, errlen, name, lineno, "shot needs a file name ending in .png");
        break;
    }
    }
    (void)opname;
    cmd->arg = strdup(rest);
    if (!cmd->arg)
        return AM_ERR_NOMEM;
    return AM_OK;
}

am_rc am_script_parse(const char *name, const char *text, am_script **out, char *err, size_t errlen)
{
    am_rc rc = AM_OK;
    *out = NULL;
    am_script *s = calloc(1, sizeof *s);
    char *copy = strdup(text);
    if (!s || !copy || !(s->name = strdup(name))) {
        rc = AM_ERR_NOMEM;
        goto out;
    }
    size_t cap = 0;
    int lineno = 0;
    char *line = copy;
    while (line) {
        lineno++;
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *next = nl ? nl + 1 : NULL;
        if (!am_utf8_valid(line, strlen(line))) {
            rc = fail(err, errlen, name, lineno, "line is not valid UTF-8");
            goto out;
        }
        while (is_space(*line))
            line++;
        size_t len = strlen(line);
        while (len > 0 && is_space(line[len - 1]))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#') {
            line = next;
            continue;
        }
        if (s->count == AM_SCRIPT_MAX_COMMANDS) {
            rc = fail(err, errlen, name, lineno, "too many commands (at most %d)",
                      AM_SCRIPT_MAX_COMMANDS);
            goto out;
        }
        if (s->count == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            am_script_cmd *grown = realloc(s->cmds, ncap * sizeof *grown);
            if (!grown) {
                rc = AM_ERR_NOMEM;
                goto out;
            }
            s->cmds = grown;
            cap = ncap;
        }
        am_script_cmd *cmd = &s->cmds[s->count];
        memset(cmd, 0, sizeof *cmd);
        rc = parse_line(name, lineno, line, cmd, err, errlen);
        if (rc)
            goto out;
        s->count++;
        line = next;
    }
    *out = s;
    s = NULL;
out:
    if (copy) {
        am_wipe(copy, strlen(text));
        free(copy);
    }
    am_script_free(s);
    if (rc == AM_ERR_NOMEM && err && errlen)
        snprintf(err, errlen, "%s: out of memory", name);
    return rc;
}
