/* test_hub_cases_escalate.c — the escalation timer at the real amends-hub:
 * with nobody looking, cases past their deadlines escalate one level at a
 * time (the team, then the site's managers), each level exactly once,
 * also with two hubs on one PostgreSQL database both running the timer.
 * The clock is taken from outside: the kiosk's records say when the guest
 * asked (minutes and hours ago), and the test waits on the hubs' own log
 * lines (inotify), never on a sleep. */
#include <cjson/cJSON.h>

#include "hub_harness.h"

#define LATE_ACK     40 /* asked 10 minutes ago: urgent, not acknowledged in time */
#define LATE_RESOLVE 10 /* asked 3 hours ago: not resolved in time either */
#define FRESH        5  /* asked now: nothing due */
#define MIN          INT64_C(60000)

static int count_in(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The escalations the hubs logged as theirs, in both logs. */
static int escalations(harness *h, int *lost)
{
    int n = 0;
    *lost = 0;
    hub_proc *procs[] = {&h->hub, &h->hub2};
    for (int i = 0; i < 2; i++) {
        if (!procs[i]->log[0])
            continue;
        char *text = am_test_read_file(procs[i]->log, NULL);
        n += count_in(text, "escalated to team\n") + count_in(text, "escalated to site managers\n");
        *lost += count_in(text, "by another hub first");
        free(text);
    }
    return n;
}

/* Waits, at most timeout_ms, until the hubs have logged `want`
 * escalations: woken by the logs' changes, not by polling. */
static void wait_escalations(harness *h, int want, long timeout_ms)
{
    int fd = inotify_init1(IN_CLOEXEC);
    assert_true(fd >= 0);
    inotify_add_watch(fd, h->hub.log, IN_MODIFY);
    if (h->hub2.log[0])
        inotify_add_watch(fd, h->hub2.log, IN_MODIFY);
    int64_t deadline = h_now_ms() + timeout_ms;
    int got = 0, lost = 0;
    for (;;) {
        got = escalations(h, &lost);
        int64_t left = deadline - h_now_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (got >= want || left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        char events[4096];
        if (read(fd, events, sizeof events) < 0 && errno != EINTR)
            break;
    }
    close(fd);
    if (got < want)
        fail_msg("%d escalations logged, want %d", got, want);
    print_message("%d escalations, %d races lost to the other hub\n", got, lost);
}

static void post_cases(harness *h, int count, int64_t asked_ago_ms)
{
    am_proto_batch *b = h_batch("k1", (size_t)count);
    for (int i = 0; i < count; i++)
        h_add_alert(b, NULL)->u.alert.raised_at = h_now_ms() - asked_ago_ms;
    am_hub_client *c = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
    am_proto_batch_free(b);
}

/* Each case's escalation events: none for the fresh ones, "team" once for
 * those late to be acknowledged, "team" then "site managers" once each for
 * those late to be resolved. */
static void check_timelines(harness *h)
{
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", "/v1/cases", &reply);
    cJSON *root = cJSON_Parse(reply.body);
    am_hub_reply_clear(&reply);
    const cJSON *list = cJSON_GetObjectItem(root, "cases");
    assert_int_equal(cJSON_GetArraySize(list), LATE_ACK + LATE_RESOLVE + FRESH);
    int seen[3] = {0};
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        char path[64];
        snprintf(path, sizeof path, "/v1/cases/%.0f",
                 cJSON_GetNumberValue(cJSON_GetObjectItem(c, "id")));
        h_get(m, "GET", path, &reply);
        cJSON *one = cJSON_Parse(reply.body);
        am_hub_reply_clear(&reply);
        const cJSON *k = cJSON_GetObjectItem(one, "case");
        int team = 0, managers = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(k, "timeline"))
        {
            if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "type")), "escalated"))
                continue;
            const char *to = cJSON_GetStringValue(cJSON_GetObjectItem(e, "after"));
            assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "actor")), "hub");
            team += !strcmp(to, "team");
            managers += !strcmp(to, "site managers");
        }
        int64_t age =
            h_now_ms() - (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(k, "opened_at"));
        int level = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(k, "escalation"));
        if (age > 2 * 60 * MIN) {
            assert_int_equal(team, 1);
            assert_int_equal(managers, 1);
            assert_int_equal(level, 2);
            seen[2]++;
        } else if (age > 5 * MIN) {
            assert_int_equal(team, 1);
            assert_int_equal(managers, 0);
            assert_int_equal(level, 1);
            assert_true(cJSON_IsTrue(cJSON_GetObjectItem(k, "overdue")));
            seen[1]++;
        } else {
            assert_int_equal(team + managers, 0);
            assert_int_equal(level, 0);
            seen[0]++;
        }
        cJSON_Delete(one);
    }
    assert_int_equal(seen[0], FRESH);
    assert_int_equal(seen[1], LATE_ACK);
    assert_int_equal(seen[2], LATE_RESOLVE);
    cJSON_Delete(root);
    am_hub_client_free(m);
}

static void escalate(void **state, bool two_hubs)
{
    harness *h = *state;
    if (two_hubs)
        h_hub_launch(h, &h->hub2, "hub2");
    post_cases(h, FRESH, 0);
    post_cases(h, LATE_ACK, 10 * MIN);
    post_cases(h, LATE_RESOLVE, 3 * 60 * MIN);
    wait_escalations(h, LATE_ACK + 2 * LATE_RESOLVE, 60000);
    check_timelines(h);
    /* Nothing more was escalated meanwhile: each step once. */
    int lost = 0;
    assert_int_equal(escalations(h, &lost), LATE_ACK + 2 * LATE_RESOLVE);
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, "\n[cases]\nescalate_every_s = 1\n");
}
static int setup_pg(void **state)
{
    return h_setup(state, true, "\n[cases]\nescalate_every_s = 1\n");
}
static void timer_escalates_sqlite(void **state)
{
    escalate(state, false);
}
static void two_hubs_escalate_each_case_once_postgresql(void **state)
{
    escalate(state, true);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(timer_escalates_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(two_hubs_escalate_each_case_once_postgresql, setup_pg,
                                    h_teardown),
};

AM_TEST_MAIN(tests)
