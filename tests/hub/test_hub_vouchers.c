/* test_hub_vouchers.c — voucher keys, voucher records, checking and
 * redeeming at the real amends-hub, on SQLite and on PostgreSQL.
 *
 * Codes are made the way the kiosk makes them (am_voucher_encode) with the
 * voucher key that `amends-hub kiosk add` printed, so a passing test means
 * the key really travels from the hub's provisioning to the kiosk. */
#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "amends/voucher.h"
#include "hub_harness.h"

#define DAY_MS  (INT64_C(24) * 3600 * 1000)
#define RACERS  20
#define JOURNEY "0b1c2d3e-4f50-4617-8899-aabbccddeeff"

/* The rate limit of failed checks is generous by default; some cases
 * need it small and the rest need it out of the way. */
#define RELAXED "voucher_fail_per_minute = 1000\nvoucher_fail_burst = 1000\n"
#define TIGHT   "voucher_fail_per_minute = 6\nvoucher_fail_burst = 3\n"

static int setup_default(void **state)
{
    return h_setup(state, false, RELAXED);
}
static int setup_rate(void **state)
{
    return h_setup(state, false, TIGHT);
}
static int setup_pg(void **state)
{
    return h_setup(state, true, RELAXED);
}
static int setup_pg_rate(void **state)
{
    return h_setup(state, true, TIGHT);
}

static cJSON *h_json(const am_hub_reply *reply)
{
    cJSON *root = cJSON_Parse(reply->body);
    if (!root)
        fail_msg("not JSON: %ld %s", reply->status, reply->body ? reply->body : "");
    return root;
}

/* curl ARGS: the body into out, the HTTP status into *status. */
static int h_curl(harness *h, const char *args, char *out, size_t outlen, int *status)
{
    char script[4096], out_path[700], code_path[700];
    snprintf(out_path, sizeof out_path, "%s/curl.out", h->dir);
    snprintf(code_path, sizeof code_path, "%s/curl.code", h->dir);
    snprintf(script, sizeof script,
             "curl -sS --proto =https --cacert '%s' -o '%s' -w '%%{http_code}' %s > '%s'", h->ca,
             out_path, args, code_path);
    int rc = h_sh(script, NULL, NULL);
    char *code = am_test_read_file(code_path, NULL);
    char *text = am_test_read_file(out_path, NULL);
    *status = code ? atoi(code) : 0;
    snprintf(out, outlen, "%s", text ? text : "");
    free(code);
    free(text);
    return rc;
}

