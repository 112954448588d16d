import { html } from '../html.js';
import { layout } from './layout.js';

/**
 * The landing page: what this server is and where to go.
 *
 * @param input - issuer and the signed-in user, if any
 */
export function renderHomePage(input: { issuer: string; username?: string | undefined; demo: boolean }): string {
  return layout(
    { title: 'Stepwise', username: input.username },
    html`<h1>Stepwise</h1>
<p>Step-up authentication server. Applications sign users in here with OpenID Connect and ask for stronger, fresher proof only when an action needs it.</p>
<ul>
<li>OpenID Connect discovery: <a href="/.well-known/openid-configuration"><code>${input.issuer}/.well-known/openid-configuration</code></a></li>
<li>${input.username ? html`<a href="/account">Your account and sign-in methods</a>` : html`<a href="/login?return_to=/account">Sign in to manage your sign-in methods</a>`}</li>
</ul>
${input.demo && html`<p class="notice">Demo mode: user <code>demo</code> with password <code>stepwise-demo</code>, client <code>demo-app</code>.</p>`}`,
  );
}
