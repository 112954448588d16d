// A minimal browser for protocol tests: a cookie jar, manual redirects and
// form submission, over real HTTP. It reads pages the way a user would: the
// form's action, its hidden fields, and the error shown.

/** A fetched page. */
export interface Page {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

/** Hidden fields and action of the first form on a page whose action contains `actionPart`. */
export function formOf(page: Page, actionPart = ''): { action: string; fields: Record<string, string> } {
  const forms = [...page.body.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find((match) => decode(match[1]!).includes(actionPart));
  if (!form) throw new Error(`no form with action containing "${actionPart}" on ${page.url} (status ${page.status}):\n${page.body.slice(0, 2000)}`);
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1];
    if (name) fields[name] = decode(value ?? '');
  }
  return { action: new URL(decode(form[1]!), page.url).href, fields };
}

/** The stable error code a page shows, if any. */
export function errorCodeOf(page: Page): string | undefined {
  return /data-error-code="([^"]+)"/.exec(page.body)?.[1];
}

function decode(text: string): string {
  return text.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
}

/** A cookie-keeping HTTP client that follows redirects until it leaves the server. */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly origin: string) {}

  private store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      const expired = attributes.some((attribute) => /max-age=0/i.test(attribute.trim()) || /expires=Thu, 01 Jan 1970/i.test(attribute.trim()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** One request, no redirect following. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html' };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const send = () => fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    // A kept-alive socket to a server that was restarted fails once; browsers retry on a new one too.
    const response = await send().catch(send);
    this.store(response);
    return response;
  }

  /** Requests and follows redirects on this server; stops at a redirect elsewhere (the client's callback). */
  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    let response = await this.request(url, init);
    let current = url;
    for (let hops = 0; hops < 20; hops += 1) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) break;
      const next = new URL(location, current).href;
      if (new URL(next).origin !== this.origin) return { url: next, status: response.status, body: '' };
      await response.arrayBuffer();
      current = next;
      response = await this.request(next);
    }
    return { url: current, status: response.status, body: await response.text() };
  }

  /** Fills and submits the form whose action contains `actionPart`. */
  async submit(page: Page, values: Record<string, string>, actionPart = ''): Promise<Page> {
    const form = formOf(page, actionPart);
    return this.go(form.action, { form: { ...form.fields, ...values } });
  }
}
