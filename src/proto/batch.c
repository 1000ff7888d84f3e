/* batch.c — ingest batches: strict decoding, checking and encoding.
 *
 * One table per record kind lists every field with its JSON type, its
 * limits and where it lives in am_proto_record. Decoding, checking and
 * encoding all walk the same table, so the three cannot drift apart, and
 * docs/protocol.md lists the same rules.
 */
#include "amends/proto.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/buf.h"
#include "amends/clock.h"
#include "amends/report.h"
#include "amends/text.h"
#include "amends/uuid.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(sizeof(am_severity) == sizeof(int), "enums are stored through int");
_Static_assert(sizeof(am_outcome) == sizeof(int), "enums are stored through int");

typedef enum field_type {
    F_UUID,      /* string, lower-case UUID */
    F_UUID_NULL, /* UUID or null ("" in the struct) */
    F_KIOSK,     /* string, kiosk id */
    F_ID,        /* string, configuration id */
    F_ID_OPT,    /* configuration id or "" */
    F_TEXT,      /* string, valid UTF-8, at most `cap` characters */
    F_ASCII,     /* string, printable ASCII, at most `cap` bytes */
    F_ENUM,      /* string, one of names[lo..hi] */
    F_LANG,      /* string, a language code amends knows */
    F_TIME,      /* integer, 1..2^53-1 ms since the epoch */
    F_INT,       /* integer, lo..hi */
    F_CODE,      /* string, a voucher code in canonical form */
    F_CURRENCY,  /* string, three upper-case letters A-Z */
} field_type;

typedef struct field {
    const char *name;
    field_type type;
    size_t off;  /* offset in am_proto_record */
    size_t size; /* buffer size for strings */
    size_t cap;  /* characters for F_TEXT, bytes for F_ASCII */
    int64_t lo, hi;
    const char *(*enum_name)(int value);
    bool int32;         /* an int in the struct (enums, language, rating); else int64_t */
    bool may_be_absent; /* absent reads as 0 or "" */
} field;

static const char *severity_name(int v)
{
    return am_severity_name((am_severity)v);
}
static const char *outcome_name(int v)
{
    return am_outcome_name((am_outcome)v);
}
static const char *alert_reason_name(int v)
{
    return am_alert_reason_name((am_alert_reason)v);
}

#define REC(member)      offsetof(am_proto_record, member)
#define FB(member)       offsetof(am_proto_record, u.feedback.member)
#define RP(member)       offsetof(am_proto_record, u.feedback.report.member)
#define AL(member)       offsetof(am_proto_record, u.alert.member)
#define HB(member)       offsetof(am_proto_record, u.heartbeat.member)
#define VO(member)       offsetof(am_proto_record, u.voucher.member)
#define SZ(type, member) sizeof(((type *)0)->member)

/* "kind" is handled before the table. "id" and "kiosk" come first so that
 * a rejection can still name the record. A feedback record is these, then
 * the report's fields in the order of its table (amends/report.h). */
static const field feedback_head[] = {
    {"id", F_UUID, REC(id), SZ(am_proto_record, id), 0, 0, 0, NULL, false, false},
    {"kiosk", F_KIOSK, REC(kiosk), SZ(am_proto_record, kiosk), 0, 0, 0, NULL, false, false},
    {"created_at", F_TIME, FB(created_at), 0, 0, 1, AM_PROTO_MAX_TIME_MS, NULL, false, false},
    {"closed_at", F_TIME, FB(closed_at), 0, 0, 1, AM_PROTO_MAX_TIME_MS, NULL, false, false},
    {"outcome", F_ENUM, RP(outcome), 0, 0, AM_OUTCOME_COMPLETED, AM_OUTCOME_INTERRUPTED,
     outcome_name, true, false},
    {"case_code", F_ASCII, FB(case_code), SZ(am_proto_feedback, case_code), AM_CASE_CODE_MAX - 1, 0,
     0, NULL, false, true},
};
#define FEEDBACK_MAX (COUNT_OF(feedback_head) + AM_REPORT_FIELDS_MAX)
static field feedback_fields[FEEDBACK_MAX];

