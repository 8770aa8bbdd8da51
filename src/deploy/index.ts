export * from './deploy';
export * from './errors';
export * from './manifest';
export * from './outputs';
export * from './provider-mirror';
export * from './terraform';
export * from './synth-app';
