import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runShellCommand, startFaultSchedule } from './faults.ts';
import type { FaultRun } from './faults.ts';

test('the fault schedule runs the command one round at a time, with its round and environment, and stop waits for the round under way', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-faults-'));
  try {
    const log = join(dir, 'log');
    // Each round notes its start and end around a pause: overlapping rounds would interleave them.
    const command = `echo "start $SAMSA_VERIFY_ROUND $WHO" >> "${log}"; sleep 0.05; echo "end $SAMSA_VERIFY_ROUND" >> "${log}"`;
    let third: () => void;
    const thirdRun = new Promise<void>((resolve) => { third = resolve; });
    const heard: FaultRun[] = [];
    const schedule = startFaultSchedule(command, 0, { WHO: 'verify' }, (run) => {
      heard.push(run);
      if (heard.length === 3) third();
    });
    await thirdRun;
    const runs = await schedule.stop();
    assert.deepEqual(runs, heard);
    assert.deepEqual(runs.map((r) => [r.round, r.exitCode]), runs.map((_, i) => [i + 1, 0]));
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    assert.deepEqual(lines, runs.flatMap((r) => [`start ${r.round} verify`, `end ${r.round}`]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failing command is reported with its exit code and output, never thrown', async () => {
  const run = await runShellCommand('echo broken >&2; exit 3', {}, 1, 0);
  assert.equal(run.exitCode, 3);
  assert.equal(run.signal, null);
  assert.equal(run.output, 'broken\n');
});
