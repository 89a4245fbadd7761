// SPDX-License-Identifier: GPL-2.0
/*
 * The secret's lifecycle. Setting the passwd parameter (or its alias
 * password) at load time or through /sys/module/xt_SYSRQ/parameters/
 * derives the MAC key right there, in process context, and publishes a new
 * struct nsr_secret with RCU: a packet being verified on another CPU sees
 * the old secret or the new one, never a mix. The old one is wiped once no
 * CPU can use it, and the last one when the module goes. Reading the
 * parameter back says only whether a password is set.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include "nsr_legacy_secret.h"
#include "nsr_secret.h"

struct nsr_secret __rcu *nsr_secret;
static DEFINE_MUTEX(nsr_secret_lock);	/* serializes writers */
static bool nsr_secret_closed;		/* module exit has run */

/* Swap in @new (NULL: no password); the old one is wiped once unused. */
static int nsr_publish(struct nsr_secret *new)
{
	struct nsr_secret *old;

	mutex_lock(&nsr_secret_lock);
	if (nsr_secret_closed) {
		/* A sysfs write racing with rmmod: nobody would free it. */
		mutex_unlock(&nsr_secret_lock);
		kfree_sensitive(new);
		return -ENODEV;
	}
	old = rcu_replace_pointer(nsr_secret, new,
				  lockdep_is_held(&nsr_secret_lock));
	mutex_unlock(&nsr_secret_lock);
	if (old) {
		synchronize_rcu();	/* no CPU still verifies with it */
		kfree_sensitive(old);
	}
	return 0;
}

/* 1..NSR_PASSWORD_MAX bytes, no NUL (implied), CR or LF. */
static bool nsr_password_ok(const char *val, size_t len)
{
	return len <= NSR_PASSWORD_MAX && !memchr(val, '\r', len) &&
	       !memchr(val, '\n', len);
}

u64 nsr_mono_ms(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

/*
 * A new replay state: a random boot id (never all zero, which a probe
 * sends), the wall clock once, CLOCK_BOOTTIME from then on. Waits for the
 * random generator to be seeded: two loads must never share a boot id.
 */
static int nsr_new_state(struct nsr_state *state)
{
	static const u8 zero[NSR_BOOT_ID_LEN];
	u8 boot_id[NSR_BOOT_ID_LEN];
	int err;

	do {
		err = get_random_bytes_wait(boot_id, sizeof(boot_id));
		if (err)
			return err;
	} while (!memcmp(boot_id, zero, sizeof(zero)));
	nsr_state_init(state, boot_id,
		       div_u64(ktime_get_real_ns(), NSEC_PER_MSEC),
		       ktime_get_boottime_ns(), nsr_mono_ms());
	return 0;
}

/* Clear: no secret, no plaintext; every packet dropped. */
static int nsr_passwd_clear(void)
{
	int err = nsr_publish(NULL);

	if (!err)
		err = nsr_legacy_secret_set(NULL);
	if (!err)
		pr_info("password cleared: the SYSRQ target drops every netsysrq packet\n");
	return err;
}

/* Build everything first, so that a failure leaves the old password. */
static int nsr_passwd_make(const char *val, size_t len,
			   struct nsr_secret **secret,
			   struct nsr_legacy_key **legacy)
{
	int err;

	*secret = kzalloc(sizeof(**secret), GFP_KERNEL);
	*legacy = kzalloc(sizeof(**legacy), GFP_KERNEL);
	err = *secret && *legacy ? nsr_new_state(&(*secret)->state) : -ENOMEM;
	if (err) {
		kfree(*secret);
		kfree(*legacy);
		return err;
	}
	nsr_derive_key(&(*secret)->mac, (const u8 *)val, len);
	memcpy((*legacy)->password, val, len);
	(*legacy)->len = len;
	return 0;
}

static int nsr_passwd_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strlen(val);
	struct nsr_legacy_key *legacy;
	struct nsr_secret *s;
	int err;

	if (len && val[len - 1] == '\n')	/* echo's, from sysfs */
		len--;
	if (!len)
		return nsr_passwd_clear();
	if (!nsr_password_ok(val, len)) {
		pr_err("password refused: 1..%d bytes, no CR or LF\n",
		       NSR_PASSWORD_MAX);
		return -EINVAL;
	}
	err = nsr_passwd_make(val, len, &s, &legacy);
	if (err)
		return err;
	err = nsr_publish(s);
	if (err) {
		kfree_sensitive(legacy);
		return err;
	}
	err = nsr_legacy_secret_set(legacy);
	if (!err)
		pr_info("password set, key derived, new boot id\n");
	return err;
}

static int nsr_passwd_get(char *buffer, const struct kernel_param *kp)
{
	bool set;

	rcu_read_lock();
	set = rcu_access_pointer(nsr_secret);
	rcu_read_unlock();
	return scnprintf(buffer, PAGE_SIZE, "%s\n", set ? "(set)" : "(unset)");
}

/*
 * Called when the module's parameters are destroyed, which on a failed load
 * (say, a bad tolerance= after a good passwd=) happens without the module's
 * init or exit ever running: wipe and free the secret then too.
 */
static void nsr_passwd_free(void *arg)
{
	nsr_secret_exit();
}

static const struct kernel_param_ops nsr_passwd_ops = {
	.set = nsr_passwd_set,
	.get = nsr_passwd_get,
	.free = nsr_passwd_free,
};

/* "passwd" is the seed's name, "password" xtables-addons' one. */
module_param_cb(passwd, &nsr_passwd_ops, NULL, 0600);
__MODULE_PARM_TYPE(passwd, "string");
MODULE_PARM_DESC(passwd, "Password (the MAC key is derived from it)");
module_param_cb(password, &nsr_passwd_ops, NULL, 0600);
__MODULE_PARM_TYPE(password, "string");
MODULE_PARM_DESC(password, "Alias of passwd");

void nsr_secret_exit(void)
{
	nsr_legacy_secret_exit();
	mutex_lock(&nsr_secret_lock);
	nsr_secret_closed = true;
	kfree_sensitive(rcu_dereference_protected(nsr_secret,
			lockdep_is_held(&nsr_secret_lock)));
	RCU_INIT_POINTER(nsr_secret, NULL);
	mutex_unlock(&nsr_secret_lock);
}
