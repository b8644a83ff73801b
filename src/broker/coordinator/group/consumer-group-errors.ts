import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';

/** The member's epoch is ahead of or behind the coordinator's: it must give up its partitions and rejoin. */
export class FencedMemberEpochError extends KafkaError {
  constructor(message: string) {
    super(ErrorCode.FENCED_MEMBER_EPOCH, message);
  }
}

export function invalidRequest(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_REQUEST, message);
}

export function unknownMember(message: string): KafkaError {
  return new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, message);
}

export function groupIdNotFound(message: string): KafkaError {
  return new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, message);
}
