/* test_hub_notify.c — notifications at the real amends-hub: destinations
 * from the command line, messages written to the outbox with the case
 * events that cause them, and the dispatcher delivering them to a real
 * receiver on loopback (hub_receiver.h): signed Standard Webhooks whose
 * webhook-id is the outbox id, retries after failures and Retry-After,
 * 410 disabling the destination, dead messages, escalations, two hubs on
 * one PostgreSQL, a hub killed mid-delivery. Waits are on the receiver's
 * requests and the hub's log lines, never on a sleep. */
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "hub_group.h"
#include "hub_notify.h"
#include "hub_receiver.h"
#include "smtp_server.h"

#define MIN INT64_C(60000)

static receiver *rx;

static const char base_conf[] = "\n[notify]\nallow_plain_loopback = true\npoll_ms = 20\n"
                                "retry_base_ms = 50\npublic_url = https://hub.example\n";

static int setup_with(void **state, bool pg, const char *more)
{
    char conf[1024];
    snprintf(conf, sizeof conf, "%s%s", base_conf, more ? more : "");
    rx = rx_start();
    return h_setup(state, pg, conf);
}

static int setup_sqlite(void **state)
{
    return setup_with(state, false, NULL);
}

static int teardown(void **state)
{
    h_teardown(state);
    rx_stop(rx);
    rx = NULL;
    return 0;
}

/* --- helpers -------------------------------------------------------------------------------- */

