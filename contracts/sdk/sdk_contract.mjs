// The real client: @wacht/backend@1.0.0-beta.20 driven against a running `wacht-mock serve`.
//
//   node sdk_contract.mjs <base-url> <backend-secret>       (or WACHT_MOCK_URL and WACHT_MOCK_SECRET)
//
// Every `apiKeys` and `gateway` function of the SDK is called through `new WachtClient({ baseUrl, apiKey })`.
// Where SDK and backend agree the call must work (`ok <method>: ...`); where they disagree the script asserts the
// difference exactly as it shows at runtime (`sdk-bug <method>: ...`), and contracts/divergences.yaml records it
// as an upstream SDK bug. The first failed assertion stops the run with exit code 1.
//
// The mock is reset first (POST /_mock/reset). A fetch guard lets requests reach the mock's origin only: the SDK's
// misrouted calls (spec/sdk-and-docs.md §3.6) fail in-process and never reach api.wacht.dev or gateway.wacht.dev.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  AuthenticationError,
  ConflictError,
  NotFoundError,
  ValidationError,
  WachtClient,
  WachtError,
  apiKeys,
  gateway,
} from '@wacht/backend';

const SDK_VERSION = '1.0.0-beta.20';
const API_KEYS_FUNCTIONS = [
  'createApiAuthApp', 'createApiKey', 'createRateLimitScheme', 'deleteApiAuthApp', 'deleteRateLimitScheme',
  'getApiAuditAnalytics', 'getApiAuditLogs', 'getApiAuditTimeseries', 'getApiAuthApp', 'getRateLimitScheme',
  'listApiAuthApps', 'listApiKeys', 'listRateLimitSchemes', 'revokeApiKey', 'rotateApiKey', 'updateApiAuthApp',
  'updateRateLimitScheme',
];
const GATEWAY_FUNCTIONS = [
  'checkAuthz', 'checkPrincipalAuthz', 'resolveAuthzIdentity', 'resolveGatewayPrincipalContext',
];
const NOT_INITIALIZED =
  'Wacht SDK client not initialized. Set WACHT_API_KEY in the environment, or call initClient({ apiKey }) explicitly.';
const UNREADABLE_BODY = "Cannot read properties of null (reading 'message')";
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;
const SECRET_FORMAT = /^sk_test_[A-Za-z0-9_-]{43}$/;

const [urlArg, secretArg] = process.argv.slice(2);
const BASE_URL = urlArg ?? process.env.WACHT_MOCK_URL;
const SECRET = secretArg ?? process.env.WACHT_MOCK_SECRET;
if (!BASE_URL || !SECRET) {
  console.error('usage: node sdk_contract.mjs <base-url> <backend-secret>  (or WACHT_MOCK_URL and WACHT_MOCK_SECRET)');
  process.exit(2);
}
// The SDK resolves its paths with new URL(path, baseUrl), which drops any path in baseUrl (§3.1): use the origin.
const ORIGIN = new URL(BASE_URL).origin;
// The §3.6 checks need the SDK's global client uninitialised, whatever the caller's environment holds.
delete process.env.WACHT_API_KEY;

// ---- the fetch guard: the mock's origin only, and a record of every exchange -----------------------------------

const GUARD = "blocked by the contract's fetch guard:";
const realFetch = globalThis.fetch;
const exchanges = []; // {method, path, headers, body, status, contentType, text} per request that reached the mock
const blocked = []; // {method, url, headers, body} per request the guard stopped
globalThis.fetch = async (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = init.method ?? 'GET';
  const headers = Object.fromEntries(new Headers(init.headers));
  const body = typeof init.body === 'string' ? init.body : undefined;
  if (url.origin !== ORIGIN) {
    blocked.push({ method, url: url.href, headers, body });
    throw new Error(`${GUARD} ${method} ${url.href}`);
  }
  const response = await realFetch(input, init);
  const text = await response.clone().text();
  const contentType = response.headers.get('content-type') ?? '';
  const path = url.pathname + url.search;
  exchanges.push({ method, path, headers, body, status: response.status, contentType, text });
  return response;
};
const lastExchange = () => exchanges.at(-1);
/** "METHOD /path STATUS" of the last request that reached the mock. */
const lastRequest = () => `${lastExchange().method} ${lastExchange().path} ${lastExchange().status}`;

// ---- checks --------------------------------------------------------------------------------------------------

class Stop extends Error {}

