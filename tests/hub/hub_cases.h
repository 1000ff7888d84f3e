/* hub_cases.h — integration cases run against each storage backend
 * (test_hub_sqlite.c, test_hub_pg.c): the real amends-hub on loopback,
 * spoken to with the project's client (libcurl) and the curl command line.
 */
#ifndef HUB_CASES_H
#define HUB_CASES_H

#include <cjson/cJSON.h>
#include <pthread.h>

#include "hub_harness.h"

static int setup_default(void **state);
static int h_curl(harness *h, const char *args, char *out, size_t outlen, int *status);
static int setup_rate(void **state);

static cJSON *h_json(const am_hub_reply *reply)
{
    cJSON *root = cJSON_Parse(reply->body);
    if (!root)
        fail_msg("not JSON: %s", reply->body);
    return root;
}

static cJSON *h_manager_get(harness *h, const char *path)
{
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", path, &reply);
    if (reply.status != 200)
        fail_msg("GET %s: %ld %s", path, reply.status, reply.body);
    cJSON *root = h_json(&reply);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return root;
}

static int h_count(harness *h, const char *path, const char *key)
{
    cJSON *root = h_manager_get(h, path);
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, key));
    cJSON_Delete(root);
    return n;
}

/* --- ingest ------------------------------------------------------------------------- */

static void ingest_stores_then_dedups(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;

    am_proto_batch *b1 = h_batch("k1", 3);
    am_proto_record *fb = h_add_feedback(b1, "room", AM_OUTCOME_COMPLETED);
    h_add_alert(b1, fb->id);
    h_add_heartbeat(b1, 2, 0, "");
    char *body = h_encode(b1);
    h_post(c, body, b1->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_proto_response *resp = h_response(&reply);
    assert_string_equal(resp->batch, b1->batch);
    assert_int_equal(resp->count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(resp->results[i].status, AM_PROTO_STORED);
        assert_string_equal(resp->results[i].id, b1->records[i].id);
    }
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    free(body);

    /* A new batch carrying the same feedback again and one new record. */
    am_proto_batch *b2 = h_batch("k1", 2);
    *am_proto_batch_add(b2, AM_PROTO_FEEDBACK) = *fb;
    am_proto_record *fresh = h_add_feedback(b2, "noise", AM_OUTCOME_ABANDONED);
    body = h_encode(b2);
    h_post(c, body, b2->batch, &reply);
    assert_int_equal(reply.status, 200);
    resp = h_response(&reply);
    assert_int_equal(resp->results[0].status, AM_PROTO_DUPLICATE);
    assert_string_equal(resp->results[0].id, fb->id);
    assert_int_equal(resp->results[1].status, AM_PROTO_STORED);
    assert_string_equal(resp->results[1].id, fresh->id);
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    free(body);

    /* Exactly two feedback rows, guest text unchanged. */
    cJSON *root = h_manager_get(h, "/v1/feedback");
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "feedback");
    assert_int_equal(cJSON_GetArraySize(rows), 2);
    int matched = 0;
    cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const char *id = cJSON_GetObjectItemCaseSensitive(row, "id")->valuestring;
        if (strcmp(id, fb->id) != 0)
            continue;
        matched++;
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(row, "description")->valuestring,
                            fb->u.feedback.report.description);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(row, "first_name")->valuestring,
                            "Zoë");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(row, "comment")->valuestring,
                            "thanks, مرحبا");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(row, "outcome")->valuestring,
                            "completed");
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(row, "rating")->valueint, 4);
        assert_true(cJSON_GetObjectItemCaseSensitive(row, "closed_at")->valuedouble ==
                    (double)fb->u.feedback.closed_at);
    }
    assert_int_equal(matched, 1);
    cJSON_Delete(root);
    assert_int_equal(h_count(h, "/v1/alerts", "alerts"), 1);

    am_proto_batch_free(b1);
    am_proto_batch_free(b2);
    am_hub_client_free(c);
}

static void ingest_repeated_batch_gets_original_response(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply first, again;
    am_proto_batch *b = h_batch("k1", 2);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    am_proto_record *bad = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    /* The encoder refuses a bad record, so the JSON is patched: rating 9. */
    bad->u.feedback.report.rating = 5;
    char *body = h_encode(b);
    char *nine = strstr(body, "\"rating\":5");
    assert_non_null(nine);
    nine[9] = '9';
    h_post(c, body, b->batch, &first);
    assert_int_equal(first.status, 200);
    assert_string_equal(first.replayed, "false");
    h_post(c, body, b->batch, &again); /* a new webhook-id, the same batch */
    assert_int_equal(again.status, 200);
    assert_string_equal(again.replayed, "true");
    assert_int_equal(first.len, again.len);
    assert_memory_equal(first.body, again.body, first.len);
    am_proto_response *resp = h_response(&again);
    assert_int_equal(resp->results[0].status, AM_PROTO_STORED);
    assert_int_equal(resp->results[1].status, AM_PROTO_REJECTED);
    am_proto_response_free(resp);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 1);
    am_hub_reply_clear(&first);
    am_hub_reply_clear(&again);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

