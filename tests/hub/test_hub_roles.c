/* test_hub_roles.c — the role table, as docs/hub.md shows it and as the
 * hub enforces it.
 *
 * The doc's table is read and compared with the hub's own (hub_roles.c),
 * cell by cell, so that neither can change alone. Then a hotel group with
 * two sites is set up from the command line, and every row of the table is
 * walked with a person of every role, about site "a" (theirs) and site "b"
 * (not theirs): each answer must be what the table says — allowed, cut to
 * their sites, personal data hidden, or 403. Both backends.
 */
#include <cjson/cJSON.h>
#include <sodium.h>

#include "hub_group.h"

#define DOC     AM_SOURCE_DIR "/docs/hub.md"
#define RELAXED "voucher_fail_per_minute = 1000\nvoucher_fail_burst = 1000\n"

/* --- the doc's table ------------------------------------------------------------------------ */

typedef struct doc_row {
    char action[96];
    char cells[HUB_ROLE_COUNT][32];
} doc_row;

/* Reads the rows of the table whose header is "| action | admin | ...". */
static size_t doc_table(doc_row *rows, size_t max)
{
    char *text = am_test_read_file(DOC, NULL);
    assert_non_null(text);
    const char *p = strstr(text, "| action | admin | manager | staff | viewer |");
    assert_non_null(p);
    p = strchr(p, '\n') + 1;
    p = strchr(p, '\n') + 1; /* the |---| line */
    size_t n = 0;
    while (*p == '|' && n < max) {
        const char *end = strchr(p, '\n');
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(end - p), p);
        char *save = NULL;
        char *cell = strtok_r(line + 1, "|", &save);
        int col = 0;
        doc_row *r = &rows[n];
        memset(r, 0, sizeof *r);
        for (; cell && col <= HUB_ROLE_COUNT; cell = strtok_r(NULL, "|", &save), col++) {
            while (*cell == ' ')
                cell++;
            size_t len = strlen(cell);
            while (len && cell[len - 1] == ' ')
                cell[--len] = '\0';
            if (col == 0) {
                assert_true(len > 2 && cell[0] == '`' && cell[len - 1] == '`');
                snprintf(r->action, sizeof r->action, "%.*s", (int)len - 2, cell + 1);
            } else {
                snprintf(r->cells[col - 1], sizeof r->cells[col - 1], "%s", cell);
            }
        }
        assert_int_equal(col, 1 + HUB_ROLE_COUNT);
        n++;
        p = end + 1;
    }
    free(text);
    return n;
}

static void doc_table_is_the_hubs_table(void **state)
{
    (void)state;
    doc_row rows[64];
    size_t n = doc_table(rows, 64);
    assert_int_equal(n, hub_action_count);
    for (size_t i = 0; i < n; i++) {
        const hub_action *a = &hub_actions[i];
        if (strcmp(rows[i].action, a->name) != 0)
            fail_msg("row %zu: the doc says %s, the hub %s", i, rows[i].action, a->name);
        for (int r = 0; r < HUB_ROLE_COUNT; r++) {
            if (strcmp(rows[i].cells[r], hub_access_name(a->access[r])) != 0)
                fail_msg("%s, %s: the doc says '%s', the hub '%s'", a->name,
                         hub_role_name((hub_role)r), rows[i].cells[r],
                         hub_access_name(a->access[r]));
        }
    }
}

/* --- the walk ------------------------------------------------------------------------------ */

/* Does `action` as `role` about site a (where = 0) or site b (1); returns
 * the status, the body in *body. */
