/* test_hub_mail.c — email from the hub as a mail server receives it:
 * hub_mail_send talks to a real SMTP server on 127.0.0.1 (smtp_server.h),
 * and each case reads what landed in its mailbox, or checks that nothing
 * did. Certificates come from the openssl command line (hub_harness.h): a
 * test CA and a certificate for 127.0.0.1, plus a CA nobody signed with.
 * [smtp] in hub.conf is checked here too. */
#include "hub_harness.h"
#include "hub_mail.h"
#include "smtp_server.h"

#define TIMEOUT_MS 10000L

typedef struct mail_test {
    harness h; /* dir and certificates only: no hub is started */
    char other_ca[700];
    char cert[700], key[700];
    smtp_server *srv;
    char url[128];
    char err[1024];
} mail_test;

static const char *const two_rcpt[] = {"duty@hotel.example", "frontdesk@hotel.example"};

static int setup(void **state)
{
    mail_test *t = calloc(1, sizeof *t);
    assert_non_null(t);
    *state = t;
    am_test_tmpdir(t->h.dir, sizeof t->h.dir, "hub-mail");
    h_make_certs(&t->h);
    snprintf(t->cert, sizeof t->cert, "%s/hub.crt", t->h.dir);
    snprintf(t->key, sizeof t->key, "%s/hub.key", t->h.dir);
    snprintf(t->other_ca, sizeof t->other_ca, "%s/other-ca.crt", t->h.dir);
    char script[1400];
    snprintf(script, sizeof script,
             "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
             " -keyout other-ca.key -out other-ca.crt -days 2 -subj '/CN=unknown CA'"
             " 2>/dev/null",
             t->h.dir);
    assert_int_equal(h_sh(script, NULL, NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    mail_test *t = *state;
    smtp_server_stop(t->srv);
    am_test_rmtree(t->h.dir);
    free(t);
    return 0;
}

/* Starts the server: with STARTTLS (required) and AUTH when tls is set;
 * with TLS from the first byte (smtps://) when implicit is set too. */
static void start_server_with(mail_test *t, bool tls, bool implicit)
{
    char err[512];
    smtp_server_opts o = {.implicit_tls = implicit};
    if (tls) {
        o.cert_file = t->cert;
        o.key_file = t->key;
        o.require_tls = true;
        o.user = "amends";
        o.password = "s3cret pass";
    }
    t->srv = smtp_server_start(&o, err, sizeof err);
    if (!t->srv)
        fail_msg("%s", err);
    snprintf(t->url, sizeof t->url, "%s://127.0.0.1:%d", implicit ? "smtps" : "smtp",
             smtp_server_port(t->srv));
}

static void start_server(mail_test *t, bool tls)
{
    start_server_with(t, tls, false);
}

static hub_smtp plain_smtp(mail_test *t)
{
    return (hub_smtp){.url = t->url, .allow_plain_loopback = true, .timeout_ms = TIMEOUT_MS};
}

static hub_smtp tls_smtp(mail_test *t, const char *ca)
{
    return (hub_smtp){.url = t->url,
                      .user = "amends",
                      .password = "s3cret pass",
                      .ca_file = ca,
                      .timeout_ms = TIMEOUT_MS};
}

static hub_mail a_mail(const char *subject, const char *text)
{
    return (hub_mail){.from = "amends@hotel.example",
                      .to = two_rcpt,
                      .nto = 2,
                      .subject = subject,
                      .text = text,
                      .message_id = "<outbox-42.7f3a@hub.hotel.example>"};
}

/* --- reading a message ------------------------------------------------------------- */

/* The value of header `name` (unfolded: CRLF + space removed), malloc'd,
 * or NULL. */
static char *header(const char *data, const char *name)
{
    size_t nlen = strlen(name);
    const char *end = strstr(data, "\r\n\r\n");
    assert_non_null(end);
    for (const char *line = data; line < end;) {
        if (!strncasecmp(line, name, nlen) && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            char *out = calloc(1, 4096);
            size_t o = 0;
            for (;;) {
                size_t n = strcspn(v, "\r");
                memcpy(out + o, v, n);
                o += n;
                v += n + 2;
                if (*v != ' ' && *v != '\t')
                    break; /* unfolding removes the CRLF, keeps the space */
            }
            return out;
        }
        line = strstr(line, "\r\n") + 2;
    }
    return NULL;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The body, quoted-printable decoded, with "\n" line ends; malloc'd. Also
 * checks the body's lines are 7-bit, at most 76 characters, and CRLF. */
static char *qp_body(const char *data)
{
    const char *p = strstr(data, "\r\n\r\n");
    assert_non_null(p);
    p += 4;
    char *out = calloc(1, strlen(p) + 1);
    size_t o = 0;
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        size_t n = (size_t)(eol - p);
        if (n > 76)
            fail_msg("body line of %zu characters: %.*s", n, (int)n, p);
        assert_null(memchr(p, '\n', n));
        if (n > 0 && p[0] == '.')
            fail_msg("a body line starts with a dot: %.*s", (int)n, p);
        bool soft = n > 0 && p[n - 1] == '=';
        for (size_t i = 0; i < (soft ? n - 1 : n); i++) {
            assert_true((unsigned char)p[i] < 0x80);
            if (p[i] == '=') {
                int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
                assert_true(hi >= 0 && lo >= 0);
                out[o++] = (char)(hi * 16 + lo);
                i += 2;
            } else {
                out[o++] = p[i];
            }
        }
        if (!soft)
            out[o++] = '\n';
        p = eol + 2;
    }
    return out;
}

static size_t b64_decode(const char *in, size_t n, unsigned char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n && in[i] != '='; i++) {
        const char *c = strchr(alphabet, in[i]);
        assert_non_null(c);
        acc = (acc << 6) | (uint32_t)(c - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}

/* An unfolded Subject of encoded-words, decoded. */
static void decode_words(const char *value, char *out, size_t outlen)
{
    size_t o = 0;
    const char *p = value;
    while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
        p += strlen("=?UTF-8?B?");
        const char *end = strstr(p, "?=");
        assert_non_null(end);
        assert_true(o + (size_t)(end - p) < outlen);
        o += b64_decode(p, (size_t)(end - p), (unsigned char *)out + o);
        p = end + 2;
    }
    out[o] = '\0';
}

static void assert_crlf_lines(const char *data, size_t len, size_t max)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n')
            continue;
        if (i == 0 || data[i - 1] != '\r')
            fail_msg("a bare LF at byte %zu", i);
        if (i - 1 - start > max)
            fail_msg("a line of %zu characters: %.*s", i - 1 - start, (int)(i - 1 - start),
                     data + start);
        start = i + 1;
    }
    assert_int_equal(start, len); /* ends with CRLF */
}

