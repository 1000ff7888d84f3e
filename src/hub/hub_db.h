/* hub_db.h — the hub's storage: one interface, two backends.
 *
 * SQLite (embedded, the default) and PostgreSQL (libpq, for fleets and for
 * several hubs sharing one database) run the same SQL through a small
 * driver (hub_db_driver.h), so they behave the same. Every write that must
 * be all-or-nothing is one transaction; deduplication rests on primary keys
 * and INSERT ... ON CONFLICT DO NOTHING, never on check-then-insert, so
 * concurrent hubs cannot store a record twice.
 *
 * A hub_db is a pool of connections, safe to use from many threads at
 * once; each call borrows a connection for its duration.
 *
 * A call that changes something a person may want to know about takes
 * `audit` (hub_audit.h; NULL: not recorded): the entry is written in the
 * change's own transaction, so the two are committed together or not at
 * all, and a change whose entry cannot be written is not made. It is
 * written only when something changed.
 */
#ifndef AMENDS_HUB_DB_H
#define AMENDS_HUB_DB_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"
#include "amends/proto.h"
#include "amends/voucher.h"
#include "amends/webhook.h"
#include "hub_config.h"
#include "hub_roles.h"

typedef struct hub_db hub_db;
typedef struct hub_audit_entry hub_audit_entry; /* hub_audit.h */

/* Opens `connections` connections and creates or checks the schema. On
 * failure *out is NULL and err says what failed (never a password). */
am_rc hub_db_open(const hub_config *cfg, int connections, hub_db **out, char *err, size_t errlen);
void hub_db_close(hub_db *db); /* accepts NULL */

/* --- provisioning ------------------------------------------------------------ */

/* AM_ERR_INVALID when the id is taken, AM_ERR_NOTFOUND when there is no
 * site `site`. token_hash is lower-case hex. voucher_key (standard base64
 * of 32 bytes; NULL: none) is filed with the kiosk, in the same
 * transaction. */
am_rc hub_db_kiosk_add(hub_db *db, const char *id, const char *site, const char *token_hash,
                       const char *secret, const char *voucher_key, int64_t now_ms,
                       const hub_audit_entry *audit, char *err, size_t errlen);
/* An admin named `name` with one API token (what "manager add" made before
 * there were roles). AM_ERR_INVALID when the name is taken. */
am_rc hub_db_manager_add(hub_db *db, const char *name, const char *token_hash, int64_t now_ms,
                         const hub_audit_entry *audit, char *err, size_t errlen);
/* [...]: the fleet view, each kiosk with its site and the site's
 * timezone and currency ("" when the site has none set), when it was
 * disabled (null: enabled) and until when its previous credentials are
 * accepted (null: no rotation pending). */
am_rc hub_db_kiosks(hub_db *db, cJSON **out);

/* --- kiosk lifecycle ------------------------------------------------------- */

/* Gives the kiosk a new token (its hash) and secret; the current ones stay
 * accepted until prev_until_ms (ms since the epoch; a time not after now
 * refuses them at once). Credentials of an earlier rotation are forgotten.
 * AM_ERR_NOTFOUND (err says so) for an unknown kiosk. */
am_rc hub_db_kiosk_rotate(hub_db *db, const char *id, const char *token_hash, const char *secret,
                          int64_t prev_until_ms, const hub_audit_entry *audit, char *err,
                          size_t errlen);
/* Disables (disabled true) or enables a kiosk. Disabling a disabled kiosk
 * keeps its first time. AM_ERR_NOTFOUND for an unknown kiosk. */
am_rc hub_db_kiosk_disable(hub_db *db, const char *id, bool disabled, int64_t now_ms,
                           const hub_audit_entry *audit, char *err, size_t errlen);
/* Removes a disabled kiosk: its credentials go, what it sent (feedback,
 * alerts, vouchers, its voucher key, the ingest log) stays. AM_ERR_NOTFOUND
 * for an unknown kiosk, AM_ERR_INVALID (err says why) for one that is not
 * disabled. */
am_rc hub_db_kiosk_remove(hub_db *db, const char *id, const hub_audit_entry *audit, char *err,
                          size_t errlen);

/* --- sites and teams --------------------------------------------------------- */

/* A site: id as a kiosk id, a display name, an IANA zone (hub_tz.h) and an
 * ISO 4217 currency ("" for not set). AM_ERR_INVALID when the id is taken. */