async function check(tag, method, what, body) {
  let detail;
  try {
    detail = await body();
  } catch (error) {
    const raw = lastExchange();
    const context = raw ? `\nlast request to the mock: ${raw.method} ${raw.path} -> ${raw.status} ${raw.text}` : '';
    console.error(`FAIL ${method}: ${what}\n${error?.stack ?? error}${context}`);
    throw new Stop();
  }
  console.log(`${tag} ${method}: ${what}${detail ? ` (${detail})` : ''}`);
}
const ok = (method, what, body) => check('ok', method, what, body);
const sdkBug = (method, what, body) => check('sdk-bug', method, what, body);

async function rejection(promise) {
  let value;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  assert.fail(`expected the call to throw, it resolved to ${JSON.stringify(value)}`);
}

/** The backend answered {"errors":[{message, code}]}; the SDK keeps the class and status but not the message. */
async function unreadMessage(promise, ErrorClass, status, message) {
  const before = exchanges.length;
  const error = await rejection(promise);
  assert.equal(exchanges.length, before + 1, 'exactly one request reached the mock');
  const raw = lastExchange();
  assert.equal(raw.status, status);
  assert.match(raw.contentType, /^application\/json/);
  assert.deepEqual(JSON.parse(raw.text), { errors: [{ message, code: status }] });
  assert.ok(error instanceof ErrorClass, `${error?.name}: ${error?.message}`);
  assert.equal(error.name, ErrorClass.name);
  assert.equal(error.statusCode, status);
  assert.equal(error.message, 'An error occurred');
  assert.equal(error.details, undefined);
  return `backend said ${status} ${JSON.stringify(message)}, SDK says ${error.name}(${JSON.stringify(error.message)})`;
}

/** §3.6: the call never reaches a server; getClient() throws because WACHT_API_KEY is unset. */
async function notInitialized(promise) {
  const before = exchanges.length;
  const blockedBefore = blocked.length;
  const error = await rejection(promise);
  assert.equal(error.constructor, Error, `${error?.name}: ${error?.message}`);
  assert.ok(!(error instanceof WachtError));
  assert.equal(error.message, NOT_INITIALIZED);
  assert.equal(exchanges.length, before, 'no request reached the mock');
  assert.equal(blocked.length, blockedBefore, 'no request was attempted anywhere');
}

// ---- the run -------------------------------------------------------------------------------------------------

