/* notify.c — sd_notify for the kiosk's systemd unit (see notify.h). */
#include "notify.h"

#include <stdbool.h>
#include <systemd/sd-daemon.h>

static int64_t g_max_sleep_ms = INT64_MAX;
static bool g_ready;

void am_notify_init(void)
{
    uint64_t usec = 0;
    /* Ping at half the interval, the margin systemd's documentation
     * recommends, so one slow frame never trips the watchdog. */
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        g_max_sleep_ms = (int64_t)(usec / 2000);
}

int64_t am_notify_max_sleep_ms(void)
{
    return g_max_sleep_ms;
}

void am_notify_ready(void)
{
    if (g_ready)
        return;
    g_ready = true;
    sd_notify(0, "READY=1");
}

void am_notify_alive(void)
{
    if (g_max_sleep_ms != INT64_MAX)
        sd_notify(0, "WATCHDOG=1");
}

void am_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1");
}
