/* test_hub_dash_trends.c — a site's trends from known cases, at the real
 * amends-hub on SQLite and PostgreSQL: six guests asked for staff 10 to
 * 200 minutes ago; all are acknowledged now, four resolved (three within
 * the urgent two hours, one late), one marked unresolved. GET /v1/trends
 * must give the root causes, the per-team median and 90th percentile
 * (computed here again, by nearest rank, from the cases' own times), the
 * share resolved in time, the repeat room and the ratings of guests
 * resolved in time against the others; the /trends page must show them.
 */
#include <cjson/cJSON.h>
#include <math.h>

#include "hub_group.h"

#define N 6

static const struct {
    int minutes_ago, rating;
    const char *location, *fate, *cause;
} guests[N] = {
    {10, 5, "Room 214", "resolve", "process"},   {20, 4, "Room 214", "resolve", "process"},
    {40, 3, "Room 101", "resolve", "equipment"}, {180, 1, "Room 7", "resolve", "staffing"},
    {200, 2, "Room 8", "unresolved", NULL},      {15, 4, "Lobby", "ack", NULL},
};

static cJSON *api(harness *h, const char *path)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s%s'", h->mgr_token, h->url, path);
    long status = curl(h, args, &body);
    if (status != 200)
        fail_msg("GET %s: %ld %s", path, status, body);
    cJSON *root = cJSON_Parse(body);
    free(body);
    assert_non_null(root);
    return root;
}

static void event(harness *h, long id, const char *json)
{
    char args[2048], *body;
    snprintf(args, sizeof args,
             "-X POST -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' --data "
             "'%s' '%s/v1/cases/%ld/events'",
             h->mgr_token, json, h->url, id);
    long status = curl(h, args, &body);
    if (status != 200)
        fail_msg("%s: %ld %s", json, status, body);
    free(body);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile, written out again: the smallest value with
 * at least p% of the values at or below it. */
static double rank(double *v, int n, int p)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    for (int i = 0; i < n; i++) {
        if ((i + 1) * 100 >= p * n)
            return v[i];
    }
    return NAN;
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("%s is not a number", key);
    return v->valuedouble;
}

static void near_minutes(double ms, int minutes)
{
    /* The times are set a few seconds before the events: within 2 min. */
    if (fabs(ms - minutes * 60000.0) > 120000.0)
        fail_msg("%.0f ms is not about %d min", ms, minutes);
}

