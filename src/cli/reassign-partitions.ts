import { readFile } from 'node:fs/promises';
import type { Admin } from '../client/index.ts';
import { Progress } from './cli-format.ts';
import { EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { flag, intOption, parseOptions, requireOption, stringOption, withAdmin, type OptionSpecs, type ParsedOptions } from './cli-options.ts';
import {
  formatAsReassignmentJson, parseBrokerList, parseExecuteReassignmentJson, parseReassignmentJson, parseTopicsToMoveJson,
  partitionName, compareTopicPartitions, type PartitionTarget, type ReassignmentFile,
} from './reassignment-json.ts';
import {
  brokersForProposal, followerThrottles, leaderThrottles, ongoingReassignmentsText, plural, progressLine, proposedMoveMap,
  proposeAssignment, reassigningBrokers, reassignmentStatesText, rollbackText,
} from './reassignment-plan.ts';
import { clearAllThrottles, currentAssignment, reassignmentStates, waitForReassignments } from './reassignment-state.ts';
import { executeLogDirMoves, logDirMovesText } from './reassignment-log-dirs.ts';

export const reassignPartitionsUsage = `Usage: samsa reassign-partitions --bootstrap-server <host:port> <action> [options]   (kafka-reassign-partitions)

Moves partitions' replicas between brokers. Actions (exactly one):
  --generate                   propose a new assignment of --topics-to-move-json-file's topics over --broker-list
  --execute                    start the reassignment in --reassignment-json-file
  --verify                     report whether the file's reassignments are complete; once all are, clear the throttles
  --cancel                     cancel the file's reassignments that are under way; clear the throttles
  --list                       list the reassignments under way
Options:
  --topics-to-move-json-file <file>   {"version":1,"topics":[{"topic":"t"}]}
  --broker-list <ids>                 brokers to propose, e.g. "1,2,3" (--generate)
  --disable-rack-aware                propose without regard to the brokers' racks (--generate)
  --reassignment-json-file <file>     {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}
                                      (what --generate proposes; "log_dirs" may be left out)
  --additional                        execute although other reassignments are under way (also to change the throttle)
  --throttle <bytes/s>                cap the reassignment's replication: leader/follower.replication.throttled.rate on the
                                      brokers involved and the throttled-replicas configs of the topics (--execute)
  --replica-alter-log-dirs-throttle <bytes/s>  replica.alter.log.dirs.io.max.bytes.per.second on brokers moving
                                      replicas between their log directories (--execute)
  --timeout <ms>                      how long to wait for log directory moves to start (--execute, --cancel; default 10000)
  --preserve-throttles                leave the throttles in place (--verify, --cancel, --execute --wait)
  --wait                              (samsa) with --execute or --verify: wait until the file's reassignments complete,
                                      showing progress on stderr, then verify as --verify does
  --command-config <file>             admin client properties (client.id, request.timeout.ms, ...)
`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' }, 'command-config': { type: 'string' },
  generate: { type: 'boolean' }, execute: { type: 'boolean' }, verify: { type: 'boolean' }, cancel: { type: 'boolean' }, list: { type: 'boolean' },
  'topics-to-move-json-file': { type: 'string' }, 'broker-list': { type: 'string' }, 'disable-rack-aware': { type: 'boolean' },
  'reassignment-json-file': { type: 'string' }, additional: { type: 'boolean' }, throttle: { type: 'string' },
  'replica-alter-log-dirs-throttle': { type: 'string' }, timeout: { type: 'string' }, 'preserve-throttles': { type: 'boolean' },
  wait: { type: 'boolean' },
} as const satisfies OptionSpecs;

const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'] as const;
type Action = typeof ACTIONS[number];

/** Each action's required options, then the others it accepts (Kafka's tool refuses the rest). */
const REQUIRED: Record<Action, readonly string[]> = {
  generate: ['topics-to-move-json-file', 'broker-list'], execute: ['reassignment-json-file'],
  verify: ['reassignment-json-file'], cancel: ['reassignment-json-file'], list: [],
};
const PERMITTED: Record<Action, readonly string[]> = {
  generate: ['disable-rack-aware'],
  execute: ['additional', 'throttle', 'replica-alter-log-dirs-throttle', 'timeout', 'wait', 'preserve-throttles'],
  verify: ['preserve-throttles', 'wait'], cancel: ['preserve-throttles', 'timeout'], list: [],
};

const CANNOT_EXECUTE_BECAUSE_OF_EXISTING = 'Cannot execute because there is an existing partition assignment.  Use --additional to ' +
  'override this and create a new partition assignment in addition to the existing one. The --additional flag can also be used ' +
  'to change the throttle by resubmitting the current reassignment.';

type Values = ParsedOptions['values'];

