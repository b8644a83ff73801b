/** A record's key or value, switchable between text, JSON and hex. */
import { useState } from 'preact/hooks';
import type { RenderedSchema } from '../../api-types.ts';
import { Badge } from './status.tsx';
import { formatValue, type ValueFormat } from './value-format.ts';

const FORMATS: readonly ValueFormat[] = ['auto', 'text', 'json', 'hex'];

export interface ValueViewerProps {
  readonly label: string;
  readonly bytes: Uint8Array | null;
  readonly testId?: string;
  /** Set when the console decoded the bytes with the schema registry: `bytes` are then the record as JSON. */
  readonly schema?: RenderedSchema | undefined;
}

export function ValueViewer({ label, bytes, testId, schema }: ValueViewerProps) {
  const [format, setFormat] = useState<ValueFormat>('auto');
  const shown = bytes === null ? undefined : formatValue(bytes, format);
  return (
    <div class="value-viewer" data-testid={testId}>
      <div class="toolbar" style={{ marginBottom: '6px', alignItems: 'center' }}>
        <strong>{label}</strong>
        {schema === undefined ? null : <Badge>schema id {schema.id} · {schema.type}</Badge>}
        <span class="muted">{bytes === null ? 'null' : `${bytes.length} bytes${format === 'auto' && shown ? `, shown as ${shown.shown}` : ''}`}</span>
        <div class="segmented" role="group" aria-label={`${label} format`}>
          {FORMATS.map((f) => (
            <button type="button" key={f} aria-pressed={f === format} onClick={() => setFormat(f)}>
              {f}
            </button>
          ))}
        </div>
      </div>
      <pre class="mono" data-format={shown?.shown}>{shown === undefined ? '(null)' : shown.text}</pre>
    </div>
  );
}