static const smtp_message *only_message(mail_test *t)
{
    assert_true(smtp_server_wait(t->srv, 1, TIMEOUT_MS));
    assert_int_equal(smtp_server_count(t->srv), 1);
    return smtp_server_message(t->srv, 0);
}

/* --- the message ---------------------------------------------------------------------- */

static const char body_text[] =
    "Case HTL-7KQ2: the guest asked for staff now.\n"
    ".a line that starts with a dot\n"
    "..two dots\n"
    ".\n"
    "From the front desk, with = signs = and trailing space \n"
    "Zimmer 214 — Heizung aus; café ☕; 你好; مرحبا\r\n"
    "A long line: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
    "tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.\n"
    "\n"
    "Last line without a newline";

static void message_arrives_with_headers_and_body(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    hub_smtp smtp = plain_smtp(t);
    hub_mail m = a_mail("Urgent: HTL-7KQ2 staff now (room 214)", body_text);
    int rc = hub_mail_send(&smtp, &m, t->err, sizeof t->err);
    if (rc != 0)
        fail_msg("send: %d %s", rc, t->err);
    const smtp_message *got = only_message(t);
    assert_string_equal(got->mail_from, "amends@hotel.example");
    assert_int_equal(got->nrcpt, 2);
    assert_string_equal(got->rcpt[0], "duty@hotel.example");
    assert_string_equal(got->rcpt[1], "frontdesk@hotel.example");
    assert_false(got->tls);
    assert_crlf_lines(got->data, got->len, 998);

    char *v = header(got->data, "From");
    assert_string_equal(v, "amends@hotel.example");
    free(v);
    v = header(got->data, "To");
    assert_string_equal(v, "duty@hotel.example, frontdesk@hotel.example");
    free(v);
    v = header(got->data, "Subject");
    assert_string_equal(v, "Urgent: HTL-7KQ2 staff now (room 214)");
    free(v);
    v = header(got->data, "Message-ID");
    assert_string_equal(v, "<outbox-42.7f3a@hub.hotel.example>");
    free(v);
    v = header(got->data, "MIME-Version");
    assert_string_equal(v, "1.0");
    free(v);
    v = header(got->data, "Content-Type");
    assert_string_equal(v, "text/plain; charset=UTF-8");
    free(v);
    v = header(got->data, "Content-Transfer-Encoding");
    assert_string_equal(v, "quoted-printable");
    free(v);
    /* Date: RFC 5322, in UTC, within a minute of now. */
    v = header(got->data, "Date");
    assert_non_null(v);
    struct tm tm = {0};
    const char *rest = strptime(v, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    if (!rest || *rest)
        fail_msg("Date: '%s' is not RFC 5322 in UTC", v);
    time_t when = timegm(&tm);
    assert_true(labs((long)(when - time(NULL))) < 60);
    free(v);

    char *body = qp_body(got->data);
    char want[sizeof body_text + 8];
    /* CRLF in the text is a line end like LF; the last line gets one. */
    snprintf(want, sizeof want, "%s\n", body_text);
    char *crlf = strstr(want, "\r\n");
    memmove(crlf, crlf + 1, strlen(crlf));
    assert_string_equal(body, want);
    free(body);
}

static void utf8_subject_is_encoded(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    hub_smtp smtp = plain_smtp(t);
    const char *subject = "Dringend: HTL-7KQ2 — Gast wünscht sofort Personal, Zimmer 214 ☎ "
                          "紧急：客人要求立即派员工 · عاجل";
    hub_mail m = a_mail(subject, "text\n");
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), 0);
    const smtp_message *got = only_message(t);
    assert_crlf_lines(got->data, got->len, 78 + 9);
    char *v = header(got->data, "Subject");
    assert_non_null(v);
    /* Only encoded-words on the wire: 7-bit, none longer than 75. */
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        assert_true(*p < 0x80);
    assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
    char decoded[1024];
    decode_words(v, decoded, sizeof decoded);
    assert_string_equal(decoded, subject);
    free(v);
}

