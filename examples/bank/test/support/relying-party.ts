// openid-client as the bank's public client, `demo-app`, getting real access
// tokens for the bank API from a real Stepwise. It answers whatever Stepwise
// asks on the way: the password, a first authenticator app (enrollment) or
// a code from it.
import * as oidc from 'openid-client';
import { DEMO_USER, totpCodeAt } from '@stepwise/server';
import { FormBrowser, typedSecretIn, type Page } from './form-browser.js';
import type { DemoWorld } from './demo-world.js';

/** The authenticator app the test user holds once enrolled. */
export interface Authenticator {
  secret?: string;
  /** The 30-second TOTP step of the last code given: Stepwise accepts each step once. */
  lastStep?: number;
}

const TOTP_STEP_MS = 30_000;

/** A code of a step not used before, waiting for the next step when needed. */
async function freshCode(authenticator: Authenticator & { secret: string }): Promise<string> {
  let now = Date.now();
  if (authenticator.lastStep !== undefined && Math.floor(now / TOTP_STEP_MS) <= authenticator.lastStep) {
    const next = (authenticator.lastStep + 1) * TOTP_STEP_MS;
    await new Promise((resolve) => setTimeout(resolve, next - now + 50));
    now = Date.now();
  }
  authenticator.lastStep = Math.floor(now / TOTP_STEP_MS);
  return totpCodeAt(authenticator.secret, now);
}

/** Signs the demo user in through one browser session and returns access tokens for the bank API. */
export class BankRelyingParty {
  readonly browser: FormBrowser;
  readonly authenticator: Authenticator = {};
  /** The pages Stepwise showed during the last authorization, in order. */
  shown: string[] = [];

  private constructor(
    private readonly world: DemoWorld,
    private readonly config: oidc.Configuration,
  ) {
    this.browser = new FormBrowser(new URL(world.issuer).origin);
  }

  /** Discovers Stepwise; the client `demo-app` exists already. */
  static async discover(world: DemoWorld): Promise<BankRelyingParty> {
    const config = await oidc.discovery(new URL(world.issuer), 'demo-app', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    return new BankRelyingParty(world, config);
  }

  private async answer(page: Page): Promise<Page> {
    if (page.body.includes('/enroll-totp"')) {
      const secret = typedSecretIn(page.body);
      if (!secret) throw new Error(`no key on the enrollment page ${page.url}`);
      this.authenticator.secret = secret;
      return this.browser.submit(page, '/enroll-totp', { code: await freshCode({ ...this.authenticator, secret }) });
    }
    if (page.body.includes('/totp"')) {
      const { secret } = this.authenticator;
      if (!secret) throw new Error('Stepwise asks for a code before one was enrolled');
      const code = await freshCode(Object.assign(this.authenticator, { secret }));
      return this.browser.submit(page, '/totp', { code });
    }
    if (page.body.includes('/password"')) {
      return this.browser.submit(page, '/password', { username: DEMO_USER.username, password: DEMO_USER.password });
    }
    throw new Error(`unexpected page ${page.status} ${page.url}:\n${page.body.slice(0, 1500)}`);
  }

  /**
   * Runs an authorization request for the bank API through to its access token.
   *
   * @param params - extra authorization parameters (`acr_values`, `max_age`)
   * @returns the access token (a JWT for the bank API's audience)
   */
  async accessToken(params: Record<string, string> = {}): Promise<string> {
    return (await this.tokens(params)).access_token;
  }

  /**
   * A token approved for one transaction: the details go in a pushed
   * authorization request (RFC 9126), as the bank's client SDK sends them.
   *
   * @param details - the `authorization_details` to approve
   * @param params - further parameters (`acr_values`, `max_age`)
   */
  async boundAccessToken(details: readonly unknown[], params: Record<string, string> = {}): Promise<oidc.TokenEndpointResponse> {
    return this.tokens({ ...params, authorization_details: JSON.stringify(details) }, true);
  }

  private async tokens(params: Record<string, string>, pushed = false): Promise<oidc.TokenEndpointResponse> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const request = {
      redirect_uri: this.world.redirectUri,
      scope: 'openid profile',
      resource: this.world.resource,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...params,
    };
    const url = pushed ? await oidc.buildAuthorizationUrlWithPAR(this.config, request) : oidc.buildAuthorizationUrl(this.config, request);
    let page = await this.browser.go(url.href);
    this.shown = [];
    for (let step = 0; step < 5 && !page.url.startsWith(this.world.redirectUri); step += 1) {
      this.shown.push(page.body);
      page = await this.answer(page);
    }
    if (!page.url.startsWith(this.world.redirectUri)) throw new Error(`sign-in did not come back: ${page.url}`);
    const tokens = await oidc.authorizationCodeGrant(
      this.config,
      new URL(page.url),
      { pkceCodeVerifier: verifier, expectedState: state },
      { resource: params.resource ?? this.world.resource },
    );
    return tokens;
  }
}
