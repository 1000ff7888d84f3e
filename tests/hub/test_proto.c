/* test_proto.c — the sync wire format on its own: batches, schema checks,
 * results, Standard Webhooks signatures and Retry-After. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "am_test.h"
#include "amends/clock.h"
#include "amends/proto.h"
#include "amends/retry_after.h"
#include "amends/webhook.h"

static am_proto_batch *sample_batch(void)
{
    am_proto_batch *b =
        am_proto_batch_new("front-desk.1", "0b1c2d3e-4f50-4617-8899-aabbccddeeff", 3);
    assert_non_null(b);
    am_proto_record *fb = am_proto_batch_add(b, AM_PROTO_FEEDBACK);
    snprintf(fb->id, sizeof fb->id, "11111111-2222-4333-8444-555555555555");
    fb->u.feedback.created_at = 1714550000000;
    fb->u.feedback.closed_at = 1714550060000;
    am_report *r = &fb->u.feedback.report;
    r->lang = AM_LANG_AR;
    snprintf(r->category, sizeof r->category, "room");
    r->severity = AM_SEVERITY_SEVERE;
    snprintf(r->description, sizeof r->description, "\"quoted\", comma\nnewline 🙁 مرحبا");
    snprintf(r->resolution, sizeof r->resolution, "staff_now");
    r->offer_state = AM_OFFER_ESCALATED;
    r->rating = 2;
    snprintf(r->contact, sizeof r->contact, "+44 20 7946 0000");
    r->consent = AM_CONSENT_YES;
    r->outcome = AM_OUTCOME_COMPLETED;
    am_proto_record *al = am_proto_batch_add(b, AM_PROTO_ALERT);
    snprintf(al->id, sizeof al->id, "21111111-2222-4333-8444-555555555555");
    memcpy(al->u.alert.journey, fb->id, sizeof al->u.alert.journey);
    al->u.alert.reason = AM_ALERT_SEVERE;
    snprintf(al->u.alert.category, sizeof al->u.alert.category, "room");
    al->u.alert.severity = AM_SEVERITY_SEVERE;
    al->u.alert.raised_at = 1714550010000;
    am_proto_record *hb = am_proto_batch_add(b, AM_PROTO_HEARTBEAT);
    snprintf(hb->id, sizeof hb->id, "31111111-2222-4333-8444-555555555555");
    hb->u.heartbeat.sent_at = 1714550070000;
    hb->u.heartbeat.pending = 12;
    hb->u.heartbeat.quarantined = 1;
    snprintf(hb->u.heartbeat.version, sizeof hb->u.heartbeat.version, "0.1.0");
    hb->u.heartbeat.uptime_s = 86400;
    return b;
}

static void batch_round_trips(void **state)
{
    (void)state;
    char err[256];
    am_proto_batch *b = sample_batch();
    char *text = am_proto_batch_encode(b, err, sizeof err);
    assert_non_null(text);
    am_proto_batch *d = NULL;
    assert_int_equal(am_proto_batch_decode(text, strlen(text), &d, err, sizeof err), AM_OK);
    assert_string_equal(d->kiosk, "front-desk.1");
    assert_string_equal(d->batch, b->batch);
    assert_int_equal(d->count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(d->records[i].valid);
        assert_int_equal(d->records[i].kind, b->records[i].kind);
        assert_string_equal(d->records[i].id, b->records[i].id);
        assert_string_equal(d->records[i].kiosk, "front-desk.1");
    }
    const am_report *r = &d->records[0].u.feedback.report;
    assert_string_equal(r->description, b->records[0].u.feedback.report.description);
    assert_int_equal(r->lang, AM_LANG_AR);
    assert_int_equal(r->severity, AM_SEVERITY_SEVERE);
    assert_int_equal(r->offer_state, AM_OFFER_ESCALATED);
    assert_int_equal(r->consent, AM_CONSENT_YES);
    assert_true(d->records[0].u.feedback.closed_at == 1714550060000);
    assert_string_equal(d->records[1].u.alert.journey, b->records[0].id);
    assert_true(d->records[2].u.heartbeat.pending == 12);
    /* Encoding what was decoded gives the same bytes. */
    char *again = am_proto_batch_encode(d, err, sizeof err);
    assert_string_equal(again, text);
    free(again);
    free(text);
    am_proto_batch_free(d);
    am_proto_batch_free(b);
}

/* The encoder writes JSON itself; what it writes is exactly what cJSON
 * prints for the same document: every escape, UTF-8 as it is, numbers as
 * integers. */
