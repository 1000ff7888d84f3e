/* test_hub_dashboard.c — the manager's HTML dashboard on the real
 * amends-hub: sessions, CSRF, the sign-in limit and escaping, spoken to
 * with the curl command line, and the whole page loaded in a real browser
 * (Debian's chromium, headless), whose DOM is checked and whose
 * screenshot is kept for a person to look at.
 *
 * Data is seeded through the real ingest API; a guest's description of
 * <script>alert(1)</script> must show as text wherever it appears.
 */
#include <cjson/cJSON.h>

#include "hub_harness.h"

#define CHROMIUM        "/usr/bin/chromium"
#define SCRIPT          "<script>alert(1)</script>"
#define SCRIPT_ESC      "&lt;script&gt;alert(1)&lt;/script&gt;"
#define SCREENSHOT      AM_BINARY_DIR "/tests/dashboard.png"
#define SCREENSHOT_FULL AM_BINARY_DIR "/tests/dashboard-full.png"

typedef struct seeded {
    char alert_id[AM_PROTO_UUID_LEN + 1];
} seeded;

/* k1: a heartbeat whose last error is hostile, reports over four days in
 * three categories with ratings and offers, one alert. k2 never speaks,
 * so it must show as silent. */
static void seed(harness *h, seeded *out)
{
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    am_proto_batch *b = h_batch("k1", 16);
    static const char *const cats[] = {"room", "noise", "breakfast"};
    static const am_offer_state states[] = {AM_OFFER_ACCEPTED, AM_OFFER_DECLINED, AM_OFFER_ACCEPTED,
                                            AM_OFFER_NONE};
    int64_t now = h_now_ms();
    for (int i = 0; i < 10; i++) {
        am_proto_record *r = h_add_feedback(b, cats[i % 3], AM_OUTCOME_COMPLETED);
        int64_t day = (int64_t)(i % 4) * 86400000;
        r->u.feedback.created_at = now - day - 120000;
        r->u.feedback.closed_at = now - day - 60000;
        am_report *rp = &r->u.feedback.report;
        rp->rating = 2 + i % 4;
        rp->offer_state = states[i % 4];
        if (rp->offer_state != AM_OFFER_ACCEPTED)
            rp->voucher[0] = '\0';
        if (rp->offer_state == AM_OFFER_NONE) {
            rp->offer[0] = '\0';
            rp->offer_value_minor = 0;
        }
        if (i == 0) {
            snprintf(rp->description, sizeof rp->description, "%s", SCRIPT);
            snprintf(rp->first_name, sizeof rp->first_name, "<b>Zoë</b>");
        }
    }
    am_proto_record *al = h_add_alert(b, NULL);
    memcpy(out->alert_id, al->id, sizeof out->alert_id);
    /* Its budget: 62.50 EUR given today against 50.00, so over. */
    am_proto_heartbeat *hb = &h_add_heartbeat(b, 3, 1, SCRIPT)->u.heartbeat;
    hb->has_budget = true;
    snprintf(hb->budget_currency, sizeof hb->budget_currency, "EUR");
    hb->budget_daily_minor = 5000;
    hb->budget_hourly_offers = 3;
    hb->spent_today_minor = 6250;
    hb->offers_last_hour = 1;
    char *body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_proto_response *resp = h_response(&reply);
    for (size_t i = 0; i < resp->count; i++) {
        if (resp->results[i].status != AM_PROTO_STORED)
            fail_msg("record %zu not stored: %s", i, resp->results[i].reason);
    }
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

/* --- the curl command line ------------------------------------------------------------------ */

typedef struct page {
    int status;
    char *body;
    char *headers;
} page;

static void page_free(page *p)
{
    free(p->body);
    free(p->headers);
    memset(p, 0, sizeof *p);
}

/* curl with the test CA; args are appended as they are (quote them). */
static page fetch(harness *h, const char *args)
{
    char script[4096], out_path[700], hdr_path[700], code_path[700];
    page p = {0};
    snprintf(out_path, sizeof out_path, "%s/page.out", h->dir);
    snprintf(hdr_path, sizeof hdr_path, "%s/page.hdr", h->dir);
    snprintf(code_path, sizeof code_path, "%s/page.code", h->dir);
    unlink(out_path);
    snprintf(script, sizeof script,
             "curl -sS --proto =https --cacert '%s' -o '%s' -D '%s' -w '%%{http_code}' %s", h->ca,
             out_path, hdr_path, args);
    assert_int_equal(h_sh(script, code_path, NULL), 0);
    char *code = am_test_read_file(code_path, NULL);
    p.status = code ? atoi(code) : 0;
    free(code);
    p.body = am_test_read_file(out_path, NULL);
    if (!p.body)
        p.body = strdup("");
    p.headers = am_test_read_file(hdr_path, NULL);
    if (!p.headers)
        p.headers = strdup("");
    return p;
}

/* The value of a response header (first occurrence, case-insensitive
 * name), or "" when absent. */
static void header_value(const page *p, const char *name, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t n = strlen(name);
    for (const char *line = p->headers; line && *line;) {
        if (!strncasecmp(line, name, n) && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(out, outlen, "%.*s", (int)len, v);
            return;
        }
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : NULL;
    }
}

/* Signs in with the manager token through the form; returns the session
 * cookie value ("amends_session=..."). */
static void sign_in(harness *h, char *cookie, size_t cookielen)
{
    char args[1024], set[512];
    snprintf(args, sizeof args, "--data-urlencode 'token=%s' '%s/login'", h->mgr_token, h->url);
    page p = fetch(h, args);
    if (p.status != 303)
        fail_msg("sign-in: %d %s", p.status, p.body);
    header_value(&p, "Location", set, sizeof set);
    assert_string_equal(set, "/");
    header_value(&p, "Set-Cookie", set, sizeof set);
    /* The cookie's protections, as the browser will read them. */
    assert_non_null(strstr(set, "; HttpOnly"));
    assert_non_null(strstr(set, "; Secure"));
    assert_non_null(strstr(set, "; SameSite=Strict"));
    assert_non_null(strstr(set, "; Path=/"));
    assert_non_null(strstr(set, "; Max-Age="));
    size_t n = strcspn(set, ";");
    assert_int_equal(n, strlen("amends_session=") + 43); /* 256 random bits */
    assert_true(n < cookielen);
    snprintf(cookie, cookielen, "%.*s", (int)n, set);
    page_free(&p);
}

static void csrf_of(const char *html, char *out, size_t outlen)
{
    const char *p = strstr(html, "name=\"csrf\" value=\"");
    assert_non_null(p);
    p += strlen("name=\"csrf\" value=\"");
    size_t n = strcspn(p, "\"");
    assert_int_equal(n, 43);
    assert_true(n < outlen);
    snprintf(out, outlen, "%.*s", (int)n, p);
}

/* No page may show data to a request without a session. */
static void assert_no_data(const page *p)
{
    assert_null(strstr(p->body, "k1"));
    assert_null(strstr(p->body, "Zo"));
    assert_null(strstr(p->body, "alert(1)"));
    assert_null(strstr(p->body, "room 214"));
}

static bool alert_open(harness *h, const char *id)
{
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", "/v1/alerts?state=open", &reply);
    assert_int_equal(reply.status, 200);
    bool open = strstr(reply.body, id) != NULL;
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return open;
}

static void dashboard_pages_need_a_session(void **state)
{
    harness *h = *state;
    seeded s;
    seed(h, &s);
    char ack[128], args[1024], where[256];
    snprintf(ack, sizeof ack, "/alerts/%s/ack", s.alert_id);
    char bearer_m[256], bearer_k[256];
    snprintf(bearer_m, sizeof bearer_m, "-H 'Authorization: Bearer %s'", h->mgr_token);
    snprintf(bearer_k, sizeof bearer_k, "-H 'Authorization: Bearer %s'", h->k1_token);
    const char *creds[] = {
        "",                                                                /* nothing */
        "-b 'amends_session=not-a-session'",                               /* malformed */
        "-b 'amends_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'", /* well-formed, unknown
                                                                            */
        bearer_m, /* an API token is not a browser session */
        bearer_k,
    };
    static const char *const gets[] = {"/", "/kiosks/k1", "/kiosks/k2", "/kiosks/nope",
                                       "/alerts/x/ack"};
    for (size_t c = 0; c < sizeof creds / sizeof creds[0]; c++) {
        for (size_t g = 0; g < sizeof gets / sizeof gets[0]; g++) {
            snprintf(args, sizeof args, "%s '%s%s'", creds[c], h->url, gets[g]);
            page p = fetch(h, args);
            if (p.status != 303)
                fail_msg("GET %s with credentials #%zu: %d", gets[g], c, p.status);
            header_value(&p, "Location", where, sizeof where);
            assert_string_equal(where, "/login");
            assert_no_data(&p);
            page_free(&p);
        }
        const char *posts[] = {ack, "/logout", "/"};
        for (size_t q = 0; q < 3; q++) {
            snprintf(args, sizeof args, "%s -d 'csrf=x' '%s%s'", creds[c], h->url, posts[q]);
            page p = fetch(h, args);
            if (p.status != 401)
                fail_msg("POST %s with credentials #%zu: %d", posts[q], c, p.status);
            assert_no_data(&p);
            page_free(&p);
        }
    }
    assert_true(alert_open(h, s.alert_id));
    /* Paths that are neither API nor dashboard stay the API's plain 404. */
    snprintf(args, sizeof args, "-d 'x=1' '%s/no/such/page'", h->url);
    page p404 = fetch(h, args);
    assert_int_equal(p404.status, 404);
    assert_non_null(strstr(p404.body, "\"error\":\"not_found\""));
    page_free(&p404);
    /* The sign-in page itself is public and carries no data. */
    snprintf(args, sizeof args, "'%s/login'", h->url);
    page p = fetch(h, args);
    assert_int_equal(p.status, 200);
    assert_non_null(strstr(p.body, "name=\"token\""));
    assert_no_data(&p);
    header_value(&p, "Content-Security-Policy", where, sizeof where);
    assert_non_null(strstr(where, "default-src 'none'"));
    page_free(&p);
}

static void dashboard_session_csrf_escaping_and_logout(void **state)
{
    harness *h = *state;
    seeded s;
    seed(h, &s);
    char cookie[128], csrf[64], args[1024], value[512];
    sign_in(h, cookie, sizeof cookie);

    /* The database keeps the session id hashed only. */
    if (!h->use_pg) {
        char db_path[700];
        size_t len = 0;
        snprintf(db_path, sizeof db_path, "%s/hub.db", h->dir);
        char *db = am_test_read_file(db_path, &len);
        assert_non_null(db);
        const char *id = cookie + strlen("amends_session=");
        for (size_t i = 0; i + 43 <= len; i++)
            assert_false(memcmp(db + i, id, 43) == 0);
        free(db);
    }

    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    page p = fetch(h, args);
    assert_int_equal(p.status, 200);
    header_value(&p, "Content-Type", value, sizeof value);
    assert_string_equal(value, "text/html; charset=utf-8");
    /* The guest's words as text, never as markup, wherever they show. */
    assert_null(strstr(p.body, SCRIPT));
    assert_null(strstr(p.body, "<b>Zo"));
    assert_non_null(strstr(p.body, "description\">" SCRIPT_ESC "</td>")); /* latest reports */
    assert_non_null(strstr(p.body, "err\">" SCRIPT_ESC "</td>"));         /* fleet: last error */
    assert_non_null(strstr(p.body, "&lt;b&gt;Zoë&lt;/b&gt;"));            /* follow-ups */
    assert_null(strstr(p.body, "<script"));
    csrf_of(p.body, csrf, sizeof csrf);
    page_free(&p);

    /* The kiosk page (ingest log) escapes too, and knows unknown kiosks. */
    snprintf(args, sizeof args, "-b '%s' '%s/kiosks/k1'", cookie, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    assert_non_null(strstr(p.body, "id=\"ingest-log\""));
    assert_null(strstr(p.body, "<script"));
    page_free(&p);
    snprintf(args, sizeof args, "-b '%s' '%s/kiosks/nope'", cookie, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 404);
    page_free(&p);

    /* Acknowledging needs the session's CSRF token, and a same-site origin. */
    const char *bad_forms[] = {"-d 'x=1'", "-d 'csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'",
                               "-d 'csrf='", NULL};
    char with_origin[256];
    snprintf(with_origin, sizeof with_origin, "-H 'Origin: https://evil.example' -d 'csrf=%s'",
             csrf);
    bad_forms[3] = with_origin;
    for (size_t i = 0; i < 4; i++) {
        snprintf(args, sizeof args, "-b '%s' %s '%s/alerts/%s/ack'", cookie, bad_forms[i], h->url,
                 s.alert_id);
        p = fetch(h, args);
        if (p.status != 403)
            fail_msg("ack with bad form #%zu: %d", i, p.status);
        page_free(&p);
        assert_true(alert_open(h, s.alert_id));
    }
    snprintf(args, sizeof args, "-b '%s' -H 'Origin: %s' -d 'csrf=%s' '%s/alerts/%s/ack'", cookie,
             h->url, csrf, h->url, s.alert_id);
    p = fetch(h, args);
    assert_int_equal(p.status, 303);
    page_free(&p);
    assert_false(alert_open(h, s.alert_id));
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    /* The alert's case is acknowledged with it, and the queue says so. */
    assert_non_null(strstr(p.body, "<td data-label=\"State\">acknowledged</td>"));
    assert_null(strstr(p.body, "data-alert="));
    page_free(&p);

    /* Exports: the CSV is an attachment, not a page, and defuses formulas. */
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/feedback?format=csv'",
             h->mgr_token, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    header_value(&p, "Content-Type", value, sizeof value);
    assert_string_equal(value, "text/csv; charset=utf-8");
    header_value(&p, "Content-Disposition", value, sizeof value);
    assert_non_null(strstr(value, "attachment"));
    assert_non_null(strstr(p.body, "\"'=SUM(A1:A9)\""));
    page_free(&p);

    /* Sign out: needs the token, then the session is gone for good. */
    snprintf(args, sizeof args, "-b '%s' -d 'csrf=nope' '%s/logout'", cookie, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 403);
    page_free(&p);
    snprintf(args, sizeof args, "-b '%s' -d 'csrf=%s' '%s/logout'", cookie, csrf, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 303);
    header_value(&p, "Set-Cookie", value, sizeof value);
    assert_non_null(strstr(value, "amends_session=;"));
    assert_non_null(strstr(value, "Max-Age=0"));
    page_free(&p);
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 303);
    assert_no_data(&p);
    page_free(&p);
}

static void dashboard_login_rate_limited_per_address(void **state)
{
    harness *h = *state;
    char args[1024], value[64];
    /* login_fail_burst = 3: three wrong tokens are answered 401... */
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "-d 'token=amm_wrong%d' '%s/login'", i, h->url);
        page p = fetch(h, args);
        assert_int_equal(p.status, 401);
        assert_non_null(strstr(p.body, "not recognised"));
        page_free(&p);
    }
    /* ...then every sign-in from this address waits, the right token too,
     * and so do login links. */
    snprintf(args, sizeof args, "--data-urlencode 'token=%s' '%s/login'", h->mgr_token, h->url);
    page p = fetch(h, args);
    assert_int_equal(p.status, 429);
    header_value(&p, "Retry-After", value, sizeof value);
    assert_true(atoi(value) >= 1);
    assert_null(strstr(p.headers, "amends_session="));
    page_free(&p);
    snprintf(args, sizeof args, "'%s/login/once/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'",
             h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 429);
    page_free(&p);
}

