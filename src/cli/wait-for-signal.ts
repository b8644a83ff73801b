import { EXIT_FAILURE } from './cli-io.ts';

/** Resolves with the first SIGINT or SIGTERM; a second one while closing exits at once. */
export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal while closing means "stop now".
      process.once('SIGINT', () => process.exit(EXIT_FAILURE));
      process.once('SIGTERM', () => process.exit(EXIT_FAILURE));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
