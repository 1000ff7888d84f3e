/* hub_cases.c — the events a person sends to work a case, read from their
 * JSON body (hub_case.h). */
#include "hub_case.h"

#include <stdio.h>
#include <string.h>

#include "amends/text.h"
#include "hub_db.h"

static const char *const event_names[HUB_CASE_EV_EVENT_COUNT] = {
    "ack", "assign", "note", "priority", "resolve", "unresolved", "reopen",
};

const char *hub_case_event_name(hub_case_event e)
{
    return e < HUB_CASE_EV_EVENT_COUNT ? event_names[e] : "?";
}

/* Every reason a case is opened for (hub_db_cases.c, am_alert_reason_name). */
static const struct {
    const char *id, *words;
} reason_words[] = {
    {"staff_now", "the guest asked for staff now"},
    {"severe", "severe impact"},
    {"severe_unsent", "severe impact, not sent from the kiosk at once"},
    {"over_budget", "more than the kiosk may offer: passed to a manager"},
    {"notify", "the guest asked for the team to be told"},
    {"callback", "the guest asked to be called back"},
    {"low_rating", "low recovery rating"},
};

const char *hub_case_reason_words(const char *reason)
{
    for (size_t i = 0; reason && i < sizeof reason_words / sizeof reason_words[0]; i++)
        if (!strcmp(reason, reason_words[i].id))
            return reason_words[i].words;
    return NULL;
}

void hub_case_reasons_text(const char *reasons, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = reasons ? reasons : ""; *p && used + 1 < len;) {
        char one[32];
        size_t m = strcspn(p, ",");
        snprintf(one, sizeof one, "%.*s", (int)(m < sizeof one ? m : sizeof one - 1), p);
        const char *words = hub_case_reason_words(one);
        int n = snprintf(out + used, len - used, "%s%s", used ? "; " : "", words ? words : one);
        used = n < 0 ? len : used + (size_t)n;
        p += m;
        if (*p == ',')
            p++;
    }
}

/* True when `id` is one of the comma-separated `list`. */
static bool in_list(const char *list, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = list; n && *p;) {
        size_t m = strcspn(p, ",");
        if (m == n && !strncmp(p, id, n))
            return true;
        p += m + (p[m] == ',');
    }
    return false;
}

/* The string member `key` of o into dst: required or not, at most
 * max_chars characters of valid UTF-8 without control characters but
 * newlines and tabs. false and why otherwise. */
static bool text_of(const cJSON *o, const char *key, bool required, size_t max_chars, char *dst,
                    size_t dstlen, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    dst[0] = '\0';
    if (!v || cJSON_IsNull(v)) {
        if (required)
            snprintf(err, errlen, "%s: required", key);
        return !required;
    }
    const char *s = cJSON_GetStringValue(v);
    if (!s) {
        snprintf(err, errlen, "%s: must be a string", key);
        return false;
    }
    size_t len = strlen(s);
    if (!am_utf8_valid(s, len) || am_utf8_count(s) > max_chars || len >= dstlen) {
        snprintf(err, errlen, "%s: must be UTF-8 of at most %zu characters", key, max_chars);
        return false;
    }
    for (const char *c = s; *c; c++) {
        if ((unsigned char)*c < 0x20 && *c != '\n' && *c != '\t') {
            snprintf(err, errlen, "%s: no control characters", key);
            return false;
        }
    }
    if (required && strspn(s, " \n\t") == len) {
        snprintf(err, errlen, "%s: must not be empty", key);
        return false;
    }
    memcpy(dst, s, len + 1);
    return true;
}

bool hub_case_action_parse(const char *body, size_t len, const char *root_causes,
                           hub_case_action *out, char *err, size_t errlen)
{
    bool ok = false;
    memset(out, 0, sizeof *out);
    cJSON *o = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(o)) {
        snprintf(err, errlen, "the body must be a JSON object such as {\"type\":\"ack\"}");
        goto out;
    }
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "type"));
    int t = 0;
    while (type && t < HUB_CASE_EV_EVENT_COUNT && strcmp(type, event_names[t]))
        t++;
    if (!type || t == HUB_CASE_EV_EVENT_COUNT) {
        snprintf(err, errlen,
                 "type: must be ack, assign, note, priority, resolve, unresolved or reopen");
        goto out;
    }
    out->type = (hub_case_event)t;
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(o, "version");
    if (version) {
        if (!cJSON_IsNumber(version) || version->valuedouble < 1 ||
            version->valuedouble > 9007199254740991.0 ||
            version->valuedouble != (double)(int64_t)version->valuedouble) {
            snprintf(err, errlen, "version: must be the case's version, a whole number");
            goto out;
        }
        out->version = (int64_t)version->valuedouble;
    }
    switch (out->type) {
    case HUB_CASE_EV_ACK:
        break;
    case HUB_CASE_EV_ASSIGN:
        if (!text_of(o, "person", true, sizeof out->person - 1, out->person, sizeof out->person,
                     err, errlen))
            goto out;
        if (!am_proto_kiosk_id_valid(out->person)) {
            snprintf(err, errlen, "person: not a person's name");
            goto out;
        }
        break;
    case HUB_CASE_EV_NOTE:
        if (!text_of(o, "text", true, HUB_CASE_TEXT_MAX, out->text, sizeof out->text, err, errlen))
            goto out;
        break;
    case HUB_CASE_EV_PRIORITY:
        if (!text_of(o, "priority", true, 7, out->priority, sizeof out->priority, err, errlen))
            goto out;
        if (strcmp(out->priority, "urgent") && strcmp(out->priority, "normal")) {
            snprintf(err, errlen, "priority: must be urgent or normal");
            goto out;
        }
        break;
    case HUB_CASE_EV_RESOLVE:
        if (!text_of(o, "root_cause", true, 32, out->root_cause, sizeof out->root_cause, err,
                     errlen))
            goto out;
        if (!in_list(root_causes, out->root_cause)) {
            snprintf(err, errlen, "root_cause: must be one of %s", root_causes);
            goto out;
        }
        if (!text_of(o, "action", true, HUB_CASE_TEXT_MAX, out->text, sizeof out->text, err,
                     errlen) ||
            !text_of(o, "guest_message", false, HUB_CASE_TEXT_MAX, out->guest_message,
                     sizeof out->guest_message, err, errlen))
            goto out;
        break;
    case HUB_CASE_EV_UNRESOLVED:
    case HUB_CASE_EV_REOPEN:
    case HUB_CASE_EV_EVENT_COUNT:
    default:
        if (!text_of(o, "reason", true, HUB_CASE_TEXT_MAX, out->text, sizeof out->text, err,
                     errlen))
            goto out;
        break;
    }
    ok = true;
out:
    cJSON_Delete(o);
    return ok;
}

am_rc hub_case_work(hub_db *db, const char *action, const cJSON *c, const hub_case_action *a,
                    const hub_case_actor *who, int64_t now_ms, hub_case_outcome *out,
                    bool *bad_person)
{
    *bad_person = false;
    memset(out, 0, sizeof *out);
    if (a->type == HUB_CASE_EV_ASSIGN) {
        hub_person p;
        am_rc rc = hub_db_person_get(db, a->person, &p);
        if (rc && rc != AM_ERR_NOTFOUND)
            return rc;
        const char *site = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "site"));
        if (rc || !hub_allowed(&p, action, site) || !hub_case_visible(&p, c)) {
            *bad_person = true;
            return AM_OK;
        }
    }
    int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "id"));
    return hub_db_case_act(db, id, a, who, now_ms, out);
}
