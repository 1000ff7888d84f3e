/* test_hub_walkthrough.c — docs/hub.md's "Setting up a hotel group", on
 * SQLite and on PostgreSQL: every line of its block, exactly as the doc
 * shows it (only FILE becomes this hub's configuration), runs against a
 * fresh database; then the real hub starts and each person's printed token
 * shows what the doc says they see: who they are (GET /v1/me), the manager
 * only their site's kiosks, the staff member only their team's cases, the
 * viewer guests' data as "hidden", and each kiosk's reports at its site. */
#include <cjson/cJSON.h>

#include "hub_harness.h"

#define DOC     AM_SOURCE_DIR "/docs/hub.md"
#define HEADING "\n## Setting up a hotel group\n"
#define GUEST   "Zoë-walkthrough"
#define PREFIX  "amends-hub --config FILE "

/* What the block printed: a kiosk's credentials, a person's token and
 * password link, by name. */
typedef struct printed {
    char name[64];
    char token[256], secret[256], link[256];
} printed;

typedef struct walk {
    harness *h;
    printed p[16];
    size_t n;
    int lines;
} walk;

static printed *entry(walk *w, const char *name)
{
    for (size_t i = 0; i < w->n; i++) {
        if (!strcmp(w->p[i].name, name))
            return &w->p[i];
    }
    assert_true(w->n < sizeof w->p / sizeof w->p[0]);
    printed *e = &w->p[w->n++];
    snprintf(e->name, sizeof e->name, "%s", name);
    return e;
}

/* The value after "key: " in text, or "" (dst). */
static void value(const char *text, const char *key, char *dst, size_t len)
{
    const char *p = strstr(text, key);
    dst[0] = '\0';
    if (p) {
        p += strlen(key);
        snprintf(dst, len, "%.*s", (int)strcspn(p, "\n"), p);
    }
}

/* Keeps what a line printed: "kiosk: ID" with its token and secret,
 * "person: NAME" with a password link or a token. */
static void keep(walk *w, const char *out)
{
    char name[64];
    value(out, "kiosk: ", name, sizeof name);
    if (!name[0])
        value(out, "person: ", name, sizeof name);
    if (!name[0])
        return;
    printed *e = entry(w, name);
    char v[256];
    value(out, "token: ", v, sizeof v);
    if (v[0])
        snprintf(e->token, sizeof e->token, "%s", v);
    value(out, "secret: ", v, sizeof v);
    if (v[0])
        snprintf(e->secret, sizeof e->secret, "%s", v);
    value(out, "password_link: ", v, sizeof v);
    if (v[0])
        snprintf(e->link, sizeof e->link, "%s", v);
}

/* Runs every line of the doc's walkthrough block, as written; a line that
 * fails fails the test naming it. */
static void run_walkthrough(walk *w)
{
    harness *h = w->h;
    char *text = am_test_read_file(DOC, NULL);
    assert_non_null(text);
    char *start = strstr(text, HEADING);
    if (!start)
        fail_msg("docs/hub.md has no '## Setting up a hotel group'");
    char *block = strstr(start, "```sh\n");
    char *next = strstr(start + 1, "\n## ");
    if (!block || (next && block > next))
        fail_msg("docs/hub.md#setting-up-a-hotel-group has no sh block");
    block += strlen("```sh\n");
    char *end = strstr(block, "```");
    assert_non_null(end);
    *end = '\0';
    for (char *line = block; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, PREFIX, strlen(PREFIX)) != 0)
            fail_msg("docs/hub.md walkthrough: '%s' does not start with '" PREFIX "'", line);
        if (line[strlen(line) - 1] == '\\')
            fail_msg("docs/hub.md walkthrough: '%s' goes on to the next line: one command a line",
                     line);
        char script[2048], out_path[700], err_path[700];
        snprintf(script, sizeof script, "'%s' --config '%s' %s", HUB_BIN, h->conf,
                 line + strlen(PREFIX));
        snprintf(out_path, sizeof out_path, "%s/doc.out", h->dir);
        snprintf(err_path, sizeof err_path, "%s/doc.err", h->dir);
        if (h_sh(script, out_path, err_path) != 0) {
            char *e = am_test_read_file(err_path, NULL);
            fail_msg("docs/hub.md walkthrough: '%s' failed: %s", line, e ? e : "");
        }
        char *out = am_test_read_file(out_path, NULL);
        keep(w, out ? out : "");
        free(out);
        w->lines++;
        line = nl ? nl + 1 : NULL;
    }
    free(text);
}

static const char *str(const cJSON *o, const char *key)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return v ? v : "(null)";
}

static cJSON *get(walk *w, const char *who, const char *path, long want)
{
    am_hub_client *m = h_manager(w->h, entry(w, who)->token);
    am_hub_reply reply;
    h_get(m, "GET", path, &reply);
    if (reply.status != want)
        fail_msg("%s: GET %s: want %ld, got %ld %s", who, path, want, reply.status,
                 reply.body ? reply.body : "");
    cJSON *root = cJSON_Parse(reply.body);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return root;
}