/** Parses and checks the command line: one action, its required options, nothing it does not take. */
export function reassignAction(values: Values): Action {
  const given = ACTIONS.filter((a) => flag(values, a));
  if (given.length !== 1) throw new UsageError(`Command must include exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`);
  const action = given[0]!;
  if (stringOption(values, 'bootstrap-server') === undefined) throw new UsageError('missing required option --bootstrap-server');
  for (const option of REQUIRED[action]) requireOption(values, option, `with --${action}`);
  const allowed = new Set<string>([action, 'help', 'bootstrap-server', 'command-config', ...REQUIRED[action], ...PERMITTED[action]]);
  for (const [option, value] of Object.entries(values)) {
    if (value !== undefined && !allowed.has(option)) throw new UsageError(`Option "--${option}" can't be used with action "--${action}"`);
  }
  if (flag(values, 'preserve-throttles') && action === 'execute' && !flag(values, 'wait')) {
    throw new UsageError('--preserve-throttles is for --verify and --cancel (or --execute --wait)');
  }
  return action;
}

async function readJsonFile(values: Values, option: string): Promise<string> {
  const file = requireOption(values, option);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Cancelling a move between a broker's log directories is not done yet: --execute and --verify handle them. */
function refuseLogDirMoves(file: ReassignmentFile): void {
  const move = file.logDirMoves[0];
  if (move === undefined) return;
  throw new UsageError(`cancelling moves between a broker's log directories ("log_dirs" other than "any") is not supported: ` +
    `${partitionName(move)} on broker ${move.broker} to ${move.logDir}`);
}

export async function runReassignPartitionsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(reassignPartitionsUsage);
    return EXIT_OK;
  }
  const action = reassignAction(values);
  // Files are read and checked before connecting, so a bad file is reported at once.
  const topics = action === 'generate' ? parseTopicsToMoveJson(await readJsonFile(values, 'topics-to-move-json-file')) : [];
  const brokerList = action === 'generate' ? parseBrokerList(stringOption(values, 'broker-list')!) : [];
  const reassignmentText = action === 'generate' || action === 'list' ? '' : await readJsonFile(values, 'reassignment-json-file');
  const file = action === 'execute' ? parseExecuteReassignmentJson(reassignmentText) : action === 'verify' || action === 'cancel' ? parseReassignmentJson(reassignmentText) : null;
  if (file !== null && action === 'cancel') refuseLogDirMoves(file);
  const interBrokerThrottle = intOption(values, 'throttle', { min: -1 }) ?? -1;
  const logDirThrottle = intOption(values, 'replica-alter-log-dirs-throttle', { min: -1 }) ?? -1;
  const timeoutMs = intOption(values, 'timeout', { min: 0 }) ?? 10_000;
  return withAdmin(values, 'reassign-partitions', io, async (admin) => {
    switch (action) {
      case 'generate': return generate(admin, topics, brokerList, !flag(values, 'disable-rack-aware'), io);
      case 'execute': return execute(admin, file!, { additional: flag(values, 'additional'), interBrokerThrottle, logDirThrottle, timeoutMs }, values, io);
      case 'verify': return verify(admin, file!, flag(values, 'preserve-throttles'), flag(values, 'wait'), io);
      case 'cancel': return cancel(admin, file!, flag(values, 'preserve-throttles'), io);
      case 'list': return list(admin, io);
    }
  });
}

async function generate(admin: Admin, topics: readonly string[], brokerList: readonly number[], rackAware: boolean, io: CliIo): Promise<number> {
  const current = await currentAssignment(admin, topics.map((topic) => ({ topic })));
  const { brokers } = await admin.describeCluster();
  const proposal = proposeAssignment(current, brokersForProposal(brokers, brokerList, rackAware), Math.random);
  io.stdout(`Current partition replica assignment\n${formatAsReassignmentJson(current)}\n\n`);
  io.stdout(`Proposed partition reassignment configuration\n${formatAsReassignmentJson(proposal)}\n`);
  return EXIT_OK;
}

interface ExecuteOptions { readonly additional: boolean; readonly interBrokerThrottle: number; readonly logDirThrottle: number; readonly timeoutMs: number }

async function execute(admin: Admin, file: ReassignmentFile, options: ExecuteOptions, values: Values, io: CliIo): Promise<number> {
  const ongoing = await admin.listPartitionReassignments();
  if (!options.additional && ongoing.length > 0) throw new Error(CANNOT_EXECUTE_BECAUSE_OF_EXISTING);
  const known = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  const unknown = file.partitions.flatMap((p) => p.replicas).find((b) => !known.has(b));
  if (unknown !== undefined) throw new Error(`Unknown broker id ${unknown}`);
  const current = await currentAssignment(admin, file.partitions);
  io.stdout(rollbackText(current));
  if (options.interBrokerThrottle >= 0 || options.logDirThrottle >= 0) {
    io.stdout('Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.\n');
    if (options.interBrokerThrottle >= 0) await setReplicationThrottle(admin, proposedMoveMap(ongoing, file.partitions, current), options.interBrokerThrottle, io);
    if (options.logDirThrottle >= 0) await setLogDirThrottle(admin, file, options.logDirThrottle, io);
  }
  const results = await admin.alterPartitionReassignments(file.partitions.map((p) => ({ ...p, replicas: [...p.replicas] })));
  const failed = results.filter((r) => r.error !== null).sort(compareTopicPartitions);
  if (failed.length > 0) throw new Error(`Error reassigning partition(s):\n${failed.map((r) => `${partitionName(r)}: ${r.error!.message}`).join('\n')}`);
  const started = [...file.partitions].sort(compareTopicPartitions);
  io.stdout(`Successfully started partition reassignment${plural(started.length)} for ${started.map(partitionName).join(',')}\n`);
  await executeLogDirMoves(admin, file.logDirMoves, options.timeoutMs, io);
  if (!flag(values, 'wait')) return EXIT_OK;
  return verify(admin, file, flag(values, 'preserve-throttles'), true, io);
}