/* --- in a real browser --------------------------------------------------------------------------
 */

/* A one-time login link made with the manager token (as `curl -X POST
 * /v1/login-link` would): the browser opens it and is signed in. */
static void login_link(harness *h, char *url, size_t urllen)
{
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "POST", "/v1/login-link", &reply);
    if (reply.status != 200)
        fail_msg("login-link: %ld %s", reply.status, reply.body);
    cJSON *root = cJSON_Parse(reply.body);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(root, "path");
    assert_true(cJSON_IsString(path));
    snprintf(url, urllen, "%s%s", h->url, path->valuestring);
    cJSON_Delete(root);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
}

/* Each run gets a fresh profile: a second chromium on the same profile
 * would hand its URL to the first and exit. */
static int chromium(harness *h, const char *profile, const char *what, const char *url,
                    const char *out)
{
    char script[4096];
    /* --ignore-certificate-errors: the hub's CA is made for this test only
     * and chromium reads trust from an NSS database, not a file; every
     * other client in these tests verifies it. Only ever in tests. */
    snprintf(script, sizeof script,
             "timeout 90 " CHROMIUM " --headless --no-sandbox --disable-gpu "
             "--disable-background-networking --disable-component-update --disable-sync "
             "--no-first-run --user-data-dir='%s/chrome-%s' --ignore-certificate-errors %s '%s'",
             h->dir, profile, what, url);
    char err_path[700];
    snprintf(err_path, sizeof err_path, "%s/chrome.err", h->dir);
    return h_sh(script, out, err_path);
}

