// Stand-in for @actions/core's OIDC client in our bundles (scripts/bundle.mjs). The real one loads
// @actions/http-client, tunnel and undici at start-up, for a token no action of this suite asks for.
export class OidcClient {
  static async getIDToken() {
    throw new Error('core.getIDToken is not available in the deploy-actions bundles (see scripts/bundle.mjs)');
  }
}
