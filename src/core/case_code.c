/* case_code.c — case codes a guest can read and type (amends/case_code.h). */
#include "amends/case_code.h"

#include <stdio.h>
#include <string.h>

const char am_case_code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

static bool is_upper_alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return is_upper_alnum(c) || (c >= 'a' && c <= 'z');
}

static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

bool am_case_prefix_valid(const char *prefix)
{
    size_t n = prefix ? strlen(prefix) : 0;
    if (n == 0 || n > AM_CASE_PREFIX_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_upper_alnum(prefix[i]))
            return false;
    }
    return true;
}

void am_case_prefix_of(const char *kiosk_id, char *out, size_t len)
{
    char p[3] = "";
    size_t n = 0;
    const char *id = kiosk_id ? kiosk_id : "";
    const char *second = strpbrk(id, "-_.");
    if (second && is_alnum(id[0]) && is_alnum(second[1])) {
        p[n++] = upper(id[0]);
        p[n++] = upper(second[1]);
    } else {
        for (const char *c = id; *c && n < 2; c++) {
            if (is_alnum(*c))
                p[n++] = upper(*c);
        }
    }
    p[n] = '\0';
    snprintf(out, len, "%s", n ? p : "K");
}

void am_case_code_make(const char *prefix, const uint32_t rnd[AM_CASE_CODE_TAIL], char *out,
                       size_t len)
{
    char tail[AM_CASE_CODE_TAIL + 1];
    const uint32_t count = (uint32_t)(sizeof am_case_code_alphabet - 1);
    for (int i = 0; i < AM_CASE_CODE_TAIL; i++)
        tail[i] = am_case_code_alphabet[rnd[i] % count];
    tail[AM_CASE_CODE_TAIL] = '\0';
    snprintf(out, len, "%s-%s", prefix, tail);
}

bool am_case_code_valid(const char *code)
{
    const char *dash = code ? strchr(code, '-') : NULL;
    if (!dash || dash == code || dash - code > AM_CASE_PREFIX_MAX)
        return false;
    for (const char *c = code; c < dash; c++) {
        if (!is_upper_alnum(*c))
            return false;
    }
    if (strlen(dash + 1) != AM_CASE_CODE_TAIL)
        return false;
    for (const char *c = dash + 1; *c; c++) {
        if (!strchr(am_case_code_alphabet, *c))
            return false;
    }
    return true;
}
