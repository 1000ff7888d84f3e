/* hub_case.h — cases: every guest's report that needs action, owned until
 * it is put right.
 *
 * A journey that needs action (the guest asked for staff now, a severe
 * impact, a resolution whose action is notify, callback or staff_now, an
 * offer escalated over budget, a rating at or below [cases] low_rating)
 * opens exactly one case when the hub stores it, in the same transaction:
 * the case is keyed by (kiosk, journey), so a repeated batch, a record sent
 * again, the alerts of the journey and its report (in whatever order and
 * batches they come) all find the one case. An alert raised outside any
 * journey is a case of its own, keyed by the alert's id. Each alert points
 * at its case (alerts.case_id).
 *
 * A case has a short code a guest can read and type (HUB_CASE_CODE_MAX),
 * unique per site: the site's prefix, a dash and four characters of an
 * alphabet without look-alikes (no 0 O 1 I L U).
 *
 * Everything that happens to a case is a row of case_events (who, when,
 * through what, the type, the value before and after, a detail): what the
 * case page's timeline shows and what notifications and follow-ups join.
 * No guest's words, name or contact go into an event.
 */
#ifndef AMENDS_HUB_CASE_H
#define AMENDS_HUB_CASE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"
#include "amends/proto.h"
#include "hub_roles.h"

typedef struct hub_db hub_db;

#define HUB_CASE_CODE_MAX 16 /* bytes, NUL included: "HV-7K2M" */

/* The states, in the order a case goes through them. */
typedef enum hub_case_state {
    HUB_CASE_OPEN = 0,
    HUB_CASE_ACKNOWLEDGED,
    HUB_CASE_IN_PROGRESS,
    HUB_CASE_RESOLVED,
    HUB_CASE_UNRESOLVED,
    HUB_CASE_STATE_COUNT
} hub_case_state;
/* "open", "acknowledged", "in_progress", "resolved", "unresolved". */
const char *hub_case_state_name(hub_case_state s);
/* 0 and the state for one of those names, -1 otherwise. */
int hub_case_state_parse(const char *name, hub_case_state *out);

/* Deadlines when no site sets its own: to acknowledge and to resolve, from
 * the case's opening. */
#define HUB_CASE_URGENT_ACK_MS     (INT64_C(5) * 60 * 1000)
#define HUB_CASE_URGENT_RESOLVE_MS (INT64_C(2) * 3600 * 1000)
#define HUB_CASE_NORMAL_ACK_MS     (INT64_C(4) * 3600 * 1000)
#define HUB_CASE_NORMAL_RESOLVE_MS (INT64_C(48) * 3600 * 1000)

/* True for a case code: 1 to 15 of A-Z 0-9 and '-', starting with a
 * letter or digit. */
bool hub_case_code_valid(const char *code);
/* The site's code prefix: the initials of its first two words when its id
 * has several ("harbour-view" -> "HV"), else its first two letters or
 * digits ("harbour" -> "HA"), upper case; "C" when it has none. */
void hub_case_code_prefix(const char *site, char *out, size_t len);
/* A new code for the site: PREFIX-XXXX, four random characters of the
 * alphabet. */
void hub_case_code_new(const char *site, char *out, size_t len);

typedef struct hub_case_filter {
    const char *site;        /* NULL: any */
    const char *team;        /* NULL: any */
    const char *state;       /* a state's name, "active" (not resolved or unresolved); NULL: any */
    const char *code;        /* NULL: any */
    bool overdue_only;       /* past a deadline it has not met */
    int64_t since_ms;        /* opened at or after; 0: any */
    int64_t now_ms;          /* what "overdue" is measured against */
    int limit;               /* rows at most */
    const hub_person *scope; /* only what this person may see (NULL: all) */
} hub_case_filter;

/* The kiosk's urgent cases not yet closed, newest first, at most 8, for its
 * ingest answer: [{"code","journey","state","by","team"}], "by" the name of
 * the person who last acknowledged or took it (null before), "team" the
 * case's team's name (null without one). No guest data. */
am_rc hub_db_kiosk_cases(hub_db *db, const char *kiosk, cJSON **out);
/* Cases, newest first: [{"id","code","site","kiosk","journey","state",
 * "priority","team","assignee","reasons","category","severity",
 * "location","resolution","opened_at","acknowledged_at","resolved_at",
 * "ack_due","resolve_due","escalation","root_cause","corrective_action",
 * "guest_message","updated_at","version","overdue"}...]. A scope keeps the cases at
 * the person's sites, and for staff those of their teams or of no team. */
am_rc hub_db_cases(hub_db *db, const hub_case_filter *f, cJSON **out);

/* One case by its id (digits) or its code, as hub_db_cases shows it, with
 * "alerts", "report" (the guest's report, null until it arrives) and
 * "timeline" (its events, oldest first: {"seq","at","actor","via","type",
 * "before","after","detail"}). AM_ERR_NOTFOUND when there is none. The
 * caller checks the person may see it (hub_case_visible). */
