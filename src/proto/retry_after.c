/* retry_after.c — the Retry-After header (RFC 9110 section 10.2.3):
 * delta-seconds or an HTTP-date in any of its three forms. */
#include "amends/retry_after.h"

#include <string.h>
#include <time.h>

/* Recipients must accept all three date forms (RFC 9110 5.6.7). */
static const char *const date_formats[] = {
    "%a, %d %b %Y %H:%M:%S GMT", /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    "%A, %d-%b-%y %H:%M:%S GMT", /* RFC 850:     Sunday, 06-Nov-94 08:49:37 GMT */
    "%a %b %e %H:%M:%S %Y",      /* asctime:     Sun Nov  6 08:49:37 1994 */
};

am_rc am_proto_retry_after(const char *value, int64_t now_s, int64_t *delay_s)
{
    if (!value)
        return AM_ERR_INVALID;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t len = strlen(value);
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    if (len == 0 || len > 64)
        return AM_ERR_INVALID;
    char text[65];
    memcpy(text, value, len);
    text[len] = '\0';

    if (text[0] >= '0' && text[0] <= '9') {
        int64_t seconds = 0;
        for (size_t i = 0; i < len; i++) {
            if (text[i] < '0' || text[i] > '9')
                return AM_ERR_INVALID;
            /* Absurdly long waits saturate rather than overflow. */
            if (seconds < INT64_C(1000000000000))
                seconds = seconds * 10 + (text[i] - '0');
        }
        *delay_s = seconds;
        return AM_OK;
    }
    for (size_t f = 0; f < sizeof date_formats / sizeof date_formats[0]; f++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(text, date_formats[f], &tm);
        if (!end || *end != '\0')
            continue;
        time_t when = timegm(&tm);
        if (when == (time_t)-1)
            return AM_ERR_INVALID;
        int64_t wait = (int64_t)when - now_s;
        *delay_s = wait > 0 ? wait : 0;
        return AM_OK;
    }
    return AM_ERR_INVALID;
}