static void ingest_rejects_bad_records_with_reasons(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    char uuid[AM_PROTO_UUID_LEN + 1], ok_id[AM_PROTO_UUID_LEN + 1];
    char long_text[1200 * 2 + 1];
    memset(long_text, 'x', 1001);
    long_text[1001] = '\0';
    am_proto_uuid_new(uuid);
    am_proto_batch *b = h_batch("k1", 1);
    am_proto_record *good = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    memcpy(ok_id, good->id, sizeof ok_id);
    char *good_json = h_encode(b);
    /* The records array of the encoded batch, reused as a template. */
    char *rec = strstr(good_json, "[{") + 1;
    rec[strlen(rec) - 2] = '\0';
    char body[16384];
    char alert[512];
    snprintf(alert, sizeof alert,
             "{\"kind\":\"heartbeat\",\"id\":\"%s\",\"kiosk\":\"k1\",\"sent_at\":1,"
             "\"pending\":0,\"quarantined\":0,\"last_error\":\"r\xc3\",\"version\":\"1\","
             "\"uptime_s\":0}",
             uuid);
    snprintf(body, sizeof body,
             "{\"kiosk\":\"k1\",\"batch\":\"%s\",\"records\":[%s,"
             "{\"kind\":\"feedback\",\"id\":\"%s\"},"
             "%s,"
             "{\"kind\":\"heartbeat\",\"id\":\"%s\",\"kiosk\":\"k1\",\"sent_at\":1,\"pending\":-1,"
             "\"quarantined\":0,\"last_error\":\"\",\"version\":\"1\",\"uptime_s\":0},"
             "{\"kind\":\"alert\",\"id\":\"%s\",\"kiosk\":\"k1\",\"journey\":null,"
             "\"reason\":\"bored\",\"category\":\"room\",\"severity\":\"severe\",\"raised_at\":1},"
             "{\"kind\":\"heartbeat\",\"id\":\"%s\",\"kiosk\":\"k1\",\"sent_at\":1,\"pending\":0,"
             "\"quarantined\":0,\"last_error\":\"%s\",\"version\":\"1\",\"uptime_s\":0,\"x\":1},"
             "42]}",
             b->batch, rec, uuid, alert, uuid, uuid, uuid, long_text);
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_proto_response *resp = h_response(&reply);
    assert_int_equal(resp->count, 7);
    assert_int_equal(resp->results[0].status, AM_PROTO_STORED);
    assert_string_equal(resp->results[0].id, ok_id);
    static const char *const reasons[] = {
        NULL,
        "records[1].kiosk: missing",
        "records[2].last_error: is not valid UTF-8 text",
        "records[3].pending: must be an integer from 0 to 1000000000",
        "records[4].reason: must be one of \"staff_now\", \"severe\", \"over_budget\", "
        "\"notify\", \"callback\", \"severe_unsent\"",
        "records[5]: unknown field \"x\" for heartbeat",
        "records[6]: must be an object",
    };
    for (size_t i = 1; i < 7; i++) {
        assert_int_equal(resp->results[i].status, AM_PROTO_REJECTED);
        assert_string_equal(resp->results[i].reason, reasons[i]);
    }
    assert_string_equal(resp->results[1].id, uuid); /* named even when broken */
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 1);
    assert_int_equal(h_count(h, "/v1/alerts", "alerts"), 0);

    /* Over-long text, by the cap in characters, not bytes. */
    am_proto_batch *b2 = h_batch("k1", 1);
    am_proto_record *r = h_add_feedback(b2, "room", AM_OUTCOME_COMPLETED);
    char *enc = NULL;
    snprintf(r->u.feedback.report.comment, sizeof r->u.feedback.report.comment, "ok");
    enc = h_encode(b2);
    char *at = strstr(enc, "\"comment\":\"ok\"");
    assert_non_null(at);
    char big[8192];
    snprintf(big, sizeof big, "%.*s\"comment\":\"%0501d\"%s", (int)(at - enc), enc, 0,
             at + strlen("\"comment\":\"ok\""));
    h_post(c, big, b2->batch, &reply);
    resp = h_response(&reply);
    assert_int_equal(resp->results[0].status, AM_PROTO_REJECTED);
    assert_string_equal(resp->results[0].reason, "records[0].comment: longer than 500 characters");
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    free(enc);
    am_proto_batch_free(b2);
    free(good_json);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

static void ingest_refuses_bad_body_with_400(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    char uuid[AM_PROTO_UUID_LEN + 1];
    am_proto_uuid_new(uuid);
    h_post(c, "{\"kiosk\":\"k1\",", uuid, &reply);
    h_assert_error(&reply, 400, "bad_batch");
    assert_non_null(strstr(reply.body, "not valid JSON"));
    am_hub_reply_clear(&reply);
    char body[256];
    snprintf(body, sizeof body, "{\"kiosk\":\"k1\",\"batch\":\"%s\",\"records\":[]}", uuid);
    char other[AM_PROTO_UUID_LEN + 1];
    am_proto_uuid_new(other);
    h_post(c, body, other, &reply); /* Idempotency-Key differs from batch */
    h_assert_error(&reply, 400, "bad_batch");
    assert_non_null(strstr(reply.body, "Idempotency-Key"));
    am_hub_reply_clear(&reply);
    am_hub_client_free(c);
}

static void ingest_refuses_bad_signature(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_client *wrong_secret =
        am_hub_client_new(h->url, h->ca, h->k1_token, h->k2_secret); /* k2's secret */
    am_hub_reply reply;
    char err[256];
    am_proto_batch *b = h_batch("k1", 1);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *body = h_encode(b);

    assert_int_equal(am_hub_client_post_batch(wrong_secret, body, strlen(body), b->batch, &reply,
                                              err, sizeof err),
                     AM_OK);
    h_assert_error(&reply, 401, "bad_signature");
    assert_non_null(strstr(reply.body, "does not match"));
    am_hub_reply_clear(&reply);

    /* Signed properly, then one byte of the body changed. */
    am_hub_sign_override ov = {.timestamp = -1};
    char sig[AM_WEBHOOK_SIGNATURE_MAX];
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen;
    assert_int_equal(am_webhook_secret_parse(h->k1_secret, key, &keylen), AM_OK);
    int64_t now = time(NULL);
    assert_int_equal(
        am_webhook_sign(key, keylen, "msg_tamper1", now, body, strlen(body), sig, sizeof sig),
        AM_OK);
    ov.msg_id = "msg_tamper1";
    ov.timestamp = now;
    ov.signature = sig;
    char *tampered = strdup(body);
    *strstr(tampered, "\"rating\":4") = ' '; /* now not even the same document */
    assert_int_equal(am_hub_client_post_batch_ex(c, tampered, strlen(tampered), b->batch, &ov,
                                                 &reply, err, sizeof err),
                     AM_OK);
    h_assert_error(&reply, 401, "bad_signature");
    am_hub_reply_clear(&reply);

    /* Several signatures (a key rotation): one good v1 among them passes. */
    char several[256];
    snprintf(several, sizeof several, "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v2,xyz %s",
             sig);
    ov.msg_id = "msg_rotate1";
    assert_int_equal(
        am_webhook_sign(key, keylen, "msg_rotate1", now, body, strlen(body), sig, sizeof sig),
        AM_OK);
    snprintf(several, sizeof several, "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v2,xyz %s",
             sig);
    ov.signature = several;
    assert_int_equal(
        am_hub_client_post_batch_ex(c, body, strlen(body), b->batch, &ov, &reply, err, sizeof err),
        AM_OK);
    if (reply.status != 200)
        fail_msg("several signatures: %ld %s (header: %s)", reply.status, reply.body, several);
    am_hub_reply_clear(&reply);

    /* Only a v2 entry: not accepted. */
    ov.msg_id = "msg_v2only";
    snprintf(several, sizeof several, "v2,%s", sig + 3);
    assert_int_equal(
        am_hub_client_post_batch_ex(c, body, strlen(body), b->batch, &ov, &reply, err, sizeof err),
        AM_OK);
    h_assert_error(&reply, 401, "bad_signature");
    am_hub_reply_clear(&reply);
    free(tampered);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(wrong_secret);
    am_hub_client_free(c);
}

static void ingest_refuses_old_and_future_timestamps(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    char err[256];
    am_proto_batch *b = h_batch("k1", 1);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *body = h_encode(b);
    /* Past the 5-minute window by 10 s: the hub reads its clock a moment
     * after the client does, and at 301 s a second boundary in between made
     * the future timestamp land exactly on the edge (accepted). The edge
     * itself, to the second, is checked with a fixed clock in test_proto. */
    int64_t offsets[] = {-310, 310, -3600};
    for (size_t i = 0; i < 3; i++) {
        am_hub_sign_override ov = {.timestamp = (int64_t)time(NULL) + offsets[i]};
        assert_int_equal(am_hub_client_post_batch_ex(c, body, strlen(body), b->batch, &ov, &reply,
                                                     err, sizeof err),
                         AM_OK);
        h_assert_error(&reply, 401, "stale_timestamp");
        assert_non_null(strstr(reply.body, "5 minutes"));
        am_hub_reply_clear(&reply);
    }
    /* Within the window either way: accepted. */
    am_hub_sign_override near = {.timestamp = (int64_t)time(NULL) - 240};
    assert_int_equal(am_hub_client_post_batch_ex(c, body, strlen(body), b->batch, &near, &reply,
                                                 err, sizeof err),
                     AM_OK);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 1);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