/* `destination add` to the receiver; the id (and secret, for a webhook). */
static void dest_add(harness *h, const char *kind, const char *events, char *id, size_t idlen,
                     char *secret, size_t secretlen)
{
    char url[128], out[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", rx->port);
    const char *args[] = {"destination", "add",  "default", "--kind",
                          kind,          "--to", url,       events ? "--events" : NULL,
                          events,        NULL};
    assert_int_equal(h_hub_cmd(h, args, out, sizeof out), 0);
    h_field(out, "destination: ", id, idlen);
    if (secret)
        h_field(out, "secret: ", secret, secretlen);
}

/* One staff_now alert from k1, raised asked_ago_ms ago: one urgent case. */
static void post_staff_now(harness *h, int count, int64_t asked_ago_ms)
{
    am_proto_batch *b = h_batch("k1", (size_t)count);
    for (int i = 0; i < count; i++)
        h_add_alert(b, NULL)->u.alert.raised_at = h_now_ms() - asked_ago_ms;
    am_hub_client *c = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
    am_proto_batch_free(b);
}

static void on_row(void *ud, int ncols, char **v)
{
    char *out = ud;
    size_t used = strlen(out);
    for (int i = 0; i < ncols; i++)
        used +=
            (size_t)snprintf(out + used, 4096 - used, "%s%s", i ? "|" : "", v[i] ? v[i] : "NULL");
    snprintf(out + used, 4096 - used, "\n");
}

static int sqlite_cb(void *ud, int ncols, char **v, char **names)
{
    (void)names;
    on_row(ud, ncols, v);
    return 0;
}

/* The rows of sql on the SQLite hub's database, "a|b\n" each, into out
 * (4096 bytes). */
static void db_rows(harness *h, const char *sql, char *out)
{
    char path[700];
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/hub.db", h->dir);
    out[0] = '\0';
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *err = NULL;
    if (sqlite3_exec(db, sql, sqlite_cb, out, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
    sqlite3_close(db);
}

static void wait_log(hub_proc *p, const char *text)
{
    if (!h_wait_file_text(p->log, text, 20000)) {
        char *log = am_test_read_file(p->log, NULL);
        fail_msg("the hub did not log '%s' within 20 s:\n%s", text, log ? log : "");
    }
}

static void check_signature(const rx_request *q, const char *secret)
{
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    assert_int_equal(am_webhook_secret_parse(secret, key, &keylen), AM_OK);
    am_webhook_result v = am_webhook_verify(key, keylen, q->id, q->ts, q->sig, q->body,
                                            strlen(q->body), h_now_ms() / 1000, 300);
    if (v != AM_WEBHOOK_OK)
        fail_msg("webhook %s: %s", q->id, am_webhook_result_str(v));
}

/* --- destinations ----------------------------------------------------------------------------- */

static void destination_add_list_remove(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096];
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    assert_true(!strncmp(id, "dst_", 4));
    assert_true(!strncmp(secret, "whsec_", 6));
    /* The list shows it, never its secret. */
    const char *list[] = {"destination", "list", "default", NULL};
    assert_int_equal(h_hub_cmd(h, list, out, sizeof out), 0);
    assert_non_null(strstr(out, id));
    assert_null(strstr(out, secret + 6));
    assert_non_null(strstr(out, "case.opened,case.overdue,case.reopened,case.resolved"));
    /* Refused: plain http off loopback, an unknown kind, an unknown event,
     * an unknown site. */
    const char *bad[][10] = {
        {"destination", "add", "default", "--kind", "webhook", "--to", "http://example.com/x",
         NULL},
        {"destination", "add", "default", "--kind", "pager", "--to", "https://example.com/x", NULL},
        {"destination", "add", "default", "--kind", "slack", "--to", "https://example.com/x",
         "--events", "case.eaten", NULL},
        {"destination", "add", "nowhere", "--kind", "slack", "--to", "https://example.com/x", NULL},
        {"destination", "add", "default", "--kind", "email", "--to", "not an address", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(h_hub_cmd(h, bad[i], out, sizeof out), 0);
    const char *email[] = {"destination",
                           "add",
                           "default",
                           "--kind",
                           "email",
                           "--to",
                           "duty@hotel.example,gm@hotel.example",
                           NULL};
    assert_int_equal(h_hub_cmd(h, email, out, sizeof out), 0);
    assert_null(strstr(out, "secret:"));
    const char *rm[] = {"destination", "remove", id, NULL};
    assert_int_equal(h_hub_cmd(h, rm, out, sizeof out), 0);
    assert_int_not_equal(h_hub_cmd(h, rm, out, sizeof out), 0);
    assert_int_equal(h_hub_cmd(h, list, out, sizeof out), 0);
    assert_null(strstr(out, id));
    /* Both changes are in the audit trail. */
    db_rows(h, "SELECT action, target FROM audit WHERE action LIKE 'destination.%' ORDER BY seq",
            out);
    assert_true(!strncmp(out,
                         "destination.add|webhook\ndestination.add|email\n"
                         "destination.remove|dst_",
                         strlen("destination.add|webhook\ndestination.add|email\n"
                                "destination.remove|dst_")));
}

/* `destination test` sends now and prints the receiver's answer. */
static void destination_test_prints_the_answer(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096];
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    rx->script[0] = 202;
    rx->nscript = 1;
    const char *test[] = {"destination", "test", id, NULL};
    assert_int_equal(h_hub_cmd(h, test, out, sizeof out), 0);
    assert_non_null(strstr(out, "answer: 202 answer 202"));
    assert_int_equal(rx_count(rx), 1);
    check_signature(&rx->req[0], secret);
    cJSON *body = cJSON_Parse(rx->req[0].body);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(body, "type")), "test");
    cJSON_Delete(body);
}

/* --- delivery --------------------------------------------------------------------------------- */

/* A staff_now tap: exactly one signed webhook, its id the outbox id. */
static void staff_now_sends_one_signed_webhook(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096], line[512];
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    int64_t t0 = h_now_ms();
    post_staff_now(h, 1, 0);
    assert_int_equal(rx_wait(rx, 1, 20000), 1);
    print_message("ingest to webhook: %lld ms\n", (long long)(h_now_ms() - t0));
    const rx_request *q = &rx->req[0];
    check_signature(q, secret);
    snprintf(line, sizeof line, "message %s (case.opened) to %s: sent", q->id, id);
    wait_log(&h->hub, line);
    db_rows(h, "SELECT id, state, attempts, event FROM outbox", out);
    char want[256];
    snprintf(want, sizeof want, "%s|sent|1|case.opened\n", q->id);
    assert_string_equal(out, want);
    cJSON *body = cJSON_Parse(q->body);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(body, "type")), "case.opened");
    const cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "data"), "case");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c, "priority")), "urgent");
    const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(c, "url"));
    assert_non_null(url);
    assert_true(!strncmp(url, "https://hub.example/cases/", 26));
    cJSON_Delete(body);
    /* Nothing more comes. */
    assert_int_equal(rx_count(rx), 1);
}

