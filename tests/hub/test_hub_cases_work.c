/* test_hub_cases_work.c — working a case through POST /v1/cases/{id}/events
 * at the real amends-hub, on SQLite and PostgreSQL: a case walked from open
 * to resolved, reopened and marked unresolved, each event on its timeline
 * and in the audit trail (without the guest's words); events that do not
 * fit the state answered 409 with the state; bad events 400; assigning only
 * to someone who may work the case; a stale version refused; and two people
 * acknowledging at once over two connections: one wins, the other is told
 * who did what. */
#include <cjson/cJSON.h>
#include <pthread.h>

#include "hub_harness.h"

#define RACES 6

/* --- helpers --------------------------------------------------------------------------- */

static void cli(harness *h, const char *const *args, char *out, size_t outlen)
{
    if (h_hub_cmd(h, args, out, outlen) != 0)
        fail_msg("amends-hub %s %s failed", args[0], args[1]);
}

/* A person of `role` at the site default with an API token. */
static void person(harness *h, const char *name, const char *role, char *token, size_t len)
{
    char out[1024];
    const char *add[] = {"person", "add", name, "--role", role, "--site", "default", NULL};
    const char *tok[] = {"token", "add", name, NULL};
    cli(h, add, out, sizeof out);
    cli(h, tok, out, sizeof out);
    h_field(out, "token: ", token, len);
}

/* Opens a case (a guest who asked for staff now) and returns its id. */
static long open_case(harness *h)
{
    am_proto_batch *b = h_batch("k1", 2);
    am_proto_record *fb = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    h_add_alert(b, fb->id);
    am_hub_client *c = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
    char journey[AM_PROTO_UUID_LEN + 1];
    memcpy(journey, fb->id, sizeof journey);
    am_proto_batch_free(b);
    am_hub_client *m = h_manager(h, NULL);
    h_get(m, "GET", "/v1/cases?limit=10000", &reply);
    cJSON *root = cJSON_Parse(reply.body);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    long id = 0;
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(root, "cases"))
    {
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(k, "journey")), journey))
            id = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(k, "id"));
    }
    cJSON_Delete(root);
    assert_true(id > 0);
    return id;
}

/* POSTs an event as the person with `token`; the status, the body parsed. */
static long event(harness *h, const char *token, long id, const char *json, cJSON **out)
{
    am_hub_client *c = h_manager(h, token);
    char path[64], err[256];
    snprintf(path, sizeof path, "/v1/cases/%ld/events", id);
    am_hub_reply reply;
    if (am_hub_client_send_json(c, "POST", path, json, &reply, err, sizeof err) != AM_OK)
        fail_msg("POST %s: %s", path, err);
    long status = reply.status;
    if (out) {
        *out = cJSON_Parse(reply.body);
        assert_non_null(*out);
    }
    am_hub_reply_clear(&reply);
    am_hub_client_free(c);
    return status;
}

static void expect(harness *h, const char *token, long id, const char *json, long want)
{
    cJSON *body = NULL;
    long got = event(h, token, id, json, &body);
    if (got != want) {
        char *text = cJSON_PrintUnformatted(body);
        fail_msg("%s: want %ld, got %ld: %s", json, want, got, text);
    }
    cJSON_Delete(body);
}

