/* test_voucher_key.c — voucher key files: made private, and refused with a
 * clear message when anyone else could read or replace them. */
#include "am_test.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "amends/voucher.h"

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static void generated_key_is_private_and_loads(void **state)
{
    (void)state;
    char dir[512], path[600], err[512];
    am_test_tmpdir(dir, sizeof dir, "vkey-gen");
    snprintf(path, sizeof path, "%s/voucher.key", dir);
    mode_t old = umask(0); /* a careless umask must not widen the mode */
    am_rc rc = am_voucher_key_generate(path, err, sizeof err);
    umask(old);
    assert_int_equal(rc, AM_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(sb.st_size, AM_VOUCHER_KEY_LEN);
    assert_int_equal(sb.st_uid, geteuid());

    am_voucher_key key, again;
    assert_int_equal(am_voucher_key_load(path, &key, err, sizeof err), AM_OK);
    static const unsigned char zero[AM_VOUCHER_KEY_LEN];
    assert_memory_not_equal(key.bytes, zero, sizeof zero);

    /* Never replaced: the old vouchers would stop verifying. */
    assert_int_equal(am_voucher_key_generate(path, err, sizeof err), AM_ERR_INVALID);
    assert_non_null(strstr(err, "already exists"));
    assert_int_equal(am_voucher_key_load(path, &again, err, sizeof err), AM_OK);
    assert_memory_equal(key.bytes, again.bytes, sizeof key.bytes);

    /* Two new keys differ. */
    char path2[600];
    snprintf(path2, sizeof path2, "%s/second.key", dir);
    assert_int_equal(am_voucher_key_generate(path2, err, sizeof err), AM_OK);
    assert_int_equal(am_voucher_key_load(path2, &again, err, sizeof err), AM_OK);
    assert_memory_not_equal(key.bytes, again.bytes, sizeof key.bytes);

    am_voucher_key_wipe(&key);
    assert_memory_equal(key.bytes, zero, sizeof zero);
    am_voucher_key_wipe(NULL);
    am_test_rmtree(dir);
}

static void readable_by_others_is_refused(void **state)
{
    (void)state;
    char dir[512], path[600], err[512];
    unsigned char bytes[AM_VOUCHER_KEY_LEN];
    memset(bytes, 0x5a, sizeof bytes);
    am_test_tmpdir(dir, sizeof dir, "vkey-mode");
    snprintf(path, sizeof path, "%s/voucher.key", dir);
    static const struct {
        mode_t mode;
        const char *shown;
    } refused[] = {{0644, "0644"}, {0640, "0640"}, {0604, "0604"}, {0660, "0660"},
                   {0700, "0700"}, {0666, "0666"}, {04600, "4600"}};
    am_voucher_key key;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        write_file(path, bytes, sizeof bytes, refused[i].mode);
        assert_int_equal(am_voucher_key_load(path, &key, err, sizeof err), AM_ERR_CONFIG);
        assert_non_null(strstr(err, path));
        if (!strstr(err, refused[i].shown))
            fail_msg("mode %o: message '%s' does not show the mode", (unsigned)refused[i].mode,
                     err);
        assert_non_null(strstr(err, "0600 or 0400"));
    }
    write_file(path, bytes, sizeof bytes, 0400);
    assert_int_equal(am_voucher_key_load(path, &key, err, sizeof err), AM_OK);
    assert_memory_equal(key.bytes, bytes, sizeof bytes);
    write_file(path, bytes, sizeof bytes, 0600);
    assert_int_equal(am_voucher_key_load(path, &key, err, sizeof err), AM_OK);
    am_test_rmtree(dir);
}

static void owned_by_someone_else_is_refused(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip(); /* only root can give a file away */
    char dir[512], path[600], err[512];
    unsigned char bytes[AM_VOUCHER_KEY_LEN] = {1};
    am_test_tmpdir(dir, sizeof dir, "vkey-owner");
    snprintf(path, sizeof path, "%s/voucher.key", dir);
    write_file(path, bytes, sizeof bytes, 0600);
    struct passwd *nobody = getpwnam("nobody");
    uid_t uid = nobody ? nobody->pw_uid : 65534;
    assert_int_equal(chown(path, uid, (gid_t)-1), 0);
    am_voucher_key key;
    assert_int_equal(am_voucher_key_load(path, &key, err, sizeof err), AM_ERR_CONFIG);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, nobody ? "owned by nobody" : "owned by uid 65534"));
    assert_non_null(strstr(err, "root"));
    am_test_rmtree(dir);
}

static void missing_short_long_and_odd_files_are_refused(void **state)
{
    (void)state;
    char dir[512], path[600], link[600], err[512];
    unsigned char bytes[AM_VOUCHER_KEY_LEN + 1];
    memset(bytes, 7, sizeof bytes);
    am_test_tmpdir(dir, sizeof dir, "vkey-size");
    snprintf(path, sizeof path, "%s/voucher.key", dir);
    am_voucher_key key;

    assert_int_equal(am_voucher_key_load(path, &key, err, sizeof err), AM_ERR_NOTFOUND);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "not found"));

    write_file(path, bytes, AM_VOUCHER_KEY_LEN - 1, 0600);
    assert_int_equal(am_voucher_key_load(path, &key, err, sizeof err), AM_ERR_CONFIG);
    assert_non_null(strstr(err, "exactly 32 bytes; this file holds 31"));

    write_file(path, bytes, 0, 0600);
    assert_int_equal(am_voucher_key_load(path, &key, err, sizeof err), AM_ERR_CONFIG);
    assert_non_null(strstr(err, "holds 0"));

    write_file(path, bytes, AM_VOUCHER_KEY_LEN + 1, 0600);
    assert_int_equal(am_voucher_key_load(path, &key, err, sizeof err), AM_ERR_CONFIG);
    assert_non_null(strstr(err, "holds more than 32"));

    /* A symbolic link is not followed, even to a good key. */
    write_file(path, bytes, AM_VOUCHER_KEY_LEN, 0600);
    snprintf(link, sizeof link, "%s/link.key", dir);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(am_voucher_key_load(link, &key, err, sizeof err), AM_ERR_CONFIG);
    assert_non_null(strstr(err, "symbolic link"));

    assert_int_equal(am_voucher_key_load(dir, &key, err, sizeof err), AM_ERR_CONFIG);
    assert_non_null(strstr(err, "regular file"));
    assert_int_equal(am_voucher_key_load("", &key, err, sizeof err), AM_ERR_CONFIG);
    am_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(generated_key_is_private_and_loads),
    cmocka_unit_test(readable_by_others_is_refused),
    cmocka_unit_test(owned_by_someone_else_is_refused),
    cmocka_unit_test(missing_short_long_and_odd_files_are_refused),
};

AM_TEST_MAIN(tests)
