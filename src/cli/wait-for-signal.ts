import { EXIT_FAILURE, type CliIo } from './cli-io.ts';

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

/**
 * `samsa <command>`'s shutdown signal, listened for from this call on and announced on stderr as it
 * arrives. Called before the command starts its server: a signal nobody listens to would kill the
 * process by its default action (exit 130), even between a "started" line and the wait after it.
 */
export function announcedShutdown(command: string, io: CliIo, wait: () => Promise<string> = waitForSignal): Promise<string> {
  return wait().then((signal) => {
    io.stderr(`samsa ${command}: ${signal} received, shutting down\n`);
    return signal;
  });
}
