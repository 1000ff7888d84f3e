/* proto.h — the sync wire format shared by the kiosk's sync worker and
 * amends-hub: record ids, ingest batches (src/proto/batch.c) and
 * per-record results (src/proto/response.c). No network I/O here. The
 * request's signature is webhook.h, the Retry-After header retry_after.h;
 * all three are the amends_proto library.
 *
 * docs/protocol.md is the normative description; these headers are its C
 * surface. Decoding is strict: wrong types, unknown or repeated keys, text
 * over the kiosk's caps, unknown enum values and invalid UTF-8 are refused
 * with a reason that names the record and the field ("records[3].rating:
 * must be an integer from 0 to 5"). A bad record does not sink its batch:
 * it is marked invalid and answered `rejected`; only a body that is not a
 * batch at all fails as a whole.
 */
#ifndef AMENDS_PROTO_H
#define AMENDS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/case_code.h"
#include "amends/config.h"
#include "amends/error.h"
#include "amends/journey.h"

#define AM_PROTO_UUID_LEN    36                 /* 8-4-4-4-12, lower-case hex */
#define AM_PROTO_MAX_RECORDS 500                /* records per batch; more: 413, split */
#define AM_PROTO_REASON_MAX  200                /* bytes of a rejection reason, NUL included */
#define AM_PROTO_LAST_ERROR  200                /* heartbeat last_error cap, in characters */
#define AM_PROTO_VERSION_MAX 32                 /* heartbeat version cap, printable ASCII */
#define AM_PROTO_MAX_TIME_MS 9007199254740991LL /* 2^53 - 1: exact in JSON */
#define AM_PROTO_MAX_COUNT   1000000000LL       /* pending, quarantined */
#define AM_PROTO_MAX_VALUE   1000000000000LL    /* offer_value_minor */
#define AM_PROTO_CODE_SIZE   20                 /* voucher code "XXXX-XXXX-XXXX-XXXX" + NUL */
#define AM_PROTO_SERIAL_MAX  2147483647LL       /* voucher serials are 1..this */

/* True for a lower-case 8-4-4-4-12 hex UUID. */
bool am_proto_uuid_valid(const char *s);
/* Writes a new UUID (version 7: time first, then random; amends/uuid.h),
 * lower case, NUL-terminated. */
void am_proto_uuid_new(char out[AM_PROTO_UUID_LEN + 1]);
/* True for a kiosk id: [A-Za-z0-9._-]{1,64}. */
bool am_proto_kiosk_id_valid(const char *s);
/* True for a configuration id (category, resolution, offer): [a-z0-9_]{1,32}. */
bool am_proto_id_valid(const char *s);
/* True for a voucher code in canonical form: four groups of four upper-case
 * Crockford base32 symbols joined by dashes. Only the shape: the check
 * symbol and the tag are the voucher module's business (voucher.h). */
bool am_proto_voucher_code_valid(const char *s);

typedef enum am_proto_kind {
    AM_PROTO_FEEDBACK = 0, /* a closed journey */
    AM_PROTO_ALERT,        /* staff needed now */
    AM_PROTO_HEARTBEAT,    /* the kiosk's health */
    AM_PROTO_VOUCHER,      /* a voucher issued for an accepted offer */
    AM_PROTO_KIND_COUNT
} am_proto_kind;
/* "feedback", "alert", "heartbeat", "voucher"; "" past the end. */
const char *am_proto_kind_name(am_proto_kind k);

typedef struct am_proto_feedback {
    int64_t created_at; /* ms since the Unix epoch, UTC */
    int64_t closed_at;
    am_report report;                 /* report.outcome is completed, abandoned or interrupted */
    char case_code[AM_CASE_CODE_MAX]; /* the kiosk's code for its case; "" from older kiosks */
} am_proto_feedback;

typedef struct am_proto_alert {
    char journey[AM_PROTO_UUID_LEN + 1]; /* "" when the alert has no journey */
    am_alert_reason reason;
    char category[AM_ID_MAX];
    am_severity severity;
    int64_t raised_at;
    char case_code[AM_CASE_CODE_MAX]; /* its journey's case code; "" without one */
} am_proto_alert;

typedef struct am_proto_heartbeat {
    int64_t sent_at;
    int64_t pending;
    int64_t quarantined;
    char last_error[AM_PROTO_LAST_ERROR * 4 + 1]; /* "" when none */
    char version[AM_PROTO_VERSION_MAX + 1];
    int64_t uptime_s;
    /* The kiosk's budget and what its store counts against it. Optional on
     * the wire, all five keys or none (older kiosks send none): has_budget
     * says which. Spend is the kiosk's own view; it may exceed the budget. */
    bool has_budget;
    char budget_currency[4];      /* ISO 4217: three upper-case letters */
    int64_t budget_daily_minor;   /* daily value, in the currency's minor unit */
    int64_t budget_hourly_offers; /* offers per hour */
    int64_t spent_today_minor;    /* accepted since the kiosk's local midnight */
    int64_t offers_last_hour;     /* accepted in the last 60 minutes */
} am_proto_heartbeat;

/* The voucher record: what the hub needs to verify and redeem a code. */
typedef struct am_proto_voucher {
    char journey[AM_PROTO_UUID_LEN + 1]; /* the journey whose offer was accepted */
    char code[AM_PROTO_CODE_SIZE];       /* canonical code, as shown on `thanks` */
    int64_t serial;                      /* the kiosk's full serial, 1..AM_PROTO_SERIAL_MAX */
    char offer[AM_ID_MAX];               /* offer id */
    int64_t value_minor;                 /* in the budget currency's minor unit */
    int64_t issued_at;                   /* ms */
    int64_t expires_at;                  /* ms; expired from this instant on */
} am_proto_voucher;