static void dashboard_in_chromium(void **state)
{
    harness *h = *state;
    seeded s;
    seed(h, &s);
    char url[512], dom_path[700], what[1024];

    login_link(h, url, sizeof url);
    snprintf(dom_path, sizeof dom_path, "%s/dom.html", h->dir);
    assert_int_equal(chromium(h, "dom", "--dump-dom", url, dom_path), 0);
    char *dom = am_test_read_file(dom_path, NULL);
    assert_non_null(dom);
    if (!strstr(dom, "signed in as boss")) {
        fail_msg("the browser did not get the dashboard:\n%.2000s", dom);
    }
    /* The fleet: k1 heard from just now, k2 never (silent). */
    assert_non_null(strstr(dom, "<tr class=\"kiosk\" data-kiosk=\"k1\">"));
    assert_non_null(strstr(dom, "<tr class=\"kiosk silent\" data-kiosk=\"k2\">"));
    /* The alert's case in the queue, with what to do next; the follow-up. */
    assert_non_null(strstr(dom, "<tr class=\"case\" data-case=\""));
    assert_non_null(strstr(dom, ">Acknowledge it</td>"));
    assert_non_null(strstr(dom, "<tr class=\"followup\">"));
    assert_non_null(strstr(dom, "room 214"));
    /* Four charts, drawn as SVG by the hub. */
    static const char *const charts[] = {"chart-categories", "chart-rating", "chart-acceptance",
                                         "chart-spend-EUR"};
    for (size_t i = 0; i < 4; i++) {
        char tag[96];
        snprintf(tag, sizeof tag, "<svg id=\"%s\"", charts[i]);
        if (!strstr(dom, tag))
            fail_msg("no %s in the DOM", tag);
    }
    assert_non_null(strstr(dom, "<rect"));
    assert_non_null(strstr(dom, "<polyline"));
    /* Spend against budget: k1's figure, over budget and marked so, in the
     * fleet table and the chart section; k2 sent none and is named as such. */
    assert_non_null(strstr(dom, "<td class=\"num budget over\">62.50 / 50.00 EUR<span "
                                "class=\"badge\">over budget</span></td>"));
    assert_non_null(strstr(dom, "<tr class=\"budget over\" data-kiosk=\"k1\">"));
    assert_non_null(strstr(dom, "<svg id=\"budget-k1\" class=\"meter over\""));
    assert_non_null(strstr(dom, "<title>62.50 of 50.00 EUR spent today</title>"));
    assert_null(strstr(dom, "data-kiosk=\"k2\"><td>k2<span class=\"badge\">over"));
    assert_non_null(strstr(dom, "id=\"no-budget\">The hub does not know the budget of k2<"));
    /* The guest's script is text in the DOM: no element was made of it. */
    assert_non_null(strstr(dom, SCRIPT_ESC));
    assert_null(strstr(dom, "<script"));
    free(dom);

    /* The link was used up: opening it again signs nobody in. */
    snprintf(dom_path, sizeof dom_path, "%s/dom2.html", h->dir);
    assert_int_equal(chromium(h, "again", "--dump-dom", url, dom_path), 0);
    dom = am_test_read_file(dom_path, NULL);
    assert_non_null(dom);
    assert_non_null(strstr(dom, "used already or has expired"));
    assert_null(strstr(dom, "data-kiosk"));
    free(dom);

    /* A screenshot for a person to look at (kept in the build tree). */
    login_link(h, url, sizeof url);
    unlink(SCREENSHOT);
    snprintf(what, sizeof what, "--screenshot='%s' --window-size=1280,900 --hide-scrollbars",
             SCREENSHOT);
    assert_int_equal(chromium(h, "shot", what, url, NULL), 0);
    size_t len = 0;
    char *png = am_test_read_file(SCREENSHOT, &len);
    if (!png) {
        char err_path[700];
        snprintf(err_path, sizeof err_path, "%s/chrome.err", h->dir);
        char *err = am_test_read_file(err_path, NULL);
        fail_msg("no screenshot; chromium said:\n%.3000s", err ? err : "");
    }
    assert_true(len > 20000); /* a blank page compresses to far less */
    assert_memory_equal(png, "\x89PNG", 4);
    free(png);

    /* And the whole page, for the charts and tables below the fold. */
    login_link(h, url, sizeof url);
    unlink(SCREENSHOT_FULL);
    snprintf(what, sizeof what, "--screenshot='%s' --window-size=1280,2600 --hide-scrollbars",
             SCREENSHOT_FULL);
    assert_int_equal(chromium(h, "full", what, url, NULL), 0);
    assert_int_equal(access(SCREENSHOT_FULL, R_OK), 0);
}

