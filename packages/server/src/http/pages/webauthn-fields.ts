import { trusted, html, type SafeHtml } from '../html.js';
import { csrfField } from './layout.js';

/**
 * Embeds JSON for a script to read. `<` is escaped so the text cannot end
 * the element; the block is data, never executed.
 *
 * @param value - the data
 */
export function jsonBlock(value: unknown): SafeHtml {
  return trusted(`<script type="application/json">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`);
}

/**
 * What every WebAuthn form carries for `/assets/webauthn.js`: the CSRF
 * token, the ceremony id, an empty `response` the script fills in, the
 * options as a JSON data block, and the place where a failed ceremony is
 * explained. The form itself says `data-webauthn="register"` or
 * `"authenticate"`.
 *
 * @param csrfToken - this response's CSRF token
 * @param ceremony - the ceremony id and the options for the browser
 */
export function webauthnFields(csrfToken: string, ceremony: { readonly ceremonyId: string; readonly options: unknown }): SafeHtml {
  return html`${csrfField(csrfToken)}<input type="hidden" name="ceremony_id" value="${ceremony.ceremonyId}"><input type="hidden" name="response" value="">
${jsonBlock(ceremony.options)}
<p class="error" role="alert" data-webauthn-error hidden></p>`;
}