/* A subject or text cut in the middle of a character still goes, with
 * U+FFFD for the broken bytes; a control character in the body is
 * quoted-printable like any other byte. */
static void broken_utf8_is_replaced_not_refused(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    hub_smtp smtp = plain_smtp(t);
    hub_mail m = a_mail("Zimmer 214 \xe2\x80", "caf\xc3 \xff tab\tvt\x0b\n");
    int rc = hub_mail_send(&smtp, &m, t->err, sizeof t->err);
    if (rc != 0)
        fail_msg("send: %d %s", rc, t->err);
    const smtp_message *got = only_message(t);
    char *v = header(got->data, "Subject");
    char decoded[256];
    decode_words(v, decoded, sizeof decoded);
    assert_string_equal(decoded, "Zimmer 214 \xef\xbf\xbd\xef\xbf\xbd");
    free(v);
    char *body = qp_body(got->data);
    assert_string_equal(body, "caf\xef\xbf\xbd \xef\xbf\xbd tab\tvt\x0b\n");
    free(body);
}

static void message_id_is_kept_when_sent_again(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    hub_smtp smtp = plain_smtp(t);
    hub_mail m = a_mail("Case HTL-7KQ2 overdue", "text\n");
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), 0);
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), 0);
    assert_true(smtp_server_wait(t->srv, 2, TIMEOUT_MS));
    for (size_t i = 0; i < 2; i++) {
        char *v = header(smtp_server_message(t->srv, i)->data, "Message-ID");
        assert_string_equal(v, "<outbox-42.7f3a@hub.hotel.example>");
        free(v);
    }
}

/* --- TLS ----------------------------------------------------------------------------- */

static void starttls_verified_against_the_test_ca(void **state)
{
    mail_test *t = *state;
    start_server(t, true);
    hub_smtp smtp = tls_smtp(t, t->h.ca);
    hub_mail m = a_mail("over TLS", "text\n");
    int rc = hub_mail_send(&smtp, &m, t->err, sizeof t->err);
    if (rc != 0)
        fail_msg("send: %d %s", rc, t->err);
    const smtp_message *got = only_message(t);
    assert_true(got->tls);
    assert_string_equal(got->auth_user, "amends");
}

