// SPDX-License-Identifier: GPL-2.0
/*
 * The plaintext password's lifecycle (nsr_legacy_secret.h). One mutex
 * orders password writes, rule checks and destroys (all in process
 * context) and the delayed work that wipes the plaintext; packets read it
 * under RCU only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include "nsr_keys.h"
#include "nsr_legacy_secret.h"

struct nsr_legacy_key __rcu *nsr_legacy_secret;
static DEFINE_MUTEX(nsr_legacy_lock);
static unsigned int nsr_legacy_rules;	/* --sysrq-legacy rules that exist */
static bool nsr_legacy_closed;		/* module exit has run */

static void nsr_legacy_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(nsr_legacy_reaper, nsr_legacy_reap);

/* Under the lock: swap in @new; returns the old key for the caller to free. */
static struct nsr_legacy_key *nsr_legacy_swap(struct nsr_legacy_key *new)
{
	return rcu_replace_pointer(nsr_legacy_secret, new,
				   lockdep_is_held(&nsr_legacy_lock));
}

static void nsr_legacy_free(struct nsr_legacy_key *old)
{
	if (!old)
		return;
	synchronize_rcu();	/* no CPU still hashes with it */
	kfree_sensitive(old);
}

/* Under the lock: with no legacy rule left, wipe the plaintext later. */
static void nsr_legacy_arm(void)
{
	if (!nsr_legacy_rules && rcu_access_pointer(nsr_legacy_secret))
		mod_delayed_work(system_wq, &nsr_legacy_reaper,
				 NSR_LEGACY_GRACE_S * HZ);
}

static void nsr_legacy_reap(struct work_struct *work)
{
	struct nsr_legacy_key *old = NULL;

	mutex_lock(&nsr_legacy_lock);
	if (!nsr_legacy_rules)
		old = nsr_legacy_swap(NULL);
	mutex_unlock(&nsr_legacy_lock);
	if (old)
		pr_info("no --sysrq-legacy rule: the plaintext password is wiped\n");
	nsr_legacy_free(old);
}

int nsr_legacy_secret_set(struct nsr_legacy_key *key)
{
	struct nsr_legacy_key *old;

	mutex_lock(&nsr_legacy_lock);
	if (nsr_legacy_closed) {
		mutex_unlock(&nsr_legacy_lock);
		kfree_sensitive(key);
		return -ENODEV;
	}
	old = nsr_legacy_swap(key);
	nsr_legacy_arm();
	mutex_unlock(&nsr_legacy_lock);
	nsr_legacy_free(old);
	return 0;
}

/*
 * With no password set at all, a legacy rule is accepted: the next write
 * keeps the plaintext, since a rule then needs it (a boot that restores the
 * rules before writing the password through sysfs). Refused only when a
 * password is set but its plaintext was wiped.
 */
int nsr_legacy_rule_get(void)
{
	int err = 0;

	mutex_lock(&nsr_legacy_lock);
	if (rcu_access_pointer(nsr_legacy_secret) || !nsr_password_set())
		nsr_legacy_rules++;
	else
		err = -ENOKEY;
	mutex_unlock(&nsr_legacy_lock);
	return err;
}

void nsr_legacy_rule_put(void)
{
	mutex_lock(&nsr_legacy_lock);
	if (!WARN_ON_ONCE(!nsr_legacy_rules))
		nsr_legacy_rules--;
	nsr_legacy_arm();
	mutex_unlock(&nsr_legacy_lock);
}

void nsr_legacy_secret_exit(void)
{
	struct nsr_legacy_key *old;

	mutex_lock(&nsr_legacy_lock);
	nsr_legacy_closed = true;
	old = nsr_legacy_swap(NULL);
	mutex_unlock(&nsr_legacy_lock);
	/* The work takes the lock, so it cannot be cancelled under it. */
	cancel_delayed_work_sync(&nsr_legacy_reaper);
	nsr_legacy_free(old);
}