static void key_from_b64(const char *b64, am_voucher_key *key)
{
    size_t len = 0;
    assert_int_equal(sodium_base642bin(key->bytes, sizeof key->bytes, b64, strlen(b64), NULL, &len,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(len, AM_VOUCHER_KEY_LEN);
}

/* A voucher record as the kiosk's sync worker sends it. */
static am_proto_record *add_voucher(am_proto_batch *b, const am_voucher_key *key, int64_t serial,
                                    int64_t issued_at, int64_t expires_at)
{
    am_proto_record *r = am_proto_batch_add(b, AM_PROTO_VOUCHER);
    assert_non_null(r);
    am_proto_uuid_new(r->id);
    snprintf(r->u.voucher.journey, sizeof r->u.voucher.journey, JOURNEY);
    assert_int_equal(am_voucher_encode(key, b->kiosk, serial, r->u.voucher.code), AM_OK);
    r->u.voucher.serial = serial;
    snprintf(r->u.voucher.offer, sizeof r->u.voucher.offer, "breakfast");
    r->u.voucher.value_minor = 1500;
    r->u.voucher.issued_at = issued_at;
    r->u.voucher.expires_at = expires_at;
    return r;
}

/* Posts a batch from kiosk 1 and returns the response (caller frees). */
static am_proto_response *post_k1(harness *h, am_proto_batch *b)
{
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    char *body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_proto_response *resp = h_response(&reply);
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
    return resp;
}

typedef struct answer {
    long status;
    char retry_after[64];
    cJSON *json;
} answer;

static answer voucher_call(harness *h, const char *token, const char *method, const char *code,
                           bool redeem)
{
    char path[256];
    answer a = {0};
    snprintf(path, sizeof path, "/v1/vouchers/%s%s", code, redeem ? "/redeem" : "");
    am_hub_client *m = h_manager(h, token);
    am_hub_reply reply;
    h_get(m, method, path, &reply);
    a.status = reply.status;
    snprintf(a.retry_after, sizeof a.retry_after, "%s", reply.retry_after);
    a.json = h_json(&reply);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return a;
}

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static void expect(const answer *a, long status, const char *want)
{
    const char *got = str_of(a->json, "status");
    if (a->status != status || !got || strcmp(got, want) != 0) {
        char *text = cJSON_PrintUnformatted(a->json);
        fail_msg("expected %ld %s, got %ld: %s", status, want, a->status, text ? text : "");
    }
    /* Refusals carry the protocol's error form too. */
    if (status >= 400)
        assert_string_equal(str_of(a->json, "error"), want);
    assert_non_null(str_of(a->json, "reason"));
}

/* --- provisioning ------------------------------------------------------------------------ */

static void kiosk_add_prints_a_voucher_key_the_kiosk_accepts(void **state)
{
    harness *h = *state;
    char out[1024], path[700], script[1200];
    am_voucher_key key, loaded;
    char err[256];

    key_from_b64(h->k1_vkey, &key);
    assert_string_not_equal(h->k1_vkey, h->k2_vkey);

    /* The installer's step from docs/vouchers.md, to the letter. */
    snprintf(path, sizeof path, "%s/voucher.key", h->dir);
    snprintf(script, sizeof script, "(umask 077; printf '%%s' '%s' | base64 -d > '%s')", h->k1_vkey,
             path);
    assert_int_equal(h_sh(script, NULL, NULL), 0);
    assert_int_equal(am_voucher_key_load(path, &loaded, err, sizeof err), AM_OK);
    assert_memory_equal(loaded.bytes, key.bytes, AM_VOUCHER_KEY_LEN);

    /* A kiosk that has a key never gets a second one. */
    const char *again[] = {"kiosk", "voucher-key", "k1", NULL};
    assert_int_equal(h_hub_cmd(h, again, out, sizeof out), 1);
    assert_null(strstr(out, "voucher_key:"));
    const char *nobody[] = {"kiosk", "voucher-key", "nobody", NULL};
    assert_int_equal(h_hub_cmd(h, nobody, out, sizeof out), 1);
}

/* --- ingest -------------------------------------------------------------------------------- */

static void ingest_keeps_vouchers_made_with_the_kiosk_key_only(void **state)
{
    harness *h = *state;
    am_voucher_key k1, k2;
    key_from_b64(h->k1_vkey, &k1);
    key_from_b64(h->k2_vkey, &k2);
    int64_t now = h_now_ms();

    am_proto_batch *b = h_batch("k1", 3);
    add_voucher(b, &k1, 1, now, now + 30 * DAY_MS);
    add_voucher(b, &k2, 2, now, now + 30 * DAY_MS); /* k2's key: a forgery for k1 */
    am_proto_record *wrong_serial = add_voucher(b, &k1, 3, now, now + 30 * DAY_MS);
    wrong_serial->u.voucher.serial = 4;
    am_proto_response *resp = post_k1(h, b);
    assert_int_equal(resp->results[0].status, AM_PROTO_STORED);
    assert_int_equal(resp->results[1].status, AM_PROTO_REJECTED);
    assert_non_null(strstr(resp->results[1].reason, "records[1].code: not made with"));
    assert_int_equal(resp->results[2].status, AM_PROTO_REJECTED);
    assert_non_null(strstr(resp->results[2].reason, "serial 4"));
    am_proto_response_free(resp);

    /* The same voucher again, even under a new record id: duplicate. */
    am_proto_batch *again = h_batch("k1", 1);
    add_voucher(again, &k1, 1, now, now + 30 * DAY_MS);
    resp = post_k1(h, again);
    assert_int_equal(resp->results[0].status, AM_PROTO_DUPLICATE);
    am_proto_response_free(resp);

    char code[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&k2, "k1", 2, code), AM_OK);
    answer a = voucher_call(h, NULL, "GET", code, false);
    expect(&a, 422, "tampered");
    cJSON_Delete(a.json);
    am_proto_batch_free(b);
    am_proto_batch_free(again);
}

/* --- checking ------------------------------------------------------------------------------ */

static void check_answers_each_case_clearly(void **state)
{
    harness *h = *state;
    am_voucher_key k1, stranger;
    key_from_b64(h->k1_vkey, &k1);
    randombytes_buf(stranger.bytes, sizeof stranger.bytes);
    int64_t now = h_now_ms();

    am_proto_batch *b = h_batch("k1", 2);
    am_proto_record *good = add_voucher(b, &k1, 1, now, now + 30 * DAY_MS);
    am_proto_record *old = add_voucher(b, &k1, 2, now - 40 * DAY_MS, now - 10 * DAY_MS);
    am_proto_response *resp = post_k1(h, b);
    assert_int_equal(resp->results[0].status, AM_PROTO_STORED);
    assert_int_equal(resp->results[1].status, AM_PROTO_STORED);
    am_proto_response_free(resp);

    answer a = voucher_call(h, NULL, "GET", good->u.voucher.code, false);
    expect(&a, 200, "valid");
    assert_string_equal(str_of(a.json, "code"), good->u.voucher.code);
    cJSON *v = cJSON_GetObjectItemCaseSensitive(a.json, "voucher");
    assert_string_equal(str_of(v, "kiosk"), "k1");
    assert_string_equal(str_of(v, "offer"), "breakfast");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(v, "serial")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(v, "value_minor")->valueint, 1500);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(v, "redeemed_at")));
    cJSON_Delete(a.json);

    /* As staff type it: lower case, spaces for dashes. */
    char typed[64];
    size_t n = 0;
    for (const char *c = good->u.voucher.code; *c; c++)
        typed[n++] = *c == '-' ? ' ' : (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    typed[n] = '\0';
    char url_typed[128];
    n = 0;
    for (const char *c = typed; *c; c++) {
        if (*c == ' ') {
            memcpy(url_typed + n, "%20", 3);
            n += 3;
        } else {
            url_typed[n++] = *c;
        }
    }
    url_typed[n] = '\0';
    a = voucher_call(h, NULL, "GET", url_typed, false);
    expect(&a, 200, "valid");
    assert_string_equal(str_of(a.json, "code"), good->u.voucher.code);
    cJSON_Delete(a.json);

    a = voucher_call(h, NULL, "GET", old->u.voucher.code, false);
    expect(&a, 410, "expired");
    cJSON_Delete(a.json);
    a = voucher_call(h, NULL, "POST", old->u.voucher.code, true);
    expect(&a, 410, "expired");
    v = cJSON_GetObjectItemCaseSensitive(a.json, "voucher");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(v, "redeemed_at")));
    cJSON_Delete(a.json);

    char code[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&k1, "k1", 3, code), AM_OK); /* never synced */
    a = voucher_call(h, NULL, "GET", code, false);
    expect(&a, 404, "unknown");
    cJSON_Delete(a.json);
    a = voucher_call(h, NULL, "POST", code, true);
    expect(&a, 404, "unknown");
    cJSON_Delete(a.json);

    assert_int_equal(am_voucher_encode(&stranger, "k1", 1, code), AM_OK);
    a = voucher_call(h, NULL, "GET", code, false);
    expect(&a, 422, "tampered");
    cJSON_Delete(a.json);

    a = voucher_call(h, NULL, "GET", "ABC", false);
    expect(&a, 400, "malformed");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(a.json, "code")));
    cJSON_Delete(a.json);
    /* One symbol wrong: the check symbol says so before any key is used. */
    snprintf(code, sizeof code, "%s", good->u.voucher.code);
    code[5] = code[5] == '7' ? '8' : '7';
    a = voucher_call(h, NULL, "POST", code, true);
    expect(&a, 400, "malformed");
    assert_non_null(strstr(str_of(a.json, "reason"), "typo"));
    cJSON_Delete(a.json);

    /* None of the failures redeemed anything. */
    a = voucher_call(h, NULL, "GET", good->u.voucher.code, false);
    expect(&a, 200, "valid");
    cJSON_Delete(a.json);
    am_proto_batch_free(b);
}

