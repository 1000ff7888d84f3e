/* hub_send.h — what one delivery attempt of a notification came to,
 * shared by every kind of destination (email, webhook, Slack, Teams), so
 * the dispatcher decides retries the same way for all of them.
 *
 *   0               delivered: the receiver accepted the message
 *   HUB_SEND_RETRY  not delivered, may succeed later: no connection, a
 *                   timeout, a TLS failure, an SMTP 4xx, an HTTP 429/5xx
 *   HUB_SEND_FAIL   not delivered and sending the same message again will
 *                   not help: an SMTP 5xx, a message the sender refuses
 *                   to build (header injection), a destination refused
 *                   by policy
 */
#ifndef AMENDS_HUB_SEND_H
#define AMENDS_HUB_SEND_H

#define HUB_SEND_OK    0
#define HUB_SEND_RETRY 1
#define HUB_SEND_FAIL  2

#endif
