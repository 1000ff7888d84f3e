/* hub_mail.c — one email: the RFC 5322 message and its SMTP exchange
 * through libcurl (hub_mail.h).
 *
 * libcurl dot-stuffs the upload and ends DATA with CRLF.CRLF itself; the
 * quoted-printable body also never starts a line with a dot, so the
 * message is the same whichever side would have done it.
 */
#include "hub_mail.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 30000L
#define CONNECT_TIMEOUT_MS 10000L
#define SUBJECT_MAX        2048   /* bytes of UTF-8 */
#define TEXT_MAX           262144 /* bytes of UTF-8 */
#define QP_LINE            76     /* RFC 2045: at most 76 characters a line */
#define WORD_BYTES         45     /* input bytes of one encoded-word: 60 of base64 */

/* --- a growing buffer --------------------------------------------------------------- */

typedef struct buf {
    char *data;
    size_t len, cap;
    bool failed;
} buf;

static void put_n(buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put(buf *b, const char *s)
{
    put_n(b, s, strlen(s));
}

static void putf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(buf *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        b->failed = true;
        return;
    }
    put_n(b, line, (size_t)n);
}

/* --- checks ------------------------------------------------------------------------- */

/* The length of the UTF-8 sequence starting at s (1-4), or 0 when it is
 * not well-formed (overlong forms, surrogates and past U+10FFFF too). */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
            return 0;
        return 3;
    }
    if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
            return 0;
        return 4;
    }
    return 0;
}

/* A copy of s with each byte that is not part of well-formed UTF-8
 * replaced by U+FFFD: a caller that cut a text in the middle of a
 * character still gets its message sent. NULL when out of memory. */
static char *utf8_repaired(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len * 3 + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_len(p);
        if (n) {
            memcpy(out + o, p, n);
            o += n;
            p += n;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        }
    }
    out[o] = '\0';
    return out;
}

static bool is_atext(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

bool hub_mail_address_check(const char *addr, char *why, size_t whylen)
{
    size_t len = addr ? strlen(addr) : 0;
    const char *at = addr ? strchr(addr, '@') : NULL;
    if (!len) {
        snprintf(why, whylen, "is empty");
        return false;
    }
    if (strpbrk(addr, "\r\n")) {
        snprintf(why, whylen, "holds a line break (CR or LF)");
        return false;
    }
    if (len > 254 || !at || at == addr || (size_t)(at - addr) > 64 || strchr(at + 1, '@')) {
        snprintf(why, whylen, "is not a plain address (name@domain, at most 254 characters)");
        return false;
    }
    /* Local part: a dot-atom (no quoted strings, no display name). */
    for (const char *p = addr; p < at; p++) {
        bool dot_ok = *p == '.' && p != addr && p + 1 != at && p[1] != '.';
        if (!is_atext(*p) && !dot_ok) {
            snprintf(why, whylen,
                     "is not a plain ASCII address (name@domain; no display name, no spaces, "
                     "no non-ASCII letters)");
            return false;
        }
    }
    /* Domain: LDH labels of 1 to 63, separated by dots. */
    const char *label = at + 1;
    for (;;) {
        size_t n = strcspn(label, ".");
        size_t ldh =
            strspn(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
        if (n == 0 || n > 63 || ldh != n || label[0] == '-' || label[n - 1] == '-') {
            snprintf(why, whylen, "has no valid domain after '@' (letters, digits, '-', dots)");
            return false;
        }
        if (!label[n])
            break;
        label += n + 1;
    }
    return true;
}

/* "<left@right>": printable ASCII without spaces or angle brackets inside. */
static bool message_id_valid(const char *id)
{
    size_t len = id ? strlen(id) : 0;
    if (len < 5 || len > 250 || id[0] != '<' || id[len - 1] != '>')
        return false;
    const char *at = NULL;
    for (size_t i = 1; i + 1 < len; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\')
            return false;
        if (c == '@') {
            if (at)
                return false;
            at = id + i;
        }
    }
    return at && at > id + 1 && at < id + len - 2;
}

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

static int refuse(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return HUB_SEND_FAIL;
}

/* Every field of m, before anything is built or sent. */
static int check_mail(const hub_mail *m, char *err, size_t errlen)
{
    char why[160];
    if (!hub_mail_address_check(m->from, why, sizeof why))
        return refuse(err, errlen, "mail refused: the sender address %s", why);
    if (m->nto == 0 || m->nto > HUB_MAIL_MAX_RCPT || !m->to)
        return refuse(err, errlen, "mail refused: %zu recipients (1 to %d)", m->nto,
                      HUB_MAIL_MAX_RCPT);
    for (size_t i = 0; i < m->nto; i++)
        if (!hub_mail_address_check(m->to[i], why, sizeof why))
            return refuse(err, errlen, "mail refused: recipient %zu %s", i + 1, why);
    if (!m->subject || strpbrk(m->subject, "\r\n"))
        return refuse(err, errlen, "mail refused: the subject %s",
                      m->subject ? "holds a line break (CR or LF), "
                                   "which could add a header"
                                 : "is missing");
    if (has_control(m->subject))
        return refuse(err, errlen, "mail refused: the subject holds a control character");
    if (strlen(m->subject) > SUBJECT_MAX)
        return refuse(err, errlen, "mail refused: the subject is longer than %d bytes",
                      SUBJECT_MAX);
    /* The body is quoted-printable: any byte of the text is safe in it. */
    if (!m->text)
        return refuse(err, errlen, "mail refused: the text is missing");
    if (strlen(m->text) > TEXT_MAX)
        return refuse(err, errlen, "mail refused: the text is longer than %d bytes", TEXT_MAX);
    if (!message_id_valid(m->message_id))
        return refuse(err, errlen,
                      "mail refused: the Message-ID is not <left@right> in printable ASCII");
    return HUB_SEND_OK;
}

/* --- the message ---------------------------------------------------------------------- */

static void put_date(buf *b, time_t now)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&now, &tm);
    putf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
         months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void put_base64(buf *b, const unsigned char *s, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        char out[4] = {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63],
                       i + 1 < n ? alphabet[(v >> 6) & 63] : '=',
                       i + 2 < n ? alphabet[v & 63] : '='};
        put_n(b, out, 4);
    }
}

