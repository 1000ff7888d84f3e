/* test_packaging.c — the Debian packages as an installer gets them: both
 * build with cpack from this build tree, hold what they should and nothing
 * secret, pass lintian, their systemd units verify, and the kiosk unpacked
 * into an empty root runs a guest journey from its own files.
 *
 * The packages are built once per ctest run (the cases share them): the
 * first case to get the lock runs cpack into tmp/packaging-PPID (PPID is
 * ctest's pid, the same for every case of one run); the others wait for it
 * and reuse the result, or its failure. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_test.h"
#include "amends/version.h"

#define CMD_MAX  8192
#define PATH_LEN 1024

static char g_pkgdir[PATH_LEN];
static char g_kiosk_deb[PATH_LEN];
static char g_hub_deb[PATH_LEN];

static const char *test_tmp_base(void)
{
    const char *base = getenv("AMENDS_TEST_TMP");
    return base && *base ? base : "/tmp";
}

/* Runs a shell command with stdout and stderr in log (a file path);
 * returns its exit status. */
static int sh(const char *log, const char *fmt, ...)
{
    char cmd[CMD_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof cmd);
    char full[CMD_MAX + 16];
    snprintf(full, sizeof full, "exec 2>&1; %s", cmd);
    char *argv[] = {"/bin/sh", "-c", full, NULL};
    return am_test_run_program(argv, log, NULL);
}

/* Every text a case reads is freed by the teardown, so a failing check
 * (cmocka jumps out of the case) leaks nothing under LeakSanitizer. */
static char *g_owned[64];
static size_t g_owned_count;

static char *own(char *text)
{
    if (!text)
        fail_msg("out of memory");
    if (g_owned_count == sizeof g_owned / sizeof g_owned[0]) {
        fail_msg("too many texts held by one case");
    }
    g_owned[g_owned_count++] = text;
    return text;
}

static int free_owned(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_owned_count; i++)
        free(g_owned[i]);
    g_owned_count = 0;
    return 0;
}

/* The file's text, or "" (never NULL); freed by the teardown. */
static char *slurp(const char *path)
{
    char *text = am_test_read_file(path, NULL);
    return own(text ? text : strdup(""));
}

/* Fails the test with the command's output. */
static void fail_with_log(const char *what, const char *log)
{
    char *text = slurp(log);
    fail_msg("%s:\n%s", what, text);
}

static void find_deb(const char *dir, const char *name, char *out, size_t outlen)
{
    char pattern[PATH_LEN + 64];
    glob_t g;
    snprintf(pattern, sizeof pattern, "%s/%s_" AM_VERSION "-1_*.deb", dir, name);
    int rc = glob(pattern, 0, NULL, &g);
    if (rc != 0 || g.gl_pathc != 1) {
        globfree(&g);
        fail_msg("%s: expected exactly one package matching %s", dir, pattern);
    }
    snprintf(out, outlen, "%s", g.gl_pathv[0]);
    globfree(&g);
}

/* Builds both packages once per ctest run (see the top of this file). */
static void build_packages(void)
{
    char lock_path[PATH_LEN], done[PATH_LEN + 16], failed[PATH_LEN + 16], log[PATH_LEN + 16];
    const char *base = test_tmp_base();
    mkdir(base, 0700);
    snprintf(g_pkgdir, sizeof g_pkgdir, "%s/packaging-%ld", base, (long)getppid());
    snprintf(lock_path, sizeof lock_path, "%s/packaging.lock", base);
    snprintf(done, sizeof done, "%s/done", g_pkgdir);
    snprintf(failed, sizeof failed, "%s/failed", g_pkgdir);
    snprintf(log, sizeof log, "%s.log", g_pkgdir);

    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        fail_msg("%s: %s", lock_path, strerror(errno));
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR)
            fail_msg("flock %s: %s", lock_path, strerror(errno));
    }
    struct stat sb;
    if (stat(done, &sb) != 0 && stat(failed, &sb) != 0) {
        /* Earlier runs' packages go: only this run's are trusted. */
        sh(NULL, "rm -rf '%s'/packaging-[0-9]* '%s'/packaging-[0-9]*.log", base, base);
        int rc = sh(log,
                    "mkdir -p '%s' && cd '%s' && cpack --config '%s/CPackConfig.cmake' -B '%s' "
                    "&& touch '%s'",
                    g_pkgdir, g_pkgdir, AM_BINARY_DIR, g_pkgdir, done);
        if (rc != 0)
            sh(NULL, "mkdir -p '%s' && touch '%s'", g_pkgdir, failed);
    }
    flock(fd, LOCK_UN);
    close(fd);
    if (stat(failed, &sb) == 0)
        fail_with_log("cpack failed", log);
    find_deb(g_pkgdir, "amends-kiosk", g_kiosk_deb, sizeof g_kiosk_deb);
    find_deb(g_pkgdir, "amends-hub", g_hub_deb, sizeof g_hub_deb);
}

