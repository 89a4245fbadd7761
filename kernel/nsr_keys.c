// SPDX-License-Identifier: GPL-2.0
/*
 * The key set's and the replay state's lifecycle. Every change builds a
 * whole new key set (a copy of the old one, edited) and publishes it with
 * RCU: a packet being verified on another CPU sees the old set or the new
 * one, never a mix. The replay state is a separate RCU object, replaced
 * only by a password write (and made once at load), so that adding or
 * removing a server key loses no request in flight. Old objects are wiped
 * with kfree_sensitive() once synchronize_rcu() says no CPU uses them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include "nsr_keys.h"

struct nsr_keys __rcu *nsr_keys;
struct nsr_state __rcu *nsr_replay;
static DEFINE_MUTEX(nsr_config_lock);	/* serializes writers */
static bool nsr_config_closed;		/* module exit has run */

const struct nsr_mac_key *nsr_find_key(const struct nsr_keys *keys, u32 id)
{
	unsigned int i;

	if (id == NSR_PASSWORD_KEY_ID)
		return keys->has_password ? &keys->password : NULL;
	for (i = 0; i < keys->n; i++)
		if (keys->server[i].id == id)
			return &keys->server[i].mac;
	return NULL;
}

u64 nsr_mono_ms(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

struct nsr_state *nsr_replay_new(int *err)
{
	static const u8 zero[NSR_BOOT_ID_LEN];
	u8 boot_id[NSR_BOOT_ID_LEN];
	struct nsr_state *state = kzalloc(sizeof(*state), GFP_KERNEL);

	*err = state ? 0 : -ENOMEM;
	/* Never all zero, which a probe sends; never before seeding. */
	while (!*err) {
		*err = get_random_bytes_wait(boot_id, sizeof(boot_id));
		if (!*err && memcmp(boot_id, zero, sizeof(zero)))
			break;
	}
	if (*err) {
		kfree(state);
		return NULL;
	}
	nsr_state_init(state, boot_id,
		       div_u64(ktime_get_real_ns(), NSEC_PER_MSEC),
		       ktime_get_boottime_ns(), nsr_mono_ms());
	return state;
}

/* The edited copy of the current key set, or NULL (and *@err). */
static struct nsr_keys *nsr_keys_edited(int (*edit)(struct nsr_keys *,
						    const void *),
					const void *arg, int *err)
{
	struct nsr_keys *old = rcu_dereference_protected(nsr_keys,
			lockdep_is_held(&nsr_config_lock));
	struct nsr_keys *keys = kzalloc(sizeof(*keys), GFP_KERNEL);

	if (!keys) {
		*err = -ENOMEM;
		return NULL;
	}
	if (old)
		memcpy(keys, old, sizeof(*keys));
	*err = edit(keys, arg);
	if (*err) {
		kfree_sensitive(keys);
		return NULL;
	}
	return keys;
}

/* Publish @keys (NULL if empty) and @state (if any); wipe what they replace. */
static void nsr_config_swap(struct nsr_keys *keys, struct nsr_state *state)
{
	struct nsr_state *old_state = NULL;
	struct nsr_keys *old_keys;

	if (keys && !keys->has_password && !keys->n) {
		kfree_sensitive(keys);
		keys = NULL;
	}
	/* Keys first: a revoked key must not meet the new state. */
	old_keys = rcu_replace_pointer(nsr_keys, keys,
				       lockdep_is_held(&nsr_config_lock));
	if (state)
		old_state = rcu_replace_pointer(nsr_replay, state,
					lockdep_is_held(&nsr_config_lock));
	synchronize_rcu();	/* no CPU still verifies with them */
	kfree_sensitive(old_keys);
	kfree_sensitive(old_state);
}

int nsr_config_update(int (*edit)(struct nsr_keys *keys, const void *arg),
		      const void *arg, struct nsr_state *state)
{
	struct nsr_keys *keys;
	int err;

	mutex_lock(&nsr_config_lock);
	/* A sysfs write racing with rmmod: nobody would free them. */
	err = nsr_config_closed ? -ENODEV : 0;
	keys = err ? NULL : nsr_keys_edited(edit, arg, &err);
	if (!err)
		nsr_config_swap(keys, state);
	mutex_unlock(&nsr_config_lock);
	if (err)
		kfree_sensitive(state);
	return err;
}

int nsr_replay_init(void)
{
	struct nsr_state *state;
	int err = 0;

	mutex_lock(&nsr_config_lock);
	if (!rcu_access_pointer(nsr_replay)) {
		state = nsr_replay_new(&err);
		if (state)
			rcu_assign_pointer(nsr_replay, state);
	}
	mutex_unlock(&nsr_config_lock);
	return err;
}

bool nsr_password_set(void)
{
	const struct nsr_keys *keys;
	bool set;

	rcu_read_lock();
	keys = rcu_dereference(nsr_keys);
	set = keys && keys->has_password;
	rcu_read_unlock();
	return set;
}

void nsr_config_exit(void)
{
	mutex_lock(&nsr_config_lock);
	nsr_config_closed = true;
	kfree_sensitive(rcu_dereference_protected(nsr_keys,
			lockdep_is_held(&nsr_config_lock)));
	RCU_INIT_POINTER(nsr_keys, NULL);
	kfree_sensitive(rcu_dereference_protected(nsr_replay,
			lockdep_is_held(&nsr_config_lock)));
	RCU_INIT_POINTER(nsr_replay, NULL);
	mutex_unlock(&nsr_config_lock);
}
