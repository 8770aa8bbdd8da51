export * from './main';
export * from './io';
export * from './verify';
