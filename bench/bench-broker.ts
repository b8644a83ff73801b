/** The broker every bench section measures against, and its clean-up. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startBrokerProcess, type BrokerProcess, type KafkaConfigOverrides } from '../test/helpers/test-broker.ts';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.ts';

/**
 * Runs `body` against a broker child process whose data is in `<workDir>/data`, a fresh temp
 * directory. If the body fails, the broker's output is printed with the error; either way the
 * broker is stopped and the directory removed.
 */
export async function withBenchBroker<T>(prefix: string, overrides: KafkaConfigOverrides,
  body: (broker: BrokerProcess, workDir: string) => Promise<T>, env: NodeJS.ProcessEnv = {}): Promise<T> {
  const workDir = await makeTempDir(prefix);
  try {
    const dataDir = join(workDir, 'data');
    await mkdir(dataDir);
    const broker = await startBrokerProcess(dataDir, overrides, { env });
    try {
      return await body(broker, workDir);
    } catch (error) {
      process.stderr.write(`--- broker output ---\n${broker.output()}\n`);
      throw error;
    } finally {
      await broker.stop();
    }
  } finally {
    await removeTempDir(workDir);
  }
}
