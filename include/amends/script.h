/* script.h — the automation script format (SPEC "Automation scripts").
 *
 * Pure parsing: text in, commands out, every mistake reported as
 * "FILE:LINE: reason". The kiosk runs the commands against the real app.
 * One command a line; blank lines and lines starting with '#' are skipped.
 * `type` takes the rest of its line; in it "\n" is a newline, "\t" a tab
 * and "\\" a backslash.
 */
#ifndef AMENDS_SCRIPT_H
#define AMENDS_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"

typedef enum am_script_op {
    AM_OP_TAP = 0,     /* tap ID */
    AM_OP_TAP_AT,      /* tap-at X Y */
    AM_OP_TYPE,        /* type TEXT */
    AM_OP_KEY,         /* key Return|Escape|BackSpace|Tab|BackTab|Left|Right|Up|Down|Space */
    AM_OP_WAIT,        /* wait SECONDS (decimal) */
    AM_OP_EXPECT,      /* expect SCREEN */
    AM_OP_EXPECT_TEXT, /* expect-text TEXT */
    AM_OP_SHOT,        /* shot FILE.png */
    /* await-sync: real time passes, the virtual clock stands still, until
     * the sync worker has sent what the outbox holds or is backing off
     * (at most AM_SCRIPT_AWAIT_SYNC_S seconds). */
    AM_OP_AWAIT_SYNC,
    /* await-text TEXT: real time passes, the virtual clock stands still,
     * until TEXT is drawn (at most AM_SCRIPT_AWAIT_SYNC_S seconds, then the
     * script fails as expect-text would): what the hub says reaches the
     * screen without any timer. */
    AM_OP_AWAIT_TEXT,
    /* expect-focus ID: the keypad's focus ring is on widget ID. */
    AM_OP_EXPECT_FOCUS,
} am_script_op;

typedef enum am_script_key {
    AM_KEY_RETURN = 0,
    AM_KEY_ESCAPE,
    AM_KEY_BACKSPACE,
    AM_KEY_TAB,
    AM_KEY_BACKTAB, /* Shift+Tab */
    AM_KEY_LEFT,
    AM_KEY_RIGHT,
    AM_KEY_UP,
    AM_KEY_DOWN,
    AM_KEY_SPACE,
} am_script_key;

typedef struct am_script_cmd {
    am_script_op op;
    int line;
    char *arg;         /* ID, TEXT, SCREEN or FILE; NULL for the others */
    int x, y;          /* tap-at */
    am_script_key key; /* key */
    int64_t wait_ms;   /* wait */
} am_script_cmd;

typedef struct am_script {
    char *name; /* file name used in messages */
    size_t count;
    am_script_cmd *cmds;
} am_script;

#define AM_SCRIPT_MAX_COMMANDS 100000
#define AM_SCRIPT_MAX_WAIT_S   604800 /* a week of virtual time */
#define AM_SCRIPT_AWAIT_SYNC_S 10     /* real seconds, at most, for await-sync */

/* Parses `text` (NUL-terminated). On success *out owns a new script (free
 * with am_script_free). On error returns AM_ERR_INVALID (or AM_ERR_NOMEM)
 * and writes "NAME:LINE: reason" into err. */
am_rc am_script_parse(const char *name, const char *text, am_script **out, char *err,
                      size_t errlen);
/* Accepts NULL. */
void am_script_free(am_script *s);
const char *am_script_op_name(am_script_op op);

#endif
