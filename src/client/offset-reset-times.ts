/**
 * The times kafka-consumer-groups --reset-offsets takes, as milliseconds (null when the text is not
 * one), shared by the CLI and the console so both read them alike.
 */

/** ISO-8601 durations as --by-duration takes them: PnDTnHnMnS (fractions of seconds too). */
export function parseIsoDurationMs(text: string): number | null {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (match === null || text.toUpperCase() === 'P' || text.toUpperCase().endsWith('T')) return null;
  const [, d, h, m, s] = match;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60_000 + Math.round(Number(s ?? 0) * 1000);
}

/** --to-datetime: YYYY-MM-DDTHH:mm:SS.sss with an optional zone (Z, +hh:mm); no zone is local time, as in Kafka. */
export function parseResetDatetime(text: string): number | null {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text) ? Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
  return Number.isNaN(ms) ? null : ms;
}
