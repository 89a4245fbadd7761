// SPDX-License-Identifier: GPL-2.0
/*
 * Attack stories against the verifier (issue 12). Each story plays a server
 * (its replay state, its wall clock, reloads) and clients through
 * nsr_verify_request(), and fails if a captured packet ever acts a second
 * time, or acts after it was refused, or a retry runs the keys again.
 * Version 1 failed the first three (see docs/PROTOCOL.md, "Why version 2").
 *
 * Prints "<story> ok" or "<story> FAILED: <why>" per story; exits 1 if any
 * failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nsr_packets.h"

#define SEC		1000ULL
#define HOUR		(3600 * SEC)
#define TOLERANCE	(NSR_TOLERANCE_DEFAULT_S * SEC)
#define REAL_START	1800000000000ULL	/* the true time at the start */

static const u8 test_key[NSR_KEY_LEN] = "story key, not a secret........";
static const u8 addr[NSR_ADDR_LEN] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 7 };

static struct nsr_keys *server_keys;	/* the password's key */
static struct nsr_test_key key;		/* the client's: the same, id 0 */

/*
 * The server. Its wall clock runs at real time plus @wall_offset, which
 * NTP may step; CLOCK_BOOTTIME is modelled as real time (it never steps).
 */
struct server {
	struct nsr_state st;
	s64 wall_offset;
	u8 next_boot;		/* boot ids drawn so far: distinct per load */
	unsigned int runs;	/* requests whose keys ran */
};

static u64 boottime_ns(u64 real)
{
	return real * 1000000;
}

/* Module load (or reboot, or a password write): a new state. */
static void server_load(struct server *s, u64 real)
{
	u8 boot[NSR_BOOT_ID_LEN];

	memset(boot, 0xb0, sizeof(boot));
	boot[7] = ++s->next_boot;
	nsr_state_init(&s->st, boot, real + (u64)s->wall_offset,
		       boottime_ns(real), real);
}

/* One packet in; its reply (if any) out. Counts the runs of keys. */
static enum nsr_verdict server_receive(struct server *s, const u8 *pkt,
				       size_t len, u64 real, u8 *reply,
				       size_t *rlen)
{
	struct nsr_clock clock = {
		.now = nsr_state_now(&s->st, boottime_ns(real)),
		.tolerance = TOLERANCE,
		.mono = real,
	};
	struct nsr_request req;
	enum nsr_verdict v;
	u8 unused[NSR_MAX_MSG_LEN];
	size_t n;

	v = nsr_verify_request(pkt, len, addr, server_keys, &clock, &s->st,
			       &nsr_judge_all, &req);
	n = nsr_build_reply(reply ? reply : unused, v, &req, &s->st,
			    clock.now, NULL);
	if (rlen)
		*rlen = n;
	s->runs += v == NSR_ACCEPTED;
	return v;
}

/* A compliant client's view of the server: learnt from a clock answer. */
struct view {
	u8 boot[NSR_BOOT_ID_LEN];
	u64 server_ms;		/* S */
	u64 at;			/* local monotonic time it arrived (real) */
};

static bool probe(struct server *s, u64 real, struct view *v)
{
	u8 p[NSR_MAX_MSG_LEN], reply[NSR_MAX_MSG_LEN];
	size_t len = nsr_test_probe(p, &key, addr, 0x77, false), rlen;

	if (server_receive(s, p, len, real, reply, &rlen) !=
	    NSR_PROBE_ANSWERED || rlen != NSR_CLOCK_LEN)
		return false;
	memcpy(v->boot, reply + NSR_OFF_BOOT, NSR_BOOT_ID_LEN);
	v->server_ms = get_unaligned_be64(reply + NSR_OFF_TIME);
	v->at = real;
	return true;
}

/* A request stamped from the view: S + time elapsed since it arrived. */
static size_t compliant(u8 *p, const struct view *v, u64 real, u8 seed,
			const char *keys)
{
	return nsr_test_request(p, &key, addr, v->boot,
				v->server_ms + (real - v->at), seed, keys,
				true);
}

static int failed;

static void verdict(const char *story, bool ok, const char *why)
{
	printf("%s %s%s\n", story, ok ? "ok" : "FAILED: ", ok ? "" : why);
	failed |= !ok;
}

/*
 * True if @pkt never acts: sent once at each of the @n times alone (an
 * attacker who waits for the best moment), then at all of them in turn.
 */
