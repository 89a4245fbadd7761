// SPDX-License-Identifier: GPL-2.0
/*
 * The passwd parameter (and its alias password). Setting it at load time
 * or through /sys/module/xt_SYSRQ/parameters/ derives the MAC key right
 * there, in process context, and publishes it as the key set's key id 0
 * together with a new replay state (nsr_keys.c): a new boot id on every
 * write, even of the same password. Clearing it removes only the
 * password's key. Reading the parameter back says only whether a password
 * is set.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "nsr_keys.h"
#include "nsr_legacy_secret.h"
#include "nsr_secret.h"

/* 1..NSR_PASSWORD_MAX bytes, no NUL (implied), CR or LF. */
static bool nsr_password_ok(const char *val, size_t len)
{
	return len <= NSR_PASSWORD_MAX && !memchr(val, '\r', len) &&
	       !memchr(val, '\n', len);
}

/* nsr_config_update() edits: set the password's key, or drop it. */
static int nsr_keys_set_password(struct nsr_keys *keys, const void *mac)
{
	memcpy(&keys->password, mac, sizeof(keys->password));
	keys->has_password = true;
	return 0;
}

static int nsr_keys_drop_password(struct nsr_keys *keys, const void *unused)
{
	memzero_explicit(&keys->password, sizeof(keys->password));
	keys->has_password = false;
	return 0;
}

/*
 * Clear: no password key, no plaintext. The server keys and the replay
 * state stay: clearing the password is a fleet's last step in moving to
 * server keys, and must not refuse their requests in flight.
 */
static int nsr_passwd_clear(void)
{
	int err = nsr_config_update(nsr_keys_drop_password, NULL, NULL);

	if (!err)
		err = nsr_legacy_secret_set(NULL);
	if (!err)
		pr_info("password cleared: only server keys (if any) are accepted\n");
	return err;
}

/*
 * Build everything first (the key, the plaintext copy, a new replay
 * state), so that a failure leaves the old password in place.
 */
static int nsr_passwd_write(const char *val, size_t len)
{
	struct nsr_legacy_key *legacy;
	struct nsr_mac_key *mac;
	struct nsr_state *state;
	int err;

	mac = kzalloc(sizeof(*mac), GFP_KERNEL);
	legacy = kzalloc(sizeof(*legacy), GFP_KERNEL);
	state = mac && legacy ? nsr_replay_new(&err) : NULL;
	if (!state) {
		kfree(mac);
		kfree(legacy);
		return mac && legacy ? err : -ENOMEM;
	}
	nsr_derive_key(mac, (const u8 *)val, len);
	memcpy(legacy->password, val, len);
	legacy->len = len;
	err = nsr_config_update(nsr_keys_set_password, mac, state);
	kfree_sensitive(mac);
	if (err) {
		kfree_sensitive(legacy);
		return err;
	}
	return nsr_legacy_secret_set(legacy);
}

static int nsr_passwd_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strlen(val);
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
	err = nsr_passwd_write(val, len);
	if (!err)
		pr_info("password set, key derived, new boot id\n");
	return err;
}

static int nsr_passwd_get(char *buffer, const struct kernel_param *kp)
{
	bool set;

	set = nsr_password_set();
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
	nsr_config_exit();
}
