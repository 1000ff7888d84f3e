/* layout_manager.c — the manager's screens: the PIN pad, and manager mode
 * (alerts still on the device, the state toward the hub, the counts, the
 * sync log and the tools). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "amends/clock.h"
#include "layout_internal.h"

/* What the PIN pad says under its title: dots for the digits so far, or
 * why it takes no input now. Managers only: English, like amendsctl. */
static const char *pin_status(lay *c, am_pin_pad pad, int digits, int seconds, bool *alert)
{
    char buf[160];
    *alert = true;
    switch (pad) {
    case AM_PIN_PAD_CHECKING:
        *alert = false;
        snprintf(buf, sizeof buf, "Checking...");
        break;
    case AM_PIN_PAD_WAIT:
        snprintf(buf, sizeof buf, "Wrong PIN. Try again in %d s.", seconds);
        break;
    case AM_PIN_PAD_LOCKED:
        snprintf(buf, sizeof buf, "Too many wrong PINs. The PIN pad is locked for %d min.",
                 (seconds + 59) / 60);
        break;
    case AM_PIN_PAD_UNSET:
        snprintf(buf, sizeof buf, "No manager PIN is set: set a PIN with amendsctl pin set");
        break;
    case AM_PIN_PAD_READY:
    default:
        /* The caller draws a dot per digit, never the digits. */
        (void)digits;
        *alert = false;
        return "";
    }
    return am_lay_keep(c, buf, strlen(buf));
}

/* One dot per digit typed, centred in `row`: the manager sees each tap
 * land, an onlooker learns only the count. */
static void pin_dots(lay *c, int digits, am_rect row)
{
    int d = U(c, 20), gap = U(c, 14);
    int total = digits * d + (digits - 1) * gap;
    int x = row.x + (row.w - total) / 2, y = row.y + (row.h - d) / 2;
    for (int i = 0; i < digits; i++)
        am_lay_fill(c, rect(x + i * (d + gap), y, d, d), c->primary, d / 2, 0, 0);
}

void am_lay_screen_manager_pin(lay *c)
{
    int y = am_lay_header(c) + U(c, 20);
    y = am_lay_title(c, S(c, AM_STR_PIN_TITLE), y, 44, 60);
    y = am_lay_subtitle(c, S(c, AM_STR_PIN_BODY), y, 40) + U(c, 8);
    int digits = 0, seconds = 0;
    am_pin_pad pad = am_journey_pin_pad(c->j, c->v->now_ms, &digits, &seconds);
    bool alert = false;
    const char *status = pin_status(c, pad, digits, seconds, &alert);
    if (status && status[0]) {
        tstyle st = style(AM_FONT_BOLD, alert ? 26 : 34, AL_CENTER, alert ? c->text : c->primary);
        st.middle = true;
        st.min_scale = 0.55;
        if (alert)
            am_lay_fill(c, rect(c->M, y, c->W - 2 * c->M, U(c, 48)), c->tint, U(c, 10), 0, 0);
        am_lay_put_text(c, status, rect(c->M + U(c, 12), y, c->W - 2 * c->M - U(c, 24), U(c, 48)),
                        st, -1);
    } else if (pad == AM_PIN_PAD_READY) {
        pin_dots(c, digits, rect(c->M, y, c->W - 2 * c->M, U(c, 48)));
    }
    y += U(c, 48) + U(c, 12);
    footer_spec f = {.back_label = S(c, AM_STR_BACK)};
    int bottom = am_lay_footer(c, f) - U(c, 20);
    int gap = U(c, 12);
    int kh = (bottom - y - 3 * gap) / 4;
    if (kh > U(c, 100))
        kh = U(c, 100);
    int kw = U(c, 160);
    int x0 = (c->W - (3 * kw + 2 * gap)) / 2;
    static const char *const pad_keys[12] = {"1", "2", "3", "4",   "5", "6",
                                             "7", "8", "9", "del", "0", "ok"};
    unsigned flags = AM_WF_NOMIRROR | (pad == AM_PIN_PAD_READY ? 0 : AM_WF_DISABLED);
    /* A keypad keeps 1 at the top left in every language. */
    c->no_mirror = true;
    for (int i = 0; i < 12; i++) {
        char id[16];
        snprintf(id, sizeof id, "pin.%s", pad_keys[i]);
        am_rect r = rect(x0 + (i % 3) * (kw + gap), y + (i / 3) * (kh + gap), kw, kh);
        int idx = am_lay_add_widget(c, id, AM_WK_KEY, r, flags);
        uint32_t bgc = i == 11 ? c->primary : c->surface;
        uint32_t fg = i == 11 ? c->on_primary : c->text;
        if (flags & AM_WF_DISABLED) {
            bgc = mix(bgc, c->bg, 0.55);
            fg = mix(fg, bgc, 0.45);
        }
        am_lay_fill(c, r, bgc, U(c, 14), c->control, U(c, 2));
        if (i == 9) {
            int isz = U(c, 40);
            am_lay_icon(c, rect(r.x + (r.w - isz) / 2, r.y + (r.h - isz) / 2, isz, isz),
                        AM_ICON_BACKSPACE, fg);
            continue;
        }
        tstyle st = style(AM_FONT_BOLD, 34, AL_CENTER, fg);
        st.middle = true;
        am_lay_put_text(c, i == 11 ? S(c, AM_STR_PIN_OK) : pad_keys[i], inset(r, U(c, 8)), st, idx);
    }
    c->no_mirror = false;
}