/* The same request again, byte for byte (same webhook-id, timestamp,
 * signature and body: libcurl resends a request whose kept-alive connection
 * died before the answer came) gets the answer the first copy got. */
static void ingest_same_request_twice_gets_its_answer(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply first, again;
    char err[256];
    am_proto_batch *b = h_batch("k1", 1);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *body = h_encode(b);
    am_hub_sign_override ov = {.msg_id = "msg_sent_twice", .timestamp = -1};
    assert_int_equal(
        am_hub_client_post_batch_ex(c, body, strlen(body), b->batch, &ov, &first, err, sizeof err),
        AM_OK);
    assert_int_equal(first.status, 200);
    assert_string_equal(first.replayed, "false");
    assert_int_equal(
        am_hub_client_post_batch_ex(c, body, strlen(body), b->batch, &ov, &again, err, sizeof err),
        AM_OK);
    assert_int_equal(again.status, 200);
    assert_string_equal(again.replayed, "true");
    assert_int_equal(first.len, again.len);
    assert_memory_equal(first.body, again.body, first.len);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 1);
    am_hub_reply_clear(&first);
    am_hub_reply_clear(&again);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

/* A webhook-id seen before with another body is a replay: refused, and
 * nothing of the second body is kept. */
static void ingest_refuses_webhook_id_reused_for_another_body(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    char err[256];
    am_proto_batch *b1 = h_batch("k1", 1), *b2 = h_batch("k1", 1);
    h_add_feedback(b1, "room", AM_OUTCOME_COMPLETED);
    h_add_feedback(b2, "room", AM_OUTCOME_COMPLETED);
    char *body1 = h_encode(b1), *body2 = h_encode(b2);
    am_hub_sign_override ov = {.msg_id = "msg_once_only", .timestamp = -1};
    assert_int_equal(am_hub_client_post_batch_ex(c, body1, strlen(body1), b1->batch, &ov, &reply,
                                                 err, sizeof err),
                     AM_OK);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    assert_int_equal(am_hub_client_post_batch_ex(c, body2, strlen(body2), b2->batch, &ov, &reply,
                                                 err, sizeof err),
                     AM_OK);
    h_assert_error(&reply, 400, "replayed");
    assert_non_null(strstr(reply.body, "webhook-id was used before for another body"));
    am_hub_reply_clear(&reply);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 1);
    free(body1);
    free(body2);
    am_proto_batch_free(b1);
    am_proto_batch_free(b2);
    am_hub_client_free(c);
}

/* An Idempotency-Key seen before with another body: 422, nothing kept,
 * and the first answer stays the answer for the first body. */
static void ingest_refuses_idempotency_key_reused_for_another_body(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply first, other, again;
    am_proto_batch *b1 = h_batch("k1", 1), *b2 = h_batch("k1", 2);
    h_add_feedback(b1, "room", AM_OUTCOME_COMPLETED);
    /* b2: the same batch UUID, other records. */
    snprintf(b2->batch, sizeof b2->batch, "%s", b1->batch);
    h_add_feedback(b2, "room", AM_OUTCOME_COMPLETED);
    h_add_feedback(b2, "room", AM_OUTCOME_ABANDONED);
    char *body1 = h_encode(b1), *body2 = h_encode(b2);
    h_post(c, body1, b1->batch, &first);
    assert_int_equal(first.status, 200);
    h_post(c, body2, b2->batch, &other);
    h_assert_error(&other, 422, "idempotency_key_reused");
    h_post(c, body1, b1->batch, &again);
    assert_int_equal(again.status, 200);
    assert_string_equal(again.replayed, "true");
    assert_int_equal(first.len, again.len);
    assert_memory_equal(first.body, again.body, first.len);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 1);
    am_hub_reply_clear(&first);
    am_hub_reply_clear(&other);
    am_hub_reply_clear(&again);
    free(body1);
    free(body2);
    am_proto_batch_free(b1);
    am_proto_batch_free(b2);
    am_hub_client_free(c);
}

/* Copies of one request arriving together, while the first is still being
 * stored (on PostgreSQL on other connections, possibly other hubs): every
 * copy gets the same 200 answer, and the records are kept once. */
#define SAME_REQUEST_COPIES 6
typedef struct copy_job {
    am_hub_client *c;
    const char *body;
    const char *batch;
    pthread_barrier_t *go;
    am_hub_reply reply;
    am_rc rc;
} copy_job;

static void *post_copy(void *arg)
{
    copy_job *j = arg;
    char err[256];
    am_hub_sign_override ov = {.msg_id = "msg_racing_copies", .timestamp = -1};
    pthread_barrier_wait(j->go);
    j->rc = am_hub_client_post_batch_ex(j->c, j->body, strlen(j->body), j->batch, &ov, &j->reply,
                                        err, sizeof err);
    return NULL;
}

static void ingest_racing_copies_of_a_request_get_one_answer(void **state)
{
    harness *h = *state;
    am_proto_batch *b = h_batch("k1", 20);
    for (int i = 0; i < 20; i++)
        h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *body = h_encode(b);
    pthread_barrier_t go;
    pthread_t t[SAME_REQUEST_COPIES];
    copy_job jobs[SAME_REQUEST_COPIES];
    assert_int_equal(pthread_barrier_init(&go, NULL, SAME_REQUEST_COPIES), 0);
    for (int i = 0; i < SAME_REQUEST_COPIES; i++) {
        jobs[i] = (copy_job){.c = h_kiosk(h, 1), .body = body, .batch = b->batch, .go = &go};
        assert_int_equal(pthread_create(&t[i], NULL, post_copy, &jobs[i]), 0);
    }
    int first_answers = 0;
    for (int i = 0; i < SAME_REQUEST_COPIES; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(jobs[i].rc, AM_OK);
        if (jobs[i].reply.status != 200)
            fail_msg("copy %d: HTTP %ld: %s", i, jobs[i].reply.status,
                     jobs[i].reply.body ? jobs[i].reply.body : "");
        first_answers += strcmp(jobs[i].reply.replayed, "false") == 0;
        assert_int_equal(jobs[i].reply.len, jobs[0].reply.len);
        assert_memory_equal(jobs[i].reply.body, jobs[0].reply.body, jobs[0].reply.len);
    }
    assert_int_equal(first_answers, 1);
    am_proto_response *resp = h_response(&jobs[0].reply);
    for (size_t i = 0; i < resp->count; i++)
        assert_int_equal(resp->results[i].status, AM_PROTO_STORED);
    am_proto_response_free(resp);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 20);
    for (int i = 0; i < SAME_REQUEST_COPIES; i++) {
        am_hub_reply_clear(&jobs[i].reply);
        am_hub_client_free(jobs[i].c);
    }
    pthread_barrier_destroy(&go);
    free(body);
    am_proto_batch_free(b);
}

