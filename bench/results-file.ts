/** bench/results/<name>.json: a section's numbers, with the date, the commit and the machine they come from. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gitCommit, machineInfo } from './machine-info.ts';

export async function writeResultsFile(name: string, numbers: Record<string, unknown>): Promise<void> {
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const body = { date: new Date().toISOString(), commit: gitCommit(), machine: machineInfo(), ...numbers };
  await writeFile(join(dir, `${name}.json`), JSON.stringify(body, null, 2) + '\n');
  console.log(`wrote ${join('bench', 'results', `${name}.json`)}`);
}
