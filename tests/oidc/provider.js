// A real OpenID provider (npm oidc-provider) on loopback, for the tests of log-in through OIDC.
//
//   node provider.js CONFIG.json
//
// CONFIG: { "port": 54321, "redirect_uris": [...], "post_logout_redirect_uris": [...],
//           "client_secret": "...", "users": { "<login>": { "email": "...", "amr": [...],
//           "acr": "..." } } }
//
// Clients, all with the same secret and redirect URIs, authorization code flow with PKCE:
//   finsam             an ordinary client;
//   finsam-fel-aud     its ID tokens name another audience (a misbehaving provider);
//   finsam-utgangen    its ID tokens expired an hour ago.
// The last two are re-signed with the provider's own key, so only the claim under test is wrong.
//
// Log-in page (/interaction/<uid>): a form with one field, "Testanvändare". Any name logs in
// (a name not in CONFIG.users is a person the provider knows and Finsam does not); the user's
// amr and acr from CONFIG go into the ID token. Consent is never asked (first-party client).
// Prints "ready <issuer>" on stdout once it listens.

import { readFileSync } from 'node:fs';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const users = config.users || {};

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const TAMPERED = {
  'finsam-fel-aud': (claims) => ({ ...claims, aud: 'en-annan-tjanst' }),
  'finsam-utgangen': (claims) => ({ ...claims, iat: claims.iat - 7200, exp: claims.iat - 3600 }),
};

const client = (clientId) => ({
  client_id: clientId,
  client_secret: config.client_secret,
  redirect_uris: config.redirect_uris,
  post_logout_redirect_uris: config.post_logout_redirect_uris || [],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

const provider = new Provider(issuer, {
  clients: ['finsam', ...Object.keys(TAMPERED)].map(client),
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['test-provider-cookie-key'] },
  pkce: { required: () => true },
  // acr and amr with the openid scope, so that they are in every ID token.
  claims: {
    openid: ['sub', 'acr', 'amr', 'auth_time', 'sid'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page(
          'Logga ut från testleverantören',
          `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Ja, logga ut</button>`,
        );
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const user = users[id] || {};
        return { sub: id, email: user.email, email_verified: Boolean(user.email), name: id };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

// Re-sign the ID token of the misbehaving clients after the token endpoint has answered.
provider.use(async (ctx, next) => {
  await next();
  const clientId = ctx.oidc?.client?.clientId;
  if (ctx.path !== '/token' || !TAMPERED[clientId] || !ctx.body?.id_token) return;
  const claims = TAMPERED[clientId](jose.decodeJwt(ctx.body.id_token));
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid, typ: 'JWT' })
      .sign(privateKey),
  };
});

const readForm = (req) => new Promise((resolve, reject) => {
  let data = '';
  req.on('data', (chunk) => { data += chunk; });
  req.on('end', () => resolve(new URLSearchParams(data)));
  req.on('error', reject);
});

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'POST') {
    const form = await readForm(req);
    const accountId = (form.get('login') || '').trim();
    const user = users[accountId] || {};
    await provider.interactionFinished(req, res, {
      login: { accountId, ...(user.amr ? { amr: user.amr } : {}), ...(user.acr ? { acr: user.acr } : {}) },
    }, { mergeWithLastSubmission: false });
    return;
  }
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(page('Testleverantörens inloggning', `
    <form method="post" action="/interaction/${escape(details.uid)}">
      <label for="login">Testanvändare</label>
      <input id="login" name="login" autocomplete="off" required>
      <button type="submit">Fortsätt</button>
    </form>`));
}

const callback = provider.callback();
http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 400;
      res.end(`interaction failed: ${error.message}`);
    });
    return;
  }
  callback(req, res);
}).listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
