/**
 * `send_sysrq keygen`'s secrets and texts: a new admin secret (server-key
 * mode), one server's key line (`ID:HEX`) and the lines that install it, or
 * a new random password (password mode) and its lines. The server lines
 * read the secret from a file copied to the server, or from ssh's standard
 * input: no secret is ever on a command line (where `ps` shows it) or in a
 * shell's history.
 *
 * @module
 */

/** Module name and parameter the server side uses (kernel/). */
export const MODULE = "xt_SYSRQ";
const PARAMETER = "passwd";

/**
 * A new password: 32 random bytes as base64url, 43 characters that survive
 * a shell, a `modprobe.d` line and a sysfs write unquoted.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { newPassword } from "./keygen.ts";
 * assert.match(newPassword(), /^[A-Za-z0-9_-]{43}$/);
 * assert.notEqual(newPassword(), newPassword());
 * ```
 */
export function newPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * The lines that install the password kept in `file` (on the server as
 * `/root/sysrq.password`): they read it from the file, so the secret never
 * appears on a command line or in a shell's history.
 */
function serverLines(file: string): string[] {
  const conf = `/etc/modprobe.d/${MODULE}.conf`;
  const there = "/root/sysrq.password";
  return [
    `Copy ${file} to each server (e.g. scp ${file} root@HOST:${there}), then`,
    "as root there, to keep it across reboots (file readable by root only):",
    `  ( umask 077 && printf 'options ${MODULE} ${PARAMETER}=%s\\n' "$(cat ${there})" > ${conf} )`,
    "and to set it now on the loaded module:",
    `  cat ${there} > /sys/module/${MODULE}/parameters/${PARAMETER}`,
    `  rm ${there}`,
  ];
}

/**
 * What `keygen` prints on a terminal: the password once, and how to keep it
 * in a file (the server lines then read that file).
 */
export function keygenText(password: string, defaultFile: string): string {
  return [
    `password: ${password}`,
    "",
    "Keep it in a file only you can read, rather than copying it by hand:",
    `  send_sysrq keygen --password -o ${defaultFile}`,
    "writes a new one there (mode 0600); send_sysrq reads that file when no",
    "other password is given, and prints the server's lines for it.",
    "",
  ].join("\n");
}

/** What `keygen -o FILE` prints once the password is in `file`. */
export function keygenFileText(file: string): string {
  return [
    `wrote a new password to ${file} (mode 0600)`,
    "",
    ...serverLines(file),
    "",
    "On this machine:",
    `  send_sysrq --password-file ${file} s HOST`,
    "(the --password-file is not needed when it is the default file)",
    "",
  ].join("\n");
}

/** The server's copy of its key line, as xt_SYSRQ(8) names it. */
const KEY_THERE = "/root/sysrq.key";
/** Server keys get a modprobe.d file of their own: the password's stays. */
const KEYS_CONF = `/etc/modprobe.d/${MODULE}-keys.conf`;
const KEYS_PARAMETER = `/sys/module/${MODULE}/parameters/keys`;

/** A new admin secret: 32 random bytes. */
export function newAdminSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

/**
 * What `keygen` says once a new admin secret is in `file`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { adminSecretText } from "./keygen.ts";
 * const text = adminSecretText("/h/.config/netsysrq/admin_secret", "8f3a01c2");
 * assert.match(text, /key id 8f3a01c2/);
 * assert.match(text, /keygen --server web1/);
 * ```
 */
export function adminSecretText(file: string, keyId: string): string {
  return [
    `wrote a new admin secret to ${file} (mode 0600), key id ${keyId}`,
    "",
    "Keep it here only: each server gets its own key, made from it and the",
    "server's name. For each server (web1 here), install its key with:",
    `  send_sysrq keygen --server web1 | ssh root@web1 '${remoteInstall()}'`,
    "or see send_sysrq keygen --server web1 on a terminal for other ways.",
    "Then send as usual: send_sysrq s web1 (or -i INVENTORY s GROUP).",
    "",
  ].join("\n");
}

/**
 * The shell line ssh runs on the server to install the key line it reads
 * from standard input: the modprobe.d file (root only) and, when the module
 * is loaded, the running module. The key never is an argument.
 */
export function remoteInstall(): string {
  return [
    "umask 077",
    "read -r k",
    `printf "options ${MODULE} keys=%s\\n" "$k" > ${KEYS_CONF}`,
    `if [ -d /sys/module/${MODULE} ]; then printf "+%s" "$k" > ${KEYS_PARAMETER}; fi`,
  ].join("; ");
}

/**
 * The lines, run as root on the server, that install the key line copied
 * to /root/sysrq.key.
 */
function keyFileLines(): string[] {
  return [
    `  ( umask 077 && printf 'options ${MODULE} keys=%s\\n' "$(cat ${KEY_THERE})" > ${KEYS_CONF} )`,
    `  printf '+%s' "$(cat ${KEY_THERE})" > ${KEYS_PARAMETER}   # if loaded`,
    `  rm ${KEY_THERE}`,
  ];
}

/**
 * What `keygen --server NAME` prints on a terminal: the key line and two
 * ways to install it, neither putting the key on a command line.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { serverKeyText } from "./keygen.ts";
 * const text = serverKeyText("web1", "web1", "8f3a01c2:" + "ab".repeat(32));
 * assert.match(text, /^server web1 \(identity web1\): key id 8f3a01c2/);
 * assert.match(text, /keys=%s/);
 * ```
 */
export function serverKeyText(
  name: string,
  identity: string,
  line: string,
): string {
  const id = line.slice(0, 8);
  return [
    `server ${name} (identity ${identity}): key id ${id}`,
    `  ${line}`,
    "",
    "Install it without the key on any command line: from here, over ssh,",
    `  send_sysrq keygen --server ${name} | ssh root@${name} '${remoteInstall()}'`,
    `or write it to a file (send_sysrq keygen --server ${name} -o FILE), copy`,
    `that to ${KEY_THERE} on the server and there, as root:`,
    ...keyFileLines(),
    `cat ${KEYS_PARAMETER} on the server then lists ${id} among its key ids.`,
    "",
  ].join("\n");
}

/** What `keygen --server NAME -o FILE` prints once the key line is in FILE. */
export function serverKeyFileText(
  name: string,
  identity: string,
  id: string,
  file: string,
): string {
  return [
    `wrote the key of server ${name} (identity ${identity}, key id ${id}) to` +
    ` ${file} (mode 0600)`,
    "",
    `Copy it to the server (e.g. scp ${file} root@${name}:${KEY_THERE}), then`,
    "as root there:",
    ...keyFileLines(),
    "",
  ].join("\n");
}