/* A kiosk's report, with a guest's name and a rating that opens a case. */
static void report(walk *w, const char *kiosk, const char *category, char *journey)
{
    printed *k = entry(w, kiosk);
    if (!k->token[0] || !k->secret[0])
        fail_msg("the walkthrough printed no token and secret for kiosk %s", kiosk);
    am_proto_batch *b = h_batch(kiosk, 1);
    am_proto_record *r = h_add_feedback(b, category, AM_OUTCOME_COMPLETED);
    snprintf(r->u.feedback.report.first_name, sizeof r->u.feedback.report.first_name, GUEST);
    r->u.feedback.report.rating = 1;
    memcpy(journey, r->id, AM_PROTO_UUID_LEN + 1);
    am_hub_client *c = am_hub_client_new(w->h->url, w->h->ca, k->token, k->secret);
    assert_non_null(c);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    if (reply.status != 200)
        fail_msg("%s: ingest: %ld %s", kiosk, reply.status, reply.body ? reply.body : "");
    am_proto_response *resp = h_response(&reply);
    assert_int_equal(resp->count, 1);
    assert_int_equal(resp->results[0].status, AM_PROTO_STORED);
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

/* The case of a journey, as alice (admin) reads it: its id in id. */
static cJSON *case_of(walk *w, const char *journey, char *id, size_t idlen)
{
    cJSON *root = get(w, "alice", "/v1/cases", 200);
    cJSON *found = NULL;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
    {
        if (!strcmp(str(c, "journey"), journey))
            found = cJSON_Duplicate(c, true);
    }
    cJSON_Delete(root);
    if (!found)
        fail_msg("no case for journey %s", journey);
    snprintf(id, idlen, "%lld",
             (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(found, "id")));
    return found;
}

/* GET /v1/me of who: their role, sites and teams ("site/team"), in order. */
static void me(walk *w, const char *who, const char *role, bool every_site,
               const char *const *sites, const char *const *teams)
{
    cJSON *m = get(w, who, "/v1/me", 200);
    assert_string_equal(str(m, "name"), who);
    assert_string_equal(str(m, "role"), role);
    assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(m, "every_site")), every_site);
    const cJSON *s = cJSON_GetObjectItem(m, "sites");
    int n = 0;
    for (; sites[n]; n++) {
        if (!cJSON_GetArrayItem(s, n))
            fail_msg("%s: /v1/me has no site %s", who, sites[n]);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(s, n)), sites[n]);
    }
    assert_int_equal(cJSON_GetArraySize(s), n);
    const cJSON *t = cJSON_GetObjectItem(m, "teams");
    for (n = 0; teams[n]; n++) {
        const cJSON *one = cJSON_GetArrayItem(t, n);
        if (!one)
            fail_msg("%s: /v1/me has no team %s", who, teams[n]);
        char both[140];
        snprintf(both, sizeof both, "%s/%s", str(one, "site"), str(one, "team"));
        assert_string_equal(both, teams[n]);
    }
    assert_int_equal(cJSON_GetArraySize(t), n);
    cJSON_Delete(m);
}