/* A wall-clock time as a manager reads it at the kiosk: "03:28" today,
 * else with its date (the kiosk's time zone). */
static void clock_text(int64_t at_ms, int64_t now_ms, bool seconds, char *buf, size_t len)
{
    time_t at = (time_t)(at_ms / 1000), now = (time_t)(now_ms / 1000);
    struct tm ta, tn;
    localtime_r(&at, &ta);
    localtime_r(&now, &tn);
    bool today = ta.tm_year == tn.tm_year && ta.tm_yday == tn.tm_yday;
    strftime(buf, len,
             today ? (seconds ? "%H:%M:%S" : "%H:%M")
                   : (seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M"),
             &ta);
}

static const char *with_number(lay *c, const char *fmt, const char *field, int64_t n)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)n);
    return am_lay_with_field(c, fmt, field, num);
}

/* "12 min", "3 h" in the screen's language. */
static const char *age_text(lay *c, int64_t ms)
{
    static const am_str words[] = {
        [AM_AGE_SECONDS] = AM_STR_MANAGER_AGE_S,
        [AM_AGE_MINUTES] = AM_STR_MANAGER_AGE_MIN,
        [AM_AGE_HOURS] = AM_STR_MANAGER_AGE_H,
        [AM_AGE_DAYS] = AM_STR_MANAGER_AGE_D,
    };
    int64_t n = 0;
    am_age_unit unit = am_age_split(ms, &n);
    return with_number(c, S(c, words[unit]), "{n}", n);
}

/* Why the hub is out of reach, in words a manager can act on. */
static const char *why_text(lay *c, const am_manager_info *m)
{
    switch (m->why) {
    case AM_WHY_CONN_REFUSED:
        return S(c, AM_STR_MANAGER_WHY_CONN_REFUSED);
    case AM_WHY_NO_ROUTE:
        return S(c, AM_STR_MANAGER_WHY_NO_ROUTE);
    case AM_WHY_TIMEOUT:
        return S(c, AM_STR_MANAGER_WHY_TIMEOUT);
    case AM_WHY_NAME:
        return S(c, AM_STR_MANAGER_WHY_NAME);
    case AM_WHY_TLS:
        return S(c, AM_STR_MANAGER_WHY_TLS);
    case AM_WHY_HTTP:
        return with_number(c, S(c, AM_STR_MANAGER_WHY_HTTP), "{n}", m->why_http);
    case AM_WHY_OTHER:
    default:
        return m->why_text;
    }
}

/* The state toward the hub in one sentence with the next step. */
static const char *hub_sentence(lay *c, const am_manager_info *m)
{
    char when[40];
    clock_text(m->since_ms, m->now_ms, false, when, sizeof when);
    switch (m->hub) {
    case AM_HUB_SYNC_OFF:
        return S(c, AM_STR_MANAGER_SYNC_OFF);
    case AM_HUB_NEVER:
        return S(c, AM_STR_MANAGER_NEVER);
    case AM_HUB_OK:
        return am_lay_with_field(c, S(c, AM_STR_MANAGER_OK), "{time}", when);
    case AM_HUB_UNREACHABLE:
        return am_lay_with_field(
            c, am_lay_with_field(c, S(c, AM_STR_MANAGER_UNREACHABLE), "{time}", when), "{why}",
            why_text(c, m));
    case AM_HUB_FAILING:
        return am_lay_with_field(c,
                                 am_lay_with_field(c, S(c, AM_STR_MANAGER_FAILING), "{time}", when),
                                 "{why}", why_text(c, m));
    case AM_HUB_REFUSED:
        return S(c, AM_STR_MANAGER_REFUSED);
    case AM_HUB_UNKNOWN:
    default:
        return am_lay_with_field(c, S(c, AM_STR_MANAGER_STORE_ERROR), "{why}",
                                 m->why_text[0] ? m->why_text : "?");
    }
}

/* Alerts for staff still on this device come first: how many, how old,
 * and why they wait. */