/* 500, then 200: delivered once more, the same id. */
static void failure_then_success_same_id(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096], line[512];
    rx->script[0] = 500;
    rx->nscript = 1;
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    post_staff_now(h, 1, 0);
    assert_int_equal(rx_wait(rx, 2, 20000), 2);
    assert_string_equal(rx->req[0].id, rx->req[1].id);
    check_signature(&rx->req[1], secret);
    snprintf(line, sizeof line, "message %s (case.opened) to %s: sent", rx->req[1].id, id);
    wait_log(&h->hub, line);
    db_rows(h, "SELECT state, attempts, last_error FROM outbox", out);
    assert_string_equal(out, "sent|2|NULL\n");
    assert_int_equal(rx_count(rx), 2);
}

/* Retry-After, in seconds and as an HTTP date, sets when the message goes
 * next: read from the outbox, not waited for. */
static void retry_after_sets_next_attempt(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096], date_header[128];
    time_t later = time(NULL) + 600;
    struct tm tm;
    gmtime_r(&later, &tm);
    strftime(date_header, sizeof date_header, "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    rx->script[0] = 503;
    rx->script_headers[0] = "Retry-After: 120\r\n";
    rx->script[1] = 429;
    rx->script_headers[1] = date_header;
    rx->nscript = 2;
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    post_staff_now(h, 2, 0);
    assert_int_equal(rx_wait(rx, 2, 20000), 2);
    char line[512];
    for (int i = 0; i < 2; i++) {
        snprintf(line, sizeof line, "message %s (case.opened) to %s: attempt 1 failed",
                 rx->req[i].id, id);
        wait_log(&h->hub, line);
    }
    int64_t now = h_now_ms();
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT next_at FROM outbox WHERE id = '%s'", rx->req[0].id);
    db_rows(h, sql, out);
    int64_t wait1 = atoll(out) - now;
    snprintf(sql, sizeof sql, "SELECT next_at FROM outbox WHERE id = '%s'", rx->req[1].id);
    db_rows(h, sql, out);
    int64_t wait2 = atoll(out) - now;
    print_message("next attempts in %lld and %lld ms\n", (long long)wait1, (long long)wait2);
    assert_true(wait1 > 110 * 1000 && wait1 <= 120 * 1000);
    assert_true(wait2 > 580 * 1000 && wait2 <= 601 * 1000);
    db_rows(h, "SELECT state, attempts FROM outbox ORDER BY id", out);
    assert_string_equal(out, "pending|1\npending|1\n");
    assert_int_equal(rx_count(rx), 2);
}

/* 410 Gone: the destination is disabled, with the reason; the message is
 * dead; later cases write it no more messages. */
