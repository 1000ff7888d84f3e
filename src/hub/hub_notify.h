/* hub_notify.h — notifications: telling the people who can act, where they
 * already are, that a case needs them.
 *
 * Each site has destinations (table `destinations`, migration 12) of four
 * kinds: email, webhook (Standard Webhooks v1, signed with a whsec_ secret
 * made per destination), slack (an incoming-webhook URL) and teams (a
 * Workflows webhook URL). Each names the events it wants and, optionally,
 * one team (none: every team of the site).
 *
 * A message is a row of `outbox`, written in the transaction of the event
 * that causes it (a case opened, overdue, reopened, resolved): the two are
 * stored together or not at all. A dispatcher thread in each hub claims due
 * rows (PostgreSQL: FOR UPDATE SKIP LOCKED and a lease, so several hubs
 * deliver each message once), sends them outside any transaction, and
 * records the answer: sent, a retry later (full-jitter backoff, Retry-After
 * honoured), or dead after [notify] max_attempts. A 410 disables the
 * destination. The outbox id is the message's stable id (webhook-id): a
 * message sent again after a crash carries the same one.
 *
 * What a message holds comes from ids, codes, the case's category, impact,
 * location and the fix the guest chose; the guest's words and first name
 * only where the site turns include_guest_text on; a contact never.
 */
#ifndef AMENDS_HUB_NOTIFY_H
#define AMENDS_HUB_NOTIFY_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/config.h"
#include "amends/error.h"
#include "amends/webhook.h"
#include "hub_config.h"

typedef struct hub_db hub_db;
typedef struct hub_audit_entry hub_audit_entry;

/* --- events and kinds ------------------------------------------------------------------- */

/* An event a destination may ask for: its name ("case.opened") and what
 * it means in words. docs/hub.md lists them; a test compares the lists. */
typedef struct hub_notify_event {
    const char *name;
    const char *label;
} hub_notify_event;
/* Every event; ends with {NULL, NULL}. */
extern const hub_notify_event hub_notify_events[];
bool hub_notify_event_known(const char *name);

/* "email", "webhook", "slack", "teams"; ends with NULL. */
extern const char *const hub_notify_kinds[];
bool hub_notify_kind_known(const char *kind);

#define HUB_DEST_ID_MAX     24   /* "dst_" and 16 characters */
#define HUB_MSG_ID_MAX      32   /* "msg_" and 24 characters */
#define HUB_DEST_TARGET_MAX 1024 /* a URL, or addresses separated by commas */
#define HUB_DEST_EVENTS_MAX 256

/* Checks `to` for a destination of `kind`: an https:// URL for webhook,
 * slack and teams (http:// only to 127.0.0.1, [::1] or localhost, and only
 * with allow_plain_loopback); one or more addresses for email. AM_OK, or
 * AM_ERR_INVALID with err saying what is wrong. */
am_rc hub_notify_target_check(const char *kind, const char *to, bool allow_plain_loopback,
                              char *err, size_t errlen);
/* A comma-separated list of event names (NULL or "": every case event)
 * written as "a,b" into out. AM_ERR_INVALID with err naming an unknown one. */
am_rc hub_notify_events_parse(const char *list, char *out, size_t outlen, char *err, size_t errlen);

/* --- destinations -------------------------------------------------------------------------- */

typedef struct hub_destination {
    char id[HUB_DEST_ID_MAX];
    char site[AM_KIOSK_ID_MAX];
    char kind[16];
    char target[HUB_DEST_TARGET_MAX];
    char team[AM_KIOSK_ID_MAX]; /* "" : every team */
    char events[HUB_DEST_EVENTS_MAX];
    char secret[AM_WEBHOOK_SECRET_MAX]; /* webhooks only; "" otherwise */
    bool disabled;
} hub_destination;

/* Stores d (its id and, for a webhook, its secret are made here and
 * written back into d). AM_ERR_NOTFOUND when the site (or the team at the
 * site) does not exist. */
am_rc hub_db_destination_add(hub_db *db, hub_destination *d, int64_t now_ms,
                             const hub_audit_entry *audit, char *err, size_t errlen);
/* AM_ERR_NOTFOUND for an unknown id. Its messages not yet sent are dead
 * ("destination removed"). */
am_rc hub_db_destination_remove(hub_db *db, const char *id, const hub_audit_entry *audit, char *err,
                                size_t errlen);
/* [...] of the destinations (of `site`; NULL: all), without secrets. */
am_rc hub_db_destinations(hub_db *db, const char *site, cJSON **out);
/* One destination, its secret included. AM_ERR_NOTFOUND when unknown. */
am_rc hub_db_destination_get(hub_db *db, const char *id, hub_destination *d);

/* What a site sends: normal cases' case.opened (on by default), and the
 * guest's words and first name in messages (off by default). NULL leaves
 * one as it is. AM_ERR_NOTFOUND for an unknown site. */
am_rc hub_db_notify_site_set(hub_db *db, const char *site, const bool *normal_cases,
                             const bool *guest_text, const hub_audit_entry *audit, char *err,
                             size_t errlen);

