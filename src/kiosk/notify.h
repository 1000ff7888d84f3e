/* notify.h — tells systemd how the kiosk is doing (sd_notify): ready once
 * the first frame is on screen, alive from every turn of the main loop (so
 * a hung screen is restarted by the watchdog), stopping on shutdown. All
 * calls do nothing when the kiosk is not run by systemd. */
#ifndef AMENDS_KIOSK_NOTIFY_H
#define AMENDS_KIOSK_NOTIFY_H

#include <stdint.h>

/* Reads the watchdog interval systemd asked for; call once at start. */
void am_notify_init(void);
/* The longest the main loop may sleep before it must call
 * am_notify_alive(), in ms; INT64_MAX when no watchdog is set. */
int64_t am_notify_max_sleep_ms(void);
void am_notify_ready(void);
void am_notify_alive(void);
void am_notify_stopping(void);

#endif
