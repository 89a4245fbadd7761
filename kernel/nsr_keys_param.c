// SPDX-License-Identifier: GPL-2.0
/*
 * The keys parameter: the server keys (docs/PROTOCOL.md, "Server-key
 * mode"), root only (0600), at load time or through
 * /sys/module/xt_SYSRQ/parameters/keys:
 *
 *   ID:KEY[,ID:KEY...]   replace every server key ("" clears them)
 *   +ID:KEY              add one
 *   -ID                  remove one
 *
 * ID is 8 hex digits, 80000000..ffffffff; KEY 64 hex digits (32 bytes);
 * at most NSR_SERVER_KEYS_MAX keys. The whole value is checked before
 * anything changes: bad input is refused with -EINVAL and a message that
 * says what was wrong (never the key), and the installed keys stay as they
 * were. Reading the parameter shows only the ids. The password's key and
 * the replay state are not touched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/version.h>
/* hex2bin(): its own header since 6.12 (kernel.h no longer has it in 7.x). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/hex.h>
#endif
#include "nsr_keys.h"
#include "nsr_secret.h"

#define NSR_KEY_ID_HEX	8
#define NSR_KEY_HEX	(2 * NSR_KEY_LEN)

enum nsr_keys_op { NSR_KEYS_REPLACE, NSR_KEYS_ADD, NSR_KEYS_REMOVE };

/* A parsed write: what to do with which ids and keys. */
struct nsr_keys_change {
	enum nsr_keys_op op;
	unsigned int n;
	u32 id[NSR_SERVER_KEYS_MAX];
	u8 key[NSR_SERVER_KEYS_MAX][NSR_KEY_LEN];
};

#define NSR_UNCHANGED	"; installed keys unchanged\n"

static bool nsr_all_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isxdigit(s[i]))
			return false;
	return true;
}

