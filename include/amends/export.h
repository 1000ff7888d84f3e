/* export.h — journeys from the kiosk's store as RFC 4180 CSV or as JSON.
 *
 * One writer for amendsctl's `export` and the kiosk's USB export (the
 * manager screen), in a library both link. The columns are those of the
 * hub's /v1/feedback: id, kiosk, created_at, closed_at, outcome, then the
 * report's fields under their wire names (amends/report.h, whose table
 * lists them), then the kiosk's own sync_state. Values are written as the
 * wire carries them (docs/protocol.md): times in ms since the epoch, enums
 * by name, the language by its code, money in minor units. CSV cells go
 * through the one CSV writer (amends/csv.h).
 */
#ifndef AMENDS_EXPORT_H
#define AMENDS_EXPORT_H

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

/* The number of columns, and column i's name (NULL past the end), in
 * order, shared by CSV and JSON. */
int am_export_column_count(void);
const char *am_export_column(int i);

#endif
