/* hub_notify.c — the events and kinds of notifications, checking a
 * destination, and what a message says for each kind (hub_notify.h). */
#include "hub_notify.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const hub_notify_event hub_notify_events[] = {
    {"case.opened", "a case opened (urgent ones always; normal ones unless the site turns it off)"},
    {"case.overdue", "a case past a deadline, escalated one level"},
    {"case.reopened", "a closed case opened again"},
    {"case.resolved", "a case resolved"},
    {NULL, NULL},
};

const char *const hub_notify_kinds[] = {"email", "webhook", "slack", "teams", NULL};

bool hub_notify_event_known(const char *name)
{
    for (const hub_notify_event *e = hub_notify_events; e->name; e++)
        if (!strcmp(e->name, name))
            return true;
    return false;
}

bool hub_notify_kind_known(const char *kind)
{
    for (const char *const *k = hub_notify_kinds; *k; k++)
        if (!strcmp(*k, kind))
            return true;
    return false;
}

/* --- checking a destination ------------------------------------------------------------ */

static bool loopback_host(const char *host, size_t n)
{
    return (n == 9 && !strncmp(host, "127.0.0.1", 9)) || (n == 5 && !strncmp(host, "[::1]", 5)) ||
           (n == 9 && !strncmp(host, "localhost", 9));
}

static am_rc check_url(const char *to, bool allow_plain_loopback, char *err, size_t errlen)
{
    bool https = !strncmp(to, "https://", 8), http = !strncmp(to, "http://", 7);
    const char *host = to + (https ? 8 : 7);
    size_t n = strcspn(host, ":/?#");
    if (host[0] == '[')
        n = strcspn(host, "]") + 1;
    if ((!https && !http) || n == 0 || strcspn(to, " \t\r\n\"'<>\\") != strlen(to)) {
        snprintf(err, errlen, "'%s' is not an https:// address", to);
        return AM_ERR_INVALID;
    }
    if (http && !(allow_plain_loopback && loopback_host(host, n))) {
        snprintf(err, errlen,
                 "'%s' is plain http: destinations must be https:// (plain http only to "
                 "loopback, with [notify] allow_plain_loopback = true)",
                 to);
        return AM_ERR_INVALID;
    }
    return AM_OK;
}

/* One address: local@domain, printable, no spaces, no header breaks. */
static bool address_ok(const char *a, size_t n)
{
    const char *at = memchr(a, '@', n);
    if (!at || at == a || at == a + n - 1 || memchr(at + 1, '@', (size_t)(a + n - at - 1)))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a[i] <= ' ' || a[i] == '<' || a[i] == '>' || a[i] == '"' ||
            (unsigned char)a[i] == 127)
            return false;
    return true;
}

am_rc hub_notify_target_check(const char *kind, const char *to, bool allow_plain_loopback,
                              char *err, size_t errlen)
{
    if (!hub_notify_kind_known(kind)) {
        snprintf(err, errlen, "--kind '%s' is not one of email, webhook, slack, teams", kind);
        return AM_ERR_INVALID;
    }
    if (!to[0] || strlen(to) >= HUB_DEST_TARGET_MAX) {
        snprintf(err, errlen, "--to must be 1 to %d bytes", HUB_DEST_TARGET_MAX - 1);
        return AM_ERR_INVALID;
    }
    if (strcmp(kind, "email"))
        return check_url(to, allow_plain_loopback, err, errlen);
    for (const char *p = to; *p;) {
        size_t n = strcspn(p, ",");
        if (!address_ok(p, n)) {
            snprintf(err, errlen, "'%.*s' is not an email address", (int)(n > 80 ? 80 : n), p);
            return AM_ERR_INVALID;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return AM_OK;
}

am_rc hub_notify_events_parse(const char *list, char *out, size_t outlen, char *err, size_t errlen)
{
    size_t used = 0;
    out[0] = '\0';
    if (!list || !list[0]) {
        for (const hub_notify_event *e = hub_notify_events; e->name; e++)
            used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? "," : "", e->name);
        return AM_OK;
    }
    for (const char *p = list; *p;) {
        p += strspn(p, ", ");
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        char one[40];
        snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : sizeof one - 1), p);
        if (n >= sizeof one || !hub_notify_event_known(one)) {
            snprintf(err, errlen, "--events: '%.*s' is not an event (docs/hub.md#notifications)",
                     (int)(n > 40 ? 40 : n), p);
            return AM_ERR_INVALID;
        }
        if (!strstr(out, one)) {
            if (used + n + 2 > outlen)
                return AM_ERR_INVALID;
            used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? "," : "", one);
        }
        p += n;
    }
    if (!used) {
        snprintf(err, errlen, "--events names no event");
        return AM_ERR_INVALID;
    }
    return AM_OK;
}