static const field alert_fields[] = {
    {"id", F_UUID, REC(id), SZ(am_proto_record, id), 0, 0, 0, NULL, false, false},
    {"kiosk", F_KIOSK, REC(kiosk), SZ(am_proto_record, kiosk), 0, 0, 0, NULL, false, false},
    {"journey", F_UUID_NULL, AL(journey), SZ(am_proto_alert, journey), 0, 0, 0, NULL, false, false},
    {"reason", F_ENUM, AL(reason), 0, 0, AM_ALERT_STAFF_NOW, AM_ALERT_REASON_COUNT - 1,
     alert_reason_name, true, false},
    {"category", F_ID, AL(category), SZ(am_proto_alert, category), 0, 0, 0, NULL, false, false},
    {"severity", F_ENUM, AL(severity), 0, 0, AM_SEVERITY_MINOR, AM_SEVERITY_SEVERE, severity_name,
     true, false},
    {"raised_at", F_TIME, AL(raised_at), 0, 0, 1, AM_PROTO_MAX_TIME_MS, NULL, false, false},
    {"case_code", F_ASCII, AL(case_code), SZ(am_proto_alert, case_code), AM_CASE_CODE_MAX - 1, 0, 0,
     NULL, false, true},
};

static const field heartbeat_fields[] = {
    {"id", F_UUID, REC(id), SZ(am_proto_record, id), 0, 0, 0, NULL, false, false},
    {"kiosk", F_KIOSK, REC(kiosk), SZ(am_proto_record, kiosk), 0, 0, 0, NULL, false, false},
    {"sent_at", F_TIME, HB(sent_at), 0, 0, 1, AM_PROTO_MAX_TIME_MS, NULL, false, false},
    {"pending", F_INT, HB(pending), 0, 0, 0, AM_PROTO_MAX_COUNT, NULL, false, false},
    {"quarantined", F_INT, HB(quarantined), 0, 0, 0, AM_PROTO_MAX_COUNT, NULL, false, false},
    {"last_error", F_TEXT, HB(last_error), SZ(am_proto_heartbeat, last_error), AM_PROTO_LAST_ERROR,
     0, 0, NULL, false, false},
    {"version", F_ASCII, HB(version), SZ(am_proto_heartbeat, version), AM_PROTO_VERSION_MAX, 0, 0,
     NULL, false, false},
    {"uptime_s", F_INT, HB(uptime_s), 0, 0, 0, AM_PROTO_MAX_TIME_MS, NULL, false, false},
};

/* Optional, as one group: a heartbeat carries all of these or none. */
static const field heartbeat_budget_fields[] = {
    {"budget_currency", F_CURRENCY, HB(budget_currency), SZ(am_proto_heartbeat, budget_currency), 0,
     0, 0, NULL, false, false},
    {"budget_daily_minor", F_INT, HB(budget_daily_minor), 0, 0, 0, AM_PROTO_MAX_VALUE, NULL, false,
     false},
    {"budget_hourly_offers", F_INT, HB(budget_hourly_offers), 0, 0, 0, AM_PROTO_MAX_COUNT, NULL,
     false, false},
    {"spent_today_minor", F_INT, HB(spent_today_minor), 0, 0, 0, AM_PROTO_MAX_VALUE, NULL, false,
     false},
    {"offers_last_hour", F_INT, HB(offers_last_hour), 0, 0, 0, AM_PROTO_MAX_COUNT, NULL, false,
     false},
};

static const field voucher_fields[] = {
    {"id", F_UUID, REC(id), SZ(am_proto_record, id), 0, 0, 0, NULL, false, false},
    {"kiosk", F_KIOSK, REC(kiosk), SZ(am_proto_record, kiosk), 0, 0, 0, NULL, false, false},
    {"journey", F_UUID, VO(journey), SZ(am_proto_voucher, journey), 0, 0, 0, NULL, false, false},
    {"code", F_CODE, VO(code), SZ(am_proto_voucher, code), 0, 0, 0, NULL, false, false},
    {"serial", F_INT, VO(serial), 0, 0, 1, AM_PROTO_SERIAL_MAX, NULL, false, false},
    {"offer", F_ID, VO(offer), SZ(am_proto_voucher, offer), 0, 0, 0, NULL, false, false},
    {"value_minor", F_INT, VO(value_minor), 0, 0, 0, AM_PROTO_MAX_VALUE, NULL, false, false},
    {"issued_at", F_TIME, VO(issued_at), 0, 0, 1, AM_PROTO_MAX_TIME_MS, NULL, false, false},
    {"expires_at", F_TIME, VO(expires_at), 0, 0, 1, AM_PROTO_MAX_TIME_MS, NULL, false, false},
};

typedef struct schema {
    const field *fields; /* all required */
    size_t count;
    /* An optional group: present together or absent together. `present`
     * is the offset of the bool that says which. */
    const field *optional;
    size_t optional_count;
    size_t present;
} schema;

static schema schemas[AM_PROTO_KIND_COUNT] = {
    [AM_PROTO_FEEDBACK] = {feedback_fields, 0, NULL, 0, 0}, /* filled by schemas_build */
    [AM_PROTO_ALERT] = {alert_fields, COUNT_OF(alert_fields), NULL, 0, 0},
    [AM_PROTO_HEARTBEAT] = {heartbeat_fields, COUNT_OF(heartbeat_fields), heartbeat_budget_fields,
                            COUNT_OF(heartbeat_budget_fields), HB(has_budget)},
    [AM_PROTO_VOUCHER] = {voucher_fields, COUNT_OF(voucher_fields), NULL, 0, 0},
};

