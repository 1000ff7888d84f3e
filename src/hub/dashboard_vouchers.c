/* dashboard_vouchers.c — the voucher desk: a page where staff type or scan
 * a voucher code (a scanner types it and presses Enter into the one text
 * field), see what it is, and redeem it with one button. The check is the
 * manager API's (hub_vouchers.h), the redeem its single UPDATE
 * (hub_db_voucher_redeem), the failed-check limit the same per-person
 * bucket. Made for a phone in a housekeeper's hand: one column, large
 * text, the verdict first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "dashboard_internal.h"
#include "hub_audit.h"
#include "hub_tz.h"
#include "hub_vouchers.h"

#define MOD HUB_DASH_MOD

/* What the desk shows for a code: a verdict, its colour, and lines. */
typedef enum verdict {
    V_NONE,     /* nothing asked yet */
    V_VALID,    /* can be redeemed now */
    V_REDEEMED, /* redeemed by this request */
    V_USED,     /* redeemed before */
    V_EXPIRED,
    V_TAMPERED,
    V_UNKNOWN,
    V_MALFORMED,
    V_LIMITED, /* too many failed checks */
} verdict;

typedef struct desk {
    verdict verdict;
    char code[AM_VOUCHER_CODE_SIZE]; /* canonical, "" when malformed */
    char reason[256];                /* the checker's words, for the failures */
    bool have_record;
    hub_voucher v;
    char zone[HUB_TZ_MAX];           /* the voucher's site's */
    char currency[HUB_CURRENCY_MAX]; /* "" when the site has none */
    char site[AM_KIOSK_ID_MAX];
    int retry_s;
} desk;

/* The site, zone and currency of the voucher's kiosk. */
static void place_of(hub_dash *d, desk *k)
{
    cJSON *kiosks = NULL, *o;
    if (hub_db_kiosks(d->db, &kiosks) != AM_OK)
        return;
    cJSON_ArrayForEach(o, kiosks)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "id"));
        if (!id || strcmp(id, k->v.rec.kiosk) != 0)
            continue;
        const char *site = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "site"));
        const char *zone = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "timezone"));
        const char *cur = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "currency"));
        snprintf(k->site, sizeof k->site, "%s", site ? site : "");
        snprintf(k->zone, sizeof k->zone, "%s", zone ? zone : "");
        snprintf(k->currency, sizeof k->currency, "%s", cur ? cur : "");
    }
    cJSON_Delete(kiosks);
}

/* The styles of the desk, on top of the dashboard's. */
static const char desk_style[] =
    "<style>"
    ".desk{max-width:560px;margin:0 auto}"
    ".desk label{display:block;font-size:20px;font-weight:600;margin-bottom:8px}"
    ".desk input[type=text]{width:100%;font:600 26px/1.2 ui-monospace,monospace;"
    "letter-spacing:.06em;padding:14px;border:2px solid #475569;border-radius:10px;"
    "text-transform:uppercase}"
    ".desk button{width:100%;font-size:22px;font-weight:700;padding:16px;margin-top:12px;"
    "border-radius:10px;border:0;background:#1e293b;color:#fff}"
    ".desk button.redeem{background:#15803d;font-size:26px;padding:20px}"
    ".verdict{border-radius:12px;padding:18px 20px;margin:0 0 16px;color:#fff}"
    ".verdict h2{font-size:34px;line-height:1.1;margin:0 0 6px;color:#fff}"
    ".verdict p{font-size:20px;margin:4px 0}"
    ".verdict.good{background:#15803d}.verdict.bad{background:#b91c1c}"
    ".verdict.warn{background:#b45309}"
    ".verdict dl{display:grid;grid-template-columns:auto 1fr;gap:4px 14px;font-size:18px;"
    "margin:10px 0 0}"
    ".verdict dt{opacity:.85}.verdict dd{margin:0;font-weight:600;overflow-wrap:anywhere}"
    ".verdict dd.code,.verdict dd.time{white-space:nowrap}"
    ".desk form#check{margin-top:28px;padding-top:16px;border-top:1px solid var(--line)}"
    ".desk .code{font-family:ui-monospace,monospace;letter-spacing:.05em}"
    "@media (max-width:600px){main{padding:10px}.verdict h2{font-size:30px}"
    ".verdict dl{font-size:16px}.verdict p{font-size:18px}}"
    "</style>";

