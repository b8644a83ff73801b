/** One message: where it is, its key and value (text, JSON or hex) and its headers. */
import type { Message } from '../../api-types.ts';
import { renderedToBytes } from '../components/value-format.ts';
import { ValueViewer } from '../components/value-viewer.tsx';
import { formatNumber, formatTimestamp } from '../format.ts';

export function MessageDetail({ message, onClose }: { readonly message: Message; readonly onClose: () => void }) {
  const truncated = [message.key, message.value].some((r) => r?.truncated);
  return (
    <section class="panel" aria-label="Message" data-testid="message-detail">
      <div class="toolbar" style={{ alignItems: 'center', marginBottom: '8px' }}>
        <h2 style={{ margin: 0 }}>
          Partition {message.partition}, offset {message.offset}
        </h2>
        <span class="muted">
          {formatTimestamp(message.timestamp)} ({message.timestampType}) · {formatNumber(message.sizeBytes)} bytes
          {truncated ? ' · shown in part (larger than the server renders)' : ''}
        </span>
        <span style={{ flex: 1 }} />
        <button type="button" onClick={onClose} aria-label="Close the message">
          Close
        </button>
      </div>
      <div class="grid-2">
        <ValueViewer label="Key" bytes={renderedToBytes(message.key)} schema={message.key?.schema} testId="message-key" />
        <ValueViewer label="Value" bytes={renderedToBytes(message.value)} schema={message.value?.schema} testId="message-value" />
      </div>
      {message.headers.length > 0 ? (
        <>
          <h2 style={{ marginTop: '12px' }}>Headers</h2>
          <dl class="kv mono" data-testid="message-headers">
            {message.headers.map((h, i) => (
              <>
                <dt key={`k${i}`}>{h.key}</dt>
                <dd key={`v${i}`}>{h.value === null ? 'null' : h.value.encoding === 'hex' ? `0x${h.value.data}` : h.value.data}</dd>
              </>
            ))}
          </dl>
        </>
      ) : null}
    </section>
  );
}
