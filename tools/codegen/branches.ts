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

/** An expression: nested conditional expressions over the conditions that are not constant. */
export function branchExpression(
  flexCondition: string,
  nullCondition: string,
  leaf: (choice: Choice) => string,
): string {
  const onNull = (flexible: boolean): string => {
    if (nullCondition === 'true' || nullCondition === 'false') {
      return leaf({ flexible, nullable: nullCondition === 'true' });
    }
    return `(${nullCondition} ? ${leaf({ flexible, nullable: true })} : ${leaf({ flexible, nullable: false })})`;
  };
  if (flexCondition === 'true' || flexCondition === 'false') return onNull(flexCondition === 'true');
  return `(${flexCondition} ? ${onNull(true)} : ${onNull(false)})`;
}