/* A kiosk at a site, added through the command line while the hub runs;
 * one report with an accepted offer worth value_minor, and one alert
 * raised at raised_ms. */
static void site_kiosk(harness *h, const char *id, const char *site, int64_t value_minor,
                       int64_t raised_ms)
{
    char out[1024], token[128], secret[128];
    const char *add[] = {"kiosk", "add", id, "--site", site, NULL};
    assert_int_equal(h_hub_cmd(h, add, out, sizeof out), 0);
    h_field(out, "token: ", token, sizeof token);
    h_field(out, "secret: ", secret, sizeof secret);
    am_hub_client *c = am_hub_client_new(h->url, h->ca, token, secret);
    assert_non_null(c);
    am_proto_batch *b = h_batch(id, 2);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED)->u.feedback.report.offer_value_minor =
        value_minor;
    h_add_alert(b, NULL)->u.alert.raised_at = raised_ms;
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

/* Two sites, in GBP and EUR, and the site "default" with no currency: the
 * dashboard totals each currency apart and never adds them; every time is
 * shown in its kiosk's site's zone and names that zone. */
static void dashboard_money_per_currency_and_site_times(void **state)
{
    harness *h = *state;
    char out[256];
    const char *harbour[] = {"site",       "add",           "harbour",    "--name", "Harbour View",
                             "--timezone", "Europe/London", "--currency", "GBP",    NULL};
    const char *lyon[] = {"site",       "add",          "lyon",       "--name", "Parc",
                          "--timezone", "Europe/Paris", "--currency", "EUR",    NULL};
    assert_int_equal(h_hub_cmd(h, harbour, out, sizeof out), 0);
    assert_int_equal(h_hub_cmd(h, lyon, out, sizeof out), 0);
    const int64_t july = INT64_C(1782907200000); /* 2026-07-01 12:00 UTC */
    site_kiosk(h, "g1", "harbour", 1250, july);
    site_kiosk(h, "e1", "lyon", 2000, july);
    site_kiosk(h, "e2", "lyon", 35, july + 60000);
    site_kiosk(h, "d1", "default", 700, july);

    char cookie[128], args[1024];
    sign_in(h, cookie, sizeof cookie);
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    page p = fetch(h, args);
    assert_int_equal(p.status, 200);
    /* One total per currency; the sum of all of them appears nowhere. */
    assert_non_null(strstr(p.body, "<span class=\"spend-total\">12.50 GBP</span>"));
    assert_non_null(strstr(p.body, "<span class=\"spend-total\">20.35 EUR</span>"));
    assert_non_null(strstr(p.body, "<span class=\"spend-total\">7.00 in an unknown currency"));
    assert_null(strstr(p.body, "40.85"));
    assert_null(strstr(p.body, "32.85"));
    assert_null(strstr(p.body, "in all"));
    assert_non_null(strstr(p.body, "site set SITE --currency CODE"));
    assert_non_null(strstr(p.body, "<svg id=\"chart-spend-GBP\""));
    assert_non_null(strstr(p.body, "<svg id=\"chart-spend-EUR\""));
    assert_non_null(strstr(p.body, "<svg id=\"chart-spend-unknown\""));
    /* The alerts' cases, opened at the same instant, in each site's summer
     * time. */
    assert_non_null(strstr(p.body, "since 2026-07-01 13:00 BST (g1)"));
    assert_non_null(strstr(p.body, "since 2026-07-01 14:00 CEST (e1)"));
    assert_non_null(strstr(p.body, "since 2026-07-01 14:01 CEST (e2)"));
    assert_non_null(strstr(p.body, "since 2026-07-01 12:00 UTC (d1)"));
    page_free(&p);

    /* The ingest log reads in the kiosk's zone too. */
    snprintf(args, sizeof args, "-b '%s' '%s/kiosks/e1'", cookie, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    assert_non_null(strstr(p.body, "<td class=\"time\" title=\"Europe/Paris\">"));
    assert_true(strstr(p.body, " CET</td>") || strstr(p.body, " CEST</td>"));
    page_free(&p);
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, NULL);
}

