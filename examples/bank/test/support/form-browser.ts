// A cookie-keeping HTTP client that reads Stepwise's pages the way a user
// does (the form's action, hidden fields, the key shown for typing by hand)
// and stops when a redirect leaves the issuer: at the client's callback.

/** A fetched page. */
export interface Page {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

function decode(text: string): string {
  return text.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
}

/** Cookies, redirects and forms against one origin. */
export class FormBrowser {
  private readonly cookies = new Map<string, string>();

  /** @param origin - the server whose redirects are followed */
  constructor(private readonly origin: string) {}

  private async request(url: string, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html' };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const index = pair.indexOf('=');
      const value = pair.slice(index + 1).trim();
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(pair.slice(0, index).trim());
      else this.cookies.set(pair.slice(0, index).trim(), value);
    }
    return response;
  }

  /** Requests `url`, following redirects on the server; stops at the first redirect elsewhere. */
  async go(url: string, form?: Record<string, string>): Promise<Page> {
    let current = url;
    let response = await this.request(url, form);
    for (let hops = 0; hops < 20; hops += 1) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) break;
      await response.arrayBuffer();
      current = new URL(location, current).href;
      if (new URL(current).origin !== this.origin) return { url: current, status: response.status, body: '' };
      response = await this.request(current);
    }
    return { url: current, status: response.status, body: await response.text() };
  }

  /** Submits the form whose action contains `actionPart`, with its hidden fields plus `values`. */
  async submit(page: Page, actionPart: string, values: Record<string, string>): Promise<Page> {
    const form = [...page.body.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].find((match) =>
      decode(match[1]!).includes(actionPart),
    );
    if (!form) throw new Error(`no form for "${actionPart}" on ${page.url} (${page.status}):\n${page.body.slice(0, 1500)}`);
    const fields: Record<string, string> = {};
    for (const input of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      if (name) fields[name] = decode(/value="([^"]*)"/.exec(input[0])?.[1] ?? '');
    }
    return this.go(new URL(decode(form[1]!), page.url).href, { ...fields, ...values });
  }
}

/**
 * The base32 key Stepwise's enrollment page shows for typing by hand.
 *
 * @param body - the page's HTML
 */
export function typedSecretIn(body: string): string | undefined {
  return /<code class="secret">([^<]+)<\/code>/.exec(body)?.[1]?.replace(/\s+/g, '');
}
