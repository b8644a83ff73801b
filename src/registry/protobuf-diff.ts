import type { ProtoFile } from './protobuf-format.ts';

/** Placeholder until the rules land: every change is compatible. */
export function protobufIncompatibilities(_reader: ProtoFile, _writer: ProtoFile): string[] {
  return [];
}
