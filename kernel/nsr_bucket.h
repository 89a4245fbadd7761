/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The refusal budget (docs/PROTOCOL.md, "Time failures and refusals"): a
 * token bucket of NSR_REFUSALS_PER_SEC tokens, refilled at that rate, that
 * pays for the MAC of a request failing on time. Pure functions of @now, a
 * monotonic clock in ms; the kernel passes jiffies in ms, tests any value.
 *
 * The bucket is one word, the time at which it will be full again (the
 * "theoretical arrival time" of the generic cell rate algorithm): refill
 * and take are then a single compare-and-exchange, with no window in which
 * one CPU refills while another takes. Header-only so that both builds
 * inline it into the verifier's ladder.
 */
#ifndef NSR_BUCKET_H
#define NSR_BUCKET_H

#include "nsr_compat.h"
#include "nsr_proto.h"

#define NSR_BUCKET_TOKENS	NSR_REFUSALS_PER_SEC
#define NSR_BUCKET_TOKEN_MS	(1000 / NSR_REFUSALS_PER_SEC)
#define NSR_BUCKET_SPAN_MS	(NSR_BUCKET_TOKENS * NSR_BUCKET_TOKEN_MS)

struct nsr_bucket {
	atomic64_t full_at;	/* ms; at or before now: every token there */
};

/* @tokens (at most NSR_BUCKET_TOKENS) in the bucket at @now. */
static inline void nsr_bucket_init(struct nsr_bucket *b, unsigned int tokens,
				   u64 now)
{
	if (tokens > NSR_BUCKET_TOKENS)
		tokens = NSR_BUCKET_TOKENS;
	atomic64_set(&b->full_at,
		     (s64)(now + (NSR_BUCKET_TOKENS - tokens) *
				 NSR_BUCKET_TOKEN_MS));
}

/*
 * Take one token at @now if there is one. The bucket holds one while it is
 * at most NSR_BUCKET_TOKENS - 1 tokens' time short of full; taking it moves
 * full_at one token's time later, counted from @now if the bucket was full,
 * so an idle bucket saves up no more than its burst. @now is a monotonic
 * clock's ms: adding a second to it cannot wrap.
 */
static inline bool nsr_bucket_take(struct nsr_bucket *b, u64 now)
{
	s64 old = atomic64_read(&b->full_at);
	u64 from;

	do {
		if ((u64)old > now + NSR_BUCKET_SPAN_MS - NSR_BUCKET_TOKEN_MS)
			return false;
		from = (u64)old > now ? (u64)old : now;
	} while (!atomic64_try_cmpxchg(&b->full_at, &old,
				       (s64)(from + NSR_BUCKET_TOKEN_MS)));
	return true;
}

/* The whole tokens in the bucket at @now (tests read it). */
static inline unsigned int nsr_bucket_tokens(const struct nsr_bucket *b,
					     u64 now)
{
	u64 full_at = (u64)atomic64_read(&b->full_at);
	u32 owed;

	if (full_at <= now)
		return NSR_BUCKET_TOKENS;
	if (full_at - now >= NSR_BUCKET_SPAN_MS)
		return 0;
	owed = (u32)(full_at - now);
	return NSR_BUCKET_TOKENS -
	       (owed + NSR_BUCKET_TOKEN_MS - 1) / NSR_BUCKET_TOKEN_MS;
}

#endif /* NSR_BUCKET_H */
