/* policy.c — the sync worker's decisions that need no I/O: which answers
 * are retried, how long to wait, and what the hub said about each record.
 * Kept pure so unit tests and fuzz targets reach them directly. */
#include "amends/sync.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "amends/retry_after.h"

am_sync_class am_sync_classify(long http_status)
{
    if (http_status >= 200 && http_status < 300)
        return AM_SYNC_CLASS_OK;
    if (http_status == 413)
        return AM_SYNC_CLASS_SPLIT;
    if (http_status == 401 || http_status == 403)
        return AM_SYNC_CLASS_AUTH;
    if (http_status == 408 || http_status == 425 || http_status == 429)
        return AM_SYNC_CLASS_RETRY;
    if (http_status >= 400 && http_status < 500)
        return AM_SYNC_CLASS_QUARANTINE;
    /* No answer, 1xx/3xx (redirects are never followed) and 5xx: the hub
     * may answer properly later; nothing here says the records are bad. */
    return AM_SYNC_CLASS_RETRY;
}

int64_t am_sync_backoff_ms(int attempt, int64_t base_ms, int64_t max_ms, int64_t retry_after_ms,
                           int64_t retry_after_max_ms, double random)
{
    if (base_ms < 1)
        base_ms = 1;
    if (max_ms < base_ms)
        max_ms = base_ms;
    if (attempt < 0)
        attempt = 0;
    if (!(random >= 0.0) || random >= 1.0) /* also catches NaN */
        random = 0.0;
    /* The ceiling doubles per attempt up to max_ms; shifting stops early so
     * nothing overflows. */
    int64_t ceiling = base_ms;
    for (int i = 0; i < attempt && ceiling < max_ms; i++)
        ceiling = ceiling > max_ms / 2 ? max_ms : ceiling * 2;
    if (ceiling > max_ms)
        ceiling = max_ms;
    int64_t wait = (int64_t)(random * (double)(ceiling + 1));
    if (wait > ceiling)
        wait = ceiling;
    if (retry_after_ms >= 0) {
        int64_t asked = retry_after_ms;
        if (retry_after_max_ms > 0 && asked > retry_after_max_ms)
            asked = retry_after_max_ms;
        if (wait < asked)
            wait = asked;
    }
    return wait;
}

int64_t am_sync_retry_after_ms(const char *value, int64_t now_s)
{
    int64_t delay_s = 0;
    if (!value || !*value)
        return -1;
    if (am_proto_retry_after(value, now_s, &delay_s) != AM_OK || delay_s < 0)
        return -1;
    /* am_proto_retry_after saturates far below this. */
    if (delay_s > INT64_MAX / 1000)
        delay_s = INT64_MAX / 1000;
    return delay_s * 1000;
}

am_rc am_sync_read_response(const char *body, size_t len, const char *batch,
                            const char (*ids)[AM_PROTO_UUID_LEN + 1], size_t count,
                            am_sync_verdict *verdicts, char *err, size_t errlen)
{
    am_proto_response *resp = NULL;
    char why[256];
    am_rc rc;

    if (!body || !batch || (count > 0 && (!ids || !verdicts)))
        return AM_ERR_INVALID;
    for (size_t i = 0; i < count; i++)
        memset(&verdicts[i], 0, sizeof verdicts[i]);
    rc = am_proto_response_decode(body, len, &resp, why, sizeof why);
    if (rc) {
        snprintf(err, errlen, "the hub's answer is not an ingest response: %s", why);
        goto out;
    }
    if (strcmp(resp->batch, batch) != 0) {
        snprintf(err, errlen, "the hub answered for batch %.36s, not %.36s", resp->batch, batch);
        rc = AM_ERR_INVALID;
        goto out;
    }
    for (size_t r = 0; r < resp->count; r++) {
        const am_proto_result *res = &resp->results[r];
        if (res->index >= count) {
            snprintf(err, errlen, "results[%zu].index %zu is past the batch's %zu records", r,
                     res->index, count);
            rc = AM_ERR_INVALID;
            goto out;
        }
        if (strcmp(res->id, ids[res->index]) != 0) {
            snprintf(err, errlen, "results[%zu]: id does not match record %zu", r, res->index);
            rc = AM_ERR_INVALID;
            goto out;
        }
        am_sync_verdict *v = &verdicts[res->index];
        if (v->answered && v->status != res->status) {
            snprintf(err, errlen, "results[%zu]: record %zu answered twice, differently", r,
                     res->index);
            rc = AM_ERR_INVALID;
            goto out;
        }
        v->answered = true;
        v->status = res->status;
        snprintf(v->reason, sizeof v->reason, "%s", res->reason);
    }
out:
    if (rc)
        for (size_t i = 0; i < count; i++)
            memset(&verdicts[i], 0, sizeof verdicts[i]);
    am_proto_response_free(resp);
    return rc;
}

/* The string member `name` of a JSON object body, or NULL. */
static const char *json_string(const cJSON *root, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

/* Copies text as printable ASCII: a manager reads it and a log keeps it. */
static void copy_printable(char *out, size_t outlen, const char *text, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && text[i] && o + 1 < outlen; i++) {
        unsigned char ch = (unsigned char)text[i];
        out[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    out[o] = '\0';
}

static cJSON *parse_body(const char *body, size_t len)
{
    if (!body || len == 0 || len > SYNC_ERROR_BODY_MAX)
        return NULL;
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (root && !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        root = NULL;
    }
    return root;
}

void am_sync_error_reason(const char *body, size_t len, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return;
    out[0] = '\0';
    cJSON *root = parse_body(body, len);
    const char *reason = root ? json_string(root, "reason") : NULL;
    const char *code = root ? json_string(root, "error") : NULL;
    if (reason && *reason)
        copy_printable(out, outlen, reason, strlen(reason));
    else if (code && *code)
        copy_printable(out, outlen, code, strlen(code));
    else if (body)
        copy_printable(out, outlen, body, len < 200 ? len : 200);
    if (!out[0])
        snprintf(out, outlen, "no reason given");
    cJSON_Delete(root);
}

bool am_sync_hub_disabled(long http_status, const char *body, size_t len)
{
    if (http_status != 403)
        return false;
    cJSON *root = parse_body(body, len);
    const char *code = root ? json_string(root, "error") : NULL;
    bool disabled = code && strcmp(code, "kiosk_disabled") == 0;
    cJSON_Delete(root);
    return disabled;
}

bool am_sync_refusal_is_final(long http_status, const char *body, size_t len)
{
    /* What the hub says about a request that can never succeed as sent:
     * the body is not a batch, its signature headers are malformed, the
     * method is wrong. Every other 4xx says nothing sure about the records
     * (a repeated request, a proxy's or a captive portal's page, a wrong
     * URL path): they are retried, never quarantined. */
    static const char *const final_codes[] = {"bad_batch", "bad_signature", "method_not_allowed"};
    if (am_sync_classify(http_status) != AM_SYNC_CLASS_QUARANTINE)
        return false;
    cJSON *root = parse_body(body, len);
    const char *code = root ? json_string(root, "error") : NULL;
    bool final = false;
    for (size_t i = 0; code && i < sizeof final_codes / sizeof final_codes[0]; i++)
        final = final || strcmp(code, final_codes[i]) == 0;
    cJSON_Delete(root);
    return final;
}
