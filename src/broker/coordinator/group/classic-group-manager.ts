import type { ShardContext } from '../runtime/coordinator-runtime.ts';
import type { Group } from './group.ts';
import type { OffsetMetadataManager } from './offset-metadata-manager.ts';

/** Placeholder until the classic group manager lands (its owner replaces this file entirely). */
export class ClassicGroupManager {
  constructor(_context: ShardContext, _groups: Map<string, Group>, _offsets: OffsetMetadataManager) {}

  replay(_type: number, _key: unknown, _value: unknown | null): void {}
}