/* decode_record keeps one bit and one slot per field. */
_Static_assert(FEEDBACK_MAX <= 64 && COUNT_OF(alert_fields) <= 64 &&
                   COUNT_OF(heartbeat_fields) + COUNT_OF(heartbeat_budget_fields) <= 64 &&
                   COUNT_OF(voucher_fields) <= 64,
               "a schema has at most 64 fields");

static const field_type report_types[] = {
    [AM_RK_LANG] = F_LANG, [AM_RK_ID] = F_ID,       [AM_RK_ID_OPT] = F_ID_OPT,
    [AM_RK_TEXT] = F_TEXT, [AM_RK_ASCII] = F_ASCII, [AM_RK_ENUM] = F_ENUM,
    [AM_RK_INT] = F_INT,   [AM_RK_INT64] = F_INT,
};

static pthread_once_t schemas_once = PTHREAD_ONCE_INIT;

/* The feedback schema: its head, then one field per row of the report's
 * table. */
static void schemas_build(void)
{
    size_t n = 0;
    for (size_t i = 0; i < COUNT_OF(feedback_head); i++)
        feedback_fields[n++] = feedback_head[i];
    for (size_t i = 0; i < am_report_field_count; i++) {
        const am_report_field_def *d = &am_report_fields[i];
        feedback_fields[n++] = (field){
            .name = d->name,
            .type = report_types[d->kind],
            .off = offsetof(am_proto_record, u.feedback.report) + d->offset,
            .size = d->size,
            .cap = d->cap,
            .lo = d->lo,
            .hi = d->hi,
            .enum_name = d->enum_name,
            .int32 = d->kind != AM_RK_INT64,
            .may_be_absent = d->wire_optional,
        };
    }
    schemas[AM_PROTO_FEEDBACK].count = n;
}

static const schema *schema_of(am_proto_kind k)
{
    pthread_once(&schemas_once, schemas_build);
    return &schemas[k];
}

/* Field i of a schema: the required ones, then the optional group. */
static const field *schema_field(const schema *sc, size_t i)
{
    return i < sc->count ? &sc->fields[i] : &sc->optional[i - sc->count];
}

static bool group_present(const am_proto_record *r, const schema *sc)
{
    bool present = false;
    if (sc->optional_count)
        memcpy(&present, (const char *)r + sc->present, sizeof present);
    return present;
}

static void set_group_present(am_proto_record *r, const schema *sc, bool present)
{
    if (sc->optional_count)
        memcpy((char *)r + sc->present, &present, sizeof present);
}

static const char *const kind_names[AM_PROTO_KIND_COUNT] = {"feedback", "alert", "heartbeat",
                                                            "voucher"};

const char *am_proto_kind_name(am_proto_kind k)
{
    if ((int)k < 0 || k >= AM_PROTO_KIND_COUNT)
        return "";
    return kind_names[k];
}