typedef struct am_proto_record {
    am_proto_kind kind;
    /* false: the record broke the schema and `reason` says how. Whatever
     * could be read before the fault (id, kiosk) is still filled in. */
    bool valid;
    char reason[AM_PROTO_REASON_MAX];
    char id[AM_PROTO_UUID_LEN + 1]; /* "" when absent or not a UUID */
    char kiosk[AM_KIOSK_ID_MAX];    /* "" when absent or not a kiosk id */
    union {
        am_proto_feedback feedback;
        am_proto_alert alert;
        am_proto_heartbeat heartbeat;
        am_proto_voucher voucher;
    } u;
} am_proto_record;

typedef struct am_proto_batch {
    char kiosk[AM_KIOSK_ID_MAX];
    char batch[AM_PROTO_UUID_LEN + 1];
    size_t count;
    size_t capacity;
    am_proto_record *records; /* owned */
} am_proto_batch;

/* A new empty batch for up to `capacity` records (at most
 * AM_PROTO_MAX_RECORDS). Copies kiosk and batch. NULL on out of memory or
 * a bad argument. */
am_proto_batch *am_proto_batch_new(const char *kiosk, const char *batch, size_t capacity);
/* Appends a zeroed, valid record of `kind` carrying the batch's kiosk and
 * returns it for the caller to fill; NULL when the batch is full. */
am_proto_record *am_proto_batch_add(am_proto_batch *b, am_proto_kind kind);
/* Wipes the personal data it holds and frees. Accepts NULL. */
void am_proto_batch_free(am_proto_batch *b);

/* Checks one record against the schema, as decoding does; on failure
 * returns false and writes the reason (prefixed with `where`). */
bool am_proto_record_check(const am_proto_record *r, const char *where, char *reason,
                           size_t reasonlen);

/* Encodes the batch as compact JSON. Returns a new NUL-terminated string
 * (free with free()), or NULL when a record is invalid (err says which) or
 * memory ran out. */
char *am_proto_batch_encode(const am_proto_batch *b, char *err, size_t errlen);

/* Decodes an ingest body of `len` bytes (need not be NUL-terminated).
 * AM_OK: *out owns a batch whose records each have `valid` set.
 * AM_ERR_INVALID: not a batch (not JSON, not an object, bad kiosk or batch,
 * records missing or not an array); err says why.
 * AM_ERR_TOOBIG: more than AM_PROTO_MAX_RECORDS records: split the batch.
 * AM_ERR_NOMEM. On failure *out is NULL. */
am_rc am_proto_batch_decode(const char *body, size_t len, am_proto_batch **out, char *err,
                            size_t errlen);

/* --- per-record results --------------------------------------------------- */

typedef enum am_proto_status {
    AM_PROTO_STORED = 0, /* kept now */
    AM_PROTO_DUPLICATE,  /* already kept earlier: settled all the same */
    AM_PROTO_REJECTED,   /* refused with a reason: the kiosk quarantines it */
    AM_PROTO_STATUS_COUNT
} am_proto_status;
const char *am_proto_status_name(am_proto_status s);

typedef struct am_proto_result {
    size_t index;                   /* position in the batch's records */
    char id[AM_PROTO_UUID_LEN + 1]; /* "" when the record had no valid id */
    am_proto_status status;
    char reason[AM_PROTO_REASON_MAX]; /* "" unless rejected */
} am_proto_result;

typedef struct am_proto_response {
    char batch[AM_PROTO_UUID_LEN + 1];
    size_t count;
    am_proto_result *results; /* owned */
} am_proto_response;

/* One of the kiosk's urgent cases, as the hub's answer tells it
 * ("cases"): who took it, never anything of the guest's. */
#define AM_PROTO_MAX_CASES 8
#define AM_PROTO_NAME_MAX  97 /* a person's or a team's name, UTF-8 */
typedef struct am_proto_case {
    char code[AM_CASE_CODE_MAX];
    char journey[AM_PROTO_UUID_LEN + 1];
    char state[16];               /* open, acknowledged, in_progress */
    char by[AM_PROTO_NAME_MAX];   /* who acknowledged or took it; "" before */
    char team[AM_PROTO_NAME_MAX]; /* the case's team; "" without one */
} am_proto_case;
/* The "cases" of a hub's answer, at most max: an entry without a UUID
 * journey is skipped, a name that is not UTF-8 or too long reads as "".
 * Returns how many were written; 0 when the answer has none. */
size_t am_proto_response_cases(const char *body, size_t len, am_proto_case *out, size_t max);

/* A response with `count` zeroed results. NULL on out of memory. */
am_proto_response *am_proto_response_new(const char *batch, size_t count);
void am_proto_response_free(am_proto_response *r); /* accepts NULL */
/* Compact JSON with the counts of each status; free() the result. */
char *am_proto_response_encode(const am_proto_response *r);
/* AM_OK, AM_ERR_INVALID (err says why) or AM_ERR_NOMEM. */
am_rc am_proto_response_decode(const char *body, size_t len, am_proto_response **out, char *err,
                               size_t errlen);

/* The JSON error body every refusal carries:
 * {"error":"CODE","reason":"TEXT"}. free() the result; NULL on no memory. */
char *am_proto_error_encode(const char *code, const char *reason);

#endif
