export * from './entra-api-application';
export * from './github-pipeline-caller';
export * from './jwt-http-api';
export * from './lambda-package';
export * from './decoy-audience';
