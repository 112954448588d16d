// Formatting of benchmark figures for the terminal and for RESULTS.md. A
// benchmark returns a report (title, intro lines, tables, goals); run.mjs
// renders every report the same way, so a new benchmark only fills one in.

/** @typedef {{ heading: string, note?: string, columns: string[], rows: string[][] }} Table */
/**
 * A goal's verdict. `estimate` is the same ratio judged another way (e.g.
 * from CPU time), `caveat` says why the verdict may not hold.
 * @typedef {{ goal: string, scope: string, value: string, rounds: string, estimate?: string, met: boolean, caveat?: string }} Goal
 */
/** @typedef {{ title: string, intro: string[], tables: Table[], goals: Goal[] }} Report */

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Requests per second, e.g. `9,812`. */
export const formatRps = (value) => INTEGER.format(value);

/** Milliseconds with two decimals, e.g. `3.14`. */
export const formatMs = (value) => value.toFixed(2);

/** A ratio, e.g. `0.93×`. */
export const formatRatio = (value) => `${value.toFixed(2)}×`;

/**
 * A summary as `median (min–max)`, or the median alone after one round.
 *
 * @param {{ median: number, min: number, max: number, values: number[] }} summary
 * @param {(value: number) => string} format
 */
export function formatSummary(summary, format) {
  if (summary.values.length < 2) return format(summary.median);
  return `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`;
}

/**
 * A Markdown table.
 *
 * @param {Table} table
 * @returns {string}
 */
export function markdownTable({ columns, rows }) {
  const line = (cells) => `| ${cells.map((cell) => String(cell).replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * A benchmark's report as a Markdown section: intro, goals (misses named
 * plainly), then its tables.
 *
 * @param {Report} report
 * @returns {string}
 */
export function markdownSection({ title, intro, tables, goals }) {
  const parts = [`## ${title}`, intro.join('\n')];
  if (goals.length > 0) {
    const missed = goals.filter((goal) => !goal.met);
    const caveats = goals.filter((goal) => goal.caveat);
    const withEstimates = goals.some((goal) => goal.estimate !== undefined);
    parts.push(
      missed.length === 0
        ? `**${goals.length === 1 ? 'The goal is' : `All ${goals.length} goals are`} met.**`
        : `**${missed.length} of ${goals.length} goals ${missed.length === 1 ? 'is' : 'are'} missed:** ${missed.map((goal) => `${goal.goal} on ${goal.scope} (median ${goal.value})`).join('; ')}.`,
    );
    if (caveats.length > 0) {
      const reasons = [...new Set(caveats.map((goal) => goal.caveat))];
      const which = goals.length === 1 ? 'This verdict is' : `${caveats.length} of these verdicts ${caveats.length === 1 ? 'is' : 'are'}`;
      parts.push(`**${which} unreliable:** ${reasons.join('; ')} (see the notes above).`);
    }
    parts.push(
      markdownTable({
        columns: ['Goal', 'Path', 'Median', 'Rounds meeting it', ...(withEstimates ? ['Estimate from CPU time'] : []), 'Verdict'],
        rows: goals.map((goal) => [
          goal.goal,
          goal.scope,
          goal.value,
          goal.rounds,
          ...(withEstimates ? [goal.estimate ?? '—'] : []),
          `${goal.met ? 'met' : '**missed**'}${goal.caveat ? ' (unreliable)' : ''}`,
        ]),
      }),
    );
  }
  for (const table of tables) {
    parts.push(`### ${table.heading}`);
    if (table.note) parts.push(table.note);
    parts.push(markdownTable(table));
  }
  return parts.join('\n\n');
}
