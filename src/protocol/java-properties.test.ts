import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatProperties, parseProperties, PropertiesSyntaxError } from './java-properties.ts';

const parsed = (text: string) => Object.fromEntries(parseProperties(text));

test('the examples of java.util.Properties.load', () => {
  // Each of these three lines is key "Truth", value "Beauty".
  for (const line of ['Truth = Beauty', ' Truth:Beauty', 'Truth                    :Beauty']) {
    assert.deepEqual(parsed(line), { Truth: 'Beauty' });
  }
  const fruits = 'fruits                           apple, banana, pear, \\\n' +
    '                                  cantaloupe, watermelon, \\\n' +
    '                                  kiwi, mango';
  assert.deepEqual(parsed(fruits), { fruits: 'apple, banana, pear, cantaloupe, watermelon, kiwi, mango' });
  assert.deepEqual(parsed('cheeses'), { cheeses: '' });
  assert.deepEqual(parsed('\\:\\='), { ':=': '' });
});

test('separators: the first unescaped =, : or whitespace; then whitespace, at most one = or :, whitespace', () => {
  assert.deepEqual(parsed('a=1\nb : 2\nc\t3\nd\f4\ne=\nf\ng==x\nh:a=b:c\ni = = j\nk   :   \n'), {
    a: '1', b: '2', c: '3', d: '4', e: '', f: '', g: '=x', h: 'a=b:c', i: '= j', k: '',
  });
  assert.deepEqual(parsed('key\\ with\\=odd\\:chars = v'), { 'key with=odd:chars': 'v' });
  assert.deepEqual(parsed('a=trailing kept  \t'), { a: 'trailing kept  \t' });
  assert.deepEqual(parsed('a=1\na=2'), { a: '2' }, 'the last occurrence wins');
});

test('comments and blank lines: # or ! first on a line, after leading whitespace only', () => {
  assert.deepEqual(parsed('# c\n! c\n   # indented c\n \t\f\n\na=b # not a comment\n#=x\nc=!d'), { a: 'b # not a comment', c: '!d' });
  assert.deepEqual(parsed('# a comment does not continue \\\nnext=1'), { next: '1' });
});

test('line ends: \\n, \\r\\n and a lone \\r', () => {
  assert.deepEqual(parsed('a=1\r\nb=2\rc=3\nd=4'), { a: '1', b: '2', c: '3', d: '4' });
});

test('continuations: an odd number of trailing backslashes; the next line loses its leading whitespace', () => {
  assert.deepEqual(parsed('a=x\\\\\nb=y'), { a: 'x\\', b: 'y' }, 'two backslashes are one, not a continuation');
  assert.deepEqual(parsed('a=x\\\\\\\n  y'), { a: 'x\\y' }, 'three are one and a continuation');
  assert.deepEqual(parsed('a=x\\\r\n\t# y\\\n  z'), { a: 'x# yz' }, 'a continued line is never a comment');
  assert.deepEqual(parsed('a=x\\\n\nb=y'), { a: 'x', b: 'y' }, 'a blank line ends it');
  assert.deepEqual(parsed('long\\\n  \\\n  key = v'), { longkey: 'v' }, 'keys continue too');
  assert.deepEqual(parsed('   \\\nk=v'), { k: 'v' });
  assert.deepEqual(parsed('a=end\\'), { a: 'end' }, 'a backslash ending the text is dropped');
  // Java's LineReader: a logical line still empty after `\` and a line end is as if none had begun...
  assert.deepEqual(parsed('\\\r\r\\\r\n  \n  \\\n# comment\nk=v'), { k: 'v' });
  // ...but at the end of the text (or one \n or \r before it, not \r\n) its backslash makes a line.
  assert.deepEqual(parsed('k=v\n\\'), { k: 'v', '': '' });
  assert.deepEqual(parsed('\\\n'), { '': '' });
  assert.deepEqual(parsed('\\\r\n'), {});
});

test('escapes: \\t \\n \\r \\f, \\uXXXX, and any other character stands for itself', () => {
  assert.deepEqual(parsed('k\\u00e9y=caf\\u00E9 \\t\\n\\r\\f \\b\\q\\"\\\\ \\#\\!'), { 'kéy': 'café \t\n\r\f bq"\\ #!' });
  assert.deepEqual(parsed('e=\\uD83D\\uDE00'), { e: '😀' }, 'a surrogate pair as two escapes');
  assert.deepEqual(parsed('raw=😀 é'), { raw: '😀 é' }, 'text read as UTF-8 keeps its characters');
  assert.deepEqual(parsed('a\\\nb=\\u0041\\\n  \\u0042'), { ab: 'AB' }, 'escapes across a continuation');
});

test('a malformed \\uXXXX escape is a PropertiesSyntaxError, as Java throws IllegalArgumentException', () => {
  for (const text of ['a=\\u12', 'a=\\u12G4', 'a=\\u', '\\uzzzz=1', 'a=b\\\n \\u00']) {
    assert.throws(() => parseProperties(text), (error: unknown) => error instanceof PropertiesSyntaxError && /malformed \\u escape/.test(error.message), text);
  }
});

test('formatProperties writes what Properties.store writes', () => {
  const text = formatProperties([
    ['cluster.id', 'MkU3OEVBNTcwNTJENDM2Qg'],
    ['a key', ' lead and inner spaces '],
    ['k=:#!\\', 'v=:#!\\'],
    ['ctl', '\t\n\r\f'],
    ['uni', 'é😀\u0000\u007f'],
    ['', 'empty key'],
  ], ['', 'Written by Samsa']);
  assert.equal(text, [
    '#',
    '#Written by Samsa',
    'cluster.id=MkU3OEVBNTcwNTJENDM2Qg',
    'a\\ key=\\ lead and inner spaces ',
    'k\\=\\:\\#\\!\\\\=v\\=\\:\\#\\!\\\\',
    'ctl=\\t\\n\\r\\f',
    'uni=\\u00E9\\uD83D\\uDE00\\u0000\\u007F',
    '=empty key',
    '',
  ].join('\n'));
  assert.equal(formatProperties([], ['two\nlines']), '#two\n#lines\n');
});

const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom(' ', '\t', '\f', '\\', '=', ':', '#', '!', '\n', '\r', 'u', '0', 'a') }));

test('round trip: parseProperties(formatProperties(entries)) gives the entries back (property)', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(anyText, anyText), { selector: ([key]) => key }), fc.array(anyText, { maxLength: 3 }), (entries, comments) => {
      const text = formatProperties(entries, comments);
      assert.match(text, /^[\x20-\x7e\n]*$/, 'printable ASCII lines, as Java writes them');
      assert.deepEqual([...parseProperties(text)], entries);
    }),
    { numRuns: 500 },
  );
});

test('fuzz: arbitrary text parses or throws PropertiesSyntaxError, nothing else (property)', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      try {
        parseProperties(text);
      } catch (error) {
        assert.ok(error instanceof PropertiesSyntaxError, String(error));
      }
    }),
    { numRuns: 2000 },
  );
});