static void vouchers_need_a_manager_token(void **state)
{
    harness *h = *state;
    am_voucher_key k1;
    key_from_b64(h->k1_vkey, &k1);
    int64_t now = h_now_ms();
    am_proto_batch *b = h_batch("k1", 1);
    am_proto_record *good = add_voucher(b, &k1, 1, now, now + DAY_MS);
    am_proto_response_free(post_k1(h, b));

    char args[512], out[2048];
    int status = 0;
    snprintf(args, sizeof args, "%s/v1/vouchers/%s", h->url, good->u.voucher.code);
    assert_int_equal(h_curl(h, args, out, sizeof out, &status), 0);
    assert_int_equal(status, 401);
    assert_non_null(strstr(out, "\"error\":\"unauthorized\""));
    assert_null(strstr(out, "breakfast"));
    snprintf(args, sizeof args, "-X POST %s/v1/vouchers/%s/redeem", h->url, good->u.voucher.code);
    assert_int_equal(h_curl(h, args, out, sizeof out, &status), 0);
    assert_int_equal(status, 401);

    /* A kiosk token is not a manager's. */
    am_hub_client *c = am_hub_client_new(h->url, h->ca, h->k1_token, NULL);
    assert_non_null(c);
    am_hub_reply reply;
    char path[128];
    snprintf(path, sizeof path, "/v1/vouchers/%s/redeem", good->u.voucher.code);
    h_get(c, "POST", path, &reply);
    h_assert_error(&reply, 401, "unauthorized");
    am_hub_reply_clear(&reply);
    am_hub_client_free(c);

    /* Still redeemable by a manager: the refusals changed nothing. */
    answer a = voucher_call(h, NULL, "POST", good->u.voucher.code, true);
    expect(&a, 200, "redeemed");
    cJSON_Delete(a.json);
    am_proto_batch_free(b);
}

