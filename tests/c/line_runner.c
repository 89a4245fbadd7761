// SPDX-License-Identifier: GPL-2.0
/* The stdin runners' shared plumbing; see line_runner.h. */
#include <stdio.h>
#include <string.h>

#include "line_runner.h"

int unhex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strcmp(s, "-") ? strlen(s) : 0;
	size_t i;

	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	*len = n / 2;
	return 0;
}

void puthex(const uint8_t *b, size_t n)
{
	size_t i;

	if (!n)
		putchar('-');
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
}

/* The command @t[0] with @n tokens names, run; -1 when none takes it. */
static int dispatch(const struct runner_cmd *cmds, size_t ncmds, char **t,
		    int n)
{
	size_t i;

	for (i = 0; i < ncmds; i++)
		if (n == cmds[i].ntokens && !strcmp(t[0], cmds[i].name))
			return cmds[i].run(t);
	return -1;
}

int runner_main(const char *prog, const struct runner_cmd *cmds,
		size_t ncmds)
{
	static char line[RUNNER_LINE_MAX];
	unsigned int lineno = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char *t[RUNNER_TOKENS_MAX + 1] = { NULL };
		int n = 0;

		lineno++;
		for (t[0] = strtok(line, "\n "); t[n] && n < RUNNER_TOKENS_MAX;)
			t[++n] = strtok(NULL, "\n ");
		if (dispatch(cmds, ncmds, t, n)) {
			fprintf(stderr, "%s: bad input line %u\n", prog,
				lineno);
			return 2;
		}
		/* A sanitizer's abort then leaves every answer before it. */
		fflush(stdout);
	}
	return 0;
}
