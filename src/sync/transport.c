/* transport.c — the sync worker's HTTPS client over libcurl. */
#include "transport.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "amends/clock.h"
#include "amends/proto.h"
#include "amends/webhook.h"

struct sync_transport {
    CURL *curl;
    char *url; /* BASE/v1/ingest */
    char curl_err[CURL_ERROR_SIZE];
    const atomic_bool *stop;
};

void sync_reply_clear(sync_reply *r)
{
    if (!r)
        return;
    free(r->body);
    am_buf_free(&r->buf);
    memset(r, 0, sizeof *r);
}

bool sync_url_allowed(const char *url, char *why, size_t whylen)
{
    static const char *const loopback[] = {"127.0.0.1", "[::1]", "localhost"};
    if (!url || !*url) {
        snprintf(why, whylen, "no hub address (sync.url is empty)");
        return false;
    }
    if (strncmp(url, "https://", 8) == 0 && url[8])
        return true;
    if (strncmp(url, "http://", 7) == 0) {
        const char *host = url + 7;
        for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
            size_t n = strlen(loopback[i]);
            if (strncmp(host, loopback[i], n) == 0 &&
                (host[n] == '\0' || host[n] == ':' || host[n] == '/'))
                return true;
        }
        snprintf(why, whylen,
                 "refused %.200s: plain http:// is only allowed for a hub on this machine "
                 "(127.0.0.1, [::1], localhost); use https://",
                 url);
        return false;
    }
    snprintf(why, whylen, "refused %.200s: the hub address must start with https://", url);
    return false;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    sync_reply *r = ud;
    size_t n = size * nmemb;
    /* Past SYNC_REPLY_MAX curl reports a write error: the answer is refused. */
    return am_buf_add(&r->buf, data, n) == AM_OK ? n : 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    sync_reply *r = ud;
    size_t n = size * nmemb;
    /* A new status line (after a 100 Continue, say) starts a new header set. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        r->retry_after[0] = '\0';
    if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        const char *v = data + 12;
        size_t len = n - 12;
        while (len > 0 && (*v == ' ' || *v == '\t')) {
            v++;
            len--;
        }
        while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
            len--;
        if (len >= sizeof r->retry_after)
            len = sizeof r->retry_after - 1;
        memcpy(r->retry_after, v, len);
        r->retry_after[len] = '\0';
    }
    return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    const sync_transport *t = ud;
    return atomic_load(t->stop) ? 1 : 0;
}

void sync_transport_free(sync_transport *t)
{
    if (!t)
        return;
    if (t->curl)
        curl_easy_cleanup(t->curl);
    free(t->url);
    free(t);
}

sync_transport *sync_transport_new(const sync_transport_options *opt, char *err, size_t errlen)
{
    sync_transport *t = NULL;
    CURLcode cc = CURLE_OK;
    bool https;

    if (!sync_url_allowed(opt->base_url, err, errlen))
        return NULL;
    https = strncmp(opt->base_url, "https://", 8) == 0;
    t = calloc(1, sizeof *t);
    if (!t)
        goto nomem;
    t->stop = opt->stop;
    size_t n = strlen(opt->base_url) + sizeof "/v1/ingest";
    t->url = malloc(n);
    t->curl = curl_easy_init();
    if (!t->url || !t->curl)
        goto nomem;
    snprintf(t->url, n, "%s/v1/ingest", opt->base_url);

    CURL *h = t->curl;
    /* Each setopt can fail only on a bad argument or no memory; collect. */
#define SET(opt_, val_)                                                                            \
    do {                                                                                           \
        if (cc == CURLE_OK)                                                                        \
            cc = curl_easy_setopt(h, opt_, val_);                                                  \
    } while (0)
    SET(CURLOPT_URL, t->url);
    SET(CURLOPT_PROTOCOLS_STR, https ? "https" : "http");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (opt->ca_file && *opt->ca_file)
        SET(CURLOPT_CAINFO, opt->ca_file);
    if (opt->pin && *opt->pin)
        SET(CURLOPT_PINNEDPUBLICKEY, opt->pin);
    SET(CURLOPT_CONNECTTIMEOUT, (long)(opt->connect_timeout_s > 0 ? opt->connect_timeout_s : 10));
    SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
    SET(CURLOPT_LOW_SPEED_TIME, (long)(opt->low_speed_time_s > 0 ? opt->low_speed_time_s : 30));
    SET(CURLOPT_TIMEOUT, (long)(opt->request_timeout_s > 0 ? opt->request_timeout_s : 120));
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_ERRORBUFFER, t->curl_err);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, t);
    SET(CURLOPT_POST, 1L);
    if (opt->user_agent)
        SET(CURLOPT_USERAGENT, opt->user_agent);
#undef SET
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "cannot set up the HTTPS client: %s", curl_easy_strerror(cc));
        sync_transport_free(t);
        return NULL;
    }
    return t;