/* --- what a message says ------------------------------------------------------------------ */

static const char *jstr(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

static int64_t jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static void iso_time(int64_t ms, char *out, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void duration(int64_t ms, char *out, size_t len)
{
    int64_t m = ms > 0 ? ms / 60000 : 0;
    if (m < 60)
        snprintf(out, len, "%lld min", (long long)m);
    else
        snprintf(out, len, "%lld h %lld min", (long long)(m / 60), (long long)(m % 60));
}

/* The event in words, with its case: "Case HV-7K2M opened (urgent)". */
static void headline(const cJSON *p, char *out, size_t len)
{
    const char *type = jstr(p, "type");
    const cJSON *c =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "data"), "case");
    const char *what = !strcmp(type, "case.opened")     ? "opened"
                       : !strcmp(type, "case.overdue")  ? "is overdue"
                       : !strcmp(type, "case.reopened") ? "reopened"
                       : !strcmp(type, "case.resolved") ? "resolved"
                                                        : "test";
    if (!strcmp(type, "test"))
        snprintf(out, len, "Test message from amends-hub");
    else
        snprintf(out, len, "Case %s %s (%s)", jstr(c, "code"), what, jstr(c, "priority"));
}

/* The facts of the message as label/value pairs, in order. */
typedef struct fact {
    const char *label;
    char value[600];
} fact;
#define FACTS_MAX 14

static int facts_of(const cJSON *p, const char *public_url, int64_t now_ms, fact *f)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, "data");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(d, "case");
    int n = 0;
#define FACT(l, ...)                                                                               \
    do {                                                                                           \
        f[n].label = l;                                                                            \
        snprintf(f[n].value, sizeof f[n].value, __VA_ARGS__);                                      \
        n++;                                                                                       \
    } while (0)
    FACT("Site", "%s", jstr(d, "site"));
    if (!c)
        return n;
    FACT("Team", "%s", jstr(c, "team")[0] ? jstr(c, "team") : "(none)");
    FACT("Case", "%s", jstr(c, "code"));
    if (public_url && public_url[0])
        FACT("Link", "%s/cases/%s", public_url, jstr(c, "code"));
    FACT("Category", "%s", jstr(c, "category"));
    FACT("Impact", "%s", jstr(c, "impact"));
    if (jstr(c, "location")[0])
        FACT("Location", "%s", jstr(c, "location"));
    if (jstr(c, "fix")[0])
        FACT("Fix chosen", "%s", jstr(c, "fix"));
    char age[32], due[32];
    duration(now_ms - jnum(c, "opened_at"), age, sizeof age);
    FACT("Age", "%s", age);
    iso_time(jnum(c, "deadline"), due, sizeof due);
    FACT("Deadline", "%s", due);
    if (jstr(d, "escalated_to")[0])
        FACT("Escalated to", "%s", jstr(d, "escalated_to"));
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(d, "guest");
    if (g && jstr(g, "name")[0])
        FACT("Guest", "%s", jstr(g, "name"));
    if (g && jstr(g, "text")[0])
        FACT("In their words", "%s", jstr(g, "text"));
#undef FACT
    return n;
}

/* Standard Webhooks: {"type", "timestamp", "data"} as stored, the link
 * and the age added. */
static char *render_webhook(cJSON *p, const char *public_url, int64_t now_ms)
{
    cJSON *c =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "data"), "case");
    if (c) {
        if (public_url && public_url[0]) {
            char link[600];
            snprintf(link, sizeof link, "%s/cases/%s", public_url, jstr(c, "code"));
            cJSON_AddStringToObject(c, "url", link);
        }
        cJSON_AddNumberToObject(c, "age_s", (double)((now_ms - jnum(c, "opened_at")) / 1000));
    }
    return cJSON_PrintUnformatted(p);
}

