import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolkit as core } from '../support/toolkit';
import { resolveCloud } from '../../src/contract';
import { decodeClaimsForLogging, describeClaimsForLogging, requestGithubIdToken, runTokenCommand } from '../../src/token';
import { createTestIssuer } from '../gate/helpers/issuer';

describe('requestGithubIdToken', () => {
  const saved = { url: process.env['ACTIONS_ID_TOKEN_REQUEST_URL'], token: process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] };
  afterEach(() => {
    for (const [key, value] of [
      ['ACTIONS_ID_TOKEN_REQUEST_URL', saved.url],
      ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', saved.token],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('adds the id-token permission hint to the real toolkit error and keeps its text', async () => {
    delete process.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
    delete process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
    const error = await requestGithubIdToken({ getIDToken: core.getIDToken }).catch((e: Error) => e);
    expect(error).toMatchObject({
      code: 'ERR_ID_TOKEN_UNAVAILABLE',
      message:
        'could not get a GitHub OIDC token for audience api://AzureADTokenExchange: Error message: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable; add `permissions: id-token: write` to the job (or workflow) so GitHub issues OIDC tokens',
    });
  });

  it('asks for the cloud federation audience by default, an explicit audience otherwise, and masks the token', async () => {
    const asked: (string | undefined)[] = [];
    const masked: string[] = [];
    const getIDToken = async (aud?: string) => {
      asked.push(aud);
      return 'gh-token';
    };
    await requestGithubIdToken({ getIDToken, cloud: resolveCloud('china'), mask: (t) => masked.push(t) });
    await requestGithubIdToken({ getIDToken, audience: 'api://custom' });
    expect(asked).toEqual(['api://AzureADTokenExchangeChina', 'api://custom']);
    expect(masked).toEqual(['gh-token']);
  });

  it('does not add the permission hint to unrelated failures, and refuses an empty token', async () => {
    await expect(requestGithubIdToken({ getIDToken: () => Promise.reject(new Error('Failed to get ID Token. Error Code : 503')) })).rejects.toThrow(
      /: Failed to get ID Token\. Error Code : 503$/,
    );
    await expect(requestGithubIdToken({ getIDToken: async () => '' })).rejects.toMatchObject({ code: 'ERR_ID_TOKEN_UNAVAILABLE' });
  });
});

describe('decodeClaimsForLogging', () => {
  it('reads iss, sub, aud, job_workflow_ref (and roles/scp/kid) without verifying', async () => {
    const issuer = await createTestIssuer({ issuer: 'https://token.actions.githubusercontent.com', audience: 'api://AzureADTokenExchange' });
    const token = await issuer.sign({ sub: 'repo:o/r:pull_request', job_workflow_ref: 'o/r/.github/workflows/ci.yml@refs/pull/1/merge' });
    const claims = decodeClaimsForLogging(token);
    expect(claims).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:o/r:pull_request',
      aud: 'api://AzureADTokenExchange',
      job_workflow_ref: 'o/r/.github/workflows/ci.yml@refs/pull/1/merge',
      kid: 'test-key-1',
      roles: ['Gate.Probe'],
    });
    expect(describeClaimsForLogging(claims)).toBe(
      'iss=https://token.actions.githubusercontent.com sub=repo:o/r:pull_request aud=api://AzureADTokenExchange job_workflow_ref=o/r/.github/workflows/ci.yml@refs/pull/1/merge',
    );
  });

  it('never throws: opaque or broken tokens give no claims', () => {
    for (const bad of ['', 'opaque-token', 'a.b.c', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.']) expect(decodeClaimsForLogging(bad)).toEqual({});
    expect(describeClaimsForLogging({})).toBe('(no readable claims)');
  });
});

describe('runTokenCommand', () => {
  it('takes trimmed stdout as the token and masks it', async () => {
    const masked: string[] = [];
    expect(await runTokenCommand({ command: "printf '  tok-123.abc \\n'", mask: (t) => masked.push(t) })).toBe('tok-123.abc');
    expect(masked).toEqual(['tok-123.abc']);
  });

  it('a non-zero exit gives the exit code and stderr, never stdout', async () => {
    const error = await runTokenCommand({ command: "echo CANARY-STDOUT-TOKEN; echo 'ERROR: Please run az login' >&2; exit 3" }).catch((e: Error) => e);
    expect(error).toMatchObject({
      code: 'ERR_TOKEN_COMMAND_FAILED',
      exitCode: 3,
      message: 'token command "echo" exited with 3: ERROR: Please run az login (stdout not shown)',
    });
    expect(JSON.stringify(error) + String(error)).not.toContain('CANARY-STDOUT-TOKEN');
  });

  it('masks what stdout held the moment it is read, even when the command then fails (regression: masked only on success)', async () => {
    const masked: string[] = [];
    await runTokenCommand({ command: 'echo CANARY-PRINTED-THEN-FAILED; exit 3', mask: (t) => masked.push(t) }).catch(() => undefined);
    expect(masked).toEqual(['CANARY-PRINTED-THEN-FAILED']);
  });

  it('hides stdout words a tool repeats on stderr', async () => {
    const error = await runTokenCommand({ command: 'echo CANARY-ECHOED-1234; echo "bad token CANARY-ECHOED-1234" >&2; exit 1' }).catch((e: Error) => e);
    expect((error as Error).message).toBe('token command "echo" exited with 1: bad token [redacted] (stdout not shown)');
  });

  it('times out, kills the command (and what its shell started), and says so', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'token-command-')), 'pid');
    await expect(runTokenCommand({ command: `sleep 30 & echo $! > ${pidFile}; wait; echo late`, timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'ERR_TOKEN_COMMAND_FAILED',
      message: 'token command "sleep" did not finish within 1000 ms',
    });
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    // Killed with its process group: gone (a zombie at most until its parent, also killed, is reaped).
    expect(alive(sleeper)).toBe(false);
  });

  it('refuses empty output, and output with more than one word as a usage error that shows none of it', async () => {
    await expect(runTokenCommand({ command: 'true' })).rejects.toThrow('token command "true" printed nothing; expected one access token on stdout');
    await expect(runTokenCommand({ command: "printf 'secret-part-one secret-part-two'" })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      message: expect.stringMatching(
        /^token command "printf" output: got "\(hidden: 31 characters, a space at character 16\)"; expected one access token on one line/,
      ),
    });
    await expect(runTokenCommand({ command: "printf 'secret-part-one secret-part-two'" })).rejects.not.toThrow(/secret-part/);
  });
});

/** Whether a process runs (a zombie, dead and waiting to be reaped, does not count). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