static void trends_from_known_cases(void **state)
{
    harness *h = *state;
    int64_t now = h_now_ms();
    am_proto_batch *b = h_batch("k1", 2 * N);
    char journeys[N][AM_PROTO_UUID_LEN + 1];
    for (int i = 0; i < N; i++) {
        am_proto_record *fb = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
        int64_t at = now - guests[i].minutes_ago * 60000LL;
        fb->u.feedback.created_at = at - 60000;
        fb->u.feedback.closed_at = at;
        fb->u.feedback.report.rating = guests[i].rating;
        snprintf(fb->u.feedback.report.location, sizeof fb->u.feedback.report.location, "%s",
                 guests[i].location);
        memcpy(journeys[i], fb->id, sizeof journeys[i]);
        h_add_alert(b, fb->id)->u.alert.raised_at = at;
    }
    am_hub_client *c = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
    am_proto_batch_free(b);

    /* Each guest's case, acknowledged, then what became of it. */
    cJSON *list = api(h, "/v1/cases?site=default");
    long ids[N] = {0};
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(list, "cases"))
    {
        for (int i = 0; i < N; i++) {
            if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(k, "journey")), journeys[i]))
                ids[i] = (long)number(k, "id");
        }
    }
    cJSON_Delete(list);
    for (int i = 0; i < N; i++) {
        assert_true(ids[i] > 0);
        event(h, ids[i], "{\"type\":\"ack\"}");
    }
    for (int i = 0; i < N; i++) {
        char json[256];
        if (!strcmp(guests[i].fate, "resolve"))
            snprintf(json, sizeof json,
                     "{\"type\":\"resolve\",\"root_cause\":\"%s\",\"action\":\"fixed\"}",
                     guests[i].cause);
        else if (!strcmp(guests[i].fate, "unresolved"))
            snprintf(json, sizeof json, "{\"type\":\"unresolved\",\"reason\":\"left\"}");
        else
            continue;
        event(h, ids[i], json);
    }

    cJSON *t = api(h, "/v1/trends?site=default&days=7");
    cJSON *cases = api(h, "/v1/cases?site=default");

    /* Per team (all of them: no team), from the cases' own times. */
    double ack[N], res[N];
    int nack = 0, nres = 0;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(cases, "cases"))
    {
        double opened = number(k, "opened_at");
        ack[nack++] = number(k, "acknowledged_at") - opened;
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(k, "state")), "resolved"))
            res[nres++] = number(k, "resolved_at") - opened;
    }
    assert_int_equal(nack, N);
    assert_int_equal(nres, 4);
    const cJSON *teams = cJSON_GetObjectItem(t, "teams");
    assert_int_equal(cJSON_GetArraySize(teams), 1);
    const cJSON *team = cJSON_GetArrayItem(teams, 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(team, "team")));
    assert_int_equal((int)number(team, "cases"), N);
    assert_int_equal((int)number(team, "acknowledged"), N);
    assert_int_equal((int)number(team, "resolved"), 4);
    double want_ack50 = rank(ack, nack, 50), want_ack90 = rank(ack, nack, 90);
    double want_res50 = rank(res, nres, 50), want_res90 = rank(res, nres, 90);
    assert_true(number(team, "ack_median_ms") == want_ack50);
    assert_true(number(team, "ack_p90_ms") == want_ack90);
    assert_true(number(team, "resolve_median_ms") == want_res50);
    assert_true(number(team, "resolve_p90_ms") == want_res90);
    /* And what they are: acknowledged after 10 15 20 40 180 200 min (3rd,
     * 6th); resolved after 10 20 40 180 min (2nd, 4th). */
    near_minutes(want_ack50, 20);
    near_minutes(want_ack90, 200);
    near_minutes(want_res50, 20);
    near_minutes(want_res90, 180);

    /* Three of four resolved within the urgent two hours. */
    const cJSON *dl = cJSON_GetObjectItem(t, "deadline");
    assert_int_equal((int)number(dl, "resolved"), 4);
    assert_int_equal((int)number(dl, "in_time"), 3);
    assert_true(number(dl, "share") == 0.75);
    /* Ratings: 5 4 3 in time; 1 (late) and 2 (unresolved) not. */
    const cJSON *r = cJSON_GetObjectItem(t, "rating");
    const cJSON *in = cJSON_GetObjectItem(r, "in_time"), *late = cJSON_GetObjectItem(r, "late");
    assert_int_equal((int)number(in, "guests"), 3);
    assert_true(number(in, "average") == 4.0);
    assert_int_equal((int)number(late, "guests"), 2);
    assert_true(number(late, "average") == 1.5);
    /* Root causes, on today's (UTC) day: the last of the seven. */
    const cJSON *rc = cJSON_GetObjectItem(t, "root_causes");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(rc, "days")), 7);
    int process = -1, equipment = -1, staffing = -1, total = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(rc, "series"))
    {
        const char *cause = cJSON_GetStringValue(cJSON_GetObjectItem(s, "root_cause"));
        const cJSON *counts = cJSON_GetObjectItem(s, "counts");
        int today = (int)cJSON_GetNumberValue(cJSON_GetArrayItem(counts, 6));
        const cJSON *n;
        cJSON_ArrayForEach(n, counts) total += (int)n->valuedouble;
        if (!strcmp(cause, "process"))
            process = today;
        else if (!strcmp(cause, "equipment"))
            equipment = today;
        else if (!strcmp(cause, "staffing"))
            staffing = today;
    }
    assert_int_equal(process, 2);
    assert_int_equal(equipment, 1);
    assert_int_equal(staffing, 1);
    assert_int_equal(total, 4);
    /* The one repeat: Room 214, twice. */
    const cJSON *rep = cJSON_GetObjectItem(t, "repeats");
    assert_int_equal(cJSON_GetArraySize(rep), 1);
    const cJSON *room = cJSON_GetArrayItem(rep, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(room, "location")), "Room 214");
    assert_int_equal((int)number(room, "cases"), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(room, "codes")), 2);
    cJSON_Delete(cases);
    cJSON_Delete(t);

    /* The page: the same figures, drawn. */
    group g = {.h = h};
    snprintf(g.token[HUB_ROLE_ADMIN], sizeof g.token[0], "%s", h->mgr_token);
    sign_in(&g, HUB_ROLE_ADMIN);
    char args[1024];
    snprintf(args, sizeof args, "-b '%s' '%s/trends?site=default&days=7'", g.cookie[HUB_ROLE_ADMIN],
             h->url);
    assert_int_equal(curl(h, args, &body), 200);
    static const char *const shown[] = {
        "<svg id=\"chart-root-causes\"",
        "<b>75%</b> of resolved cases (3 of 4)",
        "<tr id=\"rating-in-time\"><td>Resolved in time</td><td class=\"num\">3</td><td "
        "class=\"num\">4.00</td>",
        "<tr id=\"rating-late\"><td>Resolved late or not at all</td><td class=\"num\">2</td><td "
        "class=\"num\">1.50</td>",
        "<strong class=\"overdue\">REPEAT</strong> Room 214</td><td class=\"num\">2</td>",
        "<tr class=\"team\" data-team=\"\"><td>no team</td><td class=\"num\">6</td>",
    };
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        if (!strstr(body, shown[i]))
            fail_msg("the page lacks %s", shown[i]);
    }
    assert_null(strstr(body, "REPEAT</strong> Room 101"));
    free(body);
    /* The API refuses what it does not know. */
    const char *bad[] = {"/v1/trends", "/v1/trends?site=default&days=0",
                         "/v1/trends?site=default&x=1"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s%s'", h->mgr_token, h->url,
                 bad[i]);
        assert_int_equal(curl(h, args, &body), 400);
        free(body);
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

static void trends_sqlite(void **state)
{
    trends_from_known_cases(state);
}

static void trends_postgresql(void **state)
{
    trends_from_known_cases(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(trends_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(trends_postgresql, setup_pg, h_teardown),
};

AM_TEST_MAIN(tests)