static void smtps_verified_against_the_test_ca(void **state)
{
    mail_test *t = *state;
    start_server_with(t, true, true);
    hub_smtp smtp = tls_smtp(t, t->h.ca);
    hub_mail m = a_mail("over TLS from the start", "text\n");
    int rc = hub_mail_send(&smtp, &m, t->err, sizeof t->err);
    if (rc != 0)
        fail_msg("send: %d %s", rc, t->err);
    const smtp_message *got = only_message(t);
    assert_true(got->tls);
    assert_string_equal(got->auth_user, "amends");
}

static void starttls_refused_against_an_unknown_ca(void **state)
{
    mail_test *t = *state;
    start_server(t, true);
    hub_smtp smtp = tls_smtp(t, t->other_ca);
    hub_mail m = a_mail("over TLS", "text\n");
    int rc = hub_mail_send(&smtp, &m, t->err, sizeof t->err);
    assert_int_equal(rc, HUB_SEND_RETRY);
    char want[200];
    snprintf(want, sizeof want, "%s: TLS failed, nothing sent: ", t->url);
    if (strncmp(t->err, want, strlen(want)) != 0)
        fail_msg("err: %s", t->err);
    assert_int_equal(smtp_server_connections(t->srv), 1);
    assert_int_equal(smtp_server_count(t->srv), 0);
}

static void wrong_password_is_fail(void **state)
{
    mail_test *t = *state;
    start_server(t, true);
    hub_smtp smtp = tls_smtp(t, t->h.ca);
    smtp.password = "not it";
    hub_mail m = a_mail("over TLS", "text\n");
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_FAIL);
    char want[200];
    snprintf(want, sizeof want, "%s: 535 5.7.8 Authentication credentials invalid", t->url);
    assert_string_equal(t->err, want);
    assert_false(strstr(t->err, "not it"));
    assert_int_equal(smtp_server_count(t->srv), 0);
}

/* Without allow_plain_loopback a server that offers no STARTTLS gets no
 * mail; with it, the same server gets it. */
static void plain_to_loopback_only_when_allowed(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    hub_smtp smtp = plain_smtp(t);
    smtp.allow_plain_loopback = false;
    hub_mail m = a_mail("plain", "text\n");
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_RETRY);
    char want[200];
    snprintf(want, sizeof want,
             "%s: the server does not offer STARTTLS, and mail is sent over TLS only", t->url);
    assert_string_equal(t->err, want);
    assert_int_equal(smtp_server_count(t->srv), 0);
    smtp.allow_plain_loopback = true;
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), 0);
    assert_int_equal(smtp_server_count(t->srv), 1);
}

/* "localhost" is a name, not a loopback address: plain is not allowed. */
static void plain_refused_for_a_host_name(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    char url[128];
    snprintf(url, sizeof url, "smtp://localhost:%d", smtp_server_port(t->srv));
    hub_smtp smtp = plain_smtp(t);
    smtp.url = url;
    hub_mail m = a_mail("plain", "text\n");
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_RETRY);
    assert_non_null(strstr(t->err, "does not offer STARTTLS"));
    assert_int_equal(smtp_server_count(t->srv), 0);
}

/* --- replies ---------------------------------------------------------------------------- */

static void rcpt_451_is_retry(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    smtp_server_answer(t->srv, SMTP_AT_RCPT, "451 4.3.0 Try again later", 1);
    hub_smtp smtp = plain_smtp(t);
    hub_mail m = a_mail("retry", "text\n");
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_RETRY);
    char want[200];
    snprintf(want, sizeof want, "%s: 451 4.3.0 Try again later", t->url);
    assert_string_equal(t->err, want);
    assert_int_equal(smtp_server_count(t->srv), 0);
    /* The next attempt goes through, once. */
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), 0);
    assert_int_equal(smtp_server_count(t->srv), 1);
}

static void data_550_is_fail(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    smtp_server_answer(t->srv, SMTP_AT_DATA_END, "550 5.1.1 mailbox unavailable", -1);
    hub_smtp smtp = plain_smtp(t);
    hub_mail m = a_mail("fail", "text\n");
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_FAIL);
    char want[200];
    snprintf(want, sizeof want, "%s: 550 5.1.1 mailbox unavailable", t->url);
    assert_string_equal(t->err, want);
    assert_int_equal(smtp_server_count(t->srv), 0);
}

