// A real SAML 2.0 identity provider (samlify) for the single sign-on tests. It listens on a free
// loopback port and prints {"entity_id", "sso_url", "metadata_url"} on its first line of output
// once it answers. It takes SP-initiated sign-ins (HTTP-Redirect binding), shows its own sign-in
// form (the login name is the email address; SAML_PEOPLE {"email": "name"} gives names), and
// answers with a signed assertion through the HTTP-POST binding. SAML_KEY and SAML_CERT are its
// signing key and certificate (PEM); SAML_SP is the service provider's entity id and ACS URL.
import http from "node:http";
import * as samlify from "samlify";

samlify.setSchemaValidator({ validate: async () => "skipped" });

const people = JSON.parse(process.env.SAML_PEOPLE || "{}");
const spConfig = JSON.parse(process.env.SAML_SP);
const POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function attribute(name, value) {
  return (
    `<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">` +
    `<saml:AttributeValue xsi:type="xs:string">${escape(value)}</saml:AttributeValue></saml:Attribute>`
  );
}

function page(body) {
  return `<!doctype html><html lang="en"><head><title>Identity provider</title></head><body>${body}</body></html>`;
}

function readBody(req) {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => resolve(Object.fromEntries(new URLSearchParams(data))));
  });
}

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const idp = samlify.IdentityProvider({
    entityID: `${base}/metadata`,
    privateKey: process.env.SAML_KEY,
    signingCert: process.env.SAML_CERT,
    nameIDFormat: [EMAIL_FORMAT],
    singleSignOnService: [{ Binding: REDIRECT, Location: `${base}/sso` }],
    wantAuthnRequestsSigned: false,
  });
  const sp = samlify.ServiceProvider({
    entityID: spConfig.entity_id,
    assertionConsumerService: [{ Binding: POST, Location: spConfig.acs }],
    wantAssertionsSigned: true,
  });

  // ``lifetime`` (minutes, a hidden field of the sign-in form) lets a test ask for an assertion
  // that has already expired.
  async function signIn(query, email, lifetime) {
    const { extract } = await idp.parseLoginRequest(sp, "redirect", { query });
    const name = people[email] || email.split("@")[0];
    const issued = new Date();
    const minutes = Number(lifetime) || 5;
    const now = new Date(issued.getTime() + Math.min(0, minutes * 2) * 60 * 1000);
    const later = new Date(now.getTime() + Math.abs(minutes) * 60 * 1000).toISOString();
    const response = await idp.createLoginResponse(sp, { extract }, "post", { email }, (template) => {
      const id = idp.entitySetting.generateID();
      const values = {
        ID: id,
        AssertionID: idp.entitySetting.generateID(),
        Destination: spConfig.acs,
        Audience: spConfig.entity_id,
        EntityID: spConfig.entity_id,
        SubjectRecipient: spConfig.acs,
        Issuer: `${base}/metadata`,
        IssueInstant: now.toISOString(),
        StatusCode: "urn:oasis:names:tc:SAML:2.0:status:Success",
        ConditionsNotBefore: now.toISOString(),
        ConditionsNotOnOrAfter: later,
        SubjectConfirmationDataNotOnOrAfter: later,
        NameIDFormat: EMAIL_FORMAT,
        NameID: escape(email),
        InResponseTo: extract.request.id,
        AuthnStatement:
          `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="${id}">` +
          "<saml:AuthnContext><saml:AuthnContextClassRef>" +
          "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport" +
          "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>",
        AttributeStatement:
          "<saml:AttributeStatement>" +
          attribute("email", email) +
          attribute("email_verified", "true") +
          attribute("name", name) +
          "</saml:AttributeStatement>",
      };
      return { id, context: template.replace(/\{(\w+)\}/g, (tag, key) => values[key] ?? tag) };
    });
    return response.context;
  }

  server.on("request", async (req, res) => {
    const url = new URL(req.url, base);
    try {
      if (url.pathname === "/metadata") {
        res.writeHead(200, { "Content-Type": "application/samlmetadata+xml" });
        res.end(idp.getMetadata());
      } else if (url.pathname === "/sso" && req.method === "GET") {
        const query = Object.fromEntries(url.searchParams);
        await idp.parseLoginRequest(sp, "redirect", { query });
        const hidden = Object.entries(query)
          .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
          .join("");
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end(page(
          `<h1>Sign in</h1><form method="post" action="/sso">${hidden}` +
          `<input type="hidden" name="lifetime" value="5">` +
          `<label>Email <input name="login" type="email"></label>` +
          `<label>Password <input name="password" type="password"></label>` +
          `<button type="submit">Sign in</button></form>`,
        ));
      } else if (url.pathname === "/sso" && req.method === "POST") {
        const form = await readBody(req);
        const query = { SAMLRequest: form.SAMLRequest };
        if (form.RelayState) query.RelayState = form.RelayState;
        const samlResponse = await signIn(query, form.login, form.lifetime);
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end(page(
          `<form method="post" action="${escape(spConfig.acs)}">` +
          `<input type="hidden" name="SAMLResponse" value="${escape(samlResponse)}">` +
          (form.RelayState ? `<input type="hidden" name="RelayState" value="${escape(form.RelayState)}">` : "") +
          `<button type="submit">Continue</button></form>`,
        ));
      } else {
        res.writeHead(404);
        res.end("Not found");
      }
    } catch (error) {
      res.writeHead(400, { "Content-Type": "text/plain" });
      res.end(`Bad request: ${error.message || error}`);
    }
  });
  process.stdout.write(
    JSON.stringify({ entity_id: `${base}/metadata`, sso_url: `${base}/sso`, metadata_url: `${base}/metadata` }) + "\n",
  );
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
