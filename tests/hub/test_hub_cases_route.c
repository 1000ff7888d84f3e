/* test_hub_cases_route.c — routing cases at the real amends-hub, on SQLite
 * and PostgreSQL: the `route` commands exactly as docs/hub.md shows them
 * set a site up; new cases go to the first matching rule's team and
 * priority, else the default team, with the site's deadlines; a case its
 * alert opened is routed again when the report brings its location; staff
 * see and work only their teams' cases; each change is audited. */
#include <cjson/cJSON.h>

#include "hub_harness.h"

#define DOC AM_SOURCE_DIR "/docs/hub.md"
#define MIN INT64_C(60000)

typedef struct site {
    harness *h;
    char token[128], secret[128], staff[128];
} site;

static void cli(harness *h, const char *const *args, char *out, size_t outlen)
{
    if (h_hub_cmd(h, args, out, outlen) != 0) {
        char path[700];
        snprintf(path, sizeof path, "%s/cmd.err", h->dir);
        char *err = am_test_read_file(path, NULL);
        fail_msg("amends-hub %s %s: %s", args[0], args[1], err ? err : "");
    }
}

/* Runs every `amends-hub --config FILE route ...` line of the doc's
 * routing section, as written, against this hub's config. */
static void run_doc_commands(harness *h)
{
    char *text = am_test_read_file(DOC, NULL);
    assert_non_null(text);
    char *start = strstr(text, "\n### Routing and deadlines\n");
    assert_non_null(start);
    char *block = strstr(start, "```sh\n");
    assert_non_null(block);
    block += 6;
    char *end = strstr(block, "```");
    assert_non_null(end);
    *end = '\0';
    int n = 0;
    for (char *line = block; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        const char *prefix = "amends-hub --config FILE ";
        assert_memory_equal(line, prefix, strlen(prefix));
        char script[2048];
        snprintf(script, sizeof script, "'%s' --config '%s' %s", HUB_BIN, h->conf,
                 line + strlen(prefix));
        char out[700], err[700];
        snprintf(out, sizeof out, "%s/doc.out", h->dir);
        snprintf(err, sizeof err, "%s/doc.err", h->dir);
        if (h_sh(script, out, err) != 0) {
            char *e = am_test_read_file(err, NULL);
            fail_msg("docs/hub.md: '%s' failed: %s", line, e ? e : "");
        }
        n++;
        line = nl ? nl + 1 : NULL;
    }
    assert_int_equal(n, 6);
    free(text);
}

static void setup_site(site *s)
{
    harness *h = s->h;
    char out[1024];
    const char *add[] = {"site",       "add",           "harbour",    "--name", "Harbour View",
                         "--timezone", "Europe/London", "--currency", "GBP",    NULL};
    const char *hk[] = {"team", "add", "harbour", "housekeeping", "--name", "Housekeeping", NULL};
    const char *fd[] = {"team", "add", "harbour", "front-desk", "--name", "Front desk", NULL};
    const char *k[] = {"kiosk", "add", "harbour-lobby", "--site", "harbour", NULL};
    const char *sam[] = {
        "person", "add", "sam", "--role", "staff", "--team", "harbour/housekeeping", NULL};
    const char *tok[] = {"token", "add", "sam", NULL};
    cli(h, add, out, sizeof out);
    cli(h, hk, out, sizeof out);
    cli(h, fd, out, sizeof out);
    cli(h, k, out, sizeof out);
    h_field(out, "token: ", s->token, sizeof s->token);
    h_field(out, "secret: ", s->secret, sizeof s->secret);
    cli(h, sam, out, sizeof out);
    cli(h, tok, out, sizeof out);
    h_field(out, "token: ", s->staff, sizeof s->staff);
    run_doc_commands(h);
}

static void post(site *s, am_proto_batch *b)
{
    am_hub_client *c = am_hub_client_new(s->h->url, s->h->ca, s->token, s->secret);
    assert_non_null(c);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    if (reply.status != 200)
        fail_msg("post: %ld %s", reply.status, reply.body ? reply.body : "");
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
}

