/* test_hub_voucher_desk.c — the dashboard's voucher desk at the real
 * amends-hub: every verdict a code can get, redeeming with one
 * CSRF-protected button exactly once (also when desks race), the same
 * failed-check limit as the API, other sites' vouchers and viewers
 * refused. Codes are made as the kiosk makes them, with the voucher key
 * `kiosk add` printed. */
#include <cjson/cJSON.h>

#include "hub_group.h"

#define RELAXED "voucher_fail_per_minute = 1000\nvoucher_fail_burst = 1000\n"
#define TIGHT   "voucher_fail_per_minute = 1\nvoucher_fail_burst = 3\n"
#define HOUR_MS INT64_C(3600000)
#define RACERS  8

typedef struct desk_kiosk {
    char token[128], secret[128];
    am_voucher_key key;
    char valid[AM_VOUCHER_CODE_SIZE], expired[AM_VOUCHER_CODE_SIZE];
    char unknown[AM_VOUCHER_CODE_SIZE], tampered[AM_VOUCHER_CODE_SIZE];
} desk_kiosk;

static void add_voucher(am_proto_batch *b, desk_kiosk *k, int64_t serial, int64_t issued,
                        int64_t expires, char *code)
{
    am_proto_record *v = am_proto_batch_add(b, AM_PROTO_VOUCHER);
    assert_non_null(v);
    am_proto_uuid_new(v->id);
    snprintf(v->u.voucher.journey, sizeof v->u.voucher.journey, JOURNEY);
    assert_int_equal(am_voucher_encode(&k->key, "desk-k", serial, v->u.voucher.code), AM_OK);
    snprintf(code, AM_VOUCHER_CODE_SIZE, "%s", v->u.voucher.code);
    v->u.voucher.serial = serial;
    snprintf(v->u.voucher.offer, sizeof v->u.voucher.offer, "late_checkout");
    v->u.voucher.value_minor = 2250;
    v->u.voucher.issued_at = issued;
    v->u.voucher.expires_at = expires;
}

/* A kiosk "desk-k" at site a that has sent a valid voucher (serial 1)
 * and an expired one (2); serial 3 is made but never sent (unknown), and
 * serial 1 made with another key is tampered. */
