// The control-plane audit (issue [2] item 3): pure rules with stable codes, a table of (fixture, codes).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_RULES, auditApi, auditTableMarkdown, entraIssuer, microsoftAppOf, type AuditInput, type DeployedApi } from '../../src/gate';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const V2 = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V1 = `https://sts.windows.net/${TENANT}/`;
const CLIENT = '99999999-8888-7777-6666-555555555555';
const STAGE = { name: '$default', accessLogDestination: 'arn:aws:logs:eu-west-1:1:log-group:x', throttling: { burstLimit: 50, rateLimit: 100 } };

function api(over: Partial<DeployedApi> = {}): DeployedApi {
  return {
    apiId: 'abc123',
    name: 'orders-api',
    authorizers: [{ id: 'a1', name: 'entra', type: 'JWT', issuer: V2, audiences: [CLIENT] }],
    routes: [
      { routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'a1' },
      { routeKey: 'GET /health', authorizationType: 'NONE' },
    ],
    stage: STAGE,
    ...over,
  };
}

const withAuthorizer = (issuer: string, audiences = [CLIENT]): Partial<DeployedApi> => ({
  authorizers: [
    { id: 'a1', name: 'entra', type: 'JWT', issuer: V2, audiences: [CLIENT] },
    { id: 'a2', name: 'second', type: 'JWT', issuer, audiences },
  ],
  routes: [
    { routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'a1' },
    { routeKey: 'POST /deploy', authorizationType: 'JWT', authorizerId: 'a2' },
    { routeKey: 'GET /health', authorizationType: 'NONE' },
  ],
});

const BASE: Omit<AuditInput, 'api'> = { reference: { issuer: V2, audiences: [CLIENT] }, publicRoutes: new Set(['GET /health']) };

const CASES: [string, Partial<DeployedApi>, Partial<AuditInput> & { allow?: string[] }, string[]][] = [
  ['the correct API', {}, {}, []],
  [
    'a route without an authorizer',
    { routes: [...api().routes, { routeKey: 'POST /admin', authorizationType: 'NONE' }] },
    {},
    ['AUDIT_ROUTE_WITHOUT_AUTHORIZER POST /admin'],
  ],
  ['the public route, not declared', {}, { publicRoutes: new Set() }, ['AUDIT_ROUTE_WITHOUT_AUTHORIZER GET /health']],
  ['$default open', { routes: [...api().routes, { routeKey: '$default' }] }, {}, ['AUDIT_ROUTE_WITHOUT_AUTHORIZER $default']],
  [
    "GitHub Actions' issuer on a second authorizer",
    withAuthorizer('https://token.actions.githubusercontent.com'),
    {},
    ['AUDIT_AUTHORIZER_TRUSTS_GITHUB_ACTIONS @second'],
  ],
  [
    "a GHEC enterprise's GitHub issuer",
    withAuthorizer('https://token.actions.githubusercontent.com/octo-enterprise'),
    {},
    ['AUDIT_AUTHORIZER_TRUSTS_GITHUB_ACTIONS @second'],
  ],
  [
    "GitHub's issuer, even without a reference issuer",
    withAuthorizer('https://token.actions.githubusercontent.com'),
    { reference: {} },
    ['AUDIT_AUTHORIZER_TRUSTS_GITHUB_ACTIONS @second'],
  ],
  ['a second authorizer trusting another issuer', withAuthorizer('https://idp.example.com'), {}, ['AUDIT_AUTHORIZER_FOREIGN_ISSUER @second']],
  ['declared with --allow-authorizer (by name)', withAuthorizer('https://idp.example.com'), { allow: ['second'] }, []],
  ['declared with --allow-authorizer (by id)', withAuthorizer('https://token.actions.githubusercontent.com'), { allow: ['a2'] }, []],
  ['another issuer, no reference: not judged', withAuthorizer('https://idp.example.com'), { reference: {} }, []],
  [
    'a v1 issuer for v2 tokens',
    { authorizers: [{ id: 'a1', name: 'entra', type: 'JWT', issuer: V1, audiences: [CLIENT] }] },
    {},
    ['AUDIT_AUTHORIZER_TOKEN_VERSION_MISMATCH @entra'],
  ],
  ['a v2 issuer for v1 tokens', {}, { reference: { issuer: V1 } }, ['AUDIT_AUTHORIZER_TOKEN_VERSION_MISMATCH @entra']],
  [
    'Microsoft Graph (app id) among the audiences',
    { authorizers: [{ id: 'a1', name: 'entra', type: 'JWT', issuer: V2, audiences: [CLIENT, '00000003-0000-0000-c000-000000000000'] }] },
    {},
    ['AUDIT_AUDIENCE_MICROSOFT_APP @entra'],
  ],
  [
    'Microsoft Graph (URI, trailing slash) among the audiences',
    { authorizers: [{ id: 'a1', name: 'entra', type: 'JWT', issuer: V2, audiences: ['https://graph.microsoft.com/'] }] },
    { reference: { issuer: V2 } },
    ['AUDIT_AUDIENCE_MICROSOFT_APP @entra'],
  ],
  [
    'Azure Resource Manager among the audiences',
    { authorizers: [{ id: 'a1', name: 'entra', type: 'JWT', issuer: V2, audiences: [CLIENT, 'https://management.azure.com/'] }] },
    {},
    ['AUDIT_AUDIENCE_MICROSOFT_APP @entra'],
  ],
  [
    'an audience beyond the reference',
    { authorizers: [{ id: 'a1', name: 'entra', type: 'JWT', issuer: V2, audiences: [CLIENT, 'api://orders-api'] }] },
    {},
    ['AUDIT_AUDIENCE_BEYOND_REFERENCE @entra'],
  ],
  [
    'an AWS_IAM route',
    { routes: [...api().routes, { routeKey: 'GET /internal', authorizationType: 'AWS_IAM' }] },
    {},
    ['AUDIT_ROUTE_UNJUDGED_AUTHORIZATION GET /internal @AWS_IAM'],
  ],
  ['an AWS_IAM route, declared', { routes: [...api().routes, { routeKey: 'GET /internal', authorizationType: 'AWS_IAM' }] }, { allow: ['AWS_IAM'] }, []],
  [
    'a Lambda (CUSTOM) authorizer',
    {
      authorizers: [...api().authorizers, { id: 'l1', name: 'legacy', type: 'REQUEST', audiences: [] }],
      routes: [...api().routes, { routeKey: 'GET /legacy', authorizationType: 'CUSTOM', authorizerId: 'l1' }],
    },
    {},
    ['AUDIT_ROUTE_UNJUDGED_AUTHORIZATION GET /legacy @legacy'],
  ],
  [
    'scopes on a route of app-only callers',
    { routes: [...api().routes, { routeKey: 'GET /scoped', authorizationType: 'JWT', authorizerId: 'a1', authorizationScopes: ['orders.read'] }] },
    {},
    ['AUDIT_SCOPES_FOR_APP_ONLY_CALLERS GET /scoped'],
  ],
  [
    'scopes for delegated callers',
    { routes: [...api().routes, { routeKey: 'GET /scoped', authorizationType: 'JWT', authorizerId: 'a1', authorizationScopes: ['orders.read'] }] },
    { callers: 'delegated' },
    [],
  ],
  ['a stage without access logs', { stage: { name: 'prod', throttling: STAGE.throttling } }, {}, ['AUDIT_STAGE_WITHOUT_ACCESS_LOGS']],
  ['a stage without throttling', { stage: { name: '$default', accessLogDestination: 'arn:x' } }, {}, ['AUDIT_STAGE_WITHOUT_THROTTLING']],
  [
    'a stage with a burst limit only',
    { stage: { name: '$default', accessLogDestination: 'arn:x', throttling: { burstLimit: 5 } } },
    {},
    ['AUDIT_STAGE_WITHOUT_THROTTLING'],
  ],
  ['no stage', { stage: undefined }, {}, ['AUDIT_STAGE_MISSING']],
  ['no stage read (a stack loaded offline)', { stage: undefined }, { stageRead: false }, []],
  [
    'routes added and removed out of band',
    {},
    { declaredRoutes: ['GET /orders', 'DELETE /orders'] },
    ['AUDIT_ROUTE_DRIFT GET /health', 'AUDIT_ROUTE_DRIFT DELETE /orders'],
  ],
];

