/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters: the password (as the RCU-protected secret derived from
 * it), the time tolerance and the debug switch.
 */
#ifndef NSR_PARAMS_H
#define NSR_PARAMS_H

#include <linux/rcupdate.h>
#include "nsr_crypto.h"

/* Everything a password gives: replaced whole, never changed in place. */
struct nsr_secret {
	struct nsr_mac_key mac;
	struct nsr_legacy_key legacy;
};

/* Readers hold rcu_read_lock(); NULL while no password is set. */
extern struct nsr_secret __rcu *nsr_secret;

u64 nsr_tolerance_ms(void);
bool nsr_debug(void);

/* Module exit: forget the secret (no reader can remain by then). */
void nsr_params_exit(void);

#endif /* NSR_PARAMS_H */
