import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessageCodec } from '../../src/protocol/primitives/message-codec.ts';
import { DEFAULT_OUT_DIR } from './main.ts';

/** Test support: every codec the committed generated code exports, by message name. */
export async function loadGeneratedCodecs(dir = DEFAULT_OUT_DIR): Promise<Map<string, MessageCodec<unknown>>> {
  const codecs = new Map<string, MessageCodec<unknown>>();
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const module = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (isCodec(value)) codecs.set(value.name, value);
    }
  }
  return codecs;
}

function isCodec(value: unknown): value is MessageCodec<unknown> {
  return (
    typeof value === 'object' && value !== null && 'encode' in value && 'decode' in value && 'name' in value &&
    typeof value.name === 'string'
  );
}
