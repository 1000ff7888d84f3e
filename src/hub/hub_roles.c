/* hub_roles.c — the role table. Keep docs/hub.md#roles in step: a test
 * compares them. */
#include "hub_roles.h"

#include <string.h>

#define NO     HUB_ACCESS_NO
#define OWN    HUB_ACCESS_OWN
#define HIDDEN HUB_ACCESS_HIDDEN
#define ANY    HUB_ACCESS_ANY

/*                                              admin manager staff   viewer */
const hub_action hub_actions[] = {
    {"GET /v1/me", {ANY, ANY, ANY, ANY}},
    {"POST /v1/login-link", {ANY, ANY, ANY, ANY}},
    {"GET /v1/kiosks", {ANY, OWN, OWN, OWN}},
    {"GET /v1/kiosks/{id}/ingest-log", {ANY, OWN, NO, OWN}},
    {"GET /v1/feedback", {ANY, OWN, NO, HIDDEN}},
    {"GET /v1/followups", {ANY, OWN, NO, NO}},
    {"GET /v1/alerts", {ANY, OWN, OWN, OWN}},
    {"POST /v1/alerts/{id}/ack", {ANY, OWN, OWN, NO}},
    {"GET /v1/vouchers/{code}", {ANY, OWN, OWN, NO}},
    {"POST /v1/vouchers/{code}/redeem", {ANY, OWN, OWN, NO}},
    {"GET /v1/audit", {ANY, OWN, NO, NO}},
    {"GET /v1/cases", {ANY, OWN, OWN, OWN}},
    {"GET /v1/cases/{id}", {ANY, OWN, OWN, HIDDEN}},
    {"POST /v1/cases/{id}/events", {ANY, OWN, OWN, NO}},
    {"GET /v1/trends", {ANY, OWN, NO, OWN}},
    {"GET /v1/notifications", {ANY, OWN, NO, NO}},
    {"POST /v1/notifications/{id}/retry", {ANY, OWN, NO, NO}},
    {"GET /", {ANY, OWN, HIDDEN, HIDDEN}},
    {"GET /kiosks/{id}", {ANY, OWN, NO, OWN}},
    {"POST /alerts/{id}/ack", {ANY, OWN, OWN, NO}},
    {"GET /cases/{id}", {ANY, OWN, OWN, HIDDEN}},
    {"POST /cases/{id}/events", {ANY, OWN, OWN, NO}},
    {"GET /trends", {ANY, OWN, NO, OWN}},
    {"GET /audit", {ANY, OWN, NO, NO}},
    {"GET /notifications", {ANY, OWN, NO, NO}},
    {"POST /notifications/{id}/retry", {ANY, OWN, NO, NO}},
    {"GET /vouchers", {ANY, OWN, OWN, NO}},
    {"POST /vouchers/redeem", {ANY, OWN, OWN, NO}},
    {"POST /logout", {ANY, ANY, ANY, ANY}},
    {"POST /logout/everywhere", {ANY, ANY, ANY, ANY}},
    {"GET /people", {ANY, OWN, NO, NO}},
    {"POST /people", {ANY, OWN, NO, NO}},
    {"POST /people/{name}/role", {ANY, OWN, NO, NO}},
    {"POST /people/{name}/password-link", {ANY, OWN, NO, NO}},
    {"POST /people/{name}/remove", {ANY, OWN, NO, NO}},
};
const size_t hub_action_count = sizeof hub_actions / sizeof hub_actions[0];

static const char *const role_names[HUB_ROLE_COUNT] = {"admin", "manager", "staff", "viewer"};

const char *hub_role_name(hub_role r)
{
    return r < HUB_ROLE_COUNT ? role_names[r] : "?";
}

int hub_role_parse(const char *name, hub_role *out)
{
    for (int i = 0; i < HUB_ROLE_COUNT; i++) {
        if (name && !strcmp(name, role_names[i])) {
            *out = (hub_role)i;
            return 0;
        }
    }
    return -1;
}

const char *hub_access_name(hub_access a)
{
    switch (a) {
    case HUB_ACCESS_OWN:
        return "own sites";
    case HUB_ACCESS_HIDDEN:
        return "own sites, hidden";
    case HUB_ACCESS_ANY:
        return "every site";
    case HUB_ACCESS_NO:
    default:
        return "no";
    }
}

hub_access hub_access_of(const hub_person *p, const char *action)
{
    if (!p || p->role >= HUB_ROLE_COUNT)
        return HUB_ACCESS_NO;
    for (size_t i = 0; i < hub_action_count; i++) {
        if (!strcmp(hub_actions[i].name, action))
            return hub_actions[i].access[p->role];
    }
    return HUB_ACCESS_NO;
}

bool hub_person_at(const hub_person *p, const char *site)
{
    if (p->role == HUB_ROLE_ADMIN)
        return true;
    for (size_t i = 0; site && i < p->nsites; i++) {
        if (!strcmp(p->sites[i], site))
            return true;
    }
    return false;
}

bool hub_allowed(const hub_person *p, const char *action, const char *site)
{
    hub_access a = hub_access_of(p, action);
    if (a == HUB_ACCESS_NO)
        return false;
    if (a == HUB_ACCESS_ANY || !site)
        return true;
    return hub_person_at(p, site);
}

const char *const hub_personal_fields[] = {"first_name", "contact",         "description",
                                           "comment",    "resolution_text", NULL};

void hub_hide_personal(cJSON *rows)
{
    cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        for (const char *const *f = hub_personal_fields; *f; f++) {
            if (cJSON_GetObjectItemCaseSensitive(row, *f))
                cJSON_ReplaceItemInObjectCaseSensitive(row, *f, cJSON_CreateString("hidden"));
        }
    }
}

void hub_keep_own_kiosks(cJSON *kiosks, const hub_person *p)
{
    cJSON *k = kiosks ? kiosks->child : NULL;
    while (k) {
        cJSON *next = k->next;
        const char *site = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "site"));
        if (!hub_person_at(p, site))
            cJSON_Delete(cJSON_DetachItemViaPointer(kiosks, k));
        k = next;
    }
}