am_rc hub_db_site_add(hub_db *db, const char *id, const char *name, const char *timezone,
                      const char *currency, int64_t now_ms, const hub_audit_entry *audit, char *err,
                      size_t errlen);
/* Changes what is not NULL. AM_ERR_NOTFOUND for an unknown site. */
am_rc hub_db_site_set(hub_db *db, const char *id, const char *name, const char *timezone,
                      const char *currency, const hub_audit_entry *audit, char *err, size_t errlen);
/* [{"id","name","timezone","currency","kiosks":N,"teams":[{"id","name"}...]}...] by id. */
am_rc hub_db_sites(hub_db *db, cJSON **out);
/* A team of a site. AM_ERR_NOTFOUND when there is no such site,
 * AM_ERR_INVALID when the site has the team already. */
am_rc hub_db_team_add(hub_db *db, const char *site, const char *id, const char *name,
                      int64_t now_ms, const hub_audit_entry *audit, char *err, size_t errlen);

/* --- people -------------------------------------------------------------------- */

/* A person with a role, scoped to `sites` and to `teams` ("SITE/TEAM"), in
 * one transaction. AM_ERR_INVALID (err says why) when the name is taken or
 * a site or team is unknown or given twice; nothing is stored then. */
am_rc hub_db_person_add(hub_db *db, const char *name, hub_role role, const char *const *sites,
                        size_t nsites, const char *const *teams, size_t nteams, int64_t now_ms,
                        const hub_audit_entry *audit, char *err, size_t errlen);
/* An API token (its SHA-256, hex) for a person. AM_ERR_NOTFOUND for an
 * unknown person. */
am_rc hub_db_token_add(hub_db *db, const char *person, const char *token_hash, int64_t now_ms,
                       const hub_audit_entry *audit, char *err, size_t errlen);
/* The person and their scope, or AM_ERR_NOTFOUND (also for a role this
 * hub does not know: it grants nothing). */
am_rc hub_db_person_get(hub_db *db, const char *name, hub_person *out);
/* The owner of an API token, as hub_db_person_get. */
am_rc hub_db_person_by_token(hub_db *db, const char *token_hash, hub_person *out);
/* Gives the person another role; their sites and teams stay.
 * AM_ERR_NOTFOUND (err says so) for an unknown person. */
am_rc hub_db_person_set_role(hub_db *db, const char *name, hub_role role,
                             const hub_audit_entry *audit, char *err, size_t errlen);
/* What `person set` changes: the role when has_role; the person's sites
 * (their whole-site scopes) when has_sites and their teams when has_teams,
 * each replaced by the list given. Borrowed. */
typedef struct hub_person_set {
    const char *name;
    bool has_role, has_sites, has_teams;
    hub_role role;
    const char *const *sites, *const *teams;
    size_t nsites, nteams;
} hub_person_set;
/* Changes a person's role and scope in one transaction with its audit entry
 * (target, before and after filled in here: "role=R; sites=..; teams=.."),
 * which is not stored when nothing changed (*changed false). An admin has
 * no sites or teams; anyone else at least one. AM_ERR_NOTFOUND for no such
 * person (or one removed), AM_ERR_INVALID (err says why) for a change
 * those rules refuse, an unknown site or team, or the last admin made
 * something else; nothing changes then. The caller decides who may. */
am_rc hub_db_person_set(hub_db *db, const hub_person_set *set, const hub_audit_entry *audit,
                        bool *changed, char *err, size_t errlen);
/* Ends a person's access, in one transaction with its audit entry: their
 * role becomes "removed" (the row stays, so the audit trail still names
 * them), their password, API tokens, sessions and set-password links are
 * deleted. AM_ERR_NOTFOUND for no such person (or removed already),
 * AM_ERR_INVALID for the last admin (err says so). */
am_rc hub_db_person_remove(hub_db *db, const char *name, const hub_audit_entry *audit, char *err,
                           size_t errlen);
/* [{"id","person","created_at"}]: the API tokens (of `person`; NULL: of
 * everyone). id is the first 12 hex digits of the token's SHA-256, never
 * the token. */
