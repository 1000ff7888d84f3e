/* key.c — voucher key files: 32 random bytes that only the running user
 * can read. A key that others can read lets them mint vouchers, so a file
 * with group or other permissions, or owned by someone else, is refused
 * rather than used with a warning. */
#include "amends/voucher.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "amends/private_file.h"

void am_voucher_key_wipe(am_voucher_key *key)
{
    if (key)
        sodium_memzero(key->bytes, sizeof key->bytes);
}

am_rc am_voucher_key_load(const char *path, am_voucher_key *key, char *err, size_t errlen)
{
    /* One byte more than a key, to tell "exactly 32" from "longer". */
    char buf[AM_VOUCHER_KEY_LEN + 2];
    size_t got = 0;

    memset(key, 0, sizeof *key);
    if (!path || !path[0]) {
        snprintf(err, errlen, "no voucher key file given");
        return AM_ERR_CONFIG;
    }
    am_rc rc = am_secret_read(path, "voucher key file", buf, sizeof buf, &got, err, errlen);
    if (rc == AM_ERR_NOTFOUND) {
        snprintf(err, errlen,
                 "%s: voucher key file not found (install the voucher_key that "
                 "'amends-hub kiosk add' printed, mode 0600; a kiosk without a hub can "
                 "use 'amendsctl voucher keygen --key %s')",
                 path, path);
    } else if (rc == AM_ERR_TOOBIG || (rc == AM_OK && got != AM_VOUCHER_KEY_LEN)) {
        snprintf(err, errlen,
                 "%s: a voucher key is exactly %d bytes; this file holds %s%zu (make one with "
                 "'amendsctl voucher keygen')",
                 path, AM_VOUCHER_KEY_LEN, got > AM_VOUCHER_KEY_LEN ? "more than " : "",
                 got > AM_VOUCHER_KEY_LEN ? (size_t)AM_VOUCHER_KEY_LEN : got);
        rc = AM_ERR_CONFIG;
    } else if (rc == AM_OK) {
        memcpy(key->bytes, buf, AM_VOUCHER_KEY_LEN);
    }
    sodium_memzero(buf, sizeof buf);
    return rc;
}

am_rc am_voucher_key_generate(const char *path, char *err, size_t errlen)
{
    am_rc rc = AM_OK;
    unsigned char bytes[AM_VOUCHER_KEY_LEN];
    int fd;

    if (!path || !path[0]) {
        snprintf(err, errlen, "no voucher key file given");
        return AM_ERR_INVALID;
    }
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium could not start (no random source)");
        return AM_ERR;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST) {
            snprintf(err, errlen,
                     "%s: already exists; a new key would make every voucher issued with the "
                     "old one fail verification, so it is not replaced",
                     path);
            return AM_ERR_INVALID;
        }
        snprintf(err, errlen, "%s: cannot create the voucher key file: %s", path, strerror(e));
        return AM_ERR_IO;
    }
    /* The umask may have taken bits away, never added them; make it exact. */
    if (fchmod(fd, 0600) != 0) {
        snprintf(err, errlen, "%s: cannot set mode 0600: %s", path, strerror(errno));
        rc = AM_ERR_IO;
        goto out;
    }
    randombytes_buf(bytes, sizeof bytes);
    size_t done = 0;
    while (done < sizeof bytes) {
        ssize_t n = write(fd, bytes + done, sizeof bytes - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "%s: cannot write the voucher key: %s", path,
                     n < 0 ? strerror(errno) : "short write");
            rc = AM_ERR_IO;
            goto out;
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0) {
        snprintf(err, errlen, "%s: cannot flush the voucher key to disk: %s", path,
                 strerror(errno));
        rc = AM_ERR_IO;
    }
out:
    sodium_memzero(bytes, sizeof bytes);
    if (close(fd) != 0 && rc == AM_OK) {
        snprintf(err, errlen, "%s: cannot close the voucher key file: %s", path, strerror(errno));
        rc = AM_ERR_IO;
    }
    if (rc != AM_OK)
        unlink(path);
    return rc;
}
