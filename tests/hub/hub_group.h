/* hub_group.h — a hotel group for the hub's people tests: two sites ("a"
 * and "b") set up from the command line, a kiosk at each that has sent a
 * report with a guest's name and contact, an alert and a voucher, and a
 * person of every role at site a (staff through a team), each with an API
 * token and a signed-in dashboard session. Also curl with the test CA. */
#ifndef HUB_GROUP_H
#define HUB_GROUP_H

#include <sodium.h>

#include "amends/voucher.h"
#include "hub_harness.h"
#include "hub_roles.h"

#define JOURNEY "0b1c2d3e-4f50-4617-8899-aabbccddeeff"
#define GUEST   "Zoë-canary"
#define CONTACT "room-214-canary"

/* --- the group ---------------------------------------------------------------------------- */

typedef struct group {
    harness *h;
    char token[HUB_ROLE_COUNT][128];  /* each role's API token */
    char cookie[HUB_ROLE_COUNT][128]; /* each role's dashboard session */
    char csrf[HUB_ROLE_COUNT][64];
    char alert[2][AM_PROTO_UUID_LEN + 1]; /* an alert at site a, at site b */
    char voucher[2][AM_VOUCHER_CODE_SIZE];
    char case_code[2][32]; /* the case the alert at site a, at site b opened */
    char dead_msg[2][40];  /* a dead notification at site a, at site b (test_hub_roles.c) */
} group;

static inline void cmd(harness *h, const char *const *args, char *out, size_t outlen)
{
    if (h_hub_cmd(h, args, out, outlen) != 0) {
        char err_path[700];
        snprintf(err_path, sizeof err_path, "%s/cmd.err", h->dir);
        char *err = am_test_read_file(err_path, NULL);
        fail_msg("%s %s: %s", args[0], args[1], err ? err : "");
    }
}

/* A kiosk at `site` that has sent one report (with a guest's name and
 * contact), its alert (which opens the journey's case) and one voucher. */
