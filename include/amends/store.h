/* store.h — the kiosk's local SQLite store: journeys, alerts, the outbox,
 * the sync log, vouchers, offer spend and the PIN failure counter.
 *
 * Durability rules: WAL, synchronous=FULL, a busy timeout, BEGIN IMMEDIATE
 * for every write, prepared statements only, and no network I/O while a
 * transaction is open (the sync worker reads, closes the transaction, sends,
 * then writes the outcome in a new one).
 *
 * A store handle is used by one thread at a time; the sync worker opens its
 * own. Write functions run in their own transaction unless the caller has
 * opened one with am_store_begin(), in which case they join it.
 */
#ifndef AMENDS_STORE_H
#define AMENDS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/case_code.h"
#include "amends/error.h"
#include "amends/journey.h"

#define AM_UUID_LEN             36 /* 8-4-4-4-12, lower case */
#define AM_STORE_FILE           "amends.db"
#define AM_STORE_SCHEMA_VERSION 7

typedef struct am_store am_store;

typedef enum am_store_mode {
    AM_STORE_READWRITE = 0, /* the kiosk: creates, migrates, repairs */
    AM_STORE_READONLY,      /* amendsctl: never writes; works while the kiosk runs */
} am_store_mode;

/* Opens DATA_DIR/amends.db. Read-write creates the directory entry if
 * needed, migrates an older schema, closes journeys left open by a crash as
 * interrupted and puts inflight outbox records back to pending. A store from
 * a newer amends is refused (AM_ERR_VERSION). On failure *out is NULL and
 * err names the file and the reason. */
am_rc am_store_open(const char *data_dir, am_store_mode mode, int64_t now_ms, am_store **out,
                    char *err, size_t errlen);
/* Accepts NULL. */
void am_store_close(am_store *st);
/* The last error on this handle, naming what failed; never NULL. */
const char *am_store_errmsg(const am_store *st);
/* Journeys this open closed as interrupted. */
int am_store_interrupted_at_open(const am_store *st);
int am_store_schema_version(const am_store *st);

/* Explicit transaction: one guest step is one commit. */
am_rc am_store_begin(am_store *st);
am_rc am_store_commit(am_store *st);
void am_store_rollback(am_store *st);

/* --- journeys ----------------------------------------------------------- */

/* Inserts a new open journey; its UUID is made in the same transaction and
 * written to uuid_out (AM_UUID_LEN + 1 bytes). Its case code, prefix `kiosk`
 * gives (am_case_prefix_of), is made there too. */
am_rc am_store_journey_open(am_store *st, const char *kiosk, const am_report *r, int64_t now_ms,
                            char *uuid_out);
/* The same with the case code's prefix (a valid am_case_prefix_valid one),
 * writing the code to code_out (AM_CASE_CODE_MAX bytes; may be NULL). The
 * code is unique among the store's journeys: one already taken is drawn
 * again. */
am_rc am_store_journey_open_coded(am_store *st, const char *kiosk, const char *case_prefix,
                                  const am_report *r, int64_t now_ms, char *uuid_out,
                                  char *code_out);
am_rc am_store_journey_save(am_store *st, const char *uuid, const am_report *r, int64_t now_ms);
/* Saves, marks closed with `outcome` and puts the record in the outbox. */
am_rc am_store_journey_close(am_store *st, const char *uuid, const am_report *r, am_outcome outcome,
                             int64_t now_ms);

/* --- alerts ------------------------------------------------------------- */

/* Raises an alert, synced ahead of feedback. journey_uuid may be NULL. */
am_rc am_store_alert_raise(am_store *st, const char *kiosk, const char *journey_uuid,
                           am_alert_reason reason, const char *category, am_severity severity,
                           int64_t now_ms, char *uuid_out);

/* --- offers and budget -------------------------------------------------- */

am_rc am_store_offer_record(am_store *st, const char *journey_uuid, const char *offer_id,
                            int64_t value_minor, am_offer_state state, int64_t now_ms);
/* Value of offers accepted since day_start_ms, and offers accepted since
 * hour_start_ms (wall-clock milliseconds). */
am_rc am_store_spend(am_store *st, int64_t day_start_ms, int64_t hour_start_ms, int64_t *value_out,
                     int *offers_out);