static long act(group *g, const char *action, int role, int where, char **body)
{
    harness *h = g->h;
    const char *kiosk = where ? "kiosk-at-b" : "kiosk-at-a";
    char args[4096], auth[512], cookie[1024];
    snprintf(auth, sizeof auth, "-H 'Authorization: Bearer %s'", g->token[role]);
    snprintf(cookie, sizeof cookie, "-b '%s' -H 'Origin: %s'", g->cookie[role], h->url);
    if (!strcmp(action, "GET /v1/me"))
        snprintf(args, sizeof args, "%s '%s/v1/me'", auth, h->url);
    else if (!strcmp(action, "POST /v1/login-link"))
        snprintf(args, sizeof args, "-X POST %s '%s/v1/login-link'", auth, h->url);
    else if (!strcmp(action, "GET /v1/kiosks"))
        snprintf(args, sizeof args, "%s '%s/v1/kiosks'", auth, h->url);
    else if (!strcmp(action, "GET /v1/kiosks/{id}/ingest-log"))
        snprintf(args, sizeof args, "%s '%s/v1/kiosks/%s/ingest-log'", auth, h->url, kiosk);
    else if (!strcmp(action, "GET /v1/feedback"))
        snprintf(args, sizeof args, "%s '%s/v1/feedback?kiosk=%s'", auth, h->url, kiosk);
    else if (!strcmp(action, "GET /v1/followups"))
        snprintf(args, sizeof args, "%s '%s/v1/followups?kiosk=%s'", auth, h->url, kiosk);
    else if (!strcmp(action, "GET /v1/alerts"))
        snprintf(args, sizeof args, "%s '%s/v1/alerts'", auth, h->url);
    else if (!strcmp(action, "POST /v1/alerts/{id}/ack"))
        snprintf(args, sizeof args, "-X POST %s '%s/v1/alerts/%s/ack'", auth, h->url,
                 g->alert[where]);
    else if (!strcmp(action, "GET /v1/vouchers/{code}"))
        snprintf(args, sizeof args, "%s '%s/v1/vouchers/%s'", auth, h->url, g->voucher[where]);
    else if (!strcmp(action, "POST /v1/vouchers/{code}/redeem"))
        snprintf(args, sizeof args, "-X POST %s '%s/v1/vouchers/%s/redeem'", auth, h->url,
                 g->voucher[where]);
    else if (!strcmp(action, "GET /v1/audit"))
        snprintf(args, sizeof args, "%s '%s/v1/audit?site=%s'", auth, h->url, where ? "b" : "a");
    else if (!strcmp(action, "GET /v1/cases"))
        snprintf(args, sizeof args, "%s '%s/v1/cases'", auth, h->url);
    else if (!strcmp(action, "GET /v1/cases/{id}"))
        snprintf(args, sizeof args, "%s '%s/v1/cases/%s'", auth, h->url, g->case_code[where]);
    else if (!strcmp(action, "POST /v1/cases/{id}/events"))
        snprintf(args, sizeof args,
                 "-X POST %s -H 'Content-Type: application/json' --data "
                 "'{\"type\":\"note\",\"text\":\"seen\"}' '%s/v1/cases/%s/events'",
                 auth, h->url, g->case_code[where]);
    else if (!strcmp(action, "GET /v1/trends"))
        snprintf(args, sizeof args, "%s '%s/v1/trends?site=%s'", auth, h->url, where ? "b" : "a");
    else if (!strcmp(action, "GET /v1/notifications"))
        snprintf(args, sizeof args, "%s '%s/v1/notifications?site=%s'", auth, h->url,
                 where ? "b" : "a");
    else if (!strcmp(action, "POST /v1/notifications/{id}/retry"))
        snprintf(args, sizeof args, "-X POST %s '%s/v1/notifications/%s/retry'", auth, h->url,
                 g->dead_msg[where]);
    else if (!strcmp(action, "GET /notifications"))
        snprintf(args, sizeof args, "%s '%s/notifications'", cookie, h->url);
    else if (!strcmp(action, "POST /notifications/{id}/retry"))
        snprintf(args, sizeof args, "%s --data 'csrf=%s' '%s/notifications/%s/retry'", cookie,
                 g->csrf[role], h->url, g->dead_msg[where]);
    else if (!strcmp(action, "GET /trends"))
        snprintf(args, sizeof args, "%s '%s/trends?site=%s'", cookie, h->url, where ? "b" : "a");
    else if (!strcmp(action, "GET /audit"))
        snprintf(args, sizeof args, "%s '%s/audit?site=%s'", cookie, h->url, where ? "b" : "a");
    else if (!strcmp(action, "GET /vouchers"))
        snprintf(args, sizeof args, "%s '%s/vouchers?code=%s'", cookie, h->url, g->voucher[where]);
    else if (!strcmp(action, "POST /vouchers/redeem"))
        snprintf(args, sizeof args, "%s --data 'csrf=%s&code=%s' '%s/vouchers/redeem'", cookie,
                 g->csrf[role], g->voucher[where], h->url);
    else if (!strcmp(action, "GET /"))
        snprintf(args, sizeof args, "%s '%s/'", cookie, h->url);
    else if (!strcmp(action, "GET /kiosks/{id}"))
        snprintf(args, sizeof args, "%s '%s/kiosks/%s'", cookie, h->url, kiosk);
    else if (!strcmp(action, "POST /alerts/{id}/ack"))
        snprintf(args, sizeof args, "%s --data 'csrf=%s' '%s/alerts/%s/ack'", cookie, g->csrf[role],
                 h->url, g->alert[where]);
    else if (!strcmp(action, "GET /cases/{id}"))
        snprintf(args, sizeof args, "%s '%s/cases/%s'", cookie, h->url, g->case_code[where]);
    else if (!strcmp(action, "POST /cases/{id}/events"))
        snprintf(args, sizeof args, "%s --data 'csrf=%s&type=note&text=seen' '%s/cases/%s/events'",
                 cookie, g->csrf[role], h->url, g->case_code[where]);
    else if (!strcmp(action, "POST /logout"))
        snprintf(args, sizeof args, "%s --data 'csrf=%s' '%s/logout'", cookie, g->csrf[role],
                 h->url);
    else if (!strcmp(action, "GET /people"))
        snprintf(args, sizeof args, "%s '%s/people'", cookie, h->url);
    else if (!strcmp(action, "POST /people"))
        snprintf(args, sizeof args,
                 "%s --data 'csrf=%s&name=new-%d-%d&role=viewer&site=%s' '%s/people'", cookie,
                 g->csrf[role], role, where, where ? "b" : "a", h->url);
    else if (!strcmp(action, "POST /people/{name}/role"))
        snprintf(args, sizeof args, "%s --data 'csrf=%s&role=viewer' '%s/people/%s/role'", cookie,
                 g->csrf[role], h->url, where ? "pb" : "vwr");
    else if (!strcmp(action, "POST /people/{name}/password-link"))
        snprintf(args, sizeof args, "%s --data 'csrf=%s' '%s/people/%s/password-link'", cookie,
                 g->csrf[role], h->url, where ? "pb" : "vwr");
    else if (!strcmp(action, "POST /people/{name}/remove")) {
        /* A person of its own for each try: an allowed one removes them. */
        char name[32], out[1024];
        snprintf(name, sizeof name, "rm-%d-%d", role, where);
        const char *add[] = {"person",          "add", name, "--role", "viewer", "--site",
                             where ? "b" : "a", NULL};
        cmd(h, add, out, sizeof out);
        snprintf(args, sizeof args, "%s --data 'csrf=%s&confirm=yes' '%s/people/%s/remove'", cookie,
                 g->csrf[role], h->url, name);
    } else if (!strcmp(action, "POST /logout/everywhere")) {
        /* POST /logout went just before: a new session to end. */
        sign_in(g, role);
        snprintf(cookie, sizeof cookie, "-b '%s' -H 'Origin: %s'", g->cookie[role], h->url);
        snprintf(args, sizeof args, "%s --data 'csrf=%s' '%s/logout/everywhere'", cookie,
                 g->csrf[role], h->url);
    } else
        fail_msg("the walk does not know %s: add it here", action);
    return curl(h, args, body);
}