/* Slack incoming webhook: "text" for notifications, and blocks. */
static char *render_slack(const cJSON *p, const char *public_url, int64_t now_ms)
{
    char head[200], text[4096];
    fact f[FACTS_MAX];
    int n = facts_of(p, public_url, now_ms, f);
    headline(p, head, sizeof head);
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof text; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s*%s:* %s", i ? "\n" : "",
                                 f[i].label, f[i].value);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "text", head);
    cJSON *blocks = cJSON_AddArrayToObject(root, "blocks");
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "type", "header");
    cJSON *ht = cJSON_AddObjectToObject(h, "text");
    cJSON_AddStringToObject(ht, "type", "plain_text");
    cJSON_AddStringToObject(ht, "text", head);
    cJSON_AddItemToArray(blocks, h);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "type", "section");
    cJSON *st = cJSON_AddObjectToObject(s, "text");
    cJSON_AddStringToObject(st, "type", "mrkdwn");
    cJSON_AddStringToObject(st, "text", text);
    cJSON_AddItemToArray(blocks, s);
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

/* Teams Workflows webhook: a message with one Adaptive Card attachment. */
static char *render_teams(const cJSON *p, const char *public_url, int64_t now_ms)
{
    char head[200];
    fact f[FACTS_MAX];
    int n = facts_of(p, public_url, now_ms, f);
    headline(p, head, sizeof head);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "type", "message");
    cJSON *atts = cJSON_AddArrayToObject(root, "attachments");
    cJSON *att = cJSON_CreateObject();
    cJSON_AddItemToArray(atts, att);
    cJSON_AddStringToObject(att, "contentType", "application/vnd.microsoft.card.adaptive");
    cJSON_AddNullToObject(att, "contentUrl");
    cJSON *card = cJSON_AddObjectToObject(att, "content");
    cJSON_AddStringToObject(card, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    cJSON_AddStringToObject(card, "type", "AdaptiveCard");
    cJSON_AddStringToObject(card, "version", "1.4");
    cJSON *body = cJSON_AddArrayToObject(card, "body");
    cJSON *title = cJSON_CreateObject();
    cJSON_AddStringToObject(title, "type", "TextBlock");
    cJSON_AddStringToObject(title, "text", head);
    cJSON_AddStringToObject(title, "weight", "Bolder");
    cJSON_AddStringToObject(title, "size", "Medium");
    cJSON_AddTrueToObject(title, "wrap");
    cJSON_AddItemToArray(body, title);
    cJSON *set = cJSON_CreateObject();
    cJSON_AddStringToObject(set, "type", "FactSet");
    cJSON *facts = cJSON_AddArrayToObject(set, "facts");
    for (int i = 0; i < n; i++) {
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "title", f[i].label);
        cJSON_AddStringToObject(one, "value", f[i].value);
        cJSON_AddItemToArray(facts, one);
    }
    cJSON_AddItemToArray(body, set);
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

char *hub_notify_render(const char *kind, const char *payload, const char *public_url,
                        int64_t now_ms)
{
    cJSON *p = cJSON_Parse(payload);
    char *out = NULL;
    if (!p)
        return NULL;
    if (!strcmp(kind, "webhook"))
        out = render_webhook(p, public_url, now_ms);
    else if (!strcmp(kind, "slack"))
        out = render_slack(p, public_url, now_ms);
    else if (!strcmp(kind, "teams"))
        out = render_teams(p, public_url, now_ms);
    cJSON_Delete(p);
    return out;
}

char *hub_notify_text(const char *payload, const char *public_url, int64_t now_ms)
{
    cJSON *p = cJSON_Parse(payload);
    if (!p)
        return NULL;
    char head[200];
    fact f[FACTS_MAX];
    int n = facts_of(p, public_url, now_ms, f);
    headline(p, head, sizeof head);
    size_t cap = 8192, used = 0;
    char *out = malloc(cap);
    if (out) {
        used += (size_t)snprintf(out, cap, "%s\n\n", head);
        for (int i = 0; i < n && used < cap; i++)
            used += (size_t)snprintf(out + used, cap - used, "%s: %s\n", f[i].label, f[i].value);
    }
    cJSON_Delete(p);
    return out;
}

int64_t hub_notify_next_at(const hub_config *cfg, int attempts, int64_t retry_after_s,
                           int64_t now_ms)
{
    int64_t ceiling = cfg->notify_retry_base_ms, cap = (int64_t)cfg->notify_retry_cap_s * 1000;
    for (int i = 1; i < attempts && ceiling < cap; i++)
        ceiling *= 2;
    if (ceiling > cap)
        ceiling = cap;
    /* Full jitter: anywhere from now to the ceiling, so that receivers
     * coming back are not met by every hub at once. */
    int64_t wait = (int64_t)randombytes_uniform((uint32_t)(ceiling > 0 ? ceiling : 1) + 1);
    if (retry_after_s >= 0 && retry_after_s * 1000 > wait)
        wait = retry_after_s * 1000;
    return now_ms + wait;
}