static void money_line(hub_html *h, const desk *k)
{
    int64_t v = k->v.rec.value_minor;
    hub_html_fmt(h, "<dt>Value</dt><dd>%lld.%02lld ", (long long)(v / 100), (long long)(v % 100));
    hub_html_text(h, k->currency[0] ? k->currency : "(the site has no currency set)");
    hub_html_raw(h, "</dd>");
}

static void when_line(hub_html *h, const desk *k, const char *label, int64_t ms)
{
    char when[64];
    hub_tz_format(ms, k->zone, HUB_TZ_MINUTE, when, sizeof when);
    hub_html_raw(h, "<dt>");
    hub_html_text(h, label);
    hub_html_raw(h, "</dt><dd class=\"time\">");
    hub_html_text(h, when);
    hub_html_raw(h, "</dd>");
}

/* An offer id as a person reads it: "free_breakfast" as "Free breakfast"
 * (the hub knows offers by id only; their names are in the kiosk's
 * configuration). */
static void offer_name(hub_html *h, const char *id)
{
    char name[AM_VOUCHER_OFFER_MAX];
    snprintf(name, sizeof name, "%s", id);
    for (char *c = name; *c; c++) {
        if (*c == '_')
            *c = ' ';
    }
    if (name[0] >= 'a' && name[0] <= 'z')
        name[0] = (char)(name[0] - 'a' + 'A');
    hub_html_text(h, name);
}

/* The facts of a voucher the hub holds. */
static void facts(hub_html *h, const desk *k)
{
    hub_html_raw(h, "<dl><dt>Code</dt><dd class=\"code\">");
    hub_html_text(h, k->code);
    hub_html_raw(h, "</dd><dt>Offer</dt><dd title=\"");
    hub_html_text(h, k->v.rec.offer_id);
    hub_html_raw(h, "\">");
    offer_name(h, k->v.rec.offer_id);
    hub_html_raw(h, "</dd>");
    money_line(h, k);
    when_line(h, k, "Issued", k->v.rec.created_ms);
    when_line(h, k, "Expires", k->v.rec.expires_ms);
    hub_html_raw(h, "<dt>Kiosk</dt><dd>");
    hub_html_text(h, k->v.rec.kiosk);
    hub_html_raw(h, "</dd></dl>");
}