static void gone_disables_the_destination(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096];
    rx->script[0] = 410;
    rx->nscript = 1;
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    post_staff_now(h, 1, 0);
    assert_int_equal(rx_wait(rx, 1, 20000), 1);
    char line[512];
    snprintf(line, sizeof line, "destination %s disabled", id);
    wait_log(&h->hub, line);
    db_rows(h, "SELECT disabled_reason FROM destinations", out);
    assert_string_equal(out, "the receiver answered 410 Gone\n");
    db_rows(h, "SELECT state, last_error FROM outbox", out);
    assert_true(!strncmp(out, "dead|127.0.0.1:", 15));
    assert_non_null(strstr(out, "answered 410"));
    post_staff_now(h, 1, 0);
    db_rows(h, "SELECT COUNT(*) FROM outbox", out);
    assert_string_equal(out, "1\n");
    const char *list[] = {"destination", "list", NULL};
    assert_int_equal(h_hub_cmd(h, list, out, sizeof out), 0);
    assert_non_null(strstr(out, "410 Gone"));
    /* Sending the dead message again to a destination that is off would
     * leave it pending for ever: refused, saying why. */
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    char path[256];
    snprintf(path, sizeof path, "/v1/notifications/%s/retry", rx->req[0].id);
    h_get(m, "POST", path, &reply);
    assert_int_equal(reply.status, 409);
    assert_non_null(strstr(reply.body, "turned off"));
    assert_non_null(strstr(reply.body, "410 Gone"));
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    db_rows(h, "SELECT state FROM outbox", out);
    assert_string_equal(out, "dead\n");
}

static int setup_two_attempts(void **state)
{
    return setup_with(state, false, "max_attempts = 2\n");
}

/* After max_attempts the message is dead, with its last error. */
static void max_attempts_makes_it_dead(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096], line[512];
    rx->script[0] = 500;
    rx->script[1] = 502;
    rx->nscript = 2;
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    post_staff_now(h, 1, 0);
    assert_int_equal(rx_wait(rx, 2, 20000), 2);
    snprintf(line, sizeof line, "message %s (case.opened) to %s: dead after 2 attempts",
             rx->req[0].id, id);
    wait_log(&h->hub, line);
    db_rows(h, "SELECT state, attempts, last_error FROM outbox", out);
    assert_true(!strncmp(out, "dead|2|127.0.0.1:", 17));
    assert_non_null(strstr(out, "answered 502: answer 502"));
    assert_int_equal(rx_count(rx), 2);
    /* Counted and listed, with the last error, by GET /v1/notifications. */
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", "/v1/notifications", &reply);
    assert_int_equal(reply.status, 200);
    cJSON *root = cJSON_Parse(reply.body);
    am_hub_reply_clear(&reply);
    const cJSON *site = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "sites"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(site, "site")), "default");
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(site, "dead")), 1);
    const cJSON *dead = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "dead"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(dead, "id")), rx->req[0].id);
    assert_non_null(
        strstr(cJSON_GetStringValue(cJSON_GetObjectItem(dead, "last_error")), "answered 502"));
    cJSON_Delete(root);
    /* The dashboard lists it with a "Send again" form; sending it again
     * delivers it, the same id. */
    group g = {.h = h};
    snprintf(g.token[0], sizeof g.token[0], "%s", h->mgr_token);
    sign_in(&g, 0);
    char args[2048], *body = NULL;
    snprintf(args, sizeof args, "-b '%s' '%s/notifications'", g.cookie[0], h->url);
    assert_int_equal(curl(h, args, &body), 200);
    assert_non_null(strstr(body, rx->req[0].id));
    assert_non_null(strstr(body, "answered 502"));
    assert_non_null(strstr(body, "Send again"));
    free(body);
    /* Without the form's CSRF token: refused, nothing sent. */
    snprintf(args, sizeof args,
             "-b '%s' -H 'Origin: %s' --data 'csrf=wrong' '%s/notifications/%s/retry'", g.cookie[0],
             h->url, h->url, rx->req[0].id);
    assert_int_equal(curl(h, args, &body), 403);
    free(body);
    snprintf(args, sizeof args,
             "-b '%s' -H 'Origin: %s' --data 'csrf=%s' '%s/notifications/%s/retry'", g.cookie[0],
             h->url, g.csrf[0], h->url, rx->req[0].id);
    assert_int_equal(curl(h, args, &body), 303);
    free(body);
    assert_int_equal(rx_wait(rx, 3, 20000), 3);
    assert_string_equal(rx->req[2].id, rx->req[0].id);
    check_signature(&rx->req[2], secret);
    snprintf(line, sizeof line, "message %s (case.opened) to %s: sent", rx->req[0].id, id);
    wait_log(&h->hub, line);
    db_rows(h, "SELECT state, attempts FROM outbox", out);
    assert_string_equal(out, "sent|1\n");
    /* Not dead any more: the API says so. */
    char path[256];
    snprintf(path, sizeof path, "/v1/notifications/%s/retry", rx->req[0].id);
    h_get(m, "POST", path, &reply);
    assert_int_equal(reply.status, 409);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    db_rows(h, "SELECT COUNT(*) FROM audit WHERE action = 'notification.retry'", out);
    assert_string_equal(out, "1\n");
}