static void desk_kiosk_at_a(group *g, desk_kiosk *k)
{
    harness *h = g->h;
    char out[1024], vkey[128];
    const char *add[] = {"kiosk", "add", "desk-k", "--site", "a", NULL};
    cmd(h, add, out, sizeof out);
    h_field(out, "token: ", k->token, sizeof k->token);
    h_field(out, "secret: ", k->secret, sizeof k->secret);
    h_field(out, "voucher_key: ", vkey, sizeof vkey);
    size_t len = 0;
    assert_int_equal(sodium_base642bin(k->key.bytes, sizeof k->key.bytes, vkey, strlen(vkey), NULL,
                                       &len, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    int64_t now = h_now_ms();
    am_proto_batch *b = h_batch("desk-k", 2);
    add_voucher(b, k, 1, now - HOUR_MS, now + 24 * HOUR_MS, k->valid);
    add_voucher(b, k, 2, now - 48 * HOUR_MS, now - HOUR_MS, k->expired);
    assert_int_equal(am_voucher_encode(&k->key, "desk-k", 3, k->unknown), AM_OK);
    am_voucher_key other; /* a key no kiosk has: its code is not genuine */
    randombytes_buf(other.bytes, sizeof other.bytes);
    assert_int_equal(am_voucher_encode(&other, "desk-k", 1, k->tampered), AM_OK);
    sodium_memzero(&other, sizeof other);
    am_hub_client *c = am_hub_client_new(h->url, h->ca, k->token, k->secret);
    assert_non_null(c);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_proto_response *resp = h_response(&reply);
    for (size_t i = 0; i < resp->count; i++)
        assert_int_equal(resp->results[i].status, AM_PROTO_STORED);
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

/* The desk as `role`: GET /vouchers?code=CODE (NULL: none). */
static long desk_get(group *g, int role, const char *code, char **body)
{
    char args[1024];
    snprintf(args, sizeof args, "-b '%s' '%s/vouchers%s%s'", g->cookie[role], g->h->url,
             code ? "?code=" : "", code ? code : "");
    return curl(g->h, args, body);
}

/* Redeem as `role`, with the session's CSRF token unless csrf is given. */
static long desk_redeem(group *g, int role, const char *code, const char *csrf, char **body)
{
    char args[1024];
    snprintf(args, sizeof args,
             "-b '%s' -H 'Origin: %s' --data 'csrf=%s&code=%s' '%s/vouchers/redeem'",
             g->cookie[role], g->h->url, csrf ? csrf : g->csrf[role], code, g->h->url);
    return curl(g->h, args, body);
}

static void assert_verdict(const char *body, const char *verdict)
{
    char want[64];
    snprintf(want, sizeof want, "data-verdict=\"%s\"", verdict);
    if (!strstr(body, want))
        fail_msg("want verdict %s: %.400s", verdict, body);
}

/* The API's view of a code, as the admin. */
static cJSON *api_check(group *g, const char *code)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/vouchers/%s'",
             g->token[HUB_ROLE_ADMIN], g->h->url, code);
    curl(g->h, args, &body);
    cJSON *root = cJSON_Parse(body);
    assert_non_null(root);
    free(body);
    return root;
}

static void every_verdict_and_one_redeem(void **state)
{
    group g = {.h = *state};
    desk_kiosk k;
    char *body, args[1024];
    setup_group(&g);
    desk_kiosk_at_a(&g, &k);
    const int stf = HUB_ROLE_STAFF;

    /* The empty desk: one focused field, nothing to redeem. */
    assert_int_equal(desk_get(&g, stf, NULL, &body), 200);
    assert_non_null(strstr(body, "name=\"code\""));
    assert_non_null(strstr(body, "autofocus"));
    assert_non_null(strstr(body, "name=\"viewport\""));
    assert_null(strstr(body, "data-verdict"));
    free(body);
    /* Valid, as typed or as a scanner might send it (lower case, spaces). */
    assert_int_equal(desk_get(&g, stf, k.valid, &body), 200);
    assert_verdict(body, "valid");
    assert_non_null(strstr(body, "id=\"redeem\""));
    assert_non_null(strstr(body, "22.50 GBP"));
    assert_non_null(strstr(body, "Late checkout"));
    free(body);
    char sloppy[64];
    size_t n = 0;
    for (const char *c = k.valid; *c && n + 4 < sizeof sloppy; c++) {
        if (*c == '-') {
            memcpy(sloppy + n, "%20", 3);
            n += 3;
        } else {
            sloppy[n++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        }
    }
    sloppy[n] = '\0';
    assert_int_equal(desk_get(&g, stf, sloppy, &body), 200);
    assert_verdict(body, "valid");
    free(body);
    /* Every other verdict, none with a redeem button. */
    const struct {
        const char *code;
        long status;
        const char *verdict;
    } others[] = {
        {k.expired, 410, "expired"},
        {k.unknown, 404, "unknown"},
        {k.tampered, 422, "tampered"},
        {"hello", 400, "malformed"},
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        long status = desk_get(&g, stf, others[i].code, &body);
        if (status != others[i].status)
            fail_msg("%s: want %ld, got %ld", others[i].verdict, others[i].status, status);
        assert_verdict(body, others[i].verdict);
        assert_null(strstr(body, "id=\"redeem\""));
        free(body);
    }

    /* A redeem without the session's CSRF token, or from another site,
     * changes nothing. */
    assert_int_equal(desk_redeem(&g, stf, k.valid, "forged-forged-forged-forged-forged-42", &body),
                     403);
    free(body);
    snprintf(args, sizeof args,
             "-b '%s' -H 'Origin: https://evil.example' --data 'csrf=%s&code=%s' "
             "'%s/vouchers/redeem'",
             g.cookie[stf], g.csrf[stf], k.valid, g.h->url);
    assert_int_equal(curl(g.h, args, &body), 403);
    free(body);
    cJSON *v = api_check(&g, k.valid);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(v, "status")), "valid");
    cJSON_Delete(v);
    /* An expired voucher cannot be redeemed either. */
    assert_int_equal(desk_redeem(&g, stf, k.expired, NULL, &body), 410);
    assert_verdict(body, "expired");
    free(body);

    /* One press redeems; the next is told when and by whom. */
    assert_int_equal(desk_redeem(&g, stf, k.valid, NULL, &body), 200);
    assert_verdict(body, "redeemed");
    free(body);
    assert_int_equal(desk_redeem(&g, HUB_ROLE_MANAGER, k.valid, NULL, &body), 409);
    assert_verdict(body, "already_redeemed");
    assert_non_null(strstr(body, " by stf"));
    free(body);
    assert_int_equal(desk_get(&g, stf, k.valid, &body), 200);
    assert_verdict(body, "already_redeemed");
    assert_non_null(strstr(body, " by stf"));
    assert_null(strstr(body, "id=\"redeem\""));
    free(body);
    v = api_check(&g, k.valid);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(v, "status")), "already_redeemed");
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "voucher"), "redeemed_by")),
        "stf");
    cJSON_Delete(v);
    /* Recorded once, as the desk's. */
    snprintf(args, sizeof args,
             "-H 'Authorization: Bearer %s' '%s/v1/audit?action=voucher.redeem&person=stf'",
             g.token[HUB_ROLE_ADMIN], g.h->url);
    assert_int_equal(curl(g.h, args, &body), 200);
    cJSON *audit = cJSON_Parse(body);
    free(body);
    const cJSON *entries = cJSON_GetObjectItem(audit, "audit");
    assert_int_equal(cJSON_GetArraySize(entries), 1);
    const cJSON *e = cJSON_GetArrayItem(entries, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "via")), "dashboard");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "site")), "a");
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(e, "target")), k.valid));
    cJSON_Delete(audit);

    /* Another site's voucher: refused, and nothing of it shown. */
    assert_int_equal(desk_get(&g, stf, g.voucher[1], &body), 403);
    assert_null(strstr(body, "kiosk-at-b"));
    free(body);
    assert_int_equal(desk_redeem(&g, stf, g.voucher[1], NULL, &body), 403);
    free(body);
    /* A viewer may not use the desk at all. */
    assert_int_equal(desk_get(&g, HUB_ROLE_VIEWER, k.valid, &body), 403);
    assert_null(strstr(body, "ate checkout"));
    free(body);
    sodium_memzero(&k.key, sizeof k.key);
}

