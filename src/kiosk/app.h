/* app.h — amends-kiosk without its screen: the journey engine wired to the
 * store. The headless script runner and the SDL screen both drive it.
 *
 * Every event goes through am_app_event(), which feeds the engine, carries
 * out its effects — all store writes of one step in one transaction — and
 * answers the engine with STORED or STORE_FAILED. A guest is moved on only
 * after that commit is durable.
 */
#ifndef AMENDS_KIOSK_APP_H
#define AMENDS_KIOSK_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "amends/config.h"
#include "amends/error.h"
#include "amends/journey.h"
#include "amends/layout.h"
#include "amends/store.h"
#include "amends/sync.h"

typedef struct am_app am_app;

/* Opens the store in data_dir (read-write) and starts a journey engine on
 * attract. Borrows cfg. `mono_ms` is the app's clock (virtual in scripts);
 * wall time for records is derived from it. */
am_rc am_app_open(const am_config *cfg, const char *data_dir, int64_t mono_ms, am_app **out,
                  char *err, size_t errlen);
/* Accepts NULL. */
void am_app_close(am_app *app);

/* Feeds one event at ev->now_ms and carries out what follows. */
am_step am_app_event(am_app *app, const am_event *ev);
/* Delivers timer ticks up to mono_ms, in order, so that a prompt and the
 * reset that follows it both happen. */
void am_app_advance(am_app *app, int64_t mono_ms);
/* True while the journey waits for the hub to confirm its urgent alerts:
 * the caller advances (which looks) often, not only at the next deadline. */
bool am_app_urgent_waiting(const am_app *app);

const am_journey *am_app_journey(const am_app *app);
am_store *am_app_store(am_app *app);
/* Moves the wall time of every record from now on back by ms. A script's
 * virtual clock runs ahead of the real one; backdated by the script's
 * total waits, its records show the time passing yet none is stamped in
 * the future (the sync worker sends a record once its time has come). */
void am_app_backdate(am_app *app, int64_t ms);
/* Test hook for headless scripts only (AMENDS_TEST_WALL_MS): the wall time
 * at app time mono_ms, so a test can put a journey just before or after
 * midnight. A real kiosk never calls it. */
void am_app_set_wall_clock(am_app *app, int64_t wall_ms, int64_t mono_ms);
/* True when the voucher key ([budget] voucher_key_file) was read at open;
 * false: every offer escalates to a manager. */
bool am_app_vouchers_on(const am_app *app);
/* The sync worker to wake after a step commits a closed journey or an
 * alert. Borrows sync (NULL: sync is off); the caller stops it after the
 * last am_app_event and before am_app_close. */
void am_app_set_sync(am_app *app, am_sync *sync);
/* Why the store last failed (for the out-of-order screen's log line). */
const char *am_app_store_error(const am_app *app);
/* How many times the guest's input has been wiped; the screen compares it
 * to drop its own copies (cached text) when it changes. */
unsigned am_app_wipes(const am_app *app);

/* What the manager screen shows at now_ms (the app's clock, as events
 * carry it): counts, the waiting alerts, the state toward the hub, the
 * last few sync log lines and the result of the last manager action. */
void am_app_manager_info(am_app *app, int64_t now_ms, am_manager_info *out);
/* True once a manager chose "exit" on the manager screen: the caller shuts
 * the kiosk down in order and exits with status 0. */
bool am_app_quit_requested(const am_app *app);

#endif