static const char *alerts_sentence(lay *c, const am_manager_info *m)
{
    if (m->alerts_waiting == 0)
        return S(c, AM_STR_MANAGER_ALERTS_NONE);
    const char *why;
    if (m->oldest_alert_refused)
        why = am_lay_with_field(c, S(c, AM_STR_MANAGER_ALERT_REFUSED), "{reason}",
                                m->oldest_alert_error[0] ? m->oldest_alert_error : "?");
    else if (m->hub == AM_HUB_SYNC_OFF)
        why = S(c, AM_STR_MANAGER_WHY_SYNC_OFF);
    else if (m->hub == AM_HUB_REFUSED)
        why = S(c, AM_STR_MANAGER_WHY_CREDENTIALS);
    else if (m->hub == AM_HUB_UNREACHABLE || m->hub == AM_HUB_FAILING)
        why = why_text(c, m);
    else if (m->oldest_alert_error[0])
        why = m->oldest_alert_error;
    else
        why = S(c, AM_STR_MANAGER_ALERT_QUEUED);
    const char *t = with_number(c, S(c, AM_STR_MANAGER_ALERTS_WAITING), "{n}", m->alerts_waiting);
    t = am_lay_with_field(c, t, "{age}", age_text(c, m->now_ms - m->oldest_alert_ms));
    return am_lay_with_field(c, t, "{why}", why);
}

static const char *manager_message(lay *c, const am_manager_info *m)
{
    switch (m->msg) {
    case AM_MSG_SYNC_OFF:
        return S(c, AM_STR_MANAGER_MSG_SYNC_OFF);
    case AM_MSG_SENDING:
        return with_number(c, S(c, AM_STR_MANAGER_MSG_SENDING), "{n}", m->msg_n);
    case AM_MSG_NOTHING_WAITING:
        return S(c, AM_STR_MANAGER_MSG_NOTHING);
    case AM_MSG_REQUEUED:
        return with_number(c, S(c, AM_STR_MANAGER_MSG_REQUEUED), "{n}", m->msg_n);
    case AM_MSG_REQUEUE_FAILED:
        return am_lay_with_field(c, S(c, AM_STR_MANAGER_MSG_REQUEUE_FAILED), "{why}", m->msg_text);
    case AM_MSG_EXPORTED:
        return am_lay_with_field(c,
                                 with_number(c, S(c, AM_STR_MANAGER_MSG_EXPORTED), "{n}", m->msg_n),
                                 "{path}", m->msg_text);
    case AM_MSG_EXPORT_FAILED:
        return am_lay_with_field(c, S(c, AM_STR_MANAGER_MSG_EXPORT_FAILED), "{why}", m->msg_text);
    case AM_MSG_NONE:
    default:
        return "";
    }
}

/* One sync log line, whole, its fields apart: "03:28:15  retry  2
 * record(s)  HTTP 503  hub busy; retry in 4735 ms". */
static const char *log_line(lay *c, const am_manager_info *m, const am_manager_log *e)
{
    char when[40], http[24] = "", line[640];
    clock_text(e->at_ms, m->now_ms, true, when, sizeof when);
    if (e->http_status)
        snprintf(http, sizeof http, "  HTTP %d", e->http_status);
    /* The log's own words (the outcome, the transport's reason) are
     * technical English; the line stays in that one language, so it reads
     * left to right on every screen. */
    char records[32] = "";
    if (e->records > 0)
        snprintf(records, sizeof records, "  %d record(s)", e->records);
    int n = snprintf(line, sizeof line, "%s  %s%s%s%s%s", when, e->outcome, records, http,
                     e->text[0] ? "  " : "", e->text);
    (void)n; /* the fields fit: 40 + 32 + 32 + 24 + 420 */
    return am_lay_keep(c, line, strlen(line));
}

/* A block of text at y, wrapped at its full size to the height it needs;
 * returns the y under it. */
static int para(lay *c, const char *text, int y, int w, tstyle st)
{
    if (!text || !*text)
        return y;
    int h = am_lay_text_height(c, text, w, st.font, st.size);
    am_lay_put_text(c, text, rect(c->M, y, w, h), st, -1);
    return y + h;
}

/* Manager mode, for a kiosk that may have stopped syncing: alerts still on
 * the device first, then the state toward the hub in plain words with the
 * next step, the counts, the sync log (each line whole, wrapped), and the
 * tools. The figures come from the app (am_view.manager). */
