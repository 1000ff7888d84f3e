/* test_sync_policy.c — the worker's pure decisions: retry classes, full
 * jitter backoff, Retry-After, and reading the hub's per-record answer. */
#include <stdio.h>
#include <string.h>

#include "am_test.h"
#include "amends/store.h"
#include "amends/sync.h"

static void classes_follow_the_spec(void **state)
{
    (void)state;
    assert_int_equal(am_sync_classify(200), AM_SYNC_CLASS_OK);
    assert_int_equal(am_sync_classify(207), AM_SYNC_CLASS_OK);
    assert_int_equal(am_sync_classify(0), AM_SYNC_CLASS_RETRY); /* transport error */
    assert_int_equal(am_sync_classify(408), AM_SYNC_CLASS_RETRY);
    assert_int_equal(am_sync_classify(425), AM_SYNC_CLASS_RETRY);
    assert_int_equal(am_sync_classify(429), AM_SYNC_CLASS_RETRY);
    assert_int_equal(am_sync_classify(500), AM_SYNC_CLASS_RETRY);
    assert_int_equal(am_sync_classify(503), AM_SYNC_CLASS_RETRY);
    assert_int_equal(am_sync_classify(599), AM_SYNC_CLASS_RETRY);
    assert_int_equal(am_sync_classify(307), AM_SYNC_CLASS_RETRY); /* never followed */
    assert_int_equal(am_sync_classify(413), AM_SYNC_CLASS_SPLIT);
    assert_int_equal(am_sync_classify(401), AM_SYNC_CLASS_AUTH);
    assert_int_equal(am_sync_classify(403), AM_SYNC_CLASS_AUTH);
    assert_int_equal(am_sync_classify(400), AM_SYNC_CLASS_QUARANTINE);
    assert_int_equal(am_sync_classify(404), AM_SYNC_CLASS_QUARANTINE);
    assert_int_equal(am_sync_classify(409), AM_SYNC_CLASS_QUARANTINE);
    assert_int_equal(am_sync_classify(422), AM_SYNC_CLASS_QUARANTINE);
}

static bool final(long status, const char *body)
{
    return am_sync_refusal_is_final(status, body, strlen(body));
}

/* Only the hub's own refusal of the batch quarantines; a 4xx that could
 * come from the network (a proxy, a captive portal, a repeated request)
 * is retried. */
static void only_the_hubs_refusal_quarantines(void **state)
{
    (void)state;
    assert_true(final(400, "{\"error\":\"bad_batch\",\"reason\":\"records: missing\"}"));
    assert_true(final(400, "{\"error\":\"bad_signature\",\"reason\":\"webhook-id malformed\"}"));
    assert_true(final(405, "{\"error\":\"method_not_allowed\",\"reason\":\"POST only\"}"));
    assert_false(final(400, "{\"error\":\"replayed\",\"reason\":\"webhook-id was used\"}"));
    assert_false(final(422, "{\"error\":\"idempotency_key_reused\",\"reason\":\"...\"}"));
    assert_false(final(404, "{\"error\":\"not_found\",\"reason\":\"no such endpoint\"}"));
    assert_false(final(400, "<html><body>Sign in to the hotel Wi-Fi</body></html>"));
    assert_false(final(400, ""));
    assert_false(final(400, "[\"bad_batch\"]"));
    assert_false(final(400, "{\"error\":7}"));
    assert_false(final(400, "{\"error\":\"bad_batch\""));      /* cut short */
    assert_false(final(500, "{\"error\":\"bad_batch\"}"));     /* not a 4xx */
    assert_false(final(401, "{\"error\":\"bad_signature\"}")); /* auth, not quarantine */
    assert_false(am_sync_refusal_is_final(400, NULL, 0));
}

/* Only the hub's own 403 kiosk_disabled means "the hub disabled this
 * kiosk": records wait. Every other 401/403 stays an auth failure. */
static void hub_disabled_only_from_its_code(void **state)
{
    (void)state;
    const char *d = "{\"error\":\"kiosk_disabled\",\"reason\":\"this kiosk is disabled\"}";
    assert_true(am_sync_hub_disabled(403, d, strlen(d)));
    assert_false(am_sync_hub_disabled(401, d, strlen(d)));
    assert_false(am_sync_hub_disabled(500, d, strlen(d)));
    const char *w = "{\"error\":\"wrong_kiosk\",\"reason\":\"kiosk_disabled\"}";
    assert_false(am_sync_hub_disabled(403, w, strlen(w)));
    assert_false(am_sync_hub_disabled(403, "kiosk_disabled", 14)); /* not the hub's JSON */
    assert_false(am_sync_hub_disabled(403, NULL, 0));
}

/* The reason a manager reads comes from the hub's JSON: `reason`, else
 * `error`, whole, wherever it sits in the object and however it is spaced. */
