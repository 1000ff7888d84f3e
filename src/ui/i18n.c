/* i18n.c — the kiosk's strings per language (see i18n.h).
 *
 * A small parser of its own rather than inih: Debian's inih caps lines at
 * 200 bytes through process-wide settings the config loader shares, and a
 * sentence of Arabic is longer than that in UTF-8. */
#include "amends/i18n.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/text.h"

static const char *const key_names[AM_STR_COUNT] = {
    "language.name",
    "common.next",
    "common.back",
    "common.cancel",
    "common.skip",
    "attract.title",
    "attract.body",
    "attract.start",
    "attract.privacy",
    "attract.contrast",
    "attract.large_text",
    "attract.low_reach",
    "category.title",
    "category.body",
    "details.title",
    "details.impact",
    "details.minor",
    "details.significant",
    "details.severe",
    "details.description",
    "details.description_hint",
    "details.name",
    "details.name_hint",
    "details.location_hint",
    "details.send",
    "apology.title",
    "apology.title_named",
    "apology.body",
    "apology.received",
    "resolution.title",
    "resolution.other_hint",
    "offer.title",
    "offer.body",
    "offer.accept",
    "offer.decline",
    "offer.escalated_title",
    "offer.escalated_body",
    "rating.title",
    "rating.1",
    "rating.2",
    "rating.3",
    "rating.4",
    "rating.5",
    "rating.comment",
    "rating.comment_hint",
    "followup.title",
    "followup.body",
    "followup.contact",
    "followup.contact_hint",
    "followup.consent",
    "followup.yes",
    "followup.no",
    "followup.done",
    "followup.body_cant_wait",
    "followup.body_promised",
    "ask.contact_title",
    "ask.contact_body",
    "ask.contact_body_promised",
    "ask.contact_yes",
    "ask.contact_no",
    "ask.discard_title",
    "ask.discard_body",
    "ask.keep",
    "ask.discard",
    "thanks.title",
    "thanks.title_named",
    "thanks.body",
    "thanks.promise_none",
    "thanks.ask_desk",
    "thanks.urgent_sending",
    "thanks.urgent_confirmed",
    "thanks.urgent_desk",
    "thanks.contact_promise",
    "thanks.ask_desk_later",
    "thanks.reference",
    "thanks.voucher",
    "thanks.voucher_valid",
    "thanks.voucher_valid_one",
    "thanks.voucher_until",
    "thanks.manager",
    "thanks.returning",
    "thanks.done",
    "staff_wait.title",
    "staff_wait.title_desk",
    "staff_wait.calling",
    "staff_wait.called",
    "staff_wait.taken",
    "staff_wait.taken_alone",
    "staff_wait.cant_wait",
    "staff_wait.done",
    "idle.title",
    "idle.body",
    "idle.still_here",
    "out_of_order.title",
    "out_of_order.body",
    "manager_pin.title",
    "manager_pin.body",
    "manager_pin.ok",
    "manager.title",
    "manager.counts",
    "manager.sync_off",
    "manager.never",
    "manager.ok",
    "manager.unreachable",
    "manager.failing",
    "manager.refused",
    "manager.hub_said",
    "manager.store_error",
    "manager.why_refused",
    "manager.why_no_route",
    "manager.why_timeout",
    "manager.why_name",
    "manager.why_tls",
    "manager.why_http",
    "manager.why_sync_off",
    "manager.why_credentials",
    "manager.alerts_waiting",
    "manager.alerts_none",
    "manager.alert_refused",
    "manager.alert_queued",
    "manager.age_s",
    "manager.age_min",
    "manager.age_h",
    "manager.age_d",
    "manager.log_title",
    "manager.log_empty",
    "manager.sync_now",
    "manager.requeue",
    "manager.export",
    "manager.exit",
    "manager.msg_sync_off",
    "manager.msg_sending",
    "manager.msg_nothing",
    "manager.msg_requeued",
    "manager.msg_requeue_failed",
    "manager.msg_exported",
    "manager.msg_export_failed",
    "date.months",
    "date.format",
    "keyboard.space",
};

#define I18N_VALUE_MAX 2048 /* bytes: a value longer than this is a mistake */

struct am_i18n {
    char *s[AM_LANG_COUNT][AM_STR_COUNT];
};

const char *am_i18n_key_name(am_str s)
{
    return (unsigned)s < AM_STR_COUNT ? key_names[s] : NULL;
}

am_i18n *am_i18n_new(void)
{
    return calloc(1, sizeof(am_i18n));
}

void am_i18n_free(am_i18n *i18n)
{
    if (!i18n)
        return;
    for (int l = 0; l < AM_LANG_COUNT; l++) {
        for (int k = 0; k < AM_STR_COUNT; k++)
            free(i18n->s[l][k]);
    }
    free(i18n);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Turns "\n" into a line break and "\\" into a backslash, in place.
 * Returns -1 on any other escape. */
static int unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        r++;
        if (*r == 'n')
            *w++ = '\n';
        else if (*r == '\\')
            *w++ = '\\';
        else
            return -1;
    }
    *w = '\0';
    return 0;
}

static int find_key(const char *name)
{
    for (int k = 0; k < AM_STR_COUNT; k++) {
        if (strcmp(key_names[k], name) == 0)
            return k;
    }
    return -1;
}