/* --- the outbox ------------------------------------------------------------------------------- */

/* Inside the transaction open on conn: writes one message per destination
 * of the case's site that wants `event` and serves its team. For
 * case.opened, a normal case is told only where the site sends normal
 * cases; `level` is the escalation level reached (case.overdue: 1 the
 * team, 2 the site's managers, whose destinations are those of no team). */
am_rc hub_notify_case(hub_db *db, void *conn, int64_t case_id, const char *event, int level,
                      int64_t now_ms);

/* A message claimed for sending. */
typedef struct hub_outbox_msg {
    char id[HUB_MSG_ID_MAX];
    char event[32];
    int attempts;  /* this one included */
    char *payload; /* caller frees */
    hub_destination dest;
} hub_outbox_msg;

/* Claims at most max due messages (pending and due, or sending with an
 * expired lease) for `hub_id` until now + lease_ms. *n claimed. */
am_rc hub_db_outbox_claim(hub_db *db, const char *hub_id, int64_t now_ms, int64_t lease_ms,
                          hub_outbox_msg *out, int max, int *n);
/* What became of a send: state "sent", "pending" (again at next_at) or
 * "dead"; error NULL on success. disable_reason (NULL: no) disables the
 * destination; uncount: the claim was no attempt (nothing was sent). Only
 * while the claim is still hub_id's. */
am_rc hub_db_outbox_finish(hub_db *db, const char *id, const char *hub_id, const char *state,
                           int64_t next_at, const char *error, int64_t now_ms, const char *dest_id,
                           const char *disable_reason, bool uncount);
/* The site of message `id` and its state ("dead", ...); whether its
 * destination still exists, and why it was turned off ("" when it is on:
 * a receiver that answered 410 Gone turns it off). AM_ERR_NOTFOUND for an
 * unknown id. */
am_rc hub_db_outbox_site(hub_db *db, const char *id, char *site, size_t sitelen, char *state,
                         size_t statelen, bool *has_destination, char *disabled,
                         size_t disabledlen);
/* A dead message pending again, due now, attempts counted from 0, with
 * the audit entry. AM_ERR_INVALID when it is not dead (any more) or its
 * destination is turned off: the dispatcher would never send it. */
am_rc hub_db_outbox_retry(hub_db *db, const char *id, int64_t now_ms, const hub_audit_entry *audit);
/* {"sites": [{"site", "pending", "sending", "sent", "dead"}...], "dead":
 * [{"id", "site", "destination", "kind", "event", "attempts", "last_error",
 * "created_at"}...]} of the sites in `sites` (NULL: all). */
am_rc hub_db_notifications(hub_db *db, const char *const *sites, int nsites, cJSON **out);

/* --- sending ------------------------------------------------------------------------------------
 */

/* The request body for a destination of `kind` from a stored payload, the
 * link to the case made with public_url; caller frees. NULL for email or
 * when out of memory. */
char *hub_notify_render(const char *kind, const char *payload, const char *public_url,
                        int64_t now_ms);
/* The plain text of a message, for email. Caller frees. */
char *hub_notify_text(const char *payload, const char *public_url, int64_t now_ms);

typedef enum hub_send_verdict {
    HUB_SENT = 0,
    HUB_SEND_AGAIN, /* transient: try again later */
    HUB_SEND_GONE,  /* 410: the receiver is gone for good */
    HUB_SEND_FAILED /* permanent for this message */
} hub_send_verdict;

typedef struct hub_send_result {
    hub_send_verdict verdict;
    long status;           /* HTTP status; 0 when none came */
    char answer[160];      /* the first line of the receiver's body */
    char error[300];       /* what went wrong, in words */
    int64_t retry_after_s; /* -1: the receiver said nothing */
    bool not_configured;   /* email on a hub without [smtp] url: nothing was tried */
} hub_send_result;

/* Sends one message to d now (webhook, slack, teams: HTTPS POST through
 * libcurl, TLS verified, no redirects, cfg's timeout; email through
 * hub_mail_send and [smtp], its Message-ID made from msg_id). Never inside
 * a transaction. */
void hub_notify_send(const hub_config *cfg, const hub_destination *d, const char *msg_id,
                     const char *event, const char *payload, hub_send_result *res);

/* When to try again after `attempts` sends: full jitter, a random wait up
 * to min(cap, base * 2^(attempts-1)), or Retry-After's when it said more. */
int64_t hub_notify_next_at(const hub_config *cfg, int attempts, int64_t retry_after_s,
                           int64_t now_ms);

/* `amends-hub destination ...` (hub_cli_notify.c); the exit status. */
int hub_cli_destination(const char *config_path, int argc, char **argv);

/* The dispatcher thread. */
typedef struct hub_notifier hub_notifier;
am_rc hub_notifier_start(hub_db *db, const hub_config *cfg, hub_notifier **out);
void hub_notifier_stop(hub_notifier *n); /* accepts NULL */

#endif