/* Printable ASCII that no reader would take for an encoded-word is sent
 * as it is; anything else as encoded-words of whole characters, one per
 * folded line. */
static void put_subject(buf *b, const char *subject)
{
    bool plain = strlen(subject) <= 900 && !strstr(subject, "=?");
    for (const char *p = subject; *p && plain; p++)
        plain = *p >= 0x20 && *p < 0x7f;
    if (plain) {
        putf(b, "Subject: %s\r\n", subject);
        return;
    }
    put(b, "Subject:");
    const unsigned char *p = (const unsigned char *)subject;
    if (!*p)
        put(b, " ");
    while (*p) {
        size_t n = 0;
        while (p[n]) {
            size_t c = utf8_len(p + n);
            if (n + c > WORD_BYTES)
                break;
            n += c;
        }
        put(b, " =?UTF-8?B?");
        put_base64(b, p, n);
        put(b, "?=");
        p += n;
        if (*p)
            put(b, "\r\n");
    }
    put(b, "\r\n");
}

/* Quoted-printable (RFC 2045 6.7), with CRLF hard line breaks; a dot or an
 * "F" (of "From ") starting an output line is encoded too. */
static void put_qp_body(buf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (const char *p = text; *p;) {
        size_t line_len = strcspn(p, "\n");
        size_t end = line_len;
        if (end > 0 && p[end - 1] == '\r')
            end--;
        for (size_t i = 0; i < end; i++) {
            unsigned char c = (unsigned char)p[i];
            bool last = i + 1 == end;
            bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
            if (col == 0 && (c == '.' || c == 'F'))
                literal = false;
            size_t width = literal ? 1 : 3;
            /* Room for the token and, unless the line ends here, a soft break. */
            if (col + width > QP_LINE - (last ? 0 : 1)) {
                put(b, "=\r\n");
                col = 0;
                if (c == '.' || c == 'F')
                    literal = false, width = 3;
            }
            if (literal) {
                put_n(b, (const char *)&c, 1);
            } else {
                char enc[3] = {'=', hex[c >> 4], hex[c & 15]};
                put_n(b, enc, 3);
            }
            col += width;
        }
        put(b, "\r\n");
        col = 0;
        p += line_len;
        if (*p == '\n')
            p++;
    }
}

char *hub_mail_format(const hub_mail *m, time_t now, size_t *len, char *err, size_t errlen)
{
    if (check_mail(m, err, errlen) != HUB_SEND_OK)
        return NULL;
    char *subject = utf8_repaired(m->subject), *text = utf8_repaired(m->text);
    buf b = {.failed = !subject || !text};
    put_date(&b, now);
    putf(&b, "From: %s\r\n", m->from);
    put(&b, "To: ");
    for (size_t i = 0; i < m->nto; i++) {
        put(&b, m->to[i]);
        put(&b, i + 1 < m->nto ? ",\r\n " : "\r\n");
    }
    put_subject(&b, subject ? subject : "");
    putf(&b, "Message-ID: %s\r\n", m->message_id);
    put(&b, "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "Auto-Submitted: auto-generated\r\n"
            "\r\n");
    put_qp_body(&b, text ? text : "");
    free(subject);
    free(text);
    if (b.failed) {
        free(b.data);
        snprintf(err, errlen, "mail refused: out of memory building the message");
        return NULL;
    }
    *len = b.len;
    return b.data;
}

