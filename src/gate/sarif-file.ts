import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { workflowFileOf, type SarifOptions } from './sarif';

/**
 * The file SARIF results point to, relative to the repository (`workspace`): the first of `candidates`
 * that exists inside it, else the workflow running this step (GITHUB_WORKFLOW_REF), where a
 * verify-only gate is configured. Code scanning needs a file in the repository; undefined when none
 * is known. Reads the file (up to 1 MiB) so results can point at the line naming their route.
 */
export function sarifConfigFile(workspace: string, candidates: readonly string[], workflowRef: string | undefined): SarifOptions['configFile'] {
  const inside = (file: string): string | undefined => {
    const path = relative(workspace, file);
    return path === '' || path.startsWith('..') || isAbsolute(path) ? undefined : path.split(sep).join('/');
  };
  for (const file of candidates) {
    const uri = inside(resolve(workspace, file));
    const stat = statSync(resolve(workspace, file), { throwIfNoEntry: false });
    if (uri !== undefined && stat?.isFile()) return { uri, ...textOf(resolve(workspace, file), stat.size) };
  }
  const workflow = workflowFileOf(workflowRef);
  if (workflow === undefined) return undefined;
  // The runner names the workflow, so it is in the repository even when this job did not check it out.
  const file = resolve(workspace, workflow);
  const stat = statSync(file, { throwIfNoEntry: false });
  return { uri: workflow, ...(stat?.isFile() ? textOf(file, stat.size) : {}) };
}

function textOf(file: string, size: number): { text?: string } {
  return size <= 1024 * 1024 ? { text: readFileSync(file, 'utf8') } : {};
}
