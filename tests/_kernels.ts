/**
 * Where the optional test kernels live (Debian packages of kernels Debian
 * 12 does not ship, such as 6.18-debug and 7.1): $NSR_TEST_KERNELS if
 * set, else `../shared/kernels` beside the clone, else
 * /work/shared/kernels. The same search as tools/install-deps.sh. Nothing needs them: a clone without
 * the folder builds and tests for the kernels it has, and says so.
 *
 * @module
 */

/**
 * The folder of test kernels, or undefined when there is none. A set
 * NSR_TEST_KERNELS is the only place looked at: empty, or a missing
 * folder, means none (as a clone without ../shared would see).
 */
export function testKernelsDir(): string | undefined {
  const isDir = (dir: string) => {
    try {
      return Deno.statSync(dir).isDirectory;
    } catch {
      return false;
    }
  };
  const fromEnv = Deno.env.get("NSR_TEST_KERNELS");
  if (fromEnv !== undefined) {
    return fromEnv && isDir(fromEnv) ? fromEnv : undefined;
  }
  const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  return [`${repo}/../shared/kernels`, "/work/shared/kernels"].find(isDir);
}
