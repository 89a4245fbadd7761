// SPDX-License-Identifier: GPL-2.0
/*
 * Print an iptables target extension's help text, then its option names
 * ("option --NAME"), as `iptables -j TARGET -h` would, but without asking
 * the kernel: on a build host the module is not loaded, and iptables then
 * refuses to load the extension at all ("Extension SYSRQ is not supported").
 * tests/packaging_test.ts compares this with the man pages.
 *
 * Built with -rdynamic, so that the extension's constructor calls our
 * xtables_register_target() below instead of libxtables' one: we see
 * exactly the struct the extension registers.
 * usage: xt_help LIBXT_SO TARGET
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <xtables.h>

static struct xtables_target *registered;

void xtables_register_target(struct xtables_target *me)
{
	me->next = registered;
	registered = me;
}

int main(int argc, char **argv)
{
	const struct xtables_target *t;
	const struct xt_option_entry *o;

	if (argc != 3) {
		fprintf(stderr, "usage: xt_help LIBXT_SO TARGET\n");
		return 2;
	}
	if (!dlopen(argv[1], RTLD_NOW)) {
		fprintf(stderr, "xt_help: %s\n", dlerror());
		return 1;
	}
	for (t = registered; t; t = t->next) {
		if (strcmp(t->name, argv[2]) != 0)
			continue;
		if (t->help)
			t->help();
		for (o = t->x6_options; o && o->name; o++)
			printf("option --%s\n", o->name);
		return 0;
	}
	fprintf(stderr, "xt_help: %s registered no target %s\n", argv[1],
		argv[2]);
	return 1;
}
