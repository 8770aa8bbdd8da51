// The loopback emulators and the offline rehearsal built on them.
export * from './server';
export * from './moto';
export * from './github';
export * from './entra';
export * from './gateway';
export * from './rehearsal';
