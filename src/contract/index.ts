export * from './clouds';
export * from './token-contract';
export * from './github';
export * from './stable-id';
export * from './values';
export * from './routes';
export * from './jwt-trust';
export * from './input-values';
