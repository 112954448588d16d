import { html } from '../html.js';
import { layout } from './layout.js';

/** A pause with one message and a way on. */
export interface ContinuePage {
  readonly title: string;
  readonly notice: string;
  readonly continueUrl: string;
  readonly username?: string | undefined;
}

/**
 * Tells the user something they must not miss (recovery codes left) before
 * going on.
 *
 * @param page - the message and where Continue leads
 */
export function renderContinuePage(page: ContinuePage): string {
  return layout(
    { title: page.title, username: page.username },
    html`<h1>${page.title}</h1>
<p class="notice" role="status">${page.notice}</p>
<p><a class="button" href="${page.continueUrl}" data-continue>Continue</a></p>`,
  );
}
