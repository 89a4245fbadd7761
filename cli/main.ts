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

import { configFileOf, HELP, parseOptions, UsageError } from "./args.ts";
import { args, exit, write } from "./runtime.ts";
import { EXIT } from "./status.ts";
import { Interrupted } from "./tty.ts";
import { VERSION } from "./version.ts";

async function main(argv: string[]): Promise<number> {
  const first = parseOptions(argv);
  if (first.command === "help") return print(HELP);
  if (first.command === "version") return print(`send_sysrq ${VERSION}\n`);
  const { loadConfig } = await import("./config.ts");
  const options = parseOptions(argv, await loadConfig(configFileOf(argv)));
  if (options.command === "keygen") {
    const { keygen } = await import("./keygen_command.ts");
    return await keygen(options);
  }
  if (options.command === "check") {
    const { check } = await import("./check.ts");
    return await check(options);
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
  if (error instanceof Interrupted) {
    write("stderr", `send_sysrq: ${error.message}, nothing sent\n`);
    return EXIT.INTERRUPTED;
  }
  const message = error instanceof Error ? error.message : String(error);
  write("stderr", `send_sysrq: local failure: ${message.split("\n")[0]}\n`);
  return EXIT.LOCAL;
}

main(args()).catch(fail).then(exit);
