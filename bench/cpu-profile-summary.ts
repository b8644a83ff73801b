/**
 * The hot spots of a V8 CPU profile (`node --cpu-prof`, as `bench/clients.ts --clients-profile DIR`
 * writes): `node bench/cpu-profile-summary.ts <file.cpuprofile> [top=25]`.
 *
 * Prints, per function (file:line function), its self samples (the function itself on top of the
 * stack) and its total samples (anywhere on the stack), as % of all samples; "(idle)",
 * "(program)" and "(garbage collector)" are V8's own buckets.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../test/helpers/test-broker.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

export interface HotSpot {
  readonly name: string;
  readonly selfPercent: number;
  readonly totalPercent: number;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') return functionName === '' ? '(anonymous)' : functionName;
  let file = url;
  try {
    file = url.startsWith('file:') ? relative(REPO_ROOT, fileURLToPath(url)) : url;
  } catch {
    // keep the URL as it is
  }
  return `${file}:${lineNumber + 1} ${functionName === '' ? '(anonymous)' : functionName}`;
}

export function hotSpots(profile: CpuProfile): HotSpot[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const id of profile.samples) {
    const leaf = byId.get(id);
    if (leaf === undefined) continue;
    const leafName = frameName(leaf);
    self.set(leafName, (self.get(leafName) ?? 0) + 1);
    // Count a function once per sample even when it recurses.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node === undefined) break;
      const name = frameName(node);
      if (seen.has(name) || name === '(root)') continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + 1);
    }
  }
  const samples = profile.samples.length || 1;
  return [...total.keys()].map((name) => ({
    name, selfPercent: ((self.get(name) ?? 0) * 100) / samples, totalPercent: ((total.get(name) ?? 0) * 100) / samples,
  }));
}

function main(): void {
  const [file, top = '25'] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: node bench/cpu-profile-summary.ts <file.cpuprofile> [top]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const spots = hotSpots(profile);
  console.log(`${profile.samples.length} samples`);
  console.log('  self %  total %  function');
  for (const spot of [...spots].sort((a, b) => b.selfPercent - a.selfPercent).slice(0, Number(top))) {
    console.log(`${spot.selfPercent.toFixed(1).padStart(8)} ${spot.totalPercent.toFixed(1).padStart(8)}  ${spot.name}`);
  }
}

if (import.meta.main) main();
