import path from 'node:path';
import { offsetCheckpointText, type PartitionOffset } from './checkpoint-file.ts';
import { CheckpointWriter, CheckpointWriteSlots } from './checkpoint-writer.ts';
import { FileIoError } from './errors.ts';

/**
 * The writers of a LogManager's offset checkpoints (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint), one per log dir and name, and the slots every checkpoint write of
 * the broker shares, leader epochs included. Each write takes its entries from the open logs as it
 * starts (`entriesOf`), so it covers every change made before; a failed write takes its dir offline.
 */
export class OffsetCheckpoints {
  readonly slots = new CheckpointWriteSlots();
  readonly #writers = new Map<string, CheckpointWriter>();
  readonly #entriesOf: (logDir: string, name: string) => PartitionOffset[];
  readonly #onFailure: (logDir: string, error: FileIoError) => void;

  constructor(entriesOf: (logDir: string, name: string) => PartitionOffset[], onFailure: (logDir: string, error: FileIoError) => void) {
    this.#entriesOf = entriesOf;
    this.#onFailure = onFailure;
  }

  writer(logDir: string, name: string): CheckpointWriter {
    const file = path.join(logDir, name);
    let writer = this.#writers.get(file);
    if (writer === undefined) {
      writer = new CheckpointWriter(file, () => offsetCheckpointText(this.#entriesOf(logDir, name)), (error) => {
        if (error instanceof FileIoError) this.#onFailure(logDir, error);
      }, { slots: this.slots });
      this.#writers.set(file, writer);
    }
    return writer;
  }

  /** Settles once every change so far is on disk (or its write failed and was reported). */
  async flush(): Promise<void> {
    await Promise.all([...this.#writers.values()].map((writer) => writer.flush()));
  }
}
