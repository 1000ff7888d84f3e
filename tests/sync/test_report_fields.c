/* test_report_fields.c — the report's field table (amends/report.h) is the
 * one description of a report: every field it lists is kept by the kiosk's
 * store, carried by the wire format, kept by the hub, and written by both
 * exports (amendsctl's, which the kiosk's USB export shares, and the hub's
 * /v1/feedback) under the same column name with the same value.
 *
 * The values are made from the table itself, so a field added to the table
 * is checked here without a change to this file.
 */
#include "sync_fixture.h"

#include <cjson/cJSON.h>

#include "amends/proto.h"
#include "amends/report.h"

#define CTL_BIN AM_BINARY_DIR "/bin/amendsctl"

/* A value for field i that no other field has and that every kind
 * accepts: a given enum value, the largest allowed number, a distinct id,
 * text that needs CSV quoting. */
static void fill_field(am_report *r, size_t i)
{
    const am_report_field_def *d = &am_report_fields[i];
    char *text = am_report_member_mut(r, d);
    switch (d->kind) {
    case AM_RK_LANG:
        am_report_set_int(r, d, AM_LANG_AR);
        break;
    case AM_RK_ENUM: /* the first value that is not "not given" */
        am_report_set_int(r, d, d->lo > 0 ? d->lo : 1);
        break;
    case AM_RK_INT:
        am_report_set_int(r, d, d->hi);
        break;
    case AM_RK_INT64:
        am_report_set_int(r, d, 100000 + (int64_t)i);
        break;
    case AM_RK_ID:
    case AM_RK_ID_OPT:
        snprintf(text, d->size, "id_%zu", i);
        break;
    case AM_RK_ASCII:
        snprintf(text, d->size < d->cap + 1 ? d->size : d->cap + 1, "ASCII %zu", i);
        break;
    case AM_RK_TEXT:
        snprintf(text, d->size, "%s of field %zu, \"quoted\" \xc3\xa9", d->name, i);
        break;
    }
}

static void fill_report(am_report *r)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < am_report_field_count; i++)
        fill_field(r, i);
    r->outcome = AM_OUTCOME_COMPLETED;
}

/* Every field of got has the value it has in want. */
static void assert_same_report(const am_report *want, const am_report *got, const char *where)
{
    for (size_t i = 0; i < am_report_field_count; i++) {
        const am_report_field_def *d = &am_report_fields[i];
        char a[32], b[32];
        const char *va = am_report_value_text(want, d, a, sizeof a);
        const char *vb = am_report_value_text(got, d, b, sizeof b);
        if (strcmp(va, vb) != 0)
            fail_msg("%s: field %s is \"%s\", not \"%s\"", where, d->name, vb, va);
    }
}

/* --- a small RFC 4180 reader: header and first row ----------------------- */

typedef struct csv_table {
    int cols;
    char *head[96];
    char *row[96];
} csv_table;

