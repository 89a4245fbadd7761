/**
 * One QEMU guest for the end-to-end suite: boots a kernel with the harness
 * initramfs under TCG, and gathers what a test uses — the console
 * (guest_console.ts), the control channel (control_channel.ts), the network
 * (guest_network.ts) and UDP to the guest (udp.ts). QEMU's own command
 * line is in qemu_command.ts.
 *
 * @module
 */

import { buildInitramfs, type Initramfs, sysrqArtifacts } from "./initramfs.ts";
import {
  defaultIptables,
  defaultKernel,
  type IptablesVariant,
  type KernelTraits,
  kernelTraits,
} from "./kernels.ts";
import { GuestConsole } from "./guest_console.ts";
import { ControlChannel, shellQuote } from "./control_channel.ts";
import {
  ADDRESSES,
  deleteNetns,
  type Network,
  setUpNetwork,
  type Target,
} from "./guest_network.ts";
import { qemuCommand } from "./qemu_command.ts";
import { exchange, exchangeInNetns } from "./udp.ts";
import { delay, workDir } from "./_util.ts";
import { testPassword } from "../_testing.ts";

/** How to boot. */
export interface BootOptions {
  kernel?: string;
  smp?: number;
  memoryMb?: number;
  network?: Network;
  /** A userspace heartbeat line on the console every second. */
  heartbeat?: boolean;
  /**
   * Load xt_SYSRQ with this password and install the rule (default: load
   * when the module is built). null: boot without the module.
   */
  password?: string | null;
  /** Module parameters besides the password, e.g. ["tolerance=300"]. */
  moduleParams?: string[];
  /** iptables variant for the rule (default legacy where the kernel has it). */
  iptables?: IptablesVariant;
  /** Target options for the rule, e.g. ["--sysrq-keys", "hs"]. */
  ruleOptions?: string[];
  /** Keep the run directory (console log) after shutdown; NSR_KEEP_VM=1 too. */
  keep?: boolean;
  /**
   * More cpio archives (newc) for the guest: the kernel unpacks each over
   * the harness's initramfs, in order (the hang scenarios add programs).
   */
  extraInitrd?: string[];
  /** Raw disk images for the guest, as virtio disks (vda, vdb...). */
  disks?: string[];
  /** Open QEMU's monitor on a socket (see Vm.monitor). */
  monitor?: boolean;
}

/** What Vm.exchange takes besides the packets. */
export interface ExchangeOptions {
  target?: Target;
  want?: number;
  timeoutMs?: number;
  gapMs?: number;
  burst?: number;
  pauses?: Record<number, number>;
  stopWhen?: (replies: Uint8Array[]) => boolean;
  until?: Promise<unknown>;
}

/** A running guest. */
export class Vm {
  readonly dir: string;
  readonly consolePath: string;
  readonly options: BootOptions;
  readonly console: GuestConsole;
  initramfs?: Initramfs;
  /** What the harness knows about the kernel booted (set by boot()). */
  traits?: KernelTraits;
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
  #ctl?: ControlChannel;