#define HUB_TOKEN_ID_LEN 12
am_rc hub_db_tokens(hub_db *db, const char *person, cJSON **out);
/* Deletes the API token whose id (hub_db_tokens) is `id`, with its audit
 * entry (its owner the target), in one transaction; *owner gets the owner.
 * AM_ERR_NOTFOUND for no such token. */
am_rc hub_db_token_revoke(hub_db *db, const char *id, const hub_audit_entry *audit, char *owner,
                          size_t ownerlen, char *err, size_t errlen);
/* [{"name","role","created_at","sites":[...],"teams":["SITE/TEAM"...]}] by name. */
am_rc hub_db_people(hub_db *db, cJSON **out);
/* The site of a kiosk, of an alert's kiosk; AM_ERR_NOTFOUND when unknown. */
am_rc hub_db_kiosk_site(hub_db *db, const char *kiosk, char *site, size_t len);
am_rc hub_db_alert_site(hub_db *db, const char *alert, char *site, size_t len);

/* --- authentication ---------------------------------------------------------- */

typedef struct hub_kiosk {
    char id[AM_KIOSK_ID_MAX];
    char token_hash[65]; /* the hash that matched: current or previous */
    char secret[AM_WEBHOOK_SECRET_MAX];
    char prev_secret[AM_WEBHOOK_SECRET_MAX]; /* "" unless a rotation's overlap is open */
    bool disabled;
} hub_kiosk;

/* AM_OK with the kiosk whose current token hashes to token_hash, or whose
 * previous one does while its overlap lasts (prev_until after now_ms), or
 * AM_ERR_NOTFOUND. During the overlap both secrets are given: a kiosk may
 * have one file changed and not yet the other. The hash is compared again
 * in constant time. A disabled kiosk is found, with `disabled` set. */
am_rc hub_db_kiosk_by_token(hub_db *db, const char *token_hash, int64_t now_ms, hub_kiosk *out);
/* AM_OK with the name of the person the API token belongs to, or
 * AM_ERR_NOTFOUND. */
am_rc hub_db_manager_by_token(hub_db *db, const char *token_hash, char *name, size_t namelen);

/* --- ingest ------------------------------------------------------------------ */

typedef struct hub_ingest_result {
    int status;            /* HTTP status of the response */
    char *body;            /* response body (malloc'd) */
    bool replayed;         /* the batch was seen before: this is the original response */
    bool webhook_replayed; /* the webhook-id came before with another body: nothing done */
    bool key_reused;       /* the batch UUID came before with another body: nothing done */
    size_t counts[AM_PROTO_STATUS_COUNT];
} hub_ingest_result;

/* Stores a decoded batch in one transaction: the request's webhook-id and
 * body_hash (hex SHA-256 of the raw body), the batch row (keyed by kiosk
 * and batch UUID, for Idempotency-Key), each valid record unless its UUID
 * is already kept, the heartbeat, the kiosk's last seen time and an
 * ingest-log line. Invalid records are answered rejected. A batch seen
 * before with the same body gets its original response, unchanged
 * (replayed), whether its webhook-id is new or the same as before; a
 * webhook-id seen with another body stops everything (webhook_replayed),
 * and so does a batch UUID seen with another body (key_reused).
 * AM_ERR_BUSY means a transient conflict: try again. webhook-ids older
 * than keep_ms and answers older than 7 days are forgotten now and then. */
am_rc hub_db_ingest(hub_db *db, const am_proto_batch *b, const char *msg_id, const char *body_hash,
                    int64_t now_ms, int64_t keep_ms, hub_ingest_result *out);

/* An ingest-log line for a refused request (auth, signature, size...). */
am_rc hub_db_ingest_log(hub_db *db, const char *kiosk, const char *batch, int64_t now_ms,
                        int status, const char *reason);

/* --- manager queries ----------------------------------------------------------- */

/* {"kiosk":ID,"entries":[...]} newest first; AM_ERR_NOTFOUND for an
 * unknown kiosk. */
am_rc hub_db_ingest_log_list(hub_db *db, const char *kiosk, int limit, cJSON **out);

typedef struct hub_feedback_filter {
    const char *kiosk;    /* NULL: any */
    int64_t since_ms;     /* closed_at >= since; 0: any */
    const char *category; /* NULL: any */
    const char *outcome;  /* NULL: any */
    int limit;
    bool followups;          /* only consented contacts, and only their fields */
    const hub_person *scope; /* only the kiosks at this person's sites; NULL: all */
} hub_feedback_filter;

