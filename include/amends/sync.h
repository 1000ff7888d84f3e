/* sync.h — the kiosk's sync worker: store-and-forward of closed journeys
 * and alerts to amends-hub (SPEC "Sync protocol"; docs/sync.md).
 *
 * One background thread with its own store connection and one reused
 * libcurl handle. It sleeps on a condition variable until a record is
 * committed (am_sync_wake), a backoff timer or the heartbeat timer runs
 * out, or it is stopped. It claims a batch (alerts first), ends the
 * transaction, sends, then settles each record in a new transaction; every
 * attempt goes into the store's sync log.
 *
 * The wiring surface for amends-kiosk is am_sync_options_from_config,
 * am_sync_start, am_sync_wake, am_sync_now, am_sync_get_status and
 * am_sync_stop. All of them may be called from any thread.
 */
#ifndef AMENDS_SYNC_H
#define AMENDS_SYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/config.h"
#include "amends/error.h"
#include "amends/proto.h"

typedef struct am_sync am_sync;

/* The worker's clock: what it schedules by (backoffs, Retry-After, the
 * heartbeat timer, when a record is due) and stamps the sync log with. NULL
 * in am_sync_options means am_sync_real_clock(); a test passes its own and
 * advances time instead of sleeping. The request's signature timestamp
 * stays on the real clock: the hub checks it against its own. The
 * functions are called from the worker thread only. */
typedef struct am_sync_clock {
    void *ctx;
    /* ms since the epoch: record times, the sync log, Retry-After dates. */
    int64_t (*wall_ms)(void *ctx);
    /* A monotonic ms count: the heartbeat timer, backoffs, waits. */
    int64_t (*mono_ms)(void *ctx);
    /* Called with mu held: returns, with mu held, once mono_ms reaches
     * deadline_mono (INT64_MAX: never), or cond is signalled, or
     * spuriously; the worker checks again either way. A clock moved from
     * outside (a test's) must, after it moved, lock mu and signal cond so
     * the worker reacts at once. */
    void (*wait)(void *ctx, pthread_cond_t *cond, pthread_mutex_t *mu, int64_t deadline_mono);
} am_sync_clock;

/* CLOCK_REALTIME, CLOCK_MONOTONIC and a timed wait on the worker's
 * condition variable. Static; a test's clock may wrap it. */
const am_sync_clock *am_sync_real_clock(void);

typedef struct am_sync_options {
    /* Borrowed for the duration of am_sync_start (copied). */
    const char *data_dir; /* the kiosk's store directory */
    const char *kiosk_id;
    const char *url;         /* https://HOST[:PORT][/PATH], no trailing '/' */
    const char *token_file;  /* bearer token, one line */
    const char *secret_file; /* whsec_<base64>, one line */
    const char *ca_file;     /* PEM bundle; NULL or "" for the system store */
    const char *pin;         /* "sha256//B64=[;sha256//B64=]" or NULL/"" */
    const char *version;     /* reported in heartbeats; NULL: AMENDS_VERSION */
    int batch;               /* records per request, 1..AM_PROTO_MAX_RECORDS */
    int heartbeat_s;         /* 0: no heartbeat */
    /* The [budget] heartbeats report, with today's spend from the store.
     * NULL or "" currency: heartbeats carry no budget. */
    const char *budget_currency; /* three upper-case letters */
    int64_t budget_daily_minor;  /* daily value, minor units */
    int budget_hourly_offers;    /* offers per hour */
    int connect_timeout_s;
    /* Tuning, 0 for the defaults (tests shorten them). */
    int64_t backoff_base_ms;    /* default 1000 */
    int64_t backoff_max_ms;     /* default 300000 (5 min) */
    int64_t retry_after_max_ms; /* cap on a server's Retry-After; default 3600000 */
    int low_speed_time_s;       /* under 1 byte/s this long aborts; default 30 */
    int request_timeout_s;      /* whole request; default 120 */
    /* Borrowed; must outlive the worker. NULL: the real clock. */
    const am_sync_clock *clock;
} am_sync_options;

/* Fills opt from the [sync] and [kiosk] sections; the strings stay owned by
 * cfg. AM_ERR_CONFIG when sync is off (empty url). */
am_rc am_sync_options_from_config(const am_config *cfg, am_sync_options *opt);

/* Checks the options (https only; http:// only for 127.0.0.1, [::1] and
 * localhost), reads the token and secret files, opens the worker's own
 * store connection and starts the thread. A refusal is also written to the
 * store's sync log (outcome "refused") so a manager sees it. On failure
 * *out is NULL and err names the reason. */
am_rc am_sync_start(const am_sync_options *opt, am_sync **out, char *err, size_t errlen);

/* A record was committed (journey closed, alert raised): look at the outbox
 * now. Cheap; never blocks on the network. Lifts a backoff of our own
 * (never one the hub asked for with Retry-After) so an alert goes at once. */
void am_sync_wake(am_sync *s);
/* A guest waits for staff (staff_wait shows): heartbeats every
 * AM_SYNC_WAITING_HEARTBEAT_MS, the first at once, so the hub's answer
 * soon says who took the call; false goes back to [sync] heartbeat.
 * Each answer's "cases" are kept in the store's meta "hub_cases". */
