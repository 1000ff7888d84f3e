/* export.c — journeys as RFC 4180 CSV or as a JSON array (cJSON). Streams
 * one journey at a time, so an export never holds the whole store. */
#include "export.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/clock.h"
#include "amends/config.h"
#include "amends/text.h"

const char *const am_export_columns[] = {
    "id",          "created_at",     "closed_at",  "kiosk",      "locale",          "category",
    "severity",    "description",    "first_name", "resolution", "resolution_text", "offer",
    "offer_value", "offer_accepted", "voucher",    "rating",     "comment",         "contact",
    "consent",     "outcome",        "sync_state",
};
const int am_export_column_count = (int)(sizeof am_export_columns / sizeof am_export_columns[0]);

struct export_ctx {
    am_export_format format;
    FILE *to;
    long count;
    int io_error;
};

/* One CSV field, RFC 4180: quoted when it holds a comma, quote, CR or LF;
 * quotes doubled. Free text that a spreadsheet would run as a formula
 * (=, +, -, @ first) gets a leading apostrophe, the usual defence against
 * CSV formula injection; the JSON export keeps text exactly. */
static void csv_field(FILE *to, const char *s, int free_text)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    bool formula = free_text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                                 s[0] == '\t' || s[0] == '\r');
    if (formula)
        quote = true;
    if (!quote) {
        fputs(s, to);
        return;
    }
    fputc('"', to);
    if (formula)
        fputc('\'', to);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', to);
        fputc(*s, to);
    }
    fputc('"', to);
}

/* The values of one row as strings, in am_export_columns order. `scratch`
 * holds the formatted numbers and times. */
static void row_values(const am_journey_row *row, const char *vals[], char scratch[][40])
{
    const am_report *r = &row->report;
    am_format_utc(row->created_at_ms, scratch[0], 40);
    am_format_utc(row->closed_at_ms, scratch[1], 40);
    if (r->offer[0])
        am_money_format(r->offer_value_minor, scratch[2], 40);
    else
        scratch[2][0] = '\0';
    if (r->rating > 0)
        snprintf(scratch[3], 40, "%d", r->rating);
    else
        scratch[3][0] = '\0';
    const char *accepted = "";
    if (r->offer_state == AM_OFFER_ACCEPTED)
        accepted = "true";
    else if (r->offer_state == AM_OFFER_DECLINED)
        accepted = "false";
    int i = 0;
    vals[i++] = row->id;
    vals[i++] = scratch[0];
    vals[i++] = scratch[1];
    vals[i++] = row->kiosk;
    vals[i++] = am_lang_codes[r->lang >= 0 && r->lang < AM_LANG_COUNT ? r->lang : 0];
    vals[i++] = r->category;
    vals[i++] = am_severity_name(r->severity);
    vals[i++] = r->description;
    vals[i++] = r->first_name;
    vals[i++] = r->resolution;
    vals[i++] = r->resolution_text;
    vals[i++] = r->offer;
    vals[i++] = scratch[2];
    vals[i++] = accepted;
    vals[i++] = r->voucher;
    vals[i++] = scratch[3];
    vals[i++] = r->comment;
    vals[i++] = r->contact;
    vals[i++] = am_consent_name(r->consent);
    vals[i++] = am_outcome_name(r->outcome);
    vals[i++] = am_sync_state_name(row->sync_state);
}

static int is_free_text(int column)
{
    const char *name = am_export_columns[column];
    return strcmp(name, "description") == 0 || strcmp(name, "first_name") == 0 ||
           strcmp(name, "resolution_text") == 0 || strcmp(name, "comment") == 0 ||
           strcmp(name, "contact") == 0 || strcmp(name, "voucher") == 0;
}

static void write_csv(struct export_ctx *ctx, const am_journey_row *row)
{
    const char *vals[32];
    char scratch[4][40];
    row_values(row, vals, scratch);
    for (int c = 0; c < am_export_column_count; c++) {
        if (c)
            fputc(',', ctx->to);
        csv_field(ctx->to, vals[c], is_free_text(c));
    }
    fputs("\r\n", ctx->to);
}

/* JSON types: numbers for rating and value, booleans for offer_accepted,
 * null where nothing was given. */
static cJSON *row_json(const am_journey_row *row)
{
    const am_report *r = &row->report;
    const char *vals[32];
    char scratch[4][40];
    row_values(row, vals, scratch);
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    for (int c = 0; c < am_export_column_count; c++) {
        const char *name = am_export_columns[c];
        cJSON *item;
        if (strcmp(name, "rating") == 0)
            item = r->rating > 0 ? cJSON_CreateNumber(r->rating) : cJSON_CreateNull();
        else if (strcmp(name, "offer_value") == 0)
            item = r->offer[0] ? cJSON_CreateNumber((double)r->offer_value_minor / 100.0)
                               : cJSON_CreateNull();
        else if (strcmp(name, "offer_accepted") == 0)
            item = vals[c][0] ? cJSON_CreateBool(strcmp(vals[c], "true") == 0) : cJSON_CreateNull();
        else if (strcmp(name, "consent") == 0)
            item = r->consent == AM_CONSENT_UNSET ? cJSON_CreateNull()
                                                  : cJSON_CreateBool(r->consent == AM_CONSENT_YES);
        else if (strcmp(name, "closed_at") == 0 && !vals[c][0])
            item = cJSON_CreateNull();
        else
            item = cJSON_CreateString(vals[c]);
        if (!item || !cJSON_AddItemToObject(obj, name, item)) {
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
    if (ferror(ctx->to)) {
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
        for (int c = 0; c < am_export_column_count; c++) {
            if (c)
                fputc(',', to);
            fputs(am_export_columns[c], to);
        }
        fputs("\r\n", to);
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