static const char *str(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

static cJSON *get_case(harness *h, long id)
{
    am_hub_client *m = h_manager(h, NULL);
    char path[64];
    snprintf(path, sizeof path, "/v1/cases/%ld", id);
    am_hub_reply reply;
    h_get(m, "GET", path, &reply);
    assert_int_equal(reply.status, 200);
    cJSON *root = cJSON_Parse(reply.body);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    cJSON *c = cJSON_DetachItemFromObject(root, "case");
    cJSON_Delete(root);
    return c;
}

/* Posts a heartbeat as kiosk 1 and returns the answer's "cases". */
static cJSON *kiosk_answer_cases(harness *h)
{
    am_proto_batch *b = h_batch("k1", 1);
    h_add_heartbeat(b, 0, 0, "");
    am_hub_client *c = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    cJSON *root = cJSON_Parse(reply.body);
    assert_non_null(root);
    cJSON *cases = cJSON_DetachItemFromObject(root, "cases");
    if (!cases)
        fail_msg("answer without cases: %s", reply.body);
    assert_true(cJSON_IsArray(cases));
    cJSON_Delete(root);
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
    am_proto_batch_free(b);
    return cases;
}

/* The hub's answer to a kiosk says what happened to its urgent cases: the
 * code, the journey, the state and, once someone acknowledged, their name
 * and the case's team; nothing of the guest's. */
static void kiosk_answer_carries_its_urgent_cases(void **state)
{
    harness *h = *state;
    char out[1024], sam[128];
    const char *team[] = {"team", "add", "default", "frontdesk", "--name", "Front Desk", NULL};
    const char *route[] = {"route", "default", "default", "frontdesk", NULL};
    cli(h, team, out, sizeof out);
    cli(h, route, out, sizeof out);
    const char *add[] = {"person", "add", "Sam", "--role", "staff", "--team", "default/frontdesk",
                         NULL};
    const char *tok[] = {"token", "add", "Sam", NULL};
    cli(h, add, out, sizeof out);
    cli(h, tok, out, sizeof out);
    h_field(out, "token: ", sam, sizeof sam);
    long id = open_case(h);
    cJSON *c = get_case(h, id);
    char code[32], journey[64];
    snprintf(code, sizeof code, "%s", str(c, "code"));
    snprintf(journey, sizeof journey, "%s", str(c, "journey"));
    cJSON_Delete(c);

    cJSON *cases = kiosk_answer_cases(h);
    assert_int_equal(cJSON_GetArraySize(cases), 1);
    const cJSON *k = cJSON_GetArrayItem(cases, 0);
    assert_string_equal(str(k, "code"), code);
    assert_string_equal(str(k, "journey"), journey);
    assert_string_equal(str(k, "state"), "open");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(k, "by")));
    assert_string_equal(str(k, "team"), "Front Desk");
    assert_int_equal(cJSON_GetArraySize(k), 5); /* nothing of the guest's */
    cJSON_Delete(cases);

    expect(h, sam, id, "{\"type\":\"ack\"}", 200);
    cases = kiosk_answer_cases(h);
    k = cJSON_GetArrayItem(cases, 0);
    assert_string_equal(str(k, "state"), "acknowledged");
    assert_string_equal(str(k, "by"), "Sam");
    assert_string_equal(str(k, "team"), "Front Desk");
    cJSON_Delete(cases);

    /* Closed: no longer in the answer. */
    expect(h, sam, id, "{\"type\":\"resolve\",\"root_cause\":\"staffing\",\"action\":\"came\"}",
           200);
    cases = kiosk_answer_cases(h);
    assert_int_equal(cJSON_GetArraySize(cases), 0);
    cJSON_Delete(cases);
}

/* --- the walk ------------------------------------------------------------------------------ */