/* Desks pressing Redeem at the same moment: exactly one wins. */
static void racing_desks_redeem_once(void **state)
{
    group g = {.h = *state};
    desk_kiosk k;
    char script[8192], path[700];
    setup_group(&g);
    desk_kiosk_at_a(&g, &k);
    size_t n = (size_t)snprintf(script, sizeof script, "cd '%s'; ", g.h->dir);
    for (int i = 0; i < RACERS; i++) {
        int role = i % 2 ? HUB_ROLE_STAFF : HUB_ROLE_MANAGER;
        n += (size_t)snprintf(script + n, sizeof script - n,
                              "curl -sS --proto =https --cacert '%s' -o race%d.out -w "
                              "'%%{http_code}' -b '%s' -H 'Origin: %s' --data 'csrf=%s&code=%s' "
                              "'%s/vouchers/redeem' > race%d.code & ",
                              g.h->ca, i, g.cookie[role], g.h->url, g.csrf[role], k.valid, g.h->url,
                              i);
        assert_true(n < sizeof script);
    }
    snprintf(script + n, sizeof script - n, "wait");
    assert_int_equal(h_sh(script, NULL, NULL), 0);
    int won = 0, told = 0;
    for (int i = 0; i < RACERS; i++) {
        snprintf(path, sizeof path, "%s/race%d.code", g.h->dir, i);
        char *code = am_test_read_file(path, NULL);
        assert_non_null(code);
        long status = atol(code);
        free(code);
        snprintf(path, sizeof path, "%s/race%d.out", g.h->dir, i);
        char *body = am_test_read_file(path, NULL);
        assert_non_null(body);
        if (status == 200) {
            assert_verdict(body, "redeemed");
            won++;
        } else if (status == 409) {
            assert_verdict(body, "already_redeemed");
            told++;
        } else {
            fail_msg("racer %d: %ld", i, status);
        }
        free(body);
    }
    print_message("%d desks: %d redeemed, %d told already redeemed\n", RACERS, won, told);
    assert_int_equal(won, 1);
    assert_int_equal(told, RACERS - 1);
    sodium_memzero(&k.key, sizeof k.key);
}

/* Failed checks at the desk count in the API's per-person bucket: two
 * through the API and one at the desk use up a burst of 3. */
static void failed_checks_share_the_apis_limit(void **state)
{
    group g = {.h = *state};
    desk_kiosk k;
    char args[1024], *body;
    setup_group(&g);
    desk_kiosk_at_a(&g, &k);
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/vouchers/%s'",
                 g.token[HUB_ROLE_STAFF], g.h->url, k.tampered);
        assert_int_equal(curl(g.h, args, &body), 422);
        free(body);
    }
    assert_int_equal(desk_get(&g, HUB_ROLE_STAFF, k.tampered, &body), 422);
    free(body);
    assert_int_equal(desk_get(&g, HUB_ROLE_STAFF, k.valid, &body), 429);
    assert_verdict(body, "rate_limited");
    assert_null(strstr(body, "id=\"redeem\""));
    free(body);
    /* Another person's checks are not held up. */
    assert_int_equal(desk_get(&g, HUB_ROLE_MANAGER, k.valid, &body), 200);
    assert_verdict(body, "valid");
    free(body);
    sodium_memzero(&k.key, sizeof k.key);
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, RELAXED);
}
static int setup_pg(void **state)
{
    return h_setup(state, true, RELAXED);
}
static int setup_tight(void **state)
{
    return h_setup(state, false, TIGHT);
}

static void every_verdict_and_one_redeem_postgresql(void **state)
{
    every_verdict_and_one_redeem(state);
}
static void racing_desks_redeem_once_postgresql(void **state)
{
    racing_desks_redeem_once(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(every_verdict_and_one_redeem, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(every_verdict_and_one_redeem_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(racing_desks_redeem_once, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(racing_desks_redeem_once_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(failed_checks_share_the_apis_limit, setup_tight, h_teardown),
};

AM_TEST_MAIN(tests)
