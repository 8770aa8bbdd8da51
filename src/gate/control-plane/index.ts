export * from './types';
export * from './control-plane';
export * from './read-api';
export * from './fleet';