async function main() {
  const reset = await realFetch(`${ORIGIN}/_mock/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  }).catch((error) => {
    throw new Error(`cannot reach wacht-mock at ${ORIGIN}: ${error.cause?.message ?? error.message}`);
  });
  assert.equal(reset.status, 200, `POST ${ORIGIN}/_mock/reset answered ${reset.status}: is this wacht-mock?`);

  const client = new WachtClient({ baseUrl: ORIGIN, apiKey: SECRET });
  const atMock = { gatewayUrl: ORIGIN };
  const APP = 'sdk-billing';
  const SCHEME = 'sdk-standard';
  const RULE = { unit: 'minute', duration: 1, max_requests: 100 };
  const STORED_RULE = { ...RULE, priority: 0 };

  const exported = `version ${SDK_VERSION}; apiKeys and gateway export exactly the functions driven here`;
  await ok('@wacht/backend', exported, () => {
    const packageJson = new URL('../package.json', import.meta.resolve('@wacht/backend'));
    assert.equal(JSON.parse(readFileSync(packageJson, 'utf8')).version, SDK_VERSION);
    assert.deepEqual(Object.keys(apiKeys).sort(), API_KEYS_FUNCTIONS);
    assert.deepEqual(Object.keys(gateway).sort(), GATEWAY_FUNCTIONS);
    assert.deepEqual(Object.keys(client.apiKeys).sort(), API_KEYS_FUNCTIONS);
    assert.deepEqual(Object.keys(client.gateway).sort(), GATEWAY_FUNCTIONS);
  });

  // ---- rate-limit schemes ----

  let scheme;
  await ok('apiKeys.createRateLimitScheme', `creates '${SCHEME}'; its rule comes back with priority 0`, async () => {
    scheme = await client.apiKeys.createRateLimitScheme({ slug: SCHEME, name: 'Standard', rules: [RULE] });
    assert.equal(lastRequest(), 'POST /api-auth/rate-limit-schemes 200');
    assert.equal(lastExchange().headers.authorization, `Bearer ${SECRET}`);
    assert.equal(lastExchange().headers['content-type'], 'application/json');
    assert.equal(scheme.slug, SCHEME);
    assert.equal(scheme.name, 'Standard');
    assert.equal(scheme.description, null);
    assert.deepEqual(scheme.rules, [STORED_RULE]);
    assert.match(scheme.created_at, TIMESTAMP);
    assert.equal(scheme.updated_at, scheme.created_at);
  });
  const schemeCreateBody = lastExchange().text;

  await sdkBug(
    'apiKeys.createRateLimitScheme',
    'id and deployment_id are JSON numbers, not the typed strings; the 63-bit id is past 2^53, so JSON.parse rounds it',
    () => {
      const rawId = /"id":(\d+)/.exec(schemeCreateBody)[1];
      assert.equal(typeof scheme.id, 'number');
      assert.equal(typeof scheme.deployment_id, 'number');
      assert.ok(Number.isSafeInteger(scheme.deployment_id));
      assert.ok(BigInt(rawId) > BigInt(Number.MAX_SAFE_INTEGER), rawId);
      assert.equal(Number.isSafeInteger(scheme.id), false);
      return BigInt(rawId) === BigInt(scheme.id)
        ? `id ${rawId} happened to be exactly representable this time`
        : `id ${rawId} became ${BigInt(scheme.id)}`;
    },
  );

  await sdkBug('apiKeys.createRateLimitScheme', 'a duplicate slug is a ConflictError without its message', () =>
    unreadMessage(
      client.apiKeys.createRateLimitScheme({ slug: SCHEME, name: 'Again', rules: [RULE] }),
      ConflictError,
      409,
      `Rate limit scheme '${SCHEME}' already exists`,
    ),
  );

  await ok('apiKeys.listRateLimitSchemes', 'unwraps the backend\'s {schemes,total} to the scheme array', async () => {
    const schemes = await client.apiKeys.listRateLimitSchemes();
    assert.deepEqual(Object.keys(JSON.parse(lastExchange().text)), ['schemes', 'total']);
    assert.equal(JSON.parse(lastExchange().text).total, 1);
    assert.deepEqual(schemes, [scheme]);
  });

  await ok('apiKeys.getRateLimitScheme', `reads '${SCHEME}' by slug`, async () => {
    assert.deepEqual(await client.apiKeys.getRateLimitScheme(SCHEME), scheme);
  });

  await ok('apiKeys.updateRateLimitScheme', 'renames and describes the scheme; omitted rules stay', async () => {
    const changes = { name: 'Standard v2', description: 'contract' };
    const updated = await client.apiKeys.updateRateLimitScheme(SCHEME, changes);
    assert.equal(lastRequest(), `PATCH /api-auth/rate-limit-schemes/${SCHEME} 200`);
    assert.equal(updated.id, scheme.id);
    assert.equal(updated.name, 'Standard v2');
    assert.equal(updated.description, 'contract');
    assert.deepEqual(updated.rules, [STORED_RULE]);
    assert.equal(updated.created_at, scheme.created_at);
    assert.ok(updated.updated_at >= scheme.updated_at);
  });

  await sdkBug('apiKeys.getRateLimitScheme', 'an unknown slug is a NotFoundError without its message', () =>
    unreadMessage(client.apiKeys.getRateLimitScheme('sdk-missing'), NotFoundError, 404, 'Rate limit scheme not found'),
  );

  // ---- apps ----

  let app;
  await ok('apiKeys.createApiAuthApp', `creates '${APP}'; its rate_limits come from '${SCHEME}'`, async () => {
    app = await client.apiKeys.createApiAuthApp({
      app_slug: APP,
      name: 'Billing',
      key_prefix: 'sk_test',
      description: 'SDK contract',
      permissions: ['users:read', 'users:write'],
      resources: ['users/*'],
      rate_limit_scheme_slug: SCHEME,
    });
    assert.equal(app.app_slug, APP);
    assert.equal(app.name, 'Billing');
    assert.equal(app.key_prefix, 'sk_test');
    assert.equal(app.description, 'SDK contract');
    assert.equal(app.is_active, true);
    assert.equal(typeof app.deployment_id, 'string');
    assert.deepEqual(app.permissions, ['users:read', 'users:write']);
    assert.deepEqual(app.resources, ['users/*']);
    assert.equal(app.rate_limit_scheme_slug, SCHEME);
    assert.deepEqual(app.rate_limits, [STORED_RULE]);
    assert.match(app.created_at, TIMESTAMP);
    assert.equal(app.deleted_at, null);
  });

  await sdkBug('apiKeys.createApiAuthApp', 'user_id with permissions is a ValidationError without its message', () =>
    unreadMessage(
      client.apiKeys.createApiAuthApp({
        app_slug: 'sdk-user-app',
        name: 'User app',
        key_prefix: 'sk_user',
        user_id: 11,
        permissions: [],
      }),
      ValidationError,
      400,
      'permissions/resources cannot be set when user_id is attached',
    ),
  );

  await sdkBug(
    'apiKeys.listApiAuthApps',
    'the backend answers {data,has_more,limit,offset}; the SDK returns its .apps, so listApiAuthApps({}) is undefined',
    async () => {
      const apps = await client.apiKeys.listApiAuthApps({});
      assert.equal(lastRequest(), 'GET /api-auth/apps 200');
      assert.deepEqual(JSON.parse(lastExchange().text), { data: [app], has_more: false, limit: 50, offset: 0 });
      assert.equal(apps, undefined);
    },
  );

  await sdkBug(
    'apiKeys.listApiAuthApps',
    'limit and offset are typed but not sent: {limit:1,offset:1,include_inactive:true} asks ?include_inactive=true',
    async () => {
      const apps = await client.apiKeys.listApiAuthApps({ limit: 1, offset: 1, include_inactive: true });
      assert.equal(lastExchange().path, '/api-auth/apps?include_inactive=true');
      assert.deepEqual(JSON.parse(lastExchange().text), { data: [app], has_more: false, limit: 50, offset: 0 });
      assert.equal(apps, undefined);
    },
  );

  await ok('apiKeys.getApiAuthApp', `reads '${APP}' as created`, async () => {
    assert.deepEqual(await client.apiKeys.getApiAuthApp(APP), app);
  });

  await sdkBug('apiKeys.getApiAuthApp', 'an unknown app is a NotFoundError without its message', () =>
    unreadMessage(client.apiKeys.getApiAuthApp('sdk-missing'), NotFoundError, 404, 'API key app not found'),
  );

  await ok('apiKeys.updateApiAuthApp', 'renames the app; omitted fields stay as they were', async () => {
    const updated = await client.apiKeys.updateApiAuthApp(APP, { name: 'Billing v2', is_active: true });
    assert.equal(lastRequest(), `PATCH /api-auth/apps/${APP} 200`);
    assert.equal(updated.name, 'Billing v2');
    assert.equal(updated.description, 'SDK contract');
    assert.deepEqual(updated.permissions, app.permissions);
    assert.deepEqual(updated.rate_limits, [STORED_RULE]);
    assert.equal(updated.created_at, app.created_at);
    app = updated;
  });

  // ---- keys ----

  let key;
  await sdkBug(
    'apiKeys.createApiKey',
    'the backend sends the key flattened with its secret; the SDK types {key, secret}, so result.key is undefined',
    async () => {
      const request = { name: 'server', permissions: ['users:read'], metadata: { team: 'billing' } };
      key = await client.apiKeys.createApiKey(APP, request);
      assert.equal(lastRequest(), `POST /api-auth/apps/${APP}/keys 200`);
      assert.equal(key.key, undefined);
      assert.throws(() => key.key.id, TypeError);
      assert.equal(typeof key.secret, 'string');
      assert.match(key.id, /^\d+$/);
      assert.equal(Object.keys(key).at(-1), 'secret');
    },
  );

  await ok('apiKeys.createApiKey', 'the secret is sk_test_ + 43 base64url chars; key_suffix is its last 8', () => {
    assert.match(key.secret, SECRET_FORMAT);
    assert.equal(key.key_suffix, key.secret.slice(-8));
    assert.equal(key.key_prefix, 'sk_test');
    assert.equal(key.app_slug, APP);
    assert.equal(key.name, 'server');
    assert.deepEqual(key.permissions, ['users:read']);
    assert.deepEqual(key.metadata, { team: 'billing' });
    assert.deepEqual(key.rate_limits, []);
    assert.equal(key.is_active, true);
    assert.equal(key.revoked_at, null);
  });

  await ok('apiKeys.listApiKeys', "unwraps {keys}: the active key, no secret, rules resolved", async () => {
    const keys = await client.apiKeys.listApiKeys(APP, {});
    assert.equal(lastExchange().path, `/api-auth/apps/${APP}/keys`);
    assert.deepEqual(Object.keys(JSON.parse(lastExchange().text)), ['keys']);
    assert.equal(keys.length, 1);
    const { secret: _secret, rate_limits: _rules, ...fields } = key;
    assert.deepEqual({ ...keys[0], rate_limits: undefined }, { ...fields, rate_limits: undefined });
    assert.equal('secret' in keys[0], false);
    assert.deepEqual(keys[0].rate_limits, [STORED_RULE]);
  });

  // ---- gateway ----

  let allowed;
  await ok('gateway.checkPrincipalAuthz', 'the key may GET /users with users:read; no Authorization', async () => {
    allowed = await client.gateway.checkPrincipalAuthz(
      {
        principalType: 'api_key',
        principalValue: key.secret,
        resource: '/users',
        method: 'GET',
        clientIp: '203.0.113.7',
        userAgent: 'sdk-contract',
        requiredPermissions: ['users:read'],
      },
      atMock,
    );
    assert.equal(lastRequest(), 'POST /v1/authz/check 200');
    assert.equal(lastExchange().headers.authorization, undefined);
    assert.deepEqual(JSON.parse(lastExchange().body), {
      principal: { type: 'api_key', value: key.secret },
      resource: '/users',
      method: 'GET',
      client_ip: '203.0.113.7',
      user_agent: 'sdk-contract',
      required_permissions: ['users:read'],
    });
    assert.equal(allowed.allowed, true);
    assert.equal(allowed.reason, null);
    assert.match(allowed.request_id, /^req_\d+$/);
    assert.equal(allowed.identity.key_id, key.id);
    assert.equal(allowed.identity.app_slug, APP);
    assert.equal(allowed.identity.key_name, 'server');
    assert.deepEqual(allowed.permissions, ['users:read']);
    assert.deepEqual(allowed.metadata, { team: 'billing' });
    assert.deepEqual(allowed.rate_limits, [{ rule: '100/60s', remaining: 99, limit: 100 }]);
    assert.equal(allowed.headers['x-wacht-metadata'], 'team=billing');
    assert.equal(allowed.headers['x-ratelimit-60s-remaining'], '99');
  });

  await ok('gateway.checkAuthz', 'DELETE /users needing users:delete: 200 permission_denied', async () => {
    const principal = { type: 'api_key', value: key.secret };
    const payload = { principal, resource: '/users', method: 'DELETE', required_permissions: ['users:delete'] };
    const denied = await client.gateway.checkAuthz(payload, atMock);
    assert.equal(lastRequest(), 'POST /v1/authz/check 200');
    assert.equal(denied.allowed, false);
    assert.equal(denied.reason, 'permission_denied');
    assert.equal(denied.blocked_rule, 'permission_denied');
    assert.equal(denied.identity.key_id, key.id);
    assert.deepEqual(denied.rate_limits, []);
    assert.equal(denied.headers['x-wacht-permission-denied'], 'true');
  });

  await sdkBug(
    'gateway.checkAuthz',
    'a malformed key gets 401 and the denial envelope (allowed:false, no message); the SDK throws AuthenticationError',
    async () => {
      const principal = { type: 'api_key', value: 'sk_test_short' };
      const payload = { principal, resource: '/users', method: 'GET' };
      const error = await rejection(client.gateway.checkAuthz(payload, atMock));
      const raw = lastExchange();
      assert.equal(raw.status, 401);
      const body = JSON.parse(raw.text);
      assert.match(body.request_id, /^req_/);
      assert.deepEqual({ ...body, request_id: 'req' }, {
        request_id: 'req',
        allowed: false,
        reason: null,
        blocked_rule: null,
        identity: null,
        permissions: [],
        metadata: null,
        rate_limits: [],
        retry_after: null,
        headers: {},
      });
      assert.ok(error instanceof AuthenticationError, `${error?.name}: ${error?.message}`);
      assert.equal(error.statusCode, 401);
      assert.equal(error.message, 'An error occurred');
    },
  );

  await ok('gateway.resolveAuthzIdentity', 'adds principal_type api_key to the identity', () => {
    assert.deepEqual(client.gateway.resolveAuthzIdentity(allowed), { ...allowed.identity, principal_type: 'api_key' });
    assert.equal(gateway.resolveAuthzIdentity({ ...allowed, identity: null }), undefined);
  });

  await ok('gateway.resolveGatewayPrincipalContext', 'an api_key context with no owner, org or workspace', () => {
    const context = client.gateway.resolveGatewayPrincipalContext(allowed);
    assert.equal(context.tokenType, 'api_key');
    assert.equal(context.identity.key_id, key.id);
    assert.equal(context.ownerUserId, null);
    assert.equal(context.organizationId, null);
    assert.equal(context.workspaceId, null);
    assert.deepEqual(context.permissions, ['users:read']);
    assert.equal(context.metadata.principal_type, 'api_key');
    assert.equal(context.metadata.team, 'billing');
    assert.deepEqual(context.metadata.permissions_checked, ['users:read']);
    assert.deepEqual(context.metadata.organization_permissions, []);
  });

  // ---- rotate and revoke ----

  let rotated;
  await sdkBug('apiKeys.rotateApiKey', 'the new key comes back flattened: result.key is undefined', async () => {
    rotated = await client.apiKeys.rotateApiKey(APP, key.id);
    assert.equal(lastRequest(), `POST /api-auth/apps/${APP}/keys/${key.id}/rotate 200`);
    assert.equal(lastExchange().body, '{}');
    assert.equal(rotated.key, undefined);
    assert.match(rotated.secret, SECRET_FORMAT);
    assert.notEqual(rotated.secret, key.secret);
    assert.notEqual(rotated.id, key.id);
    assert.equal(rotated.name, 'server');
    assert.deepEqual(rotated.metadata, { team: 'billing' });
  });

  await ok('apiKeys.listApiKeys', '{include_inactive:true} shows the rotated-away key revoked as Rotated', async () => {
    const keys = await client.apiKeys.listApiKeys(APP, { include_inactive: true });
    assert.equal(lastExchange().path, `/api-auth/apps/${APP}/keys?include_inactive=true`);
    assert.deepEqual(
      keys.map((k) => [k.id, k.is_active, k.revoked_reason]),
      [[rotated.id, true, null], [key.id, false, 'Rotated']],
    );
  });

  await sdkBug('apiKeys.revokeApiKey', "typed Promise<void>, resolves to the backend's body {}", async () => {
    const result = await client.apiKeys.revokeApiKey(APP, rotated.id, { reason: 'contract done' });
    assert.equal(lastRequest(), `POST /api-auth/apps/${APP}/keys/${rotated.id}/revoke 200`);
    assert.equal(lastExchange().body, '{"reason":"contract done"}');
    assert.deepEqual(result, {});
    const [latest] = await client.apiKeys.listApiKeys(APP, { include_inactive: true });
    assert.deepEqual([latest.id, latest.is_active, latest.revoked_reason], [rotated.id, false, 'contract done']);
  });

  await sdkBug('apiKeys.revokeApiKey', 'revoking twice is a NotFoundError without its message', () =>
    unreadMessage(
      client.apiKeys.revokeApiKey(APP, rotated.id, {}),
      NotFoundError,
      404,
      'API key not found or already revoked',
    ),
  );

  await sdkBug('apiKeys.rotateApiKey', 'rotating a revoked key is a NotFoundError without its message', () =>
    unreadMessage(client.apiKeys.rotateApiKey(APP, rotated.id), NotFoundError, 404, 'API key not found or inactive'),
  );

  await sdkBug(
    'gateway.checkPrincipalAuthz',
    "a revoked key gets 401 text/plain 'Invalid API key'; the SDK can't read it: WachtError without statusCode",
    async () => {
      const error = await rejection(
        client.gateway.checkPrincipalAuthz(
          { principalType: 'api_key', principalValue: rotated.secret, resource: '/users', method: 'GET' },
          atMock,
        ),
      );
      const raw = lastExchange();
      assert.equal(raw.status, 401);
      assert.match(raw.contentType, /^text\/plain/);
      assert.equal(raw.text, 'Invalid API key');
      assert.equal(error.constructor, WachtError, `${error?.name}: ${error?.message}`);
      assert.equal(error.message, UNREADABLE_BODY);
      assert.equal(error.statusCode, undefined);
    },
  );

  // ---- audit (two decisions were recorded for the app: one allowed, one denied) ----

  await ok('apiKeys.getApiAuditLogs', 'pages the two decisions newest first with limit 1 and next_cursor', async () => {
    const first = await client.apiKeys.getApiAuditLogs(APP, { limit: 1 });
    assert.equal(lastExchange().path, `/api-auth/apps/${APP}/audit/logs?limit=1`);
    assert.equal(first.limit, 1);
    assert.equal(first.has_more, true);
    assert.equal(first.data.length, 1);
    assert.equal(first.data[0].outcome, 'BLOCKED');
    assert.equal(first.data[0].blocked_by_rule, 'permission_denied');
    assert.equal(first.data[0].path, 'DELETE /users');
    assert.equal(first.data[0].key_id, key.id);
    assert.equal(typeof first.next_cursor, 'string');
    const second = await client.apiKeys.getApiAuditLogs(APP, { limit: 1, cursor: first.next_cursor });
    assert.equal(second.has_more, false);
    assert.equal(second.data.length, 1);
    const [entry] = second.data;
    assert.equal(entry.outcome, 'VALID');
    assert.equal(entry.blocked_by_rule, null);
    assert.equal(entry.path, 'GET /users');
    assert.equal(entry.client_ip, '203.0.113.7');
    assert.equal(entry.user_agent, 'sdk-contract');
    assert.equal(entry.request_id, allowed.request_id);
    assert.deepEqual(entry.rate_limits, [{ rule: '100/60s', remaining: 99, limit: 100 }]);
    assert.match(entry.timestamp, TIMESTAMP);
  });

  await ok('apiKeys.getApiAuditAnalytics', '2 requests, 1 allowed, 1 blocked, 50%; top_keys as asked', async () => {
    const analytics = await client.apiKeys.getApiAuditAnalytics(APP, { include_top_keys: true });
    assert.equal(lastExchange().path, `/api-auth/apps/${APP}/audit/analytics?include_top_keys=true`);
    assert.equal(analytics.total_requests, 2);
    assert.equal(analytics.allowed_requests, 1);
    assert.equal(analytics.blocked_requests, 1);
    assert.equal(analytics.success_rate, 50);
    assert.equal(analytics.keys_used_24h, 1);
    assert.deepEqual(analytics.top_keys, [{ key_id: key.id, key_name: 'server', total_requests: 2 }]);
    assert.equal('top_paths' in analytics, false);
    assert.equal('blocked_reasons' in analytics, false);
  });

  await ok('apiKeys.getApiAuditTimeseries', 'day buckets adding up to the two decisions', async () => {
    const series = await client.apiKeys.getApiAuditTimeseries(APP, { interval: 'day' });
    assert.equal(lastExchange().path, `/api-auth/apps/${APP}/audit/timeseries?interval=day`);
    assert.equal(series.interval, 'day');
    assert.ok(series.data.length >= 1);
    for (const bucket of series.data) assert.match(bucket.timestamp, /T00:00:00Z$/);
    const sum = (field) => series.data.reduce((total, bucket) => total + bucket[field], 0);
    assert.deepEqual([sum('total_requests'), sum('allowed_requests'), sum('blocked_requests')], [2, 1, 1]);
  });

  // ---- deletes ----

  await sdkBug('apiKeys.deleteRateLimitScheme', 'an assigned scheme is a ValidationError without its message', () =>
    unreadMessage(
      client.apiKeys.deleteRateLimitScheme(SCHEME),
      ValidationError,
      400,
      'Cannot delete rate limit scheme while it is assigned to API auth apps',
    ),
  );

  await sdkBug('apiKeys.deleteApiAuthApp', "typed Promise<void>, resolves to the backend's body {}", async () => {
    const result = await client.apiKeys.deleteApiAuthApp(APP);
    assert.equal(lastRequest(), `DELETE /api-auth/apps/${APP} 200`);
    assert.deepEqual(result, {});
    assert.equal((await rejection(client.apiKeys.getApiAuthApp(APP))).statusCode, 404);
  });

  await ok('apiKeys.deleteRateLimitScheme', 'deleted once unassigned: 204, resolves to undefined', async () => {
    const result = await client.apiKeys.deleteRateLimitScheme(SCHEME);
    assert.equal(lastRequest(), `DELETE /api-auth/rate-limit-schemes/${SCHEME} 204`);
    assert.equal(result, undefined);
    assert.deepEqual(await client.apiKeys.listRateLimitSchemes(), []);
  });

  const wrongSecret = `${SECRET.slice(0, -1)}${SECRET.endsWith('A') ? 'B' : 'A'}`;
  const stranger = new WachtClient({ baseUrl: ORIGIN, apiKey: wrongSecret });
  await sdkBug('apiKeys.listRateLimitSchemes', 'an unknown secret is an AuthenticationError without its message', () =>
    unreadMessage(
      stranger.apiKeys.listRateLimitSchemes(),
      AuthenticationError,
      401,
      'Authentication failed',
    ),
  );

  // ---- §3.6: an omitted options argument lets the bound client fall into the options slot ----

  const misrouted =
    'no options argument: the client fills the options slot, getClient() is used, and with WACHT_API_KEY unset ' +
    'it throws before any request';
  const bound = client.apiKeys;
  await sdkBug('apiKeys.listApiAuthApps', misrouted, () => notInitialized(bound.listApiAuthApps()));
  await sdkBug('apiKeys.listApiKeys', misrouted, () => notInitialized(bound.listApiKeys(APP)));
  await sdkBug('apiKeys.revokeApiKey', misrouted, () => notInitialized(bound.revokeApiKey(APP, key.id)));
  await sdkBug('apiKeys.getApiAuditLogs', misrouted, () => notInitialized(bound.getApiAuditLogs(APP)));
  await sdkBug('apiKeys.getApiAuditAnalytics', misrouted, () => notInitialized(bound.getApiAuditAnalytics(APP)));
  await sdkBug('apiKeys.getApiAuditTimeseries', misrouted, () => notInitialized(bound.getApiAuditTimeseries(APP)));

  await sdkBug(
    'gateway.checkPrincipalAuthz',
    'no options argument: the client is taken as the options, so it goes to https://gateway.wacht.dev (guard stops it)',
    async () => {
      const payload = { principalType: 'api_key', principalValue: key.secret, resource: '/users', method: 'GET' };
      const error = await rejection(client.gateway.checkPrincipalAuthz(payload));
      assert.equal(error.constructor, WachtError);
      assert.equal(error.message, `${GUARD} POST https://gateway.wacht.dev/v1/authz/check`);
      assert.equal(blocked.length, 1);
    },
  );

  // With a (fake) WACHT_API_KEY the same calls leave for api.wacht.dev; the fetch guard stops them in-process.
  const ENV_KEY = 'sk_env_key_of_the_contract_never_sent_anywhere';
  process.env.WACHT_API_KEY = ENV_KEY;
  try {
    await sdkBug(
      'apiKeys.listApiAuthApps',
      'no options argument, WACHT_API_KEY set: GET https://api.wacht.dev/api-auth/apps with the env key, not the mock',
      async () => {
        const before = exchanges.length;
        const error = await rejection(client.apiKeys.listApiAuthApps());
        assert.equal(error.constructor, WachtError);
        assert.equal(error.message, `${GUARD} GET https://api.wacht.dev/api-auth/apps`);
        assert.equal(blocked.at(-1).headers.authorization, `Bearer ${ENV_KEY}`);
        assert.equal(exchanges.length, before);
      },
    );
    await sdkBug(
      'apiKeys.revokeApiKey',
      'no options argument, WACHT_API_KEY set: POSTs to https://api.wacht.dev with the serialized local client ' +
        '(the mock secret included) as its body',
      async () => {
        const error = await rejection(client.apiKeys.revokeApiKey(APP, key.id));
        const url = `https://api.wacht.dev/api-auth/apps/${APP}/keys/${key.id}/revoke`;
        assert.equal(error.message, `${GUARD} POST ${url}`);
        const request = blocked.at(-1);
        assert.equal(request.headers.authorization, `Bearer ${ENV_KEY}`);
        const body = JSON.parse(request.body);
        assert.equal(body.baseUrl, ORIGIN);
        assert.equal(body.defaultHeaders.Authorization, `Bearer ${SECRET}`);
      },
    );
  } finally {
    delete process.env.WACHT_API_KEY;
  }

  await ok('fetch-guard', 'only the three deliberately misrouted calls tried to leave the mock; none left', () => {
    assert.deepEqual(
      blocked.map((request) => `${request.method} ${new URL(request.url).origin}`),
      ['POST https://gateway.wacht.dev', 'GET https://api.wacht.dev', 'POST https://api.wacht.dev'],
    );
  });
}

try {
  await main();
} catch (error) {
  if (!(error instanceof Stop)) console.error(`FAIL: ${error?.stack ?? error}`);
  process.exitCode = 1;
}