static void encoding_is_what_cjson_prints(void **state)
{
    (void)state;
    char err[256];
    am_proto_batch *b = sample_batch();
    am_report *r = &b->records[0].u.feedback.report;
    snprintf(r->description, sizeof r->description,
             "q\" b\\ \b\f\n\r\t \x01\x1f\x7f / </script> caf\xc3\xa9 🙁 مرحبا");
    snprintf(r->comment, sizeof r->comment, "%s", "'; DROP TABLE feedback; --");
    b->records[2].u.heartbeat.uptime_s = 999999999999999LL; /* cJSON's 15 digits */
    char *text = am_proto_batch_encode(b, err, sizeof err);
    assert_non_null(text);
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    char *printed = cJSON_PrintUnformatted(doc);
    assert_string_equal(text, printed);
    const cJSON *rec = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "records"), 0);
    assert_string_equal(cJSON_GetObjectItem(rec, "description")->valuestring, r->description);
    cJSON_free(printed);
    cJSON_Delete(doc);
    free(text);
    /* Past 15 digits cJSON would print 9.00719925474099e+15 and lose the
     * last digit; the encoder writes the integer and it decodes back. */
    b->records[2].u.heartbeat.uptime_s = 9007199254740991LL; /* 2^53 - 1 */
    text = am_proto_batch_encode(b, err, sizeof err);
    assert_non_null(strstr(text, "\"uptime_s\":9007199254740991"));
    am_proto_batch *d = NULL;
    assert_int_equal(am_proto_batch_decode(text, strlen(text), &d, err, sizeof err), AM_OK);
    assert_true(d->records[2].valid);
    assert_true(d->records[2].u.heartbeat.uptime_s == 9007199254740991LL);
    am_proto_batch_free(d);
    free(text);
    am_proto_batch_free(b);
}

static void encode_refuses_invalid_records(void **state)
{
    (void)state;
    char err[256];
    am_proto_batch *b = sample_batch();
    b->records[0].u.feedback.report.rating = 6;
    assert_null(am_proto_batch_encode(b, err, sizeof err));
    assert_string_equal(err, "records[0].rating: must be an integer from 0 to 5");
    b->records[0].u.feedback.report.rating = 5;
    b->records[2].u.heartbeat.version[0] = '\x7f';
    assert_null(am_proto_batch_encode(b, err, sizeof err));
    assert_string_equal(err, "records[2].version: must be printable ASCII");
    am_proto_batch_free(b);
}

/* Decodes a batch holding one record given as JSON text; returns the
 * record's rejection reason ("" when valid). */
static const char *one(const char *record)
{
    static char reason[AM_PROTO_REASON_MAX];
    char body[8192], err[256];
    snprintf(body, sizeof body,
             "{\"kiosk\":\"k1\",\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\","
             "\"records\":[%s]}",
             record);
    am_proto_batch *b = NULL;
    assert_int_equal(am_proto_batch_decode(body, strlen(body), &b, err, sizeof err), AM_OK);
    assert_int_equal(b->count, 1);
    snprintf(reason, sizeof reason, "%s", b->records[0].valid ? "" : b->records[0].reason);
    am_proto_batch_free(b);
    return reason;
}

#define ALERT_OK                                                                                   \
    "\"kind\":\"alert\",\"id\":\"21111111-2222-4333-8444-555555555555\",\"kiosk\":\"k1\","         \
    "\"journey\":null,\"reason\":\"staff_now\",\"category\":\"room\",\"severity\":\"minor\""