am_rc am_i18n_parse(am_i18n *i18n, int lang, const char *name, const char *text, char *err,
                    size_t errlen)
{
    if (lang < 0 || lang >= AM_LANG_COUNT) {
        snprintf(err, errlen, "%s: no such language", name);
        return AM_ERR_INVALID;
    }
    if (!am_utf8_valid(text, strlen(text))) {
        snprintf(err, errlen, "%s: not valid UTF-8", name);
        return AM_ERR_INVALID;
    }
    char section[64] = "";
    int line_no = 0;
    const char *p = text;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (*p) {
        line_no++;
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= I18N_VALUE_MAX) {
            snprintf(err, errlen, "%s:%d: line longer than %d bytes", name, line_no,
                     I18N_VALUE_MAX);
            return AM_ERR_INVALID;
        }
        char buf[I18N_VALUE_MAX];
        memcpy(buf, p, len);
        buf[len] = '\0';
        p = end ? end + 1 : p + len;
        char *line = trim(buf);
        if (!*line || *line == '#' || *line == ';')
            continue;
        if (*line == '[') {
            char *close = strchr(line, ']');
            if (!close || close[1] != '\0' || close - line - 1 >= (long)sizeof section ||
                close == line + 1) {
                snprintf(err, errlen, "%s:%d: malformed section header", name, line_no);
                return AM_ERR_INVALID;
            }
            *close = '\0';
            snprintf(section, sizeof section, "%s", line + 1);
            continue;
        }
        char *eq = strchr(line, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected key = value", name, line_no);
            return AM_ERR_INVALID;
        }
        *eq = '\0';
        char *key = trim(line), *value = trim(eq + 1);
        char full[160];
        snprintf(full, sizeof full, "%s.%s", section, key);
        int k = find_key(full);
        if (!section[0] || k < 0) {
            snprintf(err, errlen, "%s:%d: %s: unknown key", name, line_no, full);
            return AM_ERR_INVALID;
        }
        if (unescape(value) != 0) {
            snprintf(err, errlen, "%s:%d: %s: only \\n and \\\\ may follow a backslash", name,
                     line_no, full);
            return AM_ERR_INVALID;
        }
        if (!*value) {
            snprintf(err, errlen, "%s:%d: %s: empty text", name, line_no, full);
            return AM_ERR_INVALID;
        }
        if (i18n->s[lang][k]) {
            snprintf(err, errlen, "%s:%d: %s: given twice", name, line_no, full);
            return AM_ERR_INVALID;
        }
        i18n->s[lang][k] = strdup(value);
        if (!i18n->s[lang][k]) {
            snprintf(err, errlen, "out of memory");
            return AM_ERR_NOMEM;
        }
    }
    return AM_OK;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && size < (1 << 20) && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)size + 1);
            if (buf && fread(buf, 1, (size_t)size, f) == (size_t)size) {
                buf[size] = '\0';
            } else {
                free(buf);
                buf = NULL;
            }
        }
    }
    fclose(f);
    return buf;
}

am_rc am_i18n_load(const char *dir, am_i18n **out, char *err, size_t errlen)
{
    am_rc rc = AM_OK;
    *out = NULL;
    am_i18n *i18n = am_i18n_new();
    if (!i18n) {
        snprintf(err, errlen, "out of memory");
        return AM_ERR_NOMEM;
    }
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        char path[AM_PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/%s.ini", dir, am_lang_codes[lang]);
        char *text = read_file(path);
        if (!text) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
            rc = AM_ERR_IO;
            goto out;
        }
        rc = am_i18n_parse(i18n, lang, path, text, err, errlen);
        free(text);
        if (rc)
            goto out;
    }
    char missing[512];
    if (am_i18n_missing(i18n, AM_LANG_EN, missing, sizeof missing) > 0) {
        snprintf(err, errlen, "%s/en.ini: missing keys: %s", dir, missing);
        rc = AM_ERR_CONFIG;
        goto out;
    }
    *out = i18n;
    i18n = NULL;
out:
    am_i18n_free(i18n);
    return rc;
}

const char *am_i18n_get(const am_i18n *i18n, int lang, am_str s)
{
    if ((unsigned)s >= AM_STR_COUNT)
        return "";
    if (!i18n)
        return key_names[s];
    if (lang >= 0 && lang < AM_LANG_COUNT && i18n->s[lang][s])
        return i18n->s[lang][s];
    if (i18n->s[AM_LANG_EN][s])
        return i18n->s[AM_LANG_EN][s];
    return key_names[s];
}

int am_i18n_missing(const am_i18n *i18n, int lang, char *buf, size_t buflen)
{
    int count = 0;
    size_t used = 0;
    if (buflen)
        buf[0] = '\0';
    for (int k = 0; k < AM_STR_COUNT; k++) {
        if (lang >= 0 && lang < AM_LANG_COUNT && i18n->s[lang][k])
            continue;
        count++;
        if (used < buflen) {
            int n =
                snprintf(buf + used, buflen - used, "%s%s", count > 1 ? ", " : "", key_names[k]);
            if (n > 0)
                used += (size_t)n;
        }
    }
    return count;
}
