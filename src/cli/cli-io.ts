/** Where a command reads and writes, so tests can capture it. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input, for commands that read records (console-producer); absent means empty. */
  readonly stdin?: AsyncIterable<Buffer | string>;
  /** Progress goes to stderr only when it is a terminal, so piped output stays clean. */
  readonly stderrIsTerminal?: boolean;
}

export const processIo: CliIo = Object.freeze({
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
  get stdin() { return process.stdin; },
  get stderrIsTerminal() { return process.stderr.isTTY === true; },
});

/** A bad command line: reported as one line plus a hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