static void schema_checks_name_record_and_field(void **state)
{
    (void)state;
    assert_string_equal(one("{" ALERT_OK ",\"raised_at\":1714550010000}"), "");
    assert_string_equal(one("{" ALERT_OK ",\"raised_at\":1.5}"),
                        "records[0].raised_at: must be an integer from 1 to 9007199254740991");
    assert_string_equal(one("{" ALERT_OK ",\"raised_at\":\"1\"}"),
                        "records[0].raised_at: must be an integer from 1 to 9007199254740991");
    assert_string_equal(one("{" ALERT_OK ",\"raised_at\":1e300}"),
                        "records[0].raised_at: must be an integer from 1 to 9007199254740991");
    assert_string_equal(one("{" ALERT_OK "}"), "records[0].raised_at: missing");
    assert_string_equal(one("{" ALERT_OK ",\"raised_at\":1,\"raised_at\":2}"),
                        "records[0].raised_at: given twice");
    assert_string_equal(one("{" ALERT_OK ",\"raised_at\":1,\"extra\":true}"),
                        "records[0]: unknown field \"extra\" for alert");
    /* Keys in any order: the decoder tries schema order first, then looks. */
    assert_string_equal(one("{\"raised_at\":1714550010000,\"severity\":\"minor\","
                            "\"category\":\"room\",\"reason\":\"staff_now\",\"journey\":null,"
                            "\"kiosk\":\"k1\",\"id\":\"21111111-2222-4333-8444-555555555555\","
                            "\"kind\":\"alert\"}"),
                        "");
    assert_string_equal(one("{\"raised_at\":1,\"severity\":\"minor\",\"category\":\"room\","
                            "\"reason\":\"staff_now\",\"journey\":null,\"kiosk\":\"k1\","
                            "\"raised_at\":2,\"kind\":\"alert\"}"),
                        "records[0].raised_at: given twice");
    assert_string_equal(one("{\"severity\":\"minor\",\"raised_at\":1,\"category\":\"room\","
                            "\"reason\":\"staff_now\",\"journey\":null,\"kiosk\":\"k1\","
                            "\"kind\":\"alert\"}"),
                        "records[0].id: missing");
    assert_string_equal(
        one("{\"kind\":\"note\"}"),
        "records[0].kind: must be \"feedback\", \"alert\", \"heartbeat\" or \"voucher\"");
    assert_string_equal(one("[]"), "records[0]: must be an object");
    assert_string_equal(
        one("{\"kind\":\"alert\",\"id\":\"21111111-2222-4333-8444-55555555555X\",\"kiosk\":\"k1\","
            "\"journey\":null,\"reason\":\"staff_now\",\"category\":\"room\",\"severity\":"
            "\"minor\",\"raised_at\":1}"),
        "records[0].id: must be a lower-case UUID");
    assert_string_equal(
        one("{\"kind\":\"alert\",\"id\":\"21111111-2222-4333-8444-555555555555\",\"kiosk\":\"k 1\","
            "\"journey\":null,\"reason\":\"staff_now\",\"category\":\"room\",\"severity\":"
            "\"minor\",\"raised_at\":1}"),
        "records[0].kiosk: must be 1 to 64 of A-Z a-z 0-9 . _ -");
    assert_string_equal(
        one("{\"kind\":\"alert\",\"id\":\"21111111-2222-4333-8444-555555555555\",\"kiosk\":\"k1\","
            "\"journey\":null,\"reason\":\"staff_now\",\"category\":\"Room\",\"severity\":"
            "\"minor\",\"raised_at\":1}"),
        "records[0].category: must be 1 to 32 of a-z 0-9 _");
    assert_string_equal(
        one("{\"kind\":\"alert\",\"id\":\"21111111-2222-4333-8444-555555555555\",\"kiosk\":\"k1\","
            "\"journey\":null,\"reason\":\"staff_now\",\"category\":\"room\",\"severity\":\"\","
            "\"raised_at\":1}"),
        "records[0].severity: must be one of \"minor\", \"significant\", \"severe\"");
    /* Heartbeat text: valid UTF-8, cap in characters (200 of 4 bytes fit). */
    char record[4096], text[1024];
    text[0] = '\0';
    for (int i = 0; i < 200; i++)
        strcat(text, "🙁");
    snprintf(record, sizeof record,
             "{\"kind\":\"heartbeat\",\"id\":\"31111111-2222-4333-8444-555555555555\","
             "\"kiosk\":\"k1\",\"sent_at\":1,\"pending\":0,\"quarantined\":0,\"last_error\":\"%s\","
             "\"version\":\"1\",\"uptime_s\":0}",
             text);
    assert_string_equal(one(record), "");
    strcat(text, "a");
    snprintf(record, sizeof record,
             "{\"kind\":\"heartbeat\",\"id\":\"31111111-2222-4333-8444-555555555555\","
             "\"kiosk\":\"k1\",\"sent_at\":1,\"pending\":0,\"quarantined\":0,\"last_error\":\"%s\","
             "\"version\":\"1\",\"uptime_s\":0}",
             text);
    assert_string_equal(one(record), "records[0].last_error: longer than 200 characters");
    snprintf(record, sizeof record,
             "{\"kind\":\"heartbeat\",\"id\":\"31111111-2222-4333-8444-555555555555\","
             "\"kiosk\":\"k1\",\"sent_at\":1,\"pending\":0,\"quarantined\":0,"
             "\"last_error\":\"\xed\xa0\x80\",\"version\":\"1\",\"uptime_s\":0}");
    assert_string_equal(one(record), "records[0].last_error: is not valid UTF-8 text");
}

#define VOUCHER_HEAD                                                                               \
    "\"kind\":\"voucher\",\"id\":\"31111111-2222-4333-8444-555555555555\",\"kiosk\":\"k1\","       \
    "\"journey\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\",\"offer\":\"breakfast\","                \
    "\"value_minor\":1500,\"issued_at\":1714550010000"

#define HEARTBEAT_HEAD                                                                             \
    "\"kind\":\"heartbeat\",\"id\":\"31111111-2222-4333-8444-555555555555\",\"kiosk\":\"k1\","     \
    "\"sent_at\":1,\"pending\":0,\"quarantined\":0,\"last_error\":\"\",\"version\":\"1\","         \
    "\"uptime_s\":0"

/* The budget a heartbeat carries: optional, all five keys together, each
 * checked as strictly as the rest. */
