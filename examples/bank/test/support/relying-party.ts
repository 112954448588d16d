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
}

/** Signs the demo user in through one browser session and returns access tokens for the bank API. */
export class BankRelyingParty {
  readonly browser: FormBrowser;
  readonly authenticator: Authenticator = {};

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
      return this.browser.submit(page, '/enroll-totp', { code: totpCodeAt(secret, Date.now()) });
    }
    if (page.body.includes('/totp"')) {
      if (!this.authenticator.secret) throw new Error('Stepwise asks for a code before one was enrolled');
      return this.browser.submit(page, '/totp', { code: totpCodeAt(this.authenticator.secret, Date.now()) });
    }
    if (page.body.includes('/password"')) {
      return this.browser.submit(page, '/password', { username: DEMO_USER.username, password: DEMO_USER.password });
    }
    throw new Error(`unexpected page ${page.status} ${page.url}:\n${page.body.slice(0, 1500)}`);
  }

  /**
   * Runs an authorization request for the bank API through to tokens.
   *
   * @param params - extra authorization parameters (`acr_values`, `max_age`)
   * @returns the access token (a JWT for the bank API's audience)
   */
  async accessToken(params: Record<string, string> = {}): Promise<string> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(this.config, {
      redirect_uri: this.world.redirectUri,
      scope: 'openid profile',
      resource: this.world.resource,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...params,
    });
    let page = await this.browser.go(url.href);
    for (let step = 0; step < 5 && !page.url.startsWith(this.world.redirectUri); step += 1) page = await this.answer(page);
    if (!page.url.startsWith(this.world.redirectUri)) throw new Error(`sign-in did not come back: ${page.url}`);
    const tokens = await oidc.authorizationCodeGrant(
      this.config,
      new URL(page.url),
      { pkceCodeVerifier: verifier, expectedState: state },
      { resource: params.resource ?? this.world.resource },
    );
    return tokens.access_token;
  }
}
