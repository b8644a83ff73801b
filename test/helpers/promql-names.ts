/**
 * What a PromQL expression reads, so a dashboard test can check each name against a real scrape:
 * its metric names (as written: `x_bucket`, `x_sum` and `x_count` included), the labels each
 * selector matches on, and the labels it groups or joins by. Not a parser, but faithful to the
 * grammar's places for names: strings, label matchers, range and subquery brackets and grouping
 * lists are cut out first; every identifier left is then a function (followed by `(`), a keyword,
 * or a metric name, whatever follows it (`{`, `[`, `)`, a space, an operator, the end).
 */

/** PromQL's aggregation operators and functions (Prometheus 3). */
export const PROMQL_FUNCTIONS: ReadonlySet<string> = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio',
  'abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week', 'day_of_year',
  'days_in_month', 'delta', 'deriv', 'exp', 'floor', 'histogram_avg', 'histogram_count', 'histogram_fraction', 'histogram_quantile',
  'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'double_exponential_smoothing', 'holt_winters', 'hour', 'idelta', 'increase',
  'info', 'irate', 'label_join', 'label_replace', 'ln', 'log2', 'log10', 'minute', 'month', 'predict_linear', 'rate', 'resets', 'round',
  'scalar', 'sgn', 'sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc', 'sqrt', 'time', 'timestamp', 'vector', 'year',
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'quantile_over_time', 'stddev_over_time',
  'stdvar_over_time', 'last_over_time', 'present_over_time', 'mad_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos',
  'cosh', 'sin', 'sinh', 'tan', 'tanh', 'deg', 'rad', 'pi', 'start', 'end',
]);

/** Keywords: binary operators spelled as words, modifiers, grouping, and the number literals. */
const KEYWORDS: ReadonlySet<string> = new Set([
  'and', 'or', 'unless', 'atan2', 'bool', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'inf', 'nan',
]);

export interface PromqlUses {
  /** Metric names as written, in order of appearance, each once. */
  readonly metrics: readonly string[];
  /** Every `name{...}` selector with the label names its matchers use. */
  readonly selectors: ReadonlyArray<{ readonly metric: string; readonly labels: readonly string[] }>;
  /** Labels of `by`, `without`, `on`, `ignoring`, `group_left` and `group_right` lists. */
  readonly groupingLabels: readonly string[];
  /** Functions and aggregations called (any identifier followed by `(`). */
  readonly functions: readonly string[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';

export function promqlUses(expression: string): PromqlUses {
  // Strings hold label values and regexes (and Grafana's $variables), never names.
  let rest = expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  const selectors: Array<{ metric: string; labels: string[] }> = [];
  rest = rest.replace(new RegExp(`(${NAME})?\\s*\\{([^}]*)\\}`, 'g'), (_, metric: string | undefined, matchers: string) => {
    const labels = [...matchers.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!);
    selectors.push({ metric: metric ?? '', labels });
    // The name stays where it was, for the identifier scan below.
    return ` ${metric ?? ''} `;
  });
  // Range and subquery brackets: durations ([5m], [$__rate_interval], [1h:1m]).
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  const groupingLabels: string[] = [];
  rest = rest.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/gi, (_, _keyword: string, labels: string) => {
    groupingLabels.push(...labels.split(',').map((l) => l.trim()).filter((l) => l !== ''));
    return ' ';
  });
  const metrics: string[] = [];
  const functions: string[] = [];
  // Not the tail of a number (1e3), of a dotted number or of a $variable.
  for (const match of rest.matchAll(new RegExp(`(?<![a-zA-Z0-9_:.$])${NAME}`, 'g'))) {
    const name = match[0];
    const next = rest.slice(match.index + name.length).trimStart()[0];
    // A keyword first: `x and (y)`, `x or (y)` are not calls.
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (next === '(') functions.push(name);
    else if (!metrics.includes(name)) metrics.push(name);
  }
  return { metrics, selectors, groupingLabels, functions };
}

/**
 * Grafana's `label_values(selector, label)` (or `label_values(label)`) variable query: the
 * selector is PromQL, the label a label name.
 */
export function grafanaLabelValues(query: string): { readonly selector: string | null; readonly label: string } | null {
  const match = /^\s*label_values\s*\(\s*(?:(.*)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  if (match === null) return null;
  return { selector: match[1]?.trim() ?? null, label: match[2]! };
}
