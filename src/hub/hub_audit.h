/* hub_audit.h — the audit trail: who changed what, when, from where.
 *
 * Every change a person (through the manager API or the dashboard), an
 * operator (through the amends-hub command line) or the hub on a kiosk's
 * behalf makes is one row of the table `audit` (migration 7): when, who,
 * through what (api, dashboard, cli), from which address, the action (one
 * of hub_audit_actions), the site it concerns, what it is about, and the
 * value before and after where there is one. The trail is read-only: no
 * endpoint edits or deletes a row; rows older than [audit] retention_days
 * are purged.
 *
 * What goes in is made by the hub from ids, names of people, sites and
 * teams, states and times: never a guest's name, contact or words.
 * docs/hub.md lists the actions; a test compares that list with this one.
 */
#ifndef AMENDS_HUB_AUDIT_H
#define AMENDS_HUB_AUDIT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "amends/error.h"
#include "hub_roles.h"

typedef struct hub_db hub_db;

/* An action ("sign_in", "person.add", ...) and how the dashboard's audit
 * page names it ("Signed in", "Person added"). */
typedef struct hub_audit_action {
    const char *name;
    const char *label;
} hub_audit_action;
/* Every action, with its label; ends with {NULL, NULL}. */
extern const hub_audit_action hub_audit_actions[];
/* True when name is one of them. */
bool hub_audit_action_known(const char *name);
/* The action's label, or NULL for an action not in the list. */
const char *hub_audit_action_label(const char *name);

/* One change. Every string is borrowed; NULL for none (actor, via,
 * address and action are always given). */
typedef struct hub_audit_entry {
    int64_t at_ms;
    const char *actor;   /* a person's name, the operator's Unix account, or "" (unknown) */
    const char *via;     /* "api", "dashboard" or "cli" */
    const char *address; /* the client's IP address; "local" for the command line */
    const char *action;  /* one of hub_audit_actions */
    const char *site;    /* the site it concerns; NULL: not one site (admins only see it) */
    const char *target;  /* what it is about: a kiosk, person, site, alert or voucher */
    const char *before;  /* the value before, when there was one */
    const char *after;   /* the value after */
    const char *detail;  /* anything else worth knowing (how someone signed in) */
    /* A person the change is about: the entry is also filed under each of
     * their sites, as they are in the change's transaction (after it), so
     * that every site it concerns reads it; `site`, when NULL, becomes the
     * first of them. NULL: only `site`. */
    const char *person_sites;
} hub_audit_entry;

/* Stores e. AM_ERR_INVALID for an action not in the list. */
am_rc hub_db_audit_add(hub_db *db, const hub_audit_entry *e);

/* Stores e, logging (not returning) a failure: the change it records is
 * already made. The hub's handlers call this. */
void hub_audit(hub_db *db, const hub_audit_entry *e);

typedef struct hub_audit_filter {
    const char *site;   /* entries filed under this site (hub_audit_entry); NULL: any */
    const char *actor;  /* NULL: any */
    const char *action; /* NULL: any */
    int64_t since_ms;   /* at >= since; 0: any */
    int64_t until_ms;   /* at < until; 0: any */
    int64_t before_seq; /* seq < before (the next page); 0: from the newest */
    int limit;
    const hub_person *scope; /* only entries filed under one of this person's sites
                              * (NULL or admin: all) */
} hub_audit_filter;

/* The columns of an entry as hub_db_audit_list gives them, in order,
 * NULL-terminated (also the CSV header). */
extern const char *const hub_audit_columns[];

/* Entries newest first: [{"seq","at","actor","via","address","action",
 * "site","target","before","after","detail"}...], absent values null. */
am_rc hub_db_audit_list(hub_db *db, const hub_audit_filter *f, cJSON **out);

/* Deletes the entries older than before_ms; *removed (may be NULL) gets
 * how many. */
am_rc hub_db_audit_purge(hub_db *db, int64_t before_ms, int64_t *removed);

/* Purges what is older than retention_days before now_ms, logging what it
 * removed. For the hub's start and its periodic purge. */
am_rc hub_audit_purge_old(hub_db *db, int retention_days, int64_t now_ms);

#endif