static void error_reason_read_from_json(void **state)
{
    (void)state;
    char out[AM_SYNC_REASON_MAX];
    const char *b = "{\"error\": \"bad token\"}";
    am_sync_error_reason(b, strlen(b), out, sizeof out);
    assert_string_equal(out, "bad token");
    b = "{ \"reason\" : \"token revoked by \\\"ops\\\" at 10:02\", \"error\": \"unauthorized\" }";
    am_sync_error_reason(b, strlen(b), out, sizeof out);
    assert_string_equal(out, "token revoked by \"ops\" at 10:02");
    /* Long reasons are kept whole (up to the buffer), not cut at 180. */
    char longb[600], want[300];
    memset(want, 'x', 299);
    want[299] = '\0';
    snprintf(longb, sizeof longb, "{\"error\":\"unauthorized\",\"reason\":\"%s\"}", want);
    am_sync_error_reason(longb, strlen(longb), out, sizeof out);
    assert_string_equal(out, want);
    /* Not JSON: the start of the body, printable only. */
    b = "Forbidden\r\n";
    am_sync_error_reason(b, strlen(b), out, sizeof out);
    assert_string_equal(out, "Forbidden??");
    am_sync_error_reason("", 0, out, sizeof out);
    assert_string_equal(out, "no reason given");
    am_sync_error_reason(NULL, 0, out, sizeof out);
    assert_string_equal(out, "no reason given");
    /* Non-ASCII in a reason is shown as '?', never raw. */
    b = "{\"reason\":\"caf\xc3\xa9\"}";
    am_sync_error_reason(b, strlen(b), out, sizeof out);
    assert_string_equal(out, "caf??");
}

static void backoff_is_full_jitter_and_capped(void **state)
{
    (void)state;
    /* The ceiling doubles per attempt: base 1000 → 1000, 2000, 4000 ... */
    assert_int_equal(am_sync_backoff_ms(0, 1000, 300000, -1, 0, 0.0), 0);
    assert_int_equal(am_sync_backoff_ms(0, 1000, 300000, -1, 0, 0.999999), 1000);
    assert_int_equal(am_sync_backoff_ms(3, 1000, 300000, -1, 0, 0.999999), 8000);
    assert_int_equal(am_sync_backoff_ms(3, 1000, 300000, -1, 0, 0.5), 4000);
    /* Capped at max, even for absurd attempt counts. */
    assert_int_equal(am_sync_backoff_ms(40, 1000, 300000, -1, 0, 0.999999), 300000);
    assert_int_equal(am_sync_backoff_ms(1000000, 1000, 300000, -1, 0, 0.999999), 300000);
    /* Jitter spreads waits over the whole range. */
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 100; i++) {
        int64_t w = am_sync_backoff_ms(5, 1000, 300000, -1, 0, i / 100.0);
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    assert_true(lo < 1000);
    assert_true(hi > 30000 && hi <= 32000);
    /* A bad random value is treated as 0 rather than trusted. */
    assert_int_equal(am_sync_backoff_ms(2, 1000, 300000, -1, 0, 7.0), 0);
    assert_int_equal(am_sync_backoff_ms(2, 1000, 300000, -1, 0, -1.0), 0);
}

static void retry_after_is_a_floor_with_a_cap(void **state)
{
    (void)state;
    assert_int_equal(am_sync_backoff_ms(0, 1000, 300000, 120000, 3600000, 0.0), 120000);
    /* Our own jitter may exceed it; never less than asked. */
    assert_int_equal(am_sync_backoff_ms(10, 1000, 300000, 5000, 3600000, 0.999999), 300000);
    /* A hub asking for a week gets the cap. */
    assert_int_equal(am_sync_backoff_ms(0, 1000, 300000, 7LL * 86400 * 1000, 3600000, 0.0),
                     3600000);
}

static void retry_after_seconds_and_dates(void **state)
{
    (void)state;
    const int64_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
    assert_int_equal(am_sync_retry_after_ms("120", now), 120000);
    assert_int_equal(am_sync_retry_after_ms(" 0 ", now), 0);
    assert_int_equal(am_sync_retry_after_ms("Sun, 06 Nov 1994 08:50:37 GMT", now), 60000);
    assert_int_equal(am_sync_retry_after_ms("Sunday, 06-Nov-94 08:49:47 GMT", now), 10000);
    assert_int_equal(am_sync_retry_after_ms("Sun Nov  6 08:49:39 1994", now), 2000);
    /* A date in the past: retry now. */
    assert_int_equal(am_sync_retry_after_ms("Sat, 05 Nov 1994 08:49:37 GMT", now), 0);
    /* Unreadable: -1, the worker uses its own backoff. */
    assert_int_equal(am_sync_retry_after_ms("", now), -1);
    assert_int_equal(am_sync_retry_after_ms(NULL, now), -1);
    assert_int_equal(am_sync_retry_after_ms("-5", now), -1);
    assert_int_equal(am_sync_retry_after_ms("1.5", now), -1);
    assert_int_equal(am_sync_retry_after_ms("soon", now), -1);
    assert_int_equal(am_sync_retry_after_ms("Sun, 06 Nov 1994 08:49:37 PST", now), -1);
    /* Huge values saturate rather than overflow. */
    assert_true(am_sync_retry_after_ms("99999999999999999999999", now) > 0);
}

