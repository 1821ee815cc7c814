// A real OpenID provider for the single sign-on tests: panva's certified `oidc-provider`,
// listening on 127.0.0.1 at a free port. Started by accounts/tests/oidc_provider.py.
//
// Environment:
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET  the portal's client (client_secret_basic)
//   OIDC_REDIRECT_URIS                  comma-separated callback URLs of the portal
//   OIDC_ACCOUNTS_FILE                  JSON {"<login>": {"email", "name", "groups": [...]}}, read
//                                       at every sign-in, so a test can change a person's groups
//                                       between two logins (as an IdP administrator would)
//
// Prints one line `ISSUER <url>` once it listens. The sign-in page is the provider's own
// development login form (any password); consent is granted for the portal's scopes, as an
// IdP does for a first-party client.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const SCOPES = 'openid email profile groups';

function accounts() {
  return JSON.parse(readFileSync(process.env.OIDC_ACCOUNTS_FILE, 'utf8'));
}

async function findAccount(ctx, id) {
  const person = accounts()[id];
  if (!person) return undefined;
  return {
    accountId: id,
    async claims() {
      const current = accounts()[id] || person; // the groups as they are now
      return {
        sub: id,
        email: current.email,
        email_verified: true,
        name: current.name || id,
        preferred_username: id,
        groups: current.groups || [],
      };
    },
  };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: process.env.OIDC_REDIRECT_URIS.split(','),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    findAccount,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: SCOPES.split(' '),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    // Skip the consent screen for the portal (first-party), as IdPs are set up to do.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(SCOPES);
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`ISSUER ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
