/* widget.h — stable widget ids and the events they stand for.
 *
 * Widget ids are dotted and stable (SPEC "Automation scripts"); tests,
 * scripts and the screen layout all use them. docs/widgets.md lists them.
 */
#ifndef AMENDS_WIDGET_H
#define AMENDS_WIDGET_H

#include "amends/config.h"
#include "amends/journey.h"

/* Translates a widget id into the journey event a tap on it makes
 * ("category.room" -> AM_EV_CATEGORY with the room's index). Returns 0, or
 * -1 when the id names nothing in this config. ev->now_ms is not set. */
int am_widget_event(const am_config *cfg, const char *id, am_event *ev);

#endif
