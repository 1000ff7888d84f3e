/* am_test.c — shared helpers for the cmocka unit tests. */
#include "am_test.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int am_test_run(const char *group, const struct CMUnitTest *tests, size_t count, int argc,
                char **argv)
{
    if (argc > 1) {
        size_t i;
        for (i = 0; i < count; i++) {
            if (strcmp(tests[i].name, argv[1]) == 0)
                break;
        }
        if (i == count) {
            fprintf(stderr, "%s: no test case named '%s'\n", group, argv[1]);
            return 1;
        }
        cmocka_set_test_filter(argv[1]);
    }
    return _cmocka_run_group_tests(group, tests, count, NULL, NULL);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void am_test_rmtree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void am_test_tmpdir(char *buf, size_t bufsize, const char *tag)
{
    const char *base = getenv("AMENDS_TEST_TMP");
    if (!base || !*base)
        base = "/tmp";
    mkdir(base, 0700);
    int n = snprintf(buf, bufsize, "%s/%s.%ld", base, tag, (long)getpid());
    assert_true(n > 0 && (size_t)n < bufsize);
    am_test_rmtree(buf);
    if (mkdir(buf, 0700) != 0)
        fail_msg("mkdir %s: %s", buf, strerror(errno));
}

char *am_test_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *data = malloc(cap);
    while (data) {
        size_t n = fread(data + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
        if (cap - len < 2) {
            char *bigger = realloc(data, cap * 2);
            if (!bigger) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (!data)
        return NULL;
    data[len] = '\0';
    if (len_out)
        *len_out = len;
    return data;
}

static int redirect(int fd, const char *path, int flags)
{
    int src = open(path ? path : "/dev/null", flags, 0600);
    if (src < 0)
        return -1;
    int rc = dup2(src, fd);
    close(src);
    return rc < 0 ? -1 : 0;
}

int am_test_run_program(char *const argv[], const char *out_path, const char *err_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (redirect(0, NULL, O_RDONLY) || redirect(1, out_path, O_WRONLY | O_CREAT | O_TRUNC) ||
            redirect(2, err_path, O_WRONLY | O_CREAT | O_TRUNC))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void am_test_kiosk_conf(const char *dir, char *conf, size_t conflen, char *key, size_t keylen)
{
    assert_true(snprintf(key, keylen, "%s/voucher.key", dir) < (int)keylen);
    assert_true(snprintf(conf, conflen, "%s/kiosk.conf", dir) < (int)conflen);
    /* Made the way a site makes it, by the real amendsctl; never committed. */
    char *argv[] = {AM_BINARY_DIR "/bin/amendsctl", "voucher", "keygen", "--key", key, NULL};
    assert_int_equal(am_test_run_program(argv, NULL, NULL), 0);
    char *text = am_test_read_file(AM_SOURCE_DIR "/tests/fixtures/kiosk-test.conf", NULL);
    assert_non_null(text);
    char *budget = strstr(text, "[budget]\n");
    assert_non_null(budget);
    budget += strlen("[budget]\n");
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    /* Relative: resolved against the config file's directory. */
    fprintf(f, "%.*svoucher_key_file = voucher.key\n%s", (int)(budget - text), text, budget);
    assert_int_equal(fclose(f), 0);
    free(text);
}

bool am_test_wait_exit(pid_t pid, long timeout_ms, int *status)
{
    int st = 0;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return false; /* not a child of ours that is still there */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int rc;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (long)(now.tv_sec - start.tv_sec) * 1000 +
                     (long)(now.tv_nsec - start.tv_nsec) / 1000000;
        long left = timeout_ms - spent;
        rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
        if (rc >= 0 || errno != EINTR)
            break;
    }
    close(fd);
    if (rc <= 0 || waitpid(pid, &st, 0) != pid)
        return false;
    if (status)
        *status = st;
    return true;
}
