/* test_hub_dash_browser.c — a staff member works a case in a real browser:
 * Chromium, headless, driven through chromedriver's WebDriver HTTP API
 * (on loopback, with libcurl) against the real amends-hub. She signs in
 * with her name and password in a phone-sized window, sees the case in her
 * queue, opens it, acknowledges it, adds a note and resolves it with a
 * root cause; the API must then show the case resolved with those three
 * events by her, through the dashboard. Screenshots of the queue and of
 * the resolved case are saved in the build tree (tests/case-*.png) to be
 * looked at.
 *
 * Nothing is skipped: without chromium or chromedriver the test fails and
 * says to run packaging/install-deps.sh.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <signal.h>
#include <sodium.h>
#include <sys/wait.h>

#include "hub_group.h"

#define CHROMIUM     "/usr/bin/chromium"
#define CHROMEDRIVER "/usr/bin/chromedriver"
#define SHOT_QUEUE   AM_BINARY_DIR "/tests/case-queue.png"
#define SHOT_CASE    AM_BINARY_DIR "/tests/case-resolved.png"
#define PASSWORD     "Towel-Cart-Lantern-42"
#define ELEMENT_KEY  "element-6066-11e4-a52e-4f735466cecf"

/* --- chromedriver -------------------------------------------------------------------------- */

typedef struct driver {
    pid_t pid;
    FILE *out; /* its stdout: the port it took */
    int port;
    char session[128];
} driver;

/* Starts chromedriver on a port of its choosing and reads which. */
static void driver_start(driver *d, const char *dir)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    char log[700];
    snprintf(log, sizeof log, "--log-path=%s/chromedriver.log", dir);
    d->pid = fork();
    assert_true(d->pid >= 0);
    if (d->pid == 0) {
        /* A process group of its own, with the browser it starts: stopping
         * it stops them all, even when the test failed half-way. */
        setsid();
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(CHROMEDRIVER, CHROMEDRIVER, "--port=0", log, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    d->out = fdopen(fds[0], "r");
    assert_non_null(d->out);
    char line[512];
    /* Blocks until chromedriver says where it listens (or exits). */
    while (fgets(line, sizeof line, d->out)) {
        const char *p = strstr(line, "started successfully on port ");
        if (p) {
            d->port = atoi(p + strlen("started successfully on port "));
            break;
        }
    }
    if (d->port <= 0)
        fail_msg("chromedriver did not start (see %s)", log + strlen("--log-path="));
}

static void driver_stop(driver *d)
{
    if (d->pid > 0) {
        kill(-d->pid, SIGTERM);
        waitpid(d->pid, NULL, 0);
        kill(-d->pid, SIGKILL); /* whatever of the browser is left */
        d->pid = 0;
    }
    if (d->out)
        fclose(d->out);
    d->out = NULL;
}

typedef struct buf {
    char *data;
    size_t len;
} buf;

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    char *grown = realloc(b->data, b->len + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, p, size * n);
    b->len += size * n;
    grown[b->len] = '\0';
    b->data = grown;
    return size * n;
}

/* One WebDriver command: its "value", parsed (caller frees the whole in
 * *root). Fails the test on an error answer. */
static const cJSON *wd(driver *d, const char *method, const char *path, const char *body,
                       cJSON **root)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", d->port, path);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    buf b = {0};
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    if (status != 200)
        fail_msg("%s %s %s: %ld %.1000s", method, path, body ? body : "", status,
                 b.data ? b.data : "");
    *root = cJSON_Parse(b.data);
    free(b.data);
    assert_non_null(*root);
    return cJSON_GetObjectItem(*root, "value");
}

static void wd_do(driver *d, const char *method, const char *path, const char *body)
{
    cJSON *root;
    wd(d, method, path, body, &root);
    cJSON_Delete(root);
}

static void open_url(driver *d, const char *url)
{
    char path[256], body[1024];
    snprintf(path, sizeof path, "/session/%s/url", d->session);
    snprintf(body, sizeof body, "{\"url\":\"%s\"}", url);
    wd_do(d, "POST", path, body);
}

/* The element the CSS selector finds, waiting for it (the session's
 * implicit wait) as the page loads; its id into id. */
