/* svg.h — the dashboard's charts, drawn on the server as inline SVG.
 *
 * No scripts and no external assets: a chart is markup that any browser
 * shows as is, on a LAN with no internet. Every label is escaped.
 */
#ifndef AMENDS_HUB_SVG_H
#define AMENDS_HUB_SVG_H

#include <stddef.h>

#include "html.h"

#define HUB_SVG_SERIES_MAX 8

/* One chart over consecutive days. values[s][d] is series s on day d;
 * a NaN value means "no data that day" (drawn as nothing, not as 0). */
typedef struct hub_chart {
    const char *id;    /* element id, hub-made */
    const char *title; /* accessible title (escaped) */
    size_t days;
    const char *const *day_labels; /* days entries, e.g. "11-03" (escaped) */
    size_t series;                 /* 1..HUB_SVG_SERIES_MAX */
    const char *const *series_names;
    const double *const *values;
    double y_max;       /* top of the scale; 0: from the data */
    const char *y_unit; /* appended to axis labels ("%", ""), hub-made */
    int y_decimals;     /* decimals on axis labels */
    int ticks;          /* grid intervals; 0: 4 */
} hub_chart;

/* Stacked bars: one bar per day, one segment per series, with a legend. */
void hub_svg_bars(hub_html *h, const hub_chart *c);
/* A line per series with a dot on each day that has data. */
void hub_svg_line(hub_html *h, const hub_chart *c);

/* One horizontal bar: `value` against `limit` (a budget), filled in the
 * warning colour when over. id and title as in hub_chart; a limit of 0
 * shows any value as over. */
void hub_svg_meter(hub_html *h, const char *id, const char *title, double value, double limit);

#endif