static const char *csv_read_row(const char *p, char **cells, int *count)
{
    int n = 0;
    for (;;) {
        char buf[4096];
        size_t len = 0;
        if (*p == '"') {
            p++;
            for (;;) {
                assert_true(*p != '\0');
                if (p[0] == '"' && p[1] == '"') {
                    buf[len++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    buf[len++] = *p++;
                }
                assert_true(len < sizeof buf - 1);
            }
        } else {
            while (*p && *p != ',' && *p != '\r')
                buf[len++] = *p++;
        }
        buf[len] = '\0';
        assert_true(n < 96);
        cells[n++] = strdup(buf);
        if (*p == ',') {
            p++;
            continue;
        }
        assert_true(p[0] == '\r' && p[1] == '\n');
        *count = n;
        return p + 2;
    }
}

static void csv_load(const char *text, csv_table *t)
{
    int head = 0, row = 0;
    memset(t, 0, sizeof *t);
    const char *p = csv_read_row(text, t->head, &head);
    csv_read_row(p, t->row, &row);
    assert_int_equal(head, row);
    t->cols = head;
}

static const char *csv_get(const csv_table *t, const char *column)
{
    for (int c = 0; c < t->cols; c++) {
        if (strcmp(t->head[c], column) == 0)
            return t->row[c];
    }
    return NULL;
}

static void csv_free(csv_table *t)
{
    for (int c = 0; c < t->cols; c++) {
        free(t->head[c]);
        free(t->row[c]);
    }
}

/* A JSON value as the text the CSV carries. */
static void json_text(const cJSON *v, char *out, size_t len)
{
    if (cJSON_IsString(v))
        snprintf(out, len, "%s", v->valuestring);
    else if (cJSON_IsNumber(v))
        snprintf(out, len, "%.0f", v->valuedouble);
    else
        snprintf(out, len, "%s", cJSON_IsNull(v) ? "" : "?");
}

static char *ctl_export(sync_fx *fx, const char *format)
{
    char out[800], err[800];
    snprintf(out, sizeof out, "%s/export.%s", fx->h->dir, format);
    snprintf(err, sizeof err, "%s/export.err", fx->h->dir);
    char *argv[] = {CTL_BIN, "--data-dir", fx->data, "export", "--format", (char *)format, NULL};
    assert_int_equal(am_test_run_program(argv, out, err), 0);
    size_t len = 0;
    char *text = am_test_read_file(out, &len);
    assert_non_null(text);
    return text;
}

static char *hub_export(sync_fx *fx, const char *path)
{
    am_hub_client *m = h_manager(fx->h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", path, &reply);
    assert_int_equal(reply.status, 200);
    char *text = strdup(reply.body);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return text;
}

static int setup(void **state)
{
    fx_open(state, NULL);
    return 0;
}

/* Store, wire, hub and both exports carry every field of the table. */
static void every_report_field_is_stored_sent_kept_and_exported(void **state)
{
    sync_fx *fx = *state;
    am_report want, *got = calloc(1, sizeof *got);
    assert_non_null(got);
    fill_report(&want);

    /* The kiosk's store. */
    char uuid[AM_UUID_LEN + 1];
    assert_int_equal(am_store_journey_open(fx->st, "k1", &want, h_now_ms(), uuid), AM_OK);
    assert_int_equal(am_store_journey_close(fx->st, uuid, &want, AM_OUTCOME_COMPLETED, h_now_ms()),
                     AM_OK);
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(fx->st, uuid, row), AM_OK);
    assert_same_report(&want, &row->report, "store");

    /* The wire: encoded and decoded again. */
    am_proto_batch *b = am_proto_batch_new("k1", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", 1);
    assert_non_null(b);
    am_proto_record *rec = am_proto_batch_add(b, AM_PROTO_FEEDBACK);
    snprintf(rec->id, sizeof rec->id, "%s", uuid);
    rec->u.feedback.created_at = row->created_at_ms;
    rec->u.feedback.closed_at = row->closed_at_ms;
    rec->u.feedback.report = want;
    char err[256] = "";
    char *body = am_proto_batch_encode(b, err, sizeof err);
    if (!body)
        fail_msg("encode: %s", err);
    for (size_t i = 0; i < am_report_field_count; i++) {
        char key[64];
        snprintf(key, sizeof key, "\"%s\":", am_report_fields[i].name);
        if (!strstr(body, key))
            fail_msg("the wire has no key %s", key);
    }
    am_proto_batch *back = NULL;
    assert_int_equal(am_proto_batch_decode(body, strlen(body), &back, err, sizeof err), AM_OK);
    assert_true(back->records[0].valid);
    assert_same_report(&want, &back->records[0].u.feedback.report, "wire");
    am_proto_batch_free(back);
    am_proto_batch_free(b);
    free(body);

    /* The hub, through the sync worker. */
    am_sync_options opt;
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    am_sync_wake(fx->sync);
    fx_wait_drained(fx, 20000);
    assert_int_equal(fx_status(fx).synced, 1);

    /* Both exports, CSV and JSON: every field under its name, its value
     * as the wire carries it. */
    char *ctl_csv = ctl_export(fx, "csv"), *hub_csv = hub_export(fx, "/v1/feedback?format=csv");
    char *ctl_json = ctl_export(fx, "json"), *hub_json = hub_export(fx, "/v1/feedback");
    csv_table kc, hc;
    csv_load(ctl_csv, &kc);
    csv_load(hub_csv, &hc);
    cJSON *kj = cJSON_Parse(ctl_json), *hj = cJSON_Parse(hub_json);
    assert_non_null(kj);
    assert_non_null(hj);
    const cJSON *kobj = cJSON_GetArrayItem(kj, 0);
    const cJSON *hobj = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(hj, "feedback"), 0);
    assert_non_null(kobj);
    assert_non_null(hobj);
    for (size_t i = 0; i < am_report_field_count; i++) {
        const am_report_field_def *d = &am_report_fields[i];
        char buf[32], kt[4096], ht[4096];
        const char *value = am_report_value_text(&want, d, buf, sizeof buf);
        const char *k = csv_get(&kc, d->name), *h = csv_get(&hc, d->name);
        if (!k || !h)
            fail_msg("column %s: missing from the %s CSV export", d->name, k ? "hub's" : "kiosk's");
        assert_string_equal(k, value);
        assert_string_equal(h, value);
        json_text(cJSON_GetObjectItemCaseSensitive(kobj, d->name), kt, sizeof kt);
        json_text(cJSON_GetObjectItemCaseSensitive(hobj, d->name), ht, sizeof ht);
        assert_string_equal(kt, value);
        assert_string_equal(ht, value);
        /* Numbers are numbers in both JSON exports. */
        assert_int_equal(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(kobj, d->name)),
                         am_report_kind_is_number(d->kind));
        assert_int_equal(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(hobj, d->name)),
                         am_report_kind_is_number(d->kind));
    }
    cJSON_Delete(kj);
    cJSON_Delete(hj);
    csv_free(&kc);
    csv_free(&hc);
    free(ctl_csv);
    free(hub_csv);
    free(ctl_json);
    free(hub_json);
    free(row);
    free(got);
}

