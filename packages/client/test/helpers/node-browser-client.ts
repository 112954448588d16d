import { StepwiseBrowserClient, type BrowserClientOptions, type OpenerHandle, type PopupHandle } from '../../src/index.js';
import { discoverProvider } from '../../src/index.js';
import { MemoryStorage } from './memory-storage.js';

/** A popup that records its URL and window name and can be closed by the "user". */
export class FakePopup implements PopupHandle {
  closed = false;
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}
  close(): void {
    this.closed = true;
  }
}

/**
 * The browser client with the browser replaced: navigation, the page URL,
 * popups and messages are recorded or simulated, so the redirect and popup
 * flows run in Node against a real HTTP server.
 */
export class NodeBrowserClient extends StepwiseBrowserClient {
  /** The page's URL; `navigate` changes it, as a browser would. */
  page = 'http://127.0.0.1:1/app/transfers?draft=1';
  readonly navigations: string[] = [];
  readonly popups: FakePopup[] = [];
  readonly messages = new EventTarget();
  blockPopups = false;
  openerWindow: OpenerHandle | null = null;
  closedWindow = false;
  #waiters: Array<(url: string) => void> = [];
  #popupWaiters: Array<(popup: FakePopup) => void> = [];

  /** Resolves at the next navigation, with its URL. */
  nextNavigation(): Promise<string> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves when the next popup opens. */
  nextPopup(): Promise<FakePopup> {
    return new Promise((resolve) => this.#popupWaiters.push(resolve));
  }

  protected override navigate(url: string): void {
    this.navigations.push(url);
    this.page = url;
    for (const resolve of this.#waiters.splice(0)) resolve(url);
  }

  protected override currentUrl(): string {
    return this.page;
  }

  protected override openPopup(url: string, name: string): PopupHandle | null {
    if (this.blockPopups) return null;
    const popup = new FakePopup(url, name);
    this.popups.push(popup);
    for (const resolve of this.#popupWaiters.splice(0)) resolve(popup);
    return popup;
  }

  protected override messageTarget(): EventTarget {
    return this.messages;
  }

  protected override opener(): OpenerHandle | null {
    return this.openerWindow;
  }

  protected override closeWindow(): void {
    this.closedWindow = true;
  }
}

/** The options every test client shares, pointing at a fake provider. */
export function clientOptions(issuer: string, resource: string, overrides: Partial<BrowserClientOptions> = {}): BrowserClientOptions {
  return {
    issuer,
    clientId: 'bank-web',
    redirectUri: 'http://127.0.0.1:1/callback.html',
    resource,
    storage: new MemoryStorage(),
    ...overrides,
  };
}

/**
 * Builds a Node test client the way `createBrowserClient` does: discovery first.
 *
 * @param options - client options
 */
export async function createNodeClient(options: BrowserClientOptions): Promise<NodeBrowserClient> {
  return new NodeBrowserClient(options, await discoverProvider(options.issuer, options.fetch));
}