/* `dpkg-deb -c` of a package, one path a line as "/etc/amends/..." (dirs
 * end in '/'); caller frees. */
static char *list_contents(const char *deb, const char *dir)
{
    char log[PATH_LEN + 32];
    snprintf(log, sizeof log, "%s/contents.txt", dir);
    if (sh(log, "dpkg-deb -c '%s' | awk '{print $6}' | sed 's|^\\./|/|'", deb) != 0)
        fail_with_log("dpkg-deb -c failed", log);
    return slurp(log);
}

static int has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++) {
        if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
            return 1;
    }
    return 0;
}

static void expect_paths(const char *contents, const char *const *paths)
{
    for (; *paths; paths++) {
        if (!has_line(contents, *paths))
            fail_msg("package lacks %s; it holds:\n%s", *paths, contents);
    }
}

/* Keys, tokens, secrets and certificates are made at install, never
 * shipped; and nothing is shipped under the data directories. */
static void expect_no_secrets(const char *contents)
{
    static const char *const bad_suffixes[] = {".key", ".token", ".secret", ".pem", ".crt", ".db"};
    char *copy = own(strdup(contents));
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);
        for (size_t i = 0; i < sizeof bad_suffixes / sizeof bad_suffixes[0]; i++) {
            size_t sl = strlen(bad_suffixes[i]);
            if (len >= sl && strcmp(line + len - sl, bad_suffixes[i]) == 0)
                fail_msg("package ships %s: secrets are made at install", line);
        }
        if (strncmp(line, "/var/", 5) == 0)
            fail_msg("package ships %s: data directories are made at install", line);
    }
}

/* The control file NAME of a package (conffiles, postinst, ...); caller
 * frees. */
static char *control_file(const char *deb, const char *dir, const char *name)
{
    char ctrl[PATH_LEN + 32], log[PATH_LEN + 32], path[PATH_LEN + 64];
    snprintf(ctrl, sizeof ctrl, "%s/control", dir);
    snprintf(log, sizeof log, "%s/control.log", dir);
    if (sh(log, "rm -rf '%s' && dpkg-deb -e '%s' '%s'", ctrl, deb, ctrl) != 0)
        fail_with_log("dpkg-deb -e failed", log);
    snprintf(path, sizeof path, "%s/%s", ctrl, name);
    return slurp(path);
}

/* The package unpacked into DIR/root. */
static void unpack(const char *deb, const char *dir, char *root, size_t rootlen)
{
    char log[PATH_LEN + 32];
    snprintf(root, rootlen, "%s/root", dir);
    snprintf(log, sizeof log, "%s/unpack.log", dir);
    if (sh(log, "dpkg-deb -x '%s' '%s'", deb, root) != 0)
        fail_with_log("dpkg-deb -x failed", log);
}

static void test_both_packages_build(void **state)
{
    (void)state;
    build_packages();
    char dir[PATH_LEN], log[PATH_LEN + 32];
    am_test_tmpdir(dir, sizeof dir, "pkg-build");
    snprintf(log, sizeof log, "%s/fields.txt", dir);
    const char *debs[] = {g_kiosk_deb, g_hub_deb};
    const char *names[] = {"amends-kiosk", "amends-hub"};
    for (int i = 0; i < 2; i++) {
        if (sh(log, "dpkg-deb -f '%s' Package Version Maintainer Depends", debs[i]) != 0)
            fail_with_log("dpkg-deb -f failed", log);
        char *fields = slurp(log);
        char want[128];
        snprintf(want, sizeof want, "Package: %s\nVersion: " AM_VERSION "-1\n", names[i]);
        if (strncmp(fields, want, strlen(want)) != 0)
            fail_msg("%s: fields are\n%s", debs[i], fields);
        /* dpkg-shlibdeps found the shared libraries the programs link. */
        if (!strstr(fields, "libc6") || !strstr(fields, "libsqlite3"))
            fail_msg("%s: Depends lacks the shared libraries:\n%s", debs[i], fields);
        /* The kiosk breaks long words with libhyphen and these dictionaries. */
        static const char *const kiosk_needs[] = {"libhyphen0", "hyphen-en-us", "hyphen-es",
                                                  "hyphen-fr", "hyphen-de"};
        for (size_t k = 0; i == 0 && k < sizeof kiosk_needs / sizeof kiosk_needs[0]; k++)
            if (!strstr(fields, kiosk_needs[k]))
                fail_msg("%s: Depends lacks %s:\n%s", debs[i], kiosk_needs[k], fields);
    }
    am_test_rmtree(dir);
}