/* A server quoting the recipient back: the address stays out of err. */
static void reply_naming_an_address_is_redacted(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    smtp_server_answer(t->srv, SMTP_AT_RCPT,
                       "550 5.1.1 <duty@hotel.example>: Recipient address rejected", 1);
    hub_smtp smtp = plain_smtp(t);
    hub_mail m = a_mail("fail", "text\n");
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_FAIL);
    char want[200];
    snprintf(want, sizeof want, "%s: 550 5.1.1 <address> Recipient address rejected", t->url);
    assert_string_equal(t->err, want);
}

static void connection_refused_is_retry(void **state)
{
    mail_test *t = *state;
    /* A port that was just free: bound, then closed without listening. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    snprintf(t->url, sizeof t->url, "smtp://127.0.0.1:%d", ntohs(a.sin_port));
    hub_smtp smtp = plain_smtp(t);
    hub_mail m = a_mail("nobody", "text\n");
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_RETRY);
    close(fd);
    char want[200];
    snprintf(want, sizeof want, "%s: ", t->url);
    assert_true(strncmp(t->err, want, strlen(want)) == 0);
}

/* A server that takes the connection and never answers: retry, within
 * the timeout. */
static void no_answer_in_time_is_retry(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    smtp_server_silent(t->srv, SMTP_AT_GREETING, -1);
    hub_smtp smtp = plain_smtp(t);
    smtp.timeout_ms = 300;
    hub_mail m = a_mail("hangs", "text\n");
    int64_t t0 = h_now_ms();
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_RETRY);
    int64_t took = h_now_ms() - t0;
    assert_true(took >= 250 && took < 5000);
    char want[200];
    snprintf(want, sizeof want, "%s: no answer in time: ", t->url);
    if (strncmp(t->err, want, strlen(want)) != 0)
        fail_msg("err: %s", t->err);
    assert_int_equal(smtp_server_count(t->srv), 0);
}

static void reset_mid_data_is_retry(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    smtp_server_reset(t->srv, SMTP_AT_DATA_END, false, 1);
    hub_smtp smtp = plain_smtp(t);
    hub_mail m = a_mail("reset", body_text);
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_RETRY);
    char want[200];
    snprintf(want, sizeof want, "%s: ", t->url);
    assert_true(strncmp(t->err, want, strlen(want)) == 0);
    assert_int_equal(smtp_server_count(t->srv), 0);
    assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), 0);
    assert_int_equal(smtp_server_count(t->srv), 1);
}

/* The server took the message and then dropped the line before QUIT:
 * that is delivered, once. */
static void reset_after_data_answer_is_delivered(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    smtp_server_reset(t->srv, SMTP_AT_DATA_END, true, 1);
    hub_smtp smtp = plain_smtp(t);
    hub_mail m = a_mail("reset", "text\n");
    int rc = hub_mail_send(&smtp, &m, t->err, sizeof t->err);
    if (rc != 0)
        fail_msg("send: %d %s", rc, t->err);
    assert_int_equal(smtp_server_count(t->srv), 1);
}

/* --- refused before sending ----------------------------------------------------------------- */

static void header_injection_is_refused(void **state)
{
    mail_test *t = *state;
    start_server(t, false);
    hub_smtp smtp = plain_smtp(t);
    static const char *const bad_to[] = {"duty@hotel.example\r\nBcc: spy@evil.example"};
    static const char *const named_to[] = {"Duty Manager <duty@hotel.example>"};
    struct {
        hub_mail m;
        const char *why;
    } cases[] = {
        {a_mail("Room 214\r\nBcc: spy@evil.example", "x\n"), "the subject holds a line break"},
        {a_mail("Room 214\nBcc: spy@evil.example", "x\n"), "the subject holds a line break"},
        {a_mail("Room\r214", "x\n"), "the subject holds a line break"},
        {a_mail("Room 214", "x\n"), "recipient 1 holds a line break"},
        {a_mail("Room 214", "x\n"), "recipient 1 is not a plain ASCII address"},
        {a_mail("Room 214", "x\n"), "the sender address holds a line break"},
        {a_mail("Room 214", "x\n"), "the Message-ID is not"},
        {a_mail("Room\x01 214", "x\n"), "the subject holds a control character"},
    };
    cases[3].m.to = bad_to;
    cases[3].m.nto = 1;
    cases[4].m.to = named_to;
    cases[4].m.nto = 1;
    cases[5].m.from = "amends@hotel.example\r\nBcc: spy@evil.example";
    cases[6].m.message_id = "<a@b>\r\nBcc: spy@evil.example";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t->err[0] = '\0';
        assert_int_equal(hub_mail_send(&smtp, &cases[i].m, t->err, sizeof t->err), HUB_SEND_FAIL);
        char want[200];
        snprintf(want, sizeof want, "mail refused: %s", cases[i].why);
        if (strncmp(t->err, want, strlen(want)) != 0)
            fail_msg("case %zu: expected '%s...', got '%s'", i, want, t->err);
        assert_null(strstr(t->err, "spy@evil.example"));
    }
    /* Refused before connecting. */
    assert_int_equal(smtp_server_connections(t->srv), 0);
}