/* --- the server's URL ------------------------------------------------------------------ */

typedef struct server {
    char name[300]; /* "smtp://127.0.0.1:2525": what errors name */
    bool smtps;
    bool loopback;
} server;

static bool host_is_loopback(const char *host)
{
    char bare[64];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof bare) {
        memcpy(bare, host + 1, n - 2);
        bare[n - 2] = '\0';
        struct in6_addr a6;
        return inet_pton(AF_INET6, bare, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    }
    struct in_addr a4;
    return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

static bool parse_server(const char *url, server *out, char *why, size_t whylen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *password = NULL, *query = NULL,
         *fragment = NULL;
    bool ok = false;
    if (!u) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    if (!url || !url[0] || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(why, whylen, "is not a URL (expected smtp://HOST:PORT or smtps://HOST:PORT)");
        goto out;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_PASSWORD, &password, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0);
    if (!scheme || (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0)) {
        snprintf(why, whylen, "must start smtp:// (STARTTLS) or smtps:// (TLS)");
    } else if (!host || !host[0]) {
        snprintf(why, whylen, "names no host");
    } else if (user || password) {
        snprintf(why, whylen,
                 "holds a user or password: put them in [smtp] user and password_file instead");
    } else if (query || fragment) {
        snprintf(why, whylen, "has a query or fragment; an SMTP URL has neither");
    } else {
        snprintf(out->name, sizeof out->name, "%s://%s:%s", scheme, host, port ? port : "");
        out->smtps = strcmp(scheme, "smtps") == 0;
        out->loopback = host_is_loopback(host);
        ok = true;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(password);
    curl_free(query);
    curl_free(fragment);
    curl_url_cleanup(u);
    return ok;
}

bool hub_mail_url_check(const char *url, char *why, size_t whylen)
{
    server s;
    return parse_server(url, &s, why, whylen);
}

bool hub_mail_smtp_from_config(const hub_config *cfg, hub_smtp *out)
{
    memset(out, 0, sizeof *out);
    if (!cfg->smtp_url[0])
        return false;
    out->url = cfg->smtp_url;
    out->user = cfg->smtp_user;
    out->password = cfg->smtp_password;
    out->ca_file = cfg->smtp_ca_file;
    out->timeout_ms = DEFAULT_TIMEOUT_MS;
    return true;
}

/* --- the SMTP exchange ------------------------------------------------------------------ */

typedef struct upload {
    const char *data;
    size_t len, pos;
} upload;

static size_t read_upload(char *dst, size_t size, size_t nmemb, void *user)
{
    upload *up = user;
    size_t n = size * nmemb;
    if (n > up->len - up->pos)
        n = up->len - up->pos;
    memcpy(dst, up->data + up->pos, n);
    up->pos += n;
    return n;
}

/* The server's replies, kept by the debug callback: libcurl hands SMTP
 * replies over as CURLINFO_HEADER_IN. What we send (CURLINFO_HEADER_OUT:
 * addresses, AUTH) is never looked at. The first 4xx/5xx line is the one
 * that matters: after it libcurl still says QUIT and gets a 221. */
typedef struct reply {
    char line[256];    /* the last line */
    char failure[256]; /* the first line with a 4xx or 5xx code */
} reply;

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *user)
{
    (void)h;
    reply *r = user;
    if (type != CURLINFO_HEADER_IN)
        return 0;
    /* The last complete line of this chunk. */
    while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
        size--;
    size_t start = size;
    while (start > 0 && data[start - 1] != '\n')
        start--;
    size_t n = size - start;
    if (n >= sizeof r->line)
        n = sizeof r->line - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[start + i];
        r->line[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    r->line[n] = '\0';
    if (!r->failure[0] && (r->line[0] == '4' || r->line[0] == '5'))
        memcpy(r->failure, r->line, sizeof r->failure);
    return 0;
}

/* The reply with every word holding an '@' replaced: a server quoting
 * a recipient back must not put the address into our logs. */
static void redact(const char *line, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = line; *p && o + 1 < outlen;) {
        size_t sp = strspn(p, " ");
        size_t word = strcspn(p + sp, " ");
        bool address = memchr(p + sp, '@', word) != NULL;
        int n = snprintf(out + o, outlen - o, "%.*s%.*s", (int)sp, p, address ? 9 : (int)word,
                         address ? "<address>" : p + sp);
        if (n < 0)
            break;
        o += (size_t)n < outlen - o ? (size_t)n : outlen - o - 1;
        p += sp + word;
    }
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static bool tls_failure(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
           rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
           rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_ISSUER_ERROR ||
           rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_SSL_INVALIDCERTSTATUS;
}

/* What a failed exchange comes to, and its err text. */
static int classify(const server *s, CURLcode rc, long code, const reply *r, const char *curl_err,
                    char *err, size_t errlen)
{
    char said[256];
    const char *detail = curl_err[0] ? curl_err : curl_easy_strerror(rc);
    if (r->failure[0])
        code = atol(r->failure);
    redact(r->failure[0] ? r->failure : r->line, said, sizeof said);
    if (code >= 400 && code <= 599 && said[0]) {
        snprintf(err, errlen, "%s: %s", s->name, said);
        return code >= 500 ? HUB_SEND_FAIL : HUB_SEND_RETRY;
    }
    if (code >= 400 && code <= 599) {
        snprintf(err, errlen, "%s: %ld (%s)", s->name, code, detail);
        return code >= 500 ? HUB_SEND_FAIL : HUB_SEND_RETRY;
    }
    if (rc == CURLE_USE_SSL_FAILED)
        snprintf(err, errlen,
                 "%s: the server does not offer STARTTLS, and mail is sent over TLS only", s->name);
    else if (tls_failure(rc))
        snprintf(err, errlen, "%s: TLS failed, nothing sent: %s", s->name, detail);
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        snprintf(err, errlen, "%s: no answer in time: %s", s->name, detail);
    else if (code == 354)
        snprintf(err, errlen,
                 "%s: the connection was lost before the server accepted the message: %s", s->name,
                 detail);
    else
        snprintf(err, errlen, "%s: %s", s->name, detail);
    return HUB_SEND_RETRY;
}

#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (curl_easy_setopt(h, opt, val) != CURLE_OK) {                                           \
            snprintf(err, errlen, "%s: libcurl refused option " #opt, s.name);                     \
            result = HUB_SEND_FAIL;                                                                \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

int hub_mail_send(const hub_smtp *smtp, const hub_mail *m, char *err, size_t errlen)
{
    server s = {0};
    char why[160], curl_err[CURL_ERROR_SIZE] = "";
    int result = HUB_SEND_FAIL;
    CURL *h = NULL;
    struct curl_slist *rcpt = NULL;
    char *message = NULL;
    size_t len = 0;
    reply r = {{0}, {0}};

    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK)
        return refuse(err, errlen, "smtp: libcurl did not start: %s",
                      curl_easy_strerror(curl_init_rc));
    if (!parse_server(smtp->url, &s, why, sizeof why))
        return refuse(err, errlen, "smtp url %s", why);
    message = hub_mail_format(m, time(NULL), &len, err, errlen);
    if (!message)
        return HUB_SEND_FAIL;
    bool plain = !s.smtps && smtp->allow_plain_loopback && s.loopback;
    long timeout = smtp->timeout_ms > 0 ? smtp->timeout_ms : DEFAULT_TIMEOUT_MS;
    upload up = {message, len, 0};
    char addr[300];

    h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "%s: libcurl could not make a handle", s.name);
        result = HUB_SEND_RETRY;
        goto out;
    }
    SET(CURLOPT_URL, smtp->url);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SET(CURLOPT_USE_SSL, (long)(plain ? CURLUSESSL_NONE : CURLUSESSL_ALL));
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (smtp->ca_file && smtp->ca_file[0])
        SET(CURLOPT_CAINFO, smtp->ca_file);
    if (smtp->user && smtp->user[0]) {
        SET(CURLOPT_USERNAME, smtp->user);
        SET(CURLOPT_PASSWORD, smtp->password ? smtp->password : "");
    }
    snprintf(addr, sizeof addr, "<%s>", m->from);
    SET(CURLOPT_MAIL_FROM, addr);
    for (size_t i = 0; i < m->nto; i++) {
        snprintf(addr, sizeof addr, "<%s>", m->to[i]);
        struct curl_slist *next = curl_slist_append(rcpt, addr);
        if (!next) {
            snprintf(err, errlen, "%s: out of memory", s.name);
            result = HUB_SEND_RETRY;
            goto out;
        }
        rcpt = next;
    }
    SET(CURLOPT_MAIL_RCPT, rcpt);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, read_upload);
    SET(CURLOPT_READDATA, &up);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    SET(CURLOPT_TIMEOUT_MS, timeout);
    SET(CURLOPT_CONNECTTIMEOUT_MS, timeout < CONNECT_TIMEOUT_MS ? timeout : CONNECT_TIMEOUT_MS);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, curl_err);
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, &r);
    SET(CURLOPT_VERBOSE, 1L);

    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK)
        result = HUB_SEND_OK;
    else
        result = classify(&s, rc, code, &r, curl_err, err, errlen);
out:
    curl_easy_cleanup(h);
    curl_slist_free_all(rcpt);
    free(message);
    return result;
}