static void test_kiosk_package_contents(void **state)
{
    (void)state;
    build_packages();
    char dir[PATH_LEN];
    am_test_tmpdir(dir, sizeof dir, "pkg-kiosk");
    char *contents = list_contents(g_kiosk_deb, dir);
    static const char *const want[] = {
        "/usr/bin/amends-kiosk",
        "/usr/bin/amendsctl",
        "/etc/amends/amends.conf",
        "/lib/systemd/system/amends-kiosk.service",
        "/usr/share/amends/i18n/en.ini",
        "/usr/share/amends/i18n/ar.ini",
        "/usr/share/amends/fonts/NotoSans-Regular.ttf",
        "/usr/share/amends/fonts/NotoSansArabic-Regular.ttf",
        "/usr/share/amends/fonts/DroidSansFallbackFull.ttf",
        "/usr/share/amends/fonts/OFL-1.1.txt",
        "/usr/share/amends/demo/journey.script",
        "/usr/share/man/man1/amends-kiosk.1.gz",
        "/usr/share/man/man1/amendsctl.1.gz",
        "/usr/share/man/man5/amends.conf.5.gz",
        "/usr/share/doc/amends-kiosk/copyright",
        "/usr/share/doc/amends-kiosk/changelog.Debian.gz",
        "/usr/share/doc/amends-kiosk/examples/hotel.conf",
        NULL,
    };
    expect_paths(contents, want);
    expect_no_secrets(contents);
    if (has_line(contents, "/usr/bin/amends-hub"))
        fail_msg("the kiosk package ships the hub");

    char *conffiles = control_file(g_kiosk_deb, dir, "conffiles");
    assert_string_equal(conffiles, "/etc/amends/amends.conf\n");
    /* The secrets the kiosk reads are made by postinst, private. */
    char *postinst = control_file(g_kiosk_deb, dir, "postinst");
    /* The voucher key comes from the hub, never made on the device: a
     * key the hub does not hold would make unverifiable codes. */
    assert_null(strstr(postinst, "voucher keygen"));
    assert_non_null(strstr(postinst, "for secret in kiosk.token kiosk.secret voucher.key"));
    assert_non_null(strstr(postinst, "chmod 0600 \"$etc/$secret\""));
    am_test_rmtree(dir);
}

static void test_hub_package_contents(void **state)
{
    (void)state;
    build_packages();
    char dir[PATH_LEN];
    am_test_tmpdir(dir, sizeof dir, "pkg-hub");
    char *contents = list_contents(g_hub_deb, dir);
    static const char *const want[] = {
        "/usr/bin/amends-hub",
        "/etc/amends/hub.conf",
        "/lib/systemd/system/amends-hub.service",
        "/usr/share/man/man8/amends-hub.8.gz",
        "/usr/share/doc/amends-hub/copyright",
        "/usr/share/doc/amends-hub/changelog.Debian.gz",
        NULL,
    };
    expect_paths(contents, want);
    expect_no_secrets(contents);
    if (has_line(contents, "/usr/bin/amends-kiosk") ||
        has_line(contents, "/etc/amends/amends.conf"))
        fail_msg("the hub package ships kiosk files:\n%s", contents);

    char *conffiles = control_file(g_hub_deb, dir, "conffiles");
    assert_string_equal(conffiles, "/etc/amends/hub.conf\n");
    char *postinst = control_file(g_hub_deb, dir, "postinst");
    assert_non_null(strstr(postinst, "chmod 0600 \"$etc/hub.key\""));
    assert_non_null(strstr(postinst, "chmod 0600 \"$token.new\""));
    am_test_rmtree(dir);
}