#define B  "0f0e0d0c-0b0a-4908-8706-050403020100"
#define I0 "11111111-1111-4111-8111-111111111111"
#define I1 "22222222-2222-4222-8222-222222222222"
#define I2 "33333333-3333-4333-8333-333333333333"

static const char ids3[3][AM_PROTO_UUID_LEN + 1] = {I0, I1, I2};

static am_rc read3(const char *body, am_sync_verdict *v, char *err, size_t errlen)
{
    return am_sync_read_response(body, strlen(body), B, ids3, 3, v, err, errlen);
}

static void response_settles_each_record(void **state)
{
    (void)state;
    am_sync_verdict v[3];
    char err[256] = "";
    const char *body = "{\"batch\":\"" B "\",\"results\":["
                       "{\"index\":0,\"id\":\"" I0 "\",\"status\":\"stored\"},"
                       "{\"index\":1,\"id\":\"" I1 "\",\"status\":\"duplicate\"},"
                       "{\"index\":2,\"id\":\"" I2 "\",\"status\":\"rejected\","
                       "\"reason\":\"records[2].rating: must be an integer from 0 to 5\"}],"
                       "\"stored\":1,\"duplicate\":1,\"rejected\":1}";
    if (read3(body, v, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    assert_true(v[0].answered && v[0].status == AM_PROTO_STORED);
    assert_true(v[1].answered && v[1].status == AM_PROTO_DUPLICATE);
    assert_true(v[2].answered && v[2].status == AM_PROTO_REJECTED);
    assert_string_equal(v[2].reason, "records[2].rating: must be an integer from 0 to 5");
}

static void response_missing_results_leave_records_unanswered(void **state)
{
    (void)state;
    am_sync_verdict v[3];
    char err[256];
    const char *body = "{\"batch\":\"" B "\",\"results\":["
                       "{\"index\":1,\"id\":\"" I1 "\",\"status\":\"stored\"}],"
                       "\"stored\":1,\"duplicate\":0,\"rejected\":0}";
    assert_int_equal(read3(body, v, err, sizeof err), AM_OK);
    assert_false(v[0].answered);
    assert_true(v[1].answered);
    assert_false(v[2].answered);
}

static void response_that_does_not_match_settles_nothing(void **state)
{
    (void)state;
    am_sync_verdict v[3];
    char err[256];
    /* Another batch. */
    const char *other = "{\"batch\":\"" I2 "\",\"results\":[{\"index\":0,\"id\":\"" I0
                        "\",\"status\":\"stored\"}],\"stored\":1,\"duplicate\":0,\"rejected\":0}";
    assert_int_equal(read3(other, v, err, sizeof err), AM_ERR_INVALID);
    assert_non_null(strstr(err, "answered for batch"));
    /* An id that is not the record's at that index. */
    const char *swapped = "{\"batch\":\"" B "\",\"results\":[{\"index\":0,\"id\":\"" I1
                          "\",\"status\":\"stored\"}],\"stored\":1,\"duplicate\":0,"
                          "\"rejected\":0}";
    assert_int_equal(read3(swapped, v, err, sizeof err), AM_ERR_INVALID);
    assert_non_null(strstr(err, "does not match"));
    /* An index past the batch. */
    const char *past = "{\"batch\":\"" B "\",\"results\":[{\"index\":3,\"id\":\"" I0
                       "\",\"status\":\"stored\"}],\"stored\":1,\"duplicate\":0,\"rejected\":0}";
    assert_int_equal(read3(past, v, err, sizeof err), AM_ERR_INVALID);
    /* Truncated, empty, not JSON. */
    assert_int_equal(read3("{\"batch\":\"" B "\",\"resu", v, err, sizeof err), AM_ERR_INVALID);
    assert_int_equal(read3("", v, err, sizeof err), AM_ERR_INVALID);
    assert_int_equal(read3("<html>502 Bad Gateway</html>", v, err, sizeof err), AM_ERR_INVALID);
    for (int i = 0; i < 3; i++)
        assert_false(v[i].answered);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classes_follow_the_spec),
        cmocka_unit_test(only_the_hubs_refusal_quarantines),
        cmocka_unit_test(hub_disabled_only_from_its_code),
        cmocka_unit_test(error_reason_read_from_json),
        cmocka_unit_test(backoff_is_full_jitter_and_capped),
        cmocka_unit_test(retry_after_is_a_floor_with_a_cap),
        cmocka_unit_test(retry_after_seconds_and_dates),
        cmocka_unit_test(response_settles_each_record),
        cmocka_unit_test(response_missing_results_leave_records_unanswered),
        cmocka_unit_test(response_that_does_not_match_settles_nothing),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
