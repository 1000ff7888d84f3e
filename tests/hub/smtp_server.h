/* smtp_server.h — a real SMTP server on 127.0.0.1 for the hub's tests.
 *
 * One thread in the test process listens on a free port and serves one
 * connection at a time: EHLO/HELO, STARTTLS (GnuTLS, when given a
 * certificate and key), AUTH PLAIN (when given a user and password),
 * MAIL FROM, RCPT TO, DATA (dot-unstuffed), RSET, NOOP, QUIT. Each message
 * it accepts (250 after DATA) goes into an in-memory mailbox, which a test
 * waits on with a condition variable, never by sleeping.
 *
 * A test can make it answer a given reply at a given stage (451 at RCPT
 * once, 550 at DATA_END always), or reset the connection (TCP RST) at a
 * stage, before or after its answer. A message is stored only when the
 * answer to its final dot is 2xx and the connection was not reset before
 * that answer.
 */
#ifndef AMENDS_TEST_SMTP_SERVER_H
#define AMENDS_TEST_SMTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

typedef enum smtp_stage {
    SMTP_AT_GREETING = 0, /* the 220 on connect */
    SMTP_AT_EHLO,         /* EHLO or HELO */
    SMTP_AT_STARTTLS,
    SMTP_AT_AUTH, /* the answer to the credentials */
    SMTP_AT_MAIL,
    SMTP_AT_RCPT,     /* each RCPT TO */
    SMTP_AT_DATA,     /* the DATA command (354) */
    SMTP_AT_DATA_END, /* the final dot: 250 stores the message */
    SMTP_STAGE_COUNT
} smtp_stage;

typedef struct smtp_server_opts {
    const char *cert_file; /* with key_file: STARTTLS offered */
    const char *key_file;
    bool require_tls;  /* MAIL before STARTTLS: 530 */
    bool implicit_tls; /* TLS from the first byte (smtps://), with cert and key */
    const char *user;  /* with password: AUTH PLAIN offered and required */
    const char *password;
} smtp_server_opts;

typedef struct smtp_message {
    char helo[128];      /* the name the client gave in EHLO/HELO */
    char mail_from[256]; /* without angle brackets */
    char rcpt[16][256];
    size_t nrcpt;
    char *data; /* as received after DATA, dot-unstuffed, CRLF kept, without the final dot */
    size_t len;
    bool tls;            /* STARTTLS had been done */
    char auth_user[128]; /* "" without AUTH */
} smtp_message;

typedef struct smtp_server smtp_server;

/* Starts the server on 127.0.0.1, a free port. Copies opts. NULL with
 * err set on failure. */
smtp_server *smtp_server_start(const smtp_server_opts *opts, char *err, size_t errlen);

int smtp_server_port(const smtp_server *s);

/* From now on, answer `reply` ("451 4.3.0 try again later", without CRLF)
 * instead of the usual one at `stage`, the next `times` times (-1: always). */
void smtp_server_answer(smtp_server *s, smtp_stage stage, const char *reply, int times);

/* The next `times` times (-1: always) the connection reaches `stage`,
 * reset it (RST), before sending the answer or just after it. */
void smtp_server_reset(smtp_server *s, smtp_stage stage, bool after_answer, int times);

/* The next `times` times (-1: always) the connection reaches `stage`,
 * answer nothing and wait for the client to give up (a server that hangs). */
void smtp_server_silent(smtp_server *s, smtp_stage stage, int times);

/* Waits, at most timeout_ms, until the mailbox holds at least `count`
 * messages; true when it does. */
bool smtp_server_wait(smtp_server *s, size_t count, long timeout_ms);

/* Messages stored so far. */
size_t smtp_server_count(smtp_server *s);

/* The i-th message stored; valid until smtp_server_stop. */
const smtp_message *smtp_server_message(smtp_server *s, size_t i);

/* Connections accepted, and TLS handshakes that failed, so far. */
int smtp_server_connections(smtp_server *s);
int smtp_server_tls_failures(smtp_server *s);

/* Stops the thread, closes everything, frees the mailbox. Accepts NULL. */
void smtp_server_stop(smtp_server *s);

#endif
