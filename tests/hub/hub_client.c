/* hub_client.c — the tests' client of amends-hub over libcurl (see
 * hub_client.h). */
#include "hub_client.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "amends/proto.h"
#include "amends/webhook.h"

#define MAX_REPLY (64 * 1024 * 1024)

struct am_hub_client {
    CURL *curl;
    char *base_url;
    char *ca_file;
    char *auth_header;
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen;
};

void am_hub_reply_clear(am_hub_reply *r)
{
    if (!r)
        return;
    free(r->body);
    memset(r, 0, sizeof *r);
}

static void curl_once(void)
{
    static bool done;
    /* The tests and benchmarks call this before starting threads. */
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = true;
    }
}

am_hub_client *am_hub_client_new(const char *base_url, const char *ca_file, const char *token,
                                 const char *secret)
{
    if (sodium_init() < 0 || !base_url || !token)
        return NULL;
    curl_once();
    am_hub_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t n = strlen(token) + 32;
    c->auth_header = malloc(n);
    c->base_url = strdup(base_url);
    c->ca_file = ca_file ? strdup(ca_file) : NULL;
    c->curl = curl_easy_init();
    if (!c->auth_header || !c->base_url || (ca_file && !c->ca_file) || !c->curl)
        goto fail;
    snprintf(c->auth_header, n, "Authorization: Bearer %s", token);
    if (secret && am_webhook_secret_parse(secret, c->key, &c->keylen) != AM_OK)
        goto fail;
    return c;
fail:
    am_hub_client_free(c);
    return NULL;
}

void am_hub_client_free(am_hub_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    if (c->auth_header) {
        sodium_memzero(c->auth_header, strlen(c->auth_header));
        free(c->auth_header);
    }
    sodium_memzero(c->key, sizeof c->key);
    free(c->base_url);
    free(c->ca_file);
    free(c);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    am_hub_reply *r = ud;
    size_t n = size * nmemb;
    if (r->len + n > MAX_REPLY)
        return 0;
    char *grown = realloc(r->body, r->len + n + 1);
    if (!grown)
        return 0;
    r->body = grown;
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

static void copy_header(char *dst, size_t dstlen, const char *value, size_t n)
{
    while (n > 0 && (value[n - 1] == '\r' || value[n - 1] == '\n' || value[n - 1] == ' '))
        n--;
    while (n > 0 && *value == ' ') {
        value++;
        n--;
    }
    if (n >= dstlen)
        n = dstlen - 1;
    memcpy(dst, value, n);
    dst[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    am_hub_reply *r = ud;
    size_t n = size * nmemb;
    if (n > 12 && !strncasecmp(data, "Retry-After:", 12))
        copy_header(r->retry_after, sizeof r->retry_after, data + 12, n - 12);
    else if (n > 20 && !strncasecmp(data, "Idempotent-Replayed:", 20))
        copy_header(r->replayed, sizeof r->replayed, data + 20, n - 20);
    return n;
}

static am_rc perform(am_hub_client *c, const char *method, const char *path,
                     struct curl_slist *headers, const char *body, size_t len, am_hub_reply *out,
                     char *err, size_t errlen)
{
    char url[1024];
    char curl_err[CURL_ERROR_SIZE] = "";
    CURL *h = c->curl;
    memset(out, 0, sizeof *out);
    snprintf(url, sizeof url, "%s%s", c->base_url, path);
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR,
                     strncmp(c->base_url, "http://", 7) == 0 ? "http" : "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (!strcmp(method, "POST")) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    CURLcode cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &out->seconds);
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", url, curl_err[0] ? curl_err : curl_easy_strerror(cc));
        return AM_ERR_IO;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    if (!out->body) {
        out->body = calloc(1, 1);
        if (!out->body)
            return AM_ERR_NOMEM;
    }
    return AM_OK;
}

static struct curl_slist *add(struct curl_slist *list, bool *ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static struct curl_slist *add(struct curl_slist *list, bool *ok, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    struct curl_slist *grown = curl_slist_append(list, line);
    if (!grown) {
        *ok = false;
        return list;
    }
    return grown;
}

am_rc am_hub_client_post_batch_ex(am_hub_client *c, const char *body, size_t len, const char *batch,
                                  const am_hub_sign_override *ov, am_hub_reply *out, char *err,
                                  size_t errlen)
{
    char msg_id[AM_WEBHOOK_ID_MAX + 1];
    char sig[400]; /* room for several signatures in an override */
    char uuid[AM_PROTO_UUID_LEN + 1];
    bool ok = true;
    int64_t ts = (ov && ov->timestamp >= 0) ? ov->timestamp : (int64_t)time(NULL);
    if (ov && ov->msg_id) {
        snprintf(msg_id, sizeof msg_id, "%s", ov->msg_id);
    } else {
        am_proto_uuid_new(uuid);
        snprintf(msg_id, sizeof msg_id, "msg_%.8s%.4s%.4s%.4s%.12s", uuid, uuid + 9, uuid + 14,
                 uuid + 19, uuid + 24);
    }
    if (ov && ov->signature) {
        snprintf(sig, sizeof sig, "%s", ov->signature);
    } else if (am_webhook_sign(c->key, c->keylen, msg_id, ts, body, len, sig, sizeof sig) !=
               AM_OK) {
        snprintf(err, errlen, "cannot sign: no secret or a bad webhook-id");
        return AM_ERR_INVALID;
    }
    struct curl_slist *h = NULL;
    h = add(h, &ok, "%s", c->auth_header);
    h = add(h, &ok, "Content-Type: application/json");
    h = add(h, &ok, "Idempotency-Key: %s", batch);
    h = add(h, &ok, "webhook-id: %s", msg_id);
    h = add(h, &ok, "webhook-timestamp: %lld", (long long)ts);
    h = add(h, &ok, "webhook-signature: %s", sig);
    /* Above 1 MiB, ask first: a hub that will answer 413 says so before
     * the body goes out. Small batches go in one round trip. */
    h = add(h, &ok, len > 1024 * 1024 ? "Expect: 100-continue" : "Expect:");
    am_rc rc = ok ? perform(c, "POST", "/v1/ingest", h, body, len, out, err, errlen) : AM_ERR_NOMEM;
    curl_slist_free_all(h);
    return rc;
}

am_rc am_hub_client_post_batch(am_hub_client *c, const char *body, size_t len, const char *batch,
                               am_hub_reply *out, char *err, size_t errlen)
{
    return am_hub_client_post_batch_ex(c, body, len, batch, NULL, out, err, errlen);
}

am_rc am_hub_client_request(am_hub_client *c, const char *method, const char *path,
                            am_hub_reply *out, char *err, size_t errlen)
{
    bool ok = true;
    struct curl_slist *h = add(NULL, &ok, "%s", c->auth_header);
    am_rc rc = ok ? perform(c, method, path, h, "", 0, out, err, errlen) : AM_ERR_NOMEM;
    curl_slist_free_all(h);
    return rc;
}

am_rc am_hub_client_send_json(am_hub_client *c, const char *method, const char *path,
                              const char *json, am_hub_reply *out, char *err, size_t errlen)
{
    bool ok = true;
    struct curl_slist *h = add(NULL, &ok, "%s", c->auth_header);
    h = add(h, &ok, "Content-Type: application/json");
    am_rc rc =
        ok ? perform(c, method, path, h, json, strlen(json), out, err, errlen) : AM_ERR_NOMEM;
    curl_slist_free_all(h);
    return rc;
}
