// SPDX-License-Identifier: GPL-2.0
/*
 * The same packets verified on several threads at once, as on several CPUs
 * in softirq, all threads starting on each packet together: each packet
 * (newer than the one before) must be accepted exactly once, and
 * last_accepted must end at the newest. Prints "<accepted> <packets>";
 * exits 1 otherwise.
 *
 * With the argument "bucket": the refusal bucket, full at the start of
 * each round, raided by every thread at once with more takes than it
 * holds: each round must give out exactly its burst. Prints "<tokens
 * taken> <tokens there were>"; exits 1 otherwise.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsr_openssl.h"

#define THREADS		2
#define PACKETS		2000
#define NOW		1800000000000ULL
#define LEN		(NSR_FIXED_LEN + 1)
#define ROUNDS		100000
#define TAKES		4	/* per thread and round: more than there are */

static const u8 test_key[NSR_KEY_LEN] = "race key, not a secret.........";
static const u8 addr[NSR_ADDR_LEN] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 7 };

static const struct nsr_clock when = {
	.now = NOW, .tolerance = 300000, .mono = NOW
};
static struct nsr_mac_key *key;
static struct nsr_state state;
static u8 pkts[PACKETS][LEN];
static atomic_int accepted[PACKETS];
static atomic_int taken[ROUNDS];
static struct nsr_bucket bucket;
static atomic_int arrived;
static atomic_int round_no;

/*
 * A spinning barrier: a futex wake-up takes longer than one verification,
 * so a sleeping barrier would let the threads take turns instead of racing.
 */
static void spin_barrier(int *my_round)
{
	int r = (*my_round)++;
	unsigned int spins = 0;

	if (atomic_fetch_add(&arrived, 1) == THREADS - 1) {
		atomic_store(&arrived, 0);
		atomic_store(&round_no, r + 1);
	}
	while (atomic_load(&round_no) <= r)
		if (++spins % 4096 == 0)
			sched_yield();	/* one CPU: let the other thread run */
}

static void build(u8 *p, u64 ts)
{
	memset(p, 0, LEN);
	memcpy(p, "NSRQ\x01\x01\x01\x01", NSR_HEADER_LEN);
	put_unaligned_be64(ts, p + NSR_OFF_TIME);
	p[NSR_OFF_KEYS] = 's';
	nsr_mac(key, (const u8 *)NSR_LABEL_REQUEST, addr, p, LEN - NSR_TAG_LEN,
		p + LEN - NSR_TAG_LEN);
}

static void *worker(void *arg)
{
	struct nsr_request req;
	int i, my_round = 0;

	(void)arg;
	for (i = 0; i < PACKETS; i++) {
		/* All threads take on packet i together: the worst case. */
		spin_barrier(&my_round);
		if (nsr_verify_request(pkts[i], LEN, addr, key, &when, &state,
				       &req) == NSR_ACCEPTED)
			atomic_fetch_add(&accepted[i], 1);
	}
	return NULL;
}

/*
 * Round i is a bucket's span after round i - 1, so the bucket is full
 * again: NSR_BUCKET_TOKENS for everyone together, never one more.
 */
static void *taker(void *arg)
{
	int i, j, my_round = 0;

	(void)arg;
	for (i = 0; i < ROUNDS; i++) {
		u64 now = NOW + (u64)i * NSR_BUCKET_SPAN_MS;

		spin_barrier(&my_round);
		for (j = 0; j < TAKES; j++)
			if (nsr_bucket_take(&bucket, now))
				atomic_fetch_add(&taken[i], 1);
	}
	return NULL;
}

static void race(void *(*fn)(void *))
{
	pthread_t threads[THREADS];
	int i;

	atomic_store(&arrived, 0);
	atomic_store(&round_no, 0);
	for (i = 0; i < THREADS; i++)
		pthread_create(&threads[i], NULL, fn, NULL);
	for (i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
}

static int race_bucket(void)
{
	int i, total = 0, wrong = 0;

	nsr_bucket_init(&bucket, NSR_BUCKET_TOKENS, NOW);
	race(taker);
	for (i = 0; i < ROUNDS; i++) {
		total += taken[i];
		wrong += taken[i] != NSR_BUCKET_TOKENS;
	}
	printf("%d %d\n", total, ROUNDS * NSR_BUCKET_TOKENS);
	if (wrong) {
		fprintf(stderr, "%d rounds gave out other than %d tokens\n",
			wrong, NSR_BUCKET_TOKENS);
		return 1;
	}
	return 0;
}

static int race_packets(void)
{
	int i, total = 0, twice = 0;

	key = nsr_mac_key_new(test_key);
	if (!key)
		return 2;
	for (i = 0; i < PACKETS; i++)
		build(pkts[i], NOW - PACKETS + (u64)i);
	atomic64_set(&state.last_accepted, (s64)(NOW - 2 * PACKETS));
	nsr_bucket_init(&state.refusals, 0, NOW);
	race(worker);
	for (i = 0; i < PACKETS; i++) {
		total += accepted[i];
		twice += accepted[i] > 1;
	}
	printf("%d %d\n", total, PACKETS);
	if (twice || total != PACKETS ||
	    (u64)atomic64_read(&state.last_accepted) != NOW - 1) {
		fprintf(stderr, "%d packets accepted more than once\n",
			twice);
		return 1;
	}
	nsr_mac_key_free(key);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "bucket"))
		return race_bucket();
	return race_packets();
}
