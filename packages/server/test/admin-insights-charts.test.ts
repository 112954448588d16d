// The console's charts, as pure functions: numbers aggregated from seeded
// decisions and audit events, SVG that parses as XML, and a table fallback
// with exactly the numbers the chart draws. What must not happen: a
// decision outside the 14 days (or not a step-up) counted, a rule name
// reaching the markup unescaped, or the table and the chart disagreeing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isEmptyChart, largestValue, niceCeiling, type ChartData } from '../src/http/admin/chart-data.js';
import { chartFigure, chartTable, type ChartKind } from '../src/http/admin/chart-figure.js';
import {
  answersByMethod,
  dayWindow,
  decisionsPerDay,
  stepUpsByRule,
  topRiskSignals,
  type AnswerFact,
  type DecisionFact,
} from '../src/http/admin/insight-chart-data.js';

const NOW = Date.UTC(2026, 2, 14, 15, 30) / 1000;
const DAY = 86_400;
const window = dayWindow(NOW);

function rule(name: string) {
  return { kind: 'rule', rule: name, effect: 'require', requirement: { acr: 'aal2', maxAge: 300 } };
}

function stepUp(daysAgo: number, rules: string[], signals: string[] = []): DecisionFact {
  return {
    createdAt: NOW - daysAgo * DAY,
    outcome: 'step_up',
    reasons: [...rules.map(rule), { kind: 'proof', met: false, reason: 'no_proof', message: 'no token' }],
    risk: { score: 0, level: 'low', signals: signals.map((code) => ({ code, weight: 20, evidence: {} })), failed: [] },
  };
}

const DECISIONS: DecisionFact[] = [
  stepUp(0, ['large-transfer'], ['new_device']),
  stepUp(0, ['large-transfer', 'risky-context'], ['new_device', 'new_country']),
  stepUp(1, ['account-changes']),
  stepUp(13, ['large-transfer']),
  stepUp(14, ['large-transfer']), // the day before the window
  stepUp(2, []), // the default requirement was not met
  { createdAt: NOW, outcome: 'allow', reasons: [rule('large-transfer')], risk: { signals: [{ code: 'new_device', weight: 20, evidence: {} }] } },
  { createdAt: NOW, outcome: 'step_up', reasons: 'not a list', risk: null },
];

/**
 * A strict enough XML check for our SVG: every tag closed in order,
 * attribute values quoted, text without a raw `<` or a bare `&`.
 */