static void verdict_box(hub_html *h, const desk *k, const web_session *ws)
{
    const char *cls = "bad", *title = "", *line = NULL;
    char when[64] = "";
    switch (k->verdict) {
    case V_NONE:
        return;
    case V_VALID:
        cls = "good";
        title = "Valid";
        line = "Genuine and not used yet. Redeem it to accept it.";
        break;
    case V_REDEEMED:
        cls = "good";
        title = "Redeemed";
        line = "Redeemed now: honour the offer.";
        break;
    case V_USED:
        title = "Already redeemed";
        hub_tz_format(k->v.redeemed_at, k->zone, HUB_TZ_MINUTE, when, sizeof when);
        line = "Do not accept it again.";
        break;
    case V_EXPIRED:
        title = "Expired";
        line = "Genuine, but past its expiry: do not accept it.";
        break;
    case V_TAMPERED:
        title = "Not genuine";
        line = "No kiosk made this code: it was altered or mistyped. Type it again; if it "
               "still fails, do not accept it.";
        break;
    case V_UNKNOWN:
        cls = "warn";
        title = "Not on record yet";
        line = "A kiosk made this code, but its record has not reached the hub. Try again "
               "in a few minutes; until then, do not accept it.";
        break;
    case V_MALFORMED:
        cls = "warn";
        title = "Not a voucher code";
        line = k->reason;
        break;
    case V_LIMITED:
        cls = "warn";
        title = "Too many failed checks";
        break;
    }
    hub_html_fmt(h, "<div class=\"verdict %s\" id=\"verdict\" data-verdict=\"%s\"><h2>", cls,
                 k->verdict == V_VALID      ? "valid"
                 : k->verdict == V_REDEEMED ? "redeemed"
                 : k->verdict == V_USED     ? "already_redeemed"
                 : k->verdict == V_EXPIRED  ? "expired"
                 : k->verdict == V_TAMPERED ? "tampered"
                 : k->verdict == V_UNKNOWN  ? "unknown"
                 : k->verdict == V_LIMITED  ? "rate_limited"
                                            : "malformed");
    hub_html_text(h, title);
    hub_html_raw(h, "</h2>");
    if (k->verdict == V_USED) {
        hub_html_raw(h, "<p>On ");
        hub_html_text(h, when);
        hub_html_raw(h, " by ");
        hub_html_text(h, k->v.redeemed_by);
        hub_html_raw(h, ".</p>");
    }
    if (k->verdict == V_LIMITED)
        hub_html_fmt(h, "<p>Wait %d seconds, then check the code again.</p>", k->retry_s);
    if (line) {
        hub_html_raw(h, "<p>");
        hub_html_text(h, line);
        hub_html_raw(h, "</p>");
    }
    if (k->have_record)
        facts(h, k);
    hub_html_raw(h, "</div>");
    if (k->verdict == V_VALID) {
        hub_html_raw(h, "<form method=\"post\" action=\"/vouchers/redeem\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"");
        hub_html_text(h, ws->csrf);
        hub_html_raw(h, "\"><input type=\"hidden\" name=\"code\" value=\"");
        hub_html_text(h, k->code);
        hub_html_raw(h, "\"><button class=\"redeem\" type=\"submit\" id=\"redeem\">Redeem "
                        "now</button></form>");
    }
}

static enum MHD_Result desk_page(struct MHD_Connection *conn, unsigned status,
                                 const web_session *ws, const desk *k)
{
    hub_html h = {0};
    hub_dash_page_start(&h, "Voucher desk", ws);
    hub_html_raw(&h, desk_style);
    hub_html_raw(&h, "<main><div class=\"desk\">");
    verdict_box(&h, k, ws);
    /* GET: a scanner types the code and Enter, which sends the form; the
     * field is empty and focused again for the next guest. */
    hub_html_raw(&h, "<form method=\"get\" action=\"/vouchers\" id=\"check\">"
                     "<label for=\"code\">Voucher code</label>"
                     "<input type=\"text\" id=\"code\" name=\"code\" required autofocus "
                     "autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" "
                     "enterkeyhint=\"go\" maxlength=\"64\" placeholder=\"XXXX-XXXX-XXXX-XXXX\">"
                     "<button type=\"submit\">Check</button></form>"
                     "<p class=\"muted\">Type the code from the guest's slip, or scan it.</p>"
                     "</div></main>");
    hub_dash_page_end(&h);
    return hub_dash_send_page(conn, status, hub_html_take(&h), NULL, NULL, NULL);
}

/* Checks `input` for `who` into k. Returns true when a response was queued
 * instead (refused, database failure). */
static bool check(hub_dash *d, struct MHD_Connection *conn, const hub_person *who,
                  const char *action, const char *input, desk *k, enum MHD_Result *ret)
{
    am_voucher_result res;
    int64_t now = am_wall_ms();
    if (d->voucher_fail && !hub_rate_check(d->voucher_fail, who->name, now, &k->retry_s)) {
        am_log_warn(MOD, "%s: voucher checks rate limited for %d s", who->name, k->retry_s);
        k->verdict = V_LIMITED;
        return false;
    }
    am_rc rc = hub_voucher_verify(d->db, input, now, &k->v, &res);
    if (rc) {
        am_log_error(MOD, "voucher desk: check failed: %s", am_rc_str(rc));
        *ret = hub_dash_message_page(conn, 503, "Unavailable",
                                     "The hub could not read its database: try again.");
        return true;
    }
    snprintf(k->code, sizeof k->code, "%s", res.code.text);
    snprintf(k->reason, sizeof k->reason, "%s", res.reason);
    if (res.status == AM_VOUCHER_VALID || res.status == AM_VOUCHER_EXPIRED) {
        /* A genuine code names its kiosk: the person must be at its site. */
        k->have_record = true;
        place_of(d, k);
        if (!hub_allowed(who, action, k->site)) {
            *ret = hub_dash_refused_page(conn, who, action, k->site);
            return true;
        }
        k->verdict = res.status == AM_VOUCHER_EXPIRED ? V_EXPIRED
                     : k->v.redeemed_at               ? V_USED
                                                      : V_VALID;
        return false;
    }
    if (d->voucher_fail)
        hub_rate_take(d->voucher_fail, who->name, now, &k->retry_s);
    k->verdict = res.status == AM_VOUCHER_TAMPERED  ? V_TAMPERED
                 : res.status == AM_VOUCHER_UNKNOWN ? V_UNKNOWN
                                                    : V_MALFORMED;
    am_log_info(MOD, "%s: voucher desk check answered %s", who->name,
                am_voucher_status_name(res.status));
    return false;
}

static unsigned status_of(verdict v)
{
    switch (v) {
    case V_EXPIRED:
        return 410;
    case V_TAMPERED:
        return 422;
    case V_UNKNOWN:
        return 404;
    case V_MALFORMED:
        return 400;
    case V_LIMITED:
        return 429;
    case V_NONE:
    case V_VALID:
    case V_REDEEMED:
    case V_USED: /* a page about it; redeeming it again is 409 */
    default:
        return 200;
    }
}

enum MHD_Result hub_dash_voucher_desk(hub_dash *d, struct MHD_Connection *conn,
                                      const web_session *ws, const hub_person *who)
{
    desk k = {.verdict = V_NONE};
    enum MHD_Result ret;
    const char *input = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "code");
    if (input && *input && check(d, conn, who, "GET /vouchers", input, &k, &ret))
        return ret;
    return desk_page(conn, status_of(k.verdict), ws, &k);
}

