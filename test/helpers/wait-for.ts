import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `condition` until it returns a truthy value and returns that value. Throws after
 * `timeoutMs`, with the last error the condition threw, so a test fails instead of hanging.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  timeoutMs: number,
  { intervalMs = 50, what = 'condition' }: { intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
