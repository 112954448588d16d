/*
 * The one shape every console chart draws from, and the one its table
 * fallback prints: categories along one axis, one or more series of
 * counts. The SVG and the table read the same object, so they cannot
 * disagree.
 */

/** One named row of numbers, one per category. */
export interface ChartSeries {
  readonly name: string;
  readonly values: readonly number[];
}

/** A chart's numbers and words. */
export interface ChartData {
  /** Used for element ids: letters, digits and `-`. */
  readonly id: string;
  readonly title: string;
  /** What is counted, from where, over which period. */
  readonly caption: string;
  /** Heading of the table's first column: `Day`, `Method`, `Signal`. */
  readonly categoryLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly ChartSeries[];
  /** Set when the bounded query stopped early: the numbers cover only the newest rows. */
  readonly truncated?: boolean;
}

/**
 * The largest single value of a chart, or the largest stack when `stacked`.
 *
 * @param data - the chart
 * @param stacked - whether series are drawn on top of each other
 * @example
 * ```ts
 * largestValue({ ...chart, categories: ['a'], series: [{ name: 'x', values: [2] }, { name: 'y', values: [3] }] }, true); // 5
 * ```
 */
export function largestValue(data: ChartData, stacked: boolean): number {
  let largest = 0;
  data.categories.forEach((_category, index) => {
    const values = data.series.map((series) => series.values[index] ?? 0);
    largest = Math.max(largest, stacked ? values.reduce((sum, value) => sum + value, 0) : Math.max(0, ...values));
  });
  return largest;
}

/**
 * A round top for an axis at or above `value` (1, 2 or 5 times a power of
 * ten), so gridlines fall on readable numbers; at least 1.
 *
 * @param value - the largest value drawn
 * @example
 * ```ts
 * niceCeiling(37); // 50
 * niceCeiling(0);  // 1
 * ```
 */
export function niceCeiling(value: number): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((factor) => factor * power >= value)!;
  return step * power;
}

/**
 * Whether a chart has nothing to show (every value 0, or no category).
 *
 * @param data - the chart
 * @example
 * ```ts
 * if (isEmptyChart(chart)) html`<text>Nothing recorded in this period</text>`;
 * ```
 */
export function isEmptyChart(data: ChartData): boolean {
  return data.categories.length === 0 || data.series.every((series) => series.values.every((value) => value === 0));
}

/** Colours with enough contrast on white, told apart also by people with the common colour-vision deficiencies. */
export const CHART_COLOURS: readonly string[] = ['#3346d3', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7a6f00', '#5b6478'];

/**
 * The colour of the n-th series.
 *
 * @param index - the series' position
 * @example
 * ```ts
 * seriesColour(0); // '#3346d3'
 * ```
 */
export function seriesColour(index: number): string {
  return CHART_COLOURS[index % CHART_COLOURS.length]!;
}