static int64_t get_int(const am_proto_record *r, const field *f)
{
    const char *p = (const char *)r + f->off;
    if (f->int32) {
        int v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void set_int(am_proto_record *r, const field *f, int64_t value)
{
    char *p = (char *)r + f->off;
    if (f->int32) {
        int v = (int)value;
        memcpy(p, &v, sizeof v);
        return;
    }
    memcpy(p, &value, sizeof value);
}

static const char *get_str(const am_proto_record *r, const field *f)
{
    return (const char *)r + f->off;
}

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

void am_proto_uuid_new(char out[AM_PROTO_UUID_LEN + 1])
{
    unsigned char b[16];
    /* sodium_init is idempotent and thread-safe; a failure leaves the
     * random source unusable, which no caller could recover from. */
    if (sodium_init() < 0)
        abort();
    randombytes_buf(b, sizeof b);
    am_uuid_v7_text(b, am_wall_ms(), out);
}

bool am_proto_uuid_valid(const char *s)
{
    if (!s)
        return false;
    for (int i = 0; i < AM_PROTO_UUID_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return s[AM_PROTO_UUID_LEN] == '\0';
}

bool am_proto_kiosk_id_valid(const char *s)
{
    if (!s)
        return false;
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= AM_KIOSK_ID_MAX - 1)
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return n > 0;
}

bool am_proto_id_valid(const char *s)
{
    if (!s)
        return false;
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= AM_ID_MAX - 1)
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return n > 0;
}

bool am_proto_voucher_code_valid(const char *s)
{
    static const char symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (!s)
        return false;
    for (int i = 0; i < AM_PROTO_CODE_SIZE - 1; i++) {
        char c = s[i];
        if (i % 5 == 4) {
            if (c != '-')
                return false;
        } else if (c == '\0' || !strchr(symbols, c)) {
            return false;
        }
    }
    return s[AM_PROTO_CODE_SIZE - 1] == '\0';
}

static bool ascii_printable(const char *s)
{
    for (; *s; s++) {
        if (*s < 0x20 || *s > 0x7e)
            return false;
    }
    return true;
}

static bool currency_valid(const char *s)
{
    for (int i = 0; i < 3; i++) {
        if (s[i] < 'A' || s[i] > 'Z')
            return false;
    }
    return s[3] == '\0';
}

/* The value rules of one field, on the struct. */
static bool check_field(const am_proto_record *r, const field *f, const char *where, char *reason,
                        size_t reasonlen)
{
    const char *s;
    int64_t v;
    switch (f->type) {
    case F_UUID:
        if (!am_proto_uuid_valid(get_str(r, f))) {
            say(reason, reasonlen, "%s.%s: must be a lower-case UUID", where, f->name);
            return false;
        }
        return true;
    case F_UUID_NULL:
        s = get_str(r, f);
        if (*s && !am_proto_uuid_valid(s)) {
            say(reason, reasonlen, "%s.%s: must be a lower-case UUID or null", where, f->name);
            return false;
        }
        return true;
    case F_KIOSK:
        if (!am_proto_kiosk_id_valid(get_str(r, f))) {
            say(reason, reasonlen, "%s.%s: must be 1 to 64 of A-Z a-z 0-9 . _ -", where, f->name);
            return false;
        }
        return true;
    case F_ID:
    case F_ID_OPT:
        s = get_str(r, f);
        if ((f->type == F_ID || *s) && !am_proto_id_valid(s)) {
            say(reason, reasonlen, "%s.%s: must be 1 to 32 of a-z 0-9 _%s", where, f->name,
                f->type == F_ID_OPT ? " or empty" : "");
            return false;
        }
        return true;
    case F_TEXT:
        s = get_str(r, f);
        if (strnlen(s, f->size) >= f->size || !am_utf8_valid(s, strlen(s))) {
            say(reason, reasonlen, "%s.%s: is not valid UTF-8 text", where, f->name);
            return false;
        }
        if (am_utf8_count(s) > f->cap) {
            say(reason, reasonlen, "%s.%s: longer than %zu characters", where, f->name, f->cap);
            return false;
        }
        return true;
    case F_ASCII:
        s = get_str(r, f);
        if (strnlen(s, f->size) > f->cap) {
            say(reason, reasonlen, "%s.%s: longer than %zu characters", where, f->name, f->cap);
            return false;
        }
        if (!ascii_printable(s)) {
            say(reason, reasonlen, "%s.%s: must be printable ASCII", where, f->name);
            return false;
        }
        return true;
    case F_ENUM:
        v = get_int(r, f);
        if (v < f->lo || v > f->hi) {
            say(reason, reasonlen, "%s.%s: not an allowed value", where, f->name);
            return false;
        }
        return true;
    case F_LANG:
        v = get_int(r, f);
        if (v < 0 || v >= AM_LANG_COUNT) {
            say(reason, reasonlen, "%s.%s: not a language amends knows", where, f->name);
            return false;
        }
        return true;
    case F_TIME:
    case F_INT:
        v = get_int(r, f);
        if (v < f->lo || v > f->hi) {
            say(reason, reasonlen, "%s.%s: must be an integer from %lld to %lld", where, f->name,
                (long long)f->lo, (long long)f->hi);
            return false;
        }
        return true;
    case F_CURRENCY:
        s = get_str(r, f);
        if (strnlen(s, f->size) != 3 || !currency_valid(s)) {
            say(reason, reasonlen, "%s.%s: must be three upper-case letters (ISO 4217)", where,
                f->name);
            return false;
        }
        return true;
    case F_CODE:
        if (!am_proto_voucher_code_valid(get_str(r, f))) {
            say(reason, reasonlen, "%s.%s: must be a voucher code XXXX-XXXX-XXXX-XXXX (upper case)",
                where, f->name);
            return false;
        }
        return true;
    }
    return false;
}

/* Rules that tie fields together. */
static bool check_cross(const am_proto_record *r, const char *where, char *reason, size_t reasonlen)
{
    if (r->kind == AM_PROTO_FEEDBACK) {
        const am_proto_feedback *fb = &r->u.feedback;
        if (fb->closed_at < fb->created_at) {
            say(reason, reasonlen, "%s.closed_at: earlier than created_at", where);
            return false;
        }
        if (fb->report.contact[0] && fb->report.consent != AM_CONSENT_YES) {
            say(reason, reasonlen, "%s.contact: given without consent \"yes\"", where);
            return false;
        }
    }
    if (r->kind == AM_PROTO_VOUCHER && r->u.voucher.expires_at < r->u.voucher.issued_at) {
        say(reason, reasonlen, "%s.expires_at: earlier than issued_at", where);
        return false;
    }
    return true;
}

bool am_proto_record_check(const am_proto_record *r, const char *where, char *reason,
                           size_t reasonlen)
{
    if (!r || (int)r->kind < 0 || r->kind >= AM_PROTO_KIND_COUNT) {
        say(reason, reasonlen, "%s.kind: must be feedback, alert, heartbeat or voucher", where);
        return false;
    }
    const schema *sc = schema_of(r->kind);
    for (size_t i = 0; i < sc->count; i++) {
        if (!check_field(r, &sc->fields[i], where, reason, reasonlen))
            return false;
    }
    for (size_t i = 0; group_present(r, sc) && i < sc->optional_count; i++) {
        if (!check_field(r, &sc->optional[i], where, reason, reasonlen))
            return false;
    }
    return check_cross(r, where, reason, reasonlen);
}

/* --- decoding -------------------------------------------------------------- */

static bool json_integer(const cJSON *item, int64_t *out)
{
    if (!cJSON_IsNumber(item))
        return false;
    double d = item->valuedouble;
    /* Beyond 2^53 doubles skip integers, so such values are refused. */
    if (!(d >= -9007199254740991.0 && d <= 9007199254740991.0))
        return false;
    int64_t v = (int64_t)d;
    if ((double)v != d)
        return false;
    *out = v;
    return true;
}

/* Reads one JSON value into the struct; the value rules come after. */
static bool read_field(am_proto_record *r, const field *f, const cJSON *item, const char *where,
                       char *reason, size_t reasonlen)
{
    char *dst = (char *)r + f->off;
    int64_t v;
    switch (f->type) {
    case F_UUID_NULL:
        if (cJSON_IsNull(item)) {
            dst[0] = '\0';
            return true;
        }
        /* fall through */
    case F_UUID:
    case F_KIOSK:
    case F_ID:
    case F_ID_OPT:
    case F_TEXT:
    case F_ASCII:
    case F_CODE:
    case F_CURRENCY:
        if (!cJSON_IsString(item) || !item->valuestring) {
            say(reason, reasonlen, "%s.%s: must be a string", where, f->name);
            return false;
        }
        if (strlen(item->valuestring) >= f->size) {
            /* More bytes than the buffer holds means more characters than
             * the cap: each character takes at most 4 bytes. */
            if (f->type == F_TEXT || f->type == F_ASCII)
                say(reason, reasonlen, "%s.%s: longer than %zu characters", where, f->name, f->cap);
            else
                say(reason, reasonlen, "%s.%s: too long", where, f->name);
            return false;
        }
        memcpy(dst, item->valuestring, strlen(item->valuestring) + 1);
        return check_field(r, f, where, reason, reasonlen);
    case F_ENUM:
        if (cJSON_IsString(item) && item->valuestring) {
            for (int64_t e = f->lo; e <= f->hi; e++) {
                if (strcmp(item->valuestring, f->enum_name((int)e)) == 0) {
                    set_int(r, f, e);
                    return true;
                }
            }
        }
        {
            char allowed[160] = "";
            size_t used = 0;
            for (int64_t e = f->lo; e <= f->hi && used < sizeof allowed; e++) {
                int n = snprintf(allowed + used, sizeof allowed - used, "%s\"%s\"",
                                 e == f->lo ? "" : ", ", f->enum_name((int)e));
                if (n < 0)
                    break;
                used += (size_t)n;
            }
            say(reason, reasonlen, "%s.%s: must be one of %s", where, f->name, allowed);
        }
        return false;
    case F_LANG:
        if (cJSON_IsString(item) && item->valuestring) {
            int lang = am_lang_index(item->valuestring);
            if (lang >= 0) {
                set_int(r, f, lang);
                return true;
            }
        }
        say(reason, reasonlen, "%s.%s: not a language amends knows", where, f->name);
        return false;
    case F_TIME:
    case F_INT:
        if (!json_integer(item, &v) || v < f->lo || v > f->hi) {
            say(reason, reasonlen, "%s.%s: must be an integer from %lld to %lld", where, f->name,
                (long long)f->lo, (long long)f->hi);
            return false;
        }
        set_int(r, f, v);
        return true;
    }
    return false;
}

static void decode_record(am_proto_record *r, const cJSON *obj, size_t index)
{
    char where[32];
    snprintf(where, sizeof where, "records[%zu]", index);
    memset(r, 0, sizeof *r);
    r->valid = false;
    if (!cJSON_IsObject(obj)) {
        say(r->reason, sizeof r->reason, "%s: must be an object", where);
        return;
    }
    /* Name the record as early as possible, even when it is broken. */
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
    if (cJSON_IsString(id) && am_proto_uuid_valid(id->valuestring))
        memcpy(r->id, id->valuestring, AM_PROTO_UUID_LEN + 1);
    const cJSON *kiosk = cJSON_GetObjectItemCaseSensitive(obj, "kiosk");
    if (cJSON_IsString(kiosk) && am_proto_kiosk_id_valid(kiosk->valuestring))
        snprintf(r->kiosk, sizeof r->kiosk, "%s", kiosk->valuestring);

    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
    int k = -1;
    if (cJSON_IsString(kind)) {
        for (int i = 0; i < AM_PROTO_KIND_COUNT; i++) {
            if (strcmp(kind->valuestring, kind_names[i]) == 0)
                k = i;
        }
    }
    if (k < 0) {
        say(r->reason, sizeof r->reason,
            "%s.kind: must be \"feedback\", \"alert\", \"heartbeat\" or \"voucher\"", where);
        return;
    }
    r->kind = (am_proto_kind)k;
    const schema *sc = schema_of(k);

    /* Every key must be known and appear once. Bit i of `seen`: required
     * field i; bit count + j: optional field j; found[] holds the values by
     * the same index, so no field is looked up by name twice. The encoder
     * writes fields in schema order, so the field after the last one found
     * is tried first: one comparison per key instead of a scan. */
    const size_t total = sc->count + sc->optional_count;
    const cJSON *found[64];
    uint64_t seen = 0;
    size_t hint = 0;
    bool kind_seen = false;
    for (const cJSON *item = obj->child; item; item = item->next) {
        if (!item->string) {
            say(r->reason, sizeof r->reason, "%s: key without a name", where);
            return;
        }
        if (strcmp(item->string, "kind") == 0) {
            if (kind_seen) {
                say(r->reason, sizeof r->reason, "%s.kind: given twice", where);
                return;
            }
            kind_seen = true;
            continue;
        }
        size_t i = hint;
        if (i >= total || strcmp(item->string, schema_field(sc, i)->name) != 0) {
            i = 0;
            while (i < total && strcmp(item->string, schema_field(sc, i)->name) != 0)
                i++;
        }
        if (i == total) {
            char name[40];
            /* Name the key, but only its safe leading characters. */
            size_t n = 0;
            for (; item->string[n] && n < sizeof name - 1; n++) {
                char c = item->string[n];
                name[n] = (c >= 0x20 && c <= 0x7e && c != '"') ? c : '?';
            }
            name[n] = '\0';
            say(r->reason, sizeof r->reason, "%s: unknown field \"%s\" for %s", where, name,
                kind_names[k]);
            return;
        }
        if (seen & (UINT64_C(1) << i)) {
            say(r->reason, sizeof r->reason, "%s.%s: given twice", where,
                schema_field(sc, i)->name);
            return;
        }
        seen |= UINT64_C(1) << i;
        found[i] = item;
        hint = i + 1;
    }
    for (size_t i = 0; i < sc->count; i++) {
        const field *f = &sc->fields[i];
        if (!(seen & (UINT64_C(1) << i))) {
            if (f->may_be_absent)
                continue;
            say(r->reason, sizeof r->reason, "%s.%s: missing", where, f->name);
            return;
        }
        if (!read_field(r, f, found[i], where, r->reason, sizeof r->reason))
            return;
    }
    size_t given = 0;
    for (size_t j = 0; j < sc->optional_count; j++)
        given += (seen >> (sc->count + j)) & 1u;
    if (given > 0) {
        for (size_t j = 0; j < sc->optional_count; j++) {
            const field *f = &sc->optional[j];
            if (!(seen & (UINT64_C(1) << (sc->count + j)))) {
                say(r->reason, sizeof r->reason,
                    "%s.%s: missing (the %s fields come all together or not at all)", where,
                    f->name, sc->optional[0].name);
                return;
            }
            if (!read_field(r, f, found[sc->count + j], where, r->reason, sizeof r->reason))
                return;
        }
        set_group_present(r, sc, true);
    }
    if (!check_cross(r, where, r->reason, sizeof r->reason))
        return;
    r->valid = true;
}

am_proto_batch *am_proto_batch_new(const char *kiosk, const char *batch, size_t capacity)
{
    if (!kiosk || !batch || strlen(kiosk) >= AM_KIOSK_ID_MAX || strlen(batch) > AM_PROTO_UUID_LEN ||
        capacity > AM_PROTO_MAX_RECORDS)
        return NULL;
    am_proto_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    if (capacity > 0) {
        /* Not zeroed here: batch_add and decode_record clear each record
         * as it is taken, and nothing reads past count. A batch of 100 is
         * 830 KB; clearing it twice was measurable on every sync. */
        b->records = malloc(capacity * sizeof *b->records);
        if (!b->records) {
            free(b);
            return NULL;
        }
    }
    b->capacity = capacity;
    snprintf(b->kiosk, sizeof b->kiosk, "%s", kiosk);
    snprintf(b->batch, sizeof b->batch, "%s", batch);
    return b;
}

am_proto_record *am_proto_batch_add(am_proto_batch *b, am_proto_kind kind)
{
    if (!b || b->count >= b->capacity || (int)kind < 0 || kind >= AM_PROTO_KIND_COUNT)
        return NULL;
    am_proto_record *r = &b->records[b->count++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->valid = true;
    snprintf(r->kiosk, sizeof r->kiosk, "%s", b->kiosk);
    return r;
}

void am_proto_batch_free(am_proto_batch *b)
{
    if (!b)
        return;
    if (b->records) {
        /* Records past count were never written (calloc, batch_add). */
        am_wipe(b->records, b->count * sizeof *b->records);
        free(b->records);
    }
    free(b);
}

/* The parse must cover the whole body: trailing bytes other than white
 * space mean the body is not one JSON value. */
static cJSON *parse_whole(const char *body, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!root)
        return NULL;
    for (const char *p = end; p && p < body + len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            cJSON_Delete(root);
            return NULL;
        }
    }
    return root;
}