static void walk(void **state)
{
    harness *h = *state;
    char ann[128], sam[128], vic[128];
    person(h, "ann", "manager", ann, sizeof ann);
    person(h, "sam", "staff", sam, sizeof sam);
    person(h, "vic", "viewer", vic, sizeof vic);
    long id = open_case(h);
    cJSON *body = NULL;

    /* Events that do not fit an open case: 409 with its state. */
    assert_int_equal(event(h, ann, id, "{\"type\":\"reopen\",\"reason\":\"x\"}", &body), 409);
    assert_string_equal(str(body, "error"), "conflict");
    assert_string_equal(str(body, "state"), "open");
    cJSON_Delete(body);
    /* Bad events: 400 naming what is wrong; nothing happens. */
    const char *bad[] = {
        "not json",
        "{\"type\":\"shout\"}",
        "{\"type\":\"note\"}",
        "{\"type\":\"note\",\"text\":\"   \"}",
        "{\"type\":\"priority\",\"priority\":\"high\"}",
        "{\"type\":\"resolve\",\"root_cause\":\"bad_luck\",\"action\":\"fixed\"}",
        "{\"type\":\"resolve\",\"root_cause\":\"equipment\"}",
        "{\"type\":\"assign\",\"person\":\"no body\"}",
        "{\"type\":\"ack\",\"version\":\"one\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect(h, ann, id, bad[i], 400);
    /* Assign only to someone who may work the case: not a viewer, not a stranger. */
    expect(h, ann, id, "{\"type\":\"assign\",\"person\":\"vic\"}", 422);
    expect(h, ann, id, "{\"type\":\"assign\",\"person\":\"nobody\"}", 422);
    /* A viewer may not act at all. */
    expect(h, vic, id, "{\"type\":\"ack\"}", 403);

    /* Acknowledged by sam (staff); a second ack does not fit. */
    assert_int_equal(event(h, sam, id, "{\"type\":\"ack\"}", &body), 200);
    cJSON *c = cJSON_GetObjectItem(body, "case");
    assert_string_equal(str(c, "state"), "acknowledged");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(c, "acknowledged_at")));
    cJSON_Delete(body);
    assert_int_equal(event(h, ann, id, "{\"type\":\"ack\"}", &body), 409);
    assert_string_equal(str(body, "state"), "acknowledged");
    assert_string_equal(str(cJSON_GetObjectItem(body, "last"), "actor"), "sam");
    assert_string_equal(str(cJSON_GetObjectItem(body, "last"), "type"), "ack");
    assert_non_null(strstr(str(body, "reason"), "sam"));
    cJSON_Delete(body);

    expect(h, ann, id, "{\"type\":\"note\",\"text\":\"Heater replaced in 214\"}", 200);
    expect(h, ann, id, "{\"type\":\"assign\",\"person\":\"sam\"}", 200);
    expect(h, ann, id, "{\"type\":\"priority\",\"priority\":\"normal\"}", 200);
    /* A stale version: someone changed the case since version 1. */
    cJSON *now = get_case(h, id);
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(now, "version")) == 4);
    cJSON_Delete(now);
    expect(h, sam, id,
           "{\"type\":\"resolve\",\"root_cause\":\"equipment\",\"action\":\"new heater\","
           "\"version\":1}",
           409);
    expect(h, sam, id,
           "{\"type\":\"resolve\",\"root_cause\":\"equipment\",\"action\":\"Replaced the "
           "heater\",\"guest_message\":\"We replaced the heater in your room.\"}",
           200);
    c = get_case(h, id);
    assert_string_equal(str(c, "state"), "resolved");
    assert_string_equal(str(c, "assignee"), "sam");
    assert_string_equal(str(c, "priority"), "normal");
    assert_string_equal(str(c, "root_cause"), "equipment");
    assert_string_equal(str(c, "corrective_action"), "Replaced the heater");
    assert_string_equal(str(c, "guest_message"), "We replaced the heater in your room.");
    /* Normal: 4 hours to acknowledge, 48 to resolve. */
    double opened = cJSON_GetNumberValue(cJSON_GetObjectItem(c, "opened_at"));
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(c, "resolve_due")) - opened ==
                48.0 * 3600 * 1000);
    cJSON_Delete(c);

    expect(h, ann, id, "{\"type\":\"resolve\",\"root_cause\":\"process\",\"action\":\"x\"}", 409);
    expect(h, ann, id, "{\"type\":\"reopen\",\"reason\":\"the guest says it is still cold\"}", 200);
    c = get_case(h, id);
    assert_string_equal(str(c, "state"), "open");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "resolved_at")));
    cJSON_Delete(c);
    expect(h, ann, id, "{\"type\":\"unresolved\",\"reason\":\"no part until Monday\"}", 200);

    /* The timeline, in order, with who did each. */
    c = get_case(h, id);
    assert_string_equal(str(c, "state"), "unresolved");
    const char *want[][2] = {{"opened", "k1"},  {"routed", "hub"},    {"alert", "k1"},
                             {"report", "k1"},  {"ack", "sam"},       {"note", "ann"},
                             {"assign", "ann"}, {"priority", "ann"},  {"resolve", "sam"},
                             {"reopen", "ann"}, {"unresolved", "ann"}};
    const cJSON *tl = cJSON_GetObjectItem(c, "timeline");
    assert_int_equal(cJSON_GetArraySize(tl), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const cJSON *e = cJSON_GetArrayItem(tl, (int)i);
        if (strcmp(str(e, "type"), want[i][0]) || strcmp(str(e, "actor"), want[i][1]))
            fail_msg("event %zu: %s by %s, want %s by %s", i, str(e, "type"), str(e, "actor"),
                     want[i][0], want[i][1]);
    }
    assert_string_equal(str(cJSON_GetArrayItem(tl, 5), "detail"), "Heater replaced in 214");
    assert_string_equal(str(cJSON_GetArrayItem(tl, 8), "before"), "in_progress");
    assert_string_equal(str(cJSON_GetArrayItem(tl, 8), "after"), "resolved");
    cJSON_Delete(c);

    /* The audit trail has each action, and none of the words. */
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", "/v1/audit?limit=100", &reply);
    assert_int_equal(reply.status, 200);
    const char *actions[] = {"case.ack",     "case.note",   "case.assign",    "case.priority",
                             "case.resolve", "case.reopen", "case.unresolved"};
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        char q[64];
        snprintf(q, sizeof q, "\"action\":\"%s\"", actions[i]);
        if (!strstr(reply.body, q))
            fail_msg("no %s in the audit trail: %s", actions[i], reply.body);
    }
    assert_null(strstr(reply.body, "Heater replaced"));
    assert_null(strstr(reply.body, "We replaced"));
    assert_null(strstr(reply.body, "still cold"));
    assert_non_null(strstr(reply.body, "root cause equipment"));
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
}

