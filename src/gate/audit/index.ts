export * from './types';
export * from './registry';
export * from './run';
export { MICROSOFT_FIRST_PARTY_APPS, microsoftAppOf, type MicrosoftApp } from './microsoft-apps';
export { GITHUB_ACTIONS_ISSUER, entraIssuer, isGithubActionsIssuer, isTokenVersionMixUp } from './issuers';
export * from './fleet-report';