static void heartbeat_budget_is_optional_and_strict(void **state)
{
    (void)state;
    char err[256];
    /* With a budget: it survives encode, decode, encode byte for byte. */
    am_proto_batch *b = sample_batch();
    am_proto_heartbeat *hb = &b->records[2].u.heartbeat;
    hb->has_budget = true;
    snprintf(hb->budget_currency, sizeof hb->budget_currency, "EUR");
    hb->budget_daily_minor = 5000;
    hb->budget_hourly_offers = 3;
    hb->spent_today_minor = 6250; /* over: the kiosk reports what it sees */
    hb->offers_last_hour = 2;
    char *text = am_proto_batch_encode(b, err, sizeof err);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"budget_currency\":\"EUR\",\"budget_daily_minor\":5000,"
                                 "\"budget_hourly_offers\":3,\"spent_today_minor\":6250,"
                                 "\"offers_last_hour\":2"));
    am_proto_batch *d = NULL;
    assert_int_equal(am_proto_batch_decode(text, strlen(text), &d, err, sizeof err), AM_OK);
    const am_proto_heartbeat *got = &d->records[2].u.heartbeat;
    assert_true(d->records[2].valid);
    assert_true(got->has_budget);
    assert_string_equal(got->budget_currency, "EUR");
    assert_true(got->budget_daily_minor == 5000);
    assert_true(got->budget_hourly_offers == 3);
    assert_true(got->spent_today_minor == 6250);
    assert_true(got->offers_last_hour == 2);
    char *again = am_proto_batch_encode(d, err, sizeof err);
    assert_string_equal(again, text);
    free(again);
    free(text);
    am_proto_batch_free(d);

    /* Without: no budget key on the wire, and decoded as none. */
    hb->has_budget = false;
    text = am_proto_batch_encode(b, err, sizeof err);
    assert_non_null(text);
    assert_null(strstr(text, "budget"));
    assert_int_equal(am_proto_batch_decode(text, strlen(text), &d, err, sizeof err), AM_OK);
    assert_true(d->records[2].valid);
    assert_false(d->records[2].u.heartbeat.has_budget);
    free(text);
    am_proto_batch_free(d);

    /* Encoding checks the budget too, but only when there is one. */
    snprintf(hb->budget_currency, sizeof hb->budget_currency, "eur");
    text = am_proto_batch_encode(b, err, sizeof err);
    assert_non_null(text);
    free(text);
    hb->has_budget = true;
    assert_null(am_proto_batch_encode(b, err, sizeof err));
    assert_string_equal(err,
                        "records[2].budget_currency: must be three upper-case letters (ISO 4217)");
    am_proto_batch_free(b);

#define BUDGET_OK                                                                                  \
    "\"budget_currency\":\"EUR\",\"budget_daily_minor\":5000,\"budget_hourly_offers\":3,"          \
    "\"spent_today_minor\":0,\"offers_last_hour\":0"
    assert_string_equal(one("{" HEARTBEAT_HEAD "}"), "");
    assert_string_equal(one("{" HEARTBEAT_HEAD "," BUDGET_OK "}"), "");
    /* Part of the group is refused: a budget without its spend misleads. */
    assert_string_equal(
        one("{" HEARTBEAT_HEAD ",\"budget_currency\":\"EUR\",\"budget_daily_minor\":5000}"),
        "records[0].budget_hourly_offers: missing (the budget_currency fields come all together "
        "or not at all)");
    assert_string_equal(one("{" HEARTBEAT_HEAD ",\"spent_today_minor\":10}"),
                        "records[0].budget_currency: missing (the budget_currency fields come all "
                        "together or not at all)");
    assert_string_equal(one("{" HEARTBEAT_HEAD "," BUDGET_OK ",\"offers_last_hour\":1}"),
                        "records[0].offers_last_hour: given twice");
    static const struct {
        const char *currency;
        const char *reason;
    } currencies[] = {
        {"\"eur\"", "records[0].budget_currency: must be three upper-case letters (ISO 4217)"},
        {"\"EURO\"", "records[0].budget_currency: too long"},
        {"\"EU\"", "records[0].budget_currency: must be three upper-case letters (ISO 4217)"},
        {"\"E1R\"", "records[0].budget_currency: must be three upper-case letters (ISO 4217)"},
        {"978", "records[0].budget_currency: must be a string"},
    };
    for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++) {
        char record[1024];
        snprintf(record, sizeof record,
                 "{" HEARTBEAT_HEAD ",\"budget_currency\":%s,\"budget_daily_minor\":5000,"
                 "\"budget_hourly_offers\":3,\"spent_today_minor\":0,\"offers_last_hour\":0}",
                 currencies[i].currency);
        assert_string_equal(one(record), currencies[i].reason);
    }
    assert_string_equal(
        one("{" HEARTBEAT_HEAD ",\"budget_currency\":\"EUR\",\"budget_daily_minor\":-1,"
            "\"budget_hourly_offers\":3,\"spent_today_minor\":0,\"offers_last_hour\":0}"),
        "records[0].budget_daily_minor: must be an integer from 0 to 1000000000000");
    assert_string_equal(
        one("{" HEARTBEAT_HEAD ",\"budget_currency\":\"EUR\",\"budget_daily_minor\":1,"
            "\"budget_hourly_offers\":3,\"spent_today_minor\":1.5,\"offers_last_hour\":0}"),
        "records[0].spent_today_minor: must be an integer from 0 to 1000000000000");
    assert_string_equal(
        one("{" HEARTBEAT_HEAD ",\"budget_currency\":\"EUR\",\"budget_daily_minor\":1,"
            "\"budget_hourly_offers\":\"3\",\"spent_today_minor\":0,\"offers_last_hour\":0}"),
        "records[0].budget_hourly_offers: must be an integer from 0 to 1000000000");
    /* Budget keys belong to heartbeats only. */
    assert_string_equal(one("{" ALERT_OK ",\"raised_at\":1,\"budget_currency\":\"EUR\"}"),
                        "records[0]: unknown field \"budget_currency\" for alert");
}