static void ingest_refuses_unknown_tokens(void **state)
{
    harness *h = *state;
    am_hub_reply reply;
    am_proto_batch *b = h_batch("k1", 1);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *body = h_encode(b);
    const char *tokens[] = {"amk_notarealtokenatallnotarealtokenatallxyz", h->mgr_token};
    for (size_t i = 0; i < 2; i++) {
        am_hub_client *c = am_hub_client_new(h->url, h->ca, tokens[i], h->k1_secret);
        assert_non_null(c);
        h_post(c, body, b->batch, &reply);
        h_assert_error(&reply, 401, "unauthorized");
        am_hub_reply_clear(&reply);
        am_hub_client_free(c);
    }
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 0);
    free(body);
    am_proto_batch_free(b);
}

static void ingest_kiosk_token_writes_only_its_own_records(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;

    am_proto_batch *b = h_batch("k2", 1); /* k1's token, k2's batch */
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    h_assert_error(&reply, 403, "wrong_kiosk");
    assert_non_null(strstr(reply.body, "belongs to kiosk k1, not k2"));
    am_hub_reply_clear(&reply);
    free(body);
    am_proto_batch_free(b);

    b = h_batch("k1", 2); /* right batch kiosk, one record claiming k2 */
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    am_proto_record *r = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    snprintf(r->kiosk, sizeof r->kiosk, "k2");
    body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    h_assert_error(&reply, 403, "wrong_kiosk");
    assert_non_null(strstr(reply.body, "records[1].kiosk"));
    am_hub_reply_clear(&reply);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 0);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

static void ingest_too_large_gets_413(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    char uuid[AM_PROTO_UUID_LEN + 1];
    am_proto_uuid_new(uuid);
    /* Over the default 4 MiB cap. */
    size_t big = 5 * 1024 * 1024;
    char *body = malloc(big + 1);
    assert_non_null(body);
    int n = snprintf(body, big, "{\"kiosk\":\"k1\",\"batch\":\"%s\",\"records\":[\"", uuid);
    memset(body + n, 'a', big - (size_t)n - 3);
    memcpy(body + big - 3, "\"]}", 4);
    h_post(c, body, uuid, &reply);
    h_assert_error(&reply, 413, "too_large");
    assert_non_null(strstr(reply.body, "split the batch"));
    am_hub_reply_clear(&reply);
    /* A client that does not wait for "100 Continue" still gets the 413,
     * not a reset connection. */
    char path[700], args[1024], out[1024];
    snprintf(path, sizeof path, "%s/big.json", h->dir);
    h_write(path, body);
    snprintf(args, sizeof args,
             "-H 'Authorization: Bearer %s' -H 'Expect:' --data-binary @'%s' %s/v1/ingest",
             h->k1_token, path, h->url);
    int status = 0;
    assert_int_equal(h_curl(h, args, out, sizeof out, &status), 0);
    assert_int_equal(status, 413);
    assert_non_null(strstr(out, "\"error\":\"too_large\""));
    /* Chunked, the body gives no length up front: the hub reads it into
     * its capped buffer, which refuses past the cap, and still answers 413
     * at the end. */
    char chunked[2048];
    snprintf(chunked, sizeof chunked,
             "-H 'Authorization: Bearer %s' -H 'Expect:' -H 'Transfer-Encoding: chunked' "
             "--data-binary @'%s' %s/v1/ingest",
             h->k1_token, path, h->url);
    status = 0;
    assert_int_equal(h_curl(h, chunked, out, sizeof out, &status), 0);
    assert_int_equal(status, 413);
    assert_non_null(strstr(out, "\"error\":\"too_large\""));
    free(body);

    /* Small, but more records than a batch may hold. */
    am_hub_client_free(c);
    c = h_kiosk(h, 1);
    size_t cap = 600 * 4 + 200;
    body = malloc(cap);
    assert_non_null(body);
    n = snprintf(body, cap, "{\"kiosk\":\"k1\",\"batch\":\"%s\",\"records\":[", uuid);
    for (int i = 0; i < 501; i++)
        n += snprintf(body + n, cap - (size_t)n, "%s{}", i ? "," : "");
    snprintf(body + n, cap - (size_t)n, "]}");
    h_post(c, body, uuid, &reply);
    h_assert_error(&reply, 413, "too_large");
    assert_non_null(strstr(reply.body, "at most 500"));
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
}

static void ingest_rate_limited_gets_429_with_retry_after(void **state)
{
    harness *h = *state; /* setup_rate: 60 a minute, burst 3 */
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_client *other = h_kiosk(h, 2);
    am_hub_reply reply;
    int ok = 0;
    for (int i = 0; i < 3; i++) {
        am_proto_batch *b = h_batch("k1", 1);
        h_add_heartbeat(b, 0, 0, "");
        char *body = h_encode(b);
        h_post(c, body, b->batch, &reply);
        ok += reply.status == 200;
        am_hub_reply_clear(&reply);
        free(body);
        am_proto_batch_free(b);
    }
    assert_int_equal(ok, 3);
    am_proto_batch *b = h_batch("k1", 1);
    h_add_heartbeat(b, 0, 0, "");
    char *body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    h_assert_error(&reply, 429, "rate_limited");
    int64_t wait_s = -1;
    assert_int_equal(am_proto_retry_after(reply.retry_after, time(NULL), &wait_s), AM_OK);
    assert_true(wait_s >= 1 && wait_s <= 2);
    am_hub_reply_clear(&reply);
    /* Another kiosk has its own allowance. */
    am_proto_batch *b2 = h_batch("k2", 1);
    h_add_heartbeat(b2, 0, 0, "");
    char *body2 = h_encode(b2);
    h_post(other, body2, b2->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    /* That k1 gets through again after waiting as told is checked on a
     * clock the test moves, in test_hub_rate.c, not by waiting here. */
    free(body);
    free(body2);
    am_proto_batch_free(b);
    am_proto_batch_free(b2);
    am_hub_client_free(c);
    am_hub_client_free(other);
}

static void heartbeat_updates_fleet_view(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    am_proto_batch *b = h_batch("k1", 1);
    am_proto_record *hb = h_add_heartbeat(b, 7, 2, "hub answered 503");
    int64_t sent_at = hb->u.heartbeat.sent_at;
    /* The kiosk's budget rides along: 62.50 given of 50.00, 2 of 3 offers. */
    hb->u.heartbeat.has_budget = true;
    snprintf(hb->u.heartbeat.budget_currency, sizeof hb->u.heartbeat.budget_currency, "EUR");
    hb->u.heartbeat.budget_daily_minor = 5000;
    hb->u.heartbeat.budget_hourly_offers = 3;
    hb->u.heartbeat.spent_today_minor = 6250;
    hb->u.heartbeat.offers_last_hour = 2;
    char *body = h_encode(b);
    int64_t before = h_now_ms();
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(body);
    am_proto_batch_free(b);

    /* An older heartbeat arriving late changes nothing. */
    b = h_batch("k1", 1);
    am_proto_record *old = h_add_heartbeat(b, 99, 99, "old");
    old->u.heartbeat.sent_at = sent_at - 60000;
    body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);

    cJSON *root = h_manager_get(h, "/v1/kiosks");
    cJSON *kiosks = cJSON_GetObjectItemCaseSensitive(root, "kiosks");
    assert_int_equal(cJSON_GetArraySize(kiosks), 2);
    cJSON *k1 = cJSON_GetArrayItem(kiosks, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(k1, "id")->valuestring, "k1");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(k1, "pending")->valueint, 7);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(k1, "quarantined")->valueint, 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(k1, "last_error")->valuestring,
                        "hub answered 503");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(k1, "version")->valuestring, "0.1.0");
    assert_true(cJSON_GetObjectItemCaseSensitive(k1, "last_seen")->valuedouble >=
                (double)before - 1000);
    assert_null(cJSON_GetObjectItemCaseSensitive(k1, "token_hash"));
    assert_null(cJSON_GetObjectItemCaseSensitive(k1, "secret"));
    /* The budget of the newest heartbeat; the late one (none) left it. */
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(k1, "budget_currency")->valuestring,
                        "EUR");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(k1, "budget_daily_minor")->valueint, 5000);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(k1, "budget_hourly_offers")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(k1, "spent_today_minor")->valueint, 6250);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(k1, "offers_last_hour")->valueint, 2);
    /* k2 never sent a budget: null, not zero. */
    cJSON *k2 = cJSON_GetArrayItem(kiosks, 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(k2, "last_seen")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(k2, "budget_currency")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(k2, "budget_daily_minor")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(k2, "spent_today_minor")));
    cJSON_Delete(root);
    free(body);
    am_proto_batch_free(b);

    /* A newer heartbeat without a budget (an older kiosk build) clears it:
     * the hub shows no budget rather than a stale one. */
    b = h_batch("k1", 1);
    h_add_heartbeat(b, 1, 0, "")->u.heartbeat.sent_at = sent_at + 60000;
    body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    root = h_manager_get(h, "/v1/kiosks");
    k1 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "kiosks"), 0);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(k1, "pending")->valueint, 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(k1, "budget_currency")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(k1, "spent_today_minor")));
    cJSON_Delete(root);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

