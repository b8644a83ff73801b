/**
 * Java's `.properties` text format, as java.util.Properties load()s and store()s it: the format of
 * server.properties, of meta.properties in every log dir and of the tools' client config files.
 * The one reader and writer of it in Samsa; it lives in protocol because storage, broker and cli all
 * read these files and protocol is the layer under all three. Pure text in, text out: callers read
 * and write the files.
 *
 * Reading (Properties.load; logicalLines follows Java's LineReader step for step, so its corner
 * cases are Java's too):
 * - lines end at `\n`, `\r\n` or `\r`; leading ` `, `\t`, `\f` of every line are dropped;
 * - a line whose first other character is `#` or `!` is a comment (a comment never continues);
 * - a line ending in an odd number of backslashes continues on the next (whose leading whitespace
 *   is dropped); a blank line ends the continuation; a backslash ending the text is dropped;
 * - the key ends at the first unescaped `=`, `:`, ` `, `\t` or `\f`; the separator is whitespace,
 *   optionally one `=` or `:`, then whitespace; the rest of the line, trailing whitespace included,
 *   is the value;
 * - in keys and values `\t \n \r \f` are the control characters, `\uXXXX` (exactly four hex digits)
 *   a UTF-16 code unit, and a backslash before any other character stands for that character;
 * - the last occurrence of a key wins.
 * Java reads an InputStream as ISO-8859-1; the callers here read UTF-8, which agrees for every file
 * whose non-ASCII characters are written as `\uXXXX`, as store() (and formatProperties) write them.
 */

/** The only error parseProperties throws: a malformed `\uXXXX` escape (Java: IllegalArgumentException). */
export class PropertiesSyntaxError extends Error {
  override readonly name = 'PropertiesSyntaxError';
  /** The escaped key or value text that holds the bad escape. */
  readonly text: string;

  constructor(text: string, message: string) {
    super(message);
    this.text = text;
  }
}

export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const line of logicalLines(text)) {
    const { key, value } = splitKeyValue(line);
    properties.set(unescape(key), unescape(value));
  }
  return properties;
}

/**
 * Properties text as Properties.store writes it: each comment as a `#` line, then `key=value`
 * lines in the order given, `\n`-terminated. Keys escape every space, values only a leading one;
 * `\`, `=`, `:`, `#`, `!` are backslash-escaped, `\t \n \r \f` written as such, and every other
 * character outside printable ASCII as `\uXXXX`, so the text is ASCII and parseProperties (or Java)
 * reads back exactly the entries given.
 */
export function formatProperties(entries: Iterable<readonly [string, string]>, comments: readonly string[] = []): string {
  let out = '';
  for (const comment of comments) {
    for (const line of comment.split(/\r\n|\r|\n/)) out += `#${escapeNonAscii(line)}\n`;
  }
  for (const [key, value] of entries) out += `${escape(key, true)}=${escape(value, false)}\n`;
  return out;
}

function isWhitespace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\f';
}

/**
 * The logical lines of the text, continuations joined, comments and blank lines gone: Java's
 * LineReader.readLine. While a logical line is still empty (also after `\` and a line end) it is
 * as if none had begun: a `#` starts a comment and a blank line is skipped. At the end of the text
 * (or a line end right before it) a trailing backslash is dropped, so a lone `\` there is a line.
 */
function* logicalLines(text: string): Generator<string> {
  let off = 0;
  for (;;) {
    let line = '';
    let skipWhitespace = true;
    let appendedLineBegin = false;
    let precedingBackslash = false;
    for (;;) {
      if (off >= text.length) {
        if (line !== '') yield precedingBackslash ? line.slice(0, -1) : line;
        return;
      }
      const char = text[off++]!;
      if (skipWhitespace) {
        if (isWhitespace(char) || (!appendedLineBegin && (char === '\r' || char === '\n'))) continue;
        skipWhitespace = false;
        appendedLineBegin = false;
      }
      if (line === '' && (char === '#' || char === '!')) {
        while (off < text.length && text[off] !== '\r' && text[off] !== '\n') off++;
        if (off >= text.length) return;
        off++;
        skipWhitespace = true;
        continue;
      }
      if (char !== '\n' && char !== '\r') {
        line += char;
        precedingBackslash = char === '\\' ? !precedingBackslash : false;
        continue;
      }
      if (line === '') {
        skipWhitespace = true;
        continue;
      }
      if (off >= text.length) {
        yield precedingBackslash ? line.slice(0, -1) : line;
        return;
      }
      if (!precedingBackslash) break;
      line = line.slice(0, -1);
      skipWhitespace = true;
      appendedLineBegin = true;
      precedingBackslash = false;
      if (char === '\r' && text[off] === '\n') off++;
    }
    yield line;
  }
}

function splitKeyValue(line: string): { key: string; value: string } {
  let end = 0;
  while (end < line.length) {
    const char = line[end]!;
    if (char === '\\') {
      end += 2;
      continue;
    }
    if (char === '=' || char === ':' || isWhitespace(char)) break;
    end++;
  }
  end = Math.min(end, line.length);
  const key = line.slice(0, end);
  let rest = end;
  while (rest < line.length && isWhitespace(line[rest]!)) rest++;
  if (rest < line.length && (line[rest] === '=' || line[rest] === ':')) rest++;
  while (rest < line.length && isWhitespace(line[rest]!)) rest++;
  return { key, value: line.slice(rest) };
}

const UNESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char !== '\\' || i + 1 >= text.length) {
      if (char !== '\\') out += char;
      continue;
    }
    const next = text[++i]!;
    if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(text, `malformed \\u escape "\\u${hex}"`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += UNESCAPES[next] ?? next;
    }
  }
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\t': '\\t', '\n': '\\n', '\r': '\\r', '\f': '\\f', '\\': '\\\\', '=': '\\=', ':': '\\:', '#': '\\#', '!': '\\!',
};

function escape(text: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === ' ') out += isKey || i === 0 ? '\\ ' : ' ';
    else out += ESCAPES[char] ?? escapeNonAscii(char);
  }
  return out;
}

function escapeNonAscii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}
