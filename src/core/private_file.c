/* private_file.c — secrets and databases no one else may read
 * (private_file.h). */
#include "amends/private_file.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *user_name(uid_t uid, char *buf, size_t len)
{
    struct passwd pw, *found = NULL;
    char scratch[1024];
    if (getpwuid_r(uid, &pw, scratch, sizeof scratch, &found) == 0 && found)
        snprintf(buf, len, "%s", found->pw_name);
    else
        snprintf(buf, len, "uid %lu", (unsigned long)uid);
    return buf;
}

int am_secret_open(const char *path, const char *what, am_rc *rc, char *err, size_t errlen)
{
    struct stat sb;
    if (!path || !path[0]) {
        snprintf(err, errlen, "%s is not set", what);
        *rc = AM_ERR_CONFIG;
        return -1;
    }
    /* O_NOFOLLOW: the checks are about the file itself, not a link someone
     * could point elsewhere; O_NONBLOCK: a FIFO cannot hang the program. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        *rc = e == ENOENT ? AM_ERR_NOTFOUND : e == ELOOP ? AM_ERR_CONFIG : AM_ERR_IO;
        if (e == ELOOP)
            snprintf(err, errlen, "%s %s: is a symbolic link; point the setting at the file itself",
                     what, path);
        else
            snprintf(err, errlen, "%s %s: cannot open: %s", what, path, strerror(e));
        return -1;
    }
    *rc = AM_ERR_CONFIG;
    if (fstat(fd, &sb) != 0) {
        snprintf(err, errlen, "%s %s: cannot read its status: %s", what, path, strerror(errno));
        *rc = AM_ERR_IO;
    } else if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s %s: is not a regular file", what, path);
    } else if (sb.st_uid != geteuid()) {
        char owner[64], me[64];
        snprintf(err, errlen,
                 "%s %s: is owned by %s, not by %s who runs this program; refusing it "
                 "(chown %s %s)",
                 what, path, user_name(sb.st_uid, owner, sizeof owner),
                 user_name(geteuid(), me, sizeof me), me, path);
    } else if ((sb.st_mode & 07777) != 0600 && (sb.st_mode & 07777) != 0400) {
        snprintf(err, errlen,
                 "%s %s: has mode %04o; it must be 0600 or 0400 so that no one else can read "
                 "it (chmod 600 %s)",
                 what, path, (unsigned)(sb.st_mode & 07777), path);
    } else {
        *rc = AM_OK;
        return fd;
    }
    close(fd);
    return -1;
}

am_rc am_secret_read(const char *path, const char *what, char *buf, size_t len, size_t *got,
                     char *err, size_t errlen)
{
    am_rc rc;
    int fd = am_secret_open(path, what, &rc, err, errlen);
    *got = 0;
    if (fd < 0)
        return rc;
    /* One byte more than fits, to tell "too long" from "exactly full". */
    while (*got < len) {
        ssize_t n = read(fd, buf + *got, len - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s %s: cannot read: %s", what, path, strerror(errno));
            close(fd);
            return AM_ERR_IO;
        }
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    close(fd);
    if (*got >= len) {
        snprintf(err, errlen, "%s %s: longer than %zu bytes", what, path, len - 1);
        return AM_ERR_TOOBIG;
    }
    buf[*got] = '\0';
    return AM_OK;
}

/* Takes the group's and others' permissions off `path` when it exists and
 * has them; appends what it did to note. */
static am_rc make_private(const char *path, bool must_exist, char *note, size_t notelen, char *err,
                          size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT && !must_exist)
            return AM_OK;
        snprintf(err, errlen, "%s: cannot read its status: %s", path, strerror(errno));
        return AM_ERR_IO;
    }
    if (!(sb.st_mode & 077))
        return AM_OK;
    /* Someone else's file this user cannot write either: opening it for
     * writing fails, and says so better than this could. */
    if (sb.st_uid != geteuid() && access(path, W_OK) != 0)
        return AM_OK;
    if (sb.st_uid != geteuid() || chmod(path, sb.st_mode & 0700) != 0) {
        char owner[64];
        snprintf(err, errlen,
                 "%s: has mode %04o, so others can read the guests' reports in it, and this "
                 "program cannot change that (owned by %s): chmod 600 %s",
                 path, (unsigned)(sb.st_mode & 07777), user_name(sb.st_uid, owner, sizeof owner),
                 path);
        return AM_ERR_CONFIG;
    }
    size_t used = strlen(note);
    snprintf(note + used, notelen - used, "%s%s was mode %04o, now %04o", used ? "; " : "", path,
             (unsigned)(sb.st_mode & 07777), (unsigned)(sb.st_mode & 0700));
    return AM_OK;
}

am_rc am_private_db_prepare(const char *path, char *note, size_t notelen, char *err, size_t errlen)
{
    note[0] = '\0';
    /* Created 0600 here, whatever the umask: SQLite gives a database's
     * -wal and -shm files the database file's own mode. */
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return AM_OK;
    }
    if (errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        return errno == EROFS ? AM_ERR_READONLY : AM_ERR_IO;
    }
    am_rc rc = make_private(path, true, note, notelen, err, errlen);
    static const char *const sidecars[] = {"-wal", "-shm"};
    for (size_t i = 0; !rc && i < sizeof sidecars / sizeof sidecars[0]; i++) {
        char side[4200];
        snprintf(side, sizeof side, "%s%s", path, sidecars[i]);
        rc = make_private(side, false, note, notelen, err, errlen);
    }
    return rc;
}