static void find(driver *d, const char *css, char *id, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "/session/%s/element", d->session);
    cJSON *sel = cJSON_CreateObject();
    cJSON_AddStringToObject(sel, "using", "css selector");
    cJSON_AddStringToObject(sel, "value", css);
    char *body = cJSON_PrintUnformatted(sel);
    cJSON_Delete(sel);
    cJSON *root;
    const cJSON *v = wd(d, "POST", path, body, &root);
    free(body);
    const char *eid = cJSON_GetStringValue(cJSON_GetObjectItem(v, ELEMENT_KEY));
    if (!eid)
        fail_msg("no element %s", css);
    snprintf(id, len, "%s", eid);
    cJSON_Delete(root);
}

static void click(driver *d, const char *css)
{
    char id[128], path[384];
    find(d, css, id, sizeof id);
    snprintf(path, sizeof path, "/session/%s/element/%s/click", d->session, id);
    wd_do(d, "POST", path, "{}");
}

static void type(driver *d, const char *css, const char *text)
{
    char id[128], path[384];
    find(d, css, id, sizeof id);
    snprintf(path, sizeof path, "/session/%s/element/%s/value", d->session, id);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "text", text);
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    wd_do(d, "POST", path, body);
    free(body);
}

static void screenshot(driver *d, const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "/session/%s/screenshot", d->session);
    cJSON *root;
    const cJSON *v = wd(d, "GET", path, NULL, &root);
    const char *b64 = cJSON_GetStringValue(v);
    assert_non_null(b64);
    size_t cap = strlen(b64), len = 0;
    unsigned char *png = malloc(cap);
    assert_non_null(png);
    assert_int_equal(sodium_base642bin(png, cap, b64, strlen(b64), NULL, &len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_memory_equal(png, "\x89PNG", 4);
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png, 1, len, f), len);
    fclose(f);
    free(png);
    cJSON_Delete(root);
}

/* --- the test ------------------------------------------------------------------------------ */

/* The one chromedriver, stopped by the teardown whether the test passed or
 * failed. */
static driver the_driver;