am_rc hub_db_case_get(hub_db *db, const char *id_or_code, int64_t now_ms, cJSON **out);

/* True when p may see the case (an object from hub_db_cases or
 * hub_db_case_get) under `access`: at their sites and, for staff, of
 * their teams or of no team. */
bool hub_case_visible(const hub_person *p, const cJSON *c);

/* --- working a case ------------------------------------------------------------------- */

/* What a person does to a case (POST /v1/cases/{id}/events). */
typedef enum hub_case_event {
    HUB_CASE_EV_ACK = 0,    /* open -> acknowledged */
    HUB_CASE_EV_ASSIGN,     /* to a person who may work it; -> in_progress */
    HUB_CASE_EV_NOTE,       /* a note, in any state */
    HUB_CASE_EV_PRIORITY,   /* urgent or normal; the deadlines follow */
    HUB_CASE_EV_RESOLVE,    /* -> resolved, with a root cause and the action taken */
    HUB_CASE_EV_UNRESOLVED, /* -> unresolved, with why */
    HUB_CASE_EV_REOPEN,     /* resolved or unresolved -> open, with why */
    HUB_CASE_EV_EVENT_COUNT
} hub_case_event;
/* "ack", "assign", "note", "priority", "resolve", "unresolved", "reopen". */
const char *hub_case_event_name(hub_case_event e);

/* Why a journey is a case, in words a manager reads: "severe" -> "severe
 * impact", "staff_now" -> "the guest asked for staff now"; NULL for a
 * reason this hub does not know. */
const char *hub_case_reason_words(const char *reason);
/* A case's comma-separated reasons in those words, joined by "; " (an
 * unknown reason as it is). */
void hub_case_reasons_text(const char *reasons, char *out, size_t len);

#define HUB_CASE_TEXT_MAX 1000 /* characters of a note, an action, a reason, a message */

typedef struct hub_case_action {
    hub_case_event type;
    char person[AM_KIOSK_ID_MAX]; /* assign */
    char priority[8];             /* priority: "urgent" or "normal" */
    char root_cause[33];          /* resolve: one of [cases] root_causes */
    char text[HUB_CASE_TEXT_MAX * 4 +
              1]; /* note; resolve's action; unresolved's and reopen's reason */
    char guest_message[HUB_CASE_TEXT_MAX * 4 + 1]; /* resolve: optional */
    int64_t version; /* the case's version the person saw; 0: not given */
} hub_case_action;

/* Reads an event from its JSON body: {"type":"ack"}, {"type":"assign",
 * "person":NAME}, {"type":"note","text":...}, {"type":"priority",
 * "priority":"urgent"|"normal"}, {"type":"resolve","root_cause":...,
 * "action":...,"guest_message":...}, {"type":"unresolved","reason":...},
 * {"type":"reopen","reason":...}, each with an optional "version".
 * root_causes is [cases] root_causes ("a,b,c"). false, and why in err
 * (naming the key), for anything else. */
bool hub_case_action_parse(const char *body, size_t len, const char *root_causes,
                           hub_case_action *out, char *err, size_t errlen);

/* Who acts, and through what: for the event and the audit trail. */
typedef struct hub_case_actor {
    const char *name;
    const char *via;     /* "api", "dashboard", "timer" */
    const char *address; /* the client's address; "local" for the hub itself */
} hub_case_actor;

typedef enum hub_case_verdict {
    HUB_CASE_DONE = 0, /* done: the event is on the timeline and in the audit trail */
    HUB_CASE_UNFIT,    /* the event does not fit the case's state: nothing done */
    HUB_CASE_CONFLICT, /* someone changed the case first: nothing done */
} hub_case_verdict;

typedef struct hub_case_outcome {
    hub_case_verdict verdict;
    char state[16];  /* the case's state now */
    int64_t version; /* and its version */
    /* The last event before this one (what the other person did). */
    char last_actor[AM_KIOSK_ID_MAX];
    char last_type[16];
    int64_t last_at;
} hub_case_outcome;

/* Applies a to the case `id` in one transaction with its event and its
 * audit entry: the case changes only if it is still at the version read
 * (and at a.version, when given), so of two people acting at once one wins
 * and the other gets HUB_CASE_CONFLICT with what the winner did. */
am_rc hub_db_case_act(hub_db *db, int64_t id, const hub_case_action *a, const hub_case_actor *who,
                      int64_t now_ms, hub_case_outcome *out);

/* The one way a person works a case, for the API and the dashboard alike:
 * a (from hub_case_action_parse) applied to the case c (as hub_db_case_get
 * gives it) by who, the role table's `action` naming what is done. An
 * assign goes only to someone who may work the case (staff of its team or
 * of no team at its site, or a manager or admin of the site): else AM_OK
 * with *bad_person true and nothing done. Other answers as
 * hub_db_case_act. */
