/* test_sync_voucher.c — issue 6 end to end, on the real binaries: a guest
 * accepts an offer on amends-kiosk (headless script) and reads the code off
 * `thanks`; the sync worker takes the voucher's record to the real
 * amends-hub exactly once; staff verify and redeem the code there with
 * curl and a manager token, once; the device verifies it offline with
 * amendsctl. A kiosk whose voucher key the hub does not hold gets its
 * voucher record quarantined, with the hub's reason in amendsctl sync-log,
 * and its feedback still goes through. */
#include "kiosk_fixture.h"

#include "amends/voucher.h"
#include "amends/voucher_store.h"

static int setup(void **state)
{
    kx_open(state);
    return 0;
}

/* kx_full_journey up to `thanks`, where the guest reads `code` (NULL: no
 * check of the code), then taps Done. */
static void journey_script(char *out, size_t outlen, const char *code)
{
    const char *thanks = strstr(kx_full_journey, "expect thanks\n");
    assert_non_null(thanks);
    size_t head = (size_t)(thanks - kx_full_journey) + strlen("expect thanks\n");
    char check[64] = "";
    if (code)
        snprintf(check, sizeof check, "expect-text %s\n", code);
    int n = snprintf(out, outlen, "%.*s%stap done\nexpect attract\n", (int)head, kx_full_journey,
                     check);
    assert_true(n > 0 && (size_t)n < outlen);
}

/* curl with the manager token against the hub: the body into out, the
 * HTTP status returned. */
static int mgr_curl(kiosk_fx *k, const char *method, const char *path, char *out, size_t outlen)
{
    harness *h = k->fx->h;
    char script[4096], out_path[760], code_path[760];
    snprintf(out_path, sizeof out_path, "%s/curl.out", h->dir);
    snprintf(code_path, sizeof code_path, "%s/curl.code", h->dir);
    unlink(out_path);
    unlink(code_path);
    snprintf(script, sizeof script,
             "curl -sS --proto =https --cacert '%s' -X %s -H 'Authorization: Bearer %s' "
             "-o '%s' -w '%%{http_code}' '%s%s' > '%s'",
             h->ca, method, h->mgr_token, out_path, h->url, path, code_path);
    assert_int_equal(h_sh(script, NULL, NULL), 0);
    char *code = am_test_read_file(code_path, NULL);
    char *text = am_test_read_file(out_path, NULL);
    int status = code ? atoi(code) : 0;
    snprintf(out, outlen, "%s", text ? text : "");
    free(code);
    free(text);
    return status;
}

/* Runs amendsctl on the kiosk's config and store; stdout into out. */
static int ctl_run(kiosk_fx *k, char **args, char *out, size_t outlen)
{
    char *argv[16];
    char out_path[760], err_path[760];
    int n = 0;
    argv[n++] = CTL_BIN;
    argv[n++] = "--config";
    argv[n++] = k->conf;
    argv[n++] = "--data-dir";
    argv[n++] = k->fx->data;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    snprintf(out_path, sizeof out_path, "%s/ctl.out", k->fx->h->dir);
    snprintf(err_path, sizeof err_path, "%s/ctl.err", k->fx->h->dir);
    int rc = am_test_run_program(argv, out_path, err_path);
    char *text = am_test_read_file(out_path, NULL);
    snprintf(out, outlen, "%s", text ? text : "");
    free(text);
    return rc;
}

static void expect_status(const char *body, const char *status)
{
    char want[64];
    snprintf(want, sizeof want, "\"status\":\"%s\"", status);
    if (!strstr(body, want))
        fail_msg("expected %s, got: %s", want, body);
}

