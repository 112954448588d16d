import { html, type SafeHtml } from '../html.js';
import { isEmptyChart, largestValue, niceCeiling, seriesColour, type ChartData } from './chart-data.js';

/*
 * Server-drawn SVG charts: no script, no library, every mark a plain
 * element with a <title> (the browser's own tooltip) and data attributes
 * (`data-series`, `data-category`, `data-value`) that tests compare with
 * the table fallback. Text goes through `html`, so names are escaped.
 */

const WIDTH = 640;
const FONT = 12;
/** Rough advance of one character at 12 px, for laying out legends and labels without measuring. */
const CHAR_WIDTH = 7;

function shortened(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function fixed(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Legend entries laid out in rows across the width; returns the marks and the height used. */
function legend(data: ChartData, top: number): { marks: SafeHtml; height: number } {
  let x = 8;
  let y = top;
  const marks = data.series.map((series, index) => {
    const label = shortened(series.name, 28);
    const width = 18 + label.length * CHAR_WIDTH + 16;
    if (x + width > WIDTH && x > 8) {
      x = 8;
      y += 18;
    }
    const mark = html`<g class="legend-item"><rect x="${x}" y="${y - 10}" width="12" height="12" fill="${seriesColour(index)}"/><text x="${x + 17}" y="${y}">${label}<title>${series.name}</title></text></g>`;
    x += width;
    return mark;
  });
  return { marks: html`${marks}`, height: data.series.length === 0 ? 0 : y - top + 20 };
}

function svgFrame(data: ChartData, height: number, body: SafeHtml): SafeHtml {
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="${data.id}-title ${data.id}-desc" font-family="system-ui, sans-serif" font-size="${FONT}" fill="#1d2433">
<title id="${data.id}-title">${data.title}</title>
<desc id="${data.id}-desc">${data.caption} The numbers are in the table after the chart.</desc>
${body}
</svg>`;
}

/** The y axis of a vertical chart: gridlines on whole numbers from 0 to `top`. */
function valueAxis(top: number, plot: { left: number; right: number; top: number; bottom: number }): SafeHtml {
  const steps = top <= 5 ? top : 5;
  const ticks = Array.from({ length: steps + 1 }, (_unused, index) => (top / steps) * index);
  const yOf = (value: number) => plot.bottom - (value / top) * (plot.bottom - plot.top);
  return html`<g class="axis">${ticks.map((tick) => html`<line x1="${plot.left}" x2="${plot.right}" y1="${fixed(yOf(tick))}" y2="${fixed(yOf(tick))}" stroke="#d9deea"/><text x="${plot.left - 6}" y="${fixed(yOf(tick) + 4)}" text-anchor="end">${tick}</text>`)}</g>`;
}

function emptyNote(data: ChartData, x: number, y: number): SafeHtml | false {
  return isEmptyChart(data) && html`<text class="empty" x="${x}" y="${y}" text-anchor="middle" fill="#5b6478">Nothing recorded in this period</text>`;
}

function verticalPlot(data: ChartData, stacked: boolean): { height: number; plot: { left: number; right: number; top: number; bottom: number }; top: number; head: SafeHtml } {
  const { marks, height: legendHeight } = legend(data, 18);
  const plot = { left: 44, right: WIDTH - 12, top: 18 + legendHeight + 6, bottom: 0 };
  const height = plot.top + 180 + 30;
  plot.bottom = height - 30;
  const top = niceCeiling(largestValue(data, stacked));
  const labels = data.categories.map((category, index) => {
    const band = (plot.right - plot.left) / data.categories.length;
    return html`<text x="${fixed(plot.left + band * (index + 0.5))}" y="${plot.bottom + 18}" text-anchor="middle">${shortened(category, Math.max(3, Math.floor(band / CHAR_WIDTH)))}</text>`;
  });
  return { height, plot, top, head: html`${marks}${valueAxis(top, plot)}<g class="categories">${labels}</g>` };
}

/**
 * Vertical bars, one per category, the series stacked on each other:
 * step-ups per day, split by the rule that asked for them.
 *
 * @param data - the chart
 * @example
 * ```ts
 * html`<figure>${stackedBarChart(chart)}</figure>`;
 * ```
 */
export function stackedBarChart(data: ChartData): SafeHtml {
  const { height, plot, top, head } = verticalPlot(data, true);
  const band = (plot.right - plot.left) / Math.max(1, data.categories.length);
  const scale = (plot.bottom - plot.top) / top;
  const bars = data.categories.map((category, index) => {
    let base = plot.bottom;
    const x = plot.left + band * index + band * 0.15;
    return data.series.map((series, seriesIndex) => {
      const value = series.values[index] ?? 0;
      if (value === 0) return html``;
      const barHeight = value * scale;
      base -= barHeight;
      return html`<rect x="${fixed(x)}" y="${fixed(base)}" width="${fixed(band * 0.7)}" height="${fixed(barHeight)}" fill="${seriesColour(seriesIndex)}" data-series="${series.name}" data-category="${category}" data-value="${value}"><title>${category} · ${series.name}: ${value}</title></rect>`;
    });
  });
  return svgFrame(data, height, html`${head}<g class="bars">${bars}</g>${emptyNote(data, (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2)}`);
}

/**
 * Lines, one per series, with a dot per category: decisions per day by outcome.
 *
 * @param data - the chart
 * @example
 * ```ts
 * html`<figure>${lineChart(chart)}</figure>`;
 * ```
 */
export function lineChart(data: ChartData): SafeHtml {
  const { height, plot, top, head } = verticalPlot(data, false);
  const band = (plot.right - plot.left) / Math.max(1, data.categories.length);
  const xOf = (index: number) => plot.left + band * (index + 0.5);
  const yOf = (value: number) => plot.bottom - (value / top) * (plot.bottom - plot.top);
  const lines = data.series.map((series, seriesIndex) => {
    const colour = seriesColour(seriesIndex);
    const points = data.categories.map((_category, index) => `${fixed(xOf(index))},${fixed(yOf(series.values[index] ?? 0))}`).join(' ');
    return html`<g class="series"><polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2"/>${data.categories.map((category, index) => {
      const value = series.values[index] ?? 0;
      return html`<circle cx="${fixed(xOf(index))}" cy="${fixed(yOf(value))}" r="3.5" fill="${colour}" data-series="${series.name}" data-category="${category}" data-value="${value}"><title>${category} · ${series.name}: ${value}</title></circle>`;
    })}</g>`;
  });
  return svgFrame(data, height, html`${head}${lines}${emptyNote(data, (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2)}`);
}

/**
 * Horizontal bars, one row per category with one bar per series and its
 * number at the end: success and failure by method, the top risk signals.
 * Long category names fit in the left column, shortened, whole in the tooltip.
 *
 * @param data - the chart
 * @example
 * ```ts
 * html`<figure>${horizontalBarChart(chart)}</figure>`;
 * ```
 */
export function horizontalBarChart(data: ChartData): SafeHtml {
  const { marks, height: legendHeight } = legend(data, 18);
  const barHeight = 14;
  const rowHeight = barHeight * Math.max(1, data.series.length) + 12;
  const labelWidth = 160;
  const plot = { left: labelWidth, right: WIDTH - 48, top: 18 + legendHeight + 6 };
  const height = plot.top + Math.max(1, data.categories.length) * rowHeight + 8;
  const top = niceCeiling(largestValue(data, false));
  const rows = data.categories.map((category, index) => {
    const rowTop = plot.top + index * rowHeight + 6;
    return html`<g class="row"><text x="${labelWidth - 8}" y="${rowTop + (rowHeight - 12) / 2 + 4}" text-anchor="end">${shortened(category, 22)}<title>${category}</title></text>${data.series.map((series, seriesIndex) => {
      const value = series.values[index] ?? 0;
      const width = (value / top) * (plot.right - plot.left);
      const y = rowTop + seriesIndex * barHeight;
      return html`<rect x="${plot.left}" y="${y}" width="${fixed(width)}" height="${barHeight - 2}" fill="${seriesColour(seriesIndex)}" data-series="${series.name}" data-category="${category}" data-value="${value}"><title>${category} · ${series.name}: ${value}</title></rect><text x="${fixed(plot.left + width + 4)}" y="${y + barHeight - 4}" font-size="11">${value}</text>`;
    })}</g>`;
  });
  return svgFrame(data, height, html`${marks}<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${height - 8}" stroke="#d9deea"/>${rows}${emptyNote(data, (plot.left + plot.right) / 2, plot.top + 20)}`);
}
