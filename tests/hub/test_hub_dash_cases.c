/* test_hub_dash_cases.c — cases on the dashboard, at the real amends-hub on
 * SQLite and PostgreSQL, driven with curl as a browser would: the front
 * page's queue (one row per case, cut to what each person may see,
 * filtered, overdue first and said in words), the case page (the report,
 * personal data hidden from viewers, the alerts, the timeline) and every
 * form of it, each checked through the API afterwards: acknowledge (which
 * acknowledges the case's alerts), assign, note, priority, resolve (root
 * cause from [cases] root_causes), unresolved, reopen; a stale form
 * answered 409 with who did what; refusals change nothing.
 */
#include <cjson/cJSON.h>

#include "hub_group.h"

/* --- helpers ------------------------------------------------------------------------------ */

/* A kiosk at site `site` whose guest asked for staff an hour ago: an
 * urgent case past its acknowledge deadline. */
static void late_case(group *g, const char *id, const char *site)
{
    harness *h = g->h;
    char out[1024], token[128], secret[128];
    const char *add[] = {"kiosk", "add", id, "--site", site, NULL};
    cmd(h, add, out, sizeof out);
    h_field(out, "token: ", token, sizeof token);
    h_field(out, "secret: ", secret, sizeof secret);
    am_proto_batch *b = h_batch(id, 2);
    h_add_alert(b, NULL)->u.alert.raised_at = h_now_ms() - 3600 * 1000;
    am_hub_client *c = am_hub_client_new(h->url, h->ca, token, secret);
    assert_non_null(c);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

/* The code of the (one) case the admin's API lists for `query`. */
static void code_of(group *g, const char *query, char *out, size_t len)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/cases?%s'",
             g->token[HUB_ROLE_ADMIN], g->h->url, query);
    assert_int_equal(curl(g->h, args, &body), 200);
    cJSON *root = cJSON_Parse(body);
    const cJSON *cases = cJSON_GetObjectItem(root, "cases");
    if (cJSON_GetArraySize(cases) != 1)
        fail_msg("%s: want one case, got %s", query, body);
    snprintf(out, len, "%s",
             cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cases, 0), "code")));
    cJSON_Delete(root);
    free(body);
}

/* The case as the API shows it to the admin. */
static cJSON *api_case(group *g, const char *code)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/cases/%s'",
             g->token[HUB_ROLE_ADMIN], g->h->url, code);
    assert_int_equal(curl(g->h, args, &body), 200);
    cJSON *root = cJSON_Parse(body);
    free(body);
    cJSON *c = cJSON_DetachItemFromObject(root, "case");
    cJSON_Delete(root);
    assert_non_null(c);
    return c;
}

static const char *field(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

static long version_of(group *g, const char *code)
{
    cJSON *c = api_case(g, code);
    long v = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(c, "version"));
    cJSON_Delete(c);
    return v;
}

/* GET path with role's session: the status, the page in *body. */
static long page_as(group *g, int role, const char *path, char **body)
{
    char args[1024];
    snprintf(args, sizeof args, "-b '%s' '%s%s'", g->cookie[role], g->h->url, path);
    return curl(g->h, args, body);
}

/* Posts a case form as role: `fields` is curl data (already encoded), plus
 * the session's CSRF token unless csrf is false. */
static long form_as(group *g, int role, const char *code, const char *fields, bool csrf,
                    char **body)
{
    char args[4096];
    snprintf(args, sizeof args, "-b '%s' -H 'Origin: %s' --data '%s%s%s' '%s/cases/%s/events'",
             g->cookie[role], g->h->url, csrf ? "csrf=" : "x=", csrf ? g->csrf[role] : "1", fields,
             g->h->url, code);
    return curl(g->h, args, body);
}

static void expect_form(group *g, int role, const char *code, const char *fields, long want,
                        const char *says)
{
    char *body;
    long got = form_as(g, role, code, fields, true, &body);
    if (got != want)
        fail_msg("%s as %s: want %ld, got %ld: %.600s", fields, hub_role_name((hub_role)role), want,
                 got, body);
    if (says && !strstr(body, says))
        fail_msg("%s: the page does not say '%s': %.3000s", fields, says, body);
    free(body);
}

static bool has_event(const cJSON *c, const char *type, const char *actor, const char *via)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "timeline"))
    {
        if (!strcmp(field(e, "type"), type) && !strcmp(field(e, "actor"), actor) &&
            !strcmp(field(e, "via"), via))
            return true;
    }
    return false;
}

/* --- the test ------------------------------------------------------------------------------ */

