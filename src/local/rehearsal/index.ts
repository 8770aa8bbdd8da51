export * from './engine';
export * from './faults';
export * from './rehearse';
