/* hub_tz.c — wall time in a named zone through the C library's tz code.
 *
 * localtime_r reads the zone from the TZ variable, which is one per
 * process: every conversion here sets it, converts and puts UTC back under
 * one mutex. Nothing else in the hub reads local time (it works in UTC), so
 * the switch is seen by nobody else. main() sets TZ=UTC before any thread
 * starts, so setenv below only ever replaces an existing variable. */
#include "hub_tz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZONEINFO "/usr/share/zoneinfo/"

static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;

bool hub_tz_valid(const char *zone)
{
    size_t n = zone ? strlen(zone) : 0;
    if (n == 0 || n >= HUB_TZ_MAX || zone[0] == '/' || strstr(zone, ".."))
        return false;
    for (const char *p = zone; *p; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '_' || *p == '+' || *p == '-'))
            return false;
    }
    char path[sizeof ZONEINFO + HUB_TZ_MAX];
    snprintf(path, sizeof path, ZONEINFO "%s", zone);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char magic[4] = {0};
    bool ok = fread(magic, 1, sizeof magic, f) == sizeof magic && !memcmp(magic, "TZif", 4);
    fclose(f);
    return ok;
}

bool hub_currency_valid(const char *code)
{
    if (!code || strlen(code) != 3)
        return false;
    for (int i = 0; i < 3; i++) {
        if (code[i] < 'A' || code[i] > 'Z')
            return false;
    }
    return true;
}

void hub_tz_format(int64_t ms, const char *zone, hub_tz_form form, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!zone || !*zone || !strcmp(zone, "UTC") || !hub_tz_valid(zone)) {
        gmtime_r(&t, &tm);
        if (form == HUB_TZ_SECOND)
            strftime(out, outlen, "%Y-%m-%d %H:%M:%S UTC", &tm);
        else
            strftime(out, outlen, "%Y-%m-%d %H:%M UTC", &tm);
        return;
    }
    char spec[HUB_TZ_MAX + 1];
    snprintf(spec, sizeof spec, ":%s", zone);
    pthread_mutex_lock(&tz_mu);
    setenv("TZ", spec, 1);
    tzset();
    localtime_r(&t, &tm);
    size_t n = form == HUB_TZ_SECOND ? strftime(out, outlen, "%Y-%m-%d %H:%M:%S %Z", &tm)
                                     : strftime(out, outlen, "%Y-%m-%d %H:%M %Z", &tm);
    if (n == 0 && outlen)
        out[0] = '\0';
    setenv("TZ", "UTC", 1);
    tzset();
    pthread_mutex_unlock(&tz_mu);
}
