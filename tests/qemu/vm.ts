/**
 * One QEMU guest for the end-to-end suite: boots the Debian kernel with the
 * harness initramfs under TCG, reads its console from a file, runs commands
 * in it over a second serial port, and exchanges UDP with it.
 *
 * Networks: "user" (QEMU user networking, no root; the host reaches the
 * guest's 10.0.2.15 and 10.0.2.16 through two forwarded ports) and "tap" (a
 * network namespace with a tap device, root only; IPv4 and IPv6).
 *
 * @module
 */

import dgram from "node:dgram";
import { buildInitramfs, type Initramfs, sysrqArtifacts } from "./initramfs.ts";
import { defaultKernel } from "./kernels.ts";
import { exchange, fromHex, toHex } from "./udp.ts";
import {
  delay,
  fromFileUrl,
  isRoot,
  randomPassword,
  run,
  workDir,
} from "./_util.ts";

/** Kernel messages that fail any scenario. */
export const CONSOLE_ERRORS =
  /Oops|BUG|WARNING|panic|stack-protector|general protection/;

/** Where a test sends packets: the guest's main or second address, v4/v6. */
export type Target = "v4" | "v4b" | "v6";

/** How to boot. */
export interface BootOptions {
  kernel?: string;
  smp?: number;
  memoryMb?: number;
  network?: "user" | "tap";
  /** A userspace heartbeat line on the console every second. */
  heartbeat?: boolean;
  /**
   * Load xt_SYSRQ with this password and install the rule (default: load
   * when the module is built). null: boot without the module.
   */
  password?: string | null;
  /** Module parameters besides the password, e.g. ["tolerance=300"]. */
  moduleParams?: string[];
  /** iptables variant for the rule (default legacy). */
  iptables?: "legacy" | "nft";
  /** Target options for the rule, e.g. ["--sysrq-keys", "hs"]. */
  ruleOptions?: string[];
  /** Keep the run directory (console log) after shutdown; NSR_KEEP_VM=1 too. */
  keep?: boolean;
  /**
   * More cpio archives (newc) for the guest: the kernel unpacks each over
   * the harness's initramfs, in order (the hang scenarios add programs).
   */
  extraInitrd?: string[];
}

/** Guest addresses per network. */
const ADDRESSES = {
  user: { v4: "10.0.2.15", v4b: "10.0.2.16", v6: "" },
  tap: { v4: "10.99.0.2", v4b: "10.99.0.3", v6: "fd00:99::2" },
};
const TAP_HOST = { v4: "10.99.0.1/24", v6: "fd00:99::1/64" };