#define AM_SYNC_WAITING_HEARTBEAT_MS 2000
void am_sync_set_waiting(am_sync *s, bool waiting);

/* A manager's "sync now": clears the auth-failed state (meta
 * sync.auth_failed), re-reads the token and secret files, lifts every
 * backoff (the worker's and each waiting record's) and wakes the worker. */
void am_sync_now(am_sync *s);

/* Stops the worker: a transfer in flight is aborted, its records go back to
 * pending, the thread is joined (bounded: about a second plus the store's
 * busy timeout at worst). Frees s. Accepts NULL. */
void am_sync_stop(am_sync *s);

typedef enum am_sync_phase {
    AM_SYNC_IDLE = 0,    /* nothing due */
    AM_SYNC_SENDING,     /* a request is in flight */
    AM_SYNC_BACKOFF,     /* waiting to retry */
    AM_SYNC_AUTH_FAILED, /* 401/403: stopped until a new token or a manager */
    AM_SYNC_STOPPED,
} am_sync_phase;
const char *am_sync_phase_name(am_sync_phase p);

typedef struct am_sync_status {
    am_sync_phase phase;
    int64_t last_attempt_ms; /* wall clock; 0 when never */
    int64_t last_success_ms;
    int64_t retry_at_ms;  /* wall clock of the next try in BACKOFF */
    int last_http_status; /* 0 when the last attempt got no answer */
    char last_error[256]; /* "" after a success */
    int64_t sent_records; /* settled as stored or duplicate by this worker */
    int64_t quarantined_records;
    int64_t requests;
} am_sync_status;

/* A consistent snapshot; safe from any thread. */
void am_sync_get_status(am_sync *s, am_sync_status *out);

/* --- pure pieces (unit-tested and fuzzed) ------------------------------------ */

typedef enum am_sync_class {
    AM_SYNC_CLASS_OK = 0,     /* 2xx: read per-record results */
    AM_SYNC_CLASS_RETRY,      /* transport error, 3xx, 408, 425, 429, 5xx */
    AM_SYNC_CLASS_SPLIT,      /* 413 */
    AM_SYNC_CLASS_AUTH,       /* 401, 403 */
    AM_SYNC_CLASS_QUARANTINE, /* any other 4xx: see am_sync_refusal_is_final */
} am_sync_class;
/* http_status 0 means a transport error. */
am_sync_class am_sync_classify(long http_status);

/* Full-jitter exponential backoff: a uniform wait in [0, min(max,
 * base * 2^attempt)], given `random` uniform in [0, 1). When the server sent
 * a Retry-After (retry_after_ms >= 0) the wait is at least that, capped at
 * retry_after_max_ms. */
int64_t am_sync_backoff_ms(int attempt, int64_t base_ms, int64_t max_ms, int64_t retry_after_ms,
                           int64_t retry_after_max_ms, double random);

/* Reads a Retry-After header value into milliseconds from now_s; -1 when
 * absent or unreadable (the caller then uses its own backoff). */
int64_t am_sync_retry_after_ms(const char *value, int64_t now_s);

/* An error body larger than this is not read as JSON. */
#define SYNC_ERROR_BODY_MAX (64 * 1024)

/* The reason in a refusal's JSON body ({"error": CODE, "reason": TEXT}):
 * `reason`, else `error`, else the start of the body; printable ASCII,
 * cut only by outlen; "no reason given" when there is nothing. */
void am_sync_error_reason(const char *body, size_t len, char *out, size_t outlen);

/* true when a 4xx answer (AM_SYNC_CLASS_QUARANTINE) is the hub's own
 * refusal of the batch as it is (JSON `error` bad_batch, bad_signature or
 * method_not_allowed): its records are quarantined. Any other 4xx (a
 * repeated request, another server's page, a wrong path) is retried. */
bool am_sync_refusal_is_final(long http_status, const char *body, size_t len);

/* true when the answer is the hub refusing this kiosk because an operator
 * disabled it (403, JSON `error` kiosk_disabled): not an auth failure and
 * not a verdict on the records, which wait and are sent again later;
 * AM_SYNC_DISABLED_TEXT is what the sync log and status then say. */
bool am_sync_hub_disabled(long http_status, const char *body, size_t len);
#define AM_SYNC_DISABLED_TEXT                                                                      \
    "the hub has disabled this kiosk: its records wait here until the hub enables it again"

/* What the hub said about one record of a batch. */
typedef struct am_sync_verdict {
    bool answered;          /* false: no result for it: send it again */
    am_proto_status status; /* STORED and DUPLICATE settle; REJECTED quarantines */
    char reason[AM_PROTO_REASON_MAX];
} am_sync_verdict;

/* Reads a 2xx ingest answer for the batch `batch` whose records had the
 * ids ids[0..count-1], into verdicts[0..count-1]. AM_ERR_INVALID (err says
 * why) when the body is not a response, names another batch, or has a
 * result whose index or id does not match the batch: nothing is settled
 * then and the batch is retried. */
am_rc am_sync_read_response(const char *body, size_t len, const char *batch,
                            const char (*ids)[AM_PROTO_UUID_LEN + 1], size_t count,
                            am_sync_verdict *verdicts, char *err, size_t errlen);

#endif
