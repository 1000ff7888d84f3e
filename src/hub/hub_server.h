/* hub_server.h — the HTTPS front of amends-hub (libmicrohttpd + GnuTLS):
 * routing, authentication, ingest and the manager API.
 *
 * Endpoints, headers and status codes are described in docs/protocol.md.
 */
#ifndef AMENDS_HUB_SERVER_H
#define AMENDS_HUB_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"
#include "hub_config.h"
#include "hub_db.h"

typedef struct hub_server hub_server;

/* Starts listening with cfg's address and TLS settings, a thread per
 * connection.
 * Borrows cfg and db, which must outlive the server. On failure *out is
 * NULL and err names the reason (unreadable certificate, port in use...). */
am_rc hub_server_start(const hub_config *cfg, hub_db *db, hub_server **out, char *err,
                       size_t errlen);
/* The port actually bound (useful when the config asked for port 0). */
uint16_t hub_server_port(const hub_server *s);
/* Orderly shutdown: stop accepting connections, let requests in flight
 * finish (at most timeout_s), then stop and free. Accepts NULL. Returns the
 * number of requests still unfinished at the deadline (0 normally). */
int hub_server_stop(hub_server *s, int timeout_s);

#endif
