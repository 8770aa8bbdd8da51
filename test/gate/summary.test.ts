// Issue [5] item 4: a job summary for every outcome, with a Mermaid diagram of the request's path; text
// from the API, terraform or Entra can never become Markdown, HTML or Mermaid syntax, and the summary
// stays under GitHub's 1 MiB step-summary limit.
import {
  STEP_SUMMARY_LIMIT_BYTES,
  gateFlowDiagram,
  mdCode,
  mdFence,
  mdText,
  mermaidLabel,
  outcomeOfError,
  renderJobSummary,
  type GateReport,
  type GateReportProbe,
} from '../../src/gate';
import { DeployError } from '../../src/deploy/errors';
import { TokenExchangeFailedError } from '../../src/token/errors';

/** What a hostile API can put into a probe's last answer: links, images, HTML, table and Mermaid syntax. */
const HOSTILE =
  'x"]:::pass\n  click r0 href "javascript:alert(1)" | <img src=x onerror=alert(1)> [click](https://evil.invalid) ![i](https://evil.invalid/i.png) `code` ```';

function probe(
  name: string,
  role: GateReportProbe['role'],
  auth: string,
  path: string,
  outcome: GateReportProbe['outcome'],
  actual: number | null,
  error?: string,
): GateReportProbe {
  return {
    name,
    role,
    request: { method: 'GET', path, auth: auth as GateReportProbe['request']['auth'] },
    expected: role === 'authenticated' ? [200] : [401],
    actual,
    outcome,
    stable: true,
    attempts: 2,
    ms: 12,
    lastAnswers: [{ status: actual, ...(error !== undefined ? { error } : {}), atMs: 0 }],
  };
}

function report(probes: GateReportProbe[], failures: GateReport['failures'] = []): GateReport {
  return {
    pass: failures.length === 0,
    apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com',
    startedAt: '2026-12-04T00:00:00.000Z',
    ms: 900,
    timeToStableMs: 300,
    probes,
    failures,
    warnings: [],
    skipped: [],
    routes: [],
    findings: [],
  };
}

const LABELS = {
  caller: 'caller app 11111111-2222-3333-4444-555555555555',
  entra: 'Entra ID 72f988bf-86f1-41af-91ab-2d7cd011db47',
  authorizer: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0',
};

/** The text of every line inside ```mermaid blocks. */
function mermaidLines(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].flatMap((m) => m[1]!.split('\n'));
}

