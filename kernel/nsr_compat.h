/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the verifier needs from its environment, so that nsr_verify.c
 * compiles unchanged in the kernel and in the userspace harness (tests/c/):
 * fixed-size integers, bool, size_t, 64-bit and 32-bit atomics, div_u64,
 * the replay state's lock, crypto_memneq, memzero_explicit and 32- and
 * 64-bit big-endian unaligned accessors. In the kernel these are the
 * kernel's own (the lock a spinlock); in userspace, tiny C11 shims (the
 * lock a pthread mutex).
 */
#ifndef NSR_COMPAT_H
#define NSR_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/math64.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/version.h>
#include <crypto/algapi.h>	/* crypto_memneq (6.1; in crypto/utils.h later) */
/*
 * 6.12 moved the unaligned helpers. A version test, not __has_include,
 * because sparse 0.6.4 cannot parse the latter.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * The replay state's lock. Packets are judged in softirq, but a lock taken
 * with bottom halves off is right in any context the target runs in.
 */
typedef spinlock_t nsr_lock_t;
#define nsr_lock_init(l)	spin_lock_init(l)
#define nsr_lock(l)		spin_lock_bh(l)
#define nsr_unlock(l)		spin_unlock_bh(l)

#else /* userspace */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

typedef struct {
	_Atomic s64 counter;
} atomic64_t;

typedef struct {
	_Atomic int counter;
} atomic_t;

static inline s64 atomic64_read(const atomic64_t *v)
{
	return atomic_load((_Atomic s64 *)&v->counter);
}

static inline void atomic64_set(atomic64_t *v, s64 i)
{
	atomic_store(&v->counter, i);
}

/* As the kernel's: on failure, *old is updated to the current value. */
static inline bool atomic64_try_cmpxchg(atomic64_t *v, s64 *old, s64 new)
{
	return atomic_compare_exchange_strong(&v->counter, old, new);
}

static inline int atomic_read(const atomic_t *v)
{
	return atomic_load((_Atomic int *)&v->counter);
}

static inline void atomic_set(atomic_t *v, int i)
{
	atomic_store(&v->counter, i);
}

/* As the kernel's: decrement only if the result is >= 0; return old - 1. */
static inline int atomic_dec_if_positive(atomic_t *v)
{
	int old = atomic_load(&v->counter);

	while (old > 0 &&
	       !atomic_compare_exchange_weak(&v->counter, &old, old - 1))
		;
	return old - 1;
}

/*
 * Constant-time: nonzero if the buffers differ. The empty asm hides the
 * running difference from the optimiser, so it cannot exit early.
 */
static inline int crypto_memneq(const void *a, const void *b, size_t size)
{
	const u8 *x = a;
	const u8 *y = b;
	unsigned long diff = 0;
	size_t i;

	for (i = 0; i < size; i++) {
		diff |= x[i] ^ y[i];
		__asm__("" : "+r"(diff));
	}
	return diff != 0;
}

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

typedef pthread_mutex_t nsr_lock_t;

static inline void nsr_lock_init(nsr_lock_t *l)
{
	pthread_mutex_init(l, NULL);
}

static inline void nsr_lock(nsr_lock_t *l)
{
	pthread_mutex_lock(l);
}

static inline void nsr_unlock(nsr_lock_t *l)
{
	pthread_mutex_unlock(l);
}

/* A memset the compiler may not drop as a dead store. */
static inline void memzero_explicit(void *s, size_t count)
{
	memset(s, 0, count);
	__asm__ __volatile__("" : : "r"(s) : "memory");
}

/* As the kernel's: a load and, on little-endian hosts, a byte swap. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define nsr_be64(v)	__builtin_bswap64(v)
#define nsr_be32(v)	__builtin_bswap32(v)
#else
#define nsr_be64(v)	(v)
#define nsr_be32(v)	(v)
#endif

static inline u64 get_unaligned_be64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return nsr_be64(v);
}

static inline void put_unaligned_be64(u64 v, void *p)
{
	v = nsr_be64(v);
	memcpy(p, &v, sizeof(v));
}

static inline u32 get_unaligned_be32(const void *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return nsr_be32(v);
}

static inline void put_unaligned_be32(u32 v, void *p)
{
	v = nsr_be32(v);
	memcpy(p, &v, sizeof(v));
}

#endif /* __KERNEL__ */

#endif /* NSR_COMPAT_H */