/* --- the curl command line ------------------------------------------------------------ */

static int h_curl(harness *h, const char *args, char *out, size_t outlen, int *status)
{
    char script[4096], out_path[700];
    snprintf(out_path, sizeof out_path, "%s/curl.out", h->dir);
    snprintf(script, sizeof script,
             "curl -sS --proto =https --cacert '%s' -o '%s' -w '%%{http_code}' %s", h->ca, out_path,
             args);
    char code_path[700];
    snprintf(code_path, sizeof code_path, "%s/curl.code", h->dir);
    int rc = h_sh(script, code_path, NULL);
    char *code = am_test_read_file(code_path, NULL);
    *status = code ? atoi(code) : 0;
    free(code);
    char *text = am_test_read_file(out_path, NULL);
    snprintf(out, outlen, "%s", text ? text : "");
    free(text);
    return rc;
}

static void ingest_with_curl_command_line(void **state)
{
    harness *h = *state;
    am_proto_batch *b = h_batch("k1", 1);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *body = h_encode(b);
    char path[700], sig[AM_WEBHOOK_SIGNATURE_MAX], args[2048], out[4096];
    snprintf(path, sizeof path, "%s/batch.json", h->dir);
    h_write(path, body);
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen;
    assert_int_equal(am_webhook_secret_parse(h->k1_secret, key, &keylen), AM_OK);
    int64_t now = time(NULL);
    assert_int_equal(
        am_webhook_sign(key, keylen, "msg_curl1", now, body, strlen(body), sig, sizeof sig), AM_OK);
    snprintf(args, sizeof args,
             "-H 'Authorization: Bearer %s' -H 'Content-Type: application/json' "
             "-H 'Idempotency-Key: %s' -H 'webhook-id: msg_curl1' -H 'webhook-timestamp: %lld' "
             "-H 'webhook-signature: %s' --data-binary @'%s' %s/v1/ingest",
             h->k1_token, b->batch, (long long)now, sig, path, h->url);
    int status = 0;
    assert_int_equal(h_curl(h, args, out, sizeof out, &status), 0);
    assert_int_equal(status, 200);
    char want[128];
    snprintf(want, sizeof want, "\"id\":\"%s\",\"status\":\"stored\"", b->records[0].id);
    assert_non_null(strstr(out, want));
    /* Without --cacert the hub's certificate is not trusted: curl refuses. */
    char script[1024];
    snprintf(script, sizeof script, "curl -sS -o /dev/null %s/v1/kiosks", h->url);
    assert_int_not_equal(h_sh(script, NULL, NULL), 0);
    free(body);
    am_proto_batch_free(b);
}

/* --- manager API ------------------------------------------------------------------------- */

static void manager_endpoints_refuse_without_manager_token(void **state)
{
    harness *h = *state;
    char alert_path[128], out[4096], args[1024];
    char id[AM_PROTO_UUID_LEN + 1];
    /* Data exists, so a leak would show. */
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    am_proto_batch *b = h_batch("k1", 2);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    am_proto_record *al = h_add_alert(b, NULL);
    memcpy(id, al->id, sizeof id);
    char *body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    snprintf(alert_path, sizeof alert_path, "/v1/alerts/%s/ack", id);

    struct {
        const char *method;
        const char *path;
    } endpoints[] = {
        {"GET", "/v1/kiosks"},    {"GET", "/v1/kiosks/k1/ingest-log"},
        {"GET", "/v1/feedback"},  {"GET", "/v1/feedback?format=csv"},
        {"GET", "/v1/followups"}, {"GET", "/v1/alerts"},
        {"POST", alert_path},
    };
    const char *auth[] = {
        "", /* none */
        "-H 'Authorization: Bearer amm_wrongwrongwrongwrongwrongwrongwrongwrong'",
        "-H 'Authorization: Basic Ym9zczpib3Nz'", /* not a bearer */
        NULL,                                     /* a kiosk token */
    };
    char kiosk_auth[256];
    snprintf(kiosk_auth, sizeof kiosk_auth, "-H 'Authorization: Bearer %s'", h->k1_token);
    auth[3] = kiosk_auth;
    for (size_t e = 0; e < sizeof endpoints / sizeof endpoints[0]; e++) {
        for (size_t a = 0; a < 4; a++) {
            int status = 0;
            snprintf(args, sizeof args, "-X %s %s '%s%s'", endpoints[e].method, auth[a], h->url,
                     endpoints[e].path);
            assert_int_equal(h_curl(h, args, out, sizeof out, &status), 0);
            if (status != 401)
                fail_msg("%s %s with auth #%zu: %d %s", endpoints[e].method, endpoints[e].path, a,
                         status, out);
            assert_true(strncmp(out, "{\"error\":\"unauthorized\"", 23) == 0);
            assert_null(strstr(out, "Zo"));
            assert_null(strstr(out, "room"));
        }
    }
    /* The alert was not acknowledged by any of that. */
    cJSON *root = h_manager_get(h, "/v1/alerts?state=open");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "alerts")), 1);
    cJSON_Delete(root);
    /* And the right token works with curl too. */
    int status = 0;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/kiosks'", h->mgr_token,
             h->url);
    assert_int_equal(h_curl(h, args, out, sizeof out, &status), 0);
    assert_int_equal(status, 200);
    assert_non_null(strstr(out, "\"id\":\"k1\""));
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

