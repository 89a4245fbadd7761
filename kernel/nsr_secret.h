/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The secret a password gives, published with RCU by the passwd parameter
 * (nsr_secret.c) and read by the target for each packet: the MAC key and
 * the replay state made for it, with a boot id of its own. (The plaintext,
 * which only the legacy format needs, is kept apart: nsr_legacy_secret.h.)
 */
#ifndef NSR_SECRET_H
#define NSR_SECRET_H

#include <linux/rcupdate.h>
#include "nsr_crypto.h"

/*
 * Everything a password gives, replaced whole on every password write: a
 * new write is a new replay state (docs/PROTOCOL.md), so no packet made
 * before it can act after it. Only the verifier changes @state.
 */
struct nsr_secret {
	struct nsr_mac_key mac;
	struct nsr_state state;
};

/* Readers hold rcu_read_lock(); NULL while no password is set. */
extern struct nsr_secret __rcu *nsr_secret;

/* The refusal bucket's clock: monotonic ms (jiffies). */
u64 nsr_mono_ms(void);

/* Module exit: forget the secret (no reader can remain by then). */
void nsr_secret_exit(void);

#endif /* NSR_SECRET_H */
