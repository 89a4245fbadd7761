/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the target judges packets with, published with RCU and read for
 * each packet: the server's key set (the password's derived key and up to
 * NSR_SERVER_KEYS_MAX server keys, one object, replaced whole on every
 * change) and the module-wide replay state (made at load and on every
 * password write, never on a key change: docs/PROTOCOL.md, "The server's
 * state"). Writers are the passwd and keys parameters (nsr_secret.c,
 * nsr_keys_param.c); a write that fails changes nothing.
 */
#ifndef NSR_KEYS_H
#define NSR_KEYS_H

#include <linux/rcupdate.h>
#include "nsr_crypto.h"

/* A server key's id: the top bit set (so never the password's 0). */
#define NSR_SERVER_KEY_ID_MIN	0x80000000u

struct nsr_server_key {
	u32 id;
	struct nsr_mac_key mac;
};

/* struct nsr_keys of nsr_verify.h, the kernel's. Never empty. */
struct nsr_keys {
	bool has_password;
	struct nsr_mac_key password;
	unsigned int n;
	struct nsr_server_key server[NSR_SERVER_KEYS_MAX];
};

/* Readers hold rcu_read_lock(); NULL while no key at all is set. */
extern struct nsr_keys __rcu *nsr_keys;
/* Readers hold rcu_read_lock(); set from module init on. */
extern struct nsr_state __rcu *nsr_replay;

/*
 * Change the key set: @edit gets a copy of the current one (all zero if
 * none) and changes it, or returns a negative errno to change nothing.
 * With @state (from nsr_replay_new(), owned from here on, even on error),
 * the replay state is replaced too. Old keys and state are wiped once no
 * CPU can use them. Process context.
 */
int nsr_config_update(int (*edit)(struct nsr_keys *keys, const void *arg),
		      const void *arg, struct nsr_state *state);

/*
 * A new replay state: a random boot id, the wall clock once. Waits for
 * the random generator to be seeded; NULL (and *@err) on failure.
 */
struct nsr_state *nsr_replay_new(int *err);

/* Module init: a replay state, unless a password write made one. */
int nsr_replay_init(void);

/* Whether a password is set (the legacy rules ask). */
bool nsr_password_set(void);

/* The refusal bucket's clock: monotonic ms (jiffies). */
u64 nsr_mono_ms(void);

/*
 * Module exit, or a failed load: wipe keys and state; later writes fail
 * with -ENODEV. Idempotent.
 */
void nsr_config_exit(void);

#endif /* NSR_KEYS_H */
