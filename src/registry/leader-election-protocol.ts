/**
 * The group protocol Confluent's registry instances elect their leader with (its
 * SchemaRegistryProtocol): protocol type "sr", one protocol "v0", each member's metadata the JSON of
 * its identity, and the group leader's assignment the same JSON for every member, naming the
 * registry leader. The JSON is Confluent's, so instances of both could share one group.
 */

export const PROTOCOL_TYPE = 'sr';
export const PROTOCOL_NAME = 'v0';
/** schema.registry.group.id's default. */
export const DEFAULT_GROUP_ID = 'schema-registry';

/** Who an instance is: where it serves, and whether it may lead (leader.eligibility). */
export interface SchemaRegistryIdentity {
  readonly version: number;
  readonly host: string;
  readonly port: number;
  readonly scheme: string;
  readonly leaderEligibility: boolean;
}

/** Assignment.error: no error, or two members advertise one URL (Confluent's DUPLICATE_URLS). */
export const NO_ERROR = 0;
export const DUPLICATE_URLS = 1;

export interface LeaderAssignment {
  readonly version: number;
  readonly error: number;
  /** The leader's member id; null when no member is eligible. */
  readonly leader: string | null;
  readonly leaderIdentity: SchemaRegistryIdentity | null;
}

export function identityUrl(identity: SchemaRegistryIdentity): string {
  const host = identity.host.includes(':') ? `[${identity.host}]` : identity.host;
  return `${identity.scheme}://${host}:${identity.port}`;
}

function identityJson(identity: SchemaRegistryIdentity): Record<string, unknown> {
  return { version: identity.version, host: identity.host, port: identity.port, scheme: identity.scheme, leader_eligibility: identity.leaderEligibility };
}

/** Confluent before 6.x spelled "leader" as "master": either is read. */
function identityFrom(value: unknown): SchemaRegistryIdentity | null {
  if (typeof value !== 'object' || value === null) return null;
  const o = value as Record<string, unknown>;
  if (typeof o.host !== 'string' || typeof o.port !== 'number') return null;
  const eligibility = o.leader_eligibility ?? o.master_eligibility;
  return {
    version: typeof o.version === 'number' ? o.version : 1, host: o.host, port: o.port,
    scheme: typeof o.scheme === 'string' ? o.scheme : 'http', leaderEligibility: eligibility !== false,
  };
}

function parseJson(bytes: Buffer | null): unknown {
  if (bytes === null || bytes.length === 0) return null;
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

export function encodeIdentity(identity: SchemaRegistryIdentity): Buffer {
  return Buffer.from(JSON.stringify(identityJson(identity)));
}

export function decodeIdentity(bytes: Buffer | null): SchemaRegistryIdentity | null {
  return identityFrom(parseJson(bytes));
}

export function encodeAssignment(assignment: LeaderAssignment): Buffer {
  return Buffer.from(JSON.stringify({
    version: assignment.version, error: assignment.error, leader: assignment.leader,
    leader_identity: assignment.leaderIdentity === null ? null : identityJson(assignment.leaderIdentity),
  }));
}

/** An assignment that cannot be read names no leader: writes wait for the next rebalance. */
export function decodeAssignment(bytes: Buffer | null): LeaderAssignment {
  const o = parseJson(bytes) as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object') return { version: 1, error: NO_ERROR, leader: null, leaderIdentity: null };
  const leader = o.leader ?? o.master;
  return {
    version: typeof o.version === 'number' ? o.version : 1,
    error: typeof o.error === 'number' ? o.error : NO_ERROR,
    leader: typeof leader === 'string' ? leader : null,
    leaderIdentity: identityFrom(o.leader_identity ?? o.master_identity),
  };
}

/**
 * The group leader's choice, as Confluent's SchemaRegistryCoordinator makes it: the eligible member
 * with the smallest URL (compared as text), so every group leader picks the same one. When two
 * members advertise the same URL the assignment carries DUPLICATE_URLS, and members take no leader
 * from it: forwarding could not tell the two apart. Every member gets the same assignment.
 */
export function assignLeader(members: ReadonlyArray<{ memberId: string; metadata: Buffer }>): Array<{ memberId: string; assignment: Buffer }> {
  const identities = members.map((m) => ({ memberId: m.memberId, identity: decodeIdentity(m.metadata) }));
  const urls = identities.flatMap((m) => (m.identity === null ? [] : [identityUrl(m.identity)]));
  const duplicate = new Set(urls).size !== urls.length;
  const eligible = identities.filter((m) => m.identity?.leaderEligibility === true)
    .map((m) => ({ ...m, url: identityUrl(m.identity!) }))
    .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  const chosen = eligible[0];
  const assignment = encodeAssignment({
    version: 1, error: duplicate ? DUPLICATE_URLS : NO_ERROR, leader: chosen?.memberId ?? null, leaderIdentity: chosen?.identity ?? null,
  });
  return members.map((m) => ({ memberId: m.memberId, assignment }));
}
