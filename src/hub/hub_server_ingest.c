/* hub_server_ingest.c — POST /v1/ingest once its body is in: checking a
 * kiosk batch and storing it. */
#include "hub_server_internal.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "amends/voucher.h"
#include "amends/webhook.h"
#include "hub_case.h"

#define MOD "http"

/* webhook-ids are remembered twice as long as a timestamp stays valid, so a
 * replay cannot outlive the memory of its id. */
#define WEBHOOK_KEEP_MS (2 * AM_WEBHOOK_TOLERANCE_S * 1000)

/* A voucher record is kept only when its code is what the kiosk's voucher
 * key makes for its serial: a kiosk token alone cannot plant codes. */
static void check_vouchers(hub_server *s, const request *req, am_proto_batch *b)
{
    am_voucher_key key;
    am_rc key_rc = AM_ERR_NOTFOUND;
    bool loaded = false;
    for (size_t i = 0; i < b->count; i++) {
        am_proto_record *r = &b->records[i];
        if (!r->valid || r->kind != AM_PROTO_VOUCHER)
            continue;
        if (!loaded) {
            key_rc = hub_db_voucher_key(s->db, req->kiosk.id, &key);
            loaded = true;
        }
        am_voucher_code code;
        char why[96] = "not in canonical form";
        if (key_rc == AM_ERR_NOTFOUND) {
            snprintf(r->reason, sizeof r->reason,
                     "records[%zu]: the hub has no voucher key for this kiosk "
                     "(amends-hub kiosk voucher-key ID)",
                     i);
        } else if (key_rc) {
            snprintf(r->reason, sizeof r->reason,
                     "records[%zu]: the hub could not read this kiosk's voucher key", i);
        } else if (am_voucher_parse(r->u.voucher.code, &code, why, sizeof why) != AM_OK ||
                   strcmp(code.text, r->u.voucher.code) != 0) {
            snprintf(r->reason, sizeof r->reason, "records[%zu].code: %s", i, why);
        } else if (!am_voucher_authentic(&key, req->kiosk.id, r->u.voucher.serial, &code)) {
            snprintf(r->reason, sizeof r->reason,
                     "records[%zu].code: not made with this kiosk's voucher key for serial %lld", i,
                     (long long)r->u.voucher.serial);
        } else {
            continue;
        }
        r->valid = false;
        am_log_warn(MOD, "kiosk %s: voucher record %zu rejected", req->kiosk.id, i);
    }
    if (loaded)
        am_voucher_key_wipe(&key);
}

/* A case code a kiosk made must be one the hub can find a case by; a
 * record without one (an older kiosk) gets a code from the hub. */
static void check_case_codes(const request *req, am_proto_batch *b)
{
    for (size_t i = 0; i < b->count; i++) {
        am_proto_record *r = &b->records[i];
        if (!r->valid || (r->kind != AM_PROTO_ALERT && r->kind != AM_PROTO_FEEDBACK))
            continue;
        const char *code =
            r->kind == AM_PROTO_ALERT ? r->u.alert.case_code : r->u.feedback.case_code;
        if (!code[0] || hub_case_code_valid(code))
            continue;
        snprintf(r->reason, sizeof r->reason,
                 "records[%zu].case_code: not a case code (1 to 15 of A-Z, 0-9 and '-', not "
                 "starting with '-')",
                 i);
        r->valid = false;
        am_log_warn(MOD, "kiosk %s: record %zu rejected: malformed case code", req->kiosk.id, i);
    }
}

/* The answer with "cases": the kiosk's urgent cases not yet closed, what
 * happened to each and who took it (hub_db_kiosk_cases). The body as it
 * was when they cannot be read: the batch's answer matters more. */
static char *with_cases(hub_server *s, const char *kiosk, int status, char *body)
{
    if (status != 200 || !body)
        return body;
    cJSON *cases = NULL;
    if (hub_db_kiosk_cases(s->db, kiosk, &cases) != AM_OK) {
        am_log_warn(MOD, "kiosk %s: its cases could not be read for its answer", kiosk);
        return body;
    }
    cJSON *root = cJSON_Parse(body);
    char *out = NULL;
    if (root && cJSON_IsObject(root)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "cases");
        if (cJSON_AddItemToObject(root, "cases", cases)) {
            cases = NULL;
            out = cJSON_PrintUnformatted(root);
        }
    }
    cJSON_Delete(cases);
    cJSON_Delete(root);
    if (!out)
        return body;
    free(body);
    return out;
}

enum MHD_Result hub_http_handle_ingest(hub_server *s, struct MHD_Connection *conn, request *req)
{
    char reason[512];
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    am_proto_batch *b = NULL;
    enum MHD_Result ret;
    const char *body = am_buf_str(&req->body);