static void test_lintian_reports_no_errors(void **state)
{
    (void)state;
    build_packages();
    char dir[PATH_LEN], log[PATH_LEN + 32];
    am_test_tmpdir(dir, sizeof dir, "pkg-lintian");
    snprintf(log, sizeof log, "%s/lintian.txt", dir);
    int rc =
        sh(log, "lintian --fail-on error --tag-display-limit 0 '%s' '%s'", g_kiosk_deb, g_hub_deb);
    char *out = slurp(log);
    if (rc != 0 || strstr(out, "\nE: ") || strncmp(out, "E: ", 3) == 0)
        fail_msg("lintian (exit %d):\n%s", rc, out);
    am_test_rmtree(dir);
}

/* systemd-analyze verify, against the system's units, of the packaged
 * units with their program paths pointed into the unpacked packages and
 * their man pages looked up there. Any message is a failure: verify exits
 * 0 on an unknown or unparsable setting and only says so. */
static void test_systemd_units_verify(void **state)
{
    (void)state;
    build_packages();
    char dir[PATH_LEN], root[PATH_LEN + 16], log[PATH_LEN + 32];
    am_test_tmpdir(dir, sizeof dir, "pkg-units");
    unpack(g_kiosk_deb, dir, root, sizeof root);
    unpack(g_hub_deb, dir, root, sizeof root);
    snprintf(log, sizeof log, "%s/verify.txt", dir);
    int rc = sh(log,
                "cd '%s' && for u in amends-kiosk amends-hub; do "
                "sed 's|/usr/bin/amends|%s/usr/bin/amends|g' "
                "'%s/lib/systemd/system/'$u.service > $u.service || exit 1; done && "
                "MANPATH='%s/usr/share/man' SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "
                "amends-kiosk.service amends-hub.service",
                dir, root, root, root);
    char *out = slurp(log);
    if (rc != 0 || out[0])
        fail_msg("systemd-analyze verify (exit %d):\n%s", rc, out);
    am_test_rmtree(dir);
}

/* Each line of want must be a line of the unit. */
static void expect_unit_lines(const char *unit_text, const char *name, const char *const *want)
{
    for (; *want; want++) {
        if (!has_line(unit_text, *want))
            fail_msg("%s lacks the line \"%s\"", name, *want);
    }
}

static void test_hub_unit_is_hardened(void **state)
{
    (void)state;
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/packaging/systemd/amends-hub.service", AM_SOURCE_DIR);
    char *unit = slurp(path);
    static const char *const want[] = {
        "User=amends-hub",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "CapabilityBoundingSet=",
        "AmbientCapabilities=",
        "ReadWritePaths=/var/lib/amends-hub",
        "StateDirectory=amends-hub",
        "RestrictSUIDSGID=yes",
        "SystemCallFilter=@system-service",
        "ExecStart=/usr/bin/amends-hub --config /etc/amends/hub.conf",
        "Restart=on-failure",
        NULL,
    };
    expect_unit_lines(unit, path, want);
    /* Nothing else may be made writable or granted. */
    if (strstr(unit, "ReadWritePaths=") != strstr(unit, "ReadWritePaths=/var/lib/amends-hub\n") ||
        strstr(strstr(unit, "ReadWritePaths=") + 1, "ReadWritePaths="))
        fail_msg("%s: ReadWritePaths names more than the data directory", path);
    /* Comments may say how to grant one; settings may not. */
    char *copy = own(strdup(unit));
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] != '#' && strstr(line, "CAP_"))
            fail_msg("%s grants a capability: %s", path, line);
    }
}

static void test_kiosk_unit_boots_under_cage(void **state)
{
    (void)state;
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/packaging/systemd/amends-kiosk.service", AM_SOURCE_DIR);
    char *unit = slurp(path);
    static const char *const want[] = {
        "Type=notify",
        "NotifyAccess=all",
        "WatchdogSec=30s",
        "Restart=always",
        "User=amends",
        "PAMName=login",
        "TTYPath=/dev/tty7",
        "Conflicts=getty@tty7.service",
        "ExecStart=/usr/bin/cage -d -- /usr/bin/amends-kiosk --config /etc/amends/amends.conf "
        "--assets /usr/share/amends",
        "WantedBy=graphical.target",
        NULL,
    };
    expect_unit_lines(unit, path, want);
}