nomem:
    snprintf(err, errlen, "out of memory");
    sync_transport_free(t);
    return NULL;
}

/* Words a manager can act on, then curl's own detail. */
static void describe(sync_transport *t, CURLcode cc, char *out, size_t outlen)
{
    const char *what;
    switch (cc) {
    case CURLE_PEER_FAILED_VERIFICATION:
        what = "TLS: hub certificate not accepted";
        break;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        what = "TLS: hub public key does not match sync.pin";
        break;
    case CURLE_SSL_CONNECT_ERROR:
        what = "TLS handshake failed (TLS 1.2+ required)";
        break;
    case CURLE_SSL_CACERT_BADFILE:
        what = "TLS: cannot read sync.ca_file";
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        what = "refused: not https";
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        what = "hub name not found";
        break;
    case CURLE_COULDNT_CONNECT: {
        /* curl's own text does not say why; the system's error does. */
        long os = 0;
        if (curl_easy_getinfo(t->curl, CURLINFO_OS_ERRNO, &os) != CURLE_OK)
            os = 0;
        if (os == ECONNREFUSED)
            what = "cannot connect to the hub: connection refused";
        else if (os == ENETUNREACH || os == EHOSTUNREACH)
            what = "cannot connect to the hub: no route to it";
        else
            what = "cannot connect to the hub";
        break;
    }
    case CURLE_OPERATION_TIMEDOUT:
        what = "timed out";
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        what = "aborted: sync stopping";
        break;
    case CURLE_WRITE_ERROR:
        what = "answer refused (over 1 MiB)";
        break;
    default:
        what = curl_easy_strerror(cc);
        break;
    }
    if (t->curl_err[0] && cc != CURLE_ABORTED_BY_CALLBACK)
        snprintf(out, outlen, "%.55s: %.100s", what, t->curl_err);
    else
        snprintf(out, outlen, "%s", what);
}

static struct curl_slist *add(struct curl_slist *list, bool *ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static struct curl_slist *add(struct curl_slist *list, bool *ok, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        *ok = false;
        return list;
    }
    struct curl_slist *grown = curl_slist_append(list, line);
    if (!grown) {
        *ok = false;
        return list;
    }
    return grown;
}

am_rc sync_transport_post(sync_transport *t, const char *token, const uint8_t *key, size_t keylen,
                          const char *batch, const char *body, size_t len, sync_reply *out)
{
    char msg_id[AM_WEBHOOK_ID_MAX + 1];
    char uuid[AM_PROTO_UUID_LEN + 1];
    char sig[AM_WEBHOOK_SIGNATURE_MAX + 8];
    struct curl_slist *headers = NULL;
    bool ok = true;
    am_rc rc = AM_OK;

    memset(out, 0, sizeof *out);
    /* A fresh webhook-id for every delivery attempt: the hub refuses a
     * replayed one. The batch UUID (Idempotency-Key) stays with the batch. */
    am_proto_uuid_new(uuid);
    snprintf(msg_id, sizeof msg_id, "msg_%s", uuid);
    int64_t ts = (int64_t)time(NULL);
    if (am_webhook_sign(key, keylen, msg_id, ts, body, len, sig, sizeof sig) != AM_OK) {
        snprintf(out->transport, sizeof out->transport, "cannot sign the batch: bad secret");
        return AM_ERR_INVALID;
    }
    headers = add(headers, &ok, "Authorization: Bearer %s", token);
    headers = add(headers, &ok, "Content-Type: application/json");
    headers = add(headers, &ok, "Idempotency-Key: %s", batch);
    headers = add(headers, &ok, "webhook-id: %s", msg_id);
    headers = add(headers, &ok, "webhook-timestamp: %lld", (long long)ts);
    headers = add(headers, &ok, "webhook-signature: %s", sig);
    headers = add(headers, &ok, "Expect:");
    if (!ok) {
        snprintf(out->transport, sizeof out->transport, "cannot build the request headers");
        rc = AM_ERR_NOMEM;
        goto out;
    }
    t->curl_err[0] = '\0';
    curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(t->curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(t->curl, CURLOPT_HEADERDATA, out);
    am_buf_init(&out->buf, SYNC_REPLY_MAX);
    int64_t started = am_mono_ms();
    CURLcode cc = curl_easy_perform(t->curl);
    out->latency_ms = am_mono_ms() - started;
    if (cc != CURLE_OK) {
        describe(t, cc, out->transport, sizeof out->transport);
        out->aborted = cc == CURLE_ABORTED_BY_CALLBACK;
        am_buf_free(&out->buf);
        rc = AM_ERR_IO;
        goto out;
    }
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = am_buf_take(&out->buf, &out->len);
    if (!out->body)
        rc = AM_ERR_NOMEM;
out:
    /* The handle must not keep pointers to what is freed here. */
    curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(headers);
    return rc;
}