static am_report *report(am_proto_batch *b, const char *category, const char *location,
                         const char *resolution, char *journey)
{
    am_proto_record *r = h_add_feedback(b, category, AM_OUTCOME_COMPLETED);
    am_report *rp = &r->u.feedback.report;
    snprintf(rp->location, sizeof rp->location, "%s", location);
    snprintf(rp->resolution, sizeof rp->resolution, "%s", resolution);
    rp->rating = 1; /* a low rating: a case */
    memcpy(journey, r->id, AM_PROTO_UUID_LEN + 1);
    return rp;
}

static cJSON *get(harness *h, const char *token, const char *path, long want)
{
    am_hub_client *m = h_manager(h, token);
    am_hub_reply reply;
    h_get(m, "GET", path, &reply);
    if (reply.status != want)
        fail_msg("GET %s: want %ld, got %ld %s", path, want, reply.status, reply.body);
    cJSON *root = cJSON_Parse(reply.body);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return root;
}

/* The case of a journey, from the admin's list. */
static cJSON *case_of(harness *h, const char *journey)
{
    cJSON *root = get(h, NULL, "/v1/cases", 200);
    cJSON *found = NULL;
    cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
    {
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "journey")), journey))
            found = cJSON_Duplicate(c, true);
    }
    cJSON_Delete(root);
    if (!found)
        fail_msg("no case for journey %s", journey);
    return found;
}

static const char *str(const cJSON *o, const char *key)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return v ? v : "(null)";
}