/* Lists and pages that are not about one site show both sites' kiosks to
 * "every site", only site a's to "own sites". */
static bool is_list(const char *action)
{
    return !strcmp(action, "GET /v1/kiosks") || !strcmp(action, "GET /v1/alerts") ||
           !strcmp(action, "GET /v1/cases") || !strcmp(action, "GET /");
}

static bool signs_out(const char *action)
{
    return !strcmp(action, "POST /logout") || !strcmp(action, "POST /logout/everywhere");
}

static bool not_about_a_site(const char *action)
{
    return !strcmp(action, "GET /v1/me") || !strcmp(action, "POST /v1/login-link") ||
           !strcmp(action, "GET /people") || !strcmp(action, "GET /notifications") ||
           signs_out(action);
}

/* A dead notification at each site: an email destination hears of the
 * case resolved and reopened (back to open, for the rest of the walk), then
 * is removed, which kills its messages. */
static void dead_letters(group *g)
{
    harness *h = g->h;
    char out[1024], args[2048], *body;
    for (int w = 0; w < 2; w++) {
        const char *site = w ? "b" : "a";
        const char *add[] = {"destination",        "add", site, "--kind", "email", "--to",
                             "duty@hotel.example", NULL};
        cmd(h, add, out, sizeof out);
        char id[64];
        h_field(out, "destination: ", id, sizeof id);
        static const char *const events[] = {
            "{\"type\":\"resolve\",\"root_cause\":\"process\",\"action\":\"fixed\"}",
            "{\"type\":\"reopen\",\"reason\":\"again\"}"};
        for (int e = 0; e < 2; e++) {
            snprintf(args, sizeof args,
                     "-X POST -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' "
                     "--data '%s' '%s/v1/cases/%s/events'",
                     h->mgr_token, events[e], h->url, g->case_code[w]);
            assert_int_equal(curl(h, args, &body), 200);
            free(body);
        }
        const char *rm[] = {"destination", "remove", id, NULL};
        cmd(h, rm, out, sizeof out);
        snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/notifications?site=%s'",
                 h->mgr_token, h->url, site);
        assert_int_equal(curl(h, args, &body), 200);
        const char *at = strstr(body, "\"id\":\"msg_");
        assert_non_null(at);
        at += strlen("\"id\":\"");
        snprintf(g->dead_msg[w], sizeof g->dead_msg[w], "%.*s", (int)strcspn(at, "\""), at);
        free(body);
    }
}