static bool never_acts(struct server *s, const u8 *pkt, size_t len,
		       const u64 *when, int n)
{
	struct server once;
	int i;

	for (i = 0; i < n; i++) {
		once = *s;
		nsr_lock_init(&once.st.lock);	/* a copy needs its own */
		if (server_receive(&once, pkt, len, when[i], NULL, NULL) ==
		    NSR_ACCEPTED)
			return false;
	}
	for (i = 0; i < n; i++)
		if (server_receive(s, pkt, len, when[i], NULL, NULL) ==
		    NSR_ACCEPTED)
			return false;
	return true;
}

/*
 * An administrator's client stamps from her own clock, an hour ahead (a
 * non-compliant client: ours never does): R1 is refused as FUTURE with a
 * good MAC. An eavesdropper kept R1 and sends it when the server's clock
 * reaches R1's time - tolerance, R1's time, and later.
 */
static void refused_now_acts_later(void)
{
	struct server s = { .wall_offset = 0 };
	u64 real = REAL_START, ts;
	u8 r1[NSR_MAX_MSG_LEN];
	struct view v;
	size_t len;
	u64 later[3];

	server_load(&s, real);
	real += 10 * SEC;
	if (!probe(&s, real, &v)) {
		verdict("refused-now-acts-later", false, "probe");
		return;
	}
	ts = real + HOUR;
	len = nsr_test_request(r1, &key, addr, v.boot, ts, 1, "h", true);
	if (server_receive(&s, r1, len, real, NULL, NULL) !=
	    NSR_REFUSED_FUTURE) {
		verdict("refused-now-acts-later", false, "setup");
		return;
	}
	later[0] = ts - TOLERANCE;
	later[1] = ts;
	later[2] = ts + 500;
	verdict("refused-now-acts-later",
		never_acts(&s, r1, len, later, 3) && !s.runs,
		"the refused request was accepted later");
}

/*
 * P is accepted. Then the server's wall clock is set back an hour and the
 * module is reloaded (or the server reboots with its clock behind): the
 * new load happens before P's timestamp. The captured P is sent again,
 * right away and once the new clock has passed P's time.
 */
static void reload_before_timestamp(void)
{
	struct server s = { .wall_offset = 0 };
	u64 real = REAL_START;
	u8 p[NSR_MAX_MSG_LEN];
	struct view v;
	size_t len;
	u64 later[3];

	server_load(&s, real);
	real += SEC;
	if (!probe(&s, real, &v)) {
		verdict("reload-before-timestamp", false, "probe");
		return;
	}
	len = compliant(p, &v, real + 20, 1, "h");
	if (server_receive(&s, p, len, real + 20, NULL, NULL) !=
	    NSR_ACCEPTED) {
		verdict("reload-before-timestamp", false, "setup");
		return;
	}
	real += 60 * SEC;
	s.wall_offset = -(s64)HOUR;
	server_load(&s, real);
	later[0] = real + SEC;
	later[1] = real + HOUR;
	later[2] = real + HOUR + 2 * SEC;
	verdict("reload-before-timestamp",
		never_acts(&s, p, len, later, 3) && s.runs == 1,
		"the captured request acted again after the reload");
}

/*
 * The server's clock is an hour behind when the module loads (no RTC). A
 * compliant client's P is accepted all the same; a client that stamps
 * from its own (correct) clock gets R1 refused as FUTURE. NTP steps the
 * server's clock forward: P and R1 are sent again, then and an hour later.
 */
static void clock_stepped_forward(void)
{
	struct server s = { .wall_offset = -(s64)HOUR };
	u64 real = REAL_START;
	u8 p[NSR_MAX_MSG_LEN], r1[NSR_MAX_MSG_LEN];
	struct view v;
	size_t plen, rlen;
	u64 later[3];

	server_load(&s, real);
	real += 10 * SEC;
	if (!probe(&s, real, &v)) {
		verdict("clock-stepped-forward", false, "probe");
		return;
	}
	plen = compliant(p, &v, real + 30, 1, "h");
	rlen = nsr_test_request(r1, &key, addr, v.boot, real + 40, 2, "h",
				true);
	if (server_receive(&s, p, plen, real + 30, NULL, NULL) !=
	    NSR_ACCEPTED ||
	    server_receive(&s, r1, rlen, real + 40, NULL, NULL) !=
	    NSR_REFUSED_FUTURE) {
		verdict("clock-stepped-forward", false, "setup");
		return;
	}
	real += 20 * SEC;
	s.wall_offset = 0;	/* NTP steps the clock */
	later[0] = real + 10 * SEC;
	later[1] = real + HOUR;
	later[2] = real + HOUR + 50 * SEC;
	verdict("clock-stepped-forward",
		never_acts(&s, p, plen, later, 3) &&
		never_acts(&s, r1, rlen, later, 3) && s.runs == 1,
		"a request acted again after the step");
}

