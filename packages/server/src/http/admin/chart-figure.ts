import { html, type SafeHtml } from '../html.js';
import type { ChartData } from './chart-data.js';
import { horizontalBarChart, lineChart, stackedBarChart } from './chart-svg.js';

/** How a chart is drawn. */
export type ChartKind = 'stacked_bars' | 'line' | 'horizontal_bars';

const DRAW: Readonly<Record<ChartKind, (data: ChartData) => SafeHtml>> = {
  stacked_bars: stackedBarChart,
  line: lineChart,
  horizontal_bars: horizontalBarChart,
};

/**
 * The numbers of a chart as a table: one row per category, one column per
 * series, and a total column when there are several series. Screen
 * readers, text browsers and copy-paste get exactly what the SVG draws.
 *
 * @param data - the chart
 * @example
 * ```ts
 * html`${chartTable(chart)}`; // <table><caption>…</caption><thead>…</thead><tbody>…</tbody></table>
 * ```
 */
export function chartTable(data: ChartData): SafeHtml {
  const withTotal = data.series.length > 1;
  return html`<table class="chart-table admin-table" id="${data.id}-table" data-chart="${data.id}">
<caption>${data.title}: the numbers</caption>
<thead><tr><th scope="col">${data.categoryLabel}</th>${data.series.map((series) => html`<th scope="col">${series.name}</th>`)}${withTotal && html`<th scope="col">Total</th>`}</tr></thead>
<tbody>
${data.categories.map((category, index) => {
    const values = data.series.map((series) => series.values[index] ?? 0);
    return html`<tr><th scope="row">${category}</th>${values.map((value, seriesIndex) => html`<td data-series="${data.series[seriesIndex]!.name}" data-category="${category}" data-value="${value}">${value}</td>`)}${withTotal && html`<td>${values.reduce((sum, value) => sum + value, 0)}</td>`}</tr>`;
  })}
</tbody>
</table>`;
}

/**
 * A chart as the console shows it: a `<figure>` with the SVG, a caption
 * saying what is counted, and the table fallback with the same numbers
 * (in a `<details>`, one keypress away, so the page stays short).
 *
 * @param data - the chart
 * @param kind - how to draw it
 * @example
 * ```ts
 * html`<section>${chartFigure(stepUpsByRule, 'stacked_bars')}</section>`;
 * ```
 */
export function chartFigure(data: ChartData, kind: ChartKind): SafeHtml {
  return html`<figure class="chart-figure" id="${data.id}" data-chart-kind="${kind}">
<h2>${data.title}</h2>
${DRAW[kind](data)}
<figcaption>${data.caption}${data.truncated && html` <strong>Only the newest rows were counted: the period holds more than the console reads at once.</strong>`}</figcaption>
<details class="chart-numbers"><summary>The numbers</summary>
${chartTable(data)}
</details>
</figure>`;
}
