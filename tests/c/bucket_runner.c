// SPDX-License-Identifier: GPL-2.0
/*
 * Drives one refusal bucket (kernel/nsr_bucket.h) through the times that
 * bucket_test.ts gives it, one command a line:
 *
 *   S <tokens> <now>   start the bucket with <tokens> at <now>
 *   -> <tokens at now>
 *   T <now>            take one token at <now>
 *   -> <1 taken, 0 none> <tokens left at now>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsr_bucket.h"

int main(void)
{
	struct nsr_bucket b;
	char line[128], cmd[2];
	unsigned long long now;
	unsigned int tokens, lineno = 0;
	bool took;

	nsr_bucket_init(&b, NSR_BUCKET_TOKENS, 0);
	while (fgets(line, sizeof(line), stdin)) {
		lineno++;
		if (sscanf(line, "S %u %llu", &tokens, &now) == 2) {
			nsr_bucket_init(&b, tokens, now);
			printf("%u\n", nsr_bucket_tokens(&b, now));
		} else if (sscanf(line, "%1s %llu", cmd, &now) == 2 &&
			   !strcmp(cmd, "T")) {
			took = nsr_bucket_take(&b, now);
			printf("%d %u\n", took, nsr_bucket_tokens(&b, now));
		} else {
			fprintf(stderr, "bucket_runner: bad input line %u\n",
				lineno);
			return 2;
		}
	}
	return 0;
}
