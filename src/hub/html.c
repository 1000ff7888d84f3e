/* html.c — the page builder: a growable buffer with an escaping append. */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(hub_html *h, size_t more)
{
    if (h->failed)
        return false;
    if (h->len + more + 1 > HUB_HTML_MAX) {
        h->failed = true;
        return false;
    }
    if (h->len + more + 1 <= h->cap)
        return true;
    size_t cap = h->cap ? h->cap : 16384;
    while (cap < h->len + more + 1)
        cap *= 2;
    char *grown = realloc(h->buf, cap);
    if (!grown) {
        h->failed = true;
        return false;
    }
    h->buf = grown;
    h->cap = cap;
    return true;
}

static void append(hub_html *h, const char *s, size_t n)
{
    if (!reserve(h, n))
        return;
    memcpy(h->buf + h->len, s, n);
    h->len += n;
    h->buf[h->len] = '\0';
}

void hub_html_raw(hub_html *h, const char *markup)
{
    append(h, markup, strlen(markup));
}

void hub_html_fmt(hub_html *h, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        h->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        append(h, small, (size_t)n);
        return;
    }
    if (!reserve(h, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(h->buf + h->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    h->len += (size_t)n;
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
    char *out = NULL;
    if (!h->failed && reserve(h, 0))
        out = h->buf;
    else
        free(h->buf);
    memset(h, 0, sizeof *h);
    return out;
}

void hub_html_clear(hub_html *h)
{
    free(h->buf);
    memset(h, 0, sizeof *h);
}
