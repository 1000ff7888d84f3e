/* hub_db_feedback_sql.c — the feedback table's INSERT and SELECT, built once
 * from the report's fields (amends/report.h). */
#include "hub_db_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include "amends/report.h"

static feedback_sql feedback_sql_built;
static pthread_once_t feedback_sql_once = PTHREAD_ONCE_INIT;

static void sql_add(char *sql, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql_add(char *sql, const char *fmt, ...)
{
    size_t len = strlen(sql);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql + len, FEEDBACK_SQL_MAX - len, fmt, ap);
    va_end(ap);
}

static void feedback_sql_build(void)
{
    static const col head[] = {{"id", COL_TEXT},         {"kiosk", COL_TEXT},
                               {"received_at", COL_INT}, {"created_at", COL_INT},
                               {"closed_at", COL_INT},   {"outcome", COL_TEXT}};
    feedback_sql *f = &feedback_sql_built;
    int n = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        f->cols[n++] = head[i];
    for (size_t i = 0; i < am_report_field_count; i++)
        f->cols[n++] =
            (col){am_report_fields[i].name,
                  am_report_kind_is_number(am_report_fields[i].kind) ? COL_INT : COL_TEXT};
    f->ncols = n;
    sql_add(f->insert, "INSERT INTO feedback (id, kiosk, batch, received_at, created_at, "
                       "closed_at, outcome");
    sql_add(f->select, "SELECT ");
    for (int c = 0; c < n; c++) {
        f->names[c] = f->cols[c].name;
        sql_add(f->select, "%s%s", c ? ", " : "", f->cols[c].name);
    }
    f->names[n] = NULL;
    for (size_t i = 0; i < am_report_field_count; i++)
        sql_add(f->insert, ", %s", am_report_fields[i].name);
    sql_add(f->insert, ") VALUES (?1");
    for (size_t i = 2; i <= FEEDBACK_HEAD_PARAMS + am_report_field_count; i++)
        sql_add(f->insert, ", ?%zu", i);
    sql_add(f->insert, ") ON CONFLICT DO NOTHING");
    sql_add(f->select, " FROM feedback "
                       "WHERE (CAST(?1 AS TEXT) = '' OR kiosk = ?1) "
                       "AND closed_at >= CAST(?2 AS BIGINT) "
                       "AND (CAST(?3 AS TEXT) = '' OR category = ?3) "
                       "AND (CAST(?4 AS TEXT) = '' OR outcome = ?4) "
                       "AND (CAST(?6 AS BIGINT) = 0 OR kiosk IN (SELECT id FROM kiosks WHERE "
                       "site IN (?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
                       "?20, ?21, ?22))) "
                       "ORDER BY closed_at, id LIMIT CAST(?5 AS BIGINT)");
}

const feedback_sql *hub_db_feedback_sql(void)
{
    pthread_once(&feedback_sql_once, feedback_sql_build);
    return &feedback_sql_built;
}

const char *const *hub_db_feedback_columns(void)
{
    return hub_db_feedback_sql()->names;
}