static void manager_feedback_filters_and_csv(void **state)
{
    harness *h = *state;
    am_hub_client *c1 = h_kiosk(h, 1), *c2 = h_kiosk(h, 2);
    am_hub_reply reply;
    am_proto_batch *b1 = h_batch("k1", 3);
    am_proto_record *old = h_add_feedback(b1, "room", AM_OUTCOME_COMPLETED);
    old->u.feedback.created_at = 1700000000000;
    old->u.feedback.closed_at = 1700000000000; /* 2023-11-14 */
    h_add_feedback(b1, "noise", AM_OUTCOME_ABANDONED);
    h_add_feedback(b1, "room", AM_OUTCOME_INTERRUPTED);
    char *body1 = h_encode(b1);
    h_post(c1, body1, b1->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    am_proto_batch *b2 = h_batch("k2", 1);
    h_add_feedback(b2, "room", AM_OUTCOME_COMPLETED);
    char *body2 = h_encode(b2);
    h_post(c2, body2, b2->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);

    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 4);
    assert_int_equal(h_count(h, "/v1/feedback?kiosk=k1", "feedback"), 3);
    assert_int_equal(h_count(h, "/v1/feedback?kiosk=k2", "feedback"), 1);
    assert_int_equal(h_count(h, "/v1/feedback?category=room", "feedback"), 3);
    assert_int_equal(h_count(h, "/v1/feedback?outcome=abandoned", "feedback"), 1);
    assert_int_equal(
        h_count(h, "/v1/feedback?kiosk=k1&category=room&outcome=completed", "feedback"), 1);
    assert_int_equal(h_count(h, "/v1/feedback?since=2024-01-01", "feedback"), 3);
    assert_int_equal(h_count(h, "/v1/feedback?since=1700000000000", "feedback"), 4);
    assert_int_equal(h_count(h, "/v1/feedback?since=2023-11-14T22:13:21Z", "feedback"), 3);
    assert_int_equal(h_count(h, "/v1/feedback?limit=2", "feedback"), 2);

    am_hub_client *m = h_manager(h, NULL);
    const char *bad[] = {"/v1/feedback?kiosk=bad%20id",  "/v1/feedback?outcome=open",
                         "/v1/feedback?since=yesterday", "/v1/feedback?format=xml",
                         "/v1/feedback?kiosks=k1",       "/v1/feedback?limit=0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        h_get(m, "GET", bad[i], &reply);
        h_assert_error(&reply, 400, "bad_query");
        am_hub_reply_clear(&reply);
    }

    h_get(m, "GET", "/v1/feedback?format=csv&kiosk=k2", &reply);
    assert_int_equal(reply.status, 200);
    /* Header, then one row; quotes doubled, the newline kept inside the
     * quoted cell, and a formula defused. */
    assert_true(strncmp(reply.body, "\"id\",\"kiosk\",\"received_at\"", 26) == 0);
    assert_non_null(strstr(reply.body, "\"Room was \"\"cold\"\", heater off; 🙁 -- said, "
                                       "'fix it'\nsecond line\""));
    assert_non_null(strstr(reply.body, "\"'=SUM(A1:A9)\""));
    int lines = 0;
    for (const char *p = reply.body; (p = strstr(p, "\r\n")) != NULL; p += 2)
        lines++;
    assert_int_equal(lines, 2);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    free(body1);
    free(body2);
    am_proto_batch_free(b1);
    am_proto_batch_free(b2);
    am_hub_client_free(c1);
    am_hub_client_free(c2);
}

static void manager_followups_only_consented(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    am_proto_batch *b = h_batch("k1", 3);
    am_proto_record *yes = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    am_proto_record *no = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    no->u.feedback.report.consent = AM_CONSENT_NO;
    no->u.feedback.report.contact[0] = '\0';
    am_proto_record *unset = h_add_feedback(b, "room", AM_OUTCOME_ABANDONED);
    unset->u.feedback.report.consent = AM_CONSENT_UNSET;
    unset->u.feedback.report.contact[0] = '\0';
    char *body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    cJSON *root = h_manager_get(h, "/v1/followups");
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "followups");
    assert_int_equal(cJSON_GetArraySize(rows), 1);
    cJSON *row = cJSON_GetArrayItem(rows, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(row, "id")->valuestring, yes->id);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(row, "contact")->valuestring, "room 214");
    /* A follow-up list carries what the call needs, not the whole story. */
    assert_null(cJSON_GetObjectItemCaseSensitive(row, "description"));
    cJSON_Delete(root);

    /* A contact without consent is refused at ingest, never stored. */
    am_proto_batch *b2 = h_batch("k1", 1);
    am_proto_record *sneaky = h_add_feedback(b2, "room", AM_OUTCOME_COMPLETED);
    sneaky->u.feedback.report.consent = AM_CONSENT_NO;
    char err[128];
    assert_null(am_proto_batch_encode(b2, err, sizeof err));
    sneaky->u.feedback.report.consent = AM_CONSENT_YES;
    char *body2 = h_encode(b2);
    char *consent = strstr(body2, "\"consent\":\"yes\"");
    assert_non_null(consent);
    memcpy(consent + 11, "no\" ", 4); /* "consent":"no" plus a space */
    h_post(c, body2, b2->batch, &reply);
    am_proto_response *resp = h_response(&reply);
    assert_int_equal(resp->results[0].status, AM_PROTO_REJECTED);
    assert_string_equal(resp->results[0].reason,
                        "records[0].contact: given without consent \"yes\"");
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    assert_int_equal(h_count(h, "/v1/followups", "followups"), 1);
    free(body2);
    am_proto_batch_free(b2);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

static void manager_alerts_list_and_ack(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    am_proto_batch *b = h_batch("k1", 2);
    am_proto_record *a1 = h_add_alert(b, NULL);
    h_add_alert(b, NULL);
    char *body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    assert_int_equal(h_count(h, "/v1/alerts?state=open", "alerts"), 2);

    am_hub_client *m = h_manager(h, NULL);
    char path[128];
    snprintf(path, sizeof path, "/v1/alerts/%s/ack", a1->id);
    h_get(m, "POST", path, &reply);
    assert_int_equal(reply.status, 200);
    cJSON *root = h_json(&reply);
    cJSON *alert = cJSON_GetObjectItemCaseSensitive(root, "alert");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(alert, "acked_by")->valuestring, "boss");
    double acked_at = cJSON_GetObjectItemCaseSensitive(alert, "acked_at")->valuedouble;
    assert_true(acked_at > 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(alert, "journey")));
    cJSON_Delete(root);
    am_hub_reply_clear(&reply);
    /* Acknowledging again keeps the first acknowledgement. */
    h_get(m, "POST", path, &reply);
    assert_int_equal(reply.status, 200);
    root = h_json(&reply);
    alert = cJSON_GetObjectItemCaseSensitive(root, "alert");
    assert_true(cJSON_GetObjectItemCaseSensitive(alert, "acked_at")->valuedouble == acked_at);
    cJSON_Delete(root);
    am_hub_reply_clear(&reply);

    assert_int_equal(h_count(h, "/v1/alerts?state=open", "alerts"), 1);
    assert_int_equal(h_count(h, "/v1/alerts", "alerts"), 2);

    char unknown[AM_PROTO_UUID_LEN + 1];
    am_proto_uuid_new(unknown);
    snprintf(path, sizeof path, "/v1/alerts/%s/ack", unknown);
    h_get(m, "POST", path, &reply);
    h_assert_error(&reply, 404, "not_found");
    am_hub_reply_clear(&reply);
    h_get(m, "GET", path, &reply); /* ack is a POST */
    h_assert_error(&reply, 405, "method_not_allowed");
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

