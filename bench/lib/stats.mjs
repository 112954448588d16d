// Small statistics for benchmark rounds: medians and ranges rather than
// means, since one disturbed round should move the summary as little as possible.

/**
 * The p-th percentile of sorted values (nearest rank).
 *
 * @param {number[]} sorted - ascending
 * @param {number} p - 0 to 100
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Median, least and greatest of some values.
 *
 * @param {number[]} values
 * @returns {{ median: number, min: number, max: number, values: number[] }}
 * @example
 * summarize([3, 1, 2]); // { median: 2, min: 1, max: 3, values: [3, 1, 2] }
 */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), values };
}
