/* layout.h — each kiosk screen as plain data: widgets to hit and draw
 * commands to paint, built from the journey's state without SDL.
 *
 * The microui model: am_layout_build() reads the journey, the site config
 * and the strings, measures text through a callback, and fills an
 * am_layout with widgets (id, rect, what a tap does) and draw commands
 * (rounded rects, text lines, faces, icons, the voucher QR code) in paint
 * order. src/ui/render*.c walks the commands; hit testing, `tap ID`,
 * `expect-text` and the overflow checks read the same data, so what a test
 * inspects is what the guest sees.
 *
 * Sizes are in pixels of the target surface. A design unit is
 * min(width, height) / 800 pixels, so 1280x800 and 800x480 look alike and
 * a 1080p screen has 48-pixel touch targets or larger. Right-to-left
 * languages get the whole layout mirrored, except the on-screen keyboard,
 * whose keys keep their physical places.
 */
#ifndef AMENDS_LAYOUT_H
#define AMENDS_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/config.h"
#include "amends/i18n.h"
#include "amends/journey.h"

typedef struct am_rect {
    int x, y, w, h;
} am_rect;

bool am_rect_contains(am_rect r, int x, int y);
bool am_rect_overlaps(am_rect a, am_rect b);
bool am_rect_inside(am_rect inner, am_rect outer);

typedef enum am_font { AM_FONT_REGULAR = 0, AM_FONT_BOLD, AM_FONT_COUNT } am_font;

/* Measures one line of UTF-8 text (len bytes, no line breaks) in `font`
 * at `px` pixels: width and line height in pixels. The renderer's
 * am_render_measure is the real one. */
typedef void (*am_measure_fn)(void *ud, const char *text, size_t len, am_font font, int px, int *w,
                              int *h);

/* What a tap on a widget does. */
typedef enum am_action {
    AM_ACT_NONE = 0,  /* drawn, takes taps, does nothing (yet) */
    AM_ACT_EVENT,     /* feeds widget.event to the journey */
    AM_ACT_TYPE,      /* a key: types widget.key_text into the focused field */
    AM_ACT_KBD_SHIFT, /* keyboard: next letter upper case */
    AM_ACT_KBD_LAYER, /* keyboard: switch to widget.value's am_kbd_layer */
} am_action;

typedef enum am_widget_kind {
    AM_WK_PRIMARY = 0, /* the one main action */
    AM_WK_BUTTON,      /* a secondary action */
    AM_WK_CHIP,        /* language */
    AM_WK_TILE,        /* category */
    AM_WK_CHOICE,      /* impact, resolution, consent: one of several */
    AM_WK_FIELD,       /* text field */
    AM_WK_FACE,        /* rating face */
    AM_WK_KEY,         /* on-screen keyboard key */
    AM_WK_HIDDEN,      /* the manager gesture: no visible trace */
} am_widget_kind;

enum {
    AM_WF_SELECTED = 1u << 0,
    AM_WF_FOCUSED = 1u << 1,
    AM_WF_DISABLED = 1u << 2, /* shown dimmed; a tap gets the journey's refusal */
    AM_WF_OVERLAY = 1u << 3,  /* part of a prompt on top ("still there?", a question) */
    AM_WF_NOMIRROR = 1u << 4, /* keeps its place in right-to-left layouts */
};

#define AM_WIDGET_ID_MAX 48

typedef struct am_widget {
    char id[AM_WIDGET_ID_MAX]; /* stable dotted id: "category.room", "kbd.q" */
    am_widget_kind kind;
    unsigned flags;
    am_rect rect;
    am_action action;
    am_event event;   /* AM_ACT_EVENT: type and value (now_ms unset) */
    char key_text[8]; /* AM_ACT_TYPE: UTF-8 typed by the key */
    int value;        /* AM_ACT_KBD_LAYER: the layer */
} am_widget;

typedef enum am_cmd_type {
    AM_CMD_RECT = 0, /* filled rounded rect with optional border */
    AM_CMD_TEXT,     /* one line of text, exactly rect-sized */
    AM_CMD_FACE,     /* rating face `value` 1..5 in rect */
    AM_CMD_ICON,     /* am_icon `value` in rect */
    AM_CMD_QR,       /* QR code of text, filling rect */
    AM_CMD_LOGO,     /* the site logo, scaled into rect */
} am_cmd_type;

