/* hub_cases_manager.h — integration cases run against each storage
 * backend (test_hub_sqlite.c, test_hub_pg.c), from a manager's side: the
 * manager API, a hub stopping with requests in flight, and a kiosk's
 * lifecycle (rotate, disable, enable, remove). Ingest is in hub_cases.h.
 */
#ifndef HUB_CASES_MANAGER_H
#define HUB_CASES_MANAGER_H

#include "hub_cases.h"

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