/* An array of feedback objects, oldest first. */
am_rc hub_db_feedback(hub_db *db, const hub_feedback_filter *f, cJSON **out);
/* The keys of each feedback object hub_db_feedback gives (without
 * followups), in order, NULL-terminated: the record's head (id, kiosk,
 * received_at, created_at, closed_at, outcome), then the report's fields
 * (amends/report.h). Static. */
const char *const *hub_db_feedback_columns(void);

/* An array of alerts, newest first; open_only leaves out acknowledged ones;
 * a scope (NULL: all) keeps those of kiosks at the person's sites. */
am_rc hub_db_alerts(hub_db *db, bool open_only, int limit, const hub_person *scope, cJSON **out);
/* Acknowledges an alert (once; later calls keep the first ack) and returns
 * it. AM_ERR_NOTFOUND for an unknown id. The call that acknowledges it
 * stores `audit` (may be NULL) in the same transaction: neither without
 * the other. */
am_rc hub_db_alert_ack(hub_db *db, const char *id, const char *manager, int64_t now_ms,
                       const hub_audit_entry *audit, cJSON **out);

/* --- vouchers ---------------------------------------------------------------------- */

/* Files a voucher key for a kiosk: 32 bytes as standard base64
 * (key_b64). AM_ERR_NOTFOUND for an unknown kiosk, AM_ERR_INVALID when
 * the kiosk already has one (a key is never replaced: every code issued
 * under the old one would turn "tampered"). */
am_rc hub_db_voucher_key_add(hub_db *db, const char *kiosk, const char *key_b64, int64_t now_ms,
                             const hub_audit_entry *audit, char *err, size_t errlen);
/* The kiosk's voucher key, or AM_ERR_NOTFOUND. Wipe it when done. */
am_rc hub_db_voucher_key(hub_db *db, const char *kiosk, am_voucher_key *out);

/* A voucher as the hub keeps it: the synced record and its redemption. */
typedef struct hub_voucher {
    am_voucher_record rec;
    char journey[AM_PROTO_UUID_LEN + 1];
    int64_t redeemed_at; /* 0: not redeemed */
    char redeemed_by[128];
} hub_voucher;

/* The voucher whose canonical code is `code`, or AM_ERR_NOTFOUND. */
am_rc hub_db_voucher_get(hub_db *db, const char *code, hub_voucher *out);

/* Redeems once: a single UPDATE ... WHERE redeemed_at IS NULL, so of any
 * number of racing calls (threads or hubs sharing the database) exactly
 * one sets *won. *out is the voucher afterwards (the winner's time and
 * name). AM_ERR_NOTFOUND for an unknown code. The winner stores `audit`
 * (may be NULL) in the same transaction: neither without the other. */
am_rc hub_db_voucher_redeem(hub_db *db, const char *code, const char *manager, int64_t now_ms,
                            const hub_audit_entry *audit, bool *won, hub_voucher *out);

/* Every kiosk with a voucher key, its key and the highest serial the hub
 * holds for it: for telling "unknown" from "tampered" when a code has no
 * record. *out is malloc'd (free after wiping); *count entries. */
typedef struct hub_voucher_kiosk {
    char kiosk[AM_KIOSK_ID_MAX];
    am_voucher_key key;
    int64_t max_serial;
} hub_voucher_kiosk;
am_rc hub_db_voucher_kiosks(hub_db *db, hub_voucher_kiosk **out, size_t *count);

/* --- dashboard sessions -------------------------------------------------------------- */

/* The dashboard's browser sessions and one-time login links share a
 * table. Only the SHA-256 (hex) of a session id or link code is stored;
 * the CSRF token is stored as is (it grants nothing without the cookie).
 * Adding one also forgets every expired one. */
am_rc hub_db_web_add(hub_db *db, const char *id_hash, bool link, const char *manager,
                     const char *csrf, int64_t now_ms, int64_t expires_ms,
                     const hub_audit_entry *audit);
/* AM_OK with the manager and the CSRF token of a live session, or
 * AM_ERR_NOTFOUND (unknown or expired). */
am_rc hub_db_web_session(hub_db *db, const char *id_hash, int64_t now_ms, char *manager,
                         size_t managerlen, char *csrf, size_t csrflen);
