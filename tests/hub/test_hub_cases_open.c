/* test_hub_cases_open.c — cases opened at ingest, at the real amends-hub on
 * SQLite and PostgreSQL: exactly one case per journey that needs action,
 * however many alerts it raised and in however many batches; none for a
 * journey that needs none; nothing new from a batch sent again or a record
 * sent again in another batch; [cases] low_rating; the case found by its id
 * and by its code, with its alerts, the guest's report and its timeline. */
#include <cjson/cJSON.h>

#include "amends/journey.h"
#include "hub_case.h"
#include "hub_harness.h"

/* --- helpers --------------------------------------------------------------------------- */

static cJSON *get_json(harness *h, const char *path)
{
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", path, &reply);
    if (reply.status != 200)
        fail_msg("GET %s: %ld %s", path, reply.status, reply.body ? reply.body : "");
    cJSON *root = cJSON_Parse(reply.body);
    assert_non_null(root);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return root;
}

static cJSON *cases(harness *h)
{
    return get_json(h, "/v1/cases");
}

static int case_count(harness *h)
{
    cJSON *root = cases(h);
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(root, "cases"));
    cJSON_Delete(root);
    return n;
}

/* Posts b as kiosk 1 and checks every record's answer is `want`. */
static void post(harness *h, const am_proto_batch *b, am_proto_status want)
{
    am_hub_client *c = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    if (reply.status != 200)
        fail_msg("post: %ld %s", reply.status, reply.body ? reply.body : "");
    am_proto_response *resp = h_response(&reply);
    for (size_t i = 0; i < resp->count; i++) {
        if (resp->results[i].status != want)
            fail_msg("record %zu: status %d, want %d (%s)", i, resp->results[i].status, want,
                     resp->results[i].reason);
    }
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
}

/* A report that needs nothing: significant, offer accepted, rated 4. */
static am_proto_record *calm_report(am_proto_batch *b)
{
    return h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
}

static am_proto_record *alert(am_proto_batch *b, const char *journey, am_alert_reason reason)
{
    am_proto_record *r = h_add_alert(b, journey);
    r->u.alert.reason = reason;
    return r;
}

static const char *str(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    if (!s)
        fail_msg("no string \"%s\"", key);
    return s;
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("no number \"%s\"", key);
    return v->valuedouble;
}

/* --- the cases -------------------------------------------------------------------------- */

/* A guest who asked for staff now, with a severe impact, over budget: the
 * report and three alerts, then one more alert in a later batch. One case,
 * urgent, with all four alerts, every reason, the report, and a code. */
