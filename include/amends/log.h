/* log.h — one line per event to stderr, where journald picks it up.
 *
 * Rule: no personal data ever reaches a log. Guest text (names, contacts,
 * descriptions, comments) must never be passed to these functions; log ids,
 * counts, screen names and error codes instead. tests/unit/test_privacy.c
 * plants canaries in every personal field and searches all log output.
 */
#ifndef AMENDS_LOG_H
#define AMENDS_LOG_H

#include "amends/error.h"

typedef enum am_log_level {
    AM_LOG_DEBUG = 0,
    AM_LOG_INFO,
    AM_LOG_WARN,
    AM_LOG_ERROR,
    AM_LOG_OFF,
} am_log_level;

/* Messages below `level` are dropped. Default AM_LOG_INFO. */
void am_log_set_level(am_log_level level);
am_log_level am_log_get_level(void);

/* Parses "debug", "info", "warn", "error", "off". AM_OK or AM_ERR_INVALID. */
am_rc am_log_parse_level(const char *name, am_log_level *out);

/* Program name printed at the start of each line ("amends-kiosk"). Borrows. */
void am_log_set_ident(const char *ident);

/* Writes "IDENT: LEVEL: MODULE: message\n" as one write(2), so lines from
 * threads never interleave. Newlines inside the message are replaced. */
void am_log(am_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define am_log_debug(mod, ...) am_log(AM_LOG_DEBUG, mod, __VA_ARGS__)
#define am_log_info(mod, ...)  am_log(AM_LOG_INFO, mod, __VA_ARGS__)
#define am_log_warn(mod, ...)  am_log(AM_LOG_WARN, mod, __VA_ARGS__)
#define am_log_error(mod, ...) am_log(AM_LOG_ERROR, mod, __VA_ARGS__)

#endif