/* The voucher record kind: shape rules here, the code's tag at the hub. */
static void voucher_records_are_checked_strictly(void **state)
{
    (void)state;
    assert_string_equal(one("{" VOUCHER_HEAD ",\"code\":\"0A3K-7QX2-M9RD-4TWE\",\"serial\":1,"
                            "\"expires_at\":1717142010000}"),
                        "");
    assert_string_equal(one("{" VOUCHER_HEAD ",\"code\":\"0a3k-7qx2-m9rd-4twe\",\"serial\":1,"
                            "\"expires_at\":1717142010000}"),
                        "records[0].code: must be a voucher code XXXX-XXXX-XXXX-XXXX (upper case)");
    assert_string_equal(one("{" VOUCHER_HEAD ",\"code\":\"0A3K7QX2M9RD4TWE\",\"serial\":1,"
                            "\"expires_at\":1717142010000}"),
                        "records[0].code: must be a voucher code XXXX-XXXX-XXXX-XXXX (upper case)");
    assert_string_equal(one("{" VOUCHER_HEAD ",\"code\":\"0A3K-7QX2-M9RD-4TWU\",\"serial\":1,"
                            "\"expires_at\":1717142010000}"),
                        "records[0].code: must be a voucher code XXXX-XXXX-XXXX-XXXX (upper case)");
    assert_string_equal(one("{" VOUCHER_HEAD ",\"code\":\"0A3K-7QX2-M9RD-4TWE\",\"serial\":0,"
                            "\"expires_at\":1717142010000}"),
                        "records[0].serial: must be an integer from 1 to 2147483647");
    assert_string_equal(one("{" VOUCHER_HEAD ",\"code\":\"0A3K-7QX2-M9RD-4TWE\",\"serial\":1,"
                            "\"expires_at\":1714550009999}"),
                        "records[0].expires_at: earlier than issued_at");
    assert_string_equal(one("{" VOUCHER_HEAD ",\"code\":\"0A3K-7QX2-M9RD-4TWE\",\"serial\":1}"),
                        "records[0].expires_at: missing");
    assert_string_equal(one("{" VOUCHER_HEAD ",\"code\":\"0A3K-7QX2-M9RD-4TWE\",\"serial\":1,"
                            "\"expires_at\":1717142010000,\"redeemed_at\":1}"),
                        "records[0]: unknown field \"redeemed_at\" for voucher");

    /* And it round-trips through the encoder. */
    char err[256];
    am_proto_batch *b = am_proto_batch_new("k1", "0b1c2d3e-4f50-4617-8899-aabbccddeeff", 1);
    am_proto_record *r = am_proto_batch_add(b, AM_PROTO_VOUCHER);
    snprintf(r->id, sizeof r->id, "31111111-2222-4333-8444-555555555555");
    snprintf(r->u.voucher.journey, sizeof r->u.voucher.journey,
             "0b1c2d3e-4f50-4617-8899-aabbccddeeff");
    snprintf(r->u.voucher.code, sizeof r->u.voucher.code, "0A3K-7QX2-M9RD-4TWE");
    r->u.voucher.serial = 70000;
    snprintf(r->u.voucher.offer, sizeof r->u.voucher.offer, "breakfast");
    r->u.voucher.value_minor = 1500;
    r->u.voucher.issued_at = 1714550010000;
    r->u.voucher.expires_at = 1717142010000;
    char *text = am_proto_batch_encode(b, err, sizeof err);
    assert_non_null(text);
    am_proto_batch *d = NULL;
    assert_int_equal(am_proto_batch_decode(text, strlen(text), &d, err, sizeof err), AM_OK);
    assert_true(d->records[0].valid);
    assert_int_equal(d->records[0].kind, AM_PROTO_VOUCHER);
    assert_memory_equal(&d->records[0].u.voucher, &r->u.voucher, sizeof r->u.voucher);
    free(text);
    am_proto_batch_free(b);
    am_proto_batch_free(d);
}

static void feedback_cross_field_rules(void **state)
{
    (void)state;
    char err[256];
    am_proto_batch *b = sample_batch();
    am_proto_record *fb = &b->records[0];
    fb->u.feedback.closed_at = fb->u.feedback.created_at - 1;
    assert_null(am_proto_batch_encode(b, err, sizeof err));
    assert_string_equal(err, "records[0].closed_at: earlier than created_at");
    fb->u.feedback.closed_at = fb->u.feedback.created_at;
    fb->u.feedback.report.consent = AM_CONSENT_NO;
    assert_null(am_proto_batch_encode(b, err, sizeof err));
    assert_string_equal(err, "records[0].contact: given without consent \"yes\"");
    fb->u.feedback.report.outcome = AM_OUTCOME_OPEN; /* open journeys are not sent */
    fb->u.feedback.report.consent = AM_CONSENT_YES;
    assert_null(am_proto_batch_encode(b, err, sizeof err));
    assert_string_equal(err, "records[0].outcome: not an allowed value");
    am_proto_batch_free(b);
}