/* A staff_now tap ends as one email in a real SMTP server's mailbox (over
 * STARTTLS, verified against the test CA), its Message-ID the outbox id. */
static smtp_server *smtp;

static int setup_smtp(void **state)
{
    setup_sqlite(state);
    harness *h = *state;
    char cert[700], key[700], err[256], conf[2048];
    snprintf(cert, sizeof cert, "%s/hub.crt", h->dir);
    snprintf(key, sizeof key, "%s/hub.key", h->dir);
    smtp_server_opts o = {.cert_file = cert, .key_file = key, .require_tls = true};
    smtp = smtp_server_start(&o, err, sizeof err);
    if (!smtp)
        fail_msg("SMTP server: %s", err);
    h_hub_stop(&h->hub, 10000);
    snprintf(conf, sizeof conf,
             "%s\n[smtp]\nurl = smtp://127.0.0.1:%d\nfrom = amends@hotel.example\nca_file = %s\n",
             base_conf, smtp_server_port(smtp), h->ca);
    h_write_conf(h, conf);
    h_hub_start(h);
    return 0;
}

static int teardown_smtp(void **state)
{
    teardown(state);
    smtp_server_stop(smtp);
    smtp = NULL;
    return 0;
}

static void staff_now_sends_one_email(void **state)
{
    harness *h = *state;
    char out[4096];
    const char *email[] = {"destination",
                           "add",
                           "default",
                           "--kind",
                           "email",
                           "--to",
                           "duty@hotel.example,gm@hotel.example",
                           NULL};
    assert_int_equal(h_hub_cmd(h, email, out, sizeof out), 0);
    int64_t t0 = h_now_ms();
    post_staff_now(h, 1, 0);
    if (!smtp_server_wait(smtp, 1, 20000)) {
        char *log = am_test_read_file(h->hub.log, NULL);
        fail_msg("no email within 20 s:\n%s", log ? log : "");
    }
    print_message("ingest to email: %lld ms\n", (long long)(h_now_ms() - t0));
    wait_log(&h->hub, ": sent, 250");
    db_rows(h, "SELECT id, state, attempts FROM outbox", out);
    char id[64];
    snprintf(id, sizeof id, "%.*s", (int)strcspn(out, "|"), out);
    assert_non_null(strstr(out, "|sent|1"));
    const smtp_message *msg = smtp_server_message(smtp, 0);
    assert_true(msg->tls);
    assert_int_equal((int)msg->nrcpt, 2);
    assert_string_equal(msg->mail_from, "amends@hotel.example");
    char want[128];
    snprintf(want, sizeof want, "Message-ID: <%s@amends-hub>", id);
    if (!strstr(msg->data, want))
        fail_msg("no '%s' in:\n%s", want, msg->data);
    assert_non_null(strstr(msg->data, "opened (urgent)"));
    assert_non_null(strstr(msg->data, "https://hub.example/cases/"));
    /* Exactly one. */
    assert_int_equal((int)smtp_server_count(smtp), 1);
}

/* Email destinations wait, saying why, until the hub can send mail: never
 * a pretended success, and no attempt counted. */
static void email_waits_until_configured(void **state)
{
    harness *h = *state;
    char out[4096];
    const char *email[] = {"destination",        "add", "default", "--kind", "email", "--to",
                           "duty@hotel.example", NULL};
    assert_int_equal(h_hub_cmd(h, email, out, sizeof out), 0);
    post_staff_now(h, 1, 0);
    wait_log(&h->hub, "waits: email is not configured on this hub");
    db_rows(h, "SELECT state, attempts, last_error FROM outbox", out);
    assert_string_equal(out, "pending|0|email is not configured on this hub\n");
}