static void test_unpacked_kiosk_reports_version(void **state)
{
    (void)state;
    build_packages();
    char dir[PATH_LEN], root[PATH_LEN + 16], log[PATH_LEN + 32];
    am_test_tmpdir(dir, sizeof dir, "pkg-version");
    unpack(g_kiosk_deb, dir, root, sizeof root);
    snprintf(log, sizeof log, "%s/version.txt", dir);
    static const char *const programs[] = {"amends-kiosk", "amendsctl"};
    for (int i = 0; i < 2; i++) {
        int rc = sh(log, "'%s/usr/bin/%s' --version", root, programs[i]);
        char *out = slurp(log);
        char want[128];
        snprintf(want, sizeof want, "%s " AM_VERSION "\n", programs[i]);
        if (rc != 0 || strcmp(out, want) != 0)
            fail_msg("%s --version (exit %d): \"%s\", want \"%s\"", programs[i], rc, out, want);
    }
    am_test_rmtree(dir);
}

/* The packaged kiosk, with the packaged config, strings, fonts and demo
 * script, walks a guest through every screen, finding its assets next to
 * itself (no --assets, no AMENDS_ASSETS); the packaged amendsctl then
 * reads back the journey it kept. */
static void test_unpacked_kiosk_runs_demo(void **state)
{
    (void)state;
    build_packages();
    char dir[PATH_LEN], root[PATH_LEN + 16], log[PATH_LEN + 32];
    am_test_tmpdir(dir, sizeof dir, "pkg-demo");
    unpack(g_kiosk_deb, dir, root, sizeof root);
    snprintf(log, sizeof log, "%s/demo.txt", dir);
    int rc = sh(log,
                "cd '%s' && env -u AMENDS_ASSETS -u DISPLAY -u WAYLAND_DISPLAY "
                "'%s/usr/bin/amends-kiosk' --headless --config '%s/etc/amends/amends.conf' "
                "--data-dir '%s/data' "
                "--script '%s/usr/share/amends/demo/screens.script'",
                dir, root, root, dir, root);
    if (rc != 0)
        fail_with_log("the packaged demo script failed", log);
    char shot[PATH_LEN + 64];
    snprintf(shot, sizeof shot, "%s/amends-8-thanks.png", dir);
    struct stat sb;
    if (stat(shot, &sb) != 0 || sb.st_size < 1000)
        fail_msg("the demo left no screenshot of the thanks screen at %s", shot);

    rc = sh(log, "'%s/usr/bin/amendsctl' --data-dir '%s/data' status", root, dir);
    char *out = slurp(log);
    if (rc != 0 || !strstr(out, "1 kept"))
        fail_msg("amendsctl status (exit %d):\n%s", rc, out);
    am_test_rmtree(dir);
}

/* man renders every packaged page without a warning (groff's -ww). */
static void test_man_pages_render_cleanly(void **state)
{
    (void)state;
    build_packages();
    char dir[PATH_LEN], root[PATH_LEN + 16], log[PATH_LEN + 32];
    am_test_tmpdir(dir, sizeof dir, "pkg-man");
    unpack(g_kiosk_deb, dir, root, sizeof root);
    unpack(g_hub_deb, dir, root, sizeof root);
    snprintf(log, sizeof log, "%s/man.txt", dir);
    static const char *const pages[] = {"man1/amends-kiosk.1.gz", "man1/amendsctl.1.gz",
                                        "man5/amends.conf.5.gz", "man8/amends-hub.8.gz"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        int rc = sh(log,
                    "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "
                    "'%s/usr/share/man/%s' > /dev/null",
                    root, pages[i]);
        char *out = slurp(log);
        if (rc != 0 || out[0])
            fail_msg("man %s (exit %d):\n%s", pages[i], rc, out);
    }
    am_test_rmtree(dir);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_both_packages_build, free_owned),
        cmocka_unit_test_teardown(test_kiosk_package_contents, free_owned),
        cmocka_unit_test_teardown(test_hub_package_contents, free_owned),
        cmocka_unit_test_teardown(test_lintian_reports_no_errors, free_owned),
        cmocka_unit_test_teardown(test_systemd_units_verify, free_owned),
        cmocka_unit_test_teardown(test_hub_unit_is_hardened, free_owned),
        cmocka_unit_test_teardown(test_kiosk_unit_boots_under_cage, free_owned),
        cmocka_unit_test_teardown(test_unpacked_kiosk_reports_version, free_owned),
        cmocka_unit_test_teardown(test_unpacked_kiosk_runs_demo, free_owned),
        cmocka_unit_test_teardown(test_man_pages_render_cleanly, free_owned),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
