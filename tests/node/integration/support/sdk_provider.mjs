// The storage half of the TypeScript SDK's OAuthClientProvider, as an application keeps it in
// memory: the client's registration, its tokens, the PKCE verifier. A test extends it with
// redirectToAuthorization(url), its "browser" (a test agent, or Chromium), which must leave the
// authorization code in `this.code`.
import { randomBytes } from 'node:crypto';

export class SdkTestProvider {
  // `clientId`: a preset client (a Client ID Metadata Document URL); otherwise the SDK registers
  // one by DCR with clientMetadata.
  constructor(redirectUrl, { clientName = 'mcpgate test client', clientId } = {}) {
    this.redirect = redirectUrl;
    this.clientName = clientName;
    if (clientId) this.client = { client_id: clientId };
  }
  get redirectUrl() { return this.redirect; }
  get clientMetadata() {
    return { client_name: this.clientName, redirect_uris: [this.redirect], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  state() { return randomBytes(16).toString('hex'); }
  clientInformation() { return this.client; }
  saveClientInformation(info) { this.client = info; }
  tokens() { return this.saved; }
  saveTokens(tokens) { this.saved = tokens; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
}
