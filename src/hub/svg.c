/* svg.c — stacked bars and lines as inline SVG, with axis, grid and legend. */
#include "svg.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define W      560
#define H      220
#define LEFT   44
#define RIGHT  12
#define TOP    12
#define BOTTOM 40

/* Tell series apart without relying on colour alone: the legend names them
 * in order, and the palette keeps neighbours far apart. */
static const char *const palette[HUB_SVG_SERIES_MAX] = {
    "#2563eb", "#ea580c", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#64748b",
};

static int ticks(const hub_chart *c)
{
    return c->ticks > 0 ? c->ticks : 4;
}

static double scale_max(const hub_chart *c, bool stacked)
{
    if (c->y_max > 0)
        return c->y_max;
    double top = 0;
    for (size_t d = 0; d < c->days; d++) {
        double sum = 0;
        for (size_t s = 0; s < c->series; s++) {
            double v = c->values[s][d];
            if (isnan(v))
                continue;
            if (stacked)
                sum += v;
            else if (v > sum)
                sum = v;
        }
        if (sum > top)
            top = sum;
    }
    /* A round step (1, 2 or 5 times a power of ten, whole when the labels
     * have no decimals) so that every grid line has a distinct label. */
    double raw = top / ticks(c);
    double floor_step = c->y_decimals > 0 ? pow(10, -c->y_decimals) : 1;
    if (raw < floor_step)
        raw = floor_step;
    double mag = pow(10, floor(log10(raw)));
    double step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
    return step * ticks(c);
}

static void frame(hub_html *h, const hub_chart *c, double ymax, double plot_w, double slot)
{
    hub_html_fmt(h,
                 "<svg id=\"%s\" class=\"chart\" role=\"img\" viewBox=\"0 0 %d %d\" "
                 "xmlns=\"http://www.w3.org/2000/svg\"><title>",
                 c->id, W, H);
    hub_html_text(h, c->title);
    hub_html_raw(h, "</title>");
    double plot_h = H - TOP - BOTTOM;
    int n = ticks(c);
    for (int i = 0; i <= n; i++) {
        double y = TOP + plot_h - plot_h * i / (double)n;
        hub_html_fmt(h,
                     "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                     "<text x=\"%d\" y=\"%.1f\" class=\"ylab\">%.*f%s</text>",
                     LEFT, LEFT + plot_w, y, y, LEFT - 4, y + 4, c->y_decimals,
                     ymax * i / (double)n, c->y_unit);
    }
    /* At most ~8 day labels, evenly spread, so they never overlap. */
    size_t every = c->days > 8 ? (c->days + 7) / 8 : 1;
    for (size_t d = 0; d < c->days; d++) {
        if (d % every && d != c->days - 1)
            continue;
        hub_html_fmt(h, "<text x=\"%.1f\" y=\"%d\" class=\"xlab\">", LEFT + slot * (d + 0.5),
                     H - BOTTOM + 16);
        hub_html_text(h, c->day_labels[d]);
        hub_html_raw(h, "</text>");
    }
}

static void legend(hub_html *h, const hub_chart *c)
{
    double x = LEFT;
    for (size_t s = 0; s < c->series; s++) {
        hub_html_fmt(h,
                     "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                     "<text x=\"%.1f\" y=\"%d\" class=\"legend\">",
                     x, H - 14, palette[s], x + 14, H - 5);
        hub_html_text(h, c->series_names[s]);
        hub_html_raw(h, "</text>");
        x += 22 + 7.0 * (double)strlen(c->series_names[s]);
    }
}

void hub_svg_bars(hub_html *h, const hub_chart *c)
{
    double plot_w = W - LEFT - RIGHT, plot_h = H - TOP - BOTTOM;
    double slot = c->days ? plot_w / (double)c->days : plot_w;
    double ymax = scale_max(c, true);
    frame(h, c, ymax, plot_w, slot);
    for (size_t d = 0; d < c->days; d++) {
        double base = 0;
        for (size_t s = 0; s < c->series; s++) {
            double v = c->values[s][d];
            if (isnan(v))
                continue;
            if (v <= 0) {
                /* A day with data and a zero stands apart from a day
                 * without data: a flat mark on the axis. */
                if (c->series == 1)
                    hub_html_fmt(h,
                                 "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"2\" "
                                 "fill=\"%s\"><title>",
                                 LEFT + slot * d + slot * 0.15, TOP + plot_h - 2, slot * 0.7,
                                 palette[s]);
                if (c->series == 1) {
                    hub_html_text(h, c->day_labels[d]);
                    hub_html_fmt(h, ": 0%s</title></rect>", c->y_unit);
                }
                continue;
            }
            double y0 = TOP + plot_h - plot_h * (base + v) / ymax;
            double hgt = plot_h * v / ymax;
            hub_html_fmt(h,
                         "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                         "fill=\"%s\"><title>",
                         LEFT + slot * d + slot * 0.15, y0, slot * 0.7, hgt, palette[s]);
            hub_html_text(h, c->day_labels[d]);
            hub_html_raw(h, " ");
            hub_html_text(h, c->series_names[s]);
            hub_html_fmt(h, ": %.*f%s</title></rect>", c->y_decimals, v, c->y_unit);
            base += v;
        }
    }
    if (c->series > 1)
        legend(h, c);
    hub_html_raw(h, "</svg>");
}

void hub_svg_line(hub_html *h, const hub_chart *c)
{
    double plot_w = W - LEFT - RIGHT, plot_h = H - TOP - BOTTOM;
    double slot = c->days ? plot_w / (double)c->days : plot_w;
    double ymax = scale_max(c, false);
    frame(h, c, ymax, plot_w, slot);
    for (size_t s = 0; s < c->series; s++) {
        bool open = false;
        for (size_t d = 0; d < c->days; d++) {
            double v = c->values[s][d];
            if (isnan(v))
                continue;
            double x = LEFT + slot * (d + 0.5), y = TOP + plot_h - plot_h * v / ymax;
            if (!open)
                hub_html_fmt(h,
                             "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                             palette[s]);
            hub_html_fmt(h, "%s%.1f,%.1f", open ? " " : "", x, y);
            open = true;
        }
        if (open)
            hub_html_raw(h, "\"/>");
        for (size_t d = 0; d < c->days; d++) {
            double v = c->values[s][d];
            if (isnan(v))
                continue;
            hub_html_fmt(h, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>",
                         LEFT + slot * (d + 0.5), TOP + plot_h - plot_h * v / ymax, palette[s]);
            hub_html_text(h, c->day_labels[d]);
            hub_html_fmt(h, ": %.*f%s</title></circle>", c->y_decimals + 1, v, c->y_unit);
        }
    }
    if (c->series > 1)
        legend(h, c);
    hub_html_raw(h, "</svg>");
}

#define METER_W 200
#define METER_H 14

void hub_svg_meter(hub_html *h, const char *id, const char *title, double value, double limit)
{
    bool over = value > limit;
    double share = limit > 0 ? value / limit : (value > 0 ? 1 : 0);
    if (share > 1)
        share = 1;
    if (!(share >= 0))
        share = 0;
    hub_html_fmt(h,
                 "<svg id=\"%s\" class=\"meter%s\" role=\"img\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\"><title>",
                 id, over ? " over" : "", METER_W, METER_H, METER_W, METER_H);
    hub_html_text(h, title);
    hub_html_fmt(h,
                 "</title><rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#e5e7eb\"/>"
                 "<rect x=\"0\" y=\"0\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/></svg>",
                 METER_W, METER_H, share * METER_W, METER_H, over ? "#b91c1c" : "#15803d");
}