/* Uses up a login link: deletes it and, if it had not expired, returns
 * AM_OK with its manager. Of racing calls at most one gets AM_OK. */
am_rc hub_db_web_link_take(hub_db *db, const char *id_hash, int64_t now_ms, char *manager,
                           size_t managerlen);
/* Ends a session (logout). Unknown ids are not an error. */
am_rc hub_db_web_delete(hub_db *db, const char *id_hash, const hub_audit_entry *audit);
/* Ends every session of `person` (sign out everywhere); *ended says how
 * many there were. Login links are left alone. */
am_rc hub_db_web_end_person(hub_db *db, const char *person, const hub_audit_entry *audit,
                            int64_t *ended);
/* (hub_db_web_add, _delete, _end_person: `audit`, may be NULL, is stored
 * in the change's transaction: neither without the other.) */

/* --- passwords ----------------------------------------------------------------------- */

/* A link that sets `person`'s password: only the SHA-256 (hex) of its code
 * is stored; it is good once, until expires_ms. It replaces the person's
 * unused links. AM_ERR_NOTFOUND (err says so) for an unknown person. */
am_rc hub_db_password_link_add(hub_db *db, const char *person, const char *token_hash,
                               int64_t now_ms, int64_t expires_ms, const hub_audit_entry *audit,
                               char *err, size_t errlen);

/* As hub_db_password_link_add with a new code, valid for 24 hours: *path
 * gets "/password/CODE" (the code is nowhere else: show it once). */
#define HUB_PASSWORD_LINK_MS (INT64_C(24) * 3600 * 1000)
am_rc hub_db_password_link_new(hub_db *db, const char *person, int64_t now_ms, char *path,
                               size_t pathlen, int64_t *expires_ms, const hub_audit_entry *audit,
                               char *err, size_t errlen);

typedef enum hub_link_state {
    HUB_LINK_OK,      /* unused and not expired */
    HUB_LINK_UNKNOWN, /* no such link (mistyped, tampered, or replaced by a newer one) */
    HUB_LINK_USED,
    HUB_LINK_EXPIRED,
} hub_link_state;

/* What the link is, changing nothing: its state, its person ("" when
 * unknown) and when it expires. */
am_rc hub_db_password_link(hub_db *db, const char *token_hash, int64_t now_ms,
                           hub_link_state *state, char *person, size_t personlen,
                           int64_t *expires_ms);
/* Uses the link up and sets its person's password (password_hash, from
 * hub_password_hash) in one transaction, which also lifts the person's
 * lockout and ends their sessions. Of racing calls at most one gets
 * HUB_LINK_OK; any other state changes nothing. audit's actor and target
 * are taken to be the link's person, whatever they say. */
am_rc hub_db_password_set(hub_db *db, const char *token_hash, const char *password_hash,
                          int64_t now_ms, const hub_audit_entry *audit, hub_link_state *state,
                          char *person, size_t personlen);
/* The person's password hash; AM_ERR_NOTFOUND for an unknown person or
 * one who has set none. */
am_rc hub_db_password_hash_of(hub_db *db, const char *person, char *hash, size_t hashlen);

/* --- failed sign-ins ------------------------------------------------------------------- */

/* Failed sign-ins are counted per key ("name:NAME" for the name typed,
 * known or not; "address:IP") in the database, so that a lockout holds
 * across restarts and across hubs sharing it. *until_ms: when the key's
 * lockout ends, 0 when it is not locked. */
am_rc hub_db_signin_locked(hub_db *db, const char *key, int64_t now_ms, int64_t *until_ms);
/* One key whose failures are counted: max_failures within the window
 * lock it; until_ms is set to when that lock ends, else 0. */
typedef struct hub_signin_count {
    const char *key;
    int max_failures;
    int64_t until_ms;
} hub_signin_count;
/* Counts a failure of each key and stores `audit` (may be NULL), in one
 * transaction: the counts and the entry, or nothing. */
am_rc hub_db_signin_failed(hub_db *db, hub_signin_count *keys, size_t nkeys, int64_t now_ms,
                           int64_t window_ms, int64_t lock_ms, const hub_audit_entry *audit);
/* Forgets the key's failures (a successful sign-in). */
am_rc hub_db_signin_clear(hub_db *db, const char *key);

#endif