static int64_t ms(const cJSON *o, const char *key)
{
    return (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void routes(void **state)
{
    site s = {.h = *state};
    harness *h = s.h;
    setup_site(&s);
    char room[AM_PROTO_UUID_LEN + 1], manager[AM_PROTO_UUID_LEN + 1], other[AM_PROTO_UUID_LEN + 1],
        late[AM_PROTO_UUID_LEN + 1];
    am_proto_batch *b = h_batch("harbour-lobby", 4);
    report(b, "room", "room 214", "other", room);      /* rule 1 */
    report(b, "food", "Bar", "call_manager", manager); /* rule 2 */
    report(b, "food", "Room 9", "other", other);       /* no rule: default */
    post(&s, b);
    am_proto_batch_free(b);

    cJSON *c = case_of(h, room);
    assert_string_equal(str(c, "team"), "housekeeping");
    assert_string_equal(str(c, "priority"), "normal");
    assert_true(ms(c, "ack_due") - ms(c, "opened_at") == 120 * MIN);
    assert_true(ms(c, "resolve_due") - ms(c, "opened_at") == 1440 * MIN);
    char room_id[24];
    snprintf(room_id, sizeof room_id, "%lld", (long long)ms(c, "id"));
    cJSON_Delete(c);
    c = case_of(h, manager);
    assert_string_equal(str(c, "team"), "front-desk");
    assert_string_equal(str(c, "priority"), "urgent");
    assert_true(ms(c, "ack_due") - ms(c, "opened_at") == 10 * MIN);
    assert_true(ms(c, "resolve_due") - ms(c, "opened_at") == 60 * MIN);
    char manager_id[24];
    snprintf(manager_id, sizeof manager_id, "%lld", (long long)ms(c, "id"));
    cJSON_Delete(c);
    c = case_of(h, other);
    assert_string_equal(str(c, "team"), "front-desk");
    cJSON_Delete(c);

    /* The alert travels ahead: routed by what it knows (no location: the
     * default team), then again when the report says "Room 3". */
    b = h_batch("harbour-lobby", 1);
    am_proto_batch *b2 = h_batch("harbour-lobby", 1);
    report(b2, "room", "Room 3", "other", late);
    b2->records[0].u.feedback.report.rating = 4; /* the alert is the reason */
    h_add_alert(b, late)->u.alert.reason = AM_ALERT_NOTIFY;
    post(&s, b);
    c = case_of(h, late);
    assert_string_equal(str(c, "team"), "front-desk");
    cJSON_Delete(c);
    post(&s, b2);
    am_proto_batch_free(b);
    am_proto_batch_free(b2);
    c = case_of(h, late);
    assert_string_equal(str(c, "team"), "housekeeping");
    char path[96];
    snprintf(path, sizeof path, "/v1/cases/%lld", (long long)ms(c, "id"));
    cJSON_Delete(c);
    cJSON *one = get(h, NULL, path, 200);
    int routed = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(one, "case"), "timeline"))
    {
        if (!strcmp(str(e, "type"), "routed")) {
            routed++;
            if (routed == 2)
                assert_non_null(strstr(str(e, "detail"), "rule 1"));
        }
    }
    assert_int_equal(routed, 2);
    cJSON_Delete(one);

    /* Staff of housekeeping: their team's cases only. */
    cJSON *mine = get(h, s.staff, "/v1/cases", 200);
    const cJSON *k;
    int n = 0;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(mine, "cases"))
    {
        assert_string_equal(str(k, "team"), "housekeeping");
        n++;
    }
    assert_int_equal(n, 2);
    cJSON_Delete(mine);
    snprintf(path, sizeof path, "/v1/cases/%s", manager_id);
    cJSON_Delete(get(h, s.staff, path, 403));
    snprintf(path, sizeof path, "/v1/cases/%s", room_id);
    cJSON_Delete(get(h, s.staff, path, 200));
    am_hub_client *sam = h_manager(h, s.staff);
    am_hub_reply reply;
    char err[256];
    snprintf(path, sizeof path, "/v1/cases/%s/events", manager_id);
    assert_int_equal(
        am_hub_client_send_json(sam, "POST", path, "{\"type\":\"ack\"}", &reply, err, sizeof err),
        AM_OK);
    assert_int_equal(reply.status, 403);
    am_hub_reply_clear(&reply);
    snprintf(path, sizeof path, "/v1/cases/%s/events", room_id);
    assert_int_equal(
        am_hub_client_send_json(sam, "POST", path, "{\"type\":\"ack\"}", &reply, err, sizeof err),
        AM_OK);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    am_hub_client_free(sam);

    /* The rules as route list shows them, and the audit trail. */
    char out[8192];
    const char *list[] = {"route", "list", NULL};
    cli(h, list, out, sizeof out);
    cJSON *l = cJSON_Parse(out);
    assert_non_null(l);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(l, "routes")), 2);
    const cJSON *r2 = cJSON_GetArrayItem(cJSON_GetObjectItem(l, "routes"), 1);
    assert_string_equal(str(r2, "resolution"), "call_manager");
    assert_string_equal(str(r2, "priority"), "urgent");
    const cJSON *st = cJSON_GetArrayItem(cJSON_GetObjectItem(l, "sites"), 0);
    assert_string_equal(str(st, "default_team"), "front-desk");
    assert_true(ms(st, "urgent_ack_ms") == 10 * MIN);
    cJSON_Delete(l);
    cJSON *audit = get(h, NULL, "/v1/audit?action=case_route.add", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(audit, "audit")), 2);
    cJSON_Delete(audit);

    /* Mistakes are refused with what and where. */
    const char *bad_team[] = {"route", "add", "harbour", "--team", "spa", NULL};
    assert_int_equal(h_hub_cmd(h, bad_team, out, sizeof out), 1);
    const char *bad_site[] = {"route", "default", "nowhere", "front-desk", NULL};
    assert_int_equal(h_hub_cmd(h, bad_site, out, sizeof out), 1);
    const char *bad_pri[] = {"route", "deadline",  "harbour", "soon", "--ack",
                             "1",     "--resolve", "2",       NULL};
    assert_int_equal(h_hub_cmd(h, bad_pri, out, sizeof out), 2);
    const char *no_team[] = {"route", "add", "harbour", "--category", "room", NULL};
    assert_int_equal(h_hub_cmd(h, no_team, out, sizeof out), 2);
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, NULL);
}
static int setup_pg(void **state)
{
    return h_setup(state, true, NULL);
}
static void routes_sqlite(void **state)
{
    routes(state);
}
static void routes_postgresql(void **state)
{
    routes(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(routes_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(routes_postgresql, setup_pg, h_teardown),
};

AM_TEST_MAIN(tests)
