import { main } from '../../../src/cli/main';
import type { CliIo } from '../../../src/cli/io';
import type { GithubOidcEmulator } from '../../../src/local/github';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process (main()), with PATH and `env` only, keeping what it printed. */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined> = {}, io: Partial<CliIo> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    argv,
    { PATH: process.env.PATH, ...env },
    { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, ...io },
  );
  return { code, stdout, stderr };
}

/**
 * The runner's ID-token request against the GitHub emulator, over HTTP as @actions/core makes it
 * (`ACTIONS_ID_TOKEN_REQUEST_URL&audience=…` with the request token); `onToken` sees each token.
 */
export function idTokenFrom(github: GithubOidcEmulator, onToken?: (token: string) => void): (audience?: string) => Promise<string> {
  return async (audience) => {
    const url = audience ? `${github.requestUrl}&audience=${encodeURIComponent(audience)}` : github.requestUrl;
    const res = await fetch(url, { headers: { authorization: `Bearer ${github.requestToken}` } });
    if (!res.ok) throw new Error(`GitHub emulator answered ${res.status}`);
    const { value } = (await res.json()) as { value: string };
    onToken?.(value);
    return value;
  };
}
