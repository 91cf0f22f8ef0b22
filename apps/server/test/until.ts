// Waiting on a condition in the server's scenario tests (processes, nginx, hosts).

/** Resolves once `check` holds, looking every 100 ms; fails after `ms`, naming `what`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