/*
 * The ack of P is lost; the client resends P's identical bytes, twice.
 * The keys run once; each retry gets the same ack again with REPEAT.
 */
static void retry_runs_once(void)
{
	struct server s = { .wall_offset = 0 };
	u64 real = REAL_START;
	u8 p[NSR_MAX_MSG_LEN], first[NSR_MAX_MSG_LEN], again[NSR_MAX_MSG_LEN];
	size_t len, flen, alen;
	enum nsr_verdict v1, v2, v3;
	struct view v;

	server_load(&s, real);
	if (!probe(&s, real, &v)) {
		verdict("retry-runs-once", false, "probe");
		return;
	}
	len = compliant(p, &v, real + 5, 1, "sub");
	v1 = server_receive(&s, p, len, real + 5, first, &flen);
	v2 = server_receive(&s, p, len, real + 1005, again, &alen);
	v3 = server_receive(&s, p, len, real + 2005, NULL, NULL);
	verdict("retry-runs-once",
		v1 == NSR_ACCEPTED && v2 == NSR_REPEATED &&
		v3 == NSR_REPEATED && s.runs == 1 && alen == flen &&
		again[NSR_OFF_FLAGS] == NSR_ACK_FLAG_REPEAT &&
		!memcmp(first + NSR_OFF_BOOT, again + NSR_OFF_BOOT,
			flen - NSR_OFF_BOOT - NSR_TAG_LEN),
		"a retry ran the keys again or got another ack");
}

/* A probe, replayed many times, never acts and never moves the state. */
static void probe_never_acts(void)
{
	struct server s = { .wall_offset = 0 };
	u64 real = REAL_START;
	u8 p[NSR_MAX_MSG_LEN];
	size_t len;
	bool ok = true;
	int i;

	server_load(&s, real);
	len = nsr_test_probe(p, &key, addr, 9, false);
	for (i = 0; i < 100; i++)
		ok &= server_receive(&s, p, len, real + (u64)i, NULL, NULL) ==
		      NSR_PROBE_ANSWERED;
	verdict("probe-never-acts",
		ok && !s.runs && atomic64_read(&s.st.floor) == 0 &&
		!s.st.last_len, "a probe changed the state");
}

/* The other CPU of future_copy_raced(): it judges the same bytes. */
static struct {
	struct server *s;
	const u8 *pkt;
	size_t len;
	u64 real;
	enum nsr_verdict v;
} twin;

static void twin_judges(void)
{
	twin.v = server_receive(twin.s, twin.pkt, twin.len, twin.real, NULL,
				NULL);
}

/*
 * Two copies of a request stamped 1.5 s ahead, on two CPUs: the first read
 * the clock 0.6 s before the second, which accepts the copy (0.9 s ahead)
 * while the first is still hashing. The first must not then answer FUTURE:
 * a client takes a FUTURE refusal as proof that no copy ran, and would
 * make a new request (docs/PROTOCOL.md, "Exactly once").
 */
static void future_copy_raced(void)
{
	struct server s = { .wall_offset = 0 };
	u64 real = REAL_START;
	u8 p[NSR_MAX_MSG_LEN];
	enum nsr_verdict v;
	size_t len;

	server_load(&s, real);
	len = nsr_test_request(p, &key, addr, s.st.boot_id,
			       nsr_state_now(&s.st, boottime_ns(real)) + 1500,
			       3, "s", true);
	twin.s = &s;
	twin.pkt = p;
	twin.len = len;
	twin.real = real + 600;
	nsr_mac_hook = twin_judges;
	v = server_receive(&s, p, len, real, NULL, NULL);
	nsr_mac_hook = NULL;
	verdict("future-copy-raced",
		twin.v == NSR_ACCEPTED && s.runs == 1 &&
		v != NSR_REFUSED_FUTURE && v != NSR_FUTURE,
		"one copy ran, its twin was refused as FUTURE (\"none ran\")");
}

int main(void)
{
	server_keys = nsr_keys_one(NSR_PASSWORD_KEY_ID, test_key);
	if (!server_keys)
		return 2;
	key.mac = nsr_find_key(server_keys, NSR_PASSWORD_KEY_ID);
	refused_now_acts_later();
	reload_before_timestamp();
	clock_stepped_forward();
	retry_runs_once();
	probe_never_acts();
	future_copy_raced();
	nsr_keys_free(server_keys);
	return failed;
}
