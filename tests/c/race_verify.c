// SPDX-License-Identifier: GPL-2.0
/*
 * The same packets verified on several threads at once, as on several CPUs
 * in softirq, all threads starting on each packet together — a packet and
 * its identical retry arriving at once: each packet (newer than the one
 * before, alternately under the password's key and a server key, which
 * share the one replay state) must be accepted exactly once, every other
 * copy re-acked (REPEATED), and the floor must end at the newest. Prints
 * "<accepted> <packets>"; exits 1 otherwise.
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

#include "nsr_packets.h"

#define THREADS		2
#define PACKETS		2000
#define NOW		1800000000000ULL
#define LEN		(NSR_FIXED_LEN + 1)
#define TOKEN_MS	1000	/* the bucket's clock moves this per packet */
#define ROUNDS		100000
#define TAKES		4	/* per thread and round: more than there are */

static const u8 test_key[NSR_KEY_LEN] = "race key, not a secret.........";
static const u8 addr[NSR_ADDR_LEN] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 7 };

static const u8 boot[NSR_BOOT_ID_LEN] = { 0xb0, 0x07, 1, 2, 3, 4, 5, 6 };

static const u8 server_key[NSR_KEY_LEN] = "race server key, not a secret..";
#define SERVER_KEY_ID	0x8f3a01c2u

/* Both keys share the one replay state: packets alternate between them. */
static struct nsr_keys *server_keys;
static struct nsr_test_key by_password, by_server_key;
static struct nsr_state state;
static u8 pkts[PACKETS][NSR_MAX_MSG_LEN];
static atomic_int accepted[PACKETS];
static atomic_int repeated[PACKETS];
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

static void *worker(void *arg)
{
	struct nsr_clock when = { .now = NOW, .tolerance = 300000 };
	struct nsr_request req;
	enum nsr_verdict v;
	int i, my_round = 0;

	(void)arg;
	for (i = 0; i < PACKETS; i++) {
		/* A token per packet, so that every copy can be re-acked. */
		when.mono = (u64)i * TOKEN_MS;
		/* All threads take on packet i together: the worst case. */
		spin_barrier(&my_round);
		v = nsr_verify_request(pkts[i], LEN, addr, server_keys, &when,
				       &state, &nsr_judge_all, &req);
		if (v == NSR_ACCEPTED)
			atomic_fetch_add(&accepted[i], 1);
		else if (v == NSR_REPEATED)
			atomic_fetch_add(&repeated[i], 1);
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
	int i, total = 0, twice = 0, unanswered = 0;

	server_keys = nsr_keys_one(NSR_PASSWORD_KEY_ID, test_key);
	if (!server_keys ||
	    nsr_keys_add(server_keys, SERVER_KEY_ID, server_key))
		return 2;
	by_password.mac = nsr_find_key(server_keys, NSR_PASSWORD_KEY_ID);
	by_server_key.id = SERVER_KEY_ID;
	by_server_key.mac = nsr_find_key(server_keys, SERVER_KEY_ID);
	for (i = 0; i < PACKETS; i++)
		nsr_test_request(pkts[i], i % 2 ? &by_server_key :
				 &by_password, addr, boot,
				 NOW - PACKETS + (u64)i, (u8)i, "s", true);
	nsr_state_init(&state, boot, NOW, 0, 0);
	atomic64_set(&state.floor, (s64)(NOW - 2 * PACKETS));
	race(worker);
	for (i = 0; i < PACKETS; i++) {
		total += accepted[i];
		twice += accepted[i] > 1;
		unanswered += accepted[i] + repeated[i] != THREADS;
	}
	printf("%d %d\n", total, PACKETS);
	if (twice || unanswered || total != PACKETS ||
	    (u64)atomic64_read(&state.floor) != NOW - 1) {
		fprintf(stderr, "%d accepted more than once, %d copies not re-acked\n",
			twice, unanswered);
		return 1;
	}
	nsr_keys_free(server_keys);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "bucket"))
		return race_bucket();
	return race_packets();
}
