/**
 * `send_sysrq keygen [-o FILE]`: a new password on stdout, or in FILE
 * (created with mode 0600, never over an existing file). On a pipe or in a
 * file (`keygen > FILE`, the `wg genkey` habit) stdout gets the password
 * alone; on a terminal, the password and how to keep it.
 *
 * @module
 */

import { UsageError } from "./args.ts";
import { defaultPasswordFile } from "./config.ts";
import { reason } from "./hosts.ts";
import { keygenFileText, keygenText, newPassword } from "./keygen.ts";
import { createSecretFile, isTerminal, write } from "./runtime.ts";
import { EXIT } from "./status.ts";

/** Run keygen; returns the exit status. */
export async function keygen(output?: string): Promise<number> {
  const password = newPassword();
  if (output !== undefined) {
    try {
      await createSecretFile(output, password + "\n");
    } catch (error) {
      const code = (error as { code?: string }).code;
      const exists = code === "EEXIST" ||
        (error instanceof Error && error.name === "AlreadyExists");
      throw new UsageError(
        exists
          ? `${output} exists: keygen never overwrites a password (servers may use it); remove it first`
          : `cannot create ${output}: ${reason(error)}`,
      );
    }
    write(isTerminal("stdout") ? "stdout" : "stderr", keygenFileText(output));
    return EXIT.OK;
  }
  if (!isTerminal("stdout")) {
    write("stdout", password + "\n");
    if (isTerminal("stderr")) {
      write(
        "stderr",
        "send_sysrq: printed the password only; keep its file private (chmod 600)\n",
      );
    }
    return EXIT.OK;
  }
  const standard = defaultPasswordFile() ?? "~/.config/netsysrq/password";
  write("stdout", keygenText(password, standard));
  return EXIT.OK;
}
