/**
 * Group members as separate processes, for tests that kill one: a KafkaJS consumer
 * (kafkajs-group-child.ts) or kcat -G (librdkafka), each tracking its latest assignment and the
 * records it read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './test-broker.ts';

export interface GroupMemberProcess {
  readonly name: string;
  /** The partitions of the latest assignment (sorted). */
  assigned(): number[];
  /** Every rebalance event seen, in order (for kcat: the raw lines). */
  readonly events: string[];
  /** `partition:offset` of every record read. */
  readonly records: string[];
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

function track(child: ChildProcess, name: string, onLine: (line: string) => void, stream: 'stdout' | 'stderr'): GroupMemberProcess {
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);
  const member: GroupMemberProcess & { current: number[] } = {
    name,
    current: [],
    assigned: () => member.current,
    events: [],
    records: [],
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  createInterface({ input: child[stream]! }).on('line', (line) => onLine.call(member, line));
  (child[stream === 'stdout' ? 'stderr' : 'stdout'])?.resume();
  return member;
}

/** A KafkaJS consumer of `topic` in group `groupId`, in a child process. */
export function startKafkaJsMember(name: string, bootstrap: string, groupId: string, topic: string, sessionTimeoutMs: number): GroupMemberProcess {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'test', 'helpers', 'kafkajs-group-child.ts'), bootstrap, groupId, topic, String(sessionTimeoutMs)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let member: GroupMemberProcess & { current: number[] };
  member = track(child, name, (line) => {
    let event: { assigned?: number[]; p?: number; o?: number };
    try { event = JSON.parse(line); } catch { return; }
    if (event.assigned !== undefined) {
      member.current = event.assigned;
      member.events.push(`assigned ${event.assigned.join(',')}`);
    } else if (event.p !== undefined) {
      member.records.push(`${event.p}:${event.o}`);
    }
  }, 'stdout') as GroupMemberProcess & { current: number[] };
  return member;
}

/**
 * `kcat -G groupId topic` with extra librdkafka properties (group.instance.id,
 * partition.assignment.strategy...). Its rebalance lines on stderr give the assignment: eager
 * "assigned: t [0], t [1]" / "revoked: ...", cooperative "incremental assignment|revoke of N
 * partition(s) ...: t [0], ...".
 */
export function startKcatMember(name: string, bootstrap: string, groupId: string, topic: string, properties: Record<string, string>): GroupMemberProcess {
  const args = ['-b', bootstrap, '-G', groupId, '-o', 'beginning', '-f', '%p:%o\\n', '-u'];
  for (const [key, value] of Object.entries(properties)) args.push('-X', `${key}=${value}`);
  args.push(topic);
  const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const member = track(child, name, (line) => {
    if (!line.includes('rebalanced')) return;
    member.events.push(line);
    const partitions = [...line.slice(line.lastIndexOf(':') + 1).matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    const current = new Set(member.assigned());
    if (/incremental assignment/.test(line)) for (const p of partitions) current.add(p);
    else if (/incremental revoke/.test(line)) for (const p of partitions) current.delete(p);
    else if (/: assigned:/.test(line)) { current.clear(); for (const p of partitions) current.add(p); }
    else if (/: revoked:/.test(line)) current.clear();
    (member as unknown as { current: number[] }).current = [...current].sort((a, b) => a - b);
  }, 'stderr');
  createInterface({ input: child.stdout! }).on('line', (line) => { if (/^\d+:\d+$/.test(line)) member.records.push(line); });
  return member;
}