/* --- the race ------------------------------------------------------------------------------ */

typedef struct racer {
    harness *h;
    const char *token;
    long id;
    pthread_barrier_t *start;
    long status;
    char body[1024];
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    am_hub_client *c = h_manager(r->h, r->token);
    char path[64], err[256];
    snprintf(path, sizeof path, "/v1/cases/%ld/events", r->id);
    /* A first request opens the connection, so that the two acks go at once. */
    am_hub_reply reply;
    if (am_hub_client_request(c, "GET", "/v1/me", &reply, err, sizeof err) == AM_OK)
        am_hub_reply_clear(&reply);
    pthread_barrier_wait(r->start);
    if (am_hub_client_send_json(c, "POST", path, "{\"type\":\"ack\"}", &reply, err, sizeof err) ==
        AM_OK) {
        r->status = reply.status;
        snprintf(r->body, sizeof r->body, "%s", reply.body ? reply.body : "");
        am_hub_reply_clear(&reply);
    }
    am_hub_client_free(c);
    return NULL;
}

static void two_acknowledge_at_once(void **state)
{
    harness *h = *state;
    char ann[128], bob[128];
    person(h, "ann", "manager", ann, sizeof ann);
    person(h, "bob", "manager", bob, sizeof bob);
    for (int round = 0; round < RACES; round++) {
        long id = open_case(h);
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, 2);
        racer r[2] = {{h, ann, id, &start, 0, ""}, {h, bob, id, &start, 0, ""}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&start);
        int winner = r[0].status == 200 ? 0 : 1;
        if (r[winner].status != 200 || r[1 - winner].status != 409)
            fail_msg("round %d: %ld and %ld (%s / %s)", round, r[0].status, r[1].status, r[0].body,
                     r[1].body);
        /* The loser is told who did what. */
        const char *name = winner == 0 ? "ann" : "bob";
        cJSON *lost = cJSON_Parse(r[1 - winner].body);
        assert_non_null(lost);
        assert_string_equal(str(lost, "state"), "acknowledged");
        assert_string_equal(str(cJSON_GetObjectItem(lost, "last"), "actor"), name);
        assert_string_equal(str(cJSON_GetObjectItem(lost, "last"), "type"), "ack");
        assert_non_null(strstr(str(lost, "reason"), name));
        cJSON_Delete(lost);
        /* One ack on the timeline. */
        cJSON *c = get_case(h, id);
        int acks = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "timeline")) acks +=
            !strcmp(str(e, "type"), "ack");
        assert_int_equal(acks, 1);
        cJSON_Delete(c);
    }
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, NULL);
}
static int setup_pg(void **state)
{
    return h_setup(state, true, NULL);
}

static void walk_sqlite(void **state)
{
    walk(state);
}
static void walk_postgresql(void **state)
{
    walk(state);
}
static void two_acknowledge_at_once_sqlite(void **state)
{
    two_acknowledge_at_once(state);
}
static void two_acknowledge_at_once_postgresql(void **state)
{
    two_acknowledge_at_once(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(walk_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(kiosk_answer_carries_its_urgent_cases, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(walk_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(two_acknowledge_at_once_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(two_acknowledge_at_once_postgresql, setup_pg, h_teardown),
};

AM_TEST_MAIN(tests)