/* amendsctl's export and the hub's /v1/feedback name the same things the
 * same: every column the kiosk's CSV has (but its own sync_state) is in
 * the hub's, with the same value, and every column of the hub's (but its
 * own received_at) is in the kiosk's. */
static void kiosk_and_hub_exports_have_the_same_columns_and_values(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    fx_seed(fx, 1, 0);
    fx_wait_drained(fx, 20000);
    assert_int_equal(fx_status(fx).synced, 1);

    char *ctl_csv = ctl_export(fx, "csv"), *hub_csv = hub_export(fx, "/v1/feedback?format=csv");
    csv_table kc, hc;
    csv_load(ctl_csv, &kc);
    csv_load(hub_csv, &hc);
    int shared = 0;
    for (int c = 0; c < kc.cols; c++) {
        if (strcmp(kc.head[c], "sync_state") == 0)
            continue;
        const char *h = csv_get(&hc, kc.head[c]);
        if (!h)
            fail_msg("the hub's export has no column %s", kc.head[c]);
        if (strcmp(h, kc.row[c]) != 0)
            fail_msg("column %s: kiosk \"%s\", hub \"%s\"", kc.head[c], kc.row[c], h);
        shared++;
    }
    for (int c = 0; c < hc.cols; c++) {
        if (strcmp(hc.head[c], "received_at") != 0 && !csv_get(&kc, hc.head[c]))
            fail_msg("the kiosk's export has no column %s", hc.head[c]);
    }
    assert_int_equal(shared, hc.cols - 1);
    assert_string_equal(csv_get(&kc, "sync_state"), "synced");
    assert_string_equal(csv_get(&kc, "lang"), "en");
    assert_string_equal(csv_get(&hc, "outcome"), "completed");
    csv_free(&kc);
    csv_free(&hc);
    free(ctl_csv);
    free(hub_csv);
}

/* A feedback record without one of the report's fields: refused as
 * missing, unless the table marks the field wire_optional (a field newer
 * than some kiosks), which then reads as 0 or "". */