am_rc am_proto_batch_decode(const char *body, size_t len, am_proto_batch **out, char *err,
                            size_t errlen)
{
    am_rc rc = AM_ERR_INVALID;
    am_proto_batch *b = NULL;
    *out = NULL;
    cJSON *root = body ? parse_whole(body, len) : NULL;
    if (!root) {
        say(err, errlen, "body is not valid JSON");
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        say(err, errlen, "body must be a JSON object");
        goto out;
    }
    for (const cJSON *item = root->child; item; item = item->next) {
        if (!item->string ||
            (strcmp(item->string, "kiosk") != 0 && strcmp(item->string, "batch") != 0 &&
             strcmp(item->string, "records") != 0)) {
            say(err, errlen, "body: unknown field (allowed: kiosk, batch, records)");
            goto out;
        }
        for (const cJSON *other = item->next; other; other = other->next) {
            if (other->string && strcmp(other->string, item->string) == 0) {
                say(err, errlen, "body: field \"%s\" given twice", item->string);
                goto out;
            }
        }
    }
    const cJSON *kiosk = cJSON_GetObjectItemCaseSensitive(root, "kiosk");
    if (!cJSON_IsString(kiosk) || !am_proto_kiosk_id_valid(kiosk->valuestring)) {
        say(err, errlen, "kiosk: must be 1 to 64 of A-Z a-z 0-9 . _ -");
        goto out;
    }
    const cJSON *batch = cJSON_GetObjectItemCaseSensitive(root, "batch");
    if (!cJSON_IsString(batch) || !am_proto_uuid_valid(batch->valuestring)) {
        say(err, errlen, "batch: must be a lower-case UUID");
        goto out;
    }
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(root, "records");
    if (!cJSON_IsArray(records)) {
        say(err, errlen, "records: must be an array");
        goto out;
    }
    int count = cJSON_GetArraySize(records);
    if (count > AM_PROTO_MAX_RECORDS) {
        say(err, errlen, "records: %d records, at most %d per batch: split the batch", count,
            AM_PROTO_MAX_RECORDS);
        rc = AM_ERR_TOOBIG;
        goto out;
    }
    b = am_proto_batch_new(kiosk->valuestring, batch->valuestring, (size_t)count);
    if (!b) {
        say(err, errlen, "out of memory");
        rc = AM_ERR_NOMEM;
        goto out;
    }
    size_t index = 0;
    for (const cJSON *item = records->child; item; item = item->next, index++)
        decode_record(&b->records[index], item, index);
    b->count = index;
    *out = b;
    b = NULL;
    rc = AM_OK;
out:
    am_proto_batch_free(b);
    cJSON_Delete(root);
    return rc;
}