/* --- redeeming ------------------------------------------------------------------------------ */

typedef struct racer {
    harness *h;
    const char *path;
    pthread_barrier_t *start;
    long status;
    char body[1024];
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    char err[256];
    am_hub_reply reply;
    am_hub_client *m = am_hub_client_new(r->h->url, r->h->ca, r->h->mgr_token, NULL);
    pthread_barrier_wait(r->start);
    if (m && am_hub_client_request(m, "POST", r->path, &reply, err, sizeof err) == AM_OK) {
        r->status = reply.status;
        snprintf(r->body, sizeof r->body, "%s", reply.body ? reply.body : "");
        am_hub_reply_clear(&reply);
    }
    am_hub_client_free(m);
    return NULL;
}

static void redeem_exactly_once_when_twenty_race(void **state)
{
    harness *h = *state;
    am_voucher_key k1;
    key_from_b64(h->k1_vkey, &k1);
    int64_t now = h_now_ms();
    am_proto_batch *b = h_batch("k1", 1);
    am_proto_record *good = add_voucher(b, &k1, 1, now, now + DAY_MS);
    am_proto_response_free(post_k1(h, b));

    char path[128];
    snprintf(path, sizeof path, "/v1/vouchers/%s/redeem", good->u.voucher.code);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, RACERS);
    racer racers[RACERS];
    pthread_t threads[RACERS];
    for (int i = 0; i < RACERS; i++) {
        racers[i] = (racer){.h = h, .path = path, .start = &start};
        assert_int_equal(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);

    int won = 0, lost = 0;
    double winner_at = 0;
    for (int i = 0; i < RACERS; i++) {
        cJSON *root = cJSON_Parse(racers[i].body);
        if (!root)
            fail_msg("racer %d: %ld %s", i, racers[i].status, racers[i].body);
        cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "voucher");
        cJSON *at = cJSON_GetObjectItemCaseSensitive(v, "redeemed_at");
        assert_true(cJSON_IsNumber(at));
        assert_string_equal(str_of(v, "redeemed_by"), "boss");
        if (racers[i].status == 200) {
            assert_string_equal(str_of(root, "status"), "redeemed");
            winner_at = at->valuedouble;
            won++;
        } else if (racers[i].status == 409) {
            assert_string_equal(str_of(root, "error"), "already_redeemed");
            assert_non_null(strstr(str_of(root, "reason"), "already redeemed at "));
            lost++;
        } else {
            fail_msg("racer %d: %ld %s", i, racers[i].status, racers[i].body);
        }
        cJSON_Delete(root);
    }
    assert_int_equal(won, 1);
    assert_int_equal(lost, RACERS - 1);
    /* Every loser was told the winner's time. */
    for (int i = 0; i < RACERS; i++) {
        cJSON *root = cJSON_Parse(racers[i].body);
        cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "voucher");
        assert_true(cJSON_GetObjectItemCaseSensitive(v, "redeemed_at")->valuedouble == winner_at);
        cJSON_Delete(root);
    }

    answer a = voucher_call(h, NULL, "GET", good->u.voucher.code, false);
    expect(&a, 200, "already_redeemed");
    cJSON_Delete(a.json);
    a = voucher_call(h, NULL, "POST", good->u.voucher.code, true);
    expect(&a, 409, "already_redeemed");
    cJSON_Delete(a.json);
    am_proto_batch_free(b);
}