describe('auditApi', () => {
  test.each(CASES)('%s', (_what, over, input, expected) => {
    const { allow, ...rest } = input;
    const findings = auditApi({ ...BASE, api: api(over), ...rest }, { allowAuthorizers: allow ?? [] });
    expect(findings.map((f) => `${f.code}${f.routeKey ? ` ${f.routeKey}` : ''}${f.authorizer ? ` @${f.authorizer}` : ''}`)).toEqual(expected);
    for (const f of findings) {
      expect(f.severity).toBe(AUDIT_RULES.find((r) => r.code === f.code)!.severity);
      expect(f.message).not.toMatch(/\n/);
      expect(f.fix.length).toBeGreaterThan(10);
    }
  });

  test('failures come before warnings, and a failure names the routes behind the authorizer', () => {
    const findings = auditApi({ ...BASE, api: api({ ...withAuthorizer('https://token.actions.githubusercontent.com', [CLIENT, 'extra']) }) });
    expect(findings.map((f) => f.severity)).toEqual(['failure', 'warning']);
    expect(findings[0]!.message).toBe(
      'authorizer "second" (routes POST /deploy) trusts https://token.actions.githubusercontent.com: any repository\'s workflow can mint a token from https://token.actions.githubusercontent.com with the audience it likes',
    );
  });

  test('every code is unique, and the README lists each with its severity', () => {
    const codes = AUDIT_RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    expect(/<!-- audit-table:start -->\n([\s\S]*?)\n<!-- audit-table:end -->/.exec(readme)?.[1]).toBe(auditTableMarkdown());
  });
});

describe('issuer and audience helpers', () => {
  test.each([
    [V2, { tenant: TENANT, version: 2 }],
    [V1, { tenant: TENANT, version: 1 }],
    [`https://login.microsoftonline.us/${TENANT}/v2.0`, { tenant: TENANT, version: 2 }],
    [`http://127.0.0.1:8400/sts/${TENANT}/`, { tenant: TENANT, version: 1 }],
    ['https://token.actions.githubusercontent.com', undefined],
    [`https://sts.windows.net/${TENANT}`, undefined],
  ])('entraIssuer(%s)', (issuer, expected) => {
    expect(entraIssuer(issuer)).toEqual(expected);
  });

  test('Microsoft first-party applications by app id or resource URI, any case, with or without a trailing slash', () => {
    expect(microsoftAppOf('00000003-0000-0000-C000-000000000000')?.name).toBe('Microsoft Graph');
    expect(microsoftAppOf('https://graph.microsoft.us/')?.name).toBe('Microsoft Graph');
    expect(microsoftAppOf('797f4846-ba00-4fd7-ba43-dac1f8f63013')?.name).toMatch(/Azure Resource Manager/);
    expect(microsoftAppOf('api://orders-api')).toBeUndefined();
  });
});