static inline void kiosk_at(group *g, const char *id, const char *site, int which)
{
    harness *h = g->h;
    char out[1024], token[128], secret[128], vkey[128];
    const char *add[] = {"kiosk", "add", id, "--site", site, NULL};
    cmd(h, add, out, sizeof out);
    h_field(out, "token: ", token, sizeof token);
    h_field(out, "secret: ", secret, sizeof secret);
    h_field(out, "voucher_key: ", vkey, sizeof vkey);
    am_voucher_key key;
    size_t len = 0;
    assert_int_equal(sodium_base642bin(key.bytes, sizeof key.bytes, vkey, strlen(vkey), NULL, &len,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    am_proto_batch *b = h_batch(id, 4);
    am_proto_record *fb = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    am_report *rp = &fb->u.feedback.report;
    snprintf(rp->first_name, sizeof rp->first_name, GUEST);
    snprintf(rp->contact, sizeof rp->contact, CONTACT);
    char journey[AM_PROTO_UUID_LEN + 1];
    memcpy(journey, fb->id, sizeof journey);
    /* The report's alert: its journey's case shows the report. */
    am_proto_record *al = h_add_alert(b, journey);
    memcpy(g->alert[which], al->id, sizeof g->alert[which]);
    am_proto_record *v = am_proto_batch_add(b, AM_PROTO_VOUCHER);
    assert_non_null(v);
    am_proto_uuid_new(v->id);
    snprintf(v->u.voucher.journey, sizeof v->u.voucher.journey, JOURNEY);
    assert_int_equal(am_voucher_encode(&key, id, 1, v->u.voucher.code), AM_OK);
    snprintf(g->voucher[which], sizeof g->voucher[which], "%s", v->u.voucher.code);
    v->u.voucher.serial = 1;
    snprintf(v->u.voucher.offer, sizeof v->u.voucher.offer, "breakfast");
    v->u.voucher.value_minor = 1500;
    v->u.voucher.issued_at = h_now_ms() - 60000;
    v->u.voucher.expires_at = h_now_ms() + 86400000;
    am_hub_client *c = am_hub_client_new(h->url, h->ca, token, secret);
    assert_non_null(c);
    char *body = h_encode(b);
    am_hub_reply reply;
    h_post(c, body, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_proto_response *resp = h_response(&reply);
    for (size_t i = 0; i < resp->count; i++) {
        if (resp->results[i].status != AM_PROTO_STORED)
            fail_msg("%s: record %zu not stored: %s", id, i, resp->results[i].reason);
    }
    am_proto_response_free(resp);
    am_hub_reply_clear(&reply);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
    sodium_memzero(&key, sizeof key);
}

/* curl ARGS with the test CA: the status, the body in *body (caller frees). */
static inline long curl(harness *h, const char *args, char **body)
{
    char script[8192], out_path[700], code_path[700];
    snprintf(out_path, sizeof out_path, "%s/walk.out", h->dir);
    snprintf(code_path, sizeof code_path, "%s/walk.code", h->dir);
    unlink(out_path);
    snprintf(script, sizeof script,
             "curl -sS --proto =https --cacert '%s' -o '%s' -w '%%{http_code}' %s", h->ca, out_path,
             args);
    assert_int_equal(h_sh(script, code_path, NULL), 0);
    char *code = am_test_read_file(code_path, NULL);
    long status = code ? atol(code) : 0;
    free(code);
    *body = am_test_read_file(out_path, NULL);
    if (!*body)
        *body = strdup("");
    return status;
}

static inline void sign_in(group *g, int role)
{
    harness *h = g->h;
    char args[1024], hdr[700];
    snprintf(hdr, sizeof hdr, "%s/walk.hdr", h->dir);
    snprintf(args, sizeof args, "-D '%s' --data-urlencode 'token=%s' '%s/login'", hdr,
             g->token[role], h->url);
    char *body;
    assert_int_equal(curl(h, args, &body), 303);
    free(body);
    char *headers = am_test_read_file(hdr, NULL);
    const char *set = strstr(headers, "amends_session=");
    assert_non_null(set);
    snprintf(g->cookie[role], sizeof g->cookie[role], "%.*s", (int)strcspn(set, ";"), set);
    free(headers);
    snprintf(args, sizeof args, "-b '%s' '%s/'", g->cookie[role], h->url);
    assert_int_equal(curl(h, args, &body), 200);
    const char *c = strstr(body, "name=\"csrf\" value=\"");
    assert_non_null(c);
    c += strlen("name=\"csrf\" value=\"");
    snprintf(g->csrf[role], sizeof g->csrf[role], "%.*s", (int)strcspn(c, "\""), c);
    free(body);
}

static inline void setup_group(group *g)
{
    harness *h = g->h;
    char out[1024];
    const char *site_a[] = {"site",       "add", "a",          "--name", "Site A",
                            "--timezone", "UTC", "--currency", "GBP",    NULL};
    const char *site_b[] = {"site",       "add", "b",          "--name", "Site B",
                            "--timezone", "UTC", "--currency", "EUR",    NULL};
    const char *team[] = {"team", "add", "a", "hk", "--name", "Housekeeping", NULL};
    cmd(h, site_a, out, sizeof out);
    cmd(h, site_b, out, sizeof out);
    cmd(h, team, out, sizeof out);
    kiosk_at(g, "kiosk-at-a", "a", 0);
    kiosk_at(g, "kiosk-at-b", "b", 1);
    const char *people[][8] = {
        {"person", "add", "mgr", "--role", "manager", "--site", "a", NULL},
        {"person", "add", "stf", "--role", "staff", "--team", "a/hk", NULL},
        {"person", "add", "vwr", "--role", "viewer", "--site", "a", NULL},
    };
    snprintf(g->token[HUB_ROLE_ADMIN], sizeof g->token[0], "%s", h->mgr_token);
    for (int i = 0; i < 3; i++) {
        cmd(h, people[i], out, sizeof out);
        const char *tok[] = {"token", "add", people[i][2], NULL};
        cmd(h, tok, out, sizeof out);
        h_field(out, "token: ", g->token[i + 1], sizeof g->token[0]);
    }
    for (int r = 0; r < HUB_ROLE_COUNT; r++)
        sign_in(g, r);
    for (int w = 0; w < 2; w++) {
        char args[1024], *body;
        snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/cases?site=%s'",
                 h->mgr_token, h->url, w ? "b" : "a");
        assert_int_equal(curl(h, args, &body), 200);
        const char *code = strstr(body, "\"code\":\"");
        assert_non_null(code);
        code += strlen("\"code\":\"");
        snprintf(g->case_code[w], sizeof g->case_code[w], "%.*s", (int)strcspn(code, "\""), code);
        free(body);
    }
}

#endif