/* --- rate limit ----------------------------------------------------------------------------- */

static void failed_checks_are_rate_limited_per_manager(void **state)
{
    harness *h = *state;
    am_voucher_key k1;
    key_from_b64(h->k1_vkey, &k1);
    int64_t now = h_now_ms();
    am_proto_batch *b = h_batch("k1", 1);
    am_proto_record *good = add_voucher(b, &k1, 1, now, now + DAY_MS);
    am_proto_response_free(post_k1(h, b));

    /* Successful checks cost nothing (burst is 3). */
    for (int i = 0; i < 5; i++) {
        answer a = voucher_call(h, NULL, "GET", good->u.voucher.code, false);
        expect(&a, 200, "valid");
        cJSON_Delete(a.json);
    }
    char unknown[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&k1, "k1", 2, unknown), AM_OK);
    const char *failing[] = {"ABC", unknown, "0000-0000-0000-0000"};
    const long failing_status[] = {400, 404, 422};
    for (int i = 0; i < 3; i++) {
        answer a = voucher_call(h, NULL, "GET", failing[i], false);
        if (a.status != failing_status[i])
            fail_msg("attempt %d: %ld", i, a.status);
        cJSON_Delete(a.json);
    }
    /* Over the limit: even a genuine code waits. */
    answer a = voucher_call(h, NULL, "POST", good->u.voucher.code, true);
    assert_int_equal(a.status, 429);
    assert_string_equal(str_of(a.json, "error"), "rate_limited");
    assert_true(atoi(a.retry_after) >= 1 && atoi(a.retry_after) <= 11);
    cJSON_Delete(a.json);

    /* Another manager is not held up by this one's mistakes. */
    char out[512], clerk[128];
    const char *add[] = {"manager", "add", "clerk", NULL};
    assert_int_equal(h_hub_cmd(h, add, out, sizeof out), 0);
    h_field(out, "token: ", clerk, sizeof clerk);
    a = voucher_call(h, clerk, "POST", good->u.voucher.code, true);
    expect(&a, 200, "redeemed");
    cJSON *v = cJSON_GetObjectItemCaseSensitive(a.json, "voucher");
    assert_string_equal(str_of(v, "redeemed_by"), "clerk");
    cJSON_Delete(a.json);
    am_proto_batch_free(b);
}

/* The same cases on PostgreSQL: cmocka names a case after its function. */
static void pg_ingest_keeps_vouchers_made_with_the_kiosk_key_only(void **state)
{
    ingest_keeps_vouchers_made_with_the_kiosk_key_only(state);
}
static void pg_check_answers_each_case_clearly(void **state)
{
    check_answers_each_case_clearly(state);
}
static void pg_vouchers_need_a_manager_token(void **state)
{
    vouchers_need_a_manager_token(state);
}
static void pg_redeem_exactly_once_when_twenty_race(void **state)
{
    redeem_exactly_once_when_twenty_race(state);
}
static void pg_failed_checks_are_rate_limited_per_manager(void **state)
{
    failed_checks_are_rate_limited_per_manager(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(kiosk_add_prints_a_voucher_key_the_kiosk_accepts, setup_default,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(ingest_keeps_vouchers_made_with_the_kiosk_key_only,
                                    setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(check_answers_each_case_clearly, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(vouchers_need_a_manager_token, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(redeem_exactly_once_when_twenty_race, setup_default,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(failed_checks_are_rate_limited_per_manager, setup_rate,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(pg_ingest_keeps_vouchers_made_with_the_kiosk_key_only, setup_pg,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(pg_check_answers_each_case_clearly, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(pg_vouchers_need_a_manager_token, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(pg_redeem_exactly_once_when_twenty_race, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(pg_failed_checks_are_rate_limited_per_manager, setup_pg_rate,
                                    h_teardown),
};

AM_TEST_MAIN(tests)
