import { CONTENT_TYPE } from './registry-http.ts';
import { RegistryError } from './registry-errors.ts';

/** A write request as the client sent it, to be sent on to the leader unchanged. */
export interface WriteRequest {
  readonly method: string;
  /** The path with its query, as received: /subjects/s/versions?normalize=true */
  readonly path: string;
  /** The parsed JSON body; undefined when there was none. */
  readonly body: unknown;
  /** Set on a request another instance forwarded: it is not forwarded again, so two confused instances cannot bounce it. */
  readonly forwarded: boolean;
}

/** Marks a forwarded request (Confluent's forwarding adds nothing, but nothing reads this but us). */
export const FORWARDED_HEADER = 'x-samsa-forwarded-by';

export const unknownLeader = (): RegistryError => new RegistryError(500, 50004, 'Leader not known.');
export const forwardingFailed = (message: string): RegistryError => new RegistryError(500, 50003, message);

/**
 * Sends a write on to the leader and relays its answer, as Confluent's registry does: the leader
 * computes ids and versions on its own state, so an instance never decides them from a state that
 * may be behind. The leader's error answers are relayed as they are; failing to reach it is 50003.
 */
export async function forwardToLeader(leaderUrl: string, request: WriteRequest, selfUrl: string, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(leaderUrl + request.path, {
      method: request.method,
      headers: {
        'content-type': CONTENT_TYPE, accept: CONTENT_TYPE, [FORWARDED_HEADER]: selfUrl,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw forwardingFailed(`Error while forwarding the request to the leader ${leaderUrl}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const text = await response.text().catch(() => '');
  let answer: unknown;
  try {
    answer = text === '' ? undefined : JSON.parse(text) as unknown;
  } catch {
    throw forwardingFailed(`Error while forwarding the request to the leader ${leaderUrl}: its answer (HTTP ${response.status}) is not JSON`);
  }
  if (response.ok) return answer;
  const error = answer as { error_code?: unknown; message?: unknown } | undefined;
  throw new RegistryError(
    response.status,
    typeof error?.error_code === 'number' ? error.error_code : response.status,
    typeof error?.message === 'string' ? error.message : `HTTP ${response.status} from the leader`,
  );
}