static int setup_limited(void **state)
{
    h_setup(state, false, NULL);
    harness *h = *state;
    /* Restart with a small sign-in allowance. */
    h_hub_stop(&h->hub, 10000);
    char conf[600];
    snprintf(conf, sizeof conf, "%s", h->conf);
    char *text = am_test_read_file(conf, NULL);
    assert_non_null(text);
    char *db = strstr(text, "[db]");
    assert_non_null(db);
    char joined[8192];
    snprintf(joined, sizeof joined,
             "%.*s[dashboard]\nlogin_fail_per_minute = 1\n"
             "login_fail_burst = 3\n%s",
             (int)(db - text), text, db);
    h_write(conf, joined);
    free(text);
    h_hub_start(h);
    return 0;
}

static int setup_pg(void **state)
{
    return h_setup(state, true, NULL);
}

/* Sessions live in the database: the same case on PostgreSQL. */
static void dashboard_sessions_on_postgresql(void **state)
{
    dashboard_session_csrf_escaping_and_logout(state);
}

static void dashboard_money_per_currency_on_postgresql(void **state)
{
    dashboard_money_per_currency_and_site_times(state);
}

/* Chromium is a test dependency (packaging/install-deps.sh): without it
 * the test fails and says so, rather than passing unseen. */
static void dashboard_in_chromium_or_fail(void **state)
{
    if (access(CHROMIUM, X_OK) != 0)
        fail_msg("chromium is not installed (" CHROMIUM "): run packaging/install-deps.sh");
    dashboard_in_chromium(state);
}

