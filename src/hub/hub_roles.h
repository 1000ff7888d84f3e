/* hub_roles.h — who may do what: people, their role and scope, and the one
 * table of every API endpoint and dashboard action with what each role may
 * do there.
 *
 * The table (hub_actions) is what the server and the dashboard enforce and
 * what docs/hub.md shows; a test reads the doc's table, compares it with
 * this one, and walks every row with every role inside and outside its
 * sites. An action missing from the table is refused to everyone.
 */
#ifndef AMENDS_HUB_ROLES_H
#define AMENDS_HUB_ROLES_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "amends/proto.h"

typedef enum hub_role {
    HUB_ROLE_ADMIN,   /* everything, every site; people, sites, kiosks */
    HUB_ROLE_MANAGER, /* everything for their sites; people of their sites, not admins */
    HUB_ROLE_STAFF,   /* their teams' work at their sites; vouchers; no personal data */
    HUB_ROLE_VIEWER,  /* read-only, their sites, personal data hidden */
    HUB_ROLE_COUNT
} hub_role;

/* "admin", "manager", "staff", "viewer". */
const char *hub_role_name(hub_role r);
/* 0 and the role for one of those names, -1 otherwise. */
int hub_role_parse(const char *name, hub_role *out);

/* What a role may do with an action. */
typedef enum hub_access {
    HUB_ACCESS_NO = 0, /* refused (403) */
    HUB_ACCESS_OWN,    /* for their own sites only; elsewhere 403 */
    HUB_ACCESS_HIDDEN, /* their own sites, guests' personal data shown as "hidden" */
    HUB_ACCESS_ANY,    /* every site */
} hub_access;

/* The words the docs table uses: "no", "own sites", "own sites, hidden",
 * "every site". */
const char *hub_access_name(hub_access a);

typedef struct hub_action {
    const char *name; /* "GET /v1/feedback", "POST /alerts/{id}/ack" */
    hub_access access[HUB_ROLE_COUNT];
} hub_action;

extern const hub_action hub_actions[];
extern const size_t hub_action_count;

#define HUB_SCOPE_MAX 16 /* sites, and teams, one person may have */
#define HUB_NAME_MAX  AM_KIOSK_ID_MAX

/* A signed-in person (or an API token's owner): name, role and scope. A
 * staff member's sites include the sites of their teams. */
typedef struct hub_person {
    char name[HUB_NAME_MAX];
    hub_role role;
    size_t nsites, nteams;
    char sites[HUB_SCOPE_MAX][AM_KIOSK_ID_MAX];
    struct {
        char site[AM_KIOSK_ID_MAX];
        char team[AM_KIOSK_ID_MAX];
    } teams[HUB_SCOPE_MAX];
} hub_person;

/* What `p` may do with the action named `action` (HUB_ACCESS_NO for an
 * action not in the table). */
hub_access hub_access_of(const hub_person *p, const char *action);

/* True when `site` is one of p's sites, or p is an admin. */
bool hub_person_at(const hub_person *p, const char *site);

/* True when the action is allowed for p at `site` (NULL: "not about one
 * site", such as a list the caller filters to p's sites). */
bool hub_allowed(const hub_person *p, const char *action, const char *site);

/* The fields of a report that are a guest's personal data: their name,
 * contact and the free text they typed. NULL-terminated. */
extern const char *const hub_personal_fields[];
/* Replaces each personal field of every object in `rows` (an array) by
 * "hidden": what a role with HUB_ACCESS_HIDDEN gets. */
void hub_hide_personal(cJSON *rows);
/* Drops from `kiosks` (the fleet list, each with its "site") the kiosks
 * that are not at one of p's sites. */
void hub_keep_own_kiosks(cJSON *kiosks, const hub_person *p);

#endif