  private constructor(dir: string, options: BootOptions) {
    this.dir = dir;
    this.consolePath = `${dir}/console.log`;
    this.options = options;
    this.console = new GuestConsole(this.consolePath, {
      exited: () => this.#exited,
      stderr: () => this.#stderr(),
    });
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

  get network(): Network {
    return this.options.network ?? "user";
  }

  /** The guest's own address for a target (what a MAC must cover). */
  address(target: Target = "v4"): string {
    return ADDRESSES[this.network][target];
  }

  /** The iptables variant of the guest's rules. */
  get iptables(): IptablesVariant {
    return this.options.iptables ??
      defaultIptables(this.initramfs?.kernel ?? defaultKernel());
  }

  /** A timeout scaled for the kernel booted (debug kernels run slower). */
  budget(ms: number): number {
    return ms * (this.traits?.slowdown ?? 1);
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
    this.traits = kernelTraits(kernel);
    const artifacts = await sysrqArtifacts(kernel);
    this.initramfs = await buildInitramfs({
      kernel,
      sysrqModule: artifacts.module,
      sysrqExtension: artifacts.extension,
    });
    const net = await setUpNetwork(this.network);
    this.ports = net.ports;
    this.netns = net.netns;
    const argv = qemuCommand({
      kernelImage: this.initramfs.kernelImage,
      initrd: await this.#initrd(this.initramfs.path),
      append: [
        "console=ttyS0",
        "panic=-1",
        `nsr.heartbeat=${o.heartbeat ? 1 : 0}`,
        // Every boot of a kernel with kmemleak is a sanitizer run: scan
        // for leaks on demand (sanitizers.ts), debugfs mounted by init.
        ...(this.traits.kmemleak ? ["kmemleak=on"] : []),
        ...this.traits.bootArgs,
        ...net.kernelArgs,
      ],
      memoryMb: o.memoryMb ?? this.traits.memoryMb,
      smp: o.smp ?? 1,
      consolePath: this.consolePath,
      controlSocket: `${this.dir}/ctl.sock`,
      netdev: net.netdev,
      netns: net.netns,
      disks: o.disks,
      monitorSocket: o.monitor ? `${this.dir}/mon.sock` : undefined,
    });
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
    await this.console.waitFor(/NSR-READY/, {
      timeoutMs: this.traits.bootTimeoutMs,
    });
    this.bootMs = Math.round(performance.now() - started);
    this.#ctl = await ControlChannel.connect(
      `${this.dir}/ctl.sock`,
      () => this.#exited,
    );
    // The emulated RTC ticks from QEMU's start, not on the host's second
    // boundaries, so the guest's clock starts up to a second ahead of the
    // host or behind it. Set it to the host's whole second: the guest is
    // then never ahead, and a request stamped by the host is always newer
    // than the module's load time.
    await this.must(`date -u -s @${Math.floor(Date.now() / 1000)} >/dev/null`);
    const password = o.password === undefined
      ? (artifacts.module ? testPassword() : null)
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
    const variant = this.iptables;
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

  /**
   * Runs a shell command in the guest; resolves with its output (stdout and
   * stderr together) and exit code. Commands run one at a time.
   */
  async command(
    cmd: string,
    timeoutMs = 30_000,
  ): Promise<{ output: string; code: number }> {
    if (!this.#ctl) throw new Error("control channel not connected");
    return await this.#ctl.command(cmd, this.budget(timeoutMs));
  }

  /** Like command(), but throws unless the command exits 0. */
  async must(cmd: string, timeoutMs = 30_000): Promise<string> {
    if (!this.#ctl) throw new Error("control channel not connected");
    return await this.#ctl.must(cmd, this.budget(timeoutMs));
  }

  /** The whole console so far. */
  consoleText(): string {
    return this.console.text();
  }

  /** A position in the console; pass it to waitFor or consoleSince. */
  mark(): number {
    return this.console.mark();
  }

  /**
   * A mark taken once the kernel has printed everything logged so far: a
   * line written to /dev/kmsg reaches the console after every earlier
   * message. On a slow kernel the console lags the log, and a line logged
   * by the previous scenario could otherwise land after a plain mark.
   */
  async settledMark(): Promise<number> {
    const line = `NSR-MARK ${crypto.randomUUID().slice(0, 8)}`;
    await this.must(`echo ${line} >/dev/kmsg`);
    await this.waitFor(new RegExp(line));
    const text = this.consoleText();
    return text.indexOf("\n", text.indexOf(line)) + 1;
  }

  /** The console from a mark on. */
  consoleSince(mark: number): string {
    return this.console.since(mark);
  }

  /**
   * Waits until `pattern` appears in the console (see GuestConsole); the
   * timeout (default 30 s) is scaled for the kernel.
   */
  waitFor(
    pattern: RegExp,
    options: { since?: number; timeoutMs?: number } = {},
  ): Promise<RegExpMatchArray> {
    return this.console.waitFor(pattern, {
      since: options.since,
      timeoutMs: this.budget(options.timeoutMs ?? 30_000),
    });
  }

  /** The console's last lines, for error messages. */
  consoleTail(lines = 25): string {
    return this.console.tail(lines);
  }

  /** Lines that report a kernel error, since `since`. */
  consoleErrors(since = 0): string[] {
    return this.console.errors(since);
  }

  /** Throws if the console shows a kernel error since `since`. */
  assertCleanConsole(since = 0): void {
    this.console.assertClean(since);
  }

  /**
   * Sends packets to the guest's port 9 and returns the replies. Stops at
   * `want` replies or `timeoutMs` after the last packet.
   */
  async exchange(
    packets: Uint8Array[],
    options: ExchangeOptions = {},
  ): Promise<Uint8Array[]> {
    const { target = "v4", timeoutMs: wait, ...rest } = options;
    const timeoutMs = this.budget(wait ?? 5_000);
    if (this.network === "user") {
      if (target === "v6") throw new Error("IPv6 needs the tap network");
      const port = target === "v4" ? this.ports.v4 : this.ports.v4b;
      return await exchange({
        host: "127.0.0.1",
        port,
        packets,
        timeoutMs,
        ...rest,
      });
    }
    return await exchangeInNetns(this.netns!, {
      host: this.address(target),
      port: 9,
      packets,
      timeoutMs,
      ...rest,
    });
  }

  /**
   * Sends one line to QEMU's monitor (boot with `monitor: true`), e.g.
   * "system_reset": the reset button, or a BMC's power reset. With
   * -no-reboot QEMU exits on it instead of restarting the guest.
   */
  async monitor(command: string): Promise<void> {
    if (!this.options.monitor) throw new Error("booted without a monitor");
    const conn = await Deno.connect({
      transport: "unix",
      path: `${this.dir}/mon.sock`,
    });
    try {
      await conn.write(new TextEncoder().encode(`${command}\n`));
      // Let QEMU read the line before the socket closes.
      await delay(200);
    } finally {
      conn.close();
    }
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
    this.#ctl?.close();
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
      await deleteNetns(this.netns);
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
