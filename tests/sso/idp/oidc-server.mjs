// A real OpenID Connect provider (node-oidc-provider) for the single sign-on tests. It listens
// on a free loopback port, prints {"issuer": ...} on its first line of output once it answers,
// and signs in anyone through its own login and consent pages: the login name is the email
// address, and OIDC_PEOPLE ({"email": "name"}) gives names. OIDC_CLIENTS is the JSON list of
// registered clients (client_id, client_secret, redirect_uris).
import http from "node:http";
import Provider from "oidc-provider";

const people = JSON.parse(process.env.OIDC_PEOPLE || "{}");
const clients = JSON.parse(process.env.OIDC_CLIENTS || "[]").map((client) => ({
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_post",
  ...client,
}));

const configuration = {
  clients,
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true, name: people[id] || id.split("@")[0] };
      },
    };
  },
};

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  server.on("request", provider.callback());
  process.stdout.write(JSON.stringify({ issuer }) + "\n");
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