/* --- outbox ------------------------------------------------------------- */

typedef enum am_sync_state {
    AM_SYNC_NONE = 0, /* not in the outbox (an open journey) */
    AM_SYNC_PENDING,
    AM_SYNC_INFLIGHT,
    AM_SYNC_SYNCED,
    AM_SYNC_QUARANTINED,
} am_sync_state;
const char *am_sync_state_name(am_sync_state s);

typedef enum am_record_kind {
    AM_RECORD_FEEDBACK = 0,
    AM_RECORD_ALERT,
    AM_RECORD_VOUCHER, /* an issued voucher; uuid = am_voucher_row.outbox_uuid */
} am_record_kind;
const char *am_record_kind_name(am_record_kind k);

/* An alert as kept, for the sync worker (alerts are raised above). */
typedef struct am_alert_row {
    char id[AM_UUID_LEN + 1];
    char kiosk[AM_KIOSK_ID_MAX];
    char journey[AM_UUID_LEN + 1]; /* "" when the alert has no journey */
    am_alert_reason reason;
    char category[AM_ID_MAX];
    am_severity severity;
    int64_t raised_at_ms;
    char case_code[AM_CASE_CODE_MAX]; /* its journey's; "" without one */
    am_sync_state sync_state;
} am_alert_row;

/* One alert by id (the sync worker reads it to send it). NOTFOUND when
 * absent. */
am_rc am_store_alert_get(am_store *st, const char *uuid, am_alert_row *row);

typedef struct am_outbox_item {
    char uuid[AM_UUID_LEN + 1];
    am_record_kind kind;
    int attempts;
    int64_t row; /* the store's own handle on the record, for settling it */
} am_outbox_item;

/* Claims up to `max` pending records due at now_ms (alerts first, then the
 * oldest), marks them inflight and returns them. */
am_rc am_store_outbox_claim(am_store *st, int64_t now_ms, int max, am_outbox_item *items,
                            int *count_out);
/* Settles one record: SYNCED, QUARANTINED (error says why) or PENDING again
 * with its next try time (attempts is incremented). */
am_rc am_store_outbox_settle(am_store *st, const char *uuid, am_sync_state state,
                             int64_t next_try_ms, const char *error, int64_t now_ms);
/* The same for a record am_store_outbox_claim returned, found by the handle
 * it carries (cheaper) and checked against its uuid. */
am_rc am_store_outbox_settle_item(am_store *st, const am_outbox_item *item, am_sync_state state,
                                  int64_t next_try_ms, const char *error, int64_t now_ms);
/* Quarantined records back to pending; *count_out gets how many. */
am_rc am_store_outbox_requeue(am_store *st, int *count_out);
/* Every pending record becomes due now, the ones waiting out a backoff too
 * (a manager's "sync now"); *count_out gets how many it touched. */
am_rc am_store_outbox_retry_now(am_store *st, int *count_out);
/* Earliest next-try time of a pending record; INT64_MAX when none. */
am_rc am_store_outbox_next_due(am_store *st, int64_t *next_try_ms);

/* --- sync log ----------------------------------------------------------- */

typedef struct am_sync_log_entry {
    int64_t at_ms;
    int batch_size;
    int http_status;     /* 0 when the request never got an answer */
    char transport[160]; /* transport error, "" when none */
    int64_t latency_ms;
    char outcome[32]; /* ok, retry, quarantined, auth_failed, split, ... */
    char detail[256]; /* short reason; never personal data */
} am_sync_log_entry;

am_rc am_store_sync_log_add(am_store *st, const am_sync_log_entry *e);
/* Calls cb for the newest `limit` entries, newest first; cb returning
 * non-zero stops. */
am_rc am_store_sync_log_each(am_store *st, int limit,
                             int (*cb)(const am_sync_log_entry *e, void *ud), void *ud);

/* --- status ------------------------------------------------------------- */