static void batch_level_errors(void **state)
{
    (void)state;
    char err[256];
    am_proto_batch *b = NULL;
    static const struct {
        const char *body;
        const char *err;
    } cases[] = {
        {"", "body is not valid JSON"},
        {"{\"kiosk\":\"k1\"} trailing", "body is not valid JSON"},
        {"[]", "body must be a JSON object"},
        {"{\"kiosk\":\"k1\",\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\",\"records\":{}}",
         "records: must be an array"},
        {"{\"kiosk\":\"\",\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\",\"records\":[]}",
         "kiosk: must be 1 to 64 of A-Z a-z 0-9 . _ -"},
        {"{\"kiosk\":\"k1\",\"batch\":\"0B1C2D3E-4F50-4617-8899-AABBCCDDEEFF\",\"records\":[]}",
         "batch: must be a lower-case UUID"},
        {"{\"kiosk\":\"k1\",\"kiosk\":\"k2\",\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\","
         "\"records\":[]}",
         "body: field \"kiosk\" given twice"},
        {"{\"kiosk\":\"k1\",\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\",\"records\":[],"
         "\"x\":1}",
         "body: unknown field (allowed: kiosk, batch, records)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(
            am_proto_batch_decode(cases[i].body, strlen(cases[i].body), &b, err, sizeof err),
            AM_ERR_INVALID);
        assert_null(b);
        assert_string_equal(err, cases[i].err);
    }
    /* Not NUL-terminated: only len bytes are read. */
    const char *text = "{\"kiosk\":\"k1\",\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\","
                       "\"records\":[]}GARBAGE";
    assert_int_equal(am_proto_batch_decode(text, strlen(text) - 7, &b, err, sizeof err), AM_OK);
    am_proto_batch_free(b);
    /* Too many records: a distinct result, so the sender splits. */
    size_t cap = 8 * 600;
    char *big = malloc(cap);
    int n = snprintf(big, cap,
                     "{\"kiosk\":\"k1\",\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\","
                     "\"records\":[");
    for (int i = 0; i <= AM_PROTO_MAX_RECORDS; i++)
        n += snprintf(big + n, cap - (size_t)n, "%s{}", i ? "," : "");
    snprintf(big + n, cap - (size_t)n, "]}");
    assert_int_equal(am_proto_batch_decode(big, strlen(big), &b, err, sizeof err), AM_ERR_TOOBIG);
    free(big);
}

/* The "cases" of an answer: an entry without a UUID journey is skipped, a
 * name that is not UTF-8 reads as "", at most max are read, and an answer
 * without them (an older hub) has none. */
static void response_cases_are_read_strictly(void **state)
{
    (void)state;
    static const char body[] =
        "{\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\",\"results\":[],\"cases\":["
        "{\"code\":\"K1-7K2M\",\"journey\":\"11111111-2222-4333-8444-555555555555\","
        "\"state\":\"acknowledged\",\"by\":\"Sam\",\"team\":\"Front Desk\"},"
        "{\"code\":\"K1-AAAA\",\"journey\":\"not a uuid\",\"state\":\"open\"},"
        "{\"code\":\"K1-BBBB\",\"journey\":\"21111111-2222-4333-8444-555555555555\","
        "\"state\":\"open\",\"by\":null,\"team\":\"\xff\xfe\"},"
        "{\"code\":\"K1-CCCC\",\"journey\":\"31111111-2222-4333-8444-555555555555\","
        "\"state\":\"open\"}]}";
    am_proto_case c[2];
    assert_int_equal(am_proto_response_cases(body, strlen(body), c, 2), 2);
    assert_string_equal(c[0].code, "K1-7K2M");
    assert_string_equal(c[0].journey, "11111111-2222-4333-8444-555555555555");
    assert_string_equal(c[0].state, "acknowledged");
    assert_string_equal(c[0].by, "Sam");
    assert_string_equal(c[0].team, "Front Desk");
    assert_string_equal(c[1].code, "K1-BBBB");
    assert_string_equal(c[1].by, "");
    assert_string_equal(c[1].team, "");
    static const char old[] = "{\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\",\"results\":[]}";
    assert_int_equal(am_proto_response_cases(old, strlen(old), c, 2), 0);
    assert_int_equal(am_proto_response_cases("not json", 8, c, 2), 0);
}