static void one_case_per_journey(void **state)
{
    harness *h = *state;
    am_proto_batch *b = h_batch("k1", 4);
    am_proto_record *fb = calm_report(b);
    fb->u.feedback.report.severity = AM_SEVERITY_SEVERE;
    fb->u.feedback.report.offer_state = AM_OFFER_ESCALATED;
    snprintf(fb->u.feedback.report.location, sizeof fb->u.feedback.report.location, "Room 214");
    char journey[AM_PROTO_UUID_LEN + 1];
    memcpy(journey, fb->id, sizeof journey);
    alert(b, journey, AM_ALERT_STAFF_NOW);
    alert(b, journey, AM_ALERT_SEVERE);
    alert(b, journey, AM_ALERT_OVER_BUDGET);
    post(h, b, AM_PROTO_STORED);
    am_proto_batch_free(b);
    assert_int_equal(case_count(h), 1);

    b = h_batch("k1", 1);
    alert(b, journey, AM_ALERT_CALLBACK);
    post(h, b, AM_PROTO_STORED);
    am_proto_batch_free(b);

    cJSON *root = cases(h);
    const cJSON *list = cJSON_GetObjectItem(root, "cases");
    assert_int_equal(cJSON_GetArraySize(list), 1);
    const cJSON *c = cJSON_GetArrayItem(list, 0);
    assert_string_equal(str(c, "journey"), journey);
    assert_string_equal(str(c, "kiosk"), "k1");
    assert_string_equal(str(c, "site"), "default");
    assert_string_equal(str(c, "state"), "open");
    assert_string_equal(str(c, "priority"), "urgent");
    assert_string_equal(str(c, "location"), "Room 214");
    const char *reasons = str(c, "reasons");
    for (const char *r = "staff_now\0severe\0over_budget\0callback\0"; *r; r += strlen(r) + 1) {
        if (!strstr(reasons, r))
            fail_msg("reasons '%s' lack %s", reasons, r);
    }
    /* Urgent: 5 minutes to acknowledge, 2 hours to resolve. */
    assert_true(number(c, "ack_due") - number(c, "opened_at") == 5 * 60 * 1000);
    assert_true(number(c, "resolve_due") - number(c, "opened_at") == 2 * 3600 * 1000);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(c, "overdue")));
    char code[HUB_CASE_CODE_MAX];
    snprintf(code, sizeof code, "%s", str(c, "code"));
    assert_true(hub_case_code_valid(code));
    assert_int_equal(strlen(code), 7);
    assert_memory_equal(code, "DE-", 3);
    assert_int_equal(strcspn(code + 3, "01ILOU"), 4);
    char path[128];
    snprintf(path, sizeof path, "/v1/cases/%.0f", number(c, "id"));
    cJSON_Delete(root);

    /* By id and by code: the same case, its four alerts, its report, its timeline. */
    root = get_json(h, path);
    c = cJSON_GetObjectItem(root, "case");
    assert_string_equal(str(c, "code"), code);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "alerts")), 4);
    const cJSON *report = cJSON_GetObjectItem(c, "report");
    assert_true(cJSON_IsObject(report));
    assert_string_equal(str(report, "location"), "Room 214");
    assert_string_equal(str(report, "contact"), "room 214"); /* consented */
    const cJSON *timeline = cJSON_GetObjectItem(c, "timeline");
    assert_string_equal(str(cJSON_GetArrayItem(timeline, 0), "type"), "opened");
    int alerts = 0, opened = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, timeline)
    {
        alerts += !strcmp(str(e, "type"), "alert");
        opened += !strcmp(str(e, "type"), "opened");
        /* The guest's words never go into an event. */
        const cJSON *d = cJSON_GetObjectItem(e, "detail");
        assert_true(!cJSON_IsString(d) || !strstr(d->valuestring, "cold"));
    }
    assert_int_equal(alerts, 4);
    assert_int_equal(opened, 1);
    cJSON_Delete(root);
    snprintf(path, sizeof path, "/v1/cases/%s", code);
    root = get_json(h, path);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "case"), "alerts")), 4);
    cJSON_Delete(root);
    snprintf(path, sizeof path, "/v1/cases?code=%s", code);
    root = get_json(h, path);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "cases")), 1);
    cJSON_Delete(root);

    /* An unknown code and a malformed one are not found. */
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", "/v1/cases/ZZ-2222", &reply);
    h_assert_error(&reply, 404, "not_found");
    am_hub_reply_clear(&reply);
    h_get(m, "GET", "/v1/cases/hv-7k2m", &reply);
    h_assert_error(&reply, 404, "not_found");
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
}

/* Reports that need nothing open nothing; each thing that needs action
 * opens one case of its own journey. */
static void only_journeys_that_need_action(void **state)
{
    harness *h = *state;
    am_proto_batch *b = h_batch("k1", 16);
    calm_report(b);                               /* significant, accepted, rated 4 */
    calm_report(b)->u.feedback.report.rating = 3; /* above low_rating (2) */
    calm_report(b)->u.feedback.report.rating = 0; /* not rated */
    calm_report(b)->u.feedback.report.severity = AM_SEVERITY_MINOR;
    post(h, b, AM_PROTO_STORED);
    am_proto_batch_free(b);
    assert_int_equal(case_count(h), 0);

    b = h_batch("k1", 16);
    calm_report(b)->u.feedback.report.rating = 2;                       /* low rating */
    calm_report(b)->u.feedback.report.rating = 1;                       /* low rating */
    calm_report(b)->u.feedback.report.severity = AM_SEVERITY_SEVERE;    /* severe */
    calm_report(b)->u.feedback.report.offer_state = AM_OFFER_ESCALATED; /* over budget */
    alert(b, NULL, AM_ALERT_STAFF_NOW);                                 /* no journey */
    am_proto_record *fb = calm_report(b);                               /* needs none ... */
    alert(b, fb->id, AM_ALERT_NOTIFY); /* ... but its resolution told its team */
    post(h, b, AM_PROTO_STORED);
    am_proto_batch_free(b);
    cJSON *root = cases(h);
    const cJSON *list = cJSON_GetObjectItem(root, "cases");
    assert_int_equal(cJSON_GetArraySize(list), 6);
    int low = 0, normal = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        low += !strcmp(str(c, "reasons"), "low_rating");
        normal += !strcmp(str(c, "priority"), "normal");
    }
    assert_int_equal(low, 2);
    assert_int_equal(normal, 4); /* low ratings, over budget, notify */
    cJSON_Delete(root);

    /* The notify case has the report that came with its alert. */
    char path[128];
    snprintf(path, sizeof path, "/v1/cases?state=open&limit=10");
    root = get_json(h, path);
    bool found = false;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
    {
        if (strcmp(str(c, "reasons"), "notify") != 0)
            continue;
        found = true;
        assert_string_equal(str(c, "resolution"), "other");
    }
    assert_true(found);
    cJSON_Delete(root);
}

