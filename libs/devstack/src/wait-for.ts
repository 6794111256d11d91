/**
 * Polls `condition` until it returns something truthy or the deadline passes — tests wait for
 * events this way, never with sleeps (STYLE.md). The failure names what was awaited and the last
 * value seen.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  description: string,
  { timeoutMs = 10_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await condition();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
