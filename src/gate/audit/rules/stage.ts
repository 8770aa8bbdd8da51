import type { AuditRule } from '../types';

const stageName = (name: string): string => (name === '$default' ? 'the $default stage' : `stage ${name}`);

export const STAGE_MISSING: AuditRule = {
  code: 'AUDIT_STAGE_MISSING',
  title: 'The API has a stage to serve it',
  severity: 'warning',
  fix: 'deploy a stage ($default with auto_deploy), or name the stage to audit with --stage',
  check: ({ api, stageRead }) => {
    if (stageRead === false || api.stage !== undefined) return [];
    return [
      {
        message: api.stageNames?.length
          ? `no stage was chosen: the API has no $default stage but ${api.stageNames.join(', ')}`
          : 'the API has no stage, so it serves nothing yet',
      },
    ];
  },
};

export const STAGE_ACCESS_LOGS: AuditRule = {
  code: 'AUDIT_STAGE_WITHOUT_ACCESS_LOGS',
  title: 'The stage writes access logs',
  severity: 'warning',
  fix: 'set access_log_settings on the stage (a CloudWatch log group and a format with $context.requestId and $context.authorizer.error)',
  check: ({ api }) =>
    api.stage && api.stage.accessLogDestination === undefined
      ? [{ message: `${stageName(api.stage.name)} writes no access logs: refused and accepted tokens leave no trace` }]
      : [],
};

export const STAGE_THROTTLING: AuditRule = {
  code: 'AUDIT_STAGE_WITHOUT_THROTTLING',
  title: 'The stage throttles its routes',
  severity: 'warning',
  fix: 'set default_route_settings throttling_burst_limit and throttling_rate_limit on the stage',
  check: ({ api }) => {
    const throttling = api.stage?.throttling;
    if (!api.stage || (throttling?.burstLimit !== undefined && throttling.rateLimit !== undefined)) return [];
    return [
      {
        message: `${stageName(api.stage.name)} sets no ${throttling?.burstLimit === undefined && throttling?.rateLimit === undefined ? 'burst or rate limit' : throttling?.burstLimit === undefined ? 'burst limit' : 'rate limit'}: only the account's limits stop a flood`,
      },
    ];
  },
};