static void walk(void **state)
{
    group g = {.h = *state};
    setup_group(&g);
    dead_letters(&g);
    /* Someone at site b only, for the people actions. */
    char out[1024];
    const char *pb[] = {"person", "add", "pb", "--role", "viewer", "--site", "b", NULL};
    cmd(g.h, pb, out, sizeof out);
    int checked = 0;
    /* Sign-out ends the session: it goes last. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < hub_action_count; i++) {
            const hub_action *a = &hub_actions[i];
            if ((pass == 1) != signs_out(a->name))
                continue;
            for (int r = 0; r < HUB_ROLE_COUNT; r++) {
                hub_access want = a->access[r];
                for (int where = 0; where < 2; where++) {
                    if (where == 1 && (is_list(a->name) || not_about_a_site(a->name)))
                        continue; /* one call shows both sites, or none */
                    char *body = NULL;
                    long status = act(&g, a->name, r, where, &body);
                    bool allowed =
                        want == HUB_ACCESS_ANY ||
                        ((want == HUB_ACCESS_OWN || want == HUB_ACCESS_HIDDEN) && where == 0);
                    const char *who = hub_role_name((hub_role)r);
                    if (!allowed) {
                        if (status != 403)
                            fail_msg("%s as %s at site %s: want 403, got %ld: %.300s", a->name, who,
                                     where ? "b" : "a", status, body);
                        assert_null(strstr(body, "kiosk-at-b"));
                        assert_null(strstr(body, GUEST));
                    } else {
                        if (status != 200 && status != 303 && status != 409)
                            fail_msg("%s as %s at site %s: want it allowed, got %ld: %.300s",
                                     a->name, who, where ? "b" : "a", status, body);
                        if (is_list(a->name)) {
                            /* Cut to the person's sites, or not at all. */
                            bool b_shown = strstr(body, "kiosk-at-b") != NULL;
                            if (b_shown != (want == HUB_ACCESS_ANY))
                                fail_msg("%s as %s: site b's kiosk %s", a->name, who,
                                         b_shown ? "shown" : "missing");
                            assert_non_null(strstr(body, "kiosk-at-a"));
                        }
                        if (want == HUB_ACCESS_HIDDEN) {
                            assert_null(strstr(body, GUEST));
                            assert_null(strstr(body, CONTACT));
                            assert_non_null(strstr(body, "hidden"));
                        } else if (!strcmp(a->name, "GET /v1/feedback")) {
                            assert_non_null(strstr(body, GUEST));
                        }
                    }
                    free(body);
                    checked++;
                }
            }
        }
    }
    print_message("%d role checks\n", checked);
    /* After sign-out the session is gone everywhere. */
    for (int r = 0; r < HUB_ROLE_COUNT; r++) {
        char *body;
        char args[512];
        snprintf(args, sizeof args, "-b '%s' '%s/'", g.cookie[r], g.h->url);
        assert_int_equal(curl(g.h, args, &body), 303);
        free(body);
    }
}

