import { html } from '../html.js';
import { layout } from './layout.js';

/**
 * An error page that names the stable error code.
 *
 * @param input - HTTP status, code and message
 */
export function renderErrorPage(input: { status: number; code: string; message: string }): string {
  return layout(
    { title: 'Something went wrong' },
    html`<h1>Something went wrong</h1>
<p class="error" role="alert" data-error-code="${input.code}">${input.message}</p>
<p class="muted">Error code <code>${input.code}</code> (HTTP ${input.status}).</p>
<p><a href="/">Back to the start</a></p>`,
  );
}
