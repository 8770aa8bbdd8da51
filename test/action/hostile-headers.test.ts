// Issue [1] item 2: the API under test is untrusted. Its Location and www-authenticate headers reach the
// report, the outputs, the summary and the log only with control characters, quotes and workflow
// commands taken out; and the action writes the report to a file itself (report-file), so no workflow
// has to pass it through a shell.
import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { listen, sendJson, type RunningServer } from '../../src/local/server';
import { withActionDefaults } from '../support/action-defaults';
import { runBin } from '../support/cli-bin';
import { errorLines, runAction, withoutMaskCommands } from './harness';

/** Breaks out of a single-quoted shell string, runs a command, and smuggles two workflow commands. */
const HOSTILE = `https://evil.invalid/'$(touch /tmp/pwned)'"\`id\`"\t##[set-output name=verdict]pass\u0085::error::forged`;
let api: RunningServer;

beforeAll(async () => {
  // Node's own client refuses C0 controls other than tab in a header, so tab and a C1 control (sent as
  // latin-1 bytes) are what a hostile API can really get through.
  api = await listen((req, res) => {
    if (!req.headers.authorization)
      return sendJson(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': `Bearer error="invalid_token" error_description="${HOSTILE}"` });
    res.writeHead(302, { location: HOSTILE });
    res.end();
  });
}, 60_000);
afterAll(async () => {
  await api?.close();
});

/** What a hostile header must never leave behind in anything we print or write. */
function expectDefused(where: string, text: string): void {
  expect({
    where,
    legacyCommand: /##\[/.test(text),
    tab: text.includes('\t'),
    c1: /[\u0080-\u009f]/.test(text),
    substitution: text.includes("'$(touch"),
  }).toEqual({
    where,
    legacyCommand: false,
    tab: false,
    c1: false,
    substitution: false,
  });
}

test('the action: report-file is a private file under RUNNER_TEMP holding the report; hostile headers are defused everywhere', async () => {
  const run = await runAction(
    withActionDefaults({
      command: 'verify',
      'api-url': api.url,
      paths: '/orders',
      token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
      'negative-probes': 'false',
      'timeout-seconds': '2',
    }),
  );
  expect(run.code).toBe(1);
  expect(run.outputs['verdict']).toBe('fail');
  // The report file: under RUNNER_TEMP (the harness's run folder), 0600, the same report as the output.
  const file = run.outputs['report-file']!;
  // The harness sets RUNNER_TEMP to its run folder, <tmp>/action-run-XXXXXX.
  expect(file.startsWith(`${tmpdir()}/action-run-`)).toBe(true);
  expect(file).toMatch(/^[^\n]*\/action-run-[^/]+\/entra-api-guard-[^/]+\/gate-report\.json$/);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const report = JSON.parse(readFileSync(file, 'utf8')) as { pass: boolean; probes: { lastAnswers: { location?: string }[] }[] };
  expect(report).toEqual(JSON.parse(run.outputs['report']!));
  // The redirect target is still reported, defused: no quotes, no tab, no C1, no ##[.
  const location = report.probes.flatMap((p) => p.lastAnswers).find((a) => a.location !== undefined)?.location;
  expect(location).toBe('https://evil.invalid/$(touch /tmp/pwned)id#[set-output name=verdict]pass::error::forged');
  for (const [where, text] of Object.entries({
    stdout: withoutMaskCommands(run.stdout),
    stderr: run.stderr,
    outputs: JSON.stringify(run.outputs),
    summary: run.summary,
    'report file': readFileSync(file, 'utf8'),
  }))
    expectDefused(where, text);
  // Our own annotations stay the only workflow commands: nothing the API sent starts a line.
  expect(run.stdout.split('\n').filter((l) => l.startsWith('::') && !/^::(add-mask|error|warning|debug|group|endgroup)/.test(l))).toEqual([]);
  expect(errorLines(run.stdout).some((e) => /ERR_GATE_REDIRECT/.test(e) || / redirect to /.test(e))).toBe(true);
}, 30_000);

test('the CLI: --json and text output defuse the same headers', async () => {
  for (const extra of [['--json'], []]) {
    const run = await runBin(
      [
        'verify',
        '--api-url',
        api.url,
        '--path',
        '/orders',
        '--token',
        'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
        '--no-negative-probes',
        '--verbose',
        '--timeout-seconds',
        '2',
        ...extra,
      ],
      { env: { GITHUB_ACTIONS: 'true' } },
    );
    expect(run.code).toBe(1);
    expectDefused(`stdout ${extra.join(' ')}`, run.stdout);
    expectDefused(`stderr ${extra.join(' ')}`, run.stderr);
  }
}, 30_000);
