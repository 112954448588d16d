import { html, type SafeHtml } from '../html.js';
import type { ChartData } from './chart-data.js';
import { chartFigure } from './chart-figure.js';

/** The four charts of the charts page. */
export interface ChartsView {
  readonly stepUpsByRule: ChartData;
  readonly decisionsPerDay: ChartData;
  readonly answersByMethod: ChartData;
  readonly topRiskSignals: ChartData;
  /** When the numbers were read, as shown. */
  readonly readAt: string;
}

/**
 * The charts page: step-ups per day by rule, decisions per day by outcome,
 * step-up answers by method, and the top risk signals, each an SVG drawn
 * here with its caption and a table of the same numbers.
 *
 * @param view - the charts' numbers
 * @example
 * ```ts
 * adminLayout({ title: 'Charts', section: 'charts', admin }, chartsPage(view));
 * ```
 */
export function chartsPage(view: ChartsView): SafeHtml {
  return html`<h1>Charts</h1>
<p class="muted">The last 14 days, read ${view.readAt}. Under each chart, “The numbers” opens a table with exactly what it draws.</p>
${chartFigure(view.stepUpsByRule, 'stacked_bars')}
${chartFigure(view.decisionsPerDay, 'line')}
${chartFigure(view.answersByMethod, 'horizontal_bars')}
${chartFigure(view.topRiskSignals, 'horizontal_bars')}`;
}
