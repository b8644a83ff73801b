/**
 * The broker's clock and timers, passed in (DESIGN rule 4) so tests can control time.
 */
export interface Time {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): Timer;
  clearTimeout(timer: Timer): void;
}

export interface Timer {
  unref?(): unknown;
}

export const systemTime: Time = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, delayMs: number): Timer => setTimeout(callback, delayMs),
  clearTimeout: (timer: Timer) => clearTimeout(timer as NodeJS.Timeout),
});