am_rc hub_case_work(hub_db *db, const char *action, const cJSON *c, const hub_case_action *a,
                    const hub_case_actor *who, int64_t now_ms, hub_case_outcome *out,
                    bool *bad_person);

/* The case an alert belongs to: AM_ERR_NOTFOUND for an unknown alert (or
 * one in no case). */
am_rc hub_db_alert_case(hub_db *db, const char *alert, int64_t *case_id);

/* --- routing -------------------------------------------------------------------------- */

/* A routing rule of a site: a case whose category, resolution (the fix the
 * guest chose), severity, location (a glob such as "Room 2*", any case)
 * and kiosk match the rule's (each "" matches anything) goes to `team`,
 * with `priority` ("urgent", "normal"; "" keeps the one its reasons give).
 * A site's rules are tried in order; the first that matches wins; none:
 * the site's default team, or no team. */
typedef struct hub_case_route {
    char category[33];
    char resolution[33];
    char severity[16];
    char location[64];
    char kiosk[AM_KIOSK_ID_MAX];
    char team[AM_KIOSK_ID_MAX];
    char priority[8];
} hub_case_route;

/* Adds a rule after the site's others; *position gets its number (from 1).
 * AM_ERR_NOTFOUND (err says which) for an unknown site or team. */
am_rc hub_db_route_add(hub_db *db, const char *site, const hub_case_route *r, int64_t now_ms,
                       int *position, char *err, size_t errlen);
/* The site's default team. AM_ERR_NOTFOUND for an unknown site or team. */
am_rc hub_db_route_default(hub_db *db, const char *site, const char *team, char *err,
                           size_t errlen);
/* The site's deadlines for a priority, in ms. AM_ERR_NOTFOUND for an
 * unknown site. */
am_rc hub_db_route_deadline(hub_db *db, const char *site, const char *priority, int64_t ack_ms,
                            int64_t resolve_ms, char *err, size_t errlen);
/* {"routes": [{"site","position","category","resolution","severity",
 * "location","kiosk","team","priority"}...] by site and position,
 * "sites": [{"site","default_team","urgent_ack_ms","urgent_resolve_ms",
 * "normal_ack_ms","normal_resolve_ms"}...]} (null: the hub's default). */
am_rc hub_db_routes(hub_db *db, cJSON **out);

/* --- escalation ----------------------------------------------------------------------- */

/* Escalates, one level, each case past a deadline it has not met: level 1
 * (its team) when it is open past its acknowledge deadline, level 2 (the
 * site's managers) when it is past its resolve deadline and already at 1.
 * Each step is a conditional update in its own transaction with its
 * `escalated` event, so that of several hubs sharing the database exactly
 * one takes it; *escalated counts this call's steps, *lost the steps
 * another hub took first. A reopened case starts again at 0. */
am_rc hub_db_cases_escalate(hub_db *db, int64_t now_ms, int *escalated, int *lost);

/* A thread that runs hub_db_cases_escalate every every_s seconds, the
 * first time at once, until stopped. */
typedef struct hub_case_timer hub_case_timer;
am_rc hub_case_timer_start(hub_db *db, int every_s, hub_case_timer **out);
void hub_case_timer_stop(hub_case_timer *t); /* waits for it; accepts NULL */

/* `amends-hub route ARGS...` (argv after "route"): the exit status. */
int hub_cli_route(const char *config_path, int argc, char **argv);

/* For hub_db_cases.c, inside a transaction on conn: where a new case goes
 * (its site's rules, default team and deadlines; urgent: what its reasons
 * say), and a site's deadlines for a priority. */
typedef struct hub_case_where {
    const char *site, *kiosk, *category, *severity, *location, *resolution;
} hub_case_where;
typedef struct hub_case_routing {
    char team[AM_KIOSK_ID_MAX]; /* "" for none */
    char priority[8];
    int64_t ack_ms, resolve_ms; /* from the opening */
    char detail[160];           /* which rule, for the timeline */
} hub_case_routing;
am_rc hub_cases_route(hub_db *db, void *conn, const hub_case_where *w, bool urgent,
                      hub_case_routing *out);
am_rc hub_cases_deadlines(hub_db *db, void *conn, const char *site, bool urgent, int64_t *ack_ms,
                          int64_t *resolve_ms);

/* For hub_db_ingest, inside its transaction on conn: opens or finds the
 * case of each record of b that resp answers "stored" and that needs
 * one, and files the journey's other records with it. low_rating:
 * [cases] low_rating. */
am_rc hub_cases_ingest(hub_db *db, void *conn, const am_proto_batch *b,
                       const am_proto_response *resp, int low_rating, int64_t now_ms);

/* Gives every case without a code (those an upgrade made from open
 * alerts) one. Run when the database is opened. */
am_rc hub_db_cases_backfill(hub_db *db);

#endif
