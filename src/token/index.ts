export * from './errors';
export * from './retry';
export * from './request-id-token';
export * from './decode-claims';
export * from './aadsts';
export * from './exchange';
export * from './token-command';
export * from './sources';
