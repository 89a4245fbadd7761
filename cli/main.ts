/**
 * `send_sysrq`: send the magic SysRq keys to hung Linux servers with one
 * authenticated UDP packet each, and tell whether each server took them.
 *
 * This entry point parses the command line and answers --help, --version
 * and `keygen` itself; only to send does it load the sending flow
 * (cli/send.ts) and with it the packet library, so that those answers come
 * as fast as Deno starts. Runs from source with Deno, as one bundled file
 * under Deno or Node, and as a standalone binary.
 *
 * @module
 */

import { HELP, parseOptions, UsageError } from "./args.ts";
import { args, exit, write } from "./runtime.ts";
import { EXIT } from "./status.ts";
import { VERSION } from "./version.ts";

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.command === "help") return print(HELP);
  if (options.command === "version") return print(`send_sysrq ${VERSION}\n`);
  if (options.command === "keygen") {
    const { keygenText, newPassword } = await import("./keygen.ts");
    return print(keygenText(newPassword()));
  }
  const { send } = await import("./send.ts");
  return await send(options);
}

function print(text: string): number {
  write("stdout", text);
  return EXIT.OK;
}

/** Map errors to exit statuses, and print them as one line. */
function fail(error: unknown): number {
  if (error instanceof UsageError) {
    write("stderr", `send_sysrq: ${error.message}\n`);
    return EXIT.USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  write("stderr", `send_sysrq: local failure: ${message.split("\n")[0]}\n`);
  return EXIT.LOCAL;
}

main(args()).catch(fail).then(exit);