/* [cases] low_rating = 3: a 3 opens a case, a 4 does not. */
static void low_rating_is_configured(void **state)
{
    harness *h = *state;
    am_proto_batch *b = h_batch("k1", 2);
    calm_report(b)->u.feedback.report.rating = 3;
    calm_report(b)->u.feedback.report.rating = 4;
    post(h, b, AM_PROTO_STORED);
    am_proto_batch_free(b);
    assert_int_equal(case_count(h), 1);
}

/* The same batch again (the kiosk never heard the answer), and the same
 * records again in a new batch: nothing new, not even an event. */
static void repeats_open_nothing(void **state)
{
    harness *h = *state;
    am_proto_batch *b = h_batch("k1", 3);
    am_proto_record *fb = calm_report(b);
    fb->u.feedback.report.severity = AM_SEVERITY_SEVERE;
    alert(b, fb->id, AM_ALERT_SEVERE);
    alert(b, NULL, AM_ALERT_STAFF_NOW);
    post(h, b, AM_PROTO_STORED);
    cJSON *before = cases(h);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(before, "cases")), 2);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(before, "cases"), 0);
    char path[128];
    snprintf(path, sizeof path, "/v1/cases/%.0f", number(first, "id"));
    cJSON *one = get_json(h, path);
    char *timeline_before =
        cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(one, "case"), "timeline"));
    cJSON_Delete(one);

    /* The very batch again: its stored answer, nothing done. */
    am_hub_client *c = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    assert_string_equal(reply.replayed, "true");
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
    /* The same records in a new batch: duplicates. */
    am_proto_batch *again = h_batch("k1", 3);
    for (size_t i = 0; i < b->count; i++)
        *am_proto_batch_add(again, b->records[i].kind) = b->records[i];
    post(h, again, AM_PROTO_DUPLICATE);
    am_proto_batch_free(again);
    am_proto_batch_free(b);

    cJSON *after = cases(h);
    char *a = cJSON_PrintUnformatted(cJSON_GetObjectItem(after, "cases"));
    char *bf = cJSON_PrintUnformatted(cJSON_GetObjectItem(before, "cases"));
    /* "overdue" may not change in these few seconds: 5 minutes at least. */
    assert_string_equal(a, bf);
    one = get_json(h, path);
    char *timeline_after =
        cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(one, "case"), "timeline"));
    assert_string_equal(timeline_after, timeline_before);
    cJSON_Delete(one);
    free(timeline_before);
    free(timeline_after);
    free(a);
    free(bf);
    cJSON_Delete(after);
    cJSON_Delete(before);
}

/* Case codes: the site's prefix and four characters without look-alikes,
 * and what a code may be. */
/* Every reason a case can be opened for reads as words on the case page:
 * each alert reason a kiosk sends and the hub's own (severe, over_budget,
 * low_rating); an unknown one shows as it is. */
