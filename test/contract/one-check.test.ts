/**
 * One check per value, in src/contract, for every front door: the action's inputs, the CLI's flags,
 * the config file and the constructs accept and refuse the same values with the same expected form.
 */
import { readInputs } from '../../action/inputs';
import { parseVerifyArgs } from '../../src/cli/verify-args';
import { JwtHttpApi } from '../../src/constructs';
import { API_NAME_FORM, CLOUD_NAMES, PROBE_METHODS } from '../../src/contract';
import { parseConfig } from '../../stacks/config';
import { synthStack } from '../support/synth';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

/** The message of what `run` throws, or 'ok'. */
function outcome(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}
/** `name: got …; expected FORM` → FORM, so the doors can be compared whatever they call the value. */
const expectedPart = (message: string) => (message === 'ok' ? 'ok' : message.replace(/^.*?; expected /, ''));

const action = (inputs: Record<string, string>) => outcome(() => readInputs((name) => inputs[name] ?? ''));
const cli = (...argv: string[]) => outcome(() => parseVerifyArgs(['--api-url', API, '--token', 'header.payload.signature', ...argv], {}));
const config = (extra: Record<string, unknown>) =>
  outcome(() => parseConfig({ tenantId: TENANT, caller: { repository: 'octo-org/orders-api' }, ...extra }, '/tmp'));
const construct = (props: Record<string, unknown>) =>
  outcome(() =>
    synthStack((stack) => {
      new JwtHttpApi(stack, 'http-api', {
        name: 'orders-api',
        trust: { issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, audiences: [TENANT] },
        routes: [{ routeKey: 'GET /hello' }],
        integration: { httpUrl: 'https://backend.example.com' },
        ...props,
      });
    }),
  );

describe('the API name', () => {
  test.each([
    ['orders-api', 'ok'],
    ['a'.repeat(64), 'ok'],
    ['a'.repeat(65), API_NAME_FORM],
    ['orders api', API_NAME_FORM],
    ['-orders', API_NAME_FORM],
  ])('%s: the action, the config and the construct agree', (name, expected) => {
    expect(expectedPart(action({ command: 'deploy', 'tenant-id': TENANT, 'api-name': name }))).toBe(expected);
    expect(expectedPart(config({ apiName: name }))).toBe(expected);
    expect(expectedPart(construct({ name }))).toBe(expected);
  });
});

describe('the probe method', () => {
  const VERIFY = { command: 'verify', 'api-url': API, token: 'header.payload.signature' };
  test.each([['get'], ['DELETE'], ['options'], ['ANY'], ['FETCH'], ['GE T']])('%s: the action and the CLI agree', (method) => {
    const fromAction = expectedPart(action({ ...VERIFY, method }));
    expect(expectedPart(cli('--method', method))).toBe(fromAction);
    expect(fromAction).toBe(PROBE_METHODS.includes(method.toUpperCase() as (typeof PROBE_METHODS)[number]) ? 'ok' : `one of ${PROBE_METHODS.join(', ')}`);
  });
});

describe('the cloud name', () => {
  test.each<[string]>([...CLOUD_NAMES.map((name): [string] => [name]), ['azure-germany']])('%s: the action, the CLI and the config agree', (cloud) => {
    const host = cloud === 'local' ? 'http://127.0.0.1:8400' : 'https://login.microsoftonline.com';
    const fromAction = action({ command: 'verify', 'api-url': API, token: 'header.payload.signature', cloud, 'authority-host': host });
    const fromCli = cli('--cloud', cloud, '--authority-host', host);
    const fromConfig = config({ cloud, authorityHost: host });
    expect([fromAction, fromCli, fromConfig].map((message) => (message === 'ok' ? 'ok' : 'refused'))).toEqual(
      Array(3).fill((CLOUD_NAMES as readonly string[]).includes(cloud) ? 'ok' : 'refused'),
    );
  });
});

describe('URLs', () => {
  test.each([
    ['not a URL', 'login.microsoftonline.us', /^an absolute https:\/\/ URL such as /],
    ['user:password@, never shown', 'https://u:CANARY-PW@login.example.com', /^a URL without user:password@ in it/],
    ['plain http off loopback', 'http://login.example.com', /^an https:\/\/ URL \(http:\/\/ only for loopback emulators\)$/],
    ['a query', 'https://login.example.com/?x=1', /^a URL without \?query or #fragment/],
  ])('authority host, %s: the action, the CLI and the config refuse it alike', (_case, host, expected) => {
    const messages = [
      action({ command: 'verify', 'api-url': API, token: 'header.payload.signature', 'authority-host': host }),
      cli('--authority-host', host),
      config({ authorityHost: host }),
    ];
    for (const message of messages) {
      expect(expectedPart(message)).toMatch(expected);
      expect(message).not.toContain('CANARY-PW');
    }
  });

  test('a backend URL: the config and the construct refuse the same ones', () => {
    for (const httpUrl of ['ftp://backend.example.com', 'https://u:CANARY-PW@backend.example.com', 'backend.example.com']) {
      const fromConfig = config({ integration: { httpUrl } });
      const fromConstruct = construct({ integration: { httpUrl } });
      expect(fromConstruct).toMatch(/^integration\.httpUrl: got /);
      expect(fromConfig).not.toBe('ok');
      expect(`${fromConfig}${fromConstruct}`).not.toContain('CANARY-PW');
    }
    expect(config({ integration: { httpUrl: 'https://backend.example.com/v1?x=1' } })).toBe('ok');
    expect(construct({ integration: { httpUrl: 'https://backend.example.com/v1?x=1' } })).toBe('ok');
  });
});
