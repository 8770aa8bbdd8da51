export * from './emulator';
export * from './claims';
export * from './key-ring';
