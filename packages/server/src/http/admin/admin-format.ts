import type { AuditJson } from '@stepwise/core';
import { html, type SafeHtml } from '../html.js';

/** Rows per console page. */
export const ADMIN_PAGE_SIZE = 50;

/** The highest page number a console list accepts, so no request scans without bound. */
export const ADMIN_MAX_PAGE = 1_000;

/** The `page` query parameter every paged console list takes. */
export const pageParam = { type: 'integer', minimum: 1, maximum: ADMIN_MAX_PAGE } as const;

/**
 * An instant for a table cell: `2025-03-01 14:05:09 UTC`.
 *
 * @param seconds - epoch seconds, or null
 */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '—';
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * An audit instant (epoch milliseconds), to the millisecond.
 *
 * @param ms - epoch milliseconds
 */
export function formatMillis(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

/**
 * A JSON value of an audit event as compact text, nothing for null.
 *
 * @param value - the value
 */
export function jsonCell(value: AuditJson | undefined): SafeHtml | false {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value) && value.length === 0) return false;
  return html`<code>${JSON.stringify(value)}</code>`;
}

/**
 * Previous / next links for an offset-paged list.
 *
 * @param input - the list's path and fixed query, the current page, whether more rows follow
 */
export function pager(input: { path: string; query: URLSearchParams; page: number; more: boolean }): SafeHtml {
  const link = (page: number) => {
    const query = new URLSearchParams(input.query);
    query.set('page', String(page));
    return `${input.path}?${query.toString()}`;
  };
  return html`<nav class="pager" aria-label="Pages">${input.page > 1 && html`<a href="${link(input.page - 1)}" rel="prev">Previous</a>`}${input.more && input.page < ADMIN_MAX_PAGE && html`<a href="${link(input.page + 1)}" rel="next">Next</a>`}</nav>`;
}