/* Item @item's id: 8 hex digits with the top bit set. */
static int nsr_parse_id(const char *s, size_t len, unsigned int item,
			u32 *id)
{
	char buf[NSR_KEY_ID_HEX + 1];

	if (len != NSR_KEY_ID_HEX || !nsr_all_hex(s, len)) {
		pr_err("keys refused: item %u: a key id is 8 hex digits, 80000000 to ffffffff" NSR_UNCHANGED,
		       item);
		return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = 0;
	if (kstrtou32(buf, 16, id) || *id < NSR_SERVER_KEY_ID_MIN) {
		pr_err("keys refused: item %u: key id %s lacks the top bit: server key ids are 80000000 to ffffffff (0 is the password's)" NSR_UNCHANGED,
		       item, buf);
		return -EINVAL;
	}
	return 0;
}

/* Item @item's key: 64 hex digits. */
static int nsr_parse_key(const char *s, size_t len, unsigned int item,
			 u8 key[NSR_KEY_LEN])
{
	if (len != NSR_KEY_HEX) {
		pr_err("keys refused: item %u: a key is %d hex digits, not %zu characters%s" NSR_UNCHANGED,
		       item, NSR_KEY_HEX, len,
		       len == 44 ? " (base64? give it as hex)" : "");
		return -EINVAL;
	}
	if (hex2bin(key, s, NSR_KEY_LEN)) {
		pr_err("keys refused: item %u: the key is not hex (0-9, a-f)" NSR_UNCHANGED,
		       item);
		return -EINVAL;
	}
	return 0;
}

/* "ID:KEY" into entry @i of @c. */
static int nsr_parse_item(const char *s, size_t len,
			  struct nsr_keys_change *c, unsigned int i)
{
	const char *colon = memchr(s, ':', len);

	if (!colon) {
		pr_err("keys refused: item %u: not ID:KEY (8 hex digits, a colon, 64 hex digits)" NSR_UNCHANGED,
		       i + 1);
		return -EINVAL;
	}
	return nsr_parse_id(s, colon - s, i + 1, &c->id[i]) ?:
	       nsr_parse_key(colon + 1, s + len - colon - 1, i + 1,
			     c->key[i]);
}

/* Refuse an id given twice in one write. */
static int nsr_check_unique(const struct nsr_keys_change *c)
{
	unsigned int i, j;

	for (i = 0; i < c->n; i++)
		for (j = 0; j < i; j++)
			if (c->id[i] == c->id[j]) {
				pr_err("keys refused: key id %08x given twice" NSR_UNCHANGED,
				       c->id[i]);
				return -EINVAL;
			}
	return 0;
}

/* "ID:KEY[,ID:KEY...]", or "" (no keys). */
static int nsr_parse_list(const char *s, size_t len,
			  struct nsr_keys_change *c)
{
	const char *end = s + len, *comma;
	int err;

	if (!len)
		return 0;
	for (;;) {
		if (c->n == NSR_SERVER_KEYS_MAX) {
			pr_err("keys refused: more than %d keys" NSR_UNCHANGED,
			       NSR_SERVER_KEYS_MAX);
			return -EINVAL;
		}
		comma = memchr(s, ',', end - s) ?: end;
		err = nsr_parse_item(s, comma - s, c, c->n);
		if (err)
			return err;
		c->n++;
		if (comma == end)
			break;
		s = comma + 1;
	}
	return nsr_check_unique(c);
}

static int nsr_parse_change(const char *val, size_t len,
			    struct nsr_keys_change *c)
{
	if (len && val[0] == '+') {
		c->op = NSR_KEYS_ADD;
		c->n = 1;
		return nsr_parse_item(val + 1, len - 1, c, 0);
	}
	if (len && val[0] == '-') {
		c->op = NSR_KEYS_REMOVE;
		c->n = 1;
		return nsr_parse_id(val + 1, len - 1, 1, &c->id[0]);
	}
	c->op = NSR_KEYS_REPLACE;
	return nsr_parse_list(val, len, c);
}

static void nsr_install(struct nsr_server_key *k, u32 id, const u8 *key)
{
	k->id = id;
	nsr_hmac_setkey(&k->mac.hmac, key, NSR_KEY_LEN);
}

/* The index of @id among @keys' server keys, or -1. */
static int nsr_server_key_index(const struct nsr_keys *keys, u32 id)
{
	unsigned int i;

	for (i = 0; i < keys->n; i++)
		if (keys->server[i].id == id)
			return i;
	return -1;
}

static int nsr_keys_add(struct nsr_keys *keys, u32 id, const u8 *key)
{
	if (nsr_server_key_index(keys, id) >= 0) {
		pr_err("keys refused: key id %08x is installed already (remove it first, or replace the whole set)" NSR_UNCHANGED,
		       id);
		return -EINVAL;
	}
	if (keys->n == NSR_SERVER_KEYS_MAX) {
		pr_err("keys refused: %d keys are installed, the most there can be (remove one first)" NSR_UNCHANGED,
		       NSR_SERVER_KEYS_MAX);
		return -EINVAL;
	}
	nsr_install(&keys->server[keys->n++], id, key);
	return 0;
}

static int nsr_keys_remove(struct nsr_keys *keys, u32 id)
{
	int i = nsr_server_key_index(keys, id);

	if (i < 0) {
		pr_err("keys refused: no key id %08x is installed to remove" NSR_UNCHANGED,
		       id);
		return -EINVAL;
	}
	keys->server[i] = keys->server[--keys->n];
	memzero_explicit(&keys->server[keys->n],
			 sizeof(keys->server[keys->n]));
	return 0;
}

/* The nsr_config_update() edit for a parsed write. */
static int nsr_keys_apply(struct nsr_keys *keys, const void *arg)
{
	const struct nsr_keys_change *c = arg;
	unsigned int i;

	switch (c->op) {
	case NSR_KEYS_ADD:
		return nsr_keys_add(keys, c->id[0], c->key[0]);
	case NSR_KEYS_REMOVE:
		return nsr_keys_remove(keys, c->id[0]);
	default:
		memzero_explicit(keys->server, sizeof(keys->server));
		for (i = 0; i < c->n; i++)
			nsr_install(&keys->server[i], c->id[i], c->key[i]);
		keys->n = c->n;
		return 0;
	}
}

static void nsr_keys_changed(const struct nsr_keys_change *c)
{
	switch (c->op) {
	case NSR_KEYS_ADD:
		pr_info("server key %08x added\n", c->id[0]);
		break;
	case NSR_KEYS_REMOVE:
		pr_info("server key %08x removed\n", c->id[0]);
		break;
	default:
		pr_info("server keys replaced: %u installed\n", c->n);
	}
}

static int nsr_keys_param_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strlen(val);
	struct nsr_keys_change *c;
	int err;

	if (len && val[len - 1] == '\n')	/* echo's, from sysfs */
		len--;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	err = nsr_parse_change(val, len, c);
	if (!err)
		err = nsr_config_update(nsr_keys_apply, c, NULL);
	if (!err)
		nsr_keys_changed(c);
	kfree_sensitive(c);
	return err;
}

/* The ids, comma-separated; never a key. */
static int nsr_keys_param_get(char *buffer, const struct kernel_param *kp)
{
	const struct nsr_keys *keys;
	unsigned int i;
	int n = 0;

	rcu_read_lock();
	keys = rcu_dereference(nsr_keys);
	for (i = 0; keys && i < keys->n; i++)
		n += scnprintf(buffer + n, PAGE_SIZE - n, "%s%08x",
			       i ? "," : "", keys->server[i].id);
	rcu_read_unlock();
	return n + scnprintf(buffer + n, PAGE_SIZE - n, "\n");
}

/* As passwd's: a failed load frees without init or exit. */
static void nsr_keys_param_free(void *arg)
{
	nsr_secret_exit();
}

static const struct kernel_param_ops nsr_keys_ops = {
	.set = nsr_keys_param_set,
	.get = nsr_keys_param_get,
	.free = nsr_keys_param_free,
};

module_param_cb(keys, &nsr_keys_ops, NULL, 0600);
__MODULE_PARM_TYPE(keys, "string");
MODULE_PARM_DESC(keys,
		 "Server keys: ID:HEX64[,...] replaces, +ID:HEX64 adds, -ID removes (ids only are shown)");