static void manager_ingest_log_shows_outcomes(void **state)
{
    harness *h = *state;
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    char err[128];
    am_proto_batch *b = h_batch("k1", 2);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    h_add_heartbeat(b, 0, 0, "");
    char *body = h_encode(b);
    am_hub_sign_override stale = {.timestamp = (int64_t)time(NULL) - 1000};
    assert_int_equal(am_hub_client_post_batch_ex(c, body, strlen(body), b->batch, &stale, &reply,
                                                 err, sizeof err),
                     AM_OK);
    assert_int_equal(reply.status, 401);
    am_hub_reply_clear(&reply);
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);

    cJSON *root = h_manager_get(h, "/v1/kiosks/k1/ingest-log");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "kiosk")->valuestring, "k1");
    cJSON *entries = cJSON_GetObjectItemCaseSensitive(root, "entries");
    assert_int_equal(cJSON_GetArraySize(entries), 2);
    cJSON *newest = cJSON_GetArrayItem(entries, 0);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(newest, "status")->valueint, 200);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(newest, "stored")->valueint, 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(newest, "batch")->valuestring, b->batch);
    cJSON *refused = cJSON_GetArrayItem(entries, 1);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(refused, "status")->valueint, 401);
    assert_non_null(
        strstr(cJSON_GetObjectItemCaseSensitive(refused, "reason")->valuestring, "5 minutes"));
    cJSON_Delete(root);
    assert_int_equal(h_count(h, "/v1/kiosks/k2/ingest-log", "entries"), 0);

    am_hub_client *m = h_manager(h, NULL);
    h_get(m, "GET", "/v1/kiosks/nobody/ingest-log", &reply);
    h_assert_error(&reply, 404, "not_found");
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

/* --- shutdown ------------------------------------------------------------------------------ */

static void sigterm_finishes_requests_in_flight(void **state)
{
    harness *h = *state;
    /* A batch big enough that a throttled upload takes about 3 seconds. */
    am_proto_batch *b = h_batch("k1", 100);
    for (int i = 0; i < 100; i++) {
        am_proto_record *r = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
        memset(r->u.feedback.report.description, 'd', 600);
        r->u.feedback.report.description[600] = '\0';
    }
    char *body = h_encode(b);
    size_t len = strlen(body);
    assert_true(len > 60000);
    char path[700], sig[AM_WEBHOOK_SIGNATURE_MAX], script[4096], out_path[700], code_path[700];
    snprintf(path, sizeof path, "%s/slow.json", h->dir);
    snprintf(out_path, sizeof out_path, "%s/slow.out", h->dir);
    snprintf(code_path, sizeof code_path, "%s/slow.code", h->dir);
    h_write(path, body);
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen;
    assert_int_equal(am_webhook_secret_parse(h->k1_secret, key, &keylen), AM_OK);
    int64_t now = time(NULL);
    assert_int_equal(am_webhook_sign(key, keylen, "msg_slow", now, body, len, sig, sizeof sig),
                     AM_OK);
    /* With "Expect: 100-continue" the hub's HTTP library answers "100
     * Continue" once the hub has taken the request (it counts as in
     * flight from then); -v makes curl write that answer to stderr (a pipe
     * here) before it sends the slow body. */
    snprintf(script, sizeof script,
             "curl -sSv --cacert '%s' --limit-rate %zu -o '%s' -w '%%{http_code}' "
             "-H 'Authorization: Bearer %s' -H 'Idempotency-Key: %s' -H 'webhook-id: msg_slow' "
             "-H 'webhook-timestamp: %lld' -H 'webhook-signature: %s' -H 'Expect: 100-continue' "
             "--data-binary @'%s' %s/v1/ingest > '%s'",
             h->ca, len / 3, out_path, h->k1_token, b->batch, (long long)now, sig, path, h->url,
             code_path);
    int verbose[2];
    assert_int_equal(pipe(verbose), 0);
    pid_t curl = fork();
    assert_true(curl >= 0);
    if (curl == 0) {
        dup2(verbose[1], 2);
        close(verbose[0]);
        close(verbose[1]);
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    close(verbose[1]);
    /* The upload is under way: the hub took the request, the body follows. */
    char line[512];
    bool taken = false;
    int64_t deadline = h_now_ms() + 15000;
    while (!taken && h_read_line(verbose[0], line, sizeof line, deadline))
        taken = strncmp(line, "< HTTP/1.1 100", 14) == 0;
    assert_true(taken);
    kill(h->hub.pid, SIGTERM);
    /* The hub closed its listening socket, with this request in flight. */
    assert_true(h_wait_file_text(h->hub.log, "not listening any more", 10000));
    char *drain_log = am_test_read_file(h->hub.log, NULL);
    assert_non_null(strstr(drain_log, "not listening any more; 1 request(s) in flight"));
    free(drain_log);
    /* No new connections while draining. */
    char probe[1024];
    snprintf(probe, sizeof probe, "curl -sS --cacert '%s' -o /dev/null --max-time 3 %s/v1/kiosks",
             h->ca, h->url);
    int probe_rc = h_sh(probe, NULL, NULL);
    int status = 0;
    assert_true(am_test_wait_exit(curl, 10000, &status));
    close(verbose[0]);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The hub exits 0 after answering; nothing was cut off. */
    int hub_status = -2;
    int st;
    if (am_test_wait_exit(h->hub.pid, 10000, &st)) {
        hub_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        h->hub.pid = 0;
    }
    assert_int_equal(hub_status, 0);
    assert_int_not_equal(probe_rc, 0);
    char *code = am_test_read_file(code_path, NULL);
    assert_non_null(code);
    assert_string_equal(code, "200");
    free(code);
    char *answer = am_test_read_file(out_path, NULL);
    assert_non_null(answer);
    assert_non_null(strstr(answer, "\"stored\":100"));
    free(answer);
    char *log = am_test_read_file(h->hub.log, NULL);
    assert_non_null(strstr(log, "stopped cleanly"));
    free(log);

    /* Everything is there after a restart. */
    h_hub_start(h);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 100);
    free(body);
    am_proto_batch_free(b);
}

/* --- kiosk lifecycle ---------------------------------------------------------------- */

/* Posts one new feedback record as kiosk k1 (k2 with k2's token) with
 * these credentials; the reply is the caller's. */
