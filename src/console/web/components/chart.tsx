/**
 * A live line chart over time (uPlot): new data is drawn in place with setData, the width follows
 * the container, and the colours come from the theme's CSS variables (redrawn when the theme flips).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';
import type { Theme } from '../theme.ts';

export interface ChartProps {
  readonly title: string;
  /** One label per line, in the order of `values`. */
  readonly series: readonly string[];
  /** Sample times, epoch milliseconds. */
  readonly times: readonly number[];
  /** One array per series, as long as `times`; null where a series has no sample. */
  readonly values: readonly (readonly (number | null)[])[];
  readonly theme: Theme;
  readonly height?: number;
  readonly format?: (value: number) => string;
  readonly testId?: string;
}

const SERIES_COLOURS = ['--chart-1', '--chart-2', '--chart-3', '--chart-4'];

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function toAlignedData(times: readonly number[], values: ChartProps['values']): uPlot.AlignedData {
  return [times.map((t) => t / 1000), ...values.map((v) => [...v])];
}

function options(props: ChartProps, width: number): uPlot.Options {
  const text = cssVar('--text-muted');
  const grid = { stroke: cssVar('--chart-grid'), width: 1 };
  const format = props.format ?? ((v: number) => v.toLocaleString());
  const axis: uPlot.Axis = { stroke: text, grid, ticks: grid };
  return {
    width,
    height: props.height ?? 200,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] } },
    axes: [axis, { ...axis, size: 88, values: (_u, ticks) => ticks.map(format) }],
    series: [
      {},
      ...props.series.map((label, i) => ({
        label,
        stroke: cssVar(SERIES_COLOURS[i % SERIES_COLOURS.length]!),
        width: 2,
        points: { show: false },
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
      })),
    ],
  };
}

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  // (Re)built when the lines or the theme change; data alone only calls setData below.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const chart = new uPlot(options(props, el.clientWidth || 400), toAlignedData(props.times, props.values), el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height: props.height ?? 200 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [props.theme, props.series.join('\u0000'), props.height]);

  useEffect(() => {
    plot.current?.setData(toAlignedData(props.times, props.values));
  }, [props.times, props.values]);

  return (
    <figure class="chart" style={{ margin: 0 }} data-testid={props.testId} data-points={props.times.length}>
      <figcaption class="muted">{props.title}</figcaption>
      <div ref={box} role="img" aria-label={props.title} />
    </figure>
  );
}
