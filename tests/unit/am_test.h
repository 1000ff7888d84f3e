/* am_test.h — shared helpers for the cmocka unit tests. */
#ifndef AM_TEST_H
#define AM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

/* Runs the cases; argv[1], when given, names the one case to run (ctest
 * passes it). A name that matches no case fails, so a renamed case cannot
 * pass by running nothing. */
int am_test_run(const char *group, const struct CMUnitTest *tests, size_t count, int argc,
                char **argv);
#define AM_TEST_MAIN(tests)                                                                        \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return am_test_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]), argc, argv);         \
    }

/* A fresh empty directory for this case under the build tree's test tmp
 * (AMENDS_TEST_TMP) or /tmp; written into buf. Fails the test on error. */
void am_test_tmpdir(char *buf, size_t bufsize, const char *tag);

/* Removes a directory tree (best effort). */
void am_test_rmtree(const char *path);

/* Reads a whole file into a new NUL-terminated buffer (caller frees);
 * NULL when it cannot. */
char *am_test_read_file(const char *path, size_t *len_out);

/* Runs argv (argv[0] a path) with stdin from /dev/null, stdout to out_path
 * and stderr to err_path (either may be NULL for /dev/null); returns the
 * exit status, or -1 when it did not exit normally. */
int am_test_run_program(char *const argv[], const char *out_path, const char *err_path);

/* Waits at most timeout_ms for the child pid to exit, woken by the exit
 * itself (a pidfd), and reaps it into *status (may be NULL). false when it
 * is still running then. */
bool am_test_wait_exit(pid_t pid, long timeout_ms, int *status);

/* The kiosk test site (tests/fixtures/kiosk-test.conf) with a voucher key:
 * makes dir/voucher.key with `amendsctl voucher keygen` and writes the
 * config as dir/kiosk.conf, naming the key. Fails the test on error. */
void am_test_kiosk_conf(const char *dir, char *conf, size_t conflen, char *key, size_t keylen);

#endif
