/* hub_cases.h — integration cases run against each storage backend
 * (test_hub_sqlite.c, test_hub_pg.c): the real amends-hub on loopback,
 * spoken to with the project's client (libcurl) and the curl command line.
 * This file: ingest, heartbeats and the shared helpers; the manager API,
 * shutdown and the kiosk lifecycle are in hub_cases_manager.h.
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

#endif
