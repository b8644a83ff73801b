/** Numbers, sizes and times as a person reads them. */

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : n.toLocaleString('en-US');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || bytes < 0) return '–';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

export function formatRate(perSecond: number, unit: 'bytes' | 'messages'): string {
  return unit === 'bytes' ? `${formatBytes(Math.round(perSecond))}/s` : `${formatNumber(Math.round(perSecond))}/s`;
}

/** Local time with milliseconds, the way a log line shows it. */
export function formatTimestamp(ms: number): string {
  if (ms < 0) return '–';
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function compareText(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function compareNumber(a: number | null, b: number | null): number {
  return (a ?? -1) - (b ?? -1);
}