static void response_round_trips(void **state)
{
    (void)state;
    char err[256];
    am_proto_response *r = am_proto_response_new("0b1c2d3e-4f50-4617-8899-aabbccddeeff", 3);
    snprintf(r->results[0].id, sizeof r->results[0].id, "11111111-2222-4333-8444-555555555555");
    r->results[0].status = AM_PROTO_STORED;
    snprintf(r->results[1].id, sizeof r->results[1].id, "21111111-2222-4333-8444-555555555555");
    r->results[1].status = AM_PROTO_DUPLICATE;
    r->results[2].status = AM_PROTO_REJECTED;
    snprintf(r->results[2].reason, sizeof r->results[2].reason, "records[2]: must be an object");
    char *text = am_proto_response_encode(r);
    assert_string_equal(
        text, "{\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\",\"stored\":1,\"duplicate\":1,"
              "\"rejected\":1,\"results\":[{\"index\":0,\"id\":\"11111111-2222-4333-8444-"
              "555555555555\",\"status\":\"stored\"},{\"index\":1,\"id\":\"21111111-2222-4333-"
              "8444-555555555555\",\"status\":\"duplicate\"},{\"index\":2,\"id\":null,\"status\":"
              "\"rejected\",\"reason\":\"records[2]: must be an object\"}]}");
    am_proto_response *d = NULL;
    assert_int_equal(am_proto_response_decode(text, strlen(text), &d, err, sizeof err), AM_OK);
    assert_int_equal(d->count, 3);
    assert_int_equal(d->results[1].status, AM_PROTO_DUPLICATE);
    assert_string_equal(d->results[2].reason, "records[2]: must be an object");
    assert_string_equal(d->results[2].id, "");
    am_proto_response_free(d);
    const char *bad = "{\"batch\":\"0b1c2d3e-4f50-4617-8899-aabbccddeeff\",\"results\":[{\"index\":"
                      "0,\"id\":null,\"status\":\"kept\"}]}";
    assert_int_equal(am_proto_response_decode(bad, strlen(bad), &d, err, sizeof err),
                     AM_ERR_INVALID);
    assert_string_equal(err, "response: results[0].status is not a known status");
    free(text);
    am_proto_response_free(r);
}

/* The test vector published with the Standard Webhooks reference libraries. */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS     1614265330
#define SW_BODY   "{\"test\": 2432232314}"
#define SW_SIG    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static void webhook_matches_standard_vector(void **state)
{
    (void)state;
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    char sig[AM_WEBHOOK_SIGNATURE_MAX];
    assert_int_equal(am_webhook_secret_parse(SW_SECRET, key, &keylen), AM_OK);
    assert_int_equal(keylen, 24);
    assert_int_equal(
        am_webhook_sign(key, keylen, SW_ID, SW_TS, SW_BODY, strlen(SW_BODY), sig, sizeof sig),
        AM_OK);
    assert_string_equal(sig, SW_SIG);
    assert_int_equal(am_webhook_verify(key, keylen, SW_ID, "1614265330", SW_SIG, SW_BODY,
                                       strlen(SW_BODY), SW_TS + 10, 300),
                     AM_WEBHOOK_OK);
}

static void webhook_verify_refusals(void **state)
{
    (void)state;
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    assert_int_equal(am_webhook_secret_parse(SW_SECRET, key, &keylen), AM_OK);
    size_t len = strlen(SW_BODY);
    assert_int_equal(am_webhook_verify(key, keylen, SW_ID, "1614265330", SW_SIG,
                                       "{\"test\": 2432232315}", len, SW_TS, 300),
                     AM_WEBHOOK_BAD_SIGNATURE);
    assert_int_equal(
        am_webhook_verify(key, keylen, "msg_other", "1614265330", SW_SIG, SW_BODY, len, SW_TS, 300),
        AM_WEBHOOK_BAD_SIGNATURE);
    /* The window's edges, to the second: 300 s either way is in, 301 out. */
    assert_int_equal(
        am_webhook_verify(key, keylen, SW_ID, "1614265330", SW_SIG, SW_BODY, len, SW_TS + 300, 300),
        AM_WEBHOOK_OK);
    assert_int_equal(
        am_webhook_verify(key, keylen, SW_ID, "1614265330", SW_SIG, SW_BODY, len, SW_TS - 300, 300),
        AM_WEBHOOK_OK);
    assert_int_equal(
        am_webhook_verify(key, keylen, SW_ID, "1614265330", SW_SIG, SW_BODY, len, SW_TS + 301, 300),
        AM_WEBHOOK_STALE);
    assert_int_equal(
        am_webhook_verify(key, keylen, SW_ID, "1614265330", SW_SIG, SW_BODY, len, SW_TS - 301, 300),
        AM_WEBHOOK_STALE);
    assert_int_equal(
        am_webhook_verify(key, keylen, SW_ID, "16142653e0", SW_SIG, SW_BODY, len, SW_TS, 300),
        AM_WEBHOOK_BAD_TIMESTAMP);
    assert_int_equal(
        am_webhook_verify(key, keylen, SW_ID, "-1614265330", SW_SIG, SW_BODY, len, SW_TS, 300),
        AM_WEBHOOK_BAD_TIMESTAMP);
    assert_int_equal(
        am_webhook_verify(key, keylen, "msg.dot", "1614265330", SW_SIG, SW_BODY, len, SW_TS, 300),
        AM_WEBHOOK_BAD_ID);
    assert_int_equal(am_webhook_verify(key, keylen, SW_ID, NULL, SW_SIG, SW_BODY, len, SW_TS, 300),
                     AM_WEBHOOK_MISSING);
    /* Several entries: any v1 that matches; other versions are skipped. */
    assert_int_equal(am_webhook_verify(key, keylen, SW_ID, "1614265330",
                                       "v1,Zm9v v1a,x " SW_SIG " v2,abc", SW_BODY, len, SW_TS, 300),
                     AM_WEBHOOK_OK);
    assert_int_equal(am_webhook_verify(key, keylen, SW_ID, "1614265330",
                                       "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SW_BODY,
                                       len, SW_TS, 300),
                     AM_WEBHOOK_BAD_SIGNATURE);
    /* The signature without its last character is not a prefix match. */
    assert_int_equal(am_webhook_verify(key, keylen, SW_ID, "1614265330",
                                       "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", SW_BODY,
                                       len, SW_TS, 300),
                     AM_WEBHOOK_BAD_SIGNATURE);
}

