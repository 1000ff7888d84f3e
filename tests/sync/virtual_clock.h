/* virtual_clock.h — the sync worker's clock in a test
 * (am_sync_options.clock). It tells the test when the worker has fallen
 * asleep on it, so a test waits for that event instead of sleeping for a
 * while and hoping. Virtual (the default), time moves only when the test
 * advances it; real (vclock_init_real), it is the worker's real clock,
 * observed.
 *
 * One worker at a time per clock. vclock_advance and am_sync_stop are
 * called from the same (the test's) thread, never at once.
 */
#ifndef VIRTUAL_CLOCK_H
#define VIRTUAL_CLOCK_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "amends/clock.h"
#include "amends/sync.h"

#define VCLOCK_MONO0 1000000 /* what mono_ms reads before any advance */

typedef struct vclock {
    am_sync_clock clock; /* give &vc->clock to am_sync_options */
    bool real;           /* the real clock, observed */
    pthread_mutex_t mu;  /* guards the rest */
    pthread_cond_t changed;
    int64_t wall0;  /* wall clock at offset 0 */
    int64_t offset; /* ms advanced so far */
    /* The sleeping worker's, while it sleeps. */
    pthread_cond_t *wcond;
    pthread_mutex_t *wmu;
    bool asleep;
    int64_t deadline; /* its wake-up time, mono; INT64_MAX: until woken */
    long sleeps;      /* how many times a worker fell asleep on this clock */
} vclock;

static int64_t vclock_wall_cb(void *ctx)
{
    vclock *vc = ctx;
    if (vc->real)
        return am_sync_real_clock()->wall_ms(NULL);
    pthread_mutex_lock(&vc->mu);
    int64_t t = vc->wall0 + vc->offset;
    pthread_mutex_unlock(&vc->mu);
    return t;
}

static int64_t vclock_mono_cb(void *ctx)
{
    vclock *vc = ctx;
    if (vc->real)
        return am_sync_real_clock()->mono_ms(NULL);
    pthread_mutex_lock(&vc->mu);
    int64_t t = VCLOCK_MONO0 + vc->offset;
    pthread_mutex_unlock(&vc->mu);
    return t;
}

/* The worker holds mu here. It takes vc->mu after mu; vclock_advance
 * never holds vc->mu while it takes mu, so the order cannot invert. */
static void vclock_wait_cb(void *ctx, pthread_cond_t *cond, pthread_mutex_t *mu,
                           int64_t deadline_mono)
{
    vclock *vc = ctx;
    pthread_mutex_lock(&vc->mu);
    if (!vc->real && VCLOCK_MONO0 + vc->offset >= deadline_mono) {
        pthread_mutex_unlock(&vc->mu);
        return;
    }
    vc->wcond = cond;
    vc->wmu = mu;
    vc->asleep = true;
    vc->deadline = deadline_mono;
    vc->sleeps++;
    pthread_cond_broadcast(&vc->changed);
    pthread_mutex_unlock(&vc->mu);
    /* An advance changes the offset before it takes mu to signal: whether
     * it came before the check above or after, it is not missed. */
    if (vc->real)
        am_sync_real_clock()->wait(NULL, cond, mu, deadline_mono);
    else
        pthread_cond_wait(cond, mu);
    pthread_mutex_lock(&vc->mu);
    vc->asleep = false;
    vc->wcond = NULL;
    vc->wmu = NULL;
    pthread_mutex_unlock(&vc->mu);
}

/* Virtual, starting at the real wall clock's now. */
static inline void vclock_init(vclock *vc)
{
    memset(vc, 0, sizeof *vc);
    pthread_mutex_init(&vc->mu, NULL);
    pthread_cond_init(&vc->changed, NULL);
    vc->wall0 = am_wall_ms();
    vc->deadline = INT64_MAX;
    vc->clock = (am_sync_clock){vc, vclock_wall_cb, vclock_mono_cb, vclock_wait_cb};
}

static inline void vclock_init_real(vclock *vc)
{
    vclock_init(vc);
    vc->real = true;
}

/* After every worker using it stopped. */
static inline void vclock_destroy(vclock *vc)
{
    pthread_cond_destroy(&vc->changed);
    pthread_mutex_destroy(&vc->mu);
}

static inline int64_t vclock_mono(vclock *vc)
{
    return vclock_mono_cb(vc);
}

static inline int64_t vclock_wall(vclock *vc)
{
    return vclock_wall_cb(vc);
}

/* Moves virtual time on by ms and lets a sleeping worker look at it at
 * once. */
static inline void vclock_advance(vclock *vc, int64_t ms)
{
    assert_false(vc->real);
    pthread_mutex_lock(&vc->mu);
    vc->offset += ms;
    pthread_cond_t *cond = vc->wcond;
    pthread_mutex_t *mu = vc->wmu;
    pthread_mutex_unlock(&vc->mu);
    if (cond) {
        pthread_mutex_lock(mu);
        pthread_cond_broadcast(cond);
        pthread_mutex_unlock(mu);
    }
}

/* How many times a worker fell asleep so far: pass it to vclock_asleep
 * before waking or advancing. */
static inline long vclock_sleeps(vclock *vc)
{
    pthread_mutex_lock(&vc->mu);
    long n = vc->sleeps;
    pthread_mutex_unlock(&vc->mu);
    return n;
}

/* Waits until the worker sleeps again after falling asleep `after` times
 * (it finished what it had to do and nothing is due before its deadline).
 * Returns the new count; *deadline (if given) gets when it will wake by
 * itself, INT64_MAX for never. false when it did not within timeout_ms
 * of real time (a worker busy with a slow network). */
static inline bool vclock_asleep(vclock *vc, long after, long timeout_ms, long *count,
                                 int64_t *deadline)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&vc->mu);
    int rc = 0;
    while (!(vc->asleep && vc->sleeps > after) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&vc->changed, &vc->mu, &until);
    bool ok = vc->asleep && vc->sleeps > after;
    if (count)
        *count = vc->sleeps;
    if (deadline)
        *deadline = vc->deadline;
    pthread_mutex_unlock(&vc->mu);
    return ok;
}

#endif