describe('job summary', () => {
  test('gate failed: the table, the failures and a diagram caller → Entra → authorizer → each route with what each probe saw', () => {
    const failing = report(
      [
        probe('none GET /orders', 'anonymous', 'none', '/orders', 'pass', 401),
        probe('valid-token GET /orders', 'authenticated', 'valid-token', '/orders', 'pass', 200),
        probe('alg-none GET /orders', 'negative', 'alg-none', '/orders', 'wrong', 200),
        probe('forged-signature-new-kid GET /orders', 'negative', 'forged-signature-new-kid', '/orders', 'pass', 401),
        probe('valid-token-raw-token GET /orders', 'informational', 'valid-token-raw-token', '/orders', 'pass', 200),
        probe('none GET /admin', 'anonymous', 'none', '/admin', 'wrong', 200),
      ],
      [
        { probe: 'alg-none GET /orders', code: 'ERR_GATE_ACCEPTS_FORGED', reason: 'answered 200: accepted an unsigned token', fix: 'refuse alg none' },
        {
          probe: 'none GET /admin',
          code: 'ERR_GATE_OPEN_API',
          reason: 'answered 200 to a request without a token',
          fix: 'attach the JWT authorizer to route GET /admin',
        },
      ],
    );
    const md = renderJobSummary({ kind: 'gate', report: failing, labels: LABELS, deployed: [{ name: 'gateway', changed: true }] });
    expect(md).toMatch(/^Deployed: gateway \(changed\)\.\n\n### entra-api-guard gate: ❌ failed/);
    expect(md).toContain('| Probe | Request | Auth | Expected | Actual | Attempts | Time |');
    expect(md).toContain('#### Failures');
    const diagram = mermaidLines(md);
    expect(diagram[0]).toBe('flowchart LR');
    expect(diagram).toEqual(
      expect.arrayContaining([
        '  caller["caller app 11111111-2222-3333-4444-555555555555"]',
        '  caller -->|token exchange| entra',
        '  authz --> r0["GET /orders"]:::fail',
        '  r0 --> r0p0["no token: 401 #10003;"]:::pass',
        '  r0 --> r0p1["valid token: 200 #10003;"]:::pass',
        '  r0 --> r0p2["1 of 2 attacks refused #10003;"]:::pass',
        '  r0 --> r0p3["alg-none: 200 #10007;"]:::fail',
        '  r0 --> r0p4["1 other header forms #40;reported only#41;"]:::info',
        '  authz --> r1["GET /admin"]:::fail',
        '  r1 --> r1p0["no token: 200 #10007;"]:::fail',
      ]),
    );
  });

  test('gate passed: one route, every node green', () => {
    const passing = report([
      probe('none GET /hello', 'anonymous', 'none', '/hello', 'pass', 401),
      probe('valid-token GET /hello', 'authenticated', 'valid-token', '/hello', 'pass', 200),
    ]);
    const md = renderJobSummary({ kind: 'gate', report: passing, labels: LABELS });
    expect(md.startsWith('### entra-api-guard gate: ✅ passed')).toBe(true);
    expect(mermaidLines(md).filter((l) => l.includes(':::'))).toEqual([
      '  authz --> r0["GET /hello"]:::pass',
      '  r0 --> r0p0["no token: 401 #10003;"]:::pass',
      '  r0 --> r0p1["valid token: 200 #10003;"]:::pass',
    ]);
  });

  test('hostile API text stays text: no link, image, HTML, extra column or Mermaid syntax', () => {
    const hostile = report(
      [probe(`none GET /x`, 'anonymous', 'none', '/x"]:::pass', 'unstable', null, HOSTILE)],
      [{ probe: 'none GET /x', code: 'ERR_GATE_TIMEOUT', reason: `no answer; last answers: ${HOSTILE}`, fix: 'check api-url' }],
    );
    const md = renderJobSummary({ kind: 'gate', report: hostile, labels: { ...LABELS, authorizer: HOSTILE } });
    const outside = md.replace(/```mermaid\n[\s\S]*?\n```/g, '').replace(/`[^`\n]*`/g, '');
    expect(outside).not.toMatch(/<img|\]\(https|!\[|javascript:/);
    for (const row of md.split('\n').filter((l) => l.startsWith('| '))) expect(row.split(/(?<!\\)\|/).length).toBe(9);
    for (const line of mermaidLines(md)) {
      // Quotes only open and close labels, and no label holds a quote, bracket, pipe or angle bracket.
      expect((line.match(/"/g) ?? []).length % 2).toBe(0);
      expect(line).not.toMatch(/"[^"]*[[\]|<>`][^"]*"/);
      // Outside labels: nothing the API sent (no click directive, no extra class).
      expect(line.replace(/"[^"]*"/g, '')).not.toMatch(/click|javascript|img|:::pass\s*\S/);
    }
    expect(mermaidLines(md)).toContain('  authz --> r0["GET /x#34;#93;:::pass"]:::fail');
    expect(mermaidLabel('a"]\nb')).toBe('a#34;#93; b');
  });

  test('exchange failed: the AADSTS fix and the presented iss/sub/aud, never the token', () => {
    const error = new TokenExchangeFailedError(
      'token exchange failed (AADSTS700213): no federated credential on app c has the presented subject repo:octo/api:ref:refs/heads/main',
      { aadsts: '700213', status: 400 },
      {
        presented: { iss: 'https://token.actions.githubusercontent.com', sub: 'repo:octo/api:ref:refs/heads/main', aud: 'api://AzureADTokenExchange' },
      },
    );
    const md = renderJobSummary(outcomeOfError(error, LABELS));
    expect(md).toMatch(/^### entra-api-guard: ❌ token exchange failed \(AADSTS700213\)/);
    expect(md).toContain('no federated credential on app c has the presented subject');
    expect(md).toContain('| `iss` | `https://token.actions.githubusercontent.com` |');
    expect(md).toContain('| `sub` | `repo:octo/api:ref:refs/heads/main` |');
    expect(md).toContain('| `aud` | `api://AzureADTokenExchange` |');
    expect(mermaidLines(md)).toContain('  entra -->|refused| refused["AADSTS700213"]:::fail');
  });

  test("deploy failed: the failing stack and terraform's error, in a fence its text cannot close", () => {
    const error = new DeployError(
      'ERR_TERRAFORM_FAILED',
      'terraform apply of stack gateway failed: creating API Gateway v2 API',
      'Error: creating API Gateway v2 API\n```\n<script>alert(1)</script>\n````',
      { stackName: 'gateway', step: 'apply' },
    );
    const md = renderJobSummary(outcomeOfError(error));
    expect(md).toMatch(/^### entra-api-guard: ❌ deploy failed\n\nStack \*\*gateway\*\* \(terraform apply\): terraform apply of stack gateway failed/);
    expect(md).toContain('`````text\nError: creating API Gateway v2 API\n```\n<script>alert(1)</script>\n````\n`````');
  });

  test('any other failure (a bad input) is one line with its code', () => {
    expect(renderJobSummary(outcomeOfError(Object.assign(new Error('timeout-seconds: got "-5"; expected 1-3600'), { code: 'ERR_INVALID_INPUT' })))).toBe(
      '### entra-api-guard: ❌ failed\n\ntimeout-seconds: got "-5"; expected 1-3600 `ERR_INVALID_INPUT`\n',
    );
    expect(
      renderJobSummary({
        kind: 'deployed',
        mode: 'plan',
        stacks: [
          { name: 'identity', changed: false },
          { name: 'gateway', changed: true },
        ],
      }),
    ).toBe('### entra-api-guard: ✅ plan done\n\nidentity (no changes), gateway (changed).\n');
  });

  test('a summary over 1 MiB is cut at a line with a note, its open fences closed; redaction comes before the cut', () => {
    const probes = Array.from({ length: 12_000 }, (_, i) =>
      probe(`none GET /r${i}/${'x'.repeat(60)}`, 'anonymous', 'none', `/r${i}/${'x'.repeat(60)}`, 'pass', 401),
    );
    const md = renderJobSummary({ kind: 'gate', report: report(probes), labels: LABELS });
    expect(Buffer.byteLength(md, 'utf8')).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT_BYTES);
    expect(md).toMatch(
      /> \*\*Summary truncated\*\*: \d+ bytes is over GitHub's 1024 KiB step-summary limit, so only the first \d+ bytes are shown\. The whole report is in the `report-file` output\.\n$/,
    );
    // A cut inside the diagram closes it.
    const small = renderJobSummary({ kind: 'gate', report: report(probes.slice(0, 40)), labels: LABELS }, { limitBytes: 9000 });
    expect(Buffer.byteLength(small, 'utf8')).toBeLessThanOrEqual(9000);
    expect((small.match(/^```/gm) ?? []).length % 2).toBe(0);
    const redacted = renderJobSummary(
      { kind: 'failed', code: 'ERR_X', message: `token ${'s'.repeat(40)}` },
      { limitBytes: 120, redact: (t) => t.replace(/s{16,}/g, '[redacted]') },
    );
    expect(redacted).not.toMatch(/s{16}/);
  });

  test('escaping helpers', () => {
    expect(mdCode('a`b|c\nd')).toBe("`a'b\\|c d`");
    expect(mdText('[x](y) <b> *z* | _')).toBe('\\[x\\]\\(y\\) &lt;b&gt; \\*z\\* \\| \\_');
    expect(mdFence('a\n``` b')).toBe('````text\na\n``` b\n````');
    expect(gateFlowDiagram(report([]), LABELS)).toMatch(/^```mermaid\nflowchart LR\n/);
  });
});
