/* manage.h — the amendsctl commands that change the store: `requeue`,
 * `purge` and `pin set`. Everything else in amendsctl only reads. */
#ifndef AMENDS_CTL_MANAGE_H
#define AMENDS_CTL_MANAGE_H

#include "amends/config.h"

/* Each runs one command; argv[0] is the command's name. Borrows cfg.
 * Exit status: 0 ok, 1 failure, 2 usage error. */
int am_ctl_requeue(const char *data_dir, const am_config *cfg, int argc, char **argv);
int am_ctl_purge(const char *data_dir, const am_config *cfg, int argc, char **argv);
int am_ctl_pin(const char *data_dir, const am_config *cfg, int argc, char **argv);

#endif