static void cases_on_the_dashboard(void **state)
{
    group g = {.h = *state};
    setup_group(&g);
    harness *h = g.h;
    char out[1024], *body;
    /* A second team at site a, whose new cases go to it: staff of
     * housekeeping must not see them. And a case an hour late at site a. */
    const char *team[] = {"team", "add", "a", "fd", "--name", "Front desk", NULL};
    const char *route[] = {"route", "default", "a", "fd", NULL};
    cmd(h, team, out, sizeof out);
    cmd(h, route, out, sizeof out);
    late_case(&g, "kiosk-late", "a");
    char fd_code[32];
    code_of(&g, "site=a&team=fd", fd_code, sizeof fd_code);
    const char *mine = g.case_code[0], *other_site = g.case_code[1];

    /* The queue: one row per case, only what each person may see. */
    static const struct {
        int role;
        bool a, fd, b;
    } sees[] = {
        {HUB_ROLE_ADMIN, true, true, true},
        {HUB_ROLE_MANAGER, true, true, false},
        {HUB_ROLE_STAFF, true, false, false},
        {HUB_ROLE_VIEWER, true, true, false},
    };
    for (size_t i = 0; i < sizeof sees / sizeof sees[0]; i++) {
        assert_int_equal(page_as(&g, sees[i].role, "/", &body), 200);
        const char *codes[] = {mine, fd_code, other_site};
        bool want[] = {sees[i].a, sees[i].fd, sees[i].b};
        for (int k = 0; k < 3; k++) {
            char row[96];
            snprintf(row, sizeof row, "data-case=\"%s\"", codes[k]);
            if ((strstr(body, row) != NULL) != want[k])
                fail_msg("%s: case %s %s", hub_role_name((hub_role)sees[i].role), codes[k],
                         want[k] ? "missing" : "shown");
        }
        assert_null(strstr(body, "data-alert="));
        if (sees[i].role == HUB_ROLE_STAFF || sees[i].role == HUB_ROLE_VIEWER)
            assert_null(strstr(body, GUEST));
        free(body);
    }
    /* Overdue first, in words; urgent counted. */
    assert_int_equal(page_as(&g, HUB_ROLE_MANAGER, "/", &body), 200);
    const char *first = strstr(body, "<tr class=\"case");
    assert_non_null(first);
    assert_true(!strncmp(first, "<tr class=\"case over\"", strlen("<tr class=\"case over\"")));
    assert_non_null(strstr(body, "<strong class=\"overdue\">OVERDUE</strong> to acknowledge, by "));
    assert_non_null(strstr(body, "Acknowledge it"));
    /* The header leads a manager to dead notifications, not staff. */
    assert_non_null(strstr(body, "id=\"nav-notifications\""));
    free(body);
    assert_int_equal(page_as(&g, HUB_ROLE_STAFF, "/", &body), 200);
    assert_null(strstr(body, "id=\"nav-notifications\""));
    free(body);
    /* Filters: team, state, overdue. */
    assert_int_equal(page_as(&g, HUB_ROLE_MANAGER, "/?team=fd", &body), 200);
    assert_non_null(strstr(body, fd_code));
    assert_null(strstr(body, mine));
    free(body);
    assert_int_equal(page_as(&g, HUB_ROLE_MANAGER, "/?state=resolved", &body), 200);
    assert_non_null(strstr(body, "No cases to show."));
    free(body);
    assert_int_equal(page_as(&g, HUB_ROLE_MANAGER, "/?overdue=1", &body), 200);
    assert_null(strstr(body, mine));
    assert_non_null(strstr(body, "OVERDUE"));
    free(body);
    char path[128];
    snprintf(path, sizeof path, "/?site=b");
    assert_int_equal(page_as(&g, HUB_ROLE_ADMIN, path, &body), 200);
    assert_non_null(strstr(body, other_site));
    assert_null(strstr(body, mine));
    free(body);

    /* The case page: staff see the guest's name; viewers not, and no forms. */
    snprintf(path, sizeof path, "/cases/%s", mine);
    assert_int_equal(page_as(&g, HUB_ROLE_STAFF, path, &body), 200);
    assert_non_null(strstr(body, GUEST));
    assert_non_null(strstr(body, "id=\"form-ack\""));
    assert_non_null(strstr(body, "<option value=\"guest_expectation\">"));
    assert_non_null(strstr(body, "id=\"timeline\""));
    assert_non_null(strstr(body, "class=\"case-alert\""));
    /* In words a person reads: the site's name, money in the site's
     * currency, the rating out of five, why it is a case. */
    assert_non_null(strstr(body, "<td>Site A (a)</td>"));
    assert_non_null(strstr(body, "<td>15.00 GBP</td>"));
    assert_null(strstr(body, "minor units"));
    assert_non_null(strstr(body, "<td>4 of 5</td>"));
    assert_non_null(strstr(body, "the guest asked for staff now"));
    free(body);
    assert_int_equal(page_as(&g, HUB_ROLE_VIEWER, path, &body), 200);
    assert_null(strstr(body, GUEST));
    assert_null(strstr(body, CONTACT));
    assert_non_null(strstr(body, "hidden"));
    assert_null(strstr(body, "<form method=\"post\" class=\"event\""));
    free(body);
    /* Another team's case, another site's: 403, nothing shown or done. */
    const char *refused[] = {fd_code, other_site};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "/cases/%s", refused[k]);
        assert_int_equal(page_as(&g, HUB_ROLE_STAFF, path, &body), 403);
        assert_null(strstr(body, refused[k]));
        free(body);
        assert_int_equal(form_as(&g, HUB_ROLE_STAFF, refused[k], "&type=ack", true, &body), 403);
        free(body);
        cJSON *c = api_case(&g, refused[k]);
        assert_string_equal(field(c, "state"), "open");
        cJSON_Delete(c);
    }
    assert_int_equal(page_as(&g, HUB_ROLE_STAFF, "/cases/NO-SUCH", &body), 404);
    free(body);
    /* No CSRF token: refused, nothing done. */
    assert_int_equal(form_as(&g, HUB_ROLE_STAFF, mine, "&type=ack", false, &body), 403);
    free(body);
    cJSON *c = api_case(&g, mine);
    assert_string_equal(field(c, "state"), "open");
    cJSON_Delete(c);

    /* Acknowledge: the case and its alert, through the API's rules. */
    long v0 = version_of(&g, mine);
    char fields[1024];
    snprintf(fields, sizeof fields, "&type=ack&version=%ld", v0);
    expect_form(&g, HUB_ROLE_STAFF, mine, fields, 303, NULL);
    c = api_case(&g, mine);
    assert_string_equal(field(c, "state"), "acknowledged");
    assert_true(has_event(c, "ack", "stf", "dashboard"));
    const cJSON *al = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "alerts"), 0);
    assert_string_equal(field(al, "acked_by"), "stf");
    cJSON_Delete(c);
    /* The manager's form still carries the old version: 409, who did what,
     * and the case as it is now. */
    snprintf(fields, sizeof fields, "&type=priority&priority=normal&version=%ld", v0);
    expect_form(&g, HUB_ROLE_MANAGER, mine, fields, 409, "stf did &#39;ack&#39; at ");
    expect_form(&g, HUB_ROLE_MANAGER, mine, fields, 409, "data-state=\"acknowledged\"");
    expect_form(&g, HUB_ROLE_MANAGER, mine, "&type=ack", 409,
                "does not fit a case that is "
                "acknowledged");
    c = api_case(&g, mine);
    assert_string_equal(field(c, "priority"), "urgent");
    cJSON_Delete(c);

    /* Assign: to someone who may work it, not to a viewer. */
    expect_form(&g, HUB_ROLE_MANAGER, mine, "&type=assign&person=vwr", 422, "Not assigned");
    expect_form(&g, HUB_ROLE_MANAGER, mine, "&type=assign&person=stf", 303, NULL);
    c = api_case(&g, mine);
    assert_string_equal(field(c, "assignee"), "stf");
    assert_string_equal(field(c, "state"), "in_progress");
    cJSON_Delete(c);
    assert_int_equal(page_as(&g, HUB_ROLE_STAFF, "/?mine=1", &body), 200);
    assert_non_null(strstr(body, "<span class=\"tag yours\">yours</span>"));
    assert_null(strstr(body, fd_code));
    free(body);

    /* A note (escaped on the page), a priority, a resolve without a root
     * cause (400), then with one. */
    expect_form(&g, HUB_ROLE_STAFF, mine, "&type=note&text=%3Cscript%3Ex%3C%2Fscript%3E+towels",
                303, NULL);
    snprintf(path, sizeof path, "/cases/%s", mine);
    assert_int_equal(page_as(&g, HUB_ROLE_STAFF, path, &body), 200);
    assert_non_null(strstr(body, "&lt;script&gt;x&lt;/script&gt; towels"));
    assert_null(strstr(body, "<script>"));
    free(body);
    expect_form(&g, HUB_ROLE_STAFF, mine, "&type=priority&priority=normal", 303, NULL);
    expect_form(&g, HUB_ROLE_STAFF, mine, "&type=resolve&action=new+towels", 400, "root_cause");
    expect_form(&g, HUB_ROLE_STAFF, mine, "&type=resolve&root_cause=nonsense&action=x", 400,
                "root_cause");
    expect_form(&g, HUB_ROLE_STAFF, mine,
                "&type=resolve&root_cause=supplier&action=New+towels+brought&guest_message="
                "Sorry+about+the+towels",
                303, NULL);
    c = api_case(&g, mine);
    assert_string_equal(field(c, "state"), "resolved");
    assert_string_equal(field(c, "priority"), "normal");
    assert_string_equal(field(c, "root_cause"), "supplier");
    assert_string_equal(field(c, "corrective_action"), "New towels brought");
    assert_string_equal(field(c, "guest_message"), "Sorry about the towels");
    assert_true(has_event(c, "note", "stf", "dashboard"));
    assert_true(has_event(c, "resolve", "stf", "dashboard"));
    assert_true(has_event(c, "assign", "mgr", "dashboard"));
    cJSON_Delete(c);
    assert_int_equal(page_as(&g, HUB_ROLE_STAFF, path, &body), 200);
    assert_non_null(strstr(body, "id=\"form-reopen\""));
    assert_null(strstr(body, "id=\"form-resolve\""));
    assert_non_null(strstr(body, "New towels brought"));
    free(body);

    /* Closed: unresolved does not fit; reopen, then unresolved. */
    expect_form(&g, HUB_ROLE_STAFF, mine, "&type=unresolved&reason=x", 409, "does not fit");
    expect_form(&g, HUB_ROLE_MANAGER, mine, "&type=reopen&reason=towels+again", 303, NULL);
    expect_form(&g, HUB_ROLE_MANAGER, mine, "&type=unresolved&reason=guest+left", 303, NULL);
    c = api_case(&g, mine);
    assert_string_equal(field(c, "state"), "unresolved");
    assert_true(has_event(c, "reopen", "mgr", "dashboard"));
    cJSON_Delete(c);
    /* Viewers may not act. */
    assert_int_equal(form_as(&g, HUB_ROLE_VIEWER, mine, "&type=note&text=x", true, &body), 403);
    free(body);

    /* The audit trail has the dashboard's events, filed under the case's
     * site so that its manager reads them, without the words. */
    char args[1024];
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/audit?site=a&limit=1000'",
             g.token[HUB_ROLE_MANAGER], h->url);
    assert_int_equal(curl(h, args, &body), 200);
    if (!strstr(body, "\"case.resolve\""))
        fail_msg("no case.resolve in the audit: %.2000s", body);
    assert_non_null(strstr(body, "\"case.ack\""));
    assert_null(strstr(body, "towels"));
    free(body);
}