typedef enum am_icon { AM_ICON_BACKSPACE = 0, AM_ICON_SHIFT, AM_ICON_CHECK } am_icon;

enum {
    AM_TF_GUEST = 1u << 0,  /* the guest's own words: wiped with the journey */
    AM_TF_RTL = 1u << 1,    /* base direction right to left */
    AM_TF_HYPHEN = 1u << 2, /* the line is a copy ending in a hyphen the wrap
                             * added: a word continues on the next line */
};

typedef struct am_cmd {
    am_cmd_type type;
    am_rect rect;
    uint32_t color;        /* 0xAARRGGBB: fill, text or ink */
    uint32_t border_color; /* RECT */
    int border, radius;    /* RECT, pixels */
    const char *text;      /* TEXT, QR: points into the layout, not NUL-terminated */
    size_t len;
    am_font font;
    int px;
    unsigned text_flags;
    int value;
} am_cmd;

/* A piece of text as given, before wrapping, and the box it must fit. */
typedef struct am_text_block {
    const char *text; /* NUL-terminated, inside the layout */
    am_rect box;
    int widget; /* index of the widget it labels, or -1 */
    int px;     /* the size it was fitted at */
    int first_cmd, line_count;
    bool overflow; /* did not fit even at the smallest size */
    bool clipped;  /* a field showing only its last lines, on purpose */
} am_text_block;

typedef enum am_kbd_layer {
    AM_KBD_LATIN = 0,
    AM_KBD_ACCENTS,
    AM_KBD_SYMBOLS,
    AM_KBD_ARABIC,
    AM_KBD_LAYER_COUNT
} am_kbd_layer;

/* Keyboard state the UI keeps between frames (not the journey's). */
typedef struct am_kbd_state {
    am_kbd_layer layer;
    am_kbd_layer letters; /* the letters layer to go back to */
    bool shift;
} am_kbd_state;
/* The letters layer that suits a language. */
am_kbd_layer am_kbd_default_layer(int lang);

/* What the manager screen shows, gathered by the app from the store and
 * the sync worker; the layout puts it in the screen's language. Never
 * holds a guest's words. Times are wall-clock milliseconds. */
typedef enum am_hub_state {
    AM_HUB_UNKNOWN = 0, /* this kiosk cannot read its own store (why_text) */
    AM_HUB_SYNC_OFF,    /* no [sync] url: nothing is sent */
    AM_HUB_NEVER,       /* no attempt yet */
    AM_HUB_OK,          /* the last attempt went well (since_ms: when) */
    AM_HUB_UNREACHABLE, /* no answer since since_ms (why) */
    AM_HUB_FAILING,     /* the hub answered with an error since since_ms (why) */
    AM_HUB_REFUSED,     /* the hub refused the credentials (hub_reason) */
} am_hub_state;

/* Why the hub is out of reach, in words a manager can act on. */
typedef enum am_hub_why {
    AM_WHY_OTHER = 0,    /* why_text, as the transport gave it */
    AM_WHY_CONN_REFUSED, /* nothing listens at the hub's address */
    AM_WHY_NO_ROUTE,     /* no network path, or no connection at all */
    AM_WHY_TIMEOUT,
    AM_WHY_NAME, /* the hub's name was not found */
    AM_WHY_TLS,  /* the hub's certificate or key was not accepted */
    AM_WHY_HTTP, /* the hub answered why_http */
} am_hub_why;

typedef enum am_manager_msg {
    AM_MSG_NONE = 0,
    AM_MSG_SYNC_OFF,        /* "sync now" with sync off */
    AM_MSG_SENDING,         /* n records sent now */
    AM_MSG_NOTHING_WAITING, /* nothing to send; the hub is asked anyway */
    AM_MSG_REQUEUED,        /* n quarantined records back in the queue */
    AM_MSG_REQUEUE_FAILED,  /* text: the store's error */
    AM_MSG_EXPORTED,        /* n journeys to text (the file) */
    AM_MSG_EXPORT_FAILED,   /* text: where and why */
} am_manager_msg;

