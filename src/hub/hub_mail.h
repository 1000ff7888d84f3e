/* hub_mail.h — email from the hub: one RFC 5322 message, sent over SMTP
 * with libcurl.
 *
 * The message is plain text in UTF-8, quoted-printable: every line of the
 * body is 7-bit ASCII of at most 76 characters whatever the text, so it
 * passes any relay (no 8BITMIME or SMTPUTF8 needed), and no body line
 * starts with a dot (a leading "." is written =2E). A subject that is not
 * printable ASCII is sent as RFC 2047 encoded-words (UTF-8, base64). A
 * byte of the subject or text that is not well-formed UTF-8 (a text cut
 * in the middle of a character) is sent as U+FFFD, not refused.
 * Addresses are plain ASCII addr-specs ("duty@hotel.example"); a display
 * name, an internationalized address, a CR or LF anywhere in a header
 * value are refused before anything is sent: a category or location
 * holding CR/LF cannot add a header.
 *
 * Sending: STARTTLS is required on smtp:// (CURLUSESSL_ALL: no TLS, no
 * mail), smtps:// is TLS from the first byte; the server's certificate is
 * verified (against ca_file when set, else the system's CAs), TLS 1.2 at
 * least. Plain SMTP is allowed only when allow_plain_loopback is set and
 * the URL's host is a numeric loopback address (127.0.0.0/8, [::1]):
 * for tests and a relay on the same machine.
 *
 * Nothing here logs; the err texts name the server and its reply, never a
 * recipient's address (an address the server quotes back is replaced by
 * "<address>").
 */
#ifndef AMENDS_HUB_MAIL_H
#define AMENDS_HUB_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "hub_config.h"
#include "hub_send.h"

#define HUB_MAIL_MAX_RCPT 64

/* One message. Borrows every string. */
typedef struct {
    const char *from;      /* addr-spec: "amends@hotel.example" */
    const char *const *to; /* nto addr-specs, 1 to HUB_MAIL_MAX_RCPT */
    size_t nto;
    const char *subject;    /* UTF-8, one line */
    const char *text;       /* UTF-8; lines end "\n" or "\r\n" */
    const char *message_id; /* "<id@host>" made from the outbox id: the
                               same message sent again keeps it, so a
                               receiver can drop the repeat */
} hub_mail;

/* Where and how to send. Borrows every string. */
typedef struct {
    const char *url;  /* smtp://host:port (STARTTLS) or smtps://host:port */
    const char *user; /* NULL or "": no AUTH */
    const char *password;
    const char *ca_file; /* NULL or "": the system's CAs */
    bool allow_plain_loopback;
    long timeout_ms; /* the whole exchange; 0: 30 s */
} hub_smtp;

/* Sends m through smtp. Returns 0 when the server accepted the message
 * (250 after DATA); else fills err ("smtp://127.0.0.1:2525: 550 5.1.1
 * mailbox unavailable") and returns HUB_SEND_RETRY (no connection, a
 * timeout, TLS failed, a 4xx reply, the connection lost before the
 * answer to DATA) or HUB_SEND_FAIL (a 5xx reply, a message or URL refused
 * here before connecting). Thread-safe: one libcurl handle per call. */
int hub_mail_send(const hub_smtp *smtp, const hub_mail *m, char *err, size_t errlen);

/* The message hub_mail_send would send, headers and body, CRLF line
 * endings, dated `now`. Returns a malloc'd NUL-terminated string (the
 * caller frees it) with its length in *len, or NULL with err set when m
 * is refused (HUB_SEND_FAIL). */
char *hub_mail_format(const hub_mail *m, time_t now, size_t *len, char *err, size_t errlen);

/* Whether addr is an address hub_mail takes: a plain ASCII addr-spec
 * (dot-atom local part, LDH domain), no CR/LF. On false, why says what is
 * wrong without repeating the address ("is not a plain address ..."). */
bool hub_mail_address_check(const char *addr, char *why, size_t whylen);

/* Whether url is an SMTP URL hub_mail_send takes: smtp:// or smtps://, a
 * host, no user or password in it, no query. On false, why says why
 * ("must start smtp:// (STARTTLS) or smtps:// (TLS)"). */
bool hub_mail_url_check(const char *url, char *why, size_t whylen);

/* The [smtp] section of cfg as a hub_smtp (borrowing cfg's strings); false
 * when hub.conf configures no SMTP server (no [smtp] url). */
bool hub_mail_smtp_from_config(const hub_config *cfg, hub_smtp *out);

#endif