static void bad_url_is_refused(void **state)
{
    mail_test *t = *state;
    hub_mail m = a_mail("x", "x\n");
    static const struct {
        const char *url, *why;
    } cases[] = {
        {"http://127.0.0.1:25", "smtp url must start smtp:// (STARTTLS) or smtps:// (TLS)"},
        {"smtp://amends:pw@127.0.0.1:25",
         "smtp url holds a user or password: put them in [smtp] user and password_file instead"},
        {"smtp://127.0.0.1:25/?x=1", "smtp url has a query or fragment; an SMTP URL has neither"},
        {"", "smtp url is not a URL (expected smtp://HOST:PORT or smtps://HOST:PORT)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hub_smtp smtp = {.url = cases[i].url, .allow_plain_loopback = true};
        assert_int_equal(hub_mail_send(&smtp, &m, t->err, sizeof t->err), HUB_SEND_FAIL);
        assert_string_equal(t->err, cases[i].why);
    }
}

/* --- [smtp] in hub.conf ------------------------------------------------------------------ */

static am_rc load_conf(mail_test *t, const char *smtp_section, hub_config *cfg)
{
    char path[700], text[2048];
    snprintf(path, sizeof path, "%s/hub.conf", t->h.dir);
    snprintf(text, sizeof text, "[hub]\ntls = off\n[db]\npath = hub.db\n[smtp]\n%s", smtp_section);
    h_write(path, text);
    return hub_config_load(path, cfg, t->err, sizeof t->err);
}

static void smtp_config_is_read(void **state)
{
    mail_test *t = *state;
    char path[700], conf[1400];
    snprintf(path, sizeof path, "%s/smtp.pass", t->h.dir);
    h_write_secret(path, "s3cret pass\n");
    snprintf(conf, sizeof conf,
             "url = smtp://mail.hotel.example:587\nuser = amends\npassword_file = smtp.pass\n"
             "from = amends@hotel.example\nca_file = ca.crt\n");
    hub_config cfg;
    if (load_conf(t, conf, &cfg) != AM_OK)
        fail_msg("%s", t->err);
    assert_string_equal(cfg.smtp_url, "smtp://mail.hotel.example:587");
    assert_string_equal(cfg.smtp_user, "amends");
    assert_string_equal(cfg.smtp_password_file, path);
    assert_string_equal(cfg.smtp_password, "s3cret pass");
    assert_string_equal(cfg.smtp_from, "amends@hotel.example");
    assert_string_equal(cfg.smtp_ca_file, t->h.ca);
    hub_smtp smtp;
    assert_true(hub_mail_smtp_from_config(&cfg, &smtp));
    assert_string_equal(smtp.url, cfg.smtp_url);
    assert_string_equal(smtp.password, "s3cret pass");
    assert_false(smtp.allow_plain_loopback);
    assert_true(smtp.timeout_ms > 0);
    /* No [smtp] url: no email. */
    assert_int_equal(load_conf(t, "", &cfg), AM_OK);
    assert_false(hub_mail_smtp_from_config(&cfg, &smtp));
}

static void smtp_password_file_others_can_read_is_refused(void **state)
{
    mail_test *t = *state;
    char path[700], conf[1400], want[2048];
    snprintf(path, sizeof path, "%s/smtp.pass", t->h.dir);
    h_write_secret(path, "s3cret pass\n");
    assert_int_equal(chmod(path, 0644), 0);
    snprintf(conf, sizeof conf,
             "url = smtp://mail.hotel.example:587\nuser = amends\npassword_file = %s\n"
             "from = amends@hotel.example\n",
             path);
    hub_config cfg;
    assert_int_equal(load_conf(t, conf, &cfg), AM_ERR_CONFIG);
    snprintf(want, sizeof want,
             "%s/hub.conf:8: password_file: [smtp] password_file %s: has mode 0644; it must be "
             "0600 or 0400 so that no one else can read it (chmod 600 %s)",
             t->h.dir, path, path);
    assert_string_equal(t->err, want);
    assert_null(strstr(t->err, "s3cret"));
}

static void smtp_bad_config_names_line_and_key(void **state)
{
    mail_test *t = *state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"url = https://mail.hotel.example\n",
         "6: url: 'https://mail.hotel.example' must start smtp:// (STARTTLS) or smtps:// (TLS)"},
        {"url = smtp://amends:pw@mail.hotel.example:587\n",
         "6: url: 'smtp://amends:pw@mail.hotel.example:587' holds a user or password: put them "
         "in [smtp] user and password_file instead"},
        {"url = smtp://mail.hotel.example:587\nfrom = Amends <amends@hotel.example>\n",
         "7: from: 'Amends <amends@hotel.example>' is not a plain ASCII address (name@domain; "
         "no display name, no spaces, no non-ASCII letters)"},
        {"url = smtp://mail.hotel.example:587\n", "6: from: [smtp] url is set and needs from "
                                                  "(the sender address)"},
        {"from = amends@hotel.example\n",
         "6: url: [smtp] has settings but no url (smtp://HOST:587 or smtps://HOST:465)"},
        {"url = smtp://m.example:587\nfrom = a@hotel.example\nuser = amends\n",
         "8: password_file: [smtp] user is set and needs password_file"},
        {"ca_file = nowhere.crt\n", "6: ca_file: %s/nowhere.crt: No such file or directory"},
        {"password_file = nowhere.pass\n",
         "6: password_file: [smtp] password_file %s/nowhere.pass: cannot open: No such file or "
         "directory"},
        {"port = 25\n", "6: port: unknown key in [smtp]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hub_config cfg;
        char expect[600], want[1400];
        assert_int_equal(load_conf(t, cases[i].text, &cfg), AM_ERR_CONFIG);
        /* "%s" in a case stands for the test's directory. */
        const char *dir_at = strstr(cases[i].expect, "%s");
        if (dir_at)
            snprintf(expect, sizeof expect, "%.*s%s%s", (int)(dir_at - cases[i].expect),
                     cases[i].expect, t->h.dir, dir_at + 2);
        else
            snprintf(expect, sizeof expect, "%s", cases[i].expect);
        snprintf(want, sizeof want, "%s/hub.conf:%s", t->h.dir, expect);
        if (strcmp(t->err, want) != 0)
            fail_msg("case %zu: expected '%s', got '%s'", i, want, t->err);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(message_arrives_with_headers_and_body, setup, teardown),
    cmocka_unit_test_setup_teardown(utf8_subject_is_encoded, setup, teardown),
    cmocka_unit_test_setup_teardown(broken_utf8_is_replaced_not_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(message_id_is_kept_when_sent_again, setup, teardown),
    cmocka_unit_test_setup_teardown(starttls_verified_against_the_test_ca, setup, teardown),
    cmocka_unit_test_setup_teardown(smtps_verified_against_the_test_ca, setup, teardown),
    cmocka_unit_test_setup_teardown(starttls_refused_against_an_unknown_ca, setup, teardown),
    cmocka_unit_test_setup_teardown(wrong_password_is_fail, setup, teardown),
    cmocka_unit_test_setup_teardown(plain_to_loopback_only_when_allowed, setup, teardown),
    cmocka_unit_test_setup_teardown(plain_refused_for_a_host_name, setup, teardown),
    cmocka_unit_test_setup_teardown(rcpt_451_is_retry, setup, teardown),
    cmocka_unit_test_setup_teardown(data_550_is_fail, setup, teardown),
    cmocka_unit_test_setup_teardown(reply_naming_an_address_is_redacted, setup, teardown),
    cmocka_unit_test_setup_teardown(connection_refused_is_retry, setup, teardown),
    cmocka_unit_test_setup_teardown(no_answer_in_time_is_retry, setup, teardown),
    cmocka_unit_test_setup_teardown(reset_mid_data_is_retry, setup, teardown),
    cmocka_unit_test_setup_teardown(reset_after_data_answer_is_delivered, setup, teardown),
    cmocka_unit_test_setup_teardown(header_injection_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(bad_url_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(smtp_config_is_read, setup, teardown),
    cmocka_unit_test_setup_teardown(smtp_password_file_others_can_read_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(smtp_bad_config_names_line_and_key, setup, teardown),
};

AM_TEST_MAIN(tests)