static void kiosk_voucher_is_verified_and_redeemed_once_at_the_hub(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    char err[512], script[2048], body[4096], path[128], out[4096];

    /* The code the guest must see: serial 1 of kiosk k1 under the key the
     * hub made for it. */
    am_voucher_key key;
    if (am_voucher_key_load(k->vkey, &key, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    char code[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&key, "k1", 1, code), AM_OK);
    am_voucher_key_wipe(&key);

    journey_script(script, sizeof script, code);
    if (kx_run_script(k, script) != 0)
        kx_fail_with_log(k, "the journey script failed (is the code on thanks?)");

    /* The kiosk drained its outbox before it exited: the alert, the
     * voucher and the feedback are all at the hub. */
    kx_store_open(k);
    am_store_status s = fx_status(fx);
    if (s.synced != 3)
        kx_fail_with_log(k, "the kiosk exited before the hub had its records");
    assert_int_equal(s.pending + s.inflight + s.quarantined, 0);
    am_voucher_row v;
    assert_int_equal(am_store_voucher_get(fx->st, code, &v), AM_OK);
    assert_int_equal(v.serial, 1);
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(fx->st, v.journey_id, row), AM_OK);
    assert_string_equal(row->report.voucher, code);
    free(row);

    /* The hub keeps the record as the kiosk made it, once, under the
     * voucher's own record id, no later than its journey's feedback (the
     * kiosk wakes its worker at each guest step, so the voucher may well
     * travel alone, before the journey closes). */
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM vouchers", NULL), 1);
    assert_int_equal(fx_hub_int(fx,
                                "SELECT count(*) FROM vouchers WHERE code = ?1 AND kiosk = 'k1' "
                                "AND serial = 1 AND offer = 'drink' AND value_minor = 600 AND "
                                "redeemed_at IS NULL",
                                code),
                     1);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM vouchers WHERE id = ?1", v.outbox_uuid),
                     1);
    assert_int_equal(
        fx_hub_int(fx, "SELECT count(*) FROM vouchers WHERE journey = ?1", v.journey_id), 1);
    assert_int_equal(fx_hub_int(fx, "SELECT issued_at FROM vouchers WHERE code = ?1", code),
                     v.created_ms);
    assert_int_equal(fx_hub_int(fx, "SELECT expires_at FROM vouchers WHERE code = ?1", code),
                     v.expires_ms);
    assert_int_equal(fx_hub_int(fx,
                                "SELECT count(*) FROM vouchers v JOIN feedback f ON "
                                "f.id = v.journey WHERE v.received_at <= f.received_at AND "
                                "v.code = ?1",
                                code),
                     1);

    /* Staff, with curl and a manager token. */
    snprintf(path, sizeof path, "/v1/vouchers/%s", code);
    assert_int_equal(mgr_curl(k, "GET", path, body, sizeof body), 200);
    expect_status(body, "valid");
    snprintf(path, sizeof path, "/v1/vouchers/%s/redeem", code);
    assert_int_equal(mgr_curl(k, "POST", path, body, sizeof body), 200);
    expect_status(body, "redeemed");
    assert_int_equal(mgr_curl(k, "POST", path, body, sizeof body), 409);
    expect_status(body, "already_redeemed");
    snprintf(path, sizeof path, "/v1/vouchers/%s", code);
    assert_int_equal(mgr_curl(k, "GET", path, body, sizeof body), 200);
    expect_status(body, "already_redeemed");

    /* A well-formed code no kiosk's key made (the same serial under
     * another key): tampered, and nothing is redeemed. */
    am_voucher_key other;
    memset(other.bytes, 0x5a, sizeof other.bytes);
    char forged[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&other, "k1", 1, forged), AM_OK);
    assert_string_not_equal(forged, code);
    snprintf(path, sizeof path, "/v1/vouchers/%s/redeem", forged);
    assert_int_equal(mgr_curl(k, "POST", path, body, sizeof body), 422);
    expect_status(body, "tampered");
    assert_int_equal(
        fx_hub_int(fx, "SELECT count(*) FROM vouchers WHERE redeemed_at IS NOT NULL", NULL), 1);

    /* On the device, offline. */
    char *verify[] = {"voucher", "verify", code, "--key", k->vkey, NULL};
    int rc = ctl_run(k, verify, out, sizeof out);
    if (rc != 0 || strncmp(out, "VALID ", 6) != 0 || !strstr(out, code))
        fail_msg("amendsctl voucher verify exited %d:\n%s", rc, out);
    char *verify_forged[] = {"voucher", "verify", forged, "--key", k->vkey, NULL};
    assert_int_equal(ctl_run(k, verify_forged, out, sizeof out), 4); /* tampered */
}

/* The hub holds another key for k1 than the one the kiosk issues with (a
 * key made with `amendsctl voucher keygen`): the voucher record is
 * rejected and quarantined, the manager sees why, and the journey and its
 * alert still reach the hub. */
