/* test_hub_tls.c — the hub's HTTPS as a scanner sees it: sslscan lists
 * every protocol and suite the real amends-hub accepts, and the test fails
 * on anything older than TLS 1.2, on a TLS 1.2 suite without forward
 * secrecy (no ECDHE) or without AEAD (CBC, SHA-1 MACs), and on a server
 * that lets the client choose the suite: openssl s_client offers the
 * server's two first suites in the reverse order, and the server must
 * still pick its own first. */
#include "hub_harness.h"

#define SCAN_MAX 64

typedef struct scanned {
    char version[16]; /* "TLSv1.2" */
    char cipher[64];  /* OpenSSL name */
    bool preferred;
} scanned;

/* The value of attribute `name` in one XML element, or "". */
static void xml_attr(const char *elem, const char *name, char *out, size_t outlen)
{
    char key[40];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(elem, key);
    out[0] = '\0';
    if (!p)
        return;
    p += strlen(key);
    size_t n = strcspn(p, "\"");
    snprintf(out, outlen, "%.*s", (int)n, p);
}

/* Runs sslscan against the hub: the accepted suites in *out (sslscan
 * lists them in the order the server picks them), the protocols enabled
 * in `protocols` ("TLSv1.2 TLSv1.3 "). */
static int scan(harness *h, scanned *out, char *protocols, size_t plen)
{
    char xml[700], cmd[1600];
    snprintf(xml, sizeof xml, "%s/sslscan.xml", h->dir);
    snprintf(cmd, sizeof cmd, "sslscan --no-colour --xml='%s' 127.0.0.1:%d > '%s/sslscan.out'", xml,
             h->hub.port, h->dir);
    if (h_sh(cmd, NULL, NULL) != 0)
        fail_msg("sslscan failed (install it: packaging/install-deps.sh)");
    char *text = am_test_read_file(xml, NULL);
    assert_non_null(text);
    int n = 0;
    protocols[0] = '\0';
    for (const char *e = strstr(text, "<protocol "); e; e = strstr(e + 1, "<protocol ")) {
        char type[8], version[8], enabled[4];
        xml_attr(e, "type", type, sizeof type);
        xml_attr(e, "version", version, sizeof version);
        xml_attr(e, "enabled", enabled, sizeof enabled);
        if (strcmp(enabled, "1") == 0)
            snprintf(protocols + strlen(protocols), plen - strlen(protocols), "%sv%s ",
                     strcmp(type, "ssl") == 0 ? "SSL" : "TLS", version);
    }
    for (const char *e = strstr(text, "<cipher "); e && n < SCAN_MAX;
         e = strstr(e + 1, "<cipher ")) {
        char status[16];
        xml_attr(e, "status", status, sizeof status);
        xml_attr(e, "sslversion", out[n].version, sizeof out[n].version);
        xml_attr(e, "cipher", out[n].cipher, sizeof out[n].cipher);
        out[n].preferred = strcmp(status, "preferred") == 0;
        n++;
    }
    free(text);
    return n;
}

/* The suite the hub picks when the client offers `suites` in that order
 * (TLS 1.3: -ciphersuites, else -cipher). */
static void picked(harness *h, const char *version, const char *suites, char *out, size_t outlen)
{
    char cmd[2000], file[700];
    bool v13 = strcmp(version, "TLSv1.3") == 0;
    snprintf(file, sizeof file, "%s/s_client.out", h->dir);
    snprintf(cmd, sizeof cmd,
             "openssl s_client -connect 127.0.0.1:%d -servername 127.0.0.1 -CAfile '%s' %s %s "
             "'%s' < /dev/null > '%s' 2>&1",
             h->hub.port, h->ca, v13 ? "-tls1_3" : "-tls1_2", v13 ? "-ciphersuites" : "-cipher",
             suites, file);
    h_sh(cmd, NULL, NULL);
    char *text = am_test_read_file(file, NULL);
    assert_non_null(text);
    const char *p = strstr(text, ", Cipher is ");
    if (!p)
        fail_msg("openssl s_client got no session offering %s:\n%s", suites, text);
    p += strlen(", Cipher is ");
    snprintf(out, outlen, "%.*s", (int)strcspn(p, "\r\n"), p);
    free(text);
}

static void hub_offers_forward_secret_aead_suites_in_its_own_order(void **state)
{
    harness *h = *state;
    scanned s[SCAN_MAX];
    char protocols[128];
    int n = scan(h, s, protocols, sizeof protocols);
    if (strcmp(protocols, "TLSv1.2 TLSv1.3 ") != 0)
        fail_msg("protocols enabled: %s(only TLS 1.2 and 1.3 may be)", protocols);
    int v12 = 0, v13 = 0;
    for (int i = 0; i < n; i++) {
        const char *c = s[i].cipher;
        if (strcmp(s[i].version, "TLSv1.3") == 0) {
            v13++; /* every TLS 1.3 suite is ephemeral and AEAD */
            continue;
        }
        assert_string_equal(s[i].version, "TLSv1.2");
        v12++;
        if (strncmp(c, "ECDHE-", 6) != 0)
            fail_msg("%s %s: no forward secrecy", s[i].version, c);
        if (!strstr(c, "-GCM-") && !strstr(c, "CHACHA20-POLY1305"))
            fail_msg("%s %s: not an AEAD suite", s[i].version, c);
    }
    assert_true(v12 >= 2);
    assert_true(v13 >= 2);
    /* The server's order: for each version, the client offers the first two
     * suites the other way round and still gets the server's first. */
    for (int v = 0; v < 2; v++) {
        const char *version = v ? "TLSv1.3" : "TLSv1.2";
        const scanned *first = NULL, *second = NULL;
        for (int i = 0; i < n; i++) {
            if (strcmp(s[i].version, version) != 0)
                continue;
            if (!first)
                first = &s[i];
            else if (!second)
                second = &s[i];
        }
        assert_non_null(first);
        assert_non_null(second);
        assert_true(first->preferred);
        char offer[160], got[96];
        snprintf(offer, sizeof offer, "%s:%s", second->cipher, first->cipher);
        picked(h, version, offer, got, sizeof got);
        if (strcmp(got, first->cipher) != 0)
            fail_msg("%s: offered %s, the hub took %s: no server cipher order", version, offer,
                     got);
        snprintf(offer, sizeof offer, "%s:%s", first->cipher, second->cipher);
        picked(h, version, offer, got, sizeof got);
        assert_string_equal(got, first->cipher);
    }
}

static int setup(void **state)
{
    return h_setup(state, false, NULL);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hub_offers_forward_secret_aead_suites_in_its_own_order,
                                        setup, h_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