/* /v1/me: who the caller is; nobody without a person's token. */
static void me_says_who_and_refuses_strangers(void **state)
{
    group g = {.h = *state};
    setup_group(&g);
    char *body;
    char args[1024];
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/me'", g.token[HUB_ROLE_STAFF],
             g.h->url);
    assert_int_equal(curl(g.h, args, &body), 200);
    cJSON *me = cJSON_Parse(body);
    assert_non_null(me);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(me, "name")), "stf");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(me, "role")), "staff");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(me, "every_site")));
    const cJSON *sites = cJSON_GetObjectItem(me, "sites");
    assert_int_equal(cJSON_GetArraySize(sites), 1);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(sites, 0)), "a");
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(me, "teams"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(t, "team")), "hk");
    cJSON_Delete(me);
    free(body);
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/me'", g.token[HUB_ROLE_ADMIN],
             g.h->url);
    assert_int_equal(curl(g.h, args, &body), 200);
    assert_non_null(strstr(body, "\"role\":\"admin\""));
    assert_non_null(strstr(body, "\"every_site\":true"));
    free(body);

    const char *strangers[] = {
        "",                                                                      /* no credential */
        "-H 'Authorization: Bearer amm_notatokenatallnotatokenatallnotatoken1'", /* wrong */
        "-H 'Authorization: Basic Ym9zczpib3Nz'", /* another scheme */
    };
    for (size_t i = 0; i < sizeof strangers / sizeof strangers[0]; i++) {
        snprintf(args, sizeof args, "%s '%s/v1/me'", strangers[i], g.h->url);
        assert_int_equal(curl(g.h, args, &body), 401);
        assert_null(strstr(body, "stf"));
        free(body);
    }
    /* A kiosk's token is nobody. */
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/me'", g.h->k1_token,
             g.h->url);
    assert_int_equal(curl(g.h, args, &body), 401);
    free(body);
}

/* The command line refuses what would make a person nobody or everybody. */
static void person_add_refuses_mistakes(void **state)
{
    harness *h = *state;
    char out[1024];
    const char *site_a[] = {"site",       "add", "a",          "--name", "Site A",
                            "--timezone", "UTC", "--currency", "GBP",    NULL};
    cmd(h, site_a, out, sizeof out);
    const struct {
        const char *args[10];
        int status;
        const char *err;
    } cases[] = {
        {{"person", "add", "x", "--role", "boss", NULL}, 2, "--role must be admin, manager"},
        {{"person", "add", "x", NULL}, 2, "--role must be"},
        {{"person", "add", "x", "--role", "admin", "--site", "a", NULL}, 2, "an admin has every"},
        {{"person", "add", "x", "--role", "viewer", NULL}, 2, "a viewer needs at least one"},
        {{"person", "add", "x", "--role", "manager", "--site", "nowhere", NULL},
         1,
         "no site 'nowhere'"},
        {{"person", "add", "x", "--role", "staff", "--team", "a/nope", NULL},
         1,
         "no team 'a/nope'"},
        {{"person", "add", "x", "--role", "staff", "--team", "nope", NULL}, 1, "is not SITE/TEAM"},
        {{"person", "add", "boss", "--role", "viewer", "--site", "a", NULL},
         1,
         "person 'boss' already exists"},
        {{"token", "add", "nobody", NULL}, 1, "no person 'nobody'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status = h_hub_cmd(h, cases[i].args, out, sizeof out);
        char err_path[700];
        snprintf(err_path, sizeof err_path, "%s/cmd.err", h->dir);
        char *err = am_test_read_file(err_path, NULL);
        if (status != cases[i].status || !err || !strstr(err, cases[i].err))
            fail_msg("case %zu: status %d, '%s'", i, status, err ? err : "");
        free(err);
    }
    /* Nothing half-made: x does not exist after the failed adds. */
    const char *list[] = {"person", "list", NULL};
    cmd(h, list, out, sizeof out);
    assert_null(strstr(out, "\"x\""));
    assert_non_null(strstr(out, "\"boss\""));
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, RELAXED);
}

static int setup_pg(void **state)
{
    return h_setup(state, true, RELAXED);
}

static void walk_every_action_sqlite(void **state)
{
    walk(state);
}

static void walk_every_action_postgresql(void **state)
{
    walk(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(doc_table_is_the_hubs_table),
    cmocka_unit_test_setup_teardown(walk_every_action_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(walk_every_action_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(me_says_who_and_refuses_strangers, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(person_add_refuses_mistakes, setup_sqlite, h_teardown),
};

AM_TEST_MAIN(tests)