static void voucher_the_hub_rejects_is_quarantined_with_its_reason(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    char script[2048], out[8192], path[128], body[4096];
    kx_write_voucher_key(k, NULL);
    journey_script(script, sizeof script, NULL);
    if (kx_run_script(k, script) != 0)
        kx_fail_with_log(k, "the journey script failed");

    kx_store_open(k);
    am_store_status s = fx_status(fx);
    if (s.quarantined != 1)
        kx_fail_with_log(k, "the voucher record was not quarantined");
    assert_int_equal(s.synced, 2);
    assert_int_equal(s.pending + s.inflight, 0);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM vouchers", NULL), 0);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback", NULL), 1);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM alerts", NULL), 1);

    /* The reason, in the manager's own tool. */
    char *log[] = {"sync-log", NULL};
    assert_int_equal(ctl_run(k, log, out, sizeof out), 0);
    if (!strstr(out, "1 record(s) rejected by the hub: quarantined; first (voucher)") ||
        !strstr(out, "not made with this kiosk's voucher key for serial 1"))
        fail_msg("amendsctl sync-log does not say why:\n%s", out);
    char *status[] = {"status", NULL};
    assert_int_equal(ctl_run(k, status, out, sizeof out), 0);
    if (!strstr(out, "1 record(s) quarantined"))
        fail_msg("amendsctl status does not count the quarantined voucher:\n%s", out);

    /* At the hub the code is not any kiosk's. */
    char *text = NULL;
    am_voucher_row v;
    {
        sqlite3 *db = NULL;
        sqlite3_stmt *stmt = NULL;
        char store[800];
        snprintf(store, sizeof store, "%s/%s", fx->data, AM_STORE_FILE);
        assert_int_equal(sqlite3_open_v2(store, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT code FROM vouchers", -1, &stmt, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        text = strdup((const char *)sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        sqlite3_close(db);
    }
    assert_int_equal(am_store_voucher_get(fx->st, text, &v), AM_OK);
    snprintf(path, sizeof path, "/v1/vouchers/%s", text);
    assert_int_equal(mgr_curl(k, "GET", path, body, sizeof body), 422);
    expect_status(body, "tampered");
    free(text);
}

/* The worker alone (no kiosk binary): a voucher issued in the guest's
 * transaction goes in one batch with its journey's feedback; a re-send
 * (the kiosk stopped after the hub kept it, before the outbox heard) is
 * answered duplicate, settles, and the hub still holds one record. */
static void worker_sends_a_voucher_exactly_once(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    char err[512], journey[AM_UUID_LEN + 1], code[AM_VOUCHER_CODE_SIZE];
    am_voucher_key key;
    if (am_voucher_key_load(k->vkey, &key, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    if (am_store_open(fx->data, AM_STORE_READWRITE, h_now_ms(), &fx->st, err, sizeof err))
        fail_msg("store: %s", err);

    am_report r;
    fx_report(&r, 1);
    snprintf(r.offer, sizeof r.offer, "drink");
    r.offer_value_minor = 600;
    r.offer_state = AM_OFFER_ACCEPTED;
    int64_t now = h_now_ms();
    assert_int_equal(am_store_journey_open(fx->st, "k1", &r, now, journey), AM_OK);
    assert_int_equal(am_store_begin(fx->st), AM_OK);
    assert_int_equal(am_store_offer_record(fx->st, journey, "drink", 600, AM_OFFER_ACCEPTED, now),
                     AM_OK);
    if (am_voucher_issue(fx->st, &key, "k1", journey, "drink", 600, now, 30, code, err,
                         sizeof err) != AM_OK)
        fail_msg("%s", err);
    assert_int_equal(am_store_commit(fx->st), AM_OK);
    am_voucher_key_wipe(&key);
    snprintf(r.voucher, sizeof r.voucher, "%s", code);
    assert_int_equal(am_store_journey_close(fx->st, journey, &r, AM_OUTCOME_COMPLETED, now), AM_OK);

    am_sync_options opt;
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    am_sync_wake(fx->sync);
    fx_wait_drained(fx, 15000);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.synced, 2);
    assert_int_equal(s.quarantined, 0);
    assert_int_equal(fx_hub_int(fx,
                                "SELECT count(*) FROM vouchers v JOIN feedback f ON "
                                "f.id = v.journey AND f.batch = v.batch WHERE v.code = ?1",
                                code),
                     1);

    /* As if the kiosk had stopped between the hub's answer and the settle. */
    am_voucher_row v;
    assert_int_equal(am_store_voucher_get(fx->st, code, &v), AM_OK);
    sqlite3 *db = NULL;
    char path[800];
    snprintf(path, sizeof path, "%s/%s", fx->data, AM_STORE_FILE);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "UPDATE outbox SET state = 'pending', next_try_ms = 0 "
                                        "WHERE uuid = ?1 AND kind = 'voucher' AND state = 'synced'",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, v.outbox_uuid, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    assert_int_equal(fx_status(fx).pending, 1);

    am_sync_wake(fx->sync);
    fx_wait_drained(fx, 15000);
    s = fx_status(fx);
    assert_int_equal(s.synced, 2);
    assert_int_equal(s.quarantined, 0);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM vouchers", NULL), 1);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM vouchers WHERE id = ?1", v.outbox_uuid),
                     1);
    assert_int_equal(
        fx_hub_int(fx, "SELECT coalesce(sum(duplicate), 0) FROM ingest_log WHERE kiosk = 'k1'",
                   NULL),
        1);
    assert_int_equal(
        fx_hub_int(fx, "SELECT coalesce(sum(stored), 0) FROM ingest_log WHERE kiosk = 'k1'", NULL),
        2);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kiosk_voucher_is_verified_and_redeemed_once_at_the_hub,
                                        setup, kx_teardown),
        cmocka_unit_test_setup_teardown(voucher_the_hub_rejects_is_quarantined_with_its_reason,
                                        setup, kx_teardown),
        cmocka_unit_test_setup_teardown(worker_sends_a_voucher_exactly_once, setup, kx_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
