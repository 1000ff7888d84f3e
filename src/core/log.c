/* log.c — one line per event to stderr. No personal data: see log.h. */
#include "amends/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static am_log_level g_level = AM_LOG_INFO;
static const char *g_ident = "amends";

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void am_log_set_level(am_log_level level)
{
    g_level = level;
}

am_log_level am_log_get_level(void)
{
    return g_level;
}

am_rc am_log_parse_level(const char *name, am_log_level *out)
{
    for (int i = 0; i <= AM_LOG_OFF; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (am_log_level)i;
            return AM_OK;
        }
    }
    return AM_ERR_INVALID;
}

void am_log_set_ident(const char *ident)
{
    g_ident = ident ? ident : "amends";
}

void am_log(am_log_level level, const char *module, const char *fmt, ...)
{
    if (level < g_level || level >= AM_LOG_OFF)
        return;
    char line[1024];
    int head = snprintf(line, sizeof line, "%s: %s: %s: ", g_ident, level_names[level], module);
    if (head < 0 || (size_t)head >= sizeof line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int body = vsnprintf(line + head, sizeof line - (size_t)head - 1, fmt, ap);
    va_end(ap);
    if (body < 0)
        return;
    size_t len = strlen(line);
    /* One event, one line: a newline inside a message would let one event
     * pose as two. */
    for (size_t i = (size_t)head; i < len; i++) {
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    }
    line[len++] = '\n';
    int saved = errno;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(STDERR_FILENO, line + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        off += (size_t)n;
    }
    errno = saved;
}
