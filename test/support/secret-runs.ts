/**
 * The tests' own leak check, written apart from src/redact.ts on purpose (a check must not share the
 * code it checks): a secret leaks when any 16 of its characters in a row appear in a text.
 */
export const RUN = 16;

export interface NamedSecret {
  /** Safe to print: says what the secret is, never what it holds. */
  readonly label: string;
  readonly value: string;
}

/** Which secrets have a run of 16+ characters in `text` (labels only; an empty list means clean). */
export function secretRunsIn(text: string, secrets: readonly NamedSecret[]): string[] {
  const windows = new Map<string, string>();
  for (const { label, value } of secrets) {
    for (let i = 0; i + RUN <= value.length; i++) if (!windows.has(value.slice(i, i + RUN))) windows.set(value.slice(i, i + RUN), label);
  }
  const found = new Set<string>();
  for (let i = 0; i + RUN <= text.length; i++) {
    const label = windows.get(text.slice(i, i + RUN));
    if (label !== undefined) found.add(label);
  }
  return [...found];
}

/** `{ where: [labels] }` for every text that leaks, so a failing test says where (never what). */
export function leaksByPlace(texts: Record<string, string>, secrets: readonly NamedSecret[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [where, text] of Object.entries(texts)) {
    const labels = secretRunsIn(text, secrets);
    if (labels.length > 0) out[where] = labels;
  }
  return out;
}

/** Every credential an API saw, as secrets (the probes' Authorization headers, forgeries included). */
export function credentialsSeen(requests: readonly { authorization: string | undefined }[]): NamedSecret[] {
  const values = [...new Set(requests.map((r) => r.authorization).filter((a): a is string => a !== undefined && a.length >= RUN))];
  return values.map((value, index) => ({ label: `credential #${index + 1} the API received`, value }));
}
