/**
 * Kafka's spec files are JSON with comments (Jackson's ALLOW_COMMENTS): `//` to the end of the line
 * and `/* ... *\/`. Removing them outside strings, rather than with a regular expression, keeps an
 * `about` text that quotes a URL intact.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === '/' && text[i + 1] === '/') {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? text.length : newline;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) throw new Error('unterminated /* comment');
      i = close + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The index just past the closing quote of the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}