/* The old acknowledge form of an alert acknowledges its case. */
static void alert_ack_acknowledges_its_case(void **state)
{
    group g = {.h = *state};
    setup_group(&g);
    char args[1024], *body;
    snprintf(args, sizeof args, "-b '%s' -H 'Origin: %s' --data 'csrf=%s' '%s/alerts/%s/ack'",
             g.cookie[HUB_ROLE_STAFF], g.h->url, g.csrf[HUB_ROLE_STAFF], g.h->url, g.alert[0]);
    assert_int_equal(curl(g.h, args, &body), 303);
    free(body);
    cJSON *c = api_case(&g, g.case_code[0]);
    assert_string_equal(field(c, "state"), "acknowledged");
    assert_true(has_event(c, "ack", "stf", "dashboard"));
    cJSON_Delete(c);
    /* Again: nothing more to do, still a redirect to the case, state kept. */
    assert_int_equal(curl(g.h, args, &body), 303);
    free(body);
    c = api_case(&g, g.case_code[0]);
    assert_string_equal(field(c, "state"), "acknowledged");
    cJSON_Delete(c);
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, NULL);
}

static int setup_pg(void **state)
{
    return h_setup(state, true, NULL);
}

static void cases_on_the_dashboard_sqlite(void **state)
{
    cases_on_the_dashboard(state);
}

static void cases_on_the_dashboard_postgresql(void **state)
{
    cases_on_the_dashboard(state);
}

static void alert_ack_acknowledges_its_case_sqlite(void **state)
{
    alert_ack_acknowledges_its_case(state);
}

static void alert_ack_acknowledges_its_case_postgresql(void **state)
{
    alert_ack_acknowledges_its_case(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(cases_on_the_dashboard_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(cases_on_the_dashboard_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(alert_ack_acknowledges_its_case_sqlite, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(alert_ack_acknowledges_its_case_postgresql, setup_pg,
                                    h_teardown),
};

AM_TEST_MAIN(tests)
