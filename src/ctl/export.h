/* export.h — amendsctl's writers: journeys as RFC 4180 CSV or JSON. */
#ifndef AMENDS_CTL_EXPORT_H
#define AMENDS_CTL_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "amends/error.h"
#include "amends/store.h"

typedef enum am_export_format { AM_EXPORT_CSV = 0, AM_EXPORT_JSON } am_export_format;

/* Writes every journey created at or after since_ms to `to`. Returns AM_OK,
 * the store's error, or AM_ERR_IO when writing failed. *count_out gets the
 * number of journeys written. */
am_rc am_export_journeys(am_store *st, int64_t since_ms, am_export_format format, FILE *to,
                         long *count_out);

/* The column names, in order, shared by CSV and JSON. */
extern const char *const am_export_columns[];
extern const int am_export_column_count;

#endif