/* A disabled kiosk is marked so in the fleet table, and its silence (the
 * hub refuses it) is not counted as silent. */
static void dashboard_fleet_shows_disabled_kiosks(void **state)
{
    harness *h = *state;
    seeded s;
    seed(h, &s); /* k1 heard from, k2 never: silent */
    char cookie[128], args[1024], out[512];
    sign_in(h, cookie, sizeof cookie);
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    page p = fetch(h, args);
    assert_int_equal(p.status, 200);
    assert_non_null(strstr(p.body, "<tr class=\"kiosk silent\" data-kiosk=\"k2\">"));
    assert_non_null(strstr(p.body, "<b>1</b>silent"));
    assert_null(strstr(p.body, ">disabled</span>"));
    page_free(&p);

    const char *disable[] = {"kiosk", "disable", "k2", NULL};
    assert_int_equal(h_hub_cmd(h, disable, out, sizeof out), 0);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    assert_non_null(strstr(p.body, "<tr class=\"kiosk disabled\" data-kiosk=\"k2\">"));
    assert_non_null(strstr(p.body, "its requests are refused\">disabled</span>"));
    assert_non_null(strstr(p.body, "<tr class=\"kiosk\" data-kiosk=\"k1\">"));
    assert_non_null(strstr(p.body, "<b>0</b>silent"));
    page_free(&p);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(dashboard_pages_need_a_session, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(dashboard_session_csrf_escaping_and_logout, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(dashboard_login_rate_limited_per_address, setup_limited,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(dashboard_in_chromium_or_fail, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(dashboard_sessions_on_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(dashboard_money_per_currency_and_site_times, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(dashboard_money_per_currency_on_postgresql, setup_pg,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(dashboard_fleet_shows_disabled_kiosks, setup_sqlite,
                                    h_teardown),
};

AM_TEST_MAIN(tests)
