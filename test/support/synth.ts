import { Testing, TerraformStack, App } from 'cdktf';
import type { Construct } from 'constructs';

/** Synthesizes one stack built by `build` and returns its parsed Terraform JSON. */
export function synthStack(build: (stack: Construct) => void): { json: string; tf: TerraformJson; app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  build(stack);
  const json = Testing.synth(stack);
  return { json, tf: JSON.parse(json) as TerraformJson, app, stack };
}

export interface TerraformJson {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  variable?: Record<string, { default?: unknown }>;
  terraform?: Record<string, unknown>;
}

/** All resources of one type, without cdktf's metadata. */
export function resourcesOf(tf: TerraformJson, type: string): Record<string, unknown>[] {
  return Object.values(tf.resource[type] ?? {}).map((r) => {
    const { ['//']: _meta, ...rest } = r as Record<string, unknown>;
    return rest;
  });
}

/** Warnings cdktf recorded on a construct tree (Annotations.addWarning). */
export function warningsOf(scope: Construct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === '@cdktf/warn')
    .map((m) => String(m.data));
}
