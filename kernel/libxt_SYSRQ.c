// SPDX-License-Identifier: GPL-2.0
/*
 * iptables/ip6tables extension for the SYSRQ target (xt_SYSRQ.ko):
 *   -p udp --dport 9 -j SYSRQ [--sysrq-keys SET] [--sysrq-legacy]
 *                             [--sysrq-no-ack]
 * One extension for both families; the kernel refuses non-UDP rules.
 */
#include <stdio.h>
#include <string.h>
#include <xtables.h>
#include "xt_SYSRQ.h"

enum {
	O_SYSRQ_KEYS = 0,
	O_SYSRQ_LEGACY,
	O_SYSRQ_NO_ACK,
};

static const struct xt_option_entry sysrq_tg_opts[] = {
	{.name = "sysrq-keys", .id = O_SYSRQ_KEYS, .type = XTTYPE_STRING},
	{.name = "sysrq-legacy", .id = O_SYSRQ_LEGACY, .type = XTTYPE_NONE},
	{.name = "sysrq-no-ack", .id = O_SYSRQ_NO_ACK, .type = XTTYPE_NONE},
	XTOPT_TABLEEND,
};

static void sysrq_tg_help(void)
{
	printf(
"SYSRQ target options (for -p udp rules in INPUT):\n"
"  --sysrq-keys SET   keys this rule may trigger, e.g. \"bsu\" (default: all)\n"
"  --sysrq-legacy     also accept the xtables-addons text format\n"
"  --sysrq-no-ack     never answer (no ack, no refusal)\n");
}

static void keyset_add(struct xt_sysrq_tginfo *info, unsigned int key)
{
	unsigned int bit = key - XT_SYSRQ_KEY_MIN;

	info->keyset[bit / 8] |= 1 << (bit % 8);
}

static void keyset_fill(struct xt_sysrq_tginfo *info)
{
	unsigned int key;

	for (key = XT_SYSRQ_KEY_MIN; key <= XT_SYSRQ_KEY_MAX; key++)
		keyset_add(info, key);
}

static bool keyset_is_full(const struct xt_sysrq_tginfo *info)
{
	unsigned int key;

	for (key = XT_SYSRQ_KEY_MIN; key <= XT_SYSRQ_KEY_MAX; key++)
		if (!xt_sysrq_key_allowed(info, key))
			return false;
	return true;
}

/* The set in ascending order, so that save output is canonical. */
static void keyset_string(const struct xt_sysrq_tginfo *info,
			  char buf[XT_SYSRQ_NKEYS + 1])
{
	unsigned int key;
	char *p = buf;

	for (key = XT_SYSRQ_KEY_MIN; key <= XT_SYSRQ_KEY_MAX; key++)
		if (xt_sysrq_key_allowed(info, key))
			*p++ = (char)key;
	*p = '\0';
}

static void sysrq_tg_init(struct xt_entry_target *target)
{
	struct xt_sysrq_tginfo *info = (void *)target->data;

	memset(info, 0, sizeof(*info));
	keyset_fill(info);
}

static void parse_keys(struct xt_sysrq_tginfo *info, const char *arg)
{
	const unsigned char *p = (const unsigned char *)arg;

	if (*p == '\0')
		xtables_error(PARAMETER_PROBLEM,
			      "SYSRQ: --sysrq-keys needs at least one key");
	memset(info->keyset, 0, sizeof(info->keyset));
	for (; *p != '\0'; p++) {
		if (*p < XT_SYSRQ_KEY_MIN || *p > XT_SYSRQ_KEY_MAX)
			xtables_error(PARAMETER_PROBLEM,
				      "SYSRQ: --sysrq-keys: byte 0x%02x is not a SysRq key (printable ASCII, no space)",
				      *p);
		keyset_add(info, *p);
	}
}

static void sysrq_tg_parse(struct xt_option_call *cb)
{
	struct xt_sysrq_tginfo *info = cb->data;

	xtables_option_parse(cb);
	switch (cb->entry->id) {
	case O_SYSRQ_KEYS:
		parse_keys(info, cb->arg);
		break;
	case O_SYSRQ_LEGACY:
		info->flags |= XT_SYSRQ_LEGACY;
		break;
	case O_SYSRQ_NO_ACK:
		info->flags |= XT_SYSRQ_NO_ACK;
		break;
	}
}

static void sysrq_tg_print(const void *ip,
			   const struct xt_entry_target *target, int numeric)
{
	const struct xt_sysrq_tginfo *info = (const void *)target->data;
	char keys[XT_SYSRQ_NKEYS + 1];

	if (!keyset_is_full(info)) {
		keyset_string(info, keys);
		printf(" keys:");
		xtables_save_string(keys);
	}
	if (info->flags & XT_SYSRQ_LEGACY)
		printf(" legacy");
	if (info->flags & XT_SYSRQ_NO_ACK)
		printf(" no-ack");
}

static void sysrq_tg_save(const void *ip,
			  const struct xt_entry_target *target)
{
	const struct xt_sysrq_tginfo *info = (const void *)target->data;
	char keys[XT_SYSRQ_NKEYS + 1];

	if (!keyset_is_full(info)) {
		keyset_string(info, keys);
		printf(" --sysrq-keys");
		xtables_save_string(keys);
	}
	if (info->flags & XT_SYSRQ_LEGACY)
		printf(" --sysrq-legacy");
	if (info->flags & XT_SYSRQ_NO_ACK)
		printf(" --sysrq-no-ack");
}

static struct xtables_target sysrq_tg_reg = {
	.version	= XTABLES_VERSION,
	.name		= "SYSRQ",
	.revision	= XT_SYSRQ_REVISION,
	.family		= NFPROTO_UNSPEC,
	.size		= XT_ALIGN(sizeof(struct xt_sysrq_tginfo)),
	.userspacesize	= XT_ALIGN(sizeof(struct xt_sysrq_tginfo)),
	.help		= sysrq_tg_help,
	.init		= sysrq_tg_init,
	.print		= sysrq_tg_print,
	.save		= sysrq_tg_save,
	.x6_parse	= sysrq_tg_parse,
	.x6_options	= sysrq_tg_opts,
};

static __attribute__((constructor)) void sysrq_tg_ldr(void)
{
	xtables_register_target(&sysrq_tg_reg);
}