/* An overdue case's escalation writes case.overdue, to the next level. */
static int setup_escalate(void **state)
{
    return setup_with(state, false, "\n[cases]\nescalate_every_s = 1\n");
}

static void overdue_escalation_sends_case_overdue(void **state)
{
    harness *h = *state;
    char id[64], secret[128];
    dest_add(h, "webhook", "case.overdue", id, sizeof id, secret, sizeof secret);
    post_staff_now(h, 1, 10 * MIN); /* asked 10 minutes ago: not acknowledged in time */
    assert_int_equal(rx_wait(rx, 1, 20000), 1);
    check_signature(&rx->req[0], secret);
    cJSON *body = cJSON_Parse(rx->req[0].body);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(body, "type")), "case.overdue");
    const cJSON *data = cJSON_GetObjectItem(body, "data");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(data, "escalated_to")), "team");
    cJSON_Delete(body);
    /* Only the overdue event was asked for: the opening wrote nothing. */
    char out[4096];
    db_rows(h, "SELECT event FROM outbox", out);
    assert_string_equal(out, "case.overdue\n");
}

/* Slack and Teams get their documented shapes. */
static void slack_and_teams_shapes(void **state)
{
    harness *h = *state;
    char id1[64], id2[64];
    dest_add(h, "slack", NULL, id1, sizeof id1, NULL, 0);
    dest_add(h, "teams", NULL, id2, sizeof id2, NULL, 0);
    post_staff_now(h, 1, 0);
    assert_int_equal(rx_wait(rx, 2, 20000), 2);
    bool slack = false, teams = false;
    for (int i = 0; i < 2; i++) {
        cJSON *b = cJSON_Parse(rx->req[i].body);
        assert_non_null(b);
        assert_string_equal(rx->req[i].id, ""); /* no Standard Webhooks headers */
        if (cJSON_GetObjectItem(b, "blocks")) {
            slack = true;
            const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(b, "text"));
            assert_non_null(text);
            assert_non_null(strstr(text, "opened (urgent)"));
            assert_true(cJSON_IsArray(cJSON_GetObjectItem(b, "blocks")));
        } else {
            teams = true;
            assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "type")), "message");
            const cJSON *att = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "attachments"), 0);
            assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(att, "contentType")),
                                "application/vnd.microsoft.card.adaptive");
            const cJSON *card = cJSON_GetObjectItem(att, "content");
            assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(card, "type")),
                                "AdaptiveCard");
            assert_non_null(strstr(rx->req[i].body, "https://hub.example/cases/"));
        }
        cJSON_Delete(b);
    }
    assert_true(slack && teams);
}

/* A report with the guest's words, name and contact: none of them in a
 * message unless the site turns include_guest_text on; the contact never. */
static void post_report(harness *h)
{
    am_proto_batch *b = h_batch("k1", 1);
    am_proto_record *r = h_add_feedback(b, "room", AM_OUTCOME_ABANDONED);
    r->u.feedback.report.severity = AM_SEVERITY_SEVERE;
    am_hub_client *c = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
    am_proto_batch_free(b);
}

static void guest_words_only_when_the_site_says(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096];
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    post_report(h);
    assert_int_equal(rx_wait(rx, 1, 20000), 1);
    const char *b0 = rx->req[0].body;
    assert_null(strstr(b0, "heater"));
    assert_null(strstr(b0, "Zo"));
    assert_null(strstr(b0, "room 214"));
    assert_null(strstr(b0, "\"guest\""));
    const char *on[] = {"destination", "site", "default", "--guest-text", "on", NULL};
    assert_int_equal(h_hub_cmd(h, on, out, sizeof out), 0);
    post_report(h);
    assert_int_equal(rx_wait(rx, 2, 20000), 2);
    const char *b1 = rx->req[1].body;
    assert_non_null(strstr(b1, "heater"));
    assert_non_null(strstr(b1, "Zo"));
    assert_null(strstr(b1, "room 214"));
}

