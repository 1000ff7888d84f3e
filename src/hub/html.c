/* html.c — the page builder: core's capped buffer with an escaping append. */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Out of memory or over HUB_HTML_MAX, the buffer fails and later appends
 * do nothing (buf.h); hub_html_take then gives NULL. */
static am_buf *page(hub_html *h)
{
    if (!h->started) {
        am_buf_init(&h->buf, HUB_HTML_MAX);
        h->started = true;
    }
    return &h->buf;
}

static void append(hub_html *h, const char *s, size_t n)
{
    am_buf_add(page(h), s, n);
}

void hub_html_raw(hub_html *h, const char *markup)
{
    append(h, markup, strlen(markup));
}

void hub_html_fmt(hub_html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    am_buf_vaddf(page(h), fmt, ap);
    va_end(ap);
}

void hub_html_text(hub_html *h, const char *text)
{
    if (!text)
        return;
    const char *run = text;
    for (const char *p = text; *p; p++) {
        const char *entity = NULL;
        switch (*p) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&#39;";
            break;
        default:
            continue;
        }
        append(h, run, (size_t)(p - run));
        hub_html_raw(h, entity);
        run = p + 1;
    }
    append(h, run, strlen(run));
}

char *hub_html_take(hub_html *h)
{
    char *out = am_buf_take(page(h), NULL);
    hub_html_clear(h);
    return out;
}

void hub_html_clear(hub_html *h)
{
    am_buf_free(&h->buf);
    h->started = false;
}
