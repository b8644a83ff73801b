import { codecName, emitFile, flexibleMin } from './emit-message.ts';
import { apiName, kebabCase } from './names.ts';
import type { MessageSpec } from './spec.ts';

/** api-keys.ts (the table of every API) and the header version rules. */

export interface ApiPair {
  readonly request: MessageSpec;
  readonly response: MessageSpec;
}

export function apiFileName(pair: ApiPair): string {
  return kebabCase(apiName(pair.request.name));
}

export function emitApiKeys(pairs: readonly ApiPair[]): string {
  const imports = pairs.map(
    (p) => `import { ${codecName(p.request)}, ${codecName(p.response)} } from './${apiFileName(p)}.ts';`,
  );
  const keys = pairs.map((p) => `  ${apiName(p.request.name)}: ${p.request.apiKey},`);
  const specs = pairs.map((p) => {
    const r = p.request;
    return [
      '  {',
      `    apiKey: ${r.apiKey},`,
      `    name: '${apiName(r.name)}',`,
      `    minVersion: ${r.validVersions.min},`,
      `    maxVersion: ${r.validVersions.max},`,
      `    flexibleMinVersion: ${flexibleMin(r)},`,
      `    latestVersionUnstable: ${r.latestVersionUnstable},`,
      `    listeners: [${r.listeners.map((l) => `'${l}'`).join(', ')}],`,
      `    request: ${codecName(r)},`,
      `    response: ${codecName(p.response)},`,
      '  },',
    ].join('\n');
  });
  const body = [
    [
      "export { requestHeaderVersion } from './request-header.ts';",
      "export { responseHeaderVersion } from './response-header.ts';",
    ].join('\n'),
    ['export const ApiKey = {', ...keys, '} as const;'].join('\n'),
    [
      'export interface ApiSpec {',
      '  apiKey: number;',
      '  name: string;',
      '  minVersion: number;',
      '  maxVersion: number;',
      '  flexibleMinVersion: number;',
      '  latestVersionUnstable: boolean;',
      '  listeners: readonly string[];',
      '  request: MessageCodec<unknown>;',
      '  response: MessageCodec<unknown>;',
      '}',
    ].join('\n'),
    ['export const apiSpecs: readonly ApiSpec[] = [', ...specs, '];'].join('\n'),
    [
      'export function apiSpec(apiKey: number): ApiSpec | undefined {',
      '  const spec = apiSpecs[apiKey];',
      '  return spec !== undefined && spec.apiKey === apiKey ? spec : apiSpecs.find((s) => s.apiKey === apiKey);',
      '}',
    ].join('\n'),
  ];
  return emitFile(body, imports);
}

/** A table of the first flexible version of every API, indexed by API key. */
function flexibleTable(pairs: readonly ApiPair[]): string {
  const maxKey = Math.max(...pairs.map((p) => p.request.apiKey));
  const values: string[] = [];
  for (let key = 0; key <= maxKey; key++) {
    const pair = pairs.find((p) => p.request.apiKey === key);
    values.push(String(pair === undefined ? Infinity : flexibleMin(pair.request)));
  }
  const rows: string[] = [];
  for (let i = 0; i < values.length; i += 10) rows.push(`  ${values.slice(i, i + 10).join(', ')},`);
  return ['/** The first flexible version of each API, indexed by API key (Infinity: never flexible). */',
    'const FLEXIBLE_MIN_VERSIONS: readonly number[] = [', ...rows, '];'].join('\n');
}

export function emitHeaderVersionFunction(kind: 'request' | 'response', pairs: readonly ApiPair[]): string {
  const controlledShutdown = pairs.find((p) => p.request.name === 'ControlledShutdownRequest')?.request.apiKey;
  const apiVersions = pairs.find((p) => p.request.name === 'ApiVersionsRequest')?.request.apiKey;
  const fn =
    kind === 'request'
      ? [
          '/**',
          ' * The request header version for an API version: 2 when the body is flexible, else 1;',
          ' * ControlledShutdown v0 alone uses 0. Unknown API keys get 1, enough to read the correlation id.',
          ' */',
          'export function requestHeaderVersion(apiKey: number, apiVersion: number): number {',
          `  if (apiKey === ${controlledShutdown} && apiVersion === 0) return 0;`,
          '  const flexibleMinVersion = FLEXIBLE_MIN_VERSIONS[apiKey];',
          '  return flexibleMinVersion !== undefined && apiVersion >= flexibleMinVersion ? 2 : 1;',
          '}',
        ]
      : [
          '/**',
          ' * The response header version for an API version: 1 when the body is flexible, else 0.',
          ' * ApiVersions responses always use 0 so that a client can read any version of them (KIP-511).',
          ' */',
          'export function responseHeaderVersion(apiKey: number, apiVersion: number): number {',
          `  if (apiKey === ${apiVersions}) return 0;`,
          '  const flexibleMinVersion = FLEXIBLE_MIN_VERSIONS[apiKey];',
          '  return flexibleMinVersion !== undefined && apiVersion >= flexibleMinVersion ? 1 : 0;',
          '}',
        ];
  return `${flexibleTable(pairs)}\n\n${fn.join('\n')}`;
}