static void staff_work_a_case_in_chromium(void **state)
{
    harness *h = *state;
    if (access(CHROMIUM, X_OK) != 0 || access(CHROMEDRIVER, X_OK) != 0)
        fail_msg("chromium (%s) or chromedriver (%s) is missing: run packaging/install-deps.sh "
                 "(Debian packages chromium and chromium-driver)",
                 CHROMIUM, CHROMEDRIVER);
    char out[2048];
    /* Sam of housekeeping, with a password set through her link. */
    const char *team[] = {"team", "add", "default", "hk", "--name", "Housekeeping", NULL};
    const char *route[] = {"route", "default", "default", "hk", NULL};
    const char *add[] = {"person", "add", "sam", "--role", "staff", "--team", "default/hk", NULL};
    cmd(h, team, out, sizeof out);
    cmd(h, route, out, sizeof out);
    cmd(h, add, out, sizeof out);
    char line[512], args[2048], *body;
    h_field(out, "password_link: ", line, sizeof line);
    const char *link = strstr(line, "/password/");
    assert_non_null(link);
    snprintf(args, sizeof args, "--data-urlencode 'password=%s' --data-urlencode 'again=%s' '%s%s'",
             PASSWORD, PASSWORD, h->url, link);
    long status = curl(h, args, &body);
    free(body);
    assert_true(status == 200 || status == 303);

    /* A guest in room 214 asks for staff. */
    am_proto_batch *b = h_batch("k1", 2);
    am_proto_record *fb = h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    snprintf(fb->u.feedback.report.location, sizeof fb->u.feedback.report.location, "Room 214");
    h_add_alert(b, fb->id);
    am_hub_client *k = h_kiosk(h, 1);
    char *batch = h_encode(b);
    am_hub_reply reply;
    h_post(k, batch, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(batch);
    am_hub_client_free(k);
    am_proto_batch_free(b);
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/cases?site=default'",
             h->mgr_token, h->url);
    assert_int_equal(curl(h, args, &body), 200);
    const char *at = strstr(body, "\"code\":\"");
    assert_non_null(at);
    char code[32];
    snprintf(code, sizeof code, "%.*s", (int)strcspn(at + 8, "\""), at + 8);
    free(body);

    /* The browser: a phone-sized window. The hub's CA is made for this
     * test only, so certificate errors are accepted here, in tests only. */
    driver_start(&the_driver, h->dir);
    char caps[2048];
    snprintf(caps, sizeof caps,
             "{\"capabilities\":{\"alwaysMatch\":{\"browserName\":\"chrome\","
             "\"acceptInsecureCerts\":true,\"goog:chromeOptions\":{\"binary\":\"%s\","
             "\"args\":[\"--headless=new\",\"--no-sandbox\",\"--disable-gpu\","
             "\"--disable-background-networking\",\"--disable-component-update\","
             "\"--disable-sync\",\"--no-first-run\",\"--window-size=412,1400\","
             "\"--user-data-dir=%s/chrome-wd\"]}}}}",
             CHROMIUM, h->dir);
    cJSON *root;
    const cJSON *v = wd(&the_driver, "POST", "/session", caps, &root);
    const char *sid = cJSON_GetStringValue(cJSON_GetObjectItem(v, "sessionId"));
    assert_non_null(sid);
    snprintf(the_driver.session, sizeof the_driver.session, "%s", sid);
    cJSON_Delete(root);
    char path[256];
    snprintf(path, sizeof path, "/session/%s/timeouts", the_driver.session);
    wd_do(&the_driver, "POST", path, "{\"implicit\":15000,\"pageLoad\":60000}");

    /* Sign in with name and password. */
    char url[512];
    snprintf(url, sizeof url, "%s/login", h->url);
    open_url(&the_driver, url);
    type(&the_driver, "#name", "sam");
    type(&the_driver, "#password", PASSWORD);
    click(&the_driver, "button.primary");
    /* Her queue: the case, with what to do next. */
    char sel[256];
    snprintf(sel, sizeof sel, "tr.case[data-case=\"%s\"] td.next", code);
    find(&the_driver, sel, line, sizeof line);
    screenshot(&the_driver, SHOT_QUEUE);
    snprintf(sel, sizeof sel, "tr.case[data-case=\"%s\"] a.code", code);
    click(&the_driver, sel);
    /* Acknowledge, note, resolve: each answered with the case page. */
    click(&the_driver, "#form-ack button");
    find(&the_driver, "#case[data-state=\"acknowledged\"]", line, sizeof line);
    type(&the_driver, "#form-note textarea[name=\"text\"]", "Brought fresh towels to room 214");
    click(&the_driver, "#form-note button");
    find(&the_driver, "li.event[data-type=\"note\"]", line, sizeof line);
    click(&the_driver, "#form-resolve select[name=\"root_cause\"] option[value=\"supplier\"]");
    type(&the_driver, "#form-resolve textarea[name=\"action\"]",
         "Replaced the towels; told the laundry");
    type(&the_driver, "#form-resolve textarea[name=\"guest_message\"]", "Sorry about the towels.");
    click(&the_driver, "#form-resolve button");
    find(&the_driver, "#case[data-state=\"resolved\"]", line, sizeof line);
    screenshot(&the_driver, SHOT_CASE);
    snprintf(path, sizeof path, "/session/%s", the_driver.session);
    wd_do(&the_driver, "DELETE", path, NULL);
    driver_stop(&the_driver);

    /* What the API says happened. */
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/cases/%s'", h->mgr_token,
             h->url, code);
    assert_int_equal(curl(h, args, &body), 200);
    root = cJSON_Parse(body);
    free(body);
    const cJSON *c = cJSON_GetObjectItem(root, "case");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c, "state")), "resolved");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c, "root_cause")), "supplier");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c, "corrective_action")),
                        "Replaced the towels; told the laundry");
    static const char *const done[] = {"ack", "note", "resolve"};
    for (size_t i = 0; i < 3; i++) {
        bool found = false;
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "timeline"))
        {
            found = found ||
                    (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "type")), done[i]) &&
                     !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "actor")), "sam") &&
                     !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "via")), "dashboard"));
        }
        if (!found)
            fail_msg("no '%s' by sam through the dashboard on the timeline", done[i]);
    }
    cJSON_Delete(root);
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, NULL);
}

static int teardown(void **state)
{
    driver_stop(&the_driver);
    return h_teardown(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(staff_work_a_case_in_chromium, setup_sqlite, teardown),
};

AM_TEST_MAIN(tests)