typedef struct am_store_status {
    int schema_version;
    int64_t journeys;      /* all journeys kept */
    int64_t open_journeys; /* guest still going */
    int64_t pending, inflight, synced, quarantined;
    int64_t alerts;
    int64_t oldest_pending_ms; /* 0 when nothing pending */
    int64_t last_success_ms;   /* 0 when never */
    int64_t last_attempt_ms;
    int64_t failing_since_ms; /* the first failed attempt since the last one that
                               * went well; 0 when none failed since */
    char last_outcome[32];
    char last_error[256]; /* "" when the newest attempt went well */
    int last_http_status; /* with last_error: the hub's answer; 0 when none came */
    bool auth_failed;
    /* Alerts not yet at the hub (pending, in flight or quarantined), and
     * the oldest one: when it was raised, its state, and why it is still
     * here (its last error, "" when it was never tried). */
    int64_t alerts_waiting;
    int64_t oldest_alert_ms;
    am_sync_state oldest_alert_state;
    char oldest_alert_error[256];
} am_store_status;
am_rc am_store_get_status(am_store *st, am_store_status *out);

/* The hub's own words for its last refusal of this kiosk's credentials
 * (401/403), in full: written by the sync worker with the auth failure,
 * read by amendsctl status and the manager screen. */
#define AM_META_SYNC_AUTH_REASON "sync.auth_reason"
#define AM_SYNC_REASON_MAX       320 /* with the NUL */

/* Small key/value facts (auth state, kiosk id seen). */
am_rc am_store_meta_set(am_store *st, const char *key, const char *value);
/* NOTFOUND when absent. */
am_rc am_store_meta_get(am_store *st, const char *key, char *value, size_t valuelen);

/* --- export ------------------------------------------------------------- */

typedef struct am_journey_row {
    char id[AM_UUID_LEN + 1];
    char kiosk[AM_KIOSK_ID_MAX];
    int64_t created_at_ms;
    int64_t closed_at_ms;             /* 0 while open */
    am_report report;                 /* report.outcome is the journey's outcome */
    char case_code[AM_CASE_CODE_MAX]; /* "" for a journey stored before codes */
    am_sync_state sync_state;
} am_journey_row;

/* Calls cb for each journey created at or after since_ms, oldest first. The
 * row is only valid during the call; cb returning non-zero stops. */
am_rc am_store_journeys_each(am_store *st, int64_t since_ms,
                             int (*cb)(const am_journey_row *row, void *ud), void *ud);
/* One journey by id. NOTFOUND when absent. */
am_rc am_store_journey_get(am_store *st, const char *uuid, am_journey_row *row);
/* The same for a journey the caller has claimed from the outbox (the sync
 * worker): its sync state is not looked up and reads as INFLIGHT. */
am_rc am_store_journey_get_claimed(am_store *st, const char *uuid, am_journey_row *row);

/* --- manager PIN (issue: managers) --------------------------------------- */

typedef struct am_pin_state {
    int failures;
    int64_t last_failure_ms; /* wall clock */
    int64_t locked_until_ms; /* wall clock; 0 when not locked */
} am_pin_state;
am_rc am_store_pin_state_get(am_store *st, am_pin_state *out);
am_rc am_store_pin_state_set(am_store *st, const am_pin_state *ps);

/* --- vouchers (issue 6) -------------------------------------------------- */

/* One issued voucher. The kiosk is the journey's: vouchers carry no kiosk
 * column, so a voucher is always tied to a journey of this store. */
typedef struct am_voucher_row {
    char code[AM_VOUCHER_MAX]; /* canonical code, the primary key */
    char journey_id[AM_UUID_LEN + 1];
    char kiosk[AM_KIOSK_ID_MAX]; /* read from the journey; ignored by add */
    char offer_id[AM_ID_MAX];
    int64_t value_minor;
    int64_t serial; /* per kiosk, from 1 */
    int64_t expires_ms;
    int64_t created_ms;
    bool redeemed; /* as last heard from the hub */
    /* The voucher's record for the hub: its outbox uuid (the record id the
     * hub deduplicates by). Made by add, in the same transaction; ignored
     * by add. */
    char outbox_uuid[AM_UUID_LEN + 1];
} am_voucher_row;

/* Stores a voucher and puts its record in the outbox (kind
 * AM_RECORD_VOUCHER, pending, due at once, queued behind alerts like
 * feedback and ahead of the journey's feedback, which closes later). The
 * journey must exist; a code or a (kiosk, serial) already stored is
 * refused (AM_ERR_INVALID). Joins the caller's transaction like every
 * write. */
