/**
 * `send_sysrq keygen`: a new random password and the server-side lines that
 * install it.
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
    `  send_sysrq keygen -o ${defaultFile}`,
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