/** A running guest. */
export class Vm {
  readonly dir: string;
  readonly consolePath: string;
  readonly options: BootOptions;
  initramfs?: Initramfs;
  /** Host ports forwarded to the guest's port 9 (user network). */
  ports: { v4: number; v4b: number } = { v4: 0, v4b: 0 };
  /** Milliseconds from starting QEMU to NSR-READY. */
  bootMs = 0;
  netns?: string;
  /** The password the module was loaded with (a fresh random one). */
  password?: string;
  #child?: Deno.ChildProcess;
  #status?: Promise<Deno.CommandStatus>;
  #exited = false;
  #ctl?: Deno.UnixConn;
  #ctlText = "";
  #ctlWake = () => {};
  #nextId = 1;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, options: BootOptions) {
    this.dir = dir;
    this.consolePath = `${dir}/console.log`;
    this.options = options;
  }

  /** Boots a guest and waits until it is ready (and armed, if asked). */
  static async boot(options: BootOptions = {}): Promise<Vm> {
    const dir = await Deno.makeTempDir({ dir: workDir(), prefix: "vm-" });
    const vm = new Vm(dir, options);
    try {
      await vm.#start();
    } catch (e) {
      await vm.shutdown();
      throw e;
    }
    return vm;
  }

  get network(): "user" | "tap" {
    return this.options.network ?? "user";
  }

  /** The guest's own address for a target (what a MAC must cover). */
  address(target: Target = "v4"): string {
    return ADDRESSES[this.network][target];
  }

  get pid(): number {
    return this.#child?.pid ?? 0;
  }

  get exited(): boolean {
    return this.#exited;
  }

  async #start(): Promise<void> {
    const o = this.options;
    const kernel = o.kernel ?? defaultKernel();
    const artifacts = await sysrqArtifacts(kernel);
    this.initramfs = await buildInitramfs({
      kernel,
      sysrqModule: artifacts.module,
      sysrqExtension: artifacts.extension,
    });
    const addr = ADDRESSES[this.network];
    const words = [
      "console=ttyS0",
      "panic=-1",
      "nsr.heartbeat=" +
      (o.heartbeat ? 1 : 0),
    ];
    let netdev: string;
    if (this.network === "user") {
      this.ports = { v4: await freeUdpPort(), v4b: await freeUdpPort() };
      words.push(`nsr.ip=${addr.v4}/24,${addr.v4b}/24`, "nsr.gw=10.0.2.2");
      netdev = `user,id=n0,hostfwd=udp:127.0.0.1:${this.ports.v4}-` +
        `${addr.v4}:9,hostfwd=udp:127.0.0.1:${this.ports.v4b}-${addr.v4b}:9`;
    } else {
      await this.#makeNetns();
      words.push(
        `nsr.ip=${addr.v4}/24,${addr.v4b}/24`,
        `nsr.ip6=${addr.v6}/64`,
      );
      netdev = "tap,id=n0,ifname=nsrtap0,script=no,downscript=no";
    }
    const qemu = [
      "qemu-system-x86_64",
      "-accel",
      "tcg",
      "-m",
      String(o.memoryMb ?? 512),
      "-smp",
      String(o.smp ?? 1),
      "-no-reboot",
      "-display",
      "none",
      "-monitor",
      "none",
      "-serial",
      `file:${this.consolePath}`,
      "-chardev",
      `socket,id=ctl,path=${this.dir}/ctl.sock,server=on,wait=off`,
      "-serial",
      "chardev:ctl",
      "-kernel",
      this.initramfs.kernelImage,
      "-initrd",
      await this.#initrd(this.initramfs.path),
      "-append",
      words.join(" "),
      "-netdev",
      netdev,
      "-device",
      "e1000,netdev=n0",
    ];
    const argv = this.netns
      ? ["ip", "netns", "exec", this.netns, ...qemu]
      : qemu;
    const started = performance.now();
    this.#child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#status = this.#child.status.then((s) => {
      this.#exited = true;
      return s;
    });
    await this.waitFor(/NSR-READY/, { timeoutMs: 90_000 });
    this.bootMs = Math.round(performance.now() - started);
    await this.#connectControl();
    // The emulated RTC ticks from QEMU's start, not on the host's second
    // boundaries, so the guest's clock starts up to a second ahead of the
    // host or behind it. Set it to the host's whole second: the guest is
    // then never ahead, and a request stamped by the host is always newer
    // than the module's load time.
    await this.must(`date -u -s @${Math.floor(Date.now() / 1000)} >/dev/null`);
    const password = o.password === undefined
      ? (artifacts.module ? randomPassword() : null)
      : o.password;
    if (password !== null) await this.arm(password);
  }

  /** Loads xt_SYSRQ with `password` and installs the boot options' rules. */
  async arm(password: string): Promise<void> {
    const o = this.options;
    this.password = password;
    if (!this.initramfs?.hasSysrqModule) {
      throw new Error(
        `xt_SYSRQ.ko did not build for ${this.initramfs?.kernel}: see the ` +
          "make output above (the harness builds kernel/ in tests/.work/)",
      );
    }
    const params = (o.moduleParams ?? []).map(shellQuote).join(" ");
    await this.must(`NSR_PASSWORD=${shellQuote(password)} nsr load ${params}`);
    const variant = o.iptables ?? "legacy";
    const opts = (o.ruleOptions ?? []).map(shellQuote).join(" ");
    await this.must(`nsr rule ${variant} 4 ${opts}`);
    await this.must(`nsr rule ${variant} 6 ${opts}`);
    await this.must("echo NSR-ARMED >/dev/console");
  }

  /** The initramfs, followed by any extraInitrd archives in one file. */
  async #initrd(base: string): Promise<string> {
    const extra = this.options.extraInitrd ?? [];
    if (extra.length === 0) return base;
    const path = `${this.dir}/initrd.cpio`;
    await Deno.copyFile(base, path);
    for (const part of extra) {
      await Deno.writeFile(path, await Deno.readFile(part), { append: true });
    }
    return path;
  }

  async #makeNetns(): Promise<void> {
    if (!isRoot()) throw new Error("the tap network needs root (ip netns)");
    const ns = `nsr-${crypto.randomUUID().slice(0, 8)}`;
    await run(["ip", "netns", "add", ns]);
    this.netns = ns;
    const inNs = (cmd: string[]) => run(["ip", "netns", "exec", ns, ...cmd]);
    await inNs(["ip", "link", "set", "lo", "up"]);
    await inNs(["ip", "tuntap", "add", "dev", "nsrtap0", "mode", "tap"]);
    await inNs(["ip", "addr", "add", TAP_HOST.v4, "dev", "nsrtap0"]);
    await inNs([
      "ip",
      "-6",
      "addr",
      "add",
      TAP_HOST.v6,
      "dev",
      "nsrtap0",
      "nodad",
    ]);
    await inNs(["ip", "link", "set", "nsrtap0", "up"]);
  }

  async #connectControl(): Promise<void> {
    this.#ctl = await Deno.connect({
      transport: "unix",
      path: `${this.dir}/ctl.sock`,
    });
    const conn = this.#ctl;
    (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of conn.readable) {
          this.#ctlText += decoder.decode(chunk, { stream: true });
          this.#ctlWake();
        }
      } catch {
        // the guest went away
      }
      this.#ctlWake();
    })();
  }

  /**
   * Runs a shell command in the guest; resolves with its output (stdout and
   * stderr together) and exit code. Commands run one at a time.
   */
  command(
    cmd: string,
    timeoutMs = 30_000,
  ): Promise<{ output: string; code: number }> {
    const next = this.#queue.then(() => this.#runCommand(cmd, timeoutMs));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Like command(), but throws unless the command exits 0. */
  async must(cmd: string, timeoutMs = 30_000): Promise<string> {
    const { output, code } = await this.command(cmd, timeoutMs);
    if (code !== 0) {
      // Never echo the command: it may carry a password.
      throw new Error(`guest command failed (exit ${code}): ${output.trim()}`);
    }
    return output;
  }

  async #runCommand(
    cmd: string,
    timeoutMs: number,
  ): Promise<{ output: string; code: number }> {
    if (!this.#ctl) throw new Error("control channel not connected");
    const id = this.#nextId++;
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(cmd)));
    const start = this.#ctlText.length;
    await this.#ctl.write(new TextEncoder().encode(`${id} ${b64}\n`));
    const end = new RegExp(`@@NSR-END ${id} (\\d+)\\r?\\n`);
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const text = this.#ctlText.slice(start);
      const m = text.match(end);
      if (m) {
        return { output: text.slice(0, m.index), code: Number(m[1]) };
      }
      if (this.#exited) throw new Error("guest exited during a command");
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`guest command timed out (${timeoutMs} ms)`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#ctlWake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The whole console so far. */
  consoleText(): string {
    try {
      return Deno.readTextFileSync(this.consolePath);
    } catch {
      return "";
    }
  }

  /** A position in the console; pass it to waitFor or consoleSince. */
  mark(): number {
    return this.consoleText().length;
  }

  /** The console from a mark on. */
  consoleSince(mark: number): string {
    return this.consoleText().slice(mark);
  }

  /**
   * Waits until `pattern` appears in the console (after `since`), polling
   * the file; fails early if QEMU exits first.
   */
  async waitFor(
    pattern: RegExp,
    options: { since?: number; timeoutMs?: number } = {},
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (true) {
      const m = this.consoleSince(options.since ?? 0).match(pattern);
      if (m) return m;
      if (this.#exited) {
        const err = await this.#stderr();
        throw new Error(
          `QEMU exited before ${pattern} appeared${err ? `: ${err}` : ""}\n` +
            this.consoleTail(),
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${pattern}\n${this.consoleTail()}`,
        );
      }
      await delay(50);
    }
  }

  /** The console's last lines, for error messages. */
  consoleTail(lines = 25): string {
    return this.consoleText().split("\n").slice(-lines).join("\n");
  }

  /** Lines that report a kernel error, since `since`. */
  consoleErrors(since = 0): string[] {
    return this.consoleSince(since).split("\n").filter((line) =>
      CONSOLE_ERRORS.test(line) &&
      !/Kernel command line|Command line:|NSR-/.test(line)
    );
  }

  /** Throws if the console shows a kernel error since `since`. */
  assertCleanConsole(since = 0): void {
    const errors = this.consoleErrors(since);
    if (errors.length > 0) {
      throw new Error(`kernel errors on the console:\n${errors.join("\n")}`);
    }
  }

  /**
   * Sends packets to the guest's port 9 and returns the replies. Stops at
   * `want` replies or `timeoutMs` after the last packet.
   */
  async exchange(
    packets: Uint8Array[],
    options: {
      target?: Target;
      want?: number;
      timeoutMs?: number;
      gapMs?: number;
      burst?: number;
      pauses?: Record<number, number>;
      stopWhen?: (replies: Uint8Array[]) => boolean;
      until?: Promise<unknown>;
    } = {},
  ): Promise<Uint8Array[]> {
    const target = options.target ?? "v4";
    const timeoutMs = options.timeoutMs ?? 5_000;
    if (this.network === "user") {
      if (target === "v6") throw new Error("IPv6 needs the tap network");
      return await exchange({
        host: "127.0.0.1",
        port: target === "v4" ? this.ports.v4 : this.ports.v4b,
        packets,
        want: options.want,
        timeoutMs,
        gapMs: options.gapMs,
        burst: options.burst,
        pauses: options.pauses,
        stopWhen: options.stopWhen,
        until: options.until,
      });
    }
    const job = {
      host: this.address(target),
      port: 9,
      packets: packets.map(toHex),
      want: options.want,
      timeoutMs,
      gapMs: options.gapMs,
      burst: options.burst,
      pauses: options.pauses,
    };
    const tool = fromFileUrl(new URL("./udp.ts", import.meta.url));
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", this.netns!, Deno.execPath(), "run", "-A", tool],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(job)));
    await writer.close();
    const out = await child.output();
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    return (result.replies as string[]).map(fromHex);
  }

  /** Waits for QEMU to exit by itself (e.g. after SysRq b); true if it did. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    if (!this.#status) return true;
    const timer = delay(timeoutMs).then(() => false);
    return await Promise.race([this.#status.then(() => true), timer]);
  }

  async #stderr(): Promise<string> {
    if (!this.#child) return "";
    try {
      const reader = this.#child.stderr.getReader();
      const chunks: Uint8Array[] = [];
      const read = (async () => {
        while (true) {
          const { value, done } = await reader.read();
          if (done) break;
          chunks.push(value);
        }
      })();
      await Promise.race([read, delay(500)]);
      reader.releaseLock();
      return chunks.map((c) => new TextDecoder().decode(c)).join("").trim();
    } catch {
      return "";
    }
  }

  /** Stops QEMU (if still running) and removes the network namespace. */
  async shutdown(): Promise<void> {
    try {
      this.#ctl?.close();
    } catch {
      // already closed
    }
    this.#ctl = undefined;
    if (this.#child && !this.#exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch {
        // already gone
      }
      if (!(await this.waitExit(5_000))) {
        try {
          this.#child.kill("SIGKILL");
        } catch {
          // already gone
        }
        await this.#status;
      }
    }
    try {
      await this.#child?.stderr.cancel();
    } catch {
      // already read or closed
    }
    if (this.netns) {
      await run(["ip", "netns", "del", this.netns]).catch(() => {});
      this.netns = undefined;
    }
    if (!this.options.keep && !Deno.env.get("NSR_KEEP_VM")) {
      await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}

/** Quotes a word for the guest's sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A UDP port on 127.0.0.1 that is free right now. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