enum MHD_Result hub_dash_voucher_redeem(hub_dash *d, struct MHD_Connection *conn,
                                        const web_session *ws, const hub_person *who,
                                        const char *body, size_t len)
{
    desk k = {.verdict = V_NONE};
    enum MHD_Result ret;
    char input[AM_VOUCHER_INPUT_MAX + 1];
    if (!hub_dash_form_value(body, len, "code", input, sizeof input) || !input[0]) {
        k.verdict = V_MALFORMED;
        snprintf(k.reason, sizeof k.reason, "No code was sent: type or scan it again.");
        return desk_page(conn, 400, ws, &k);
    }
    if (check(d, conn, who, "POST /vouchers/redeem", input, &k, &ret))
        return ret;
    if (k.verdict != V_VALID)
        return desk_page(conn, k.verdict == V_USED ? 409 : status_of(k.verdict), ws, &k);
    /* The API's redeem: one UPDATE ... WHERE redeemed_at IS NULL, so of
     * two desks pressing at once exactly one wins. */
    bool won = false;
    char target[128], addr[HUB_DASH_ADDR_MAX];
    hub_voucher_target(&k.v, target, sizeof target);
    hub_audit_entry e = hub_dash_entry(conn, addr, who->name, "voucher.redeem",
                                       k.site[0] ? k.site : NULL, target, "valid", "redeemed");
    am_rc rc = hub_db_voucher_redeem(d->db, k.code, who->name, e.at_ms, &e, &won, &k.v);
    if (rc) {
        am_log_error(MOD, "voucher desk: redeem failed: %s", am_rc_str(rc));
        return hub_dash_message_page(conn, 503, "Not redeemed",
                                     "The hub could not write to its database: nothing was "
                                     "redeemed. Try again.");
    }
    if (!won) {
        k.verdict = V_USED;
        return desk_page(conn, 409, ws, &k);
    }
    am_log_info(MOD, "voucher of kiosk %s serial %lld redeemed by %s at the desk", k.v.rec.kiosk,
                (long long)k.v.rec.serial, who->name);
    k.verdict = V_REDEEMED;
    return desk_page(conn, 200, ws, &k);
}