static void walkthrough(void **state)
{
    walk walk_ = {.h = *state};
    walk *w = &walk_;
    harness *h = w->h;
    run_walkthrough(w);
    assert_int_equal(w->lines, 20);
    h_hub_start(h);

    /* Every person got a password link that opens the password form, and
     * a token. */
    static const char *const people[] = {"alice", "mark", "sam", "vera", NULL};
    for (const char *const *p = people; *p; p++) {
        printed *e = entry(w, *p);
        if (!e->token[0] || strncmp(e->link, "/password/", strlen("/password/")) != 0)
            fail_msg("the walkthrough printed no token or password link for %s", *p);
        am_hub_client *anon = am_hub_client_new(h->url, h->ca, "none", NULL);
        assert_non_null(anon);
        am_hub_reply reply;
        h_get(anon, "GET", e->link, &reply);
        if (reply.status != 200)
            fail_msg("%s's password link %s: %ld", *p, e->link, reply.status);
        am_hub_reply_clear(&reply);
        am_hub_client_free(anon);
    }

    /* Who each one is. */
    static const char *const none[] = {NULL};
    static const char *const harbour[] = {"harbour", NULL};
    static const char *const both[] = {"harbour", "parc", NULL};
    static const char *const hk[] = {"harbour/housekeeping", NULL};
    me(w, "alice", "admin", true, none, none);
    me(w, "mark", "manager", false, harbour, none);
    me(w, "sam", "staff", false, harbour, hk);
    me(w, "vera", "viewer", false, both, none);

    /* Each kiosk's reports land at its site: a room at Harbour View goes
     * to housekeeping, the rest to the front desk. */
    char room[AM_PROTO_UUID_LEN + 1], food[AM_PROTO_UUID_LEN + 1], parc[AM_PROTO_UUID_LEN + 1];
    report(w, "harbour-lobby", "room", room);
    report(w, "harbour-lobby", "food", food);
    report(w, "parc-lobby", "room", parc);
    char room_id[24], food_id[24], parc_id[24];
    cJSON *c = case_of(w, room, room_id, sizeof room_id);
    assert_string_equal(str(c, "site"), "harbour");
    assert_string_equal(str(c, "kiosk"), "harbour-lobby");
    assert_string_equal(str(c, "team"), "housekeeping");
    cJSON_Delete(c);
    c = case_of(w, food, food_id, sizeof food_id);
    assert_string_equal(str(c, "site"), "harbour");
    assert_string_equal(str(c, "team"), "front-desk");
    cJSON_Delete(c);
    c = case_of(w, parc, parc_id, sizeof parc_id);
    assert_string_equal(str(c, "site"), "parc");
    assert_string_equal(str(c, "kiosk"), "parc-lobby");
    cJSON_Delete(c);
    cJSON *kiosks = get(w, "alice", "/v1/kiosks", 200);
    const cJSON *k;
    int n = 0;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(kiosks, "kiosks"))
    {
        const char *id = str(k, "id");
        assert_string_equal(str(k, "site"), !strcmp(id, "harbour-lobby") ? "harbour" : "parc");
        assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(k, "feedback")),
                         !strcmp(id, "harbour-lobby") ? 2 : 1);
        n++;
    }
    assert_int_equal(n, 2);
    cJSON_Delete(kiosks);

    /* mark: Harbour View's kiosks only; the Parc's is 403. */
    kiosks = get(w, "mark", "/v1/kiosks", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(kiosks, "kiosks")), 1);
    assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(kiosks, "kiosks"), 0), "id"),
                        "harbour-lobby");
    cJSON_Delete(kiosks);
    cJSON_Delete(get(w, "mark", "/v1/kiosks/harbour-lobby/ingest-log", 200));
    cJSON_Delete(get(w, "mark", "/v1/kiosks/parc-lobby/ingest-log", 403));
    char path[96];
    snprintf(path, sizeof path, "/v1/cases/%s", parc_id);
    cJSON_Delete(get(w, "mark", path, 403));

    /* sam: housekeeping's case, not the front desk's nor the Parc's. */
    cJSON *mine = get(w, "sam", "/v1/cases", 200);
    n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(mine, "cases"))
    {
        assert_string_equal(str(c, "team"), "housekeeping");
        assert_string_equal(str(c, "site"), "harbour");
        n++;
    }
    assert_int_equal(n, 1);
    cJSON_Delete(mine);
    snprintf(path, sizeof path, "/v1/cases/%s", room_id);
    cJSON_Delete(get(w, "sam", path, 200));
    snprintf(path, sizeof path, "/v1/cases/%s", food_id);
    cJSON_Delete(get(w, "sam", path, 403));
    snprintf(path, sizeof path, "/v1/cases/%s", parc_id);
    cJSON_Delete(get(w, "sam", path, 403));

    /* vera: both sites' reports, every guest's name hidden. */
    cJSON *fb = get(w, "vera", "/v1/feedback", 200);
    n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(fb, "feedback"))
    {
        assert_string_equal(str(c, "first_name"), "hidden");
        n++;
    }
    assert_int_equal(n, 3);
    cJSON_Delete(fb);
    snprintf(path, sizeof path, "/v1/cases/%s", parc_id);
    cJSON *one = get(w, "vera", path, 200);
    const cJSON *rep = cJSON_GetObjectItem(cJSON_GetObjectItem(one, "case"), "report");
    assert_string_equal(str(rep, "first_name"), "hidden");
    cJSON_Delete(one);
    /* alice, the admin, reads the name. */
    fb = get(w, "alice", "/v1/feedback", 200);
    assert_string_equal(
        str(cJSON_GetArrayItem(cJSON_GetObjectItem(fb, "feedback"), 0), "first_name"), GUEST);
    cJSON_Delete(fb);
}

/* A fresh database: certificates and configuration only, nothing
 * provisioned; the hub starts after the walkthrough. */
static int setup(void **state, bool use_pg)
{
    harness *h = calloc(1, sizeof *h);
    *state = h;
    h->use_pg = use_pg;
    am_test_tmpdir(h->dir, sizeof h->dir, use_pg ? "hub-pg" : "hub-sqlite");
    h_make_certs(h);
    if (use_pg)
        h_pg_start(&h->pg);
    h_write_conf(h, NULL);
    return 0;
}
static int setup_sqlite(void **state)
{
    return setup(state, false);
}
static int setup_pg(void **state)
{
    return setup(state, true);
}
static void walkthrough_sqlite(void **state)
{
    walkthrough(state);
}
static void walkthrough_postgresql(void **state)
{
    walkthrough(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(walkthrough_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(walkthrough_postgresql, setup_pg, h_teardown),
};

AM_TEST_MAIN(tests)