/* --- encoding -------------------------------------------------------------- */

/* --- encoding --------------------------------------------------------------------
 *
 * Written straight into one buffer: a cJSON tree of a 100-record batch cost
 * an allocation per field and a tenth of a sync request's time. The output is
 * what cJSON printed (compact, same key order, same escapes), so decoding it
 * with cJSON gives the record back. The buffer holds guest text: core's
 * capped buffer wipes each block it lets go. */

/* Far above 500 records with every text at its cap, escaped. */
#define ENCODE_MAX (256u << 20)

typedef am_buf json_out;

static void out_raw(json_out *o, const char *s, size_t n)
{
    am_buf_add(o, s, n);
}

/* A JSON string: quotes, backslash and control characters escaped as cJSON
 * does; everything else, UTF-8 included, as it is. */
static void out_str(json_out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);
    char *start = am_buf_space(o, n * 6 + 2); /* \u00XX is the longest form */
    if (!start)
        return;
    char *d = start;
    *d++ = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"':
            *d++ = '\\';
            *d++ = '"';
            break;
        case '\\':
            *d++ = '\\';
            *d++ = '\\';
            break;
        case '\b':
            *d++ = '\\';
            *d++ = 'b';
            break;
        case '\f':
            *d++ = '\\';
            *d++ = 'f';
            break;
        case '\n':
            *d++ = '\\';
            *d++ = 'n';
            break;
        case '\r':
            *d++ = '\\';
            *d++ = 'r';
            break;
        case '\t':
            *d++ = '\\';
            *d++ = 't';
            break;
        default:
            if (*c < 0x20) {
                memcpy(d, "\\u00", 4);
                d += 4;
                *d++ = hex[*c >> 4];
                *d++ = hex[*c & 0x0f];
            } else {
                *d++ = (char)*c;
            }
        }
    }
    *d++ = '"';
    am_buf_commit(o, (size_t)(d - start));
}

