/**
 * Where the optional test kernels live (Debian packages of kernels Debian
 * 12 does not ship, such as 6.18-debug and 7.1): $NSR_TEST_KERNELS, else
 * `../shared/kernels` beside the clone, else /work/shared/kernels. The
 * same search as tools/install-deps.sh. Nothing needs them: a clone without
 * the folder builds and tests for the kernels it has, and says so.
 *
 * @module
 */

/** The folder of test kernels, or undefined when there is none. */
export function testKernelsDir(): string | undefined {
  const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const candidates = [
    Deno.env.get("NSR_TEST_KERNELS"),
    `${repo}/../shared/kernels`,
    "/work/shared/kernels",
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    try {
      if (Deno.statSync(dir).isDirectory) return dir;
    } catch {
      // not there
    }
  }
  return undefined;
}