/** Topic throttles first, then the brokers' rates, as Kafka's tool sets them. */
async function setReplicationThrottle(admin: Admin, moves: ReturnType<typeof proposedMoveMap>, rate: number, io: CliIo): Promise<void> {
  const leaders = leaderThrottles(moves);
  const followers = followerThrottles(moves);
  for (const topic of [...new Set([...leaders.keys(), ...followers.keys()])].sort()) {
    await admin.incrementalAlterConfigs([{
      type: 'topic', name: topic, ops: [
        ...(leaders.has(topic) ? [{ name: 'leader.replication.throttled.replicas', op: 'set' as const, value: leaders.get(topic)! }] : []),
        ...(followers.has(topic) ? [{ name: 'follower.replication.throttled.replicas', op: 'set' as const, value: followers.get(topic)! }] : []),
      ],
    }]);
  }
  await admin.incrementalAlterConfigs(reassigningBrokers(moves).map((broker) => ({
    type: 'broker' as const, name: String(broker), ops: [
      { name: 'leader.replication.throttled.rate', op: 'set' as const, value: String(rate) },
      { name: 'follower.replication.throttled.rate', op: 'set' as const, value: String(rate) },
    ],
  })));
  io.stdout(`The inter-broker throttle limit was set to ${rate} B/s\n`);
}

/** Only brokers moving a replica between their own log directories are capped. */
async function setLogDirThrottle(admin: Admin, file: ReassignmentFile, rate: number, io: CliIo): Promise<void> {
  const moving = [...new Set(file.logDirMoves.map((m) => m.broker))].sort((a, b) => a - b);
  await admin.incrementalAlterConfigs(moving.map((broker) => ({
    type: 'broker' as const, name: String(broker), ops: [{ name: 'replica.alter.log.dirs.io.max.bytes.per.second', op: 'set' as const, value: String(rate) }],
  })));
  io.stdout(`The replica-alter-dir throttle limit was set to ${rate} B/s\n`);
}

async function verify(admin: Admin, file: ReassignmentFile, preserveThrottles: boolean, wait: boolean, io: CliIo): Promise<number> {
  if (wait) {
    const progress = new Progress(io);
    await waitForReassignments(admin, file.partitions, (ongoing) => {
      const line = progressLine(file.partitions.length, ongoing);
      if (io.stderrIsTerminal === true) progress.update(line, { force: true });
      else io.stderr(`${line}\n`);
    });
    progress.done();
  }
  const { states, anyOngoing } = await reassignmentStates(admin, file.partitions);
  io.stdout(reassignmentStatesText(states));
  const moves = await logDirMovesText(admin, file.logDirMoves);
  io.stdout(moves.text);
  if (!anyOngoing && !moves.anyOngoing && !preserveThrottles) await clearAllThrottles(admin, file.partitions, io);
  return EXIT_OK;
}

async function cancel(admin: Admin, file: ReassignmentFile, preserveThrottles: boolean, io: CliIo): Promise<number> {
  const targets: PartitionTarget[] = file.partitions;
  const ongoing = await admin.listPartitionReassignments(targets);
  const cancelling = ongoing.filter((r) => r.addingReplicas.length > 0 || r.removingReplicas.length > 0).sort(compareTopicPartitions);
  if (cancelling.length > 0) {
    const results = await admin.alterPartitionReassignments(cancelling.map((r) => ({ topic: r.topic, partition: r.partition, replicas: null })));
    const failed = results.filter((r) => r.error !== null).sort(compareTopicPartitions);
    if (failed.length > 0) {
      throw new Error(`Error cancelling partition reassignment${plural(failed.length)} for:\n${failed.map((r) => `${partitionName(r)}: ${r.error!.message}`).join('\n')}`);
    }
    io.stdout(`Successfully cancelled partition reassignment${plural(cancelling.length)} for: ${cancelling.map(partitionName).join(',')}\n`);
  } else {
    io.stdout('None of the specified partition reassignments are active.\n');
  }
  // Log directory moves are refused when the file is read, so none can be active.
  io.stdout('None of the specified partition moves are active.\n');
  if (!preserveThrottles) await clearAllThrottles(admin, targets, io);
  return EXIT_OK;
}

async function list(admin: Admin, io: CliIo): Promise<number> {
  io.stdout(ongoingReassignmentsText(await admin.listPartitionReassignments()));
  return EXIT_OK;
}