static void every_reason_has_words(void **state)
{
    (void)state;
    for (int r = 0; r < AM_ALERT_REASON_COUNT; r++) {
        const char *name = am_alert_reason_name((am_alert_reason)r);
        if (!hub_case_reason_words(name))
            fail_msg("alert reason %s has no words for the case page", name);
    }
    static const char *const own[] = {"severe", "over_budget", "low_rating"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        assert_non_null(hub_case_reason_words(own[i]));
    char text[256];
    hub_case_reasons_text("severe,staff_now,made_up", text, sizeof text);
    assert_string_equal(text, "severe impact; the guest asked for staff now; made_up");
    hub_case_reasons_text("", text, sizeof text);
    assert_string_equal(text, "");
}

static void codes(void **state)
{
    (void)state;
    char p[8], code[HUB_CASE_CODE_MAX];
    hub_case_code_prefix("harbour-view", p, sizeof p);
    assert_string_equal(p, "HV");
    hub_case_code_prefix("harbour", p, sizeof p);
    assert_string_equal(p, "HA");
    hub_case_code_prefix("parc_2", p, sizeof p);
    assert_string_equal(p, "P2");
    hub_case_code_prefix("-", p, sizeof p);
    assert_string_equal(p, "C");
    for (int i = 0; i < 1000; i++) {
        hub_case_code_new("harbour-view", code, sizeof code);
        assert_true(hub_case_code_valid(code));
        assert_memory_equal(code, "HV-", 3);
        assert_int_equal(strcspn(code + 3, "01ILOU"), 4);
    }
    assert_true(hub_case_code_valid("HV-7K2M"));
    assert_false(hub_case_code_valid("hv-7k2m"));
    assert_false(hub_case_code_valid(""));
    assert_false(hub_case_code_valid("-HV"));
    assert_false(hub_case_code_valid("HV-7K2M-7K2M-7K2M"));
    assert_false(hub_case_code_valid("HV 7K2M"));
}

/* The kiosk makes the code when the guest's report is committed, and the
 * guest reads it on thanks: the hub opens the journey's case under that
 * code, whichever of its records arrives first, and finds it by it. A
 * malformed code rejects its record with a reason; an older kiosk's record
 * without one gets a code from the hub. */
static void kiosk_codes(void **state)
{
    harness *h = *state;
    char journey[AM_PROTO_UUID_LEN + 1];
    am_proto_batch *b = h_batch("k1", 1);
    am_proto_record *al = alert(b, NULL, AM_ALERT_STAFF_NOW);
    memcpy(journey, al->id, sizeof journey);
    am_proto_batch_free(b);

    b = h_batch("k1", 2);
    al = alert(b, journey, AM_ALERT_STAFF_NOW);
    snprintf(al->u.alert.case_code, sizeof al->u.alert.case_code, "L2-7K2M");
    post(h, b, AM_PROTO_STORED);
    am_proto_batch_free(b);
    /* The report comes later with the same code. */
    b = h_batch("k1", 1);
    am_proto_record *fb = calm_report(b);
    memcpy(fb->id, journey, sizeof journey);
    fb->u.feedback.report.severity = AM_SEVERITY_SEVERE;
    snprintf(fb->u.feedback.case_code, sizeof fb->u.feedback.case_code, "L2-7K2M");
    post(h, b, AM_PROTO_STORED);
    am_proto_batch_free(b);

    cJSON *root = get_json(h, "/v1/cases/L2-7K2M");
    const cJSON *c = cJSON_GetObjectItem(root, "case");
    assert_string_equal(str(c, "code"), "L2-7K2M");
    assert_string_equal(str(c, "journey"), journey);
    assert_true(cJSON_IsObject(cJSON_GetObjectItem(c, "report")));
    cJSON_Delete(root);
    assert_int_equal(case_count(h), 1);

    /* Malformed: rejected, saying which field. */
    b = h_batch("k1", 1);
    al = alert(b, NULL, AM_ALERT_SEVERE);
    snprintf(al->u.alert.case_code, sizeof al->u.alert.case_code, "l2 7k2m");
    am_hub_client *k = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(k, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_proto_response *resp = h_response(&reply);
    assert_int_equal(resp->count, 1);
    assert_int_equal(resp->results[0].status, AM_PROTO_REJECTED);
    assert_non_null(strstr(resp->results[0].reason, "records[0].case_code: not a case code"));
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    am_hub_client_free(k);
    free(body);
    am_proto_batch_free(b);
    assert_int_equal(case_count(h), 1);

    /* No code (a kiosk before codes): the hub makes one for the site. */
    b = h_batch("k1", 1);
    alert(b, NULL, AM_ALERT_SEVERE);
    post(h, b, AM_PROTO_STORED);
    am_proto_batch_free(b);
    root = cases(h);
    const cJSON *list = cJSON_GetObjectItem(root, "cases");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    const char *hub_made = str(cJSON_GetArrayItem(list, 0), "code");
    assert_memory_equal(hub_made, "DE-", 3);
    assert_true(hub_case_code_valid(hub_made));
    cJSON_Delete(root);
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, NULL);
}
static int setup_pg(void **state)
{
    return h_setup(state, true, NULL);
}
static int setup_low3(void **state)
{
    return h_setup(state, false, "\n[cases]\nlow_rating = 3\n");
}

static void one_case_per_journey_sqlite(void **state)
{
    one_case_per_journey(state);
}
static void one_case_per_journey_postgresql(void **state)
{
    one_case_per_journey(state);
}
static void only_journeys_that_need_action_sqlite(void **state)
{
    only_journeys_that_need_action(state);
}
static void only_journeys_that_need_action_postgresql(void **state)
{
    only_journeys_that_need_action(state);
}
static void repeats_open_nothing_sqlite(void **state)
{
    repeats_open_nothing(state);
}
static void repeats_open_nothing_postgresql(void **state)
{
    repeats_open_nothing(state);
}

static void kiosk_codes_sqlite(void **state)
{
    kiosk_codes(state);
}
static void kiosk_codes_postgresql(void **state)
{
    kiosk_codes(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(codes),
    cmocka_unit_test(every_reason_has_words),
    cmocka_unit_test_setup_teardown(one_case_per_journey_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(one_case_per_journey_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(only_journeys_that_need_action_sqlite, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(only_journeys_that_need_action_postgresql, setup_pg,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(repeats_open_nothing_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(repeats_open_nothing_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(low_rating_is_configured, setup_low3, h_teardown),
    cmocka_unit_test_setup_teardown(kiosk_codes_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(kiosk_codes_postgresql, setup_pg, h_teardown),
};

AM_TEST_MAIN(tests)
