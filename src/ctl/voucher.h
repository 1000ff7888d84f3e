/* voucher.h — `amendsctl voucher`: check a voucher code offline against
 * this kiosk's store and voucher key, or make a new key file. */
#ifndef AMENDS_CTL_VOUCHER_H
#define AMENDS_CTL_VOUCHER_H

#include "amends/config.h"

/* Exit statuses of `amendsctl voucher verify`, beside 0 (valid), 1
 * (failure: no store, key refused) and 2 (usage). */
enum {
    AM_CTL_EXIT_VOUCHER_EXPIRED = 3,
    AM_CTL_EXIT_VOUCHER_TAMPERED = 4,
    AM_CTL_EXIT_VOUCHER_UNKNOWN = 5,
    AM_CTL_EXIT_VOUCHER_MALFORMED = 6,
};

/* Runs `voucher SUBCOMMAND ...`; argv[0] is "voucher". Borrows cfg. */
int am_ctl_voucher(const char *data_dir, const am_config *cfg, int argc, char **argv);

#endif
