/* export.c — journeys as RFC 4180 CSV or as a JSON array (cJSON), see
 * amends/export.h. Streams one journey at a time, so an export never holds
 * the whole store. */
#include "amends/export.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "amends/csv.h"
#include "amends/report.h"
#include "amends/text.h"

/* The columns before and after the report's fields. */
static const char *const head_columns[] = {"id", "kiosk", "created_at", "closed_at", "outcome"};
#define HEAD_COUNT  ((int)(sizeof head_columns / sizeof head_columns[0]))
#define MAX_COLUMNS (HEAD_COUNT + AM_REPORT_FIELDS_MAX + 1)

int am_export_column_count(void)
{
    return HEAD_COUNT + (int)am_report_field_count + 1;
}

const char *am_export_column(int i)
{
    if (i < 0 || i >= am_export_column_count())
        return NULL;
    if (i < HEAD_COUNT)
        return head_columns[i];
    if (i < HEAD_COUNT + (int)am_report_field_count)
        return am_report_fields[i - HEAD_COUNT].name;
    return "sync_state";
}

struct export_ctx {
    am_export_format format;
    FILE *to;
    long count;
    int io_error;
};

/* Scratch for the numbers of one row. */
typedef struct row_text {
    char created[24], closed[24];
    char numbers[MAX_COLUMNS][24];
} row_text;

/* The values of one row as text, in column order; number[c] says which
 * are numbers in JSON. An open journey's closed_at is "" (null in JSON). */
static int row_values(const am_journey_row *row, const char *vals[], bool number[],
                      row_text *scratch)
{
    const am_report *r = &row->report;
    int n = 0;
    snprintf(scratch->created, sizeof scratch->created, "%lld", (long long)row->created_at_ms);
    scratch->closed[0] = '\0';
    if (row->closed_at_ms)
        snprintf(scratch->closed, sizeof scratch->closed, "%lld", (long long)row->closed_at_ms);
    vals[n] = row->id, number[n++] = false;
    vals[n] = row->kiosk, number[n++] = false;
    vals[n] = scratch->created, number[n++] = true;
    vals[n] = scratch->closed, number[n++] = true;
    vals[n] = am_outcome_name(r->outcome), number[n++] = false;
    if (!vals[n - 1])
        vals[n - 1] = "";
    for (size_t i = 0; i < am_report_field_count; i++) {
        const am_report_field_def *d = &am_report_fields[i];
        number[n] = am_report_kind_is_number(d->kind);
        vals[n] = am_report_value_text(r, d, scratch->numbers[n], sizeof scratch->numbers[n]);
        n++;
    }
    vals[n] = am_sync_state_name(row->sync_state), number[n++] = false;
    return n;
}

static void write_csv(struct export_ctx *ctx, const am_journey_row *row)
{
    const char *vals[MAX_COLUMNS];
    bool number[MAX_COLUMNS];
    row_text scratch;
    int n = row_values(row, vals, number, &scratch);
    if (am_csv_row(ctx->to, vals, n, AM_CSV_QUOTE_NEEDED) != 0)
        ctx->io_error = 1;
}

/* JSON types: numbers for numbers, strings for the rest, null for the
 * closed_at of an open journey. */
static cJSON *row_json(const am_journey_row *row)
{
    const char *vals[MAX_COLUMNS];
    bool number[MAX_COLUMNS];
    row_text scratch;
    int n = row_values(row, vals, number, &scratch);
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    for (int c = 0; c < n; c++) {
        cJSON *item;
        if (number[c] && !vals[c][0])
            item = cJSON_CreateNull();
        else if (number[c])
            item = cJSON_CreateNumber(strtod(vals[c], NULL));
        else
            item = cJSON_CreateString(vals[c]);
        if (!item || !cJSON_AddItemToObject(obj, am_export_column(c), item)) {
            cJSON_Delete(item);
            cJSON_Delete(obj);
            return NULL;
        }
    }
    return obj;
}

static int write_row(const am_journey_row *row, void *ud)
{
    struct export_ctx *ctx = ud;
    if (ctx->format == AM_EXPORT_CSV) {
        write_csv(ctx, row);
    } else {
        cJSON *obj = row_json(row);
        char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
        cJSON_Delete(obj);
        if (!text) {
            ctx->io_error = 1;
            return 1;
        }
        fputs(ctx->count ? ",\n  " : "\n  ", ctx->to);
        fputs(text, ctx->to);
        am_wipe(text, strlen(text));
        free(text);
    }
    ctx->count++;
    if (ctx->io_error || ferror(ctx->to)) {
        ctx->io_error = 1;
        return 1;
    }
    return 0;
}

am_rc am_export_journeys(am_store *st, int64_t since_ms, am_export_format format, FILE *to,
                         long *count_out)
{
    struct export_ctx ctx = {.format = format, .to = to};
    if (format == AM_EXPORT_CSV) {
        const char *names[MAX_COLUMNS];
        int n = am_export_column_count();
        for (int c = 0; c < n; c++)
            names[c] = am_export_column(c);
        am_csv_row(to, names, n, AM_CSV_QUOTE_NEEDED);
    } else {
        fputc('[', to);
    }
    am_rc rc = am_store_journeys_each(st, since_ms, write_row, &ctx);
    if (format == AM_EXPORT_JSON)
        fputs(ctx.count ? "\n]\n" : "]\n", to);
    *count_out = ctx.count;
    if (rc)
        return rc;
    if (ctx.io_error || fflush(to) != 0 || ferror(to))
        return AM_ERR_IO;
    return AM_OK;
}