#define AM_MANAGER_LOG_LINES 4
typedef struct am_manager_log {
    int64_t at_ms;
    char outcome[32]; /* ok, retry, quarantined, auth_failed, ... */
    int records;
    int http_status; /* 0: no answer */
    char text[420];  /* the log's detail and transport error, whole */
} am_manager_log;

typedef struct am_manager_info {
    int64_t now_ms; /* what ages are counted from */
    int64_t pending, synced, quarantined;
    am_hub_state hub;
    int64_t since_ms; /* UNREACHABLE, FAILING: the first failure since the last
                       * success; OK: the last success */
    am_hub_why why;
    int why_http;
    char why_text[256];     /* the error as logged (AM_WHY_OTHER shows it) */
    char hub_reason[320];   /* REFUSED: the hub's whole reason (AM_SYNC_REASON_MAX) */
    int64_t alerts_waiting; /* alerts for staff not yet at the hub */
    int64_t oldest_alert_ms;
    bool oldest_alert_refused; /* the hub refused it (quarantined) */
    char oldest_alert_error[256];
    int log_count;
    am_manager_log log[AM_MANAGER_LOG_LINES]; /* newest first */
    am_manager_msg msg;                       /* what the last button did */
    int64_t msg_n;
    char msg_text[300];
} am_manager_info;

/* Everything a layout is built from; all borrowed. */
typedef struct am_view {
    const am_config *cfg;
    const am_i18n *i18n;
    const am_journey *journey;
    int64_t now_ms; /* the app's clock, for countdowns */
    int width, height;
    am_kbd_state kbd;
    int logo_w, logo_h; /* 0 when there is no logo */
    am_measure_fn measure;
    void *measure_ud;
    const am_manager_info *manager; /* the manager screen's figures; NULL: none */
    /* The widget a keypad or switch has reached (am_ui_key): drawn with a
     * focus ring. NULL or "": none. */
    const char *key_focus;
} am_view;

#define AM_LAYOUT_MAX_WIDGETS 96
#define AM_LAYOUT_MAX_CMDS    640
#define AM_LAYOUT_MAX_BLOCKS  160
#define AM_LAYOUT_ARENA       24576

typedef struct am_layout {
    int width, height;
    am_screen screen;
    int lang;
    bool rtl, prompting, keyboard;
    int key_focus; /* index of the widget with the focus ring; -1: none */
    int reach_top; /* low reach: no control may start above this y; 0: no limit */
    /* The journey's question (am_journey_question) shows on top: only its
     * widgets take taps, and a tap outside ask_card goes back to the
     * screen (BACK). */
    bool asking;
    am_rect ask_card;
    int widget_count, cmd_count, block_count;
    am_widget widgets[AM_LAYOUT_MAX_WIDGETS];
    am_cmd cmds[AM_LAYOUT_MAX_CMDS];
    am_text_block blocks[AM_LAYOUT_MAX_BLOCKS];
    bool full; /* ran out of room: a bug, which am_layout_check reports */
    size_t arena_used;
    char arena[AM_LAYOUT_ARENA];
} am_layout;

/* Builds the current screen of v->journey into `out` (about 100 KB; keep
 * it off the stack). */
void am_layout_build(am_layout *out, const am_view *v);

/* The widget with this id on the screen, or NULL. While the "still
 * there?" prompt or a question shows, only its widgets count. */
const am_widget *am_layout_find(const am_layout *l, const char *id);
/* The widget under a touch at (x, y), topmost first, or NULL; the same
 * rule for the prompt. */
const am_widget *am_layout_hit(const am_layout *l, int x, int y);
/* True when `text` is part of some text laid out on the screen. */
bool am_layout_has_text(const am_layout *l, const char *text);

/* Checks what a guest would notice: text that overflows its box or its
 * widget, text or widgets that overlap, anything off the screen, touch
 * targets under 48 px on a screen 1080 px or more high. Re-measures text
 * with v->measure. Returns how many problems; the first few go into err. */
int am_layout_check(const am_layout *l, const am_view *v, char *err, size_t errlen);

#endif