am_rc am_store_voucher_add(am_store *st, const am_voucher_row *v);
/* The voucher whose outbox record is `outbox_uuid` (the sync worker reads
 * it to send it). NOTFOUND when absent. */
am_rc am_store_voucher_get_outbox(am_store *st, const char *outbox_uuid, am_voucher_row *out);
/* By canonical code; NOTFOUND when absent. */
am_rc am_store_voucher_get(am_store *st, const char *code, am_voucher_row *out);
/* By kiosk and serial; NOTFOUND when absent. */
am_rc am_store_voucher_get_serial(am_store *st, const char *kiosk, int64_t serial,
                                  am_voucher_row *out);
/* The highest serial stored for the kiosk, 0 when none. Read-only is fine. */
am_rc am_store_voucher_max_serial(am_store *st, const char *kiosk, int64_t *max_out);
/* The serial the kiosk's next voucher takes. Only inside the caller's
 * transaction (am_store_begin), which holds the write lock until the
 * voucher is added and committed, so two issuers never get the same
 * serial; outside one it is refused (AM_ERR_INVALID). */
am_rc am_store_voucher_next_serial(am_store *st, const char *kiosk, int64_t *serial_out);

/* --- manager tools (issue 7: amendsctl requeue, purge, pin set) ---------- */

/* Room for a libsodium crypto_pwhash_str string (crypto_pwhash_STRBYTES),
 * terminator included. */
#define AM_PIN_HASH_MAX 128

/* The manager PIN's hash as stored by am_store_manager_pin_set: an
 * Argon2id string for crypto_pwhash_str_verify. NOTFOUND when no PIN was
 * ever set (the kiosk then keeps manager mode closed). A hash longer than
 * len - 1 is refused (AM_ERR_INVALID), never cut. Read-only is fine. */
am_rc am_store_manager_pin_get(am_store *st, char *hash, size_t len);
/* Replaces the manager PIN's hash (borrowed; a NUL-terminated string
 * shorter than AM_PIN_HASH_MAX), noting the wall-clock time it was set. In
 * the same transaction the PIN failure counter and any lockout are
 * cleared: a new PIN starts afresh. */
am_rc am_store_manager_pin_set(am_store *st, const char *hash);
/* When the PIN was last set (wall-clock ms); NOTFOUND when never. */
am_rc am_store_manager_pin_set_at(am_store *st, int64_t *set_at_ms);

/* A journey whose personal data is due for purging: closed, synced, its
 * sync older than the cutoff, not purged yet. */
typedef struct am_purge_item {
    char id[AM_UUID_LEN + 1];
    int64_t created_at_ms;
    int64_t closed_at_ms;
    int64_t synced_at_ms;
} am_purge_item;

/* Calls cb for each journey synced at or before synced_before_ms and not
 * purged yet, oldest sync first; cb returning non-zero stops. Unsynced
 * journeys are never listed. *unsynced_out (may be NULL) gets the number
 * of journeys older than the cutoff that are kept because the hub does
 * not have them yet (pending, inflight, quarantined or still open).
 * Read-only is fine: this is the dry run. */
am_rc am_store_purge_each(am_store *st, int64_t synced_before_ms,
                          int (*cb)(const am_purge_item *item, void *ud), void *ud,
                          int64_t *unsynced_out);
/* Blanks first name, description, resolution text, comment and contact of
 * the journeys am_store_purge_each would list, and marks them purged at
 * now_ms; every other field stays. One transaction. The store's read-write
 * handles run with secure_delete, so the old text is overwritten in the
 * database file; am_store_purge_flush then removes it from the WAL.
 * *count_out (may be NULL) gets how many journeys were purged. */
am_rc am_store_purge(am_store *st, int64_t synced_before_ms, int64_t now_ms, int64_t *count_out);
/* Copies the WAL into the database file and truncates the WAL to zero
 * bytes, so purged text is in neither file. *complete is false when a
 * reader (the kiosk mid-read) kept the WAL from being truncated; the next
 * checkpoint finishes the job. Read-write handles only. */
am_rc am_store_purge_flush(am_store *st, bool *complete);

#endif