function assertWellFormed(markup: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const match of markup.matchAll(tag)) {
    const text = markup.slice(last, match.index);
    assert.doesNotMatch(text, /<|&(?!(amp|lt|gt|quot|#39);)/, `raw markup in text: ${text.slice(0, 80)}`);
    last = match.index + match[0].length;
    const [, closing, name, , selfClosing] = match;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else stack.push(name!);
  }
  assert.doesNotMatch(markup.slice(last), /</);
  assert.deepEqual(stack, [], 'every element is closed');
}

function svgOf(figure: string): string {
  const svg = /<svg[\s\S]*<\/svg>/.exec(figure)?.[0];
  assert.ok(svg, 'the figure has an SVG');
  return svg;
}

/** `series|category` → value, from the marks that carry data attributes. */
function valuesIn(markup: string, element: string): Map<string, number> {
  const found = new Map<string, number>();
  const pattern = new RegExp(`<${element}[^>]*data-series="([^"]*)" data-category="([^"]*)" data-value="([^"]*)"`, 'g');
  for (const match of markup.matchAll(pattern)) found.set(`${match[1]}|${match[2]}`, Number(match[3]));
  return found;
}

function expectedValues(data: ChartData): Map<string, number> {
  const expected = new Map<string, number>();
  for (const series of data.series) data.categories.forEach((category, index) => expected.set(`${series.name}|${category}`, series.values[index] ?? 0));
  return expected;
}

function nonZero(values: Map<string, number>): Map<string, number> {
  return new Map([...values].filter(([, value]) => value !== 0));
}

describe('chart numbers', () => {
  test('the window is the last 14 UTC days, today included', () => {
    assert.equal(window.days.length, 14);
    assert.equal(window.labels[13], '03-14');
    assert.equal(window.labels[0], '03-01');
    assert.equal(window.since, Date.UTC(2026, 2, 1) / 1000);
  });

  test('step-ups per day by rule: only step-ups in the window, a decision of two rules counted for both, none as (default)', () => {
    const chart = stepUpsByRule(DECISIONS, window, false);
    const byName = Object.fromEntries(chart.series.map((series) => [series.name, series.values]));
    assert.deepEqual(chart.series.map((series) => series.name), ['large-transfer', '(default)', 'account-changes', 'risky-context']);
    assert.equal(byName['large-transfer']![13], 2);
    assert.equal(byName['large-transfer']![0], 1);
    assert.equal(byName['large-transfer']!.reduce((sum, value) => sum + value, 0), 3, 'the step-up 14 days ago and the allow are not counted');
    assert.equal(byName['risky-context']![13], 1);
    assert.equal(byName['account-changes']![12], 1);
    // The unreadable row has no rule: (default), today; the one of 2 days ago too.
    assert.equal(byName['(default)']![11], 1);
    assert.equal(byName['(default)']![13], 1);
    assert.equal(chart.truncated, false);
  });

  test('more than seven rules: the six largest and the rest summed as "other rules"', () => {
    const many = Array.from({ length: 9 }, (_unused, index) => Array.from({ length: 9 - index }, () => stepUp(0, [`rule-${index}`]))).flat();
    const chart = stepUpsByRule(many, window, false);
    assert.equal(chart.series.length, 7);
    assert.deepEqual(chart.series.slice(0, 6).map((series) => series.name), ['rule-0', 'rule-1', 'rule-2', 'rule-3', 'rule-4', 'rule-5']);
    assert.equal(chart.series[6]!.name, 'other rules');
    assert.equal(chart.series[6]!.values[13], 3 + 2 + 1);
  });

  test('decisions per day by outcome', () => {
    const today = window.days[13]!;
    const chart = decisionsPerDay([{ day: today, outcome: 'allow', count: 4 }, { day: today, outcome: 'deny', count: 1 }, { day: today - 20, outcome: 'allow', count: 9 }], window);
    assert.deepEqual(chart.series.map((series) => [series.name, series.values[13]]), [['allow', 4], ['step_up', 0], ['deny', 1]]);
    assert.equal(chart.series[0]!.values.reduce((sum, value) => sum + value, 0), 4);
  });

  test('answers by method: details.method, else the outcome; satisfied and failed apart', () => {
    const events: AnswerFact[] = [
      { type: 'step_up_satisfied', outcome: 'satisfied', details: { method: 'totp' } },
      { type: 'step_up_satisfied', outcome: 'satisfied', details: { method: 'totp' } },
      { type: 'step_up_failed', outcome: 'ERR_CODE_INVALID', details: { method: 'totp' } },
      { type: 'step_up_satisfied', outcome: 'satisfied', details: { method: 'webauthn' } },
      { type: 'step_up_failed', outcome: 'sms_otp', details: null },
      { type: 'decision', outcome: 'allow', details: { method: 'totp' } },
    ];
    const chart = answersByMethod(events, 14, false);
    assert.deepEqual(chart.categories, ['totp', 'sms_otp', 'webauthn']);
    assert.deepEqual(chart.series, [{ name: 'satisfied', values: [2, 0, 1] }, { name: 'failed', values: [1, 1, 0] }]);
  });

  test('top risk signals: once per decision, most often first', () => {
    const chart = topRiskSignals(DECISIONS, 14, false);
    assert.deepEqual(chart.categories, ['new_device', 'new_country']);
    assert.deepEqual(chart.series[0]!.values, [3, 1]);
    assert.deepEqual(topRiskSignals(DECISIONS, 14, false, 1).categories, ['new_device']);
  });

  test('axis tops are round numbers', () => {
    assert.deepEqual([0, 1, 2, 3, 7, 10, 11, 37, 101].map(niceCeiling), [1, 1, 2, 5, 10, 10, 20, 50, 200]);
    const chart = stepUpsByRule(DECISIONS, window, false);
    assert.equal(largestValue(chart, true), 4, 'today: two large-transfer, one risky-context and one (default), stacked');
    assert.equal(largestValue(chart, false), 2);
  });
});

describe('chart rendering', () => {
  const charts: Array<[ChartData, ChartKind]> = [
    [stepUpsByRule(DECISIONS, window, false), 'stacked_bars'],
    [decisionsPerDay([{ day: window.days[13]!, outcome: 'allow', count: 4 }, { day: window.days[5]!, outcome: 'step_up', count: 2 }], window), 'line'],
    [answersByMethod([{ type: 'step_up_satisfied', outcome: 'satisfied', details: { method: 'totp' } }, { type: 'step_up_failed', outcome: 'x', details: { method: 'email_otp' } }], 14, false), 'horizontal_bars'],
    [topRiskSignals(DECISIONS, 14, true), 'horizontal_bars'],
  ];

  for (const [data, kind] of charts) {
    test(`${data.id} (${kind}): well-formed SVG with a title, a description, and the table's numbers`, () => {
      const figure = chartFigure(data, kind).value;
      const svg = svgOf(figure);
      assertWellFormed(svg);
      assertWellFormed(figure.replace(/^[\s\S]*?(<figure)/, '$1'));
      assert.match(svg, new RegExp(`role="img" aria-labelledby="${data.id}-title ${data.id}-desc"`));
      assert.match(svg, new RegExp(`<title id="${data.id}-title">${data.title}</title>`));
      assert.match(figure, /<figcaption>/);
      const table = chartTable(data).value;
      const expected = expectedValues(data);
      assert.deepEqual(valuesIn(table, 'td'), expected, 'the table has every number');
      const drawn = valuesIn(svg, kind === 'line' ? 'circle' : 'rect');
      // Stacked bars leave out empty segments; the other kinds draw every value.
      assert.deepEqual(drawn, kind === 'stacked_bars' ? nonZero(expected) : expected, 'the chart draws the same numbers');
      assert.equal(/Only the newest rows were counted/.test(figure), data.truncated === true);
    });
  }

  test('names are escaped in the SVG and in the table', () => {
    const chart = stepUpsByRule([stepUp(0, ['<script>alert("x")</script>&co'])], window, false);
    const figure = chartFigure(chart, 'stacked_bars').value;
    assertWellFormed(figure);
    assert.doesNotMatch(figure, /<script/);
    assert.match(figure, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&amp;co/);
  });

  test('an empty chart says so, still draws an axis, and its table has the days with zeros', () => {
    const chart = stepUpsByRule([], window, false);
    assert.ok(isEmptyChart(chart));
    const figure = chartFigure(chart, 'stacked_bars').value;
    assertWellFormed(figure);
    assert.match(figure, /Nothing recorded in this period/);
    const empty = topRiskSignals([], 14, false);
    assertWellFormed(chartFigure(empty, 'horizontal_bars').value);
    assert.match(chartTable(empty).value, /<tbody>\s*<\/tbody>/);
  });
});
