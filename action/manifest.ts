/**
 * The two action.yml files, read as the runner reads them, and what is generated from them: the
 * README's input and output tables and .env.example. Not part of the bundle (it needs the yaml parser);
 * tests, the local-action script and `npm run docs:action` use it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The main action (deploy and/or gate) and the verify sub-action (gate only), by their action.yml. */
export const ACTIONS = { main: 'action.yml', verify: 'verify/action.yml' } as const;
export type ActionName = keyof typeof ACTIONS;

export interface ManifestInput {
  readonly description: string;
  readonly required?: boolean;
  /** Absent for an old input name: the runner then exports an empty value. */
  readonly default?: string | number | boolean;
  readonly deprecationMessage?: string;
}

export interface ActionManifest {
  readonly name: ActionName;
  /** The action.yml path, relative to the repository. */
  readonly file: string;
  readonly inputs: Readonly<Record<string, ManifestInput>>;
  readonly outputs: Readonly<Record<string, { readonly description: string }>>;
  readonly runs: { readonly using: string; readonly main: string };
}

export function readManifest(root: string, name: ActionName): ActionManifest {
  const file = ACTIONS[name];
  const parsed = parse(readFileSync(join(root, file), 'utf8')) as Omit<ActionManifest, 'name' | 'file'>;
  return { name, file, inputs: parsed.inputs ?? {}, outputs: parsed.outputs ?? {}, runs: parsed.runs };
}

/** An input's default as the runner exports it: YAML's numbers and booleans as text, none as ''. */
function defaultText(spec: ManifestInput): string {
  return spec.default === undefined ? '' : String(spec.default);
}

/** What the runner exports for each input a workflow leaves out: its default, else an empty string. */
export function manifestDefaults(manifest: ActionManifest): Record<string, string> {
  return Object.fromEntries(Object.entries(manifest.inputs).map(([name, spec]) => [name, defaultText(spec)]));
}

/** `INPUT_<NAME>`: upper-cased, spaces as underscores, hyphens kept (the runner's and core.getInput's spelling). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * The script the runner starts: the action's folder joined with `runs.main` as written, without
 * normalising (the runner's Path.Combine), so `verify/../action/dist/index.js` for the sub-action.
 */
export function entryPath(root: string, manifest: ActionManifest): string {
  const folder = manifest.file.includes('/') ? `${root}/${manifest.file.slice(0, manifest.file.lastIndexOf('/'))}` : root;
  return `${folder}/${manifest.runs.main}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** A table cell: one line, pipes escaped, `<…>` shown as text rather than read as HTML. */
function cell(text: string): string {
  return oneLine(text).replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

/** The README's input table of one action.yml. */
export function inputTableMarkdown(manifest: ActionManifest): string {
  const rows = Object.entries(manifest.inputs).map(([name, spec]) => {
    const value = defaultText(spec) === '' ? ' ' : ` \`${defaultText(spec)}\` `;
    const description = spec.deprecationMessage !== undefined ? `${spec.description} **Deprecated:** ${spec.deprecationMessage}` : spec.description;
    return `| \`${name}\` |${value}| ${cell(description)} |`;
  });
  return ['| input | default | description |', '|---|---|---|', ...rows].join('\n');
}

/** The README's output table of one action.yml. */
export function outputTableMarkdown(manifest: ActionManifest): string {
  const rows = Object.entries(manifest.outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`);
  return ['| output | description |', '|---|---|', ...rows].join('\n');
}

/** The marked README section holding a generated table: `<!-- inputs:verify/action.yml:start -->` … `:end -->`. */
export function readmeSection(kind: 'inputs' | 'outputs', manifest: ActionManifest): { readonly start: string; readonly end: string; readonly body: string } {
  return {
    start: `<!-- ${kind}:${manifest.file}:start -->`,
    end: `<!-- ${kind}:${manifest.file}:end -->`,
    body: kind === 'inputs' ? inputTableMarkdown(manifest) : outputTableMarkdown(manifest),
  };
}

/**
 * .env.example: every INPUT_* of both action.yml files, each once, grouped by which action declares
 * it, with its default and description as a comment. Values are empty: an empty value keeps the default.
 */
export function envExample(main: ActionManifest, verify: ActionManifest): string {
  const entry = (name: string, spec: ManifestInput): string[] => {
    const shown = defaultText(spec) === '' ? '' : ` (default ${defaultText(spec)})`;
    return [`# ${name}${shown}: ${oneLine(spec.deprecationMessage ?? spec.description)}`, `${inputVariable(name)}=`];
  };
  const inBoth = Object.keys(main.inputs).filter((name) => name in verify.inputs);
  const mainOnly = Object.entries(main.inputs).filter(([name, spec]) => !(name in verify.inputs) && spec.deprecationMessage === undefined);
  const oldNames = Object.entries(main.inputs).filter(([name, spec]) => !(name in verify.inputs) && spec.deprecationMessage !== undefined);
  const verifyOnly = Object.entries(verify.inputs).filter(([name]) => !(name in main.inputs));
  return [
    '# The inputs of both actions, for a run from a laptop: copy this file to .env (git ignores it), fill in',
    '# what you need, then run `npm run local-action` (the main action, action.yml) or',
    '# `npm run local-action -- verify` (the verify sub-action, verify/action.yml). Like a runner, the script',
    '# exports every default of that action.yml as INPUT_*, then the values set here (an empty value keeps',
    '# the default), and runs the committed bundle, action/dist/index.js.',
    '# A laptop has no GitHub OIDC token: give INPUT_TOKEN (an access token for the API, e.g. from',
    '# `az account get-access-token --scope api://orders-api/.default --query accessToken -o tsv`).',
    '# Generated from the two action.yml files by `npm run docs:action`; a test checks that it is in sync.',
    '',
    `# Inputs of both actions (${main.file} and ${verify.file})`,
    ...inBoth.flatMap((name) => entry(name, main.inputs[name]!)),
    '',
    `# Inputs of the main action only (${main.file}); the verify sub-action refuses them`,
    ...mainOnly.flatMap(([name, spec]) => entry(name, spec)),
    '',
    `# Old names, still taken by the main action (${main.file}) with a warning`,
    ...oldNames.flatMap(([name, spec]) => entry(name, spec)),
    '',
    `# ${verify.file} only, set by the sub-action itself (npm run local-action -- verify sets it too): leave it empty`,
    ...verifyOnly.flatMap(([name, spec]) => entry(name, spec)),
    '',
  ].join('\n');
}