static void webhook_secrets(void **state)
{
    (void)state;
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    char secret[AM_WEBHOOK_SECRET_MAX], other[AM_WEBHOOK_SECRET_MAX];
    am_webhook_secret_new(secret);
    am_webhook_secret_new(other);
    assert_true(strncmp(secret, "whsec_", 6) == 0);
    assert_string_not_equal(secret, other);
    assert_int_equal(am_webhook_secret_parse(secret, key, &keylen), AM_OK);
    assert_int_equal(keylen, 32);
    assert_int_equal(am_webhook_secret_parse("whsec_not base64!", key, &keylen), AM_ERR_INVALID);
    assert_int_equal(am_webhook_secret_parse("whsec_c2hvcnQ=", key, &keylen), AM_ERR_INVALID);
    assert_int_equal(am_webhook_secret_parse("whsec_", key, &keylen), AM_ERR_INVALID);
}

static void retry_after_forms(void **state)
{
    (void)state;
    int64_t wait = -1;
    const int64_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
    assert_int_equal(am_proto_retry_after("120", now, &wait), AM_OK);
    assert_true(wait == 120);
    assert_int_equal(am_proto_retry_after(" 0 ", now, &wait), AM_OK);
    assert_true(wait == 0);
    assert_int_equal(am_proto_retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now, &wait), AM_OK);
    assert_true(wait == 120);
    assert_int_equal(am_proto_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now, &wait), AM_OK);
    assert_true(wait == 60);
    assert_int_equal(am_proto_retry_after("Sun Nov  6 08:49:47 1994", now, &wait), AM_OK);
    assert_true(wait == 10);
    assert_int_equal(am_proto_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now, &wait), AM_OK);
    assert_true(wait == 0); /* in the past: go now */
    assert_int_equal(am_proto_retry_after("99999999999999999999999", now, &wait), AM_OK);
    assert_true(wait >= 1000000000000);
    const char *bad[] = {"",
                         "-5",
                         "1.5",
                         "12abc",
                         "soon",
                         "Sun, 06 Nov 1994 08:51:37",
                         "Sun, 32 Nov 1994 08:51:37 GMT",
                         NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(am_proto_retry_after(bad[i], now, &wait), AM_ERR_INVALID);
    assert_int_equal(am_proto_retry_after(NULL, now, &wait), AM_ERR_INVALID);
}

/* Batch and message ids: version 7, different each time, and a later one
 * sorts after an earlier one. */
static void uuids_are_v7_and_sort_by_time(void **state)
{
    (void)state;
    char a[AM_PROTO_UUID_LEN + 1], b[AM_PROTO_UUID_LEN + 1];
    am_proto_uuid_new(a);
    /* Wait for the wall clock itself to tick past a's millisecond (at most
     * a millisecond; bounded at a second should it have been set back). */
    int64_t t0 = am_wall_ms();
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do
        clock_gettime(CLOCK_MONOTONIC, &now);
    while (am_wall_ms() <= t0 && now.tv_sec - start.tv_sec < 1);
    am_proto_uuid_new(b);
    assert_true(am_proto_uuid_valid(a));
    assert_string_not_equal(a, b);
    assert_true(strcmp(a, b) < 0);
    assert_int_equal(a[14], '7');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_false(am_proto_uuid_valid("0b1c2d3e-4f50-4617-8899-aabbccddeeff0"));
    assert_false(am_proto_uuid_valid("0b1c2d3e4f50-4617-8899-aabbccddeeff0"));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(batch_round_trips),
    cmocka_unit_test(encoding_is_what_cjson_prints),
    cmocka_unit_test(encode_refuses_invalid_records),
    cmocka_unit_test(schema_checks_name_record_and_field),
    cmocka_unit_test(voucher_records_are_checked_strictly),
    cmocka_unit_test(heartbeat_budget_is_optional_and_strict),
    cmocka_unit_test(feedback_cross_field_rules),
    cmocka_unit_test(batch_level_errors),
    cmocka_unit_test(response_round_trips),
    cmocka_unit_test(response_cases_are_read_strictly),
    cmocka_unit_test(webhook_matches_standard_vector),
    cmocka_unit_test(webhook_verify_refusals),
    cmocka_unit_test(webhook_secrets),
    cmocka_unit_test(retry_after_forms),
    cmocka_unit_test(uuids_are_v7_and_sort_by_time),
};

AM_TEST_MAIN(tests)