static void lc_post(harness *h, const char *token, const char *secret, am_hub_reply *reply)
{
    am_hub_client *c = am_hub_client_new(h->url, h->ca, token, secret);
    assert_non_null(c);
    am_proto_batch *b = h_batch(strcmp(token, h->k2_token) ? "k1" : "k2", 1);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *body = h_encode(b);
    h_post(c, body, b->batch, reply);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
}

static long lc_status(harness *h, const char *token, const char *secret)
{
    am_hub_reply reply;
    lc_post(h, token, secret, &reply);
    long status = reply.status;
    am_hub_reply_clear(&reply);
    return status;
}

/* k1 in the fleet list (NULL when it is not there), from `root`. */
static cJSON *lc_k1(cJSON *root)
{
    cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(root, "kiosks"))
    {
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "id")), "k1"))
            return k;
    }
    return NULL;
}

/* The stderr of the last h_hub_cmd, which must contain `text`. */
static void lc_stderr_has(harness *h, const char *text)
{
    char path[700];
    snprintf(path, sizeof path, "%s/cmd.err", h->dir);
    char *err = am_test_read_file(path, NULL);
    if (!err || !strstr(err, text))
        fail_msg("expected '%s' in: %s", text, err ? err : "(nothing)");
    free(err);
}

static void kiosk_rotate_keeps_old_credentials_for_the_overlap(void **state)
{
    harness *h = *state;
    char out[1024], tok2[128], sec2[128], tok3[128], sec3[128];
    const char *rotate[] = {"kiosk", "rotate", "k1", NULL};
    int64_t before = h_now_ms();
    assert_int_equal(h_hub_cmd(h, rotate, out, sizeof out), 0);
    int64_t after = h_now_ms();
    h_field(out, "token: ", tok2, sizeof tok2);
    h_field(out, "secret: ", sec2, sizeof sec2);
    assert_string_not_equal(tok2, h->k1_token);
    assert_string_not_equal(sec2, h->k1_secret);
    lc_stderr_has(h, "shown once");

    /* The overlap: old, new, and either secret with either token. */
    assert_int_equal(lc_status(h, h->k1_token, h->k1_secret), 200);
    assert_int_equal(lc_status(h, tok2, sec2), 200);
    assert_int_equal(lc_status(h, tok2, h->k1_secret), 200);
    assert_int_equal(lc_status(h, h->k1_token, sec2), 200);
    /* The fleet list says until when: 24 hours by default. */
    cJSON *root = h_manager_get(h, "/v1/kiosks");
    cJSON *until = cJSON_GetObjectItemCaseSensitive(lc_k1(root), "prev_until");
    assert_true(cJSON_IsNumber(until));
    assert_true((int64_t)until->valuedouble >= before + 24 * 3600 * 1000);
    assert_true((int64_t)until->valuedouble <= after + 24 * 3600 * 1000);
    cJSON_Delete(root);

    /* A rotation whose overlap has ended (0 hours: it ends now) refuses
     * the credentials it replaced, and those of the rotation before. */
    const char *rotate0[] = {"kiosk", "rotate", "k1", "--overlap", "0", NULL};
    assert_int_equal(h_hub_cmd(h, rotate0, out, sizeof out), 0);
    h_field(out, "token: ", tok3, sizeof tok3);
    h_field(out, "secret: ", sec3, sizeof sec3);
    am_hub_reply reply;
    lc_post(h, tok2, sec2, &reply);
    h_assert_error(&reply, 401, "unauthorized");
    am_hub_reply_clear(&reply);
    assert_int_equal(lc_status(h, h->k1_token, h->k1_secret), 401);
    /* The new token with the secret it replaced: a bad signature. */
    assert_int_equal(lc_status(h, tok3, sec2), 401);
    assert_int_equal(lc_status(h, tok3, sec3), 200);
    assert_int_equal(lc_status(h, h->k2_token, h->k2_secret), 200); /* k2 untouched */
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 6);

    /* What a person can get wrong. */
    const char *too_long[] = {"kiosk", "rotate", "k1", "--overlap", "721", NULL};
    assert_int_equal(h_hub_cmd(h, too_long, out, sizeof out), 2);
    lc_stderr_has(h, "--overlap '721' must be a whole number of hours from 0 to 720");
    const char *unknown[] = {"kiosk", "rotate", "k9", NULL};
    assert_int_equal(h_hub_cmd(h, unknown, out, sizeof out), 1);
    lc_stderr_has(h, "no kiosk 'k9'");
    assert_int_equal(lc_status(h, tok3, sec3), 200);
}

static void kiosk_disable_refuses_with_reason_until_enabled(void **state)
{
    harness *h = *state;
    char out[1024];
    am_hub_reply reply;
    const char *disable[] = {"kiosk", "disable", "k1", NULL};
    const char *enable[] = {"kiosk", "enable", "k1", NULL};
    const char *remove[] = {"kiosk", "remove", "k1", NULL};

    assert_int_equal(lc_status(h, h->k1_token, h->k1_secret), 200);
    /* Not removed while it is enabled. */
    assert_int_equal(h_hub_cmd(h, remove, out, sizeof out), 1);
    lc_stderr_has(h, "kiosk 'k1' is not disabled: run 'amends-hub kiosk disable k1' first");

    assert_int_equal(h_hub_cmd(h, disable, out, sizeof out), 0);
    assert_non_null(strstr(out, "state: disabled"));
    lc_post(h, h->k1_token, h->k1_secret, &reply);
    h_assert_error(&reply, 403, "kiosk_disabled");
    assert_non_null(strstr(reply.body, "this kiosk is disabled at the hub"));
    am_hub_reply_clear(&reply);
    assert_int_equal(lc_status(h, h->k2_token, h->k2_secret), 200);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 2);
    cJSON *root = h_manager_get(h, "/v1/kiosks");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(lc_k1(root), "disabled_at")));
    cJSON_Delete(root);
    root = h_manager_get(h, "/v1/kiosks/k1/ingest-log");
    cJSON *newest = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "entries"), 0);
    assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(newest, "status")), 403);
    cJSON_Delete(root);

    assert_int_equal(h_hub_cmd(h, enable, out, sizeof out), 0);
    assert_int_equal(lc_status(h, h->k1_token, h->k1_secret), 200);
    root = h_manager_get(h, "/v1/kiosks");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(lc_k1(root), "disabled_at")));
    cJSON_Delete(root);

    /* Removed after disabling: its credentials are gone, its reports stay. */
    assert_int_equal(h_hub_cmd(h, disable, out, sizeof out), 0);
    assert_int_equal(h_hub_cmd(h, remove, out, sizeof out), 0);
    assert_int_equal(lc_status(h, h->k1_token, h->k1_secret), 401);
    root = h_manager_get(h, "/v1/kiosks");
    assert_null(lc_k1(root));
    cJSON_Delete(root);
    assert_int_equal(h_count(h, "/v1/feedback", "feedback"), 3);
    assert_int_equal(h_hub_cmd(h, remove, out, sizeof out), 1);
    lc_stderr_has(h, "no kiosk 'k1'");
    assert_int_equal(h_hub_cmd(h, enable, out, sizeof out), 1);
}

#endif