static void a_missing_field_is_refused_unless_wire_optional(void **state)
{
    (void)state;
    am_report want;
    fill_report(&want);
    int optional = 0;
    for (size_t i = 0; i < am_report_field_count; i++) {
        const am_report_field_def *d = &am_report_fields[i];
        am_proto_batch *b = am_proto_batch_new("k1", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", 1);
        assert_non_null(b);
        am_proto_record *rec = am_proto_batch_add(b, AM_PROTO_FEEDBACK);
        snprintf(rec->id, sizeof rec->id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c");
        rec->u.feedback.created_at = 1764650000000;
        rec->u.feedback.closed_at = 1764650000001;
        rec->u.feedback.report = want;
        char err[256] = "";
        char *body = am_proto_batch_encode(b, err, sizeof err);
        if (!body)
            fail_msg("encode: %s", err);
        cJSON *doc = cJSON_Parse(body);
        assert_non_null(doc);
        cJSON *record = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "records"), 0);
        assert_non_null(cJSON_GetObjectItemCaseSensitive(record, d->name));
        cJSON_DeleteItemFromObjectCaseSensitive(record, d->name);
        char *without = cJSON_PrintUnformatted(doc);
        assert_non_null(without);
        am_proto_batch *back = NULL;
        assert_int_equal(am_proto_batch_decode(without, strlen(without), &back, err, sizeof err),
                         AM_OK);
        const am_proto_record *got = &back->records[0];
        if (d->wire_optional) {
            optional++;
            if (!got->valid)
                fail_msg("%s is wire_optional, yet: %s", d->name, got->reason);
            char buf[32];
            const char *v = am_report_value_text(&got->u.feedback.report, d, buf, sizeof buf);
            assert_true(strcmp(v, "") == 0 || strcmp(v, "0") == 0);
        } else {
            char want_reason[128];
            snprintf(want_reason, sizeof want_reason, "records[0].%s: missing", d->name);
            assert_false(got->valid);
            assert_string_equal(got->reason, want_reason);
        }
        am_proto_batch_free(back);
        cJSON_free(without);
        cJSON_Delete(doc);
        free(body);
        am_proto_batch_free(b);
    }
    print_message("%d of %zu report fields may be absent on the wire\n", optional,
                  am_report_field_count);
}

/* docs/protocol.md's table of the feedback record lists the head fields
 * and then exactly the report's fields, in the table's order. */
static void protocol_doc_lists_every_report_field_in_order(void **state)
{
    (void)state;
    size_t len = 0;
    char *doc = am_test_read_file(AM_SOURCE_DIR "/docs/protocol.md", &len);
    assert_non_null(doc);
    char *p = strstr(doc, "**feedback** — a closed journey:");
    assert_non_null(p);
    p = strstr(p, "|---|");
    assert_non_null(p);
    p = strchr(p, '\n') + 1;
    const char *names[64];
    int n = 0;
    /* Each row: | `name` | ... or | `a`, `b` | ... */
    while (strncmp(p, "| `", 3) == 0) {
        char *cell_end = strchr(p + 1, '|');
        assert_non_null(cell_end);
        for (char *q = p + 2; q < cell_end; q++) {
            if (*q != '`')
                continue;
            char *close = strchr(q + 1, '`');
            assert_true(close && close < cell_end && n < 64);
            *close = '\0';
            names[n++] = q + 1;
            q = close;
        }
        p = strchr(cell_end, '\n') + 1;
    }
    static const char *const head[] = {"created_at", "closed_at", "outcome", "case_code"};
    const int heads = (int)(sizeof head / sizeof head[0]);
    assert_int_equal(n, heads + (int)am_report_field_count);
    for (int i = 0; i < heads; i++)
        assert_string_equal(names[i], head[i]);
    for (size_t i = 0; i < am_report_field_count; i++)
        assert_string_equal(names[heads + i], am_report_fields[i].name);
    free(doc);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(protocol_doc_lists_every_report_field_in_order),
        cmocka_unit_test(a_missing_field_is_refused_unless_wire_optional),
        cmocka_unit_test_setup_teardown(every_report_field_is_stored_sent_kept_and_exported, setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(kiosk_and_hub_exports_have_the_same_columns_and_values,
                                        setup, fx_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
