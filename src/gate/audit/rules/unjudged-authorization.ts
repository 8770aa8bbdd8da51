import type { AuditRule } from '../types';

export const UNJUDGED_AUTHORIZATION: AuditRule = {
  code: 'AUDIT_ROUTE_UNJUDGED_AUTHORIZATION',
  title: 'Routes use the JWT authorizer the gate can judge, or the other one is declared',
  severity: 'failure',
  suppressedBy: 'allow-authorizer',
  fix: 'use the JWT authorizer, or declare this authorizer with --allow-authorizer NAME (AWS_IAM for IAM routes) if it is meant to be there',
  check: ({ api }) =>
    api.routes.flatMap((route) => {
      if (route.authorizationType === 'AWS_IAM') {
        return [
          {
            routeKey: route.routeKey,
            authorizer: { id: 'AWS_IAM' },
            message: `route ${route.routeKey} uses AWS_IAM authorization, which Entra tokens cannot pass and the gate cannot judge`,
          },
        ];
      }
      if (route.authorizationType === 'CUSTOM') {
        const authorizer = api.authorizers.find((a) => a.id === route.authorizerId);
        const label = authorizer?.name ?? route.authorizerId ?? '(none)';
        return [
          {
            routeKey: route.routeKey,
            authorizer: { id: route.authorizerId ?? '(none)', ...(authorizer?.name !== undefined ? { name: authorizer.name } : {}) },
            message: `route ${route.routeKey} uses the Lambda (CUSTOM) authorizer "${label}", whose checks the gate cannot see`,
          },
        ];
      }
      return [];
    }),
};
