/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The secret a password gives, published with RCU by the passwd parameter
 * (nsr_secret.c) and read by the target for each packet.
 */
#ifndef NSR_SECRET_H
#define NSR_SECRET_H

#include <linux/rcupdate.h>
#include "nsr_crypto.h"

/* Everything a password gives: replaced whole, never changed in place. */
struct nsr_secret {
	struct nsr_mac_key mac;
	struct nsr_legacy_key legacy;
};

/* Readers hold rcu_read_lock(); NULL while no password is set. */
extern struct nsr_secret __rcu *nsr_secret;

/* Module exit: forget the secret (no reader can remain by then). */
void nsr_secret_exit(void);

#endif /* NSR_SECRET_H */