static void out_key(json_out *o, const char *name, bool first)
{
    if (!first)
        out_raw(o, ",", 1);
    out_str(o, name);
    out_raw(o, ":", 1);
}

static void out_field(json_out *o, const am_proto_record *r, const field *f)
{
    char num[24];
    const char *s;
    out_key(o, f->name, false);
    switch (f->type) {
    case F_UUID_NULL:
        s = get_str(r, f);
        if (*s)
            out_str(o, s);
        else
            out_raw(o, "null", 4);
        break;
    case F_UUID:
    case F_KIOSK:
    case F_ID:
    case F_ID_OPT:
    case F_TEXT:
    case F_ASCII:
    case F_CODE:
    case F_CURRENCY:
        out_str(o, get_str(r, f));
        break;
    case F_ENUM:
        out_str(o, f->enum_name((int)get_int(r, f)));
        break;
    case F_LANG:
        out_str(o, am_lang_codes[get_int(r, f)]);
        break;
    case F_TIME:
    case F_INT: {
        /* Checked against the field's bounds, all within 2^53. */
        int n = snprintf(num, sizeof num, "%lld", (long long)get_int(r, f));
        out_raw(o, num, (size_t)n);
        break;
    }
    }
}

char *am_proto_batch_encode(const am_proto_batch *b, char *err, size_t errlen)
{
    json_out o;
    am_buf_init(&o, ENCODE_MAX);
    if (!b || !am_proto_kiosk_id_valid(b->kiosk) || !am_proto_uuid_valid(b->batch)) {
        say(err, errlen, "batch: bad kiosk id or batch UUID");
        return NULL;
    }
    am_buf_space(&o, 1024 + b->count * 1024);
    out_raw(&o, "{", 1);
    out_key(&o, "kiosk", true);
    out_str(&o, b->kiosk);
    out_key(&o, "batch", false);
    out_str(&o, b->batch);
    out_key(&o, "records", false);
    out_raw(&o, "[", 1);
    for (size_t i = 0; i < b->count; i++) {
        const am_proto_record *r = &b->records[i];
        char where[32];
        snprintf(where, sizeof where, "records[%zu]", i);
        if (!am_proto_record_check(r, where, err, errlen))
            goto fail;
        out_raw(&o, i ? ",{" : "{", i ? 2 : 1);
        out_key(&o, "kind", true);
        out_str(&o, kind_names[r->kind]);
        const schema *sc = schema_of(r->kind);
        for (size_t k = 0; k < sc->count; k++)
            out_field(&o, r, &sc->fields[k]);
        for (size_t k = 0; group_present(r, sc) && k < sc->optional_count; k++)
            out_field(&o, r, &sc->optional[k]);
        out_raw(&o, "}", 1);
    }
    out_raw(&o, "]}", 2);
    char *body = am_buf_take(&o, NULL);
    if (!body) {
        if (am_buf_rc(&o) == AM_ERR_TOOBIG)
            say(err, errlen, "batch: larger than %u bytes encoded", ENCODE_MAX);
        else
            say(err, errlen, "out of memory");
        goto fail;
    }
    return body;
fail:
    am_buf_free(&o);
    return NULL;
}
