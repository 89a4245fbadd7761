/**
 * `send_sysrq keygen`:
 *
 * - `keygen [-o FILE]`: a new admin secret (server-key mode) in FILE, by
 *   default `~/.config/netsysrq/admin_secret`, created with mode 0600 and
 *   never over an existing file. On a pipe or in a file with no `-o`
 *   (`keygen > FILE`, the `wg genkey` habit) stdout gets the secret alone.
 * - `keygen --server NAME [-o FILE]`: that server's key line (`ID:HEX`),
 *   from the admin secret and NAME's identity (NAME itself, or with `-i`
 *   the inventory's `netsysrq_identity`), and the lines that install it;
 *   alone on a pipe (`| ssh root@NAME '...'`), in FILE with `-o`.
 * - `keygen --password [-o FILE]`: a new password (password mode), as
 *   before server keys existed.
 *
 * @module
 */

import { type Options, UsageError } from "./args.ts";
import { defaultAdminSecretFile, defaultPasswordFile } from "./config.ts";
import {
  adminSecretSource,
  formatAdminSecret,
  loadAdminSecret,
} from "./host_keys.ts";
import { reason } from "./hosts.ts";
import {
  adminSecretText,
  keygenFileText,
  keygenText,
  newAdminSecret,
  newPassword,
  serverKeyFileText,
  serverKeyText,
} from "./keygen.ts";
import { createSecretFile, isTerminal, write } from "./runtime.ts";
import { EXIT } from "./status.ts";
import { formatKeyId, keyIdOf, serverKeyBytes } from "../mod.ts";
import { hex } from "../core/hex.ts";

/** Run keygen; returns the exit status. */
export async function keygen(options: Options): Promise<number> {
  if (options.password) return await passwordKeygen(options.output);
  if (options.server !== undefined) return await serverKeygen(options);
  return await adminKeygen(options.output);
}

/** Create `file` (0600, never over another); a clear error otherwise. */
async function createOnce(file: string, text: string, what: string) {
  try {
    await createSecretFile(file, text);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const exists = code === "EEXIST" ||
      (error instanceof Error && error.name === "AlreadyExists");
    throw new UsageError(
      exists
        ? `${file} exists: keygen never overwrites ${what} (servers may use it); remove it first`
        : `cannot create ${file}: ${reason(error)}`,
    );
  }
}

/** The informational text: stdout on a terminal, else stderr. */
function inform(text: string): void {
  write(isTerminal("stdout") ? "stdout" : "stderr", text);
}

async function adminKeygen(output?: string): Promise<number> {
  const secret = newAdminSecret();
  const text = formatAdminSecret(secret);
  if (output === undefined && !isTerminal("stdout")) {
    write("stdout", text);
    if (isTerminal("stderr")) {
      write(
        "stderr",
        "send_sysrq: printed the admin secret only; keep its file private" +
          " (chmod 600)\n",
      );
    }
    return EXIT.OK;
  }
  const file = output ?? defaultAdminSecretFile();
  if (file === null) {
    throw new UsageError("no home directory: give keygen -o FILE");
  }
  await createOnce(file, text, "an admin secret");
  inform(adminSecretText(file, formatKeyId(await keyIdOf(secret))));
  return EXIT.OK;
}

async function serverKeygen(options: Options): Promise<number> {
  const name = options.server!;
  const source = await adminSecretSource(options);
  if (source === null) {
    throw new UsageError(
      "no admin secret: make one with send_sysrq keygen, or give" +
        " --admin-secret FILE or --admin-passphrase",
    );
  }
  const identity = await identityFor(name, options);
  const admin = await loadAdminSecret(source);
  let key: Uint8Array;
  try {
    key = await serverKeyBytes(admin.secret, identity);
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message}`);
  }
  const id = formatKeyId(admin.keyId);
  const line = `${id}:${hex(key)}`;
  key.fill(0);
  if (options.output !== undefined) {
    await createOnce(options.output, line + "\n", "a key");
    inform(serverKeyFileText(name, identity, id, options.output));
  } else if (!isTerminal("stdout")) {
    write("stdout", line + "\n");
  } else {
    write("stdout", serverKeyText(name, identity, line));
  }
  return EXIT.OK;
}

/** NAME's identity: NAME, or with an inventory its host's. */
async function identityFor(name: string, options: Options): Promise<string> {
  if (options.inventory === undefined) return name;
  const { readInventory, hostSpec } = await import("./inventory.ts");
  const inventory = await readInventory(options.inventory);
  const host = inventory.hosts.get(name);
  if (host === undefined) {
    throw new UsageError(
      `${JSON.stringify(name)} is not a host of inventory ${inventory.file}` +
        " (keygen --server takes one host)",
    );
  }
  return hostSpec(inventory.file, host, options.port).identity ?? name;
}

async function passwordKeygen(output?: string): Promise<number> {
  const password = newPassword();
  if (output !== undefined) {
    await createOnce(output, password + "\n", "a password");
    inform(keygenFileText(output));
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