/* A site that turns normal cases off hears only of urgent ones. */
static void normal_cases_can_be_turned_off(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096];
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    const char *off[] = {"destination", "site", "default", "--normal-cases", "off", NULL};
    assert_int_equal(h_hub_cmd(h, off, out, sizeof out), 0);
    /* A low rating alone: a normal case. */
    am_proto_batch *b = h_batch("k1", 1);
    am_proto_record *r = h_add_feedback(b, "room", AM_OUTCOME_ABANDONED);
    r->u.feedback.report.rating = 1;
    am_hub_client *c = h_kiosk(h, 1);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(body);
    am_hub_client_free(c);
    am_proto_batch_free(b);
    db_rows(h, "SELECT COUNT(*), (SELECT COUNT(*) FROM cases) FROM outbox", out);
    assert_string_equal(out, "0|1\n");
    post_staff_now(h, 1, 0);
    db_rows(h, "SELECT COUNT(*) FROM outbox", out);
    assert_string_equal(out, "1\n");
}

/* --- several hubs, and a crash ---------------------------------------------------------------- */

static int setup_pg(void **state)
{
    return setup_with(state, true, NULL);
}

#define MANY 40

static int count_in(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Waits, at most 30 s, until both hubs' logs hold `want` sends in all:
 * woken by the logs' changes (inotify). */
static void wait_sent(harness *h, int want)
{
    int fd = inotify_init1(IN_CLOEXEC);
    assert_true(fd >= 0);
    inotify_add_watch(fd, h->hub.log, IN_MODIFY);
    inotify_add_watch(fd, h->hub2.log, IN_MODIFY);
    int64_t deadline = h_now_ms() + 30000;
    int got = 0;
    for (;;) {
        got = 0;
        const char *logs[] = {h->hub.log, h->hub2.log};
        for (int i = 0; i < 2; i++) {
            char *t = am_test_read_file(logs[i], NULL);
            got += count_in(t, ": sent, ");
            free(t);
        }
        int64_t left = deadline - h_now_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (got >= want || left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        char events[4096];
        if (read(fd, events, sizeof events) < 0 && errno != EINTR)
            break;
    }
    close(fd);
    if (got < want)
        fail_msg("%d sends logged, want %d", got, want);
}

/* Two hubs on one PostgreSQL: every message delivered exactly once. */
static void two_hubs_deliver_each_message_once_postgresql(void **state)
{
    harness *h = *state;
    char id[64], secret[128];
    h_hub_launch(h, &h->hub2, "hub2");
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    for (int i = 0; i < MANY / 10; i++)
        post_staff_now(h, 10, 0);
    assert_int_equal(rx_wait(rx, MANY, 30000), MANY);
    /* Each message's "sent" logged by one hub or the other, once. */
    wait_sent(h, MANY);
    int by[2] = {0, 0};
    hub_proc *procs[] = {&h->hub, &h->hub2};
    char *logs[2] = {am_test_read_file(procs[0]->log, NULL),
                     am_test_read_file(procs[1]->log, NULL)};
    for (int i = 0; i < MANY; i++) {
        check_signature(&rx->req[i], secret);
        for (int j = 0; j < i; j++)
            if (!strcmp(rx->req[i].id, rx->req[j].id))
                fail_msg("message %s delivered twice", rx->req[i].id);
        char line[512];
        snprintf(line, sizeof line, "message %s (case.opened) to %s: sent", rx->req[i].id, id);
        int n0 = count_in(logs[0], line), n1 = count_in(logs[1], line);
        assert_int_equal(n0 + n1, 1);
        by[0] += n0;
        by[1] += n1;
    }
    free(logs[0]);
    free(logs[1]);
    print_message("first hub sent %d, second %d\n", by[0], by[1]);
    assert_int_equal(rx_count(rx), MANY);
}

static int setup_lease(void **state)
{
    return setup_with(state, false, "lease_s = 1\n");
}

/* SIGKILL mid-delivery: the next hub sends the message again, same id,
 * once the dead hub's lease runs out. */
static void killed_hub_loses_nothing(void **state)
{
    harness *h = *state;
    char id[64], secret[128], out[4096], line[512];
    rx->hold_first = true;
    dest_add(h, "webhook", NULL, id, sizeof id, secret, sizeof secret);
    post_staff_now(h, 1, 0);
    assert_int_equal(rx_wait(rx, 1, 20000), 1); /* held: no answer comes */
    kill(h->hub.pid, SIGKILL);
    int status = 0;
    waitpid(h->hub.pid, &status, 0);
    h->hub.pid = 0;
    db_rows(h, "SELECT state FROM outbox", out);
    assert_string_equal(out, "sending\n");
    h_hub_start(h);
    assert_int_equal(rx_wait(rx, 2, 20000), 2);
    assert_string_equal(rx->req[0].id, rx->req[1].id);
    check_signature(&rx->req[1], secret);
    snprintf(line, sizeof line, "message %s (case.opened) to %s: sent", rx->req[1].id, id);
    wait_log(&h->hub, line);
    db_rows(h, "SELECT state, attempts FROM outbox", out);
    assert_string_equal(out, "sent|2\n");
}

/* --- the documentation ---------------------------------------------------------------------- */

/* docs/hub.md#notifications lists exactly the events of hub_notify_events. */
static void docs_list_every_event(void **state)
{
    (void)state;
    char *doc = am_test_read_file(AM_SOURCE_DIR "/docs/hub.md", NULL);
    assert_non_null(doc);
    const char *start = strstr(doc, "\n## Notifications\n");
    assert_non_null(start);
    const char *intro = strstr(start, "The events (a test compares");
    assert_non_null(intro);
    const char *list = strstr(intro, "\n- `");
    assert_non_null(list);
    const char *end = strstr(list, "\n\n");
    assert_non_null(end);
    int listed = 0;
    for (const char *p = list; p && p < end && (p = strstr(p, "\n- `")) && p < end; p += 4) {
        char name[64];
        assert_int_equal(sscanf(p + 4, "%63[^`]", name), 1);
        if (!hub_notify_event_known(name))
            fail_msg("docs/hub.md lists '%s', which the hub does not know", name);
        listed++;
    }
    int known = 0;
    for (const hub_notify_event *e = hub_notify_events; e->name; e++, known++) {
        char item[80];
        snprintf(item, sizeof item, "\n- `%s`", e->name);
        const char *at = strstr(list, item);
        if (!at || at > end)
            fail_msg("docs/hub.md#notifications does not list '%s'", e->name);
    }
    assert_int_equal(listed, known);
    free(doc);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(destination_add_list_remove, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(destination_test_prints_the_answer, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(staff_now_sends_one_signed_webhook, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(failure_then_success_same_id, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(retry_after_sets_next_attempt, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(gone_disables_the_destination, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(max_attempts_makes_it_dead, setup_two_attempts, teardown),
    cmocka_unit_test_setup_teardown(email_waits_until_configured, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(staff_now_sends_one_email, setup_smtp, teardown_smtp),
    cmocka_unit_test_setup_teardown(overdue_escalation_sends_case_overdue, setup_escalate,
                                    teardown),
    cmocka_unit_test_setup_teardown(slack_and_teams_shapes, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(guest_words_only_when_the_site_says, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(normal_cases_can_be_turned_off, setup_sqlite, teardown),
    cmocka_unit_test_setup_teardown(two_hubs_deliver_each_message_once_postgresql, setup_pg,
                                    teardown),
    cmocka_unit_test_setup_teardown(killed_hub_loses_nothing, setup_lease, teardown),
    cmocka_unit_test(docs_list_every_event),
};

AM_TEST_MAIN(tests)
