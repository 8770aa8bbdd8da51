export * from './faults';
export * from './rehearse';
