/**
 * Code that depends on two version conditions (is the version flexible, is the field nullable in
 * it). A condition of 'true' or 'false' needs no branch, so most fields get straight-line code.
 */

export interface Choice {
  readonly flexible: boolean;
  readonly nullable: boolean;
}

/** Statements: nested if/else over the conditions that are not constant. */
export function branchStatements(
  flexCondition: string,
  nullCondition: string,
  leaf: (choice: Choice) => string[],
  indent: string,
): string[] {
  const onNull = (flexible: boolean, inner: string): string[] => {
    if (nullCondition === 'true' || nullCondition === 'false') {
      return leaf({ flexible, nullable: nullCondition === 'true' }).map((l) => inner + l);
    }
    return [
      `${inner}if (${nullCondition}) {`,
      ...leaf({ flexible, nullable: true }).map((l) => `${inner}  ${l}`),
      `${inner}} else {`,
      ...leaf({ flexible, nullable: false }).map((l) => `${inner}  ${l}`),
      `${inner}}`,
    ];
  };
  if (flexCondition === 'true' || flexCondition === 'false') return onNull(flexCondition === 'true', indent);
  return [
    `${indent}if (${flexCondition}) {`,
    ...onNull(true, `${indent}  `),
    `${indent}} else {`,
    ...onNull(false, `${indent}  `),
    `${indent}}`,
  ];
}

/** A conditional expression tree, rendered on one line when it fits and split otherwise. */
export type Expression = string | { readonly condition: string; readonly then: Expression; readonly otherwise: Expression };

/** An expression: nested conditional expressions over the conditions that are not constant. */
export function branchExpression(
  flexCondition: string,
  nullCondition: string,
  leaf: (choice: Choice) => string,
): Expression {
  const onNull = (flexible: boolean): Expression => {
    if (nullCondition === 'true' || nullCondition === 'false') {
      return leaf({ flexible, nullable: nullCondition === 'true' });
    }
    return {
      condition: nullCondition,
      then: leaf({ flexible, nullable: true }),
      otherwise: leaf({ flexible, nullable: false }),
    };
  };
  if (flexCondition === 'true' || flexCondition === 'false') return onNull(flexCondition === 'true');
  return { condition: flexCondition, then: onNull(true), otherwise: onNull(false) };
}

function renderInline(e: Expression, nested: boolean): string {
  if (typeof e === 'string') return e;
  const text = `${e.condition} ? ${renderInline(e.then, true)} : ${renderInline(e.otherwise, true)}`;
  return nested ? `(${text})` : text;
}

/**
 * Renders an expression that starts `column` characters into a line indented by `indent`: on that
 * line if it fits in `width`, otherwise with `?` and `:` branches on lines of their own.
 */
export function renderExpression(e: Expression, indent: string, column: number, width = 110): string {
  const inline = renderInline(e, false);
  if (typeof e === 'string' || column + inline.length <= width) return inline;
  const inner = `${indent}  `;
  const then = renderExpression(e.then, inner, inner.length + 2, width);
  const otherwise = renderExpression(e.otherwise, inner, inner.length + 2, width);
  const wrap = (x: Expression, text: string): string => (typeof x === 'string' ? text : `(${text})`);
  return `${e.condition}
${inner}? ${wrap(e.then, then)}
${inner}: ${wrap(e.otherwise, otherwise)}`;
}

/** `function name(params): result {`, with one parameter per line when it is long. */
export function signature(name: string, params: readonly string[], result: string, width = 110): string {
  const line = `function ${name}(${params.join(', ')}): ${result} {`;
  if (line.length <= width) return line;
  return [`function ${name}(`, ...params.map((p) => `  ${p},`), `): ${result} {`].join('\n');
}