void am_lay_screen_manager(lay *c)
{
    int y = am_lay_header(c) + U(c, 16);
    y = am_lay_title(c, S(c, AM_STR_MANAGER_TITLE), y, 44, 60) + U(c, 4);
    footer_spec f = {.back_label = S(c, AM_STR_BACK)};
    int bottom = am_lay_footer(c, f) - U(c, 16);
    const am_manager_info *m = c->v->manager;
    am_manager_info none;
    if (!m) {
        memset(&none, 0, sizeof none);
        none.hub = AM_HUB_UNKNOWN;
        m = &none;
    }
    int w = c->W - 2 * c->M;
    int pad = U(c, 14);
    /* The alerts: on a warning card while any wait. */
    tstyle st = style(AM_FONT_BOLD, 26, AL_START, c->text);
    st.min_scale = 0.8;
    const char *alerts = alerts_sentence(c, m);
    if (m->alerts_waiting > 0) {
        int h = am_lay_text_height(c, alerts, w - 3 * pad, st.font, st.size);
        am_rect card = rect(c->M, y, w, h + 2 * pad);
        am_lay_fill(c, card, mix(0xFFC62828u, c->surface, 0.86), U(c, 12), 0xFFC62828u, U(c, 2));
        am_lay_fill(c, rect(card.x, card.y, U(c, 8), card.h), 0xFFC62828u, U(c, 4), 0, 0);
        am_lay_put_text(c, alerts, rect(c->M + 2 * pad, y + pad, w - 3 * pad, h), st, -1);
        y += card.h + U(c, 12);
    } else {
        st = style(AM_FONT_REGULAR, 24, AL_START, c->muted);
        y = para(c, alerts, y, w, st) + U(c, 10);
    }
    /* The hub: one sentence that says what is wrong and what to do. */
    st = style(AM_FONT_BOLD, 26, AL_START, c->text);
    st.min_scale = 0.8;
    y = para(c, hub_sentence(c, m), y, w, st) + U(c, 4);
    if (m->hub == AM_HUB_REFUSED && m->hub_reason[0]) {
        st = style(AM_FONT_REGULAR, 22, AL_START, c->text);
        st.min_scale = 0.8;
        y = para(c, am_lay_with_field(c, S(c, AM_STR_MANAGER_HUB_SAID), "{reason}", m->hub_reason),
                 y, w, st);
    }
    y += U(c, 6);
    st = style(AM_FONT_REGULAR, 24, AL_START, c->text);
    const char *counts = with_number(c, S(c, AM_STR_MANAGER_COUNTS), "{pending}", m->pending);
    counts = with_number(c, counts, "{synced}", m->synced);
    counts = with_number(c, counts, "{quarantined}", m->quarantined);
    y = para(c, counts, y, w, st) + U(c, 14);
    /* The buttons sit above the footer; the log fills what is between. */
    int bh = U(c, 72), gap = U(c, 16);
    int btn_y = bottom - bh;
    int msg_y = btn_y - U(c, 12) - U(c, 40);
    st = style(AM_FONT_BOLD, 22, AL_START, c->muted);
    st.middle = true;
    if (y + U(c, 30) <= msg_y) {
        am_lay_put_text(c, S(c, AM_STR_MANAGER_LOG_TITLE), rect(c->M, y, w, U(c, 30)), st, -1);
        y += U(c, 32);
    }
    st = style(AM_FONT_REGULAR, 20, AL_START, c->muted);
    st.min_scale = 1.0;
    if (m->log_count == 0 && y + U(c, 28) <= msg_y)
        y = para(c, S(c, AM_STR_MANAGER_LOG_EMPTY), y, w, st);
    /* Each line whole, wrapped at spaces; lines that no longer fit are
     * left out rather than cut. */
    for (int i = 0; i < m->log_count; i++) {
        const char *line = log_line(c, m, &m->log[i]);
        if (!line)
            break;
        int h = am_lay_text_height(c, line, w, st.font, st.size);
        if (y + h > msg_y)
            break;
        am_lay_put_text(c, line, rect(c->M, y, w, h), st, -1);
        y += h + U(c, 4);
    }
    const char *msg = manager_message(c, m);
    if (msg && msg[0]) {
        st = style(AM_FONT_BOLD, 24, AL_START, c->primary);
        st.middle = true;
        st.min_scale = 0.5;
        am_lay_put_text(c, msg, rect(c->M, msg_y, w, U(c, 40)), st, -1);
    }
    static const struct {
        const char *id;
        am_str label;
    } tools[] = {
        {"manager.sync_now", AM_STR_MANAGER_SYNC_NOW},
        {"manager.requeue", AM_STR_MANAGER_REQUEUE},
        {"manager.export", AM_STR_MANAGER_EXPORT},
        {"manager.exit", AM_STR_MANAGER_EXIT},
    };
    int n = (int)(sizeof tools / sizeof tools[0]);
    int bw = (w - (n - 1) * gap) / n;
    for (int i = 0; i < n; i++)
        am_lay_button(c, tools[i].id, AM_WK_BUTTON, rect(c->M + i * (bw + gap), btn_y, bw, bh),
                      S(c, tools[i].label), 0);
}