    if (req->too_large) {
        snprintf(reason, sizeof reason, "body larger than %zu bytes: split the batch",
                 s->cfg->max_body_bytes);
        return hub_http_ingest_refuse(s, conn, req, NULL, 413, "too_large", reason);
    }
    const char *msg_id = hub_http_header(conn, "webhook-id");
    am_webhook_result wr = AM_WEBHOOK_BAD_SIGNATURE;
    /* The secret that goes with the token, then, while a rotation's
     * overlap lasts, the other one. */
    const char *secrets[] = {req->kiosk.secret, req->kiosk.prev_secret};
    for (size_t i = 0; i < 2 && wr == AM_WEBHOOK_BAD_SIGNATURE && secrets[i][0]; i++) {
        if (am_webhook_secret_parse(secrets[i], key, &keylen) != AM_OK)
            return hub_http_send_error(conn, 500, "internal",
                                       "this kiosk's signing secret is damaged");
        wr = am_webhook_verify(key, keylen, msg_id, hub_http_header(conn, "webhook-timestamp"),
                               hub_http_header(conn, "webhook-signature"), body,
                               am_buf_len(&req->body), am_wall_ms() / 1000, AM_WEBHOOK_TOLERANCE_S);
        sodium_memzero(key, sizeof key);
    }
    if (wr != AM_WEBHOOK_OK) {
        unsigned status = (wr == AM_WEBHOOK_BAD_ID || wr == AM_WEBHOOK_BAD_TIMESTAMP) ? 400 : 401;
        const char *code = wr == AM_WEBHOOK_STALE ? "stale_timestamp" : "bad_signature";
        return hub_http_ingest_refuse(s, conn, req, NULL, status, code, am_webhook_result_str(wr));
    }
    am_rc rc = am_proto_batch_decode(body, am_buf_len(&req->body), &b, reason, sizeof reason);
    if (rc == AM_ERR_TOOBIG)
        return hub_http_ingest_refuse(s, conn, req, NULL, 413, "too_large", reason);
    if (rc == AM_ERR_NOMEM)
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    if (rc)
        return hub_http_ingest_refuse(s, conn, req, NULL, 400, "bad_batch", reason);

    if (strcmp(b->kiosk, req->kiosk.id) != 0) {
        snprintf(reason, sizeof reason, "kiosk: this token belongs to kiosk %s, not %s",
                 req->kiosk.id, b->kiosk);
        ret = hub_http_ingest_refuse(s, conn, req, b->batch, 403, "wrong_kiosk", reason);
        goto out;
    }
    for (size_t i = 0; i < b->count; i++) {
        if (b->records[i].kiosk[0] && strcmp(b->records[i].kiosk, req->kiosk.id) != 0) {
            snprintf(reason, sizeof reason,
                     "records[%zu].kiosk: this token belongs to kiosk %s, not %s", i, req->kiosk.id,
                     b->records[i].kiosk);
            ret = hub_http_ingest_refuse(s, conn, req, b->batch, 403, "wrong_kiosk", reason);
            goto out;
        }
    }
    const char *idem = hub_http_header(conn, "Idempotency-Key");
    if (!idem) {
        ret = hub_http_ingest_refuse(s, conn, req, b->batch, 400, "bad_batch",
                                     "Idempotency-Key header missing (it must be the batch UUID)");
        goto out;
    }
    if (strcmp(idem, b->batch) != 0) {
        ret = hub_http_ingest_refuse(s, conn, req, b->batch, 400, "bad_batch",
                                     "Idempotency-Key differs from the body's batch UUID");
        goto out;
    }

    check_vouchers(s, req, b);
    check_case_codes(req, b);

    /* What makes a repeated request the same request: its exact bytes. */
    uint8_t digest[crypto_hash_sha256_BYTES];
    char body_hash[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(digest, (const uint8_t *)body, am_buf_len(&req->body));
    sodium_bin2hex(body_hash, sizeof body_hash, digest, sizeof digest);

    hub_ingest_result result;
    rc = hub_db_ingest(s->db, b, msg_id, body_hash, am_wall_ms(), WEBHOOK_KEEP_MS, &result);
    if (!rc && result.webhook_replayed) {
        ret = hub_http_ingest_refuse(
            s, conn, req, b->batch, 400, "replayed",
            "webhook-id was used before for another body: each delivery attempt "
            "needs a new webhook-id (the Idempotency-Key stays the same)");
        goto out;
    }
    if (!rc && result.key_reused) {
        ret = hub_http_ingest_refuse(
            s, conn, req, b->batch, 422, "idempotency_key_reused",
            "this Idempotency-Key was used before for another body: a new batch "
            "needs a new batch UUID");
        goto out;
    }
    if (rc) {
        am_log_error(MOD, "kiosk %s batch %s: storing failed: %s", req->kiosk.id, b->batch,
                     am_rc_str(rc));
        ret = hub_http_send_db_error(conn, rc);
        goto out;
    }
    if (result.replayed) {
        am_log_info(MOD, "kiosk %s batch %s: repeated, original response sent", req->kiosk.id,
                    b->batch);
    } else {
        am_log_info(MOD, "kiosk %s batch %s: %zu stored, %zu duplicate, %zu rejected",
                    req->kiosk.id, b->batch, result.counts[AM_PROTO_STORED],
                    result.counts[AM_PROTO_DUPLICATE], result.counts[AM_PROTO_REJECTED]);
    }
    /* What happened to the kiosk's urgent cases, as of now (a repeated
     * request gets its stored answer with today's cases). */
    result.body = with_cases(s, req->kiosk.id, result.status, result.body);
    ret = hub_http_send_body(conn, (unsigned)result.status, result.body, "application/json",
                             "Idempotent-Replayed", result.replayed ? "true" : "false", NULL, NULL);
out:
    am_proto_batch_free(b);
    return ret;
}
