/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plaintext password, which only the legacy format needs (its digests
 * hash the password itself). It is kept only while a --sysrq-legacy rule
 * exists, and for NSR_LEGACY_GRACE_S after a password write or after the
 * last such rule goes (so that a boot's module load and its rules' restore,
 * or a flush and re-add, need no second write); then it is wiped. A
 * --sysrq-legacy rule added after that is refused until the password is
 * written again.
 */
#ifndef NSR_LEGACY_SECRET_H
#define NSR_LEGACY_SECRET_H

#include <linux/rcupdate.h>
#include "nsr_crypto.h"

#define NSR_LEGACY_GRACE_S	60

/* Readers hold rcu_read_lock(); NULL while no legacy rule needs it. */
extern struct nsr_legacy_key __rcu *nsr_legacy_secret;

/*
 * Replace the plaintext by @key (NULL: the password was cleared); the old
 * one is wiped once unused. Returns -ENODEV, and wipes @key, once the
 * module is going away.
 */
int nsr_legacy_secret_set(struct nsr_legacy_key *key);

/*
 * checkentry of a --sysrq-legacy rule: 0, or -ENOKEY when a password is set
 * but its plaintext was wiped.
 */
int nsr_legacy_rule_get(void);

/* destroy of a --sysrq-legacy rule. */
void nsr_legacy_rule_put(void);

/* Module exit (or a failed load): stop the timer, wipe the plaintext. */
void nsr_legacy_secret_exit(void);

#endif /* NSR_LEGACY_SECRET_H */
